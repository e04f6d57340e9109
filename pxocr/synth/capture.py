"""Capture conditions applied to a page and its ground truth: scale, skew, quarter turns,
inversion, and pages without text.

Each transform takes ``(image, page)`` and returns the transformed pair, boxes in the new
image's pixels (DESIGN.md 1.1):

- :func:`scaled`: the image resampled by ``s`` (Pillow, area-correct), every box times ``s``;
  exact, since Pillow maps pixel ``[i, i+1)`` onto ``[s*i, s*(i+1))``.
- :func:`turned`: ``k`` quarter turns counter-clockwise (``numpy.rot90``); exact. The line
  and character order stays that of the upright text.
- :func:`skewed`: rotated by ``degrees`` counter-clockwise about the centre, the canvas grown
  to hold it, filled with the paper; each line gets its ``angle``. Given the fonts the page was
  drawn in, each character's box is the axis-aligned box of its glyph's outline turned: its ink's
  box in the new image, exact; without them, the axis-aligned box of its rotated box (larger than
  its ink by up to the glyph's height times the sine of the angle on each side).
- :func:`inverted`: light text on dark paper (``255 - image``); boxes unchanged.

:func:`blank_page` draws pages that hold no text (white, flat grey, noise, JPEG noise, paper
texture, ruled lines, gradients, random shapes).
"""

from __future__ import annotations

import io
import math
from typing import Callable, Iterator, Optional, Sequence

import numpy as np
from PIL import Image

from pxocr.boxes import union_of
from pxocr.document import Char, Line, Page
from pxocr.errors import InputError

BLANK_KINDS = ("white", "grey", "noise", "jpeg", "texture", "ruled", "gradient", "shapes")


def _map(page: Page, width: int, height: int, fn: Callable[[tuple], tuple], **line_extra) -> Page:
    lines = []
    for ln in page.lines:
        chars = [Char(c.char, fn(c.bbox), c.score, dict(c.extra)) for c in ln.chars]
        box = (min(c.bbox[0] for c in chars), min(c.bbox[1] for c in chars),
               max(c.bbox[2] for c in chars), max(c.bbox[3] for c in chars)) if chars else fn(ln.bbox)
        lines.append(Line(ln.text, box, chars, ln.score, {**ln.extra, **line_extra}))
    return Page(width, height, lines, page.image)


def scaled(image: np.ndarray, page: Page, s: float, resample: Optional[int] = None) -> tuple[np.ndarray, Page]:
    """Resampled by ``s`` with Pillow's ``resample`` filter (default: Lanczos reducing, bicubic enlarging)."""
    h, w = image.shape
    nw, nh = max(1, round(w * s)), max(1, round(h * s))
    sx, sy = nw / w, nh / h
    if resample is None:
        resample = Image.Resampling.LANCZOS if s < 1 else Image.Resampling.BICUBIC
    im = Image.fromarray(image).resize((nw, nh), resample)
    return np.asarray(im), _map(page, nw, nh, lambda b: (b[0] * sx, b[1] * sy, b[2] * sx, b[3] * sy))


def turned(image: np.ndarray, page: Page, k: int) -> tuple[np.ndarray, Page]:
    """``k`` quarter turns counter-clockwise."""
    k %= 4
    h, w = image.shape
    out = np.ascontiguousarray(np.rot90(image, k))
    fns = {
        0: lambda b: b,
        1: lambda b: (b[1], w - b[2], b[3], w - b[0]),
        2: lambda b: (w - b[2], h - b[3], w - b[0], h - b[1]),
        3: lambda b: (h - b[3], b[0], h - b[1], b[2]),
    }
    return out, _map(page, out.shape[1], out.shape[0], fns[k])


