"""Synthetic identity documents: a card or passport page with a few printed lines above its
machine-readable zone (any ICAO 9303 layout), scanned or photographed.

``document(cfg, seed, index, layout, photo)`` returns ``(image, truth, mrz_lines)``. The page is
ID-1 (TD1), ID-2 (TD2, MRV-B) or ID-3 (TD3, MRV-A) shaped; the zone is OCR-B at a size that
fills the document's width, the other lines are OCR-B words. ``photo`` adds what a hand-held
photo does: the page reduced to 0.45-1x (cap heights down to about 7 px), skewed by up to 6
degrees, turned by a random quarter and saved as JPEG
(boxes of the skewed page are the axis-aligned boxes of the rotated ones; CER is the measure).
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from pxocr.document import Page, reading_order
from pxocr.synth import text as textgen
from pxocr.synth.capture import scaled, skewed, turned
from pxocr.synth.degrade import compose
from pxocr.synth.engine import LineSpec, SynthConfig, font_renderer, render_lines

ASPECT = {"TD1": 1.58, "TD2": 1.42, "TD3": 1.42, "MRV-A": 1.42, "MRV-B": 1.42}  # width / height


def document(cfg: SynthConfig, seed: int, index: int, layout: str = "TD3",
             photo: bool = False) -> tuple[np.ndarray, Page, list[str]]:
    rng = np.random.default_rng([seed, index, 0x3D3])
    rend = font_renderer(cfg.font)
    mrz = textgen.mrz_lines(rng, layout)
    width = cfg.width
    height = int(width / ASPECT[layout])
    margin = 0.04 * width
    size = (width - 2 * margin) / (len(mrz[0]) * rend.advance("<")) * float(rng.uniform(0.9, 0.98))
    line_h = (rend.ink_top + rend.ink_bottom) * size
    pitch = line_h * float(rng.uniform(1.3, 1.6))
    top = height - margin - pitch * (len(mrz) - 1) - line_h
    specs = [LineSpec(t, size, margin, top + i * pitch + rend.ink_top * size) for i, t in enumerate(mrz)]
    y = margin + rend.ink_top * size * 1.2
    while y + 2 * pitch < top:  # printed lines above the zone
        words = " ".join(textgen.word(rng).upper() for _ in range(int(rng.integers(1, 4))))
        specs.append(LineSpec(words, size * float(rng.uniform(0.8, 1.3)), margin, y))
        y += pitch * float(rng.uniform(1.2, 1.8))
    cov, lines = render_lines(specs, SynthConfig(width=width, height=height, font=cfg.font), rend)
    order = reading_order([ln.bbox for ln in lines])
    image = compose(cov, cfg.degrade, rng)
    page = Page(width, height, [lines[i] for i in order])
    if photo:
        image, page = scaled(image, page, float(rng.uniform(0.45, 1.0)))  # cap height down to ~7 px
        image, page = skewed(image, page, float(rng.uniform(-6, 6)))
        image, page = turned(image, page, int(rng.integers(0, 4)))
        buf = io.BytesIO()
        Image.fromarray(image).save(buf, format="JPEG", quality=int(rng.integers(40, 80)))
        image = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("L"))
    return image, page, mrz
