"""Each box's edges moved onto the image's ink, where the ink shows them clearly.

The network places edges to about a third of a pixel on proportional fonts; the image itself holds more:
the pixel column where a glyph's ink starts, and in it the share of the pixel the ink covers
(anti-aliasing). For each edge of a box, the ink profile across it (the darkest value of each pixel
column over the rows the box touches, its partial ones too, where a serif may lie, for a left or right
edge; of each row over its columns, for a top or bottom one) is read ``REACH`` px either side of the
edge. When the outermost of those pixels is paper (under ``threshold`` of full ink: no neighbour's ink
touches the window), the edge moves to the first pixel that reaches the threshold, less the share of it
the ink does not cover: ``x0 = c + 1 - coverage`` for a left edge (and a setting's fraction of a pixel
further out, ``DecodeConfig.ink_out``, times the share of the box's rows that do not reach the edge as
far as the darkest does: at a round glyph's extreme or a serif's tip, a column's darkest pixel covers
less than the ink's reach into it; along a straight stem, which darkens the column in most rows alike,
it covers all of it). A left or right edge whose window holds a neighbour's ink beyond a column of sure
paper (``PAPER``) moves the same way onto the ink after that column. On a blurred page (most clear edges
ramp up over two pixels or more: coverage no longer says where the ink starts), an edge goes where its
profile rises through half its peak, between pixel centres. Where a neighbour's ink reaches into the
window with no paper between (touching glyphs, a serif near a serif), the rows it does not reach (their
two outermost pixels paper) still show the glyph's own ink: where that ink starts outside the network's
edge, the box was too tight and the edge moves out onto it (the same coverage rule); where it starts
inside, the extreme may lie in the touched rows, and the edge stays where the network put it. So does
every other edge, except where the window holds no ink at all: that edge stands in the paper and moves
in onto the outermost ink inside the box.

Where the ink itself is spread or thinned (a print's ink bleeding into the paper, a scan's dilation),
its edges stand outside or inside the outline the boxes are defined by, and every clear edge of the page
moves out (or in) by the same amount: the network, which learned the outline under such pages, had it
right. So where the median move of one side's clear edges (left, top, right or bottom, ``BLEED_MIN`` of
them or more) exceeds ``BLEED`` px, that median is taken back from each of them: each edge keeps its
place relative to its neighbours' from the ink, the page's spread is the network's. On a page whose ink
has spread for sure, any median move is taken back: where the paper right beside full ink is itself
darkened (:func:`ink_spread`: bleed, blur, a coarser capture enlarged), which a crisp print never shows,
bold or not (some edge there falls on a pixel's border, with paper beside it).

Last, each edge moves by its character's own bias (``DecodeConfig.edge_bias``, fitted on training pages
by ``scripts/fit_edge_bias.py``: minus the median error of that character's side there, an 'o''s sides a
little out, a 'v''s top corners a little in), one for the edges put on the ink, one for those the network
placed.

Darkness is measured against the page: paper is its median grey, full ink its 0.5th percentile.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from ..charset import CHARSET, char_to_index
from ..document import Line, with_char_boxes

PAPER = 0.02  # darkness of a column that is paper for sure (a serif's hairline may show under the threshold)
SHARP = 0.9  # a pixel past an edge's first inked one this dark (of the profile's peak): a crisp edge ...
BLURRED = 0.5  # ... and a page whose clear edges are soft more often than this is blurred
REACH = 2  # px either side of an edge that the profile covers
FLAT = 0.75  # a row whose pixel at the edge is this dark (of the darkest) stands on a straight edge
BLEED = 0.3  # px: a side's clear edges moved out (or in) by more than this in the median: ink spread ...
BLEED_MIN = 20  # ... measured over this many edges or more: that median taken back
FULL_INK = 0.9  # a pixel this dark is full ink ...
SPREAD = 0.1  # ... and where the paper beside it is this dark (ink_spread), the ink has spread: any median taken back


def darkness(gray: np.ndarray) -> np.ndarray:
    """uint8 (H, W) dark ink on light paper -> float32 in [0, 1]: 0 paper, 1 full ink."""
    paper, ink = ink_levels(gray)
    return np.clip((paper - gray.astype(np.float32)) / max(paper - ink, 1.0), 0.0, 1.0)


def ink_spread(dark: np.ndarray) -> float:
    """How dark the paper right beside full ink is on a page (``darkness``): the 5th percentile of
    the pixels 8-adjacent to one of ``FULL_INK`` or more, not themselves full ink; 0 without such
    pixels. On a crisp print 0 (of its many edges at random sub-pixel places, some fall near a pixel's
    border, paper beside them); over ``SPREAD`` where ink bled towards its neighbours (0.19 at a blend
    of 0.2, 0.4 at 0.5), on a blurred page and on a view enlarged from coarser pixels."""
    full = dark >= FULL_INK
    rows = full.copy()
    rows[1:] |= full[:-1]
    rows[:-1] |= full[1:]
    near = rows.copy()
    near[:, 1:] |= rows[:, :-1]
    near[:, :-1] |= rows[:, 1:]
    beside = dark[near & ~full]
    return float(np.quantile(beside, 0.05)) if len(beside) else 0.0


def ink_levels(gray: np.ndarray) -> tuple[float, float]:
    """The grey levels of paper (the median) and of full ink (the darkest 0.5 %) of a page,
    from every second pixel of every second row."""
    sample = gray[::2, ::2]
    return _quantile(sample, 0.5), _quantile(sample, 0.005)


def _quantile(values: np.ndarray, q: float) -> float:
    """``np.quantile(values, q)`` (linear) of uint8 values, from their histogram: a tenth of the time."""
    cum = np.cumsum(np.bincount(values.ravel(), minlength=256))
    pos = q * (cum[-1] - 1)
    k = int(np.floor(pos))
    lo, hi = np.searchsorted(cum, [k + 1, min(k + 2, cum[-1])])
    return float(lo + (pos - k) * (hi - lo))


def refine_boxes(dark: np.ndarray, boxes: np.ndarray, threshold: float,
                 further: tuple[float, float] = (0.0, 0.0), bias: Optional[np.ndarray] = None) -> np.ndarray:
    """Boxes (N, 4) px with their edges on the ink of ``dark`` (``darkness``) where it is clear,
    each such left and right edge ``further[0]`` px further out, each top and bottom one ``further[1]``
    (``DecodeConfig.ink_out``), and each edge shifted by its entry of ``bias`` (N, 8) px: the first four
    for an edge so moved, the last four for one left where it was (``DecodeConfig.edge_bias``)."""
    out = np.array(boxes, np.float64).reshape(-1, 4)
    if len(out) == 0:
        return out
    h, w = dark.shape
    x0, y0, x1, y1 = out.T
    r0, r1 = np.floor(y0).astype(np.int64), np.ceil(y1).astype(np.int64)  # the rows the box touches ...
    c0, c1 = np.floor(x0).astype(np.int64), np.ceil(x1).astype(np.int64)  # ... and columns (a serif's)
    ok = (r1 > r0) & (c1 > c0) & (r0 >= 0) & (c0 >= 0) & (r1 <= h) & (c1 <= w)
    new = out.copy()
    blank = np.zeros((len(out), 4), bool)
    new[:, 0], blank[:, 0] = _edge(dark, x0, r0, r1, ok, threshold, further[0], leading=True)
    new[:, 2], blank[:, 2] = _edge(dark, x1, r0, r1, ok, threshold, further[0], leading=False)
    new[:, 1], blank[:, 1] = _edge(dark.T, y0, c0, c1, ok, threshold, further[1], leading=True, across=False)
    new[:, 3], blank[:, 3] = _edge(dark.T, y1, c0, c1, ok, threshold, further[1], leading=False, across=False)
    _take_back_bleed(new, out, dark)
    for k in np.flatnonzero(blank.any(1)):
        _onto_inner_ink(dark, new[k], blank[k], threshold)
    if bias is not None:
        new += np.where(new != out, bias[:, :4], bias[:, 4:])
    bad = (new[:, 2] <= new[:, 0]) | (new[:, 3] <= new[:, 1])
    new[bad] = out[bad]
    return new


def _take_back_bleed(new: np.ndarray, old: np.ndarray, dark: np.ndarray) -> None:
    """Each side's moved edges in ``new`` (N, 4; changed in place) shifted back by their median move
    from ``old`` where it exceeds ``BLEED`` px over ``BLEED_MIN`` edges or more, any median where the
    page ``dark`` shows its ink spread (``ink_spread``, measured only where it decides; module docstring)."""
    out_sign = np.array([-1.0, -1.0, 1.0, 1.0])  # the direction in which each side moves out
    spread_ink: Optional[bool] = None
    for side in range(4):
        moved = new[:, side] != old[:, side]
        if moved.sum() < BLEED_MIN:
            continue
        median = float(np.median((new[moved, side] - old[moved, side]) * out_sign[side]))
        if median and abs(median) <= BLEED and spread_ink is None:
            spread_ink = ink_spread(dark) >= SPREAD
        if abs(median) > BLEED or (median and spread_ink):
            new[moved, side] -= median * out_sign[side]


def _edge(dark: np.ndarray, edge: np.ndarray, a0: np.ndarray, a1: np.ndarray, ok: np.ndarray, t: float,
          further: float, leading: bool, across: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Each box's edge across the columns of ``dark`` (transpose it for rows): the profile is the
    darkest of rows ``a0``-``a1`` in each column floor(edge) -+ REACH; returns the moved edges (N,)
    and where that profile holds no ink at all (N,): the edge stands in the paper."""
    h, w = dark.shape
    lo = np.floor(edge).astype(np.int64) - REACH
    use = ok & (lo >= 0) & (lo + 2 * REACH + 1 <= w)
    res = edge.copy()
    blank = np.zeros(len(edge), bool)
    if not use.any():
        return res, blank
    idx = np.flatnonzero(use)
    span = int((a1[idx] - a0[idx]).max())
    rows = a0[idx, None] + np.arange(span)  # (n, span)
    valid = rows < a1[idx, None]
    cols = lo[idx, None] + np.arange(2 * REACH + 1)  # (n, 5)
    vals = dark[np.minimum(rows, h - 1)[:, :, None], cols[:, None, :]]  # (n, span, 5)
    if not leading:  # profiles read from the outside in
        vals = vals[:, :, ::-1]
    p = np.where(valid[:, :, None], vals, 0.0).max(1)  # (n, 5)
    hit = p >= t
    first = hit.argmax(1)
    clear = ~hit[:, 0] & hit.any(1)
    n = np.arange(len(idx))
    start = np.zeros(len(idx), np.int64)  # where this glyph's side of the profile starts
    rowwise = np.zeros(len(idx), bool)
    if across:  # a neighbour's ink beyond a column of paper: the edge is the ink after that column
        paper = p[:, :REACH + 1] <= PAPER
        gap = REACH - paper[:, ::-1].argmax(1)  # the last paper column up to the edge's own
        after = np.minimum(gap + 1, 2 * REACH)
        parted = ~clear & paper.any(1) & hit[n, after]
        first = np.where(parted, after, first)
        start = np.where(parted, gap, 0)
        clear |= parted
        free = _free_rows_profile(vals, valid, t)
        network = edge[idx] - lo[idx] if leading else lo[idx] + 2 * REACH + 1.0 - edge[idx]
        beyond, free_first = _beyond(free, t, network)
        rowwise = ~clear & beyond
        p = np.where(rowwise[:, None], free, p)
        first = np.where(rowwise, free_first, first)
        clear |= rowwise
    depth = _depth(p, first)  # px in from the window's outer end
    depth -= further * (1.0 - _flat_share(vals, valid, first, p[n, first]))
    p = np.where(np.arange(2 * REACH + 1)[None, :] >= start[:, None], p, 0.0)  # the neighbour's ink left out
    peak = p.max(1)
    soft = p[n, np.minimum(first + 1, 2 * REACH)] < SHARP * peak  # the ink's ramp spans two pixels or more
    judged = clear & ~rowwise  # the edges that say whether the page is blurred
    if judged.any() and soft[judged].mean() > BLURRED:  # a blurred page: the edge is where the ink is half up
        k = np.argmax(p >= 0.5 * peak[:, None], axis=1)
        below = p[n, np.maximum(k - 1, 0)]
        half_up = k - 0.5 + (0.5 * peak - below) / np.maximum(p[n, k] - below, 1e-6)
        depth = np.where(k > 0, half_up, depth)
    moved = lo[idx] + depth if leading else lo[idx] + 2 * REACH + 1.0 - depth
    res[idx[clear]] = moved[clear]
    blank[idx[~hit.any(1)]] = True
    return res, blank


