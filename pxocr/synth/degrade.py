"""Composable image degradations, each with a probability and a strength range.

They act on the rendered page only: ground-truth boxes stay the glyph's own ink boxes.
Pages are uint8 (H, W) arrays, ink dark on light paper.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

Range = tuple[float, float]


@dataclass(frozen=True)
class Degradations:
    """Probabilities ``p_*`` and strength ranges; the defaults degrade nothing."""

    p_contrast: float = 0.0
    paper: Range = (235.0, 255.0)  # paper grey level
    ink: Range = (0.0, 40.0)  # ink grey level
    p_texture: float = 0.0
    texture: Range = (2.0, 12.0)  # amplitude of low-frequency paper texture, grey levels
    p_gradient: float = 0.0
    gradient: Range = (5.0, 40.0)  # shading across the page, grey levels
    p_bleed: float = 0.0
    bleed: Range = (0.2, 0.6)  # blend towards a 3x3 minimum (ink spreads)
    p_erode: float = 0.0
    erode: Range = (0.2, 0.5)  # blend towards a 3x3 maximum (ink thins)
    p_blur: float = 0.0
    blur: Range = (0.3, 1.0)  # gaussian sigma, px
    p_rescale: float = 0.0
    rescale: Range = (0.6, 0.9)  # down-then-up factor
    p_noise: float = 0.0
    noise: Range = (2.0, 10.0)  # gaussian sigma, grey levels
    p_saltpepper: float = 0.0
    saltpepper: Range = (0.0005, 0.004)  # fraction of pixels
    p_jpeg: float = 0.0
    jpeg: Range = (40.0, 90.0)  # quality
    p_show_through: float = 0.0
    show_through: Range = (8.0, 35.0)  # the back page's text, mirrored and blurred, grey levels at full ink
    p_specks: float = 0.0
    specks: Range = (3.0, 40.0)  # toner specks per page (radius 0.4-2 px)

    def __post_init__(self) -> None:
        for name, v in vars(self).items():
            if name.startswith("p_") and not 0.0 <= v <= 1.0:
                raise ValueError(f"{name}={v} is not a probability")
            if isinstance(v, tuple) and not (len(v) == 2 and v[0] <= v[1]):
                raise ValueError(f"{name}={v} is not a (low, high) range")


def _u(rng: np.random.Generator, r: Range) -> float:
    return float(rng.uniform(r[0], r[1]))


def _low_freq(rng: np.random.Generator, h: int, w: int, cells: int) -> np.ndarray:
    """Smooth noise in [-1, 1], shape (h, w)."""
    grid = rng.uniform(-1, 1, (cells, cells)).astype(np.float32)
    img = Image.fromarray(grid, mode="F").resize((w, h), Image.BICUBIC)
    return np.clip(np.asarray(img), -1, 1)


def _specks(rng: np.random.Generator, h: int, w: int, n: int) -> np.ndarray:
    """Coverage (h, w) of ``n`` toner specks: soft dots of radius 0.4-2 px at random places."""
    out = np.zeros((h, w), np.float32)
    for _ in range(n):
        r = float(rng.uniform(0.4, 2.0))
        cx, cy = float(rng.uniform(0, w)), float(rng.uniform(0, h))
        x0, x1 = max(0, int(cx - r - 1)), min(w, int(cx + r + 2))
        y0, y1 = max(0, int(cy - r - 1)), min(h, int(cy + r + 2))
        yy, xx = np.mgrid[y0:y1, x0:x1]
        d = np.hypot(xx + 0.5 - cx, yy + 0.5 - cy)
        np.maximum(out[y0:y1, x0:x1], np.clip(r + 0.5 - d, 0, 1) * float(rng.uniform(0.5, 1.0)),
                   out=out[y0:y1, x0:x1])
    return out


def compose(coverage: np.ndarray, d: Degradations, rng: np.random.Generator) -> np.ndarray:
    """Ink coverage (H, W) float32 in [0, 1] -> degraded uint8 page (H, W).

    Every random draw is made whether or not its degradation fires, so changing one
    probability does not reshuffle the others.
    """
    h, w = coverage.shape
    draws = rng.random(10)
    # scan defects: drawn only when a preset has them, so the older presets keep their pages
    scan = rng.random(2) if d.p_show_through or d.p_specks else np.ones(2)
    paper, ink = 255.0, 0.0
    if draws[0] < d.p_contrast:
        paper, ink = _u(rng, d.paper), _u(rng, d.ink)
    bg = np.full((h, w), paper, np.float32)
    if draws[1] < d.p_texture:
        bg += _u(rng, d.texture) * _low_freq(rng, h, w, int(rng.integers(4, 24)))
    if draws[2] < d.p_gradient:
        a = rng.uniform(0, 2 * np.pi)
        gx, gy = np.cos(a), np.sin(a)
        ramp = (np.arange(w)[None, :] * gx / max(w, 1) + np.arange(h)[:, None] * gy / max(h, 1))
        bg -= _u(rng, d.gradient) * (ramp - ramp.min()).astype(np.float32)
    if scan[0] < d.p_show_through:
        back = Image.fromarray((coverage[::-1, ::-1] * 255).astype(np.uint8))  # the back page, seen through
        back = back.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.8, 2.0))))
        bg -= _u(rng, d.show_through) * np.asarray(back, np.float32) / 255
    if scan[1] < d.p_specks:
        coverage = np.maximum(coverage, _specks(rng, h, w, int(_u(rng, d.specks))))
    page = bg - (bg - ink) * coverage
    img = Image.fromarray(np.clip(page + 0.5, 0, 255).astype(np.uint8))
    if draws[3] < d.p_bleed:
        img = Image.blend(img, img.filter(ImageFilter.MinFilter(3)), _u(rng, d.bleed))
    elif draws[4] < d.p_erode:
        img = Image.blend(img, img.filter(ImageFilter.MaxFilter(3)), _u(rng, d.erode))
    if draws[5] < d.p_blur:
        img = img.filter(ImageFilter.GaussianBlur(_u(rng, d.blur)))
    if draws[6] < d.p_rescale:
        f = _u(rng, d.rescale)
        small = img.resize((max(1, round(w * f)), max(1, round(h * f))), Image.BILINEAR)
        img = small.resize((w, h), Image.BILINEAR)
    arr = np.asarray(img).astype(np.float32)
    if draws[7] < d.p_noise:
        arr += rng.normal(0, _u(rng, d.noise), (h, w)).astype(np.float32)
    if draws[8] < d.p_saltpepper:
        mask = rng.random((h, w)) < _u(rng, d.saltpepper)
        arr[mask] = np.where(rng.random(int(mask.sum())) < 0.5, 0, 255)
    out = np.clip(arr + 0.5, 0, 255).astype(np.uint8)
    if draws[9] < d.p_jpeg:
        buf = io.BytesIO()
        Image.fromarray(out).save(buf, format="JPEG", quality=int(_u(rng, d.jpeg)))
        buf.seek(0)
        out = np.asarray(Image.open(buf).convert("L"))
    return out


def low_resolution(image: np.ndarray, factor: float) -> np.ndarray:
    """``image`` (uint8 (H, W)) as a capture ``factor`` times as fine shows it once enlarged back to
    its size: reduced by area (Lanczos), enlarged bicubic, as ``pxocr.infer.capture`` enlarges small
    print. The geometry is unchanged (both resamplings map the image's full extent), so ground-truth
    boxes stay exact."""
    h, w = image.shape
    return np.asarray(_reduced(image, factor).resize((w, h), Image.Resampling.BICUBIC))


def _reduced(image: np.ndarray, factor: float) -> Image.Image:
    """``image`` reduced by area (Lanczos) to ``factor`` of its size, at least 1 px a side."""
    h, w = image.shape
    return Image.fromarray(image).resize((max(1, round(w * factor)), max(1, round(h * factor))),
                                         Image.Resampling.LANCZOS)


PHOTO_BLUR = (0.3, 1.0)  # px at the coarse size: a hand-held camera's focus and shake
PHOTO_JPEG = (40, 80)
PHOTO_NOISE = 3.0  # grey levels


def small_photo(image: np.ndarray, factor: float, rng: np.random.Generator) -> np.ndarray:
    """``image`` as a small hand-held photo of it shows once enlarged back, as ``pxocr mrz`` reads
    a card on a desk: reduced by area as :func:`low_resolution` does, blurred (``PHOTO_BLUR``),
    sensor noise (``PHOTO_NOISE``) and JPEG (``PHOTO_JPEG``) at that size, enlarged bicubic. The
    geometry is unchanged: ground-truth boxes stay exact."""
    h, w = image.shape
    small = _reduced(image, factor).filter(ImageFilter.GaussianBlur(_u(rng, PHOTO_BLUR)))
    noisy = np.asarray(small, np.float32) + rng.normal(0, PHOTO_NOISE, (small.height, small.width))
    buf = io.BytesIO()
    Image.fromarray(np.clip(noisy + 0.5, 0, 255).astype(np.uint8)).save(
        buf, format="JPEG", quality=int(rng.integers(PHOTO_JPEG[0], PHOTO_JPEG[1] + 1)))
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("L").resize((w, h), Image.Resampling.BICUBIC))


def degrade_page(image: np.ndarray, d: Degradations, rng: np.random.Generator) -> np.ndarray:
    """A rendered page (uint8, ink dark on white, such as a crop of a real PDF page) degraded as
    :func:`compose` degrades a synthetic one: its ink coverage composed again."""
    return compose(1.0 - image.astype(np.float32) / 255.0, d, rng)


CLEAN = Degradations()
DEGRADED = Degradations(
    p_contrast=0.6, paper=(190, 255), ink=(0, 90), p_texture=0.4, p_gradient=0.3,
    p_bleed=0.2, p_erode=0.2, p_blur=0.4, blur=(0.3, 0.9), p_rescale=0.25, rescale=(0.65, 0.9),
    p_noise=0.5, noise=(2, 10), p_saltpepper=0.15, p_jpeg=0.35, jpeg=(45, 90),
)
# Scans of real paper: the degraded preset plus the back page showing through and toner specks.
SCAN = Degradations(
    p_contrast=0.6, paper=(190, 255), ink=(0, 90), p_texture=0.5, p_gradient=0.4,
    p_bleed=0.2, p_erode=0.2, p_blur=0.4, blur=(0.3, 0.9), p_rescale=0.25, rescale=(0.65, 0.9),
    p_noise=0.5, noise=(2, 10), p_saltpepper=0.15, p_jpeg=0.35, jpeg=(45, 90), p_show_through=0.35,
    p_specks=0.4,
)
HARD = Degradations(
    p_contrast=0.9, paper=(150, 240), ink=(30, 110), p_texture=0.6, texture=(5, 18), p_gradient=0.5,
    gradient=(10, 50), p_bleed=0.35, bleed=(0.4, 0.8), p_erode=0.35, erode=(0.4, 0.7),
    p_blur=0.8, blur=(0.7, 1.4), p_rescale=0.4, rescale=(0.55, 0.8), p_noise=0.8, noise=(6, 18),
    p_saltpepper=0.3, saltpepper=(0.002, 0.008), p_jpeg=0.5, jpeg=(30, 70),
)
