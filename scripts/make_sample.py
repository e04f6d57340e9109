"""Render the bundled sample page pxocr/samples/sample.png (+ its ground truth JSON)."""

from __future__ import annotations

import numpy as np
from PIL import Image

from pxocr.document import Page, in_reading_order
from pxocr.synth.engine import LineSpec, font_renderer, preset, render_lines
from pxocr.synth.text import mrz_td3
from pxocr.writers.atomic import write_atomic

LINES = [  # (text, em px, pen x, baseline y); table cells are lines of their own (columns)
    ("INVOICE No. 2024-0715", 30.0, 24.25, 52.5),
    ("Date: 15/07/2024", 18.0, 24.5, 96.25),
    ("Due: 14/08/2024", 18.0, 380.5, 96.25),
    ("Bill to: Anna Maria Eriksson", 18.0, 24.5, 126.0),
    ("Storgatan 12, 114 55 Stockholm", 18.0, 24.5, 152.0),
    ("Item", 20.0, 24.5, 205.5), ("Qty", 20.0, 300.0, 205.5), ("Price", 20.0, 400.0, 205.5),
    ("Paper A4 (500)", 20.0, 24.5, 235.0), ("4", 20.0, 314.5, 235.0), ("$18.40", 20.0, 400.0, 235.0),
    ("Toner #TN-2420", 20.0, 24.5, 264.5), ("1", 20.0, 314.5, 264.5), ("$64.99", 20.0, 400.0, 264.5),
    ("Total: $138.59", 36.0, 235.375, 340.0),
    ("IBAN DE89 3704 0044 0532 0130 00", 17.0, 24.5, 388.0),
    ("e-mail: billing@example.com; ref. [A7/~x]", 16.0, 24.5, 416.0),
    ("Thank you for your business!", 24.0, 24.5, 470.0),
]


def main() -> None:
    cfg = preset("clean", p_mrz=0.0)
    rend = font_renderer(None)
    specs = [LineSpec(t, s, x, y) for t, s, x, y in LINES]
    l1, l2 = mrz_td3(np.random.default_rng(44))
    specs += [LineSpec(l1, 18.0, 24.25, 540.0), LineSpec(l2, 18.0, 24.25, 570.0)]
    cov, lines = render_lines(specs, cfg, rend)
    image = np.clip(255.0 - 255.0 * cov + 0.5, 0, 255).astype(np.uint8)
    page = Page(640, 640, in_reading_order(lines), "sample.png")
    Image.fromarray(image).save("pxocr/samples/sample.png")
    write_atomic("pxocr/samples/sample.json", page.to_json(indent=1))


if __name__ == "__main__":
    main()
