"""Real capture conditions: the page the model reads, made from the page a user gives.

A page may be light text on dark paper, its text far larger or smaller than the sizes the
network reads best, skewed, or turned. :func:`normalise` measures the page once and builds a
:class:`View`: the image the model reads (upright, dark on light, text at a good size) and the
mapping of its pixels back to the input's. :meth:`View.to_input` maps a page read in the view
back: every character's ``bbox`` is the axis-aligned box of its ink in the input image
(DESIGN.md 1.1); a line read skewed or turned also gets its ``angle`` (the direction its text
runs in the input, degrees counter-clockwise from the x axis: 0 upright, 90 running up the
page, 270 running down it, 4 a slight upward skew) and ``quad`` (its box's four corners in the
input, clockwise from the top left of the text) as extra keys.

The measures come from the page's ink (Otsu threshold, connected components, ``pxocr.morphology``):

- **polarity**: paper darker than mid-grey (the median pixel) with lighter ink: the page is
  read inverted;
- **text size**: the em is the 75th percentile of the glyph-like components' heights over
  :data:`CAP_EM` (cap and ascender height, 0.72 em); above ``em_range`` the page is scaled down
  so that it becomes ``large_to_em`` (high in the range, so that smaller text on the same page
  stays readable). Text below the range is found by a first reading (the
  model's own line sizes, which noise cannot fake as components can), and read again enlarged;
- **skew**: the angle (within ``max_skew_deg``) at which the components' bottoms project onto
  the fewest, sharpest rows (baselines), when those are clearly sharper (:data:`SKEW_GAIN`)
  than the level rows;
- **orientation**: ``auto`` asks whether most glyphs have their nearest neighbour beside them
  or above them (text across the page: 0 or 180; down it: 90 or 270); which of the two is
  upright is decided by reading both (the one with the better mean score).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Callable, Optional

import numpy as np
from PIL import Image

from .. import morphology, neighbours
from ..document import Char, Line, Page

CAP_EM = 0.72
LETTER_SHARE = 0.33  # a letter is at least this share as tall as the tallest tenth of the glyph-like marks
ORIENTATIONS = ("auto", "0", "90", "180", "270")
Point = tuple[float, float]


@dataclass(frozen=True)
class CaptureConfig:
    polarity: bool = True  # read light text on dark paper inverted; False: the ink is darker than the paper, always
    rescale: bool = True  # bring text outside em_range into it
    em_range: tuple[float, float] = (16.0, 48.0)  # the sizes the network was trained on, roughly
    large_to_em: float = 32.0  # text measured larger than the range is scaled to this em ...
    small_to_em: float = 28.0  # ... and text read smaller, to this one
    deskew: bool = True
    min_skew_deg: float = 0.5  # smaller skews are read as they are
    max_skew_deg: float = 10.0
    surround: bool = True  # paint what surrounds the page (a desk, a scanner's dark margin) in its paper's grey
    orientation: str = "0"  # "auto", or the quarter turn the page has: "0", "90", "180", "270"

    def __post_init__(self) -> None:
        if self.orientation not in ORIENTATIONS:
            from ..errors import UsageError

            raise UsageError(f"orientation {self.orientation!r}: choose from {', '.join(ORIENTATIONS)}")


@dataclass
class Ink:
    """What :func:`measure` finds on a page: threshold, whether the paper is dark, text em
    (None: too few glyph-like components), skew in degrees (counter-clockwise), and the em of the
    letters alone (``letters_em``: the glyph-like components at least ``LETTER_SHARE`` as tall as
    the tallest tenth; an index's rows of leader dots, each after a page number, measure as dots
    by ``em``, as the numbers by this)."""

    threshold: float
    dark_paper: bool
    em: Optional[float]
    skew: float
    centres: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))  # of the glyph-like components
    letters_em: Optional[float] = None

    @property
    def rows_vs_cols(self) -> float:
        """Glyphs whose nearest neighbour lies beside them over those with one above or below it
        (>1: text runs across the page, <1: down it)."""
        return horizontal_neighbours(self.centres)


def otsu(hist: np.ndarray) -> float:
    """Otsu's threshold of a grey-level histogram (bin i: grey level i)."""
    hist = hist.astype(np.float64)
    p = hist / max(hist.sum(), 1.0)
    omega = np.cumsum(p)
    mu = np.cumsum(p * np.arange(len(p)))
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mu[-1] * omega - mu) ** 2 / (omega * (1 - omega))
    if not np.isfinite(between).any():  # one grey level: no split
        return float(np.argmax(hist)) + 0.5
    return float(np.nanargmax(np.where(np.isfinite(between), between, np.nan))) + 0.5


