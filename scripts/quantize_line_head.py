"""Quantise a model's line head to int8, in place (or to ``--out``): its convolutions but the last run
in onnxruntime's int8 kernels, calibrated on the line branch's inputs as the model reads synthetic pages
with its own settings (``pxocr.train.quantize.quantize_line_head``); the page branch stays as it was.
Run it after ``scripts/set_model_meta.py`` (the calibration reads as the model's settings say). Usage:

python scripts/quantize_line_head.py MODEL.onnx [--out OUT.onnx] [--pages 6]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from pxocr.errors import ModelError


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("--out", help="write here (default: over MODEL)")
    ap.add_argument("--pages", type=int, default=6, help="calibration pages (default 6)")
    a = ap.parse_args(argv)
    if not os.path.isfile(a.model):
        sys.exit(f"{a.model}: no such file")
    logging.getLogger("root").setLevel(logging.ERROR)  # onnxruntime.quantization's advice on pre-processing
    from pxocr.train.quantize import quantize_line_head

    try:
        out = quantize_line_head(a.model, a.out or a.model, a.pages)
    except ModelError as e:
        sys.exit(str(e))
    print(f"wrote {out} ({os.path.getsize(out) / 1e6:.2f} MB)", file=sys.stderr)


if __name__ == "__main__":
    main()
