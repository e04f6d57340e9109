"""pxocr per degradation: the same pages in the training families with one degradation at a time
(each at the ``degraded`` preset's strengths, always applied; paper texture and a gradient of light
together, as the uneven paper they make), then all of them as the preset draws them: CER, F1 at IoU
0.75 and 0.9, mean edge error. Shows which degradation costs the boxes most.

    python bench/degradations.py [--model latin] [--pages 8] [--seed 7300001] [--fonts train]
                                 [--threads 1] [--out FILE.md]

Pages come from ``pxocr.synth.documents`` (640x640, em 14-44 px), seeded by ``--seed``: each row
reads the same page layouts, degraded its own way.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from dataclasses import replace
from typing import Optional

from tqdm import tqdm

from pxocr.eval import evaluate
from pxocr.infer import Predictor
from pxocr.synth import preset, render_page
from pxocr.synth.degrade import DEGRADED, Degradations
from pxocr.synth.fonts import FONT_SETS, font_set
from pxocr.writers.atomic import write_atomic

SIZE = 640
SIZES = (14.0, 44.0)
D = DEGRADED
CONDITIONS: dict[str, Degradations] = {
    "none": Degradations(),
    "contrast": Degradations(p_contrast=1.0, paper=D.paper, ink=D.ink),
    "texture and gradient": Degradations(p_texture=1.0, texture=D.texture, p_gradient=1.0, gradient=D.gradient),
    "bleed": Degradations(p_bleed=1.0, bleed=D.bleed),
    "erode": Degradations(p_erode=1.0, erode=D.erode),
    "blur": Degradations(p_blur=1.0, blur=D.blur),
    "rescale (down, then up)": Degradations(p_rescale=1.0, rescale=D.rescale),
    "noise": Degradations(p_noise=1.0, noise=D.noise),
    "salt and pepper": Degradations(p_saltpepper=1.0, saltpepper=D.saltpepper),
    "JPEG": Degradations(p_jpeg=1.0, jpeg=D.jpeg),
    "degraded preset": D,
}


def _fmt(v: Optional[float], spec: str, scale: float = 1.0, unit: str = "") -> str:
    """``v`` formatted, or n/a where the metric is undefined (no text, no matched characters)."""
    return "n/a" if v is None else f"{scale * v:{spec}}{unit}"


def main(argv: Optional[list[str]] = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="latin", help="ocrb, latin, auto or an ONNX file")
    ap.add_argument("--pages", type=int, default=8)
    ap.add_argument("--seed", type=int, default=7_300_001)
    ap.add_argument("--fonts", default="train", choices=sorted(FONT_SETS), help="font set of the pages")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", help="also write the table to this Markdown file")
    args = ap.parse_args(argv)
    if args.pages < 1:
        ap.error("--pages must be at least 1")
    pred = Predictor(args.model, threads=args.threads)
    base = preset("clean", width=SIZE, height=SIZE, fonts=font_set(args.fonts), size_min=SIZES[0],
                  size_max=SIZES[1])
    rows = []
    for name, d in tqdm(CONDITIONS.items(), desc="conditions", unit="condition"):
        cfg = replace(base, degrade=d)
        pages = [render_page(cfg, args.seed, i) for i in range(args.pages)]
        m = evaluate([pred.predict(image, gt.image) for image, gt in pages], [gt for _, gt in pages], ap=False)
        cells = (_fmt(m["cer"], ".2f", 100, " %"), _fmt(m["f1"]["0.75"], ".1f", 100, " %"),
                 _fmt(m["f1"]["0.9"], ".1f", 100, " %"), _fmt(m["edge_mean"], ".3f"))
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    command = "python bench/degradations.py " + shlex.join(argv if argv is not None else sys.argv[1:])
    text = "\n".join([
        f"`{command}`", "",
        f"{args.pages} pages a condition, seed {args.seed}, fonts `{args.fonts}`, em {SIZES[0]:g}-{SIZES[1]:g} px, "
        f"model {os.path.basename(pred.model_path)}, {args.threads} thread(s).", "",
        "| degradation | CER | F1@0.75 | F1@0.9 | edge mean (px) |", "|---|---:|---:|---:|---:|", *rows, ""])
    print(text)
    if args.out:
        write_atomic(args.out, text)


if __name__ == "__main__":
    main()
