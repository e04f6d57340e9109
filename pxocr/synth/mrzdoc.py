"""Synthetic identity documents: a card or passport page with its portrait, security print and
printed lines above its machine-readable zone (any ICAO 9303 layout), scanned or photographed.

``document(cfg, seed, index, layout, photo)`` returns ``(image, truth, mrz_lines)``. The page is
ID-1 (TD1), ID-2 (TD2, MRV-B) or ID-3 (TD3, MRV-A) shaped; the zone is OCR-B at a size that
fills the document's width, the other lines are OCR-B words beside a portrait. Every document
has what real ones have around the text (:func:`_security_print`): tinted paper, guilloche
lines (under the zone on some), and on half of them a stamp, over the zone on half of those.
``photo`` adds what a hand-held photo does (:func:`_photographed`): the page reduced to 0.4-1x
(cap heights down to about 5 px on 640 px TD3 and MRV-A pages, 6 px on TD2 and MRV-B, 8 px on
TD1), laid on a desk, turned by a random quarter plus up to 20 degrees, seen in perspective
(corners moved by up to 6 % of the card), with glare, blur and JPEG. Boxes of a photographed page
are the axis-aligned boxes of the mapped ones; CER is the measure there.
"""

from __future__ import annotations

import io
import math
from dataclasses import replace

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from pxocr.document import Page, in_reading_order
from pxocr.synth import text as textgen
from pxocr.synth.capture import scaled, warped
from pxocr.synth.degrade import compose
from pxocr.synth.engine import LineSpec, SynthConfig, font_renderer, render_lines

ASPECT = {"TD1": 1.58, "TD2": 1.42, "TD3": 1.42, "MRV-A": 1.42, "MRV-B": 1.42}  # width / height
# each layout's part in a document's seed (documents of one index but different layouts had had the same fields
# and print until 2026-12-05 evening)
LAYOUT_SEED = {"TD1": 0, "TD2": 1, "TD3": 2, "MRV-A": 3, "MRV-B": 4}
MARGIN = 0.04  # of the document's width, each side
PORTRAIT_SHARE = 0.27  # of the document's width, at its left, above the zone


def document(cfg: SynthConfig, seed: int, index: int, layout: str = "TD3",
             photo: bool = False) -> tuple[np.ndarray, Page, list[str]]:
    rng = np.random.default_rng([seed, index, LAYOUT_SEED[layout], 0x3D3])
    rend = font_renderer(cfg.font)
    mrz = textgen.mrz_lines(rng, layout)
    width = cfg.width
    height = int(width / ASPECT[layout])
    margin = MARGIN * width
    size = zone_em(width, len(mrz[0]), rend.advance("<")) * float(rng.uniform(0.9, 0.98))
    line_h = (rend.ink_top + rend.ink_bottom) * size
    pitch = line_h * float(rng.uniform(1.3, 1.6))
    top = height - margin - pitch * (len(mrz) - 1) - line_h
    specs = [LineSpec(t, size, margin, top + i * pitch + rend.ink_top * size) for i, t in enumerate(mrz)]
    left = margin + (PORTRAIT_SHARE + 0.03) * width
    y = margin + rend.ink_top * size * 1.2
    while y + 2 * pitch < top:  # printed lines above the zone, right of the portrait
        words = [textgen.word(rng).upper() for _ in range(int(rng.integers(1, 4)))]
        em = size * float(rng.uniform(0.8, 1.3))
        while len(words) > 1 and sum(map(rend.advance, " ".join(words))) * em > width - margin - left:
            words.pop()
        specs.append(LineSpec(" ".join(words), em, left, y))
        y += pitch * float(rng.uniform(1.2, 1.8))
    cov, lines = render_lines(specs, SynthConfig(width=width, height=height, font=cfg.font), rend)
    image = _security_print(compose(cov, cfg.degrade, rng), rng, margin, top - 0.5 * pitch)
    page = Page(width, height, in_reading_order(lines))
    if photo:
        image, page = _photographed(image, page, rng)
    return image, page, mrz


