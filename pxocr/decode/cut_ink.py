"""Lines cut from larger shapes: pieces of ruled lines, frames or drawings read as characters
('j' where a margin rule crosses a writing line, "| | ||" across a form's vertical rules, ']'
from a box's corner).

A line's ink lies within its box (its characters' union); a piece of a longer stroke belongs to
ink that runs on far past it. A line of at most :data:`SHORT` characters, or one made mostly of
rule-like marks (:data:`RULE_LIKE`: "- - ------ u-- -" along a writing line), is dropped when at
least :data:`CUT_SHARE` of the ink inside its box (pixels at least :data:`INK` dark) is connected
to ink more than :data:`REACH_PX` px and :data:`REACH_BOX` of the box's size past it (its width
across, its height up and down). Text that touches a rule keeps most of its ink apart from it: an
underline ends with its words, a table's border touches a letter or two (a two-letter cell: half
its ink). Only such lines are looked at (a page's lines of text cost nothing), each in a window
around its box reaching just past that distance: a piece of ink that reaches the window's edge
runs on past the box. Upright OCR-B pages: 1.4 ms a page, about 10 lines looked at.

A line of one rule-like mark repeated ("-----", "=====", "....", :func:`pxocr.decode.pipeline.rule_marks`)
is a drawn rule where its ink is one stroke, fewer pieces than half its marks, and is dropped: a rule
printed in text (a separator under a heading, a comment's "# -----", a contents line's leader) has a
piece of ink for each mark.

A form's boxes read as letters (a ticked box as 'B' or '@', an empty one as 'O' or ']') are dropped from
their lines (:func:`drawn_box`): a glyph at least :data:`BOX_EM` of its line's em tall and wide, about
square, its corners and sides inked (each along :data:`FRAME_SIDE` of its length), whose ink fills the
box (:data:`FILLED`) or frames it, the middle empty; looked for where ink has not bled into blobs
(:data:`BLED`). No printable ASCII character is either (a bullet read
as '*' or a round 'O' leaves its corners empty, an 'H' or 'E' leaves a side open).
"""

from __future__ import annotations

import math
from typing import Optional

import numpy as np

from .. import morphology
from ..document import Char, Line, cut_line
from .ink_edges import ink_levels
from .pipeline import RULE_CHARS, rule_marks

SHORT = 3
RULE_LIKE = frozenset(RULE_CHARS + "|/\\,:;^")  # what a drawn rule reads as, and the marks of other strokes
INK = 0.5
CUT_SHARE = 0.75
REACH_PX = 3.0
REACH_BOX = 0.5
BOX_EM = 0.5  # a drawn box's least height and width, in its line's em
BOX_MIN_PX = 10  # ... and in pixels
BOX_ASPECT = 1.5  # its sides' greatest ratio
FILLED = 0.9  # the share of a filled box's pixels that are ink
FRAME_SIDE = 0.9  # the share of each side of a drawn box that is ink
FRAME_MIDDLE = 0.05  # the most ink in the middle half of a framed box
FILL_SAMPLE = 100
SLACK = 0.6  # a glyph box looked at may be this much smaller than the box it read (OCR-B's cells)
BLED = 0.65  # boxes are looked for where the page's characters fill at most this of their boxes in the median


def drop_cut_pieces(lines: list[Line], gray: np.ndarray) -> list[Line]:
    """The lines less those cut from larger shapes of ``gray`` (uint8 (H, W), dark ink on light paper), and
    less the drawn boxes read as characters (:func:`drawn_box`)."""
    looked = [_suspect(ln) for ln in lines]
    boxy = _box_sized_chars(lines)
    if not any(looked) and not boxy:
        return lines
    paper, ink = ink_levels(gray)
    level = paper - INK * max(paper - ink, 1.0)  # ink is at most this light
    dark = gray <= level
    kept = _without_boxes(lines, boxy, gray, level, dark) if boxy else list(lines)
    if not any(looked):
        return [ln for ln in kept if ln is not None]
    return [ln for ln, look in zip(kept, looked)
            if ln is not None and (not look or (cut_share(dark, ln.bbox) < CUT_SHARE and not drawn_rule(dark, ln)))]