def skewed(image: np.ndarray, page: Page, degrees: float, fonts: Sequence = ()) -> tuple[np.ndarray, Page]:
    """Rotated by ``degrees`` counter-clockwise about the centre (module docstring). With ``fonts``
    (the font files, or :class:`pxocr.synth.fonts.Face` s, the page was drawn in), each character's
    box is the axis-aligned box of its glyph's outline turned (:func:`turned_ink_boxes`): its ink's
    box in the turned image (``InputError`` for a line none of them draws as its boxes say); without
    them, the box of its turned box."""
    h, w = image.shape
    paper = int(np.median(image[:4].tolist() + image[-4:].tolist()))
    im = Image.fromarray(image).rotate(degrees, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=paper)
    nw, nh = im.size
    t = math.radians(degrees)
    cos, sin = math.cos(t), math.sin(t)

    def point(x: float, y: float) -> tuple[float, float]:
        dx, dy = x - w / 2, y - h / 2  # counter-clockwise on screen (y down)
        return nw / 2 + dx * cos + dy * sin, nh / 2 - dx * sin + dy * cos

    def fn(b):
        xs, ys = zip(*(point(x, y) for x, y in ((b[0], b[1]), (b[2], b[1]), (b[2], b[3]), (b[0], b[3]))))
        return (min(xs), min(ys), max(xs), max(ys))

    turned_page = _map(page, nw, nh, fn, angle=float(degrees))
    if fonts:
        lines = []
        for ln, boxes in zip(turned_page.lines, turned_ink_boxes(page, degrees, fonts, point)):
            if boxes is None:
                raise InputError(f"skewed: none of the {len(fonts)} fonts given draws the line {ln.text!r} "
                                 "as its boxes say")
            if boxes:
                chars = [Char(c.char, b, c.score, c.extra) for c, b in zip(ln.chars, boxes)]
                ln = Line(ln.text, union_of(b for b in boxes), chars, ln.score, ln.extra)
            lines.append(ln)
        turned_page = Page(nw, nh, lines, page.image)
    return np.asarray(im), turned_page


INK_TOLERANCE = 0.02  # px: a glyph's upright ink box matches a character's box when its sides are this close


def turned_ink_boxes(page: Page, degrees: float, fonts: Sequence,
                     point: Callable[[float, float], tuple[float, float]]) -> Iterator[Optional[list[tuple]]]:
    """Per line of ``page`` (drawn upright by ``pxocr.synth`` in one of ``fonts``, at its ``font_size``):
    its characters' ink boxes after the page is turned ``degrees`` with ``point`` mapping a point of the
    upright page into the turned one; None for a line none of the fonts draws as its boxes say. A
    character's pen is its box less its glyph's upright ink box (both exact outline boxes, so this holds
    to 1/64 px); the pen turns with the page, the glyph about its pen (``GlyphRenderer.turned_ink``).
    The fonts tried first for a line are those of its ``font`` and ``style`` (``pxocr.synth.documents``
    names them), then all."""
    from .documents import face_renderer

    paths = [getattr(f, "path", f) for f in fonts]
    for ln in page.lines:
        own = [getattr(f, "path", f) for f in fonts if (getattr(f, "family", None), getattr(f, "style", None))
               == (ln.extra.get("font"), ln.extra.get("style"))]
        found = None
        for path in dict.fromkeys(own + paths) if ln.font_size else ():
            rend = face_renderer(path)  # cached; turned_ink leaves it as glyph() and advance() expect
            boxes = []
            for c in ln.chars:
                upright, turned = rend.turned_ink(c.char, ln.font_size, degrees)
                sides = np.subtract(c.bbox, upright)  # the pen's x and y, twice
                if abs(sides[0] - sides[2]) > INK_TOLERANCE or abs(sides[1] - sides[3]) > INK_TOLERANCE:
                    break
                px, py = point(float(sides[0]), float(sides[1]))
                boxes.append((px + turned[0], py + turned[1], px + turned[2], py + turned[3]))
            else:
                found = boxes
                break
        yield found


def inverted(image: np.ndarray, page: Page) -> tuple[np.ndarray, Page]:
    return 255 - image, page