def zone_em(width: float, chars: int, advance: float) -> float:
    """The em (px) at which a zone line of ``chars`` characters of ``advance`` em each fills a
    document ``width`` px wide within its margins."""
    return width * (1 - 2 * MARGIN) / (chars * advance)


def _security_print(image: np.ndarray, rng: np.random.Generator, margin: float, zone_top: float) -> np.ndarray:
    """Tinted paper, guilloche, the portrait and a stamp, printed with the text (multiplied in)."""
    h, w = image.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    shade = np.full((h, w), float(rng.uniform(0.72, 1.0)), np.float32)  # coloured paper, seen in grey
    for _ in range(int(rng.integers(1, 3))):  # guilloche: families of fine wavy lines, or a rosette
        period, depth = float(rng.uniform(5, 16)), float(rng.uniform(0.08, 0.3))
        if rng.random() < 0.7:
            a = float(rng.uniform(0, math.pi))
            wave = float(rng.uniform(1, 4)) * np.sin(2 * math.pi * (xx * math.sin(a) - yy * math.cos(a))
                                                      / float(rng.uniform(40, 200)) + float(rng.uniform(0, 6.3)))
            phase = 2 * math.pi * (xx * math.cos(a) + yy * math.sin(a)) / period + wave
        else:
            cx, cy = float(rng.uniform(0, w)), float(rng.uniform(0, h))
            r = np.hypot(xx - cx, yy - cy)
            phase = 2 * math.pi * r / period + float(rng.uniform(1, 3)) * np.sin(int(rng.integers(5, 13))
                                                                                 * np.arctan2(yy - cy, xx - cx))
        lines = np.clip((np.cos(phase) - (1 - float(rng.uniform(0.08, 0.25)))) * 8, 0, 1)
        under_zone = 0.0 if rng.random() < 0.5 else float(rng.uniform(0.3, 1.0))  # a clear band, or not
        lines[int(zone_top):] *= under_zone
        shade *= 1 - depth * lines
    x0, x1, y0, y1 = int(margin), int(margin + PORTRAIT_SHARE * w), int(margin), int(zone_top)
    if y1 - y0 > 8:  # the portrait: a smooth dark-and-light patch
        face = _smooth_noise(rng, y1 - y0, x1 - x0, 6)
        shade[y0:y1, x0:x1] *= np.clip(0.55 + 0.35 * face, 0.15, 1.0)
    if rng.random() < 0.5:  # a stamp, over the zone on half of them
        over = rng.random() < 0.5
        cx = float(rng.uniform(0.1, 0.9)) * w
        cy = float(rng.uniform(zone_top, h)) if over else float(rng.uniform(0, zone_top))
        shade *= 1 - float(rng.uniform(0.25, 0.55)) * _stamp(rng, h, w, cx, cy)
    return np.clip(image.astype(np.float32) * shade + 0.5, 0, 255).astype(np.uint8)


def _smooth_noise(rng: np.random.Generator, h: int, w: int, cells: int) -> np.ndarray:
    coarse = rng.normal(0, 1, (cells, cells)).astype(np.float32)
    return np.asarray(Image.fromarray(coarse).resize((w, h), Image.Resampling.BICUBIC))


def _stamp(rng: np.random.Generator, h: int, w: int, cx: float, cy: float) -> np.ndarray:
    """Ink coverage (0-1) of a round stamp: two rings and a few strokes inside."""
    im = Image.new("L", (w, h), 0)
    d = ImageDraw.Draw(im)
    r = float(rng.uniform(0.08, 0.18)) * w
    stroke = int(rng.integers(2, 5))
    for rr in (r, r * float(rng.uniform(0.7, 0.85))):
        d.ellipse((cx - rr, cy - rr, cx + rr, cy + rr), outline=255, width=stroke)
    for _ in range(int(rng.integers(2, 6))):
        y = cy + float(rng.uniform(-0.5, 0.5)) * r
        half = float(rng.uniform(0.2, 0.55)) * r
        d.line((cx - half, y, cx + half, y), fill=255, width=max(1, stroke - 1))
    im = im.rotate(float(rng.uniform(0, 360)), center=(cx, cy), resample=Image.Resampling.BILINEAR)
    return np.asarray(im.filter(ImageFilter.GaussianBlur(0.6)), np.float32) / 255


