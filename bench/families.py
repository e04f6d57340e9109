"""pxocr per font family: CER, F1 at IoU 0.75 and mean edge error on document pages set in each
catalogued family (all its styles), with an error gallery per family.

    python bench/families.py [--model latin] [--pages 2] [--seed 7100001] [--preset clean]
                             [--threads 1] [--out FILE.md] [--gallery DIR]

Pages come from ``pxocr.synth.documents`` (640x640, em 14-44 px, the ``--preset``'s degradations),
one family per page, seeded from (seed, family index, page): the same command gives the same pages.
Families that pxocr holds out of training (``pxocr.synth.fonts.HELD_OUT``) are marked. The table is
sorted by CER, worst first, and ends with the totals over trained and held-out families.
``--gallery DIR`` writes ``DIR/<family>/worst_errors.png`` and ``report.md`` per family
(``pxocr.eval.report``).
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from dataclasses import replace

from tqdm import tqdm

from pxocr.eval import evaluate
from pxocr.eval.report import write_report
from pxocr.infer import Predictor
from pxocr.synth import preset, render_page
from pxocr.synth.fonts import HELD_OUT, catalogue
from pxocr.writers.atomic import write_atomic

SIZE = 640
SIZES = (14.0, 44.0)


def _pct(v) -> str:
    return "n/a" if v is None else f"{100 * v:.2f} %"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="latin", help="a shipped model (ocrb, latin) or an ONNX file")
    ap.add_argument("--pages", type=int, default=2, help="pages per family")
    ap.add_argument("--seed", type=int, default=7_100_001)
    ap.add_argument("--preset", default="clean", help="degradations: clean, degraded, hard or scan")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", help="also write the table to this Markdown file")
    ap.add_argument("--gallery", help="folder for an error gallery per family")
    a = ap.parse_args(argv)
    pred = Predictor(a.model, threads=a.threads)
    faces = catalogue()
    families = sorted({f.family for f in faces})
    rows, totals = [], {True: ([], []), False: ([], [])}
    for k, family in enumerate(tqdm(families, desc="families", unit="family")):
        own = tuple(f for f in faces if f.family == family)
        cfg = replace(preset(a.preset), width=SIZE, height=SIZE, fonts=own, size_min=SIZES[0], size_max=SIZES[1])
        samples = [render_page(cfg, a.seed + 1000 * k, i, f"{family}-{i}.png") for i in range(a.pages)]
        preds = [pred.predict(image, gt.image) for image, gt in samples]
        gts = [gt for _, gt in samples]
        r = evaluate(preds, gts, ap=False)
        held = family in HELD_OUT
        totals[held][0].extend(preds)
        totals[held][1].extend(gts)
        rows.append((r["cer"] if r["cer"] is not None else 1.0, family, own[0].kind, held, r))
        if a.gallery:
            write_report(r, os.path.join(a.gallery, family.replace(" ", "_")), preds, gts, [s[0] for s in samples])
    rows.sort(key=lambda t: -t[0])
    command = " ".join(shlex.quote(x) for x in ["python"] + sys.argv)
    out = [f"`{command}` (model {pred.model_path}, {a.pages} pages per family, preset {a.preset})", "",
           "| family | kind | held out | chars | CER | F1@0.75 | edge mean (px) |", "|---|---|---|---:|---:|---:|---:|"]
    for _, family, kind, held, r in rows:
        out.append(f"| {family} | {kind} | {'yes' if held else ''} | {r['chars_gt']} | {_pct(r['cer'])} | "
                   f"{_pct(r['f1']['0.75'])} | {r['edge_mean'] or float('nan'):.3f} |")
    for held, name in ((False, "all trained families"), (True, "all held-out families")):
        preds, gts = totals[held]
        if gts:
            r = evaluate(preds, gts, ap=False)
            out.append(f"| **{name}** | | | {r['chars_gt']} | {_pct(r['cer'])} | {_pct(r['f1']['0.75'])} | "
                       f"{r['edge_mean'] or float('nan'):.3f} |")
    text = "\n".join(out) + "\n"
    print(text)
    if a.out:
        write_atomic(a.out, text)


if __name__ == "__main__":
    main()
