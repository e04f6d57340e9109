"""The automatic model choice (``--model auto``, the default) against each model alone.

    python bench/auto_model.py [--pages 20] [--seed 7100001] [--orientation 0|auto] [--cache DIR] [--out FILE.md]

Sets (fresh seeds: the choice's thresholds were set on other pages):

- ``ocrb``: the synthetic engine's OCR-B pages, half clean, half degraded;
- ``fonts``, ``heldout-fonts``, ``pdf``: as in ``bench/peers.py`` (document pages in the trained or
  held-out families; crops of glpk-doc's manuals, which training never sees);
- ``mixed``: the top half of an OCR-B page over the bottom half of a page in the trained fonts
  (lines cut by the seam painted over), as on a form or an identity document. Its CER is
  counted per half, so that the order of lines across the seam does not count.

Prints, per set and model: CER, F1 at IoU 0.75, the median ms per page on one thread, and for
``auto`` how often the latin model read too (each way up it reads a page in counts).
``--orientation auto`` reads every page as ``pxocr read --orientation auto`` does (the pages stay upright).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from tqdm import tqdm  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peers import load_set  # noqa: E402

from pxocr.document import Page  # noqa: E402
from pxocr.eval import evaluate  # noqa: E402
from pxocr.infer.predictor import Predictor  # noqa: E402
from pxocr.writers.atomic import write_atomic  # noqa: E402

MODELS = ("ocrb", "latin", "auto")
SEAM = 320  # the mixed pages' seam, px from the top


def _paint_cut(image: np.ndarray, page: Page, keep_top: bool) -> list:
    """The lines of ``page`` wholly on the kept side of the seam; those it cuts painted with the paper."""
    paper = int(np.median(image))
    kept = []
    for ln in page.lines:
        x0, y0, x1, y1 = ln.bbox
        if (y1 <= SEAM - 2) if keep_top else (y0 >= SEAM + 2):
            kept.append(ln)
        elif y0 < SEAM + 2 and y1 > SEAM - 2:
            image[max(0, int(y0) - 1):int(np.ceil(y1)) + 1, max(0, int(x0) - 1):int(np.ceil(x1)) + 1] = paper
    return kept


def mixed(top: tuple[np.ndarray, Page], bottom: tuple[np.ndarray, Page]) -> tuple[np.ndarray, Page]:
    a, b = top[0].copy(), bottom[0].copy()
    lines = _paint_cut(a, top[1], True) + _paint_cut(b, bottom[1], False)
    return np.concatenate([a[:SEAM], b[SEAM:]]), Page(a.shape[1], a.shape[0], lines, top[1].image)


def halves(page: Page) -> list[Page]:
    """The page as its two halves (lines by their centre), for CER counted per half."""
    top = [ln for ln in page.lines if (ln.bbox[1] + ln.bbox[3]) / 2 < SEAM]
    return [Page(page.width, page.height, top, page.image),
            Page(page.width, page.height, [ln for ln in page.lines if ln not in top], page.image)]


def load_sets(pages: int, seed: int, cache) -> dict[str, list]:
    half = (pages + 1) // 2
    ocrb = load_set("clean", half, seed, "degraded", cache) + load_set("degraded", pages - half, seed + 1, "degraded",
                                                                          cache)
    sets = {"ocrb": ocrb}
    for name in ("fonts", "heldout-fonts", "pdf"):
        sets[name] = load_set(name, pages, seed, "degraded", cache)
    sets["mixed"] = [mixed(o, f) for o, f in zip(ocrb, sets["fonts"])]
    return sets


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=20)
    ap.add_argument("--seed", type=int, default=7_100_001)
    ap.add_argument("--cache", help="directory to keep the generated pages in")
    ap.add_argument("--orientation", choices=["0", "auto"], default="0", help="the way up pages are read")
    ap.add_argument("--out", help="also write the table to this Markdown file")
    a = ap.parse_args(argv)
    sets = load_sets(a.pages, a.seed, a.cache)
    preds = {m: Predictor(m, threads=1).with_capture(orientation=a.orientation) for m in MODELS}
    general_runs = 0
    real = preds["auto"].general._read_sized

    def counted(*args, **kwargs):
        nonlocal general_runs
        general_runs += 1
        return real(*args, **kwargs)

    preds["auto"].general._read_sized = counted
    rows = ["| set | model | CER | F1@0.75 | ms/page (median) | latin readings |", "|---|---|---:|---:|---:|---:|"]
    for set_name, samples in sets.items():
        for m, pred in preds.items():
            general_runs = 0
            out, ms = [], []
            for image, gt in tqdm(samples, desc=f"{set_name}/{m}", leave=False):
                t0 = time.perf_counter()
                out.append(pred.predict(image, gt.image))
                ms.append(1000 * (time.perf_counter() - t0))
            gts = [gt for _, gt in samples]
            if set_name == "mixed":
                res = evaluate([h for p in out for h in halves(p)], [h for g in gts for h in halves(g)])
            else:
                res = evaluate(out, gts)
            ran = f"{general_runs} readings on {len(samples)} pages" if m == "auto" else ""
            rows.append(f"| {set_name} | {m} | {100 * res['cer']:.2f} % | {res['f1']['0.75']:.3f} | "
                        f"{statistics.median(ms):.0f} | {ran} |")
            print(rows[-1], flush=True)
    command = f"python bench/auto_model.py --pages {a.pages} --seed {a.seed} --orientation {a.orientation}"
    text = f"`{command}`\n\n" + "\n".join(rows) + "\n"
    print("\n" + text)
    if a.out:
        write_atomic(a.out, text)


if __name__ == "__main__":
    main()