def _flat_share(vals: np.ndarray, valid: np.ndarray, first: np.ndarray, top: np.ndarray) -> np.ndarray:
    """The share (n,) of a box's rows in which the edge's first inked pixel (column ``first`` of the
    window ``vals``, (n, span, 5)) is nearly as dark (``FLAT``) as its darkest (``top``): about 1 on a
    straight stem, which covers its pixels as far as it reaches, a small share at a round extreme or a
    serif's tip, whose darkest pixel covers less than the ink's reach into it."""
    column = vals[np.arange(len(first)), :, first]  # (n, span)
    return (valid & (column >= FLAT * top[:, None])).sum(1) / np.maximum(valid.sum(1), 1)


def _free_rows_profile(vals: np.ndarray, valid: np.ndarray, t: float) -> np.ndarray:
    """The profile (n, 5) over only the rows whose two outermost pixels are paper (under ``t``): the
    rows no neighbour's ink reaches."""
    free = valid & (vals[:, :, 0] < t) & (vals[:, :, 1] < t)
    return np.where(free[:, :, None], vals, 0.0).max(1)


def _depth(p: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Px in from the window's outer end (n,) where the ink of profile ``p`` (n, 5) starts: its first
    inked pixel ``first``, less the share of it the ink does not cover."""
    return first + 1.0 - np.minimum(1.0, p[np.arange(len(p)), first])


def _beyond(p: np.ndarray, t: float, network: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the glyph's own ink in profile ``p`` (n, 5; ``_free_rows_profile``: the rows free of its
    neighbour's) starts outside the network's edge (``network``: px in from the window's outer end):
    the network drew the box too tight, and the edge moves out onto that ink. (Ink that starts inside
    proves nothing: the extreme may lie in the rows the neighbour touches.) Also returns that ink's
    first pixel (n,)."""
    hit = p >= t
    first = hit.argmax(1)
    return hit.any(1) & (_depth(p, first) < network), first


def _onto_inner_ink(dark: np.ndarray, box: np.ndarray, blank: np.ndarray, t: float) -> None:
    """A box's edges that stand in the paper (``blank``: no ink within REACH px) moved in onto the
    outermost ink inside the box, less the share of its pixel the ink leaves uncovered (``box``
    changed in place). An apostrophe's box that the network drew 5 px too tall is one."""
    h, w = dark.shape
    c0, r0 = max(int(np.floor(box[0])), 0), max(int(np.floor(box[1])), 0)
    c1, r1 = min(int(np.ceil(box[2])), w), min(int(np.ceil(box[3])), h)
    if c1 <= c0 or r1 <= r0:
        return
    patch = dark[r0:r1, c0:c1]
    cols, rows = patch.max(0), patch.max(1)
    for side, profile, start in ((0, cols, c0), (2, cols, c0), (1, rows, r0), (3, rows, r0)):
        ink = np.flatnonzero(profile >= t)
        if not blank[side] or len(ink) == 0:
            continue
        if side in (0, 1):
            box[side] = max(box[side], start + ink[0] + 1.0 - min(1.0, profile[ink[0]]))
        else:
            box[side] = min(box[side], start + ink[-1] + min(1.0, profile[ink[-1]]))


def refine_lines(lines: list[Line], gray: np.ndarray, threshold: float,
                 further: tuple[float, float] = (0.0, 0.0), bias: tuple = ()) -> list[Line]:
    """The lines with every character's box refined on the ink of ``gray`` (uint8, dark on light);
    ``bias``: ``DecodeConfig.edge_bias`` (rows in ``CHARSET`` order; empty: none)."""
    chars = [c for ln in lines for c in ln.chars]
    if not chars:
        return lines
    rows = np.array([bias[char_to_index(c.char)] for c in chars]) if bias else None
    boxes = refine_boxes(darkness(gray), np.array([c.bbox for c in chars]), threshold, further, rows)
    return with_char_boxes(lines, boxes)


def bias_table(errors: dict[tuple[str, int], list[float]], min_count: int = 20, shrink: float = 20.0,
               limit: float = 0.25) -> tuple:
    """``DecodeConfig.edge_bias`` from the errors (px, found - true) of edges per (character, column
    0-7: sides x0, y0, x1, y1 put on the ink, then the same sides left where the network put them): minus
    their median, shrunk towards 0 by ``n / (n + shrink)``, within +-``limit``; 0 for a column with
    fewer than ``min_count`` errors."""
    table = np.zeros((len(CHARSET), 8))
    for (char, side), values in errors.items():
        n = len(values)
        if n >= min_count and char in CHARSET:
            table[char_to_index(char), side] = -np.clip(np.median(values) * n / (n + shrink), -limit, limit)
    return tuple(tuple(round(float(v), 3) for v in row) for row in table)
