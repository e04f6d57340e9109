"""Small text read a second time, enlarged: the regions, the mosaic they are read in, and the
merge of the two readings.

The network reads text of 28-48 px em almost without error, but its error rate climbs below
that (clean pages, per glyph: 1.1 % at 16-19 px, 0.3 % at 20-23 px, 0.03 % at 28-31 px).
So after a first reading, the lines smaller than ``ZoomConfig.below_em`` are gathered into
regions. Each region is cut out with a margin and enlarged (bicubic) so that its smallest
line is ``target_em`` px; the enlarged crops are packed into one mosaic, read in one network
pass, and mapped back to the page's own pixels. In each region, the lines found there replace
the first reading's lines they overlap, unless they score lower on average (``merge``).

Large text is read again the same way, reduced (``ZoomConfig.above_em``): a page of small print holding a
heading or a title twice its size or more is read enlarged for the small print (``pxocr.infer.capture``),
its large lines then above the sizes the network reads (at 80-95 px em, a title in a light monospaced face
read ``BOXCaE S`` for ``Boxcar's``). Those lines are cut out, reduced so that the smallest of each region
is ``reduce_to_em`` px, and read in a mosaic of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
from PIL import Image

from .. import morphology
from ..boxes import area, max_iou, overlap_of_smaller, union_box
from ..decode import Glyphs
from ..document import Char, Line, in_reading_order
from .capture import horizontal_neighbours

CONFIRM_IOU = 0.3
MOSAIC_WIDTH = 1024  # px: the enlarged crops are packed into rows this wide
MOSAIC_GAP = 16  # px of paper between them


@dataclass(frozen=True)
class ZoomConfig:
    below_em: float = 24.0  # lines smaller than this (em, px) are read again, enlarged; 0 = off
    target_em: float = 28.0  # ... to this em
    max_scale: float = 2.5
    margin_em: float = 1.0  # paper kept around a region's lines, in em of its smallest line
    keep_em: float = 30.0  # lines of the enlarged reading up to this em (page px) are kept
    min_gain: float = 0.0  # ... if their mean character score beats the first reading's by this
    confirm_score: float = 0.7  # glyphs new in the enlarged reading need this score ...
    neighbour_score: float = 1.0  # ... or this one beside a confirmed glyph on its line (1: off)
    unread_ink: bool = True  # also small print that the first reading missed (unread_ink)
    unsure_score: float = 0.4  # a line scoring under this is enlarged for its ink's height (ink_sized); 0 = off
    above_em: float = 0.0  # lines larger than this (em, px) are read again, reduced; 0 = off
    reduce_to_em: float = 36.0  # ... to this em

    def __post_init__(self) -> None:
        if self.below_em < 0 or self.target_em <= 0 or self.max_scale < 1 or self.margin_em <= 0 \
                or self.keep_em <= 0 or not 0 <= self.confirm_score or self.above_em < 0 or self.reduce_to_em <= 0 \
                or 0 < self.above_em < self.reduce_to_em:
            raise ValueError("ZoomConfig needs below_em >= 0, target_em > 0, max_scale >= 1, margin_em > 0, "
                             "keep_em > 0, confirm_score >= 0, reduce_to_em > 0 and above_em 0 or at least "
                             "reduce_to_em")


@dataclass(frozen=True)
class Region:
    """A part of the page to read again: its core (the lines' boxes, merged) and its crop
    (the core plus the margin, clipped to the page), both (x0, y0, x1, y1) px, and the scale.
    ``pad`` (left, top, right, bottom), enlarged px: the margin the page's edges cut off, which
    the mosaic gives back as paper, so that no two regions' text comes closer than two margins."""

    core: tuple[float, float, float, float]
    crop: tuple[int, int, int, int]
    scale: float
    pad: tuple[int, int, int, int] = (0, 0, 0, 0)

    def size(self) -> tuple[int, int]:
        """(width, height) of the enlarged crop, px."""
        x0, y0, x1, y1 = self.crop
        return round((x1 - x0) * self.scale), round((y1 - y0) * self.scale)

    def to_page(self, boxes: np.ndarray) -> np.ndarray:
        """(N, 4) boxes in the enlarged crop's px -> page px (exact per axis)."""
        x0, y0, x1, y1 = self.crop
        w, h = self.size()
        f = np.array([(x1 - x0) / w, (y1 - y0) / h] * 2)
        return np.asarray(boxes, np.float64).reshape(-1, 4) * f + [x0, y0, x0, y0]


def _em(line: Line) -> float:
    return float(line.font_size or 0.0)


MERGE_EM_RATIO = 1.5  # lines of more different sizes stay in separate regions (each its own scale)


def regions(lines: list[Line], width: int, height: int, cfg: ZoomConfig, large: bool = False) -> list[Region]:
    """The regions that hold the lines smaller than ``cfg.below_em`` (with ``large``, larger than
    ``cfg.above_em``): each such line's box grown by the margin, merged while any two of similar size
    (within ``MERGE_EM_RATIO``) overlap. A region's scale brings its smallest line to ``cfg.target_em``
    (``cfg.reduce_to_em``)."""
    if large:
        picked = [ln for ln in lines if cfg.above_em and _em(ln) > cfg.above_em]
    else:
        picked = [ln for ln in lines if 0 < _em(ln) < cfg.below_em]
    groups = [(np.array(ln.bbox, np.float64), _em(ln), _em(ln)) for ln in picked]
    merged = True
    while merged:  # a handful of regions per page: the quadratic merge is cheap
        merged = False
        out: list[tuple[np.ndarray, float, float]] = []
        for box, lo, hi in groups:
            for k, (other, lo2, hi2) in enumerate(out):
                pad = cfg.margin_em * max(lo, lo2)
                if max(hi, hi2) <= MERGE_EM_RATIO * min(lo, lo2) and box[0] - pad < other[2] \
                        and other[0] < box[2] + pad and box[1] - pad < other[3] and other[1] < box[3] + pad:
                    out[k] = (union_box(np.stack([box, other])),
                              min(lo, lo2), max(hi, hi2))
                    merged = True
                    break
            else:
                out.append((box, lo, hi))
        groups = out
    if large:
        groups = [(_whole_rows(box, lines, cfg.margin_em * lo), lo, hi) for box, lo, hi in groups]
    result = []
    for box, em, _ in groups:
        margin = cfg.margin_em * em
        want = (np.floor(box[0] - margin), np.floor(box[1] - margin), np.ceil(box[2] + margin),
                np.ceil(box[3] + margin))
        crop = (max(0, int(want[0])), max(0, int(want[1])), min(width, int(want[2])), min(height, int(want[3])))
        scale = min(cfg.reduce_to_em / em, 1.0) if large else float(np.clip(cfg.target_em / em, 1.0, cfg.max_scale))
        cut = (crop[0] - want[0], crop[1] - want[1], want[2] - crop[2], want[3] - crop[3])
        result.append(Region(tuple(float(v) for v in box), crop, scale, tuple(int(round(v * scale)) for v in cut)))
    return result


def _whole_rows(box: np.ndarray, lines: list[Line], reach: float) -> np.ndarray:
    """``box`` widened over every line whose row it crosses (half the line's height or more) and that comes
    within ``reach`` px of it (its crop's margin), until none is left: a large line that the first reading
    parted from the rest of its row (a heading's words at sizes either side of ``above_em``) is read again with
    all of it, no word cut."""
    b = np.array([ln.bbox for ln in lines], np.float64).reshape(-1, 4)
    half = (b[:, 3] - b[:, 1]) / 2
    while True:
        cross = ((np.minimum(b[:, 3], box[3]) - np.maximum(b[:, 1], box[1]) >= half)
                 & (b[:, 0] < box[2] + reach) & (b[:, 2] > box[0] - reach))
        grown = union_box(np.vstack([box[None], b[cross]])) if cross.any() else box
        if np.array_equal(grown, box):
            return box
        box = grown


UNREAD_SURE = 0.8  # a first reading's line this sure (mean character score) has read its ink
UNREAD_MIN_GLYPHS = 5  # a block of unread ink holds this many glyph-like marks at least
GLYPH_EM = 1.6  # a block's em: this many times its marks' median height (x-height to cap height)
UNREAD_ROWS = 2.0  # marks with their nearest neighbour beside them this many times as often as not


def unread_ink(gray: np.ndarray, lines: list[Line], cfg: ZoomConfig) -> list[Line]:
    """Blocks of small print that the first reading did not read, as lines without characters
    (for :func:`regions`: a box and an em): the ink that no character of a sure line covers,
    in marks of glyph height (2 px up to 0.8 of ``cfg.below_em``) that lie in rows close enough
    to be text. The network's own size for print a few pixels high is no guide (it read an
    8 px em block as 22 px garbage, so the block was never enlarged enough); the marks' height is."""
    ink = _ink(gray)
    if ink is None:
        return []
    for ln in lines:
        if ln.chars and _mean_score([ln]) >= UNREAD_SURE:
            for c in ln.chars:
                x0, y0, x1, y1 = c.bbox
                ink[max(0, int(y0) - 1):int(np.ceil(y1)) + 1, max(0, int(x0) - 1):int(np.ceil(x1)) + 1] = False
    labels, n = morphology.label(ink, diagonal=True)
    if n < UNREAD_MIN_GLYPHS:
        return []
    span = morphology.bounds(labels, n)  # y0, x0, y1, x1
    h, w = span[:, 2] - span[:, 0], span[:, 3] - span[:, 1]
    mark = (h >= 2) & (h <= 0.8 * cfg.below_em) & (w <= 2 * cfg.below_em)
    if mark.sum() < UNREAD_MIN_GLYPHS:
        return []
    centre = np.stack([(span[:, 1] + span[:, 3]) / 2, (span[:, 0] + span[:, 2]) / 2], 1)
    if horizontal_neighbours(centre[mark]) < UNREAD_ROWS:
        return []  # the page's unread marks do not stand in rows: noise, a texture
    step = float(np.median(h[mark]))
    near = np.zeros(gray.shape, bool)  # each mark's box grown a glyph's height across, half down
    for ys0, xs0, ys1, xs1 in span[mark].tolist():
        near[max(0, int(ys0 - step / 2)):int(ys1 + step / 2), max(0, int(xs0 - step)):int(xs1 + step)] = True
    blocks, _ = morphology.label(near)
    marks = np.flatnonzero(mark)
    box = span[marks][:, [1, 0, 3, 2]]  # x0, y0, x1, y1
    block_of = blocks[box[:, 1], box[:, 0]]
    out = []
    for b in np.unique(block_of).tolist():
        inside = block_of == b
        if inside.sum() < UNREAD_MIN_GLYPHS:
            continue
        em = GLYPH_EM * float(np.median(h[marks[inside]]))
        if em >= cfg.below_em or horizontal_neighbours(centre[marks[inside]]) < UNREAD_ROWS:
            continue  # too big to zoom, or marks that do not stand in rows (noise, a texture)
        x0, y0 = box[inside, :2].min(0)
        x1, y1 = box[inside, 2:].max(0)
        out.append(Line("", (float(x0), float(y0), float(x1), float(y1)), [], 0.0, font_size=em))
    return out


def _ink(gray: np.ndarray) -> Optional[np.ndarray]:
    """The page's ink: darker than halfway from the paper (its median) to its darkest 1 %; None for
    an empty page or one with too little contrast to tell."""
    if gray.size == 0:
        return None
    paper, dark = float(np.median(gray[::4, ::4])), float(np.percentile(gray[::2, ::2], 1))
    return gray < (paper + dark) / 2 if paper - dark >= 40 else None


INK_SIZED_RATIO = 2 / 3  # an unsure line's ink rows under this share of its em stand for its em


def ink_sized(gray: np.ndarray, lines: list[Line], cfg: ZoomConfig) -> list[Line]:
    """The lines as :func:`regions` should size them: one the first reading is unsure of (mean
    character score under ``cfg.unsure_score``) takes the height of the ink rows in its box as its
    em (ascender to descender: about an em) where that is under :data:`INK_SIZED_RATIO` of the em
    the network gave it. The network's size for print it cannot read is no guide: a line of 8 px em
    read as 22 px garbage was enlarged 1.3x and read as garbage again; at its ink's height it is
    enlarged 2.5x and read right. OCR-B pages at half size, tuning seeds 7470001 / 7480001 /
    7490001: 1.39 / 0.76 / 2.99 -> 1.22 / 0.44 / 2.75 % CER (a score limit of 0.55 helped less, 0.8
    made them worse). Taking every unsure line whose ink is shorter than its em (a ratio of 1 or 0.8:
    1.20 / 0.25 / 2.46 %) cost degraded MRZ zones at full size a line (0.07 -> 0.13 %); the latin
    model's pages unchanged."""
    if cfg.unsure_score <= 0:
        return lines
    unsure = [k for k, ln in enumerate(lines) if ln.chars and _mean_score([ln]) < cfg.unsure_score]
    ink = _ink(gray) if unsure else None
    if ink is None:
        return lines
    out = list(lines)
    for k in unsure:
        x0, y0, x1, y1 = (int(round(v)) for v in lines[k].bbox)
        rows = np.flatnonzero(ink[max(0, y0):y1 + 1, max(0, x0):x1 + 1].any(1))
        if len(rows) and rows[-1] - rows[0] + 1 < INK_SIZED_RATIO * _em(lines[k]):
            out[k] = Line("", lines[k].bbox, [], 0.0, font_size=float(rows[-1] - rows[0] + 1))
    return out


def enlarge(gray: np.ndarray, region: Region) -> np.ndarray:
    """The region's crop of the page, resized by its scale (bicubic; Pillow's filter widens as it reduces, so a
    reduced crop does not alias), uint8."""
    x0, y0, x1, y1 = region.crop
    return np.asarray(Image.fromarray(gray[y0:y1, x0:x1]).resize(region.size(), Image.BICUBIC))


REGION_CHUNK = 2048


@dataclass(frozen=True)
class Mosaic:
    """The enlarged crops of all regions packed into one image (read in one network call),
    and where each lies in it: ``origin`` (R, 2) x, y px of each crop's top-left corner."""

    image: np.ndarray
    regions: list[Region]
    origin: np.ndarray

    def region_of(self, boxes: np.ndarray) -> np.ndarray:
        """(N, 4) mosaic px -> (N,) the region whose crop holds each box's centre, -1 for none."""
        boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
        out = np.full(len(boxes), -1)
        if not self.regions:
            return out
        (x, y), (w, h) = self.origin.T, np.array([r.size() for r in self.regions], np.float64).T
        for s in range(0, len(boxes), REGION_CHUNK):  # (boxes x regions) at a time: thousands of each on a noisy page
            b = boxes[s:s + REGION_CHUNK]
            cx, cy = (b[:, 0:1] + b[:, 2:3]) / 2, (b[:, 1:2] + b[:, 3:4]) / 2
            inside = (cx >= x) & (cx < x + w) & (cy >= y) & (cy < y + h)
            out[s:s + len(b)] = np.where(inside.any(1), inside.argmax(1), -1)  # the first region that holds it
        return out

    def to_page(self, boxes: np.ndarray, k: int) -> np.ndarray:
        """(N, 4) boxes in the mosaic's px that lie in region k's crop -> page px."""
        x, y = self.origin[k]
        return self.regions[k].to_page(np.asarray(boxes, np.float64).reshape(-1, 4) - [x, y, x, y])


def mosaic(gray: np.ndarray, regions: list[Region], gap: int = MOSAIC_GAP, stacked: bool = False) -> Mosaic:
    """Shelf-pack the enlarged crops (tallest first) into rows at most ``MOSAIC_WIDTH`` px wide
    (or the widest crop), ``gap`` px apart, on the page's paper grey. Each crop takes its
    ``pad`` of paper with it, so every region keeps its full margin on every side. ``stacked``: one
    crop a row (large text reduced: side by side, two crops' lines read as one across their margins)."""
    crops = [enlarge(gray, r) for r in regions]
    pads = np.array([r.pad for r in regions], np.int64).reshape(-1, 4)
    foot = np.array([c.shape[::-1] for c in crops]) + pads[:, :2] + pads[:, 2:]  # (R, 2) w, h with pads
    width = max(MOSAIC_WIDTH, int(foot[:, 0].max()))
    corner = np.zeros((len(crops), 2), np.int64)
    x = y = shelf = 0
    for k in sorted(range(len(crops)), key=lambda k: -foot[k, 1]):
        w, h = foot[k]
        if x and (stacked or x + w > width):
            x, y, shelf = 0, y + shelf + gap, 0
        corner[k] = x, y
        x, shelf = x + w + gap, max(shelf, h)
    ends = corner + foot
    origin = corner + pads[:, :2]
    image = np.full((int(ends[:, 1].max()), int(ends[:, 0].max())), int(np.median(gray[::4, ::4])), np.uint8)
    for (x, y), c in zip(origin.tolist(), crops):
        image[y:y + c.shape[0], x:x + c.shape[1]] = c
    return Mosaic(image, regions, origin)


def confirmed(g: Glyphs, m: Mosaic, first: np.ndarray, cfg: ZoomConfig) -> Glyphs:
    """The glyphs of the enlarged reading that lie in a crop and that the first reading also
    found (a box of ``first``, (M, 4) page px, with IoU >= 0.3) or that score at least
    ``cfg.confirm_score``, or ``cfg.neighbour_score`` beside one of those on its line."""
    region = m.region_of(g.boxes)
    keep = np.zeros(len(region), bool)
    for k in np.unique(region[region >= 0]).tolist():
        sel = np.flatnonzero(region == k)
        keep[sel] = (max_iou(m.to_page(g.boxes[sel], k), first) >= CONFIRM_IOU) | (g.scores[sel] >= cfg.confirm_score)
    if cfg.neighbour_score < 1:
        keep |= (region >= 0) & (g.scores >= cfg.neighbour_score) & _beside(g.boxes, keep)
    return g.take(np.flatnonzero(keep))


NEIGHBOUR_GAP = 1.0  # a confirmed glyph beside another: within this many of its heights, overlapping half of it


def _beside(boxes: np.ndarray, sure: np.ndarray) -> np.ndarray:
    """Which boxes (N, 4) have a ``sure`` one beside them on their line (N,): the first letter of
    a line scores lower than the rest, and the first reading of small print missed it."""
    out = np.zeros(len(boxes), bool)
    s = boxes[sure]
    if not len(s):
        return out
    for i in np.flatnonzero(~sure):
        x0, y0, x1, y1 = boxes[i]
        h = y1 - y0
        over = np.minimum(s[:, 3], y1) - np.maximum(s[:, 1], y0)
        gap = np.maximum(s[:, 0] - x1, x0 - s[:, 2])
        out[i] = bool(((over >= 0.5 * np.minimum(h, s[:, 3] - s[:, 1])) & (gap <= NEIGHBOUR_GAP * h)).any())
    return out


def to_page(lines: list[Line], m: Mosaic) -> list[list[Line]]:
    """Lines read in the mosaic -> page px, per region; only those whose centre lies in their
    region's core (a line cut by the crop's edge belongs to the first reading) and whose
    characters all lie in that region's crop."""
    out: list[list[Line]] = [[] for _ in m.regions]
    if not lines:
        return out
    where = m.region_of(np.array([ln.bbox for ln in lines]))
    char_where = np.split(m.region_of(np.array([c.bbox for ln in lines for c in ln.chars])),
                          np.cumsum([len(ln.chars) for ln in lines])[:-1])
    for ln, k, chars_k in zip(lines, where.tolist(), char_where):
        if k < 0 or (chars_k != k).any():
            continue  # in the gaps, or joined across two crops: the first reading's lines stay
        r = m.regions[k]
        b = tuple(m.to_page(ln.bbox, k)[0].tolist())
        cx0, cy0, cx1, cy1 = r.core
        if not (cx0 <= (b[0] + b[2]) / 2 <= cx1 and cy0 <= (b[1] + b[3]) / 2 <= cy1):
            continue
        sy = (r.crop[3] - r.crop[1]) / r.size()[1]
        base = None if ln.baseline is None else round(r.crop[1] + (ln.baseline - m.origin[k, 1]) * sy, 3)
        size = None if ln.font_size is None else round(ln.font_size * sy, 2)
        boxes = m.to_page(np.array([c.bbox for c in ln.chars]), k).tolist()
        chars = [Char(c.char, bx, c.score, dict(c.extra)) for c, bx in zip(ln.chars, boxes)]
        out[k].append(Line(ln.text, b, chars, ln.score, dict(ln.extra), base, size))
    return out


def _mean_score(lines: list[Line]) -> float:
    scores = [c.score for ln in lines for c in ln.chars if c.score is not None]
    return float(np.mean(scores)) if scores else 0.0


def _replaces(again: Line, first: Line, cfg: ZoomConfig, large: bool = False) -> bool:
    """Whether a line of the enlarged (``large``: reduced) reading stands for a first reading's line: it
    overlaps it by a third of the smaller box or more, and that line is small text (under ``cfg.below_em``;
    large text over ``cfg.above_em``) or a third of it is covered. (A superscript read again must not take the
    larger line it sits on with it.)"""
    overlap = overlap_of_smaller(first.bbox, again.bbox)
    if overlap < 1 / 3:
        return False
    if (_em(first) > cfg.above_em) if large else (_em(first) < cfg.below_em):
        return True
    first_area, again_area = area(np.array([first.bbox, again.bbox]))
    return overlap * min(first_area, again_area) >= first_area / 3


LARGE_KEEP = 0.6  # a reduced reading keeps its lines over this share of above_em (page px)


def merge(first: list[Line], agains: list[list[Line]], cfg: ZoomConfig, large: bool = False) -> list[Line]:
    """The first reading's lines with each region's enlarged reading (``agains``) merged in turn:
    less those that a kept line of the region's reading overlaps by at least a third of the smaller
    box, plus those kept lines; in reading order, put once (a page of 3,000 specks read as lines, a
    card's guilloche at 2,000 px, had been ordered again after each region, for minutes). The
    enlarged reading keeps its lines up to ``cfg.keep_em``: a larger line there was cut by the crop
    or belongs to bigger text, which the first reading already read well. The lines stay as they
    are where a region's reading is less sure of its characters (mean score lower by more than
    ``cfg.min_gain``): on noisy or blurred pages, enlarging makes specks look like punctuation. With
    ``large``, the readings are of large text reduced, and keep their lines over :data:`LARGE_KEEP` of
    ``cfg.above_em`` (page px): smaller text beside a heading, reduced there, is the first reading's."""
    lines, changed = first, False
    for again in agains:
        kept = [ln for ln in again if (_em(ln) > LARGE_KEEP * cfg.above_em if large else _em(ln) <= cfg.keep_em)]
        hit = [any(_replaces(k, ln, cfg, large) for k in kept) for ln in lines]
        replaced = [ln for ln, h in zip(lines, hit) if h]
        if _mean_score(kept) >= _mean_score(replaced) + cfg.min_gain:
            lines, changed = [ln for ln, h in zip(lines, hit) if not h] + kept, True
    return in_reading_order(lines) if changed else lines