def measure(gray: np.ndarray, max_skew_deg: float = 10.0, polarity: bool = True) -> Ink:
    """Measure a page's paper, text size and skew from its ink (a large page on a reduced copy);
    ``polarity`` False: the ink is darker than the paper, whatever the grey levels say."""
    return _measure_at(gray, max(1, int(max(gray.shape) // MEASURE_PX)), max_skew_deg, polarity)


MEASURE_PX = 1200  # pages larger than this on a side are measured on a reduced copy


def _measure_at(gray: np.ndarray, d: int, max_skew_deg: float, polarity: bool = True) -> Ink:
    small = gray[::d, ::d] if d > 1 else gray  # every d-th pixel: no full-size temporary on a large page
    sample = np.clip(small[::2, ::2], 0, 255).astype(np.uint8)  # grey levels: every fourth pixel will do
    hist = np.bincount(sample.ravel(), minlength=256)
    thr = otsu(hist)
    paper = _middle_grey(small, step=2)  # the paper's grey: of the page's middle (a desk may fill the rest)
    if abs(paper - thr) < 12:  # no contrast between two populations
        return Ink(thr, False, None, 0.0)
    # The paper is the median grey of the page's middle (a photo's desk around a card can hold
    # the whole page's median); the ink lies on the other side of the split and stands out from
    # its surroundings (a desk darker than the split is no ink).
    h, w = small.shape
    dark = polarity and paper < thr
    f = small.astype(np.float32)
    near = morphology.moving_mean(small, max(15, max(h, w) // 12))
    contrast = max(20.0, 0.5 * abs(paper - thr))

    def inked(dark: bool):
        ink = (f > near + contrast) & (f > thr) if dark else (f < near - contrast) & (f < thr)
        return (ink, *_components(ink, h))

    ink, hw, glyph = inked(dark)
    if polarity and glyph.sum() < POLARITY_CHECK:  # few glyphs: the page's middle may be a portrait, not paper
        o_ink, o_hw, o_glyph = inked(not dark)
        if o_glyph.sum() >= max(POLARITY_MIN, POLARITY_RATIO * glyph.sum()) and o_ink.mean() <= INK_SHARE:
            dark, ink, hw, glyph = not dark, o_ink, o_hw, o_glyph
    if ink.mean() > INK_SHARE or glyph.sum() < 8:
        return Ink(thr, dark, None, 0.0)
    thr = float(np.mean((f[ink] + near[ink]) / 2))  # halfway between the ink and its surroundings
    h = hw[:, 0]
    em = float(np.percentile(h[glyph], 75)) / CAP_EM * d
    letters = glyph & (h >= LETTER_SHARE * np.percentile(h[glyph], 90))
    letters_em = float(np.percentile(h[letters], 75)) / CAP_EM * d
    tall = glyph & (h >= 0.6 * CAP_EM * em / d)  # letters that stand on the baseline, most of them
    pts = hw[tall if tall.sum() >= 8 else glyph][:, [3, 2]] * d  # (x, y) bottom centres in input pixels
    skew = _skew(pts, em, max_skew_deg)
    centres = np.stack([hw[glyph][:, 3], hw[glyph][:, 2] - hw[glyph][:, 0] / 2], 1) * d
    return Ink(thr, dark, em, skew, centres, letters_em)


INK_SHARE = 0.5  # of the page, at most
# Where the paper's grey from the page's middle finds fewer than POLARITY_CHECK glyphs, the other
# polarity is tried, and taken where it finds POLARITY_RATIO times as many (POLARITY_MIN at least):
# a card whose middle is its portrait and guilloche looked like dark paper (30 glyphs against 211).
# A page of light text has its letters' counters as dark "glyphs", about half as many: no flip.
POLARITY_CHECK = 60
POLARITY_RATIO = 3.0
POLARITY_MIN = 20


def _middle_grey(gray: np.ndarray, step: int = 1) -> float:
    """The median grey of the image's middle half (each side; every ``step``-th pixel): the paper
    of a page, not of a desk around it."""
    h, w = gray.shape
    return float(np.median(gray[h // 4:h - h // 4:step, w // 4:w - w // 4:step]))


def _components(ink: np.ndarray, page_h: int) -> tuple[np.ndarray, np.ndarray]:
    """Connected components of ``ink``: (N, 4) height, width, bottom and x centre, and which of
    them are glyph-like (3 px to a third of the page tall, at most 4 heights wide)."""
    labels, n = morphology.label(ink)
    if n == 0:
        return np.zeros((0, 4)), np.zeros(0, bool)
    y0, x0, y1, x1 = morphology.bounds(labels, n).T.astype(np.float64)
    hw = np.stack([y1 - y0, x1 - x0, y1, (x0 + x1) / 2], 1)
    h, w = hw[:, 0], hw[:, 1]
    return hw, (h >= 3) & (h <= page_h / 3) & (w <= 4 * h) & (w >= 1)


def horizontal_neighbours(centres: np.ndarray) -> float:
    """How often marks at ``centres`` (N, 2) x, y have their nearest neighbour beside them rather
    than above or below, relative to the other (about 1 for scattered marks, well over 1 for text
    in rows, under 1 for text in columns)."""
    if len(centres) < 3:
        return 1.0
    delta = np.abs(centres[neighbours.nearest(centres)] - centres)
    across = float((delta[:, 0] > delta[:, 1]).sum())
    return (across + 1.0) / (len(centres) - across + 1.0)


def _profile_sharpness(q: np.ndarray, bin_px: float) -> np.ndarray:
    """Sum of squared counts of ``q`` (A, N) binned by ``bin_px``, per row: high when points share rows."""
    idx = np.floor((q - q.min(axis=1, keepdims=True)) / bin_px).astype(np.int64)
    out = np.empty(len(q))
    for k, row in enumerate(idx):
        c = np.bincount(row)
        out[k] = float((c.astype(np.float64) ** 2).sum())
    return out


def _skew(pts: np.ndarray, em: float, max_deg: float) -> float:
    """The angle (degrees, counter-clockwise) at which baseline points line up best."""
    x, y = pts[:, 0], pts[:, 1]
    bin_px = max(1.0, em / 16)
    coarse = np.arange(-max_deg, max_deg + 1e-9, 0.25)
    t = np.radians(coarse)[:, None]
    s = _profile_sharpness(y[None] * np.cos(t) + x[None] * np.sin(t), bin_px)
    best = coarse[int(np.argmax(s))]
    level = _profile_sharpness(y[None], bin_px)[0]
    if abs(best) >= max_deg - 0.3 or s.max() < SKEW_GAIN * level:  # no clear angle: read as it is
        return 0.0
    fine = np.arange(best - 0.25, best + 0.25 + 1e-9, 0.05)
    t = np.radians(fine)[:, None]
    sf = _profile_sharpness(y[None] * np.cos(t) + x[None] * np.sin(t), bin_px)
    return float(fine[int(np.argmax(sf))])


SKEW_GAIN = 1.15  # a skew is corrected when its baselines are this much sharper than the level ones


@dataclass
class View:
    """The image the model reads and how its pixels map back to the input's."""

    gray: np.ndarray
    input_gray: np.ndarray
    turn: int = 0  # quarter turns counter-clockwise that made the input upright
    inverted: bool = False
    angle: float = 0.0  # degrees counter-clockwise that the upright text had (undone before reading)
    scale: float = 1.0  # view pixels per upright pixel
    threshold: float = 128.0
    ink: Optional[Ink] = None  # what measure found on the page (None when nothing was measured)
    painted: Optional[np.ndarray] = field(default=None, repr=False)  # the turned input, surround painted, measured
    _back: list[Callable[[np.ndarray], np.ndarray]] = field(default_factory=list, repr=False)

    @property
    def identity(self) -> bool:
        return not self._back

    def points_to_input(self, pts: np.ndarray) -> np.ndarray:
        """(N, 2) view points (x, y) -> input points."""
        for fn in reversed(self._back):
            pts = fn(pts)
        return pts

    def to_input(self, page: Page) -> Page:
        """A page read in the view, in the input's pixels."""
        if self.identity:
            return page
        h, w = self.input_gray.shape
        lines = []
        for ln in page.lines:
            chars = [Char(c.char, b, c.score, dict(c.extra))
                     for c, b in zip(ln.chars, self._char_boxes([c.bbox for c in ln.chars]))]
            quad = self.points_to_input(_corners(ln.bbox))
            extra = dict(ln.extra)
            if self.turn or self.angle:
                extra["angle"] = round((self.angle - 90.0 * self.turn) % 360.0, 3)
                extra["quad"] = [[round(float(x), 3), round(float(y), 3)] for x, y in quad]
            box = _union([c.bbox for c in chars]) if chars else _aabb(quad)
            straight = not self.turn and not self.angle
            baseline = ln.baseline / self.scale if straight and ln.baseline is not None else None
            size = ln.font_size / self.scale if ln.font_size is not None else None
            lines.append(Line(ln.text, box, chars, ln.score, extra, baseline, size))
        return Page(w, h, lines, page.image, page.dpi, page.page_size_pt)

    def _char_boxes(self, boxes: list) -> list[tuple[float, float, float, float]]:
        """Character boxes in the view -> their axis-aligned boxes in the input, all corners
        mapped at once."""
        if not boxes:
            return []
        b = np.asarray(boxes, np.float64).reshape(-1, 4)
        quads = self.points_to_input(b[:, [0, 1, 2, 1, 2, 3, 0, 3]].reshape(-1, 2)).reshape(-1, 4, 2)
        lo, hi = quads.min(1), quads.max(1)
        out = [(x0, y0, x1, y1) for (x0, y0), (x1, y1) in zip(lo.tolist(), hi.tolist())]
        if self.angle:  # a rotated box's axis-aligned box is larger than the ink: tighten to the ink
            out = [_tighten(self.input_gray, q, box, self.threshold, self.inverted) for q, box in zip(quads, out)]
        return out


def _corners(b) -> np.ndarray:
    x0, y0, x1, y1 = b
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float64)


def _aabb(pts: np.ndarray) -> tuple[float, float, float, float]:
    return (float(pts[:, 0].min()), float(pts[:, 1].min()), float(pts[:, 0].max()), float(pts[:, 1].max()))


def _union(boxes) -> tuple[float, float, float, float]:
    b = np.array(boxes)
    return (float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max()))


def _tighten(gray: np.ndarray, quad: np.ndarray, box, thr: float, inverted: bool):
    """The box of the ink pixels inside ``quad`` (pixel centres), within ``box``; ``box`` if none."""
    h, w = gray.shape
    x0, y0 = max(0, int(math.floor(box[0]))), max(0, int(math.floor(box[1])))
    x1, y1 = min(w, int(math.ceil(box[2]))), min(h, int(math.ceil(box[3])))
    if x1 <= x0 or y1 <= y0:
        return box
    patch = gray[y0:y1, x0:x1]
    ink = patch > thr if inverted else patch < thr
    yy, xx = np.mgrid[y0:y1, x0:x1] + 0.5
    inside = np.ones_like(ink)
    for k in range(4):  # left of every edge of the clockwise quad (y down)
        (ax, ay), (bx, by) = quad[k], quad[(k + 1) % 4]
        inside &= (bx - ax) * (yy - ay) - (by - ay) * (xx - ax) >= -0.5 * math.hypot(bx - ax, by - ay)
    ys, xs = np.nonzero(ink & inside)
    if len(xs) == 0:
        return box
    return (float(x0 + xs.min()), float(y0 + ys.min()), float(x0 + xs.max() + 1), float(y0 + ys.max() + 1))


EM_SLACK = 1.05  # the measured em's error: text is scaled down when measured this far above the range
SURROUND_PX = 400  # found on a copy at most this large
SURROUND_CONTRAST = 40.0  # grey levels from the paper's
SURROUND_SHARE = 0.02  # of the image, at least
SURROUND_STEP = 8.0  # grey levels a pixel: the grey steps this steeply at most of the region's rim
SURROUND_MAX_HOLES = 4  # glyph-sized holes: more, and the region is dark paper with light text on it
SURROUND_BROAD_PX = 2  # on the copy: only what an opening of this radius keeps, where it touches the image's edge, is
# painted: a desk, not strokes joined to it or a card's portrait joined to the edge by them (a stamp's ring and
# guilloche lines and the glyphs they touch: on zones cut out of scanned identity cards such a web was painted over,
# and glyphs with it)


def paint_surround(gray: np.ndarray) -> np.ndarray:
    """``gray`` with what surrounds the page painted in the paper's grey (the median of the
    image's middle): a desk under a photographed card, a scanner's dark margin, whose step to the
    paper reads as strokes. That is each region which touches the image's edge, differs from the
    paper by more than :data:`SURROUND_CONTRAST`, covers :data:`SURROUND_SHARE` of the image or
    more, ends in a step (:data:`SURROUND_STEP`: not a gentle shading) and holds no light text
    (:data:`SURROUND_MAX_HOLES` glyph-sized holes at most); of such a region, its broad part at the
    edge only (:func:`_broad_at_edge`)."""
    d = max(1, math.ceil(max(gray.shape) / SURROUND_PX))
    small = gray[::d, ::d].astype(np.float32)
    h, w = small.shape
    if min(h, w) < 8:  # too small to hold a page and its surround
        return gray
    paper = _middle_grey(small)
    darker, n = morphology.label(small < paper - SURROUND_CONTRAST)  # a desk darker than the paper, and one
    lighter, m = morphology.label(small > paper + SURROUND_CONTRAST)  # lighter (apart: glare is no desk)
    labels = np.where(lighter > 0, lighter + n, darker)
    edge = morphology.at_edge(labels)
    area = np.bincount(labels.ravel(), minlength=n + m + 1)
    edge = edge[area[edge] >= SURROUND_SHARE * h * w]
    if len(edge) == 0:
        return gray
    paint = np.zeros((h, w), bool)
    inner = np.zeros((h, w), bool)
    inner[1:-1, 1:-1] = True
    steep = np.hypot(*np.gradient(small)) >= SURROUND_STEP * d
    for k in edge:
        region = _broad_at_edge(labels == k)
        if region.sum() < SURROUND_SHARE * h * w:
            continue
        rim = region & ~morphology.erode(region) & inner
        if not rim.any() or steep[rim].mean() < 0.5:  # a gentle shading, not the edge of a page
            continue
        holes, n_holes = morphology.label(morphology.fill_holes(region) & ~region)
        if n_holes:
            size = np.bincount(holes.ravel())[1:]
            if int(((size >= 4) & (size <= 0.01 * h * w)).sum()) > SURROUND_MAX_HOLES:
                continue
        paint |= region
    if not paint.any():
        return gray
    paint = morphology.dilate(paint, max(1, 4 // d))  # its blurred edge too
    full = paint.repeat(d, 0).repeat(d, 1)[:gray.shape[0], :gray.shape[1]] if d > 1 else paint
    out = gray.copy()
    out[full] = paper
    return out


def _broad_at_edge(region: np.ndarray) -> np.ndarray:
    """The parts of ``region`` an opening of :data:`SURROUND_BROAD_PX` keeps (the image's edge
    being none of the region's) that touch the image's edge."""
    broad = region & morphology.dilate(morphology.erode(region, SURROUND_BROAD_PX, border=True), SURROUND_BROAD_PX)
    parts, _ = morphology.label(broad)
    return np.isin(parts, morphology.at_edge(parts))


def normalise(gray: np.ndarray, cfg: CaptureConfig = CaptureConfig(), turn: Optional[int] = None,
              scale: Optional[float] = None, like: Optional[View] = None) -> View:
    """The view to read ``gray`` in (``turn``: quarter turns counter-clockwise to apply first;
    None: from ``cfg.orientation``, ``auto`` meaning the row/column test of :func:`measure`).

    Text measured larger than ``cfg.em_range`` is scaled down here; ``scale`` resamples by that
    factor instead (text found too small by a first reading: ``Predictor.predict``), and a page that
    ``scale`` reduces is measured reduced (:func:`measure_as_read`). ``like``: a
    view made of the same ``gray`` with the same settings and turn before: its painted pixels and
    its ink measure serve again (the page is measured once)."""
    view = View(gray, gray)
    if turn is None:
        turn = 0 if cfg.orientation in ("auto", "0") else (4 - int(cfg.orientation) // 90) % 4
    if turn:
        _turn(view, turn)
    if not (cfg.polarity or cfg.rescale or cfg.deskew):
        return view
    if like is not None and like.painted is not None and like.turn == view.turn and like.input_gray is gray:
        view.painted, ink = like.painted, like.ink
    else:
        # the surround painted: pixel values only, nothing to map back
        view.painted = paint_surround(view.gray) if cfg.surround else view.gray
        ink = measure_as_read(view.painted, cfg, scale)
    view.gray = view.painted
    view.threshold, view.ink = ink.threshold, ink
    if cfg.polarity and ink.dark_paper:
        view.gray = 255 - view.gray
        view.inverted = True  # the pixels' positions are unchanged: nothing to map back
    if scale is None and cfg.rescale and ink.em is not None and ink.em > cfg.em_range[1] * EM_SLACK:
        scale = cfg.large_to_em / ink.em
    if cfg.deskew and ink.em is not None and cfg.min_skew_deg <= abs(ink.skew) <= cfg.max_skew_deg:
        # enlarging in the same resampling as the rotation (one interpolation, not two); reducing
        # after it, with a filter that does not alias
        _rotate(view, ink.skew, scale if scale is not None and scale > 1 else 1.0)
        if scale is not None and scale < 1:
            _rescale(view, scale)
    elif scale is not None:
        _rescale(view, scale)
    return view


def measure_as_read(gray: np.ndarray, cfg: CaptureConfig, scale: Optional[float] = None) -> Ink:
    """:func:`measure` (with ``cfg``'s skew limit and polarity) of a page to be read at ``scale``: one to be
    reduced is measured reduced, as it will be read (a card's fine guilloche, broken into specks at its own
    size that measure as small print and outline no slope, merges into grey), its sizes and places given in
    the page's pixels (its grey threshold the reduced copy's, within a few grey levels of the page's own)."""
    if scale is None or scale >= 1:
        return measure(gray, cfg.max_skew_deg, cfg.polarity)
    ink = measure(resampled(gray, scale), cfg.max_skew_deg, cfg.polarity)
    return replace(ink, em=None if ink.em is None else ink.em / scale, centres=ink.centres / scale)


def _turn(view: View, k: int) -> None:
    h, w = view.gray.shape
    view.gray = np.ascontiguousarray(np.rot90(view.gray, k))
    view.turn = k
    view._back.append(lambda p: _turned_points(p, k, w, h))


def _turned_points(p: np.ndarray, k: int, w: int, h: int) -> np.ndarray:
    """Points of an image turned ``k`` quarter turns counter-clockwise from a (w, h) input, back in the input."""
    x, y = p[:, 0], p[:, 1]
    if k == 1:  # turned: (x', y') = (y, w - x)
        return np.stack([w - y, x], 1)
    if k == 2:
        return np.stack([w - x, h - y], 1)
    if k == 3:  # turned: (x', y') = (h - y, x)
        return np.stack([y, h - x], 1)
    return p


def _rotate(view: View, degrees: float, s: float = 1.0) -> None:
    """Undo a skew of ``degrees`` (counter-clockwise): rotate clockwise by it, canvas grown, paper
    filled; and enlarge by ``s`` in the same resampling."""
    h, w = view.gray.shape
    paper = int(np.median(view.gray))
    matrix, nw, nh = _rotation(w, h, -degrees)
    ow, oh = max(1, round(nw * s)), max(1, round(nh * s))
    sx, sy = ow / nw, oh / nh
    a, b, c, d, e, f = matrix  # output px -> input px; the enlargement divides the output first
    im = Image.fromarray(view.gray).transform((ow, oh), Image.Transform.AFFINE, (a / sx, b / sy, c, d / sx, e / sy, f),
                                              Image.Resampling.BICUBIC, fillcolor=paper)
    view.gray = np.asarray(im)
    view.angle = degrees
    t = math.radians(degrees)
    cos, sin = math.cos(t), math.sin(t)

    def back(p: np.ndarray) -> np.ndarray:  # counter-clockwise by t about the centres
        dx, dy = p[:, 0] - nw / 2, p[:, 1] - nh / 2
        return np.stack([w / 2 + dx * cos + dy * sin, h / 2 - dx * sin + dy * cos], 1)

    view._back.append(back)
    if (ow, oh) != (nw, nh):
        view.scale *= (sx + sy) / 2
        view._back.append(lambda p: p / np.array([sx, sy]))


def _rotation(w: int, h: int, degrees: float) -> tuple[list[float], int, int]:
    """The affine matrix (output px -> input px) and canvas size of ``Image.rotate(degrees,
    expand=True)`` on a (w, h) image, as Pillow computes them."""
    t = -math.radians(degrees)
    m = [round(math.cos(t), 15), round(math.sin(t), 15), 0.0, round(-math.sin(t), 15), round(math.cos(t), 15), 0.0]

    def apply(x: float, y: float) -> tuple[float, float]:
        return m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]

    m[2], m[5] = apply(-w / 2, -h / 2)
    m[2] += w / 2
    m[5] += h / 2
    corners = [apply(x, y) for x, y in ((0, 0), (w, 0), (w, h), (0, h))]
    nw = math.ceil(max(x for x, _ in corners)) - math.floor(min(x for x, _ in corners))
    nh = math.ceil(max(y for _, y in corners)) - math.floor(min(y for _, y in corners))
    m[2], m[5] = apply(-(nw - w) / 2, -(nh - h) / 2)
    return m, nw, nh


def resampled(gray: np.ndarray, s: float) -> np.ndarray:
    """``gray`` resampled by ``s`` (Lanczos below 1, bicubic above), each side rounded."""
    h, w = gray.shape
    nw, nh = max(1, round(w * s)), max(1, round(h * s))
    resample = Image.Resampling.LANCZOS if s < 1 else Image.Resampling.BICUBIC
    return np.asarray(Image.fromarray(gray).resize((nw, nh), resample))


def _rescale(view: View, s: float) -> None:
    h, w = view.gray.shape
    view.gray = resampled(view.gray, s)
    nh, nw = view.gray.shape
    sx, sy = nw / w, nh / h
    view.scale *= (sx + sy) / 2
    view._back.append(lambda p: p / np.array([sx, sy]))
