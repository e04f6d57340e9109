"""Reading under capture conditions: scale, skew, quarter turns, inversion, and pages without text.

    python bench/capture.py [--pages 6] [--seed 7460001] [--engines pxocr tesseract] [--out FILE.md]

Three page sets, generated from the seed: ``ocrb`` (the synthetic engine's clean OCR-B pages, read
with ``--model ocrb``), ``fonts`` (document pages in the families pxocr trains on, em 16-40 px,
read with ``--model latin``) and ``mixed`` (``bench/peers.py``'s: a title 2.2-3.2 times the size of
the body text under it, body em 13-18 px, half the pages worn; read with ``--model latin``; not a default).
Each page is read upright and after each transform of ``pxocr.synth.capture`` (exact boxes; under skew, the box
of each glyph's outline turned). Then 8
pages of each kind without text (``pxocr.synth.capture.BLANK_KINDS``): the table gives false characters per page.

Prints one Markdown table per set: CER, character F1 at IoU 0.75 and 0.9, mean edge error and median
seconds per page, per condition and engine (the engines of ``bench/peers.py``).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_THREAD_LIMIT"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import replace  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from peers import PxocrEngine, TesseractEngine, load_set  # noqa: E402
from tqdm import tqdm  # noqa: E402

from pxocr.eval import evaluate  # noqa: E402
from pxocr.synth import preset, render_page  # noqa: E402
from pxocr.synth.capture import BLANK_KINDS, blank_page, inverted, scaled, skewed, turned  # noqa: E402
from pxocr.synth.fonts import font_set, resolve_font  # noqa: E402

CONDITIONS = {  # (image, truth, the fonts it was drawn in) -> (image, truth)
    "upright": lambda im, p, fonts: (im, p),
    "scale 0.5x": lambda im, p, fonts: scaled(im, p, 0.5),
    "scale 2.5x": lambda im, p, fonts: scaled(im, p, 2.5),
    "scale 4x": lambda im, p, fonts: scaled(im, p, 4.0),
    "skew -4 deg": lambda im, p, fonts: skewed(im, p, -4.0, fonts),
    "skew +4 deg": lambda im, p, fonts: skewed(im, p, 4.0, fonts),
    "turned 90": lambda im, p, fonts: turned(im, p, 1),
    "turned 180": lambda im, p, fonts: turned(im, p, 2),
    "turned 270": lambda im, p, fonts: turned(im, p, 3),
    "inverted": lambda im, p, fonts: inverted(im, p),
}
SETS = {"ocrb": "ocrb", "fonts": "latin", "mixed": "latin"}  # set -> pxocr model


def fonts_of(name: str):
    """The font files (or faces) a set's pages are drawn in."""
    return [resolve_font(None)] if name == "ocrb" else font_set("train")


def pages_of(name: str, count: int, seed: int):
    if name == "mixed":
        return load_set("mixed", count, seed, "degraded", None)
    if name == "ocrb":
        cfg = preset("clean")
    else:
        cfg = replace(preset("clean"), fonts=font_set("train"), size_min=16.0, size_max=40.0)
    return [render_page(cfg, seed, i) for i in range(count)]


def _px(v) -> str:
    return "-" if v is None else f"{v:.3f} px"


def measure(engine, samples) -> dict:
    preds, secs = [], []
    for img, gt in samples:
        t = time.perf_counter()
        preds.append(engine.read(img, gt.image))
        secs.append(time.perf_counter() - t)
    m = evaluate(preds, [gt for _, gt in samples], ap=False)
    return {"cer": m["cer"], "f1": m["f1"]["0.75"], "f1_9": m["f1"]["0.9"], "edge": m["edge_mean"],
            "s": statistics.median(secs),
            "chars": sum(len(p.chars) for p in preds) / len(preds)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=6)
    ap.add_argument("--seed", type=int, default=7_460_001)
    ap.add_argument("--engines", nargs="+", default=["pxocr"], choices=["pxocr", "tesseract"])
    ap.add_argument("--sets", nargs="+", default=["ocrb", "fonts"], choices=list(SETS))
    ap.add_argument("--conditions", nargs="+", default=list(CONDITIONS), choices=list(CONDITIONS))
    ap.add_argument("--blank", type=int, default=3, help="pages of each kind without text (0: none)")
    ap.add_argument("--orientation", default="0", help="pxocr's orientation setting (auto or 0)")
    ap.add_argument("--model", nargs="+", default=[], metavar="SET=MODEL",
                    help="another pxocr model for a set (a shipped name or an ONNX file), e.g. fonts=X.onnx")
    ap.add_argument("--out")
    a = ap.parse_args()
    models = dict(SETS)
    for item in a.model:
        set_name, _, model = item.partition("=")
        if set_name not in SETS or not model:
            ap.error(f"--model {item}: give SET=MODEL with SET one of {', '.join(SETS)}")
        models[set_name] = model
    out = []
    for set_name in a.sets:
        engines = [PxocrEngine(models[set_name], 1, False)] + (  # no refolding: keeps pxocr's own line order
            [TesseractEngine(3, "eng", True)] if "tesseract" in a.engines else [])
        engines = [e for e in engines if not e.missing]
        engines[0]._impl = engines[0]._impl.with_capture(orientation=a.orientation)
        base = pages_of(set_name, a.pages, a.seed)
        fonts = fonts_of(set_name)
        rows = []
        for cond in tqdm(a.conditions, desc=set_name, unit="condition"):
            samples = [CONDITIONS[cond](im, p, fonts) for im, p in base]
            cells = [measure(e, samples) for e in engines]
            rows.append(f"| {cond} | " + " | ".join(
                f"{100 * c['cer']:.2f} % | {100 * c['f1']:.1f} % | {100 * c['f1_9']:.1f} % | {_px(c['edge'])} | "
                f"{c['s']:.2f}" for c in cells) + " |")
        head = " | ".join(f"{e.name} CER | {e.name} F1@0.75 | {e.name} F1@0.9 | {e.name} edge | {e.name} s/page"
                          for e in engines)
        table = (f"### {set_name} ({a.pages} pages, seed {a.seed}, pxocr model {models[set_name]})\n\n"
                 f"| condition | {head} |\n|---|" + "---|" * (5 * len(engines)) + "\n" + "\n".join(rows))
        if a.blank:
            blank_rows = []
            for kind in BLANK_KINDS:
                imgs = [blank_page(kind, a.seed + k) for k in range(a.blank)]
                counts = [sum(len(e.read(im).chars) for im in imgs) / len(imgs) for e in engines]
                blank_rows.append(f"| {kind} | " + " | ".join(f"{c:.1f}" for c in counts) + " |")
            table += ("\n\nFalse characters per page without text:\n\n| page | "
                      + " | ".join(e.name for e in engines) + " |\n|---|" + "---|" * len(engines) + "\n"
                      + "\n".join(blank_rows))
        print(table + "\n", flush=True)
        out.append(table)
    if a.out:
        from pxocr.writers.atomic import write_atomic

        write_atomic(a.out, "\n\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