MAX_PHOTO_TILT = 20.0  # degrees beyond the quarter turn
MAX_PERSPECTIVE = 0.06  # of the card's shorter side, each corner


def _photographed(image: np.ndarray, page: Page, rng: np.random.Generator) -> tuple[np.ndarray, Page]:
    image, page = scaled(image, page, float(rng.uniform(0.4, 1.0)))  # cap height down to 5-8 px (module notes)
    h, w = image.shape
    turn = math.radians(90 * int(rng.integers(0, 4)) + float(rng.uniform(-MAX_PHOTO_TILT, MAX_PHOTO_TILT)))
    cos, sin = math.cos(turn), math.sin(turn)
    pts = np.array([(-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)])
    pts = pts @ np.array([[cos, -sin], [sin, cos]])  # counter-clockwise on screen
    pts += rng.uniform(-1, 1, (4, 2)) * float(rng.uniform(0, MAX_PERSPECTIVE)) * min(w, h)
    border = float(rng.uniform(0.04, 0.12)) * max(w, h)
    pts -= pts.min(0) - border
    size = (int(pts[:, 0].max() + border), int(pts[:, 1].max() + border))
    desk = float(rng.uniform(20, 200)) + 12 * _smooth_noise(rng, size[1], size[0], 5)
    image, page = warped(image, page, pts, size, desk)
    out = image.astype(np.float32)
    if rng.random() < 0.5:  # glare: a bright patch that washes the print out
        gy, gx = float(rng.uniform(0, size[1])), float(rng.uniform(0, size[0]))
        sy, sx = rng.uniform(0.1, 0.35, 2) * np.array([size[1], size[0]])
        yy, xx = np.mgrid[0:size[1], 0:size[0]].astype(np.float32)
        glare = float(rng.uniform(0.3, 0.8)) * np.exp(-((yy - gy) / sy) ** 2 - ((xx - gx) / sx) ** 2)
        out += glare * (255 - out)
    img = Image.fromarray(np.clip(out + rng.normal(0, 3, out.shape) + 0.5, 0, 255).astype(np.uint8))
    if rng.random() < 0.5:
        img = img.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.3, 1.0))))
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=int(rng.integers(40, 80)))
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("L")), page


def document_crop(cfg: SynthConfig, seed: int, index: int, crop: int,
                  sizes: tuple[float, float]) -> tuple[np.ndarray, Page]:
    """A ``crop`` px square of a scanned document of any layout whose zone is printed at an em
    drawn from ``sizes`` (training data: boxes exact), on the zone for 70 % of the crops."""
    from pxocr.mrz.icao import LAYOUTS
    from pxocr.synth.pdf import crop_page

    rng = np.random.default_rng([seed, index, 0xD0C])
    lay = LAYOUTS[int(rng.integers(len(LAYOUTS)))]
    em = float(rng.uniform(*sizes))
    width = int(em / zone_em(1.0, lay.length, font_renderer(cfg.font).advance("<")) / 0.94)
    image, page, _ = document(replace(cfg, width=max(width, crop // 2)), seed, index, lay.name)
    h, w = image.shape
    if h < crop or w < crop:  # a small document: its edges carried out to the crop
        image = np.pad(image, ((0, max(0, crop - h)), (0, max(0, crop - w))), mode="edge")
        page = Page(max(w, crop), max(h, crop), page.lines)
        h, w = image.shape
    x0 = int(rng.integers(0, w - crop + 1))
    low = max(0, h - crop - int(0.1 * h)) if rng.random() < 0.7 else 0
    y0 = int(rng.integers(low, h - crop + 1))
    return crop_page(image, page, x0, y0, crop, crop)