def blank_page(kind: str, seed: int, width: int = 640, height: int = 640) -> np.ndarray:
    """A page without text of one of :data:`BLANK_KINDS`."""
    rng = np.random.default_rng(seed)
    paper = float(rng.uniform(200, 250))
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    if kind == "white":
        img = np.full((height, width), 255.0)
    elif kind == "grey":
        img = np.full((height, width), float(rng.uniform(120, 200)))
    elif kind == "noise":
        img = paper + rng.normal(0, rng.uniform(8, 30), (height, width))
    elif kind == "jpeg":
        noisy = np.clip(paper + rng.normal(0, 12, (height, width)), 0, 255).astype(np.uint8)
        buf = io.BytesIO()
        Image.fromarray(noisy).save(buf, format="JPEG", quality=int(rng.integers(10, 40)))
        return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("L"))
    elif kind == "texture":
        coarse = rng.normal(0, 1, (height // 16 + 2, width // 16 + 2)).astype(np.float32)
        up = np.asarray(Image.fromarray(coarse).resize((width, height), Image.Resampling.BICUBIC))
        img = paper + 10 * up + rng.normal(0, 4, (height, width))
    elif kind == "ruled":
        img = np.full((height, width), paper)
        gap = int(rng.integers(18, 40))
        for y in range(int(rng.integers(10, 30)), height, gap):
            img[y:y + int(rng.integers(1, 3))] = paper - rng.uniform(60, 140)
        img[:, int(rng.integers(40, 90))] = paper - 90
    elif kind == "gradient":
        a, b = rng.uniform(-0.2, 0.2, 2)
        img = 128 + a * xx + b * yy + 40 * np.sin(xx / rng.uniform(80, 200))
    elif kind == "shapes":
        from PIL import ImageDraw

        im = Image.new("L", (width, height), int(paper))
        draw = ImageDraw.Draw(im)
        for _ in range(int(rng.integers(3, 9))):
            x0, y0 = rng.uniform(0, width), rng.uniform(0, height)
            x1, y1 = x0 + rng.uniform(30, 250), y0 + rng.uniform(30, 250)
            shade = int(rng.uniform(0, 160))
            if rng.random() < 0.5:
                draw.ellipse((x0, y0, x1, y1), outline=shade, width=int(rng.integers(1, 5)))
            else:
                draw.rectangle((x0, y0, x1, y1), fill=shade)
        return np.asarray(im)
    else:
        raise ValueError(f"unknown blank page kind {kind!r}: choose from {', '.join(BLANK_KINDS)}")
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def homography(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """The 3x3 projective matrix that takes the four points ``src`` (4, 2) onto ``dst``."""
    a, b = [], []
    for (x, y), (u, v) in zip(src, dst):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        b += [u, v]
    return np.append(np.linalg.solve(np.array(a, float), np.array(b, float)), 1.0).reshape(3, 3)


def warped(image: np.ndarray, page: Page, corners: np.ndarray, size: tuple[int, int],
           backdrop: np.ndarray) -> tuple[np.ndarray, Page]:
    """The page seen in perspective: its four corners (top-left, top-right, bottom-right,
    bottom-left) land on ``corners`` of an image of ``size`` (w, h) whose other pixels are
    ``backdrop`` (h, w). Each box becomes the axis-aligned box of its four mapped corners."""
    h, w = image.shape
    fwd = homography(np.array([(0, 0), (w, 0), (w, h), (0, h)], float), np.asarray(corners, float))
    inv = np.linalg.inv(fwd)
    coeffs = (inv / inv[2, 2]).ravel()[:8]
    card = np.asarray(Image.fromarray(image).transform(size, Image.Transform.PERSPECTIVE, coeffs,
                                                       Image.Resampling.BICUBIC), np.float32)
    cover = np.asarray(Image.fromarray(np.full((h, w), 255, np.uint8)).transform(
        size, Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BILINEAR), np.float32) / 255
    out = np.clip(cover * card + (1 - cover) * backdrop + 0.5, 0, 255).astype(np.uint8)

    def fn(b):
        pts = np.array([(b[0], b[1], 1), (b[2], b[1], 1), (b[2], b[3], 1), (b[0], b[3], 1)], float) @ fwd.T
        xs, ys = pts[:, 0] / pts[:, 2], pts[:, 1] / pts[:, 2]
        return (float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max()))

    return out, _map(page, size[0], size[1], fn)