def _without_boxes(lines: list[Line], boxy: list[tuple[Line, Char]], gray: np.ndarray, level: float,
                   dark: np.ndarray) -> list[Optional[Line]]:
    """The lines less their characters of ``boxy`` (those sized as drawn boxes, with their lines) that are
    drawn boxes (None for a line with nothing else), unless the page's ink has bled into blobs (:data:`BLED`:
    measured on up to :data:`FILL_SAMPLE` of its characters)."""
    chars = [c for ln in lines for c in ln.chars]
    crops = [_crop(gray, c.bbox) for c in chars[::max(1, len(chars) // FILL_SAMPLE)]]
    fills = [np.count_nonzero(crop <= level) / crop.size for crop in crops if crop.size]
    if not fills or float(np.median(fills)) > BLED:
        return list(lines)
    pieces = _drawn_box_pieces(dark)
    if not len(pieces):
        return list(lines)
    boxes = np.array([_pixels(c.bbox, gray.shape) for _, c in boxy], np.int64).reshape(-1, 4)
    near = ((boxes[:, None, 0] < pieces[None, :, 2]) & (pieces[None, :, 0] < boxes[:, None, 2])
            & (boxes[:, None, 1] < pieces[None, :, 3]) & (pieces[None, :, 1] < boxes[:, None, 3])).any(1)
    gone = {id(c) for i in np.flatnonzero(near) for ln, c in [boxy[i]] if drawn_box(gray, level, c.bbox, ln.font_size)}
    return [_less(ln, gone) if any(id(c) in gone for c in ln.chars) else ln for ln in lines]


def _less(line: Line, gone: set[int]) -> Optional[Line]:
    """``line`` less its characters whose ``id`` is in ``gone`` (None when nothing else is left)."""
    keep = np.array([id(c) not in gone for c in line.chars])
    return cut_line(line, keep) if keep.any() else None


def _drawn_box_pieces(ink: np.ndarray) -> np.ndarray:
    """The boxes (M, 4) int ``x0, y0, x1, y1`` (ends exclusive) of the pieces of ``ink`` (bool (H, W)) sized and
    shaped as drawn boxes on a line of any em: what :func:`drawn_box` can find, found for the whole page at once
    (a piece it finds lies inside its window, so it is a whole piece of the page). Each piece's outermost rows and
    columns are first counted near its corners with one gather for all of them (:func:`_box_shaped`'s first
    test): on a page of text few letters pass, and only those are cut out and looked at whole."""
    labels, n = morphology.label(ink)
    b = morphology.bounds(labels, n)  # y0, x0, y1, x1
    y0, x0, y1, x1 = b.T
    k = np.flatnonzero(_box_sized(x1 - x0, y1 - y0, 0.0))
    if len(k):
        band = np.maximum(2, np.round(0.15 * np.minimum(y1 - y0, x1 - x0)[k])).astype(np.int64)
        corners = []  # per piece, pixels of its piece among the first (last) ``band`` of each outermost row and column
        step = np.arange(band.max())
        for ys, xs, dy, dx in ((y0, x0, 0, 1), (y0, x1 - 1, 0, -1), (y1 - 1, x0, 0, 1), (y1 - 1, x1 - 1, 0, -1),
                               (y0, x0, 1, 0), (y1 - 1, x0, -1, 0), (y0, x1 - 1, 1, 0), (y1 - 1, x1 - 1, -1, 0)):
            yy = np.clip(ys[k, None] + dy * step, 0, labels.shape[0] - 1)
            xx = np.clip(xs[k, None] + dx * step, 0, labels.shape[1] - 1)
            hit = (labels[yy, xx] == (k + 1)[:, None]) & (step < band[:, None])
            corners.append(2 * hit.sum(1) >= band)
        k = k[np.logical_and.reduce(corners)]
    kept = [i for i in k if _box_shaped(labels[y0[i]:y1[i], x0[i]:x1[i]] == i + 1)]
    return np.stack([x0[kept], y0[kept], x1[kept], y1[kept]], 1) if kept else np.zeros((0, 4), np.int64)


def _pixels(box, shape: tuple[int, int]) -> tuple[int, int, int, int]:
    """``box`` rounded to whole pixels inside an image of ``shape`` (H, W): x0, y0, x1, y1."""
    h, w = shape
    return (min(max(round(box[0]), 0), w), min(max(round(box[1]), 0), h),
            min(max(round(box[2]), 0), w), min(max(round(box[3]), 0), h))


def _crop(gray: np.ndarray, box) -> np.ndarray:
    """``gray``'s pixels in ``box`` rounded to whole pixels."""
    x0, y0, x1, y1 = _pixels(box, gray.shape)
    return gray[y0:y1, x0:x1]


def _box_sized_chars(lines: list[Line]) -> list[tuple[Line, Char]]:
    """The characters (with their lines) whose boxes may be drawn boxes' (:func:`_box_sized` with
    :data:`SLACK`), in one NumPy pass."""
    pairs = [(ln, c) for ln in lines for c in ln.chars]
    if not pairs:
        return []
    boxes = np.array([c.bbox for _, c in pairs], np.float64)
    em = np.array([ln.font_size or 0.0 for ln, _ in pairs], np.float64)
    ok = _box_sized(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1], em, SLACK)
    return [pairs[i] for i in np.flatnonzero(ok)]


def _box_sized(w, h, em, slack: float = 1.0):
    """Whether boxes ``w`` x ``h`` px (numbers or arrays) are as large and as square as drawn boxes on lines of
    em ``em`` px (0: unknown) are; with ``slack`` under 1, whether glyph boxes may be theirs (a reading's box can
    lie inside the ink it read)."""
    side, long = np.minimum(w, h), np.maximum(w, h)
    return (side >= np.maximum(BOX_MIN_PX, slack * BOX_EM * em)) & (long <= BOX_ASPECT * side / slack)


def drawn_box(gray: np.ndarray, level: float, box, em: Optional[float] = None) -> bool:
    """Whether the piece of ink (pixels of ``gray`` at most ``level``) that most of ``box``'s ink belongs to is
    a drawn box, filled or framed (module notes), on a line of em ``em`` px."""
    crop = _crop(gray, box) <= level
    if not crop.any() or crop.mean() < FILLED and not _box_shaped(_tight(crop)):
        return False  # neither a box nor inside ink (a reading's box inside a filled box)
    piece, _, whole = piece_about(gray, level, box)
    if not whole:
        return False  # a piece of a larger shape (a table's frame)
    cut = _tight(piece)
    return bool(_box_sized(cut.shape[1], cut.shape[0], em or 0.0)) and _box_shaped(cut)


def piece_about(gray: np.ndarray, level: float, box) -> tuple[np.ndarray, tuple[int, int], bool]:
    """The piece of ink (pixels of ``gray`` at most ``level``; some inside ``box``) that most of ``box``'s ink
    belongs to, labelled in a window reaching a box's size past it on each side: its mask in the window, the
    window's corner (x, y) in ``gray``, and whether the piece is whole (touches no side of the window that is
    not the image's own)."""
    h, w = gray.shape
    x0, y0, x1, y1 = _pixels(box, gray.shape)
    gx, gy = x1 - x0 + 2, y1 - y0 + 2
    wx0, wy0, wx1, wy1 = max(0, x0 - gx), max(0, y0 - gy), min(w, x1 + gx), min(h, y1 + gy)
    pieces, _ = morphology.label(gray[wy0:wy1, wx0:wx1] <= level)
    inside = pieces[y0 - wy0:y1 - wy0, x0 - wx0:x1 - wx0]
    piece = pieces == np.bincount(inside[inside > 0]).argmax()
    ys, xs = np.nonzero(piece)
    reaches_out = ys.min() == 0 < wy0 or xs.min() == 0 < wx0 or ys.max() == piece.shape[0] - 1 and wy1 < h \
        or xs.max() == piece.shape[1] - 1 and wx1 < w
    return piece, (wx0, wy0), not reaches_out


def _tight(mask: np.ndarray) -> np.ndarray:
    """``mask`` (bool, some set) cut to the box of its set pixels."""
    ys, xs = np.nonzero(mask)
    return mask[ys.min():ys.max() + 1, xs.min():xs.max() + 1]


def _box_shaped(cut: np.ndarray) -> bool:
    """Whether ink cut to its own box (bool) is a drawn box: corners and sides inked, filled or framed."""
    bh, bw = cut.shape
    if min(bh, bw) < 4:
        return False
    band = max(2, round(0.15 * min(bh, bw)))
    rows, cols = (cut[0], cut[-1]), (cut[:, 0], cut[:, -1])  # the outermost rows and columns meet at the corners
    if not all(min(np.count_nonzero(row[:band]), np.count_nonzero(row[-band:]), np.count_nonzero(col[:band]),
                   np.count_nonzero(col[-band:])) * 2 >= band for row in rows for col in cols):
        return False  # a round shape: a bullet, an 'O'
    sides = (cut[:band].any(0), cut[-band:].any(0), cut[:, :band].any(1), cut[:, -band:].any(1))
    if min(float(side.mean()) for side in sides) < FRAME_SIDE:
        return False  # a side open or notched: an 'H', an 'M'
    return cut.mean() >= FILLED or float(cut[bh // 4:bh - bh // 4, bw // 4:bw - bw // 4].mean()) <= FRAME_MIDDLE


def drawn_rule(dark: np.ndarray, line: Line) -> bool:
    """Whether a line of one rule-like mark repeated is a drawn rule: its ink (``dark``, bool (H, W))
    inside its box, a pixel grown, in fewer pieces than half its marks (a small leader dot is one pixel)."""
    if not rule_marks(line):
        return False
    h, w = dark.shape
    x0, y0 = max(0, math.floor(line.bbox[0]) - 1), max(0, math.floor(line.bbox[1]) - 1)
    x1, y1 = min(w, math.ceil(line.bbox[2]) + 1), min(h, math.ceil(line.bbox[3]) + 1)
    _, n = morphology.label(dark[y0:y1, x0:x1])
    return 2 * n < len(line.chars)


def _suspect(line: Line) -> bool:
    """Whether a line is short, or made mostly of rule-like marks: what pieces of shapes and drawn rules
    read as."""
    return len(line.chars) <= SHORT or 2 * sum(c.char in RULE_LIKE for c in line.chars) >= len(line.chars)


def cut_share(dark: np.ndarray, box) -> float:
    """The share of the ink (``dark``, bool (H, W)) inside ``box`` connected to ink more than
    REACH_PX px and REACH_BOX of the box's size past it; 0 for a box without ink."""
    h, w = dark.shape
    x0, y0 = max(0, math.floor(box[0])), max(0, math.floor(box[1]))
    x1, y1 = min(w, math.ceil(box[2])), min(h, math.ceil(box[3]))
    rx = math.ceil(max(REACH_PX, REACH_BOX * (x1 - x0))) + 1
    ry = math.ceil(max(REACH_PX, REACH_BOX * (y1 - y0))) + 1
    wx0, wy0, wx1, wy1 = max(0, x0 - rx), max(0, y0 - ry), min(w, x1 + rx), min(h, y1 + ry)
    pieces, _ = morphology.label(dark[wy0:wy1, wx0:wx1])
    inside = pieces[y0 - wy0:y1 - wy0, x0 - wx0:x1 - wx0]
    labels, counts = np.unique(inside[inside > 0], return_counts=True)
    if not len(labels):
        return 0.0
    # a piece runs on where it reaches the window's edge (the image's edge is not one)
    edge = set()
    for strip, at_image_edge in ((pieces[0], wy0 == 0), (pieces[-1], wy1 == h),
                                 (pieces[:, 0], wx0 == 0), (pieces[:, -1], wx1 == w)):
        if not at_image_edge:
            edge.update(np.unique(strip[strip > 0]).tolist())
    cut = sum(int(n) for label, n in zip(labels, counts) if int(label) in edge)
    return cut / int(counts.sum())
