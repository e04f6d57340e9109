"""What each reading stage adds: detection only, + shape check, + line head (CTC fusion),
+ recovery of missed glyphs, + boxes redrawn from the font, + small text read again enlarged
(``pxocr.infer.zoom``), on fixed seeded clean, degraded and hard pages.

    python bench/ablation.py [--model M] [--baseline OTHER.onnx] [--pages 100] [--out FILE.md]

Every row reads the same pages with the same weights; only the decoding differs
(``DecodeConfig``: geometry, ctc_weight, recover_prob, font_box_tol_px/em; ``ZoomConfig``:
below_em). ``--baseline`` adds a row for
another model read with its own defaults (e.g. a detector trained without a line head).
ms/page is the median at one thread, from the image array to the Page.
"""

from __future__ import annotations

import argparse
import sys

from accuracy import timed_eval  # bench/accuracy.py, beside this script
from tqdm import tqdm

from pxocr.infer import Predictor
from pxocr.synth import preset, render_page
from pxocr.writers.atomic import write_atomic

SEED = 424242
SETS = ("clean", "degraded", "hard")


def variants(pred: Predictor) -> dict[str, Predictor]:
    no_redraw = {"font_box_tol_px": 0.0, "font_box_tol_em": 0.0}
    one = pred.single_pass()  # each page read once
    out = {"detection only": one.with_decode(geometry=(), ctc_weight=0.0),
           "+ shape check": one.with_decode(ctc_weight=0.0, **no_redraw)}
    if pred.reads_lines:
        out["+ line head (CTC fusion)"] = one.with_decode(recover_prob=2.0, **no_redraw)
        out["+ recovery of missed glyphs"] = one.with_decode(**no_redraw)
    out["+ boxes redrawn from the font"] = one
    out["+ small text read again, enlarged"] = pred
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", help="ONNX model (default: the shipped one)")
    ap.add_argument("--baseline", help="another ONNX model for one more row")
    ap.add_argument("--pages", type=int, default=100)
    ap.add_argument("--out", help="also write the Markdown here")
    a = ap.parse_args()
    pred = Predictor(a.model, threads=1)
    rows = variants(pred)
    if a.baseline:
        rows[f"baseline {a.baseline}"] = Predictor(a.baseline, threads=1)
    lines = [f"`python bench/ablation.py --pages {a.pages}` (model {pred.model_path}, seed {SEED})", "",
             "| set | reading | CER | F1@0.75 | F1@0.9 | edge mean (px) | ms/page |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for name in SETS:
        pages = [render_page(preset(name), SEED, i) for i in tqdm(range(a.pages), desc=f"render {name}",
                                                                   file=sys.stderr)]
        for label, p in rows.items():
            r = timed_eval(p, pages, f"{name}: {label}", ap=False)
            lines.append(f"| {name} | {label} | {100 * r['cer']:.2f} % | {100 * r['f1']['0.75']:.2f} % | "
                         f"{100 * r['f1']['0.9']:.2f} % | {r['edge_mean']:.3f} | {r['ms_per_page']:.1f} |")
    text = "\n".join(lines)
    print(text)
    if a.out:
        write_atomic(a.out, text + "\n")


if __name__ == "__main__":
    main()
