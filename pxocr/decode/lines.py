"""Stage 2b of decoding: rows -> lines. Each row's glyphs go left to right, split where a gap
is a column's; neighbours get provisional spaces (fixed pitch: gaps counted in pitches, and two
glyphs closer than half a pitch made one; proportional: ink gaps over ``space_gap_em``); each
line gets the geometry (ink extent, baseline, em) that the line head reads it on."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..neighbours import groups
from .config import DecodeConfig
from .geometry import line_medians
from .peaks import Glyphs
from .rows import ANCHOR, attach_scripts, baselines, rows

Segment = tuple[np.ndarray, np.ndarray]  # a line's glyph indices left to right (n,), spaces between neighbours (n-1,)


@dataclass
class Draft:
    """Lines before the line head's reading: the glyphs (a copy, which the next stage settles in
    place), each line's segment and its geometry (x0, x1, baseline, em) px (L, 4)."""

    glyphs: Glyphs
    segs: list[Segment]
    geo: np.ndarray


def draft_lines(g: Glyphs, cfg: DecodeConfig = DecodeConfig()) -> Draft:
    """Glyphs -> lines: same baseline (within ``baseline_tol`` em) and size, split at column gaps."""
    g = g.take(np.arange(len(g.scores)))  # a copy: classes are settled in place
    found = rows(g, cfg)
    script = np.zeros(len(g.scores), bool)
    if cfg.spacing != "fixed":
        found, script = attach_scripts(g, found, cfg)
    if not found:
        return Draft(g, [], np.zeros((0, 4)))
    idx, row = flat([np.array(r) for r in found])
    cx = (g.boxes[idx, 0] + g.boxes[idx, 2]) / 2
    order = np.lexsort((cx, row))  # by row, then left to right
    idx, row, cx = idx[order], row[order], cx[order]
    em = np.maximum(line_medians(g.size[idx], row, len(found)), 1e-6)
    if cfg.spacing == "fixed":
        gaps = np.rint(np.diff(cx) / (cfg.advance_em * em[row[1:]])).astype(int) - 1  # spaces between neighbours
        column = gaps >= cfg.split_spaces
    else:  # provisional spaces from the ink gaps; the line head's reading settles them (pxocr.decode.settle)
        ink_gap = (g.boxes[idx[1:], 0] - g.boxes[idx[:-1], 2]) / em[row[1:]]
        gaps = (ink_gap > cfg.space_gap_em).astype(int)
        column = ink_gap > cfg.column_gap_em
        spaced = ink_gap > max(cfg.gutter_em, cfg.sure_space_em)
        column[column] = ~_bridged(g, idx, row, em, np.flatnonzero(column), spaced)
        if cfg.gutter_em > 0:
            column |= _gutters(g, idx, row, em, ink_gap, cfg)
    cut = np.flatnonzero((row[1:] != row[:-1]) | column) + 1  # new row, or a column
    bounds = [0, *cut.tolist(), len(idx)]
    if cfg.spacing == "fixed":
        segs = [_merge_close(g, idx[a:b], gaps[a:b - 1]) for a, b in zip(bounds, bounds[1:])]
    else:
        segs = [(idx[a:b], gaps[a:b - 1]) for a, b in zip(bounds, bounds[1:])]
    return Draft(g, segs, _line_geometry(g, [seg for seg, _ in segs], cfg, script))


BRIDGE_PITCH_EM = 2.0  # the lines right above and below a wide gap, their baselines within this many em ...
BRIDGE_SIZE = 1.25  # ... of sizes within this factor of its line's ...
BRIDGE_MARGIN_EM = 0.25  # ... whose ink reaches this far into it, and leaves no channel this wide through it:
BRIDGE_CHANNEL_EM = 1.0


def _bridged(g: Glyphs, idx: np.ndarray, row: np.ndarray, em: np.ndarray, wide: np.ndarray,
             gapped: np.ndarray) -> np.ndarray:
    """Which of the ``wide`` gaps (indices into the neighbours of glyphs ``idx`` (n,) on rows ``row``
    (n,), sorted, of em ``em``) the lines right above and below bridge: their ink
    reaches ``BRIDGE_MARGIN_EM`` into the gap and none of their own wide spaces (``gapped`` (n-1,))
    ends where it ends (within ``GUTTER_ALIGN_EM``: a table's column, its cells of any width), on each
    side that has such a line (one at least), and their ink together leaves no channel
    ``BRIDGE_CHANNEL_EM`` wide through it (a short line beside a column's longer ones: their gutter). A
    narrow justified paragraph stretches a line of two words across the column, its neighbours fill it."""
    out = np.zeros(len(wide), bool)
    if not len(wide):
        return out
    base = line_medians(g.baseline[idx], row, len(em))
    x0, x1 = g.boxes[idx, 0], g.boxes[idx, 2]
    for k, w in enumerate(wide):
        r = row[w + 1]
        e = em[r]
        a, b = x1[w], x0[w + 1]
        near = (np.abs(base - base[r]) <= BRIDGE_PITCH_EM * e) & (em <= BRIDGE_SIZE * e) & (e <= BRIDGE_SIZE * em)
        near[r] = False
        ink, sides = [], []
        for side in (base < base[r], base > base[r]):
            cand = np.flatnonzero(near & side)
            if not len(cand):
                continue
            n = cand[np.argmin(np.abs(base[cand] - base[r]))]
            lo, hi = np.searchsorted(row, [n, n + 1])  # that line's glyphs (rows are sorted)
            left, right = x0[lo:hi], x1[lo:hi]
            ends = left[1:][gapped[lo:hi - 1]]
            inside = (left < b - BRIDGE_MARGIN_EM * e) & (right > a + BRIDGE_MARGIN_EM * e)
            sides.append(inside.any() and not (np.abs(ends - b) <= GUTTER_ALIGN_EM * e).any())
            ink.append(np.stack([left, right], 1))
        out[k] = bool(sides) and all(sides) and _widest_free(np.concatenate(ink), a, b) < BRIDGE_CHANNEL_EM * e
    return out


def _widest_free(ink: np.ndarray, a: float, b: float) -> float:
    """The widest stretch of [a, b] that none of the intervals ``ink`` (m, 2) covers."""
    spans = ink[(ink[:, 1] > a) & (ink[:, 0] < b)]
    spans = spans[np.argsort(spans[:, 0])]
    widest, reach = 0.0, a
    for lo, hi in spans:
        widest = max(widest, lo - reach)
        reach = max(reach, hi)
    return max(widest, b - reach)


GUTTER_ROWS = 3  # a gutter runs through this many lines at least ...
GUTTER_OVERLAP_EM = 0.3  # ... their gaps overlapping each next one's by this much ...
GUTTER_PITCH_EM = 2.5  # ... on lines no further apart than this ...
GUTTER_ALIGN_EM = 0.5  # ... and the text beside it starts, or ends, at one x within this
LIST_MARKER = 3  # glyphs before the gap on every line: a list's markers


def _gutters(g: Glyphs, idx: np.ndarray, row: np.ndarray, em: np.ndarray, ink_gap: np.ndarray,
             cfg: DecodeConfig) -> np.ndarray:
    """Which neighbours (glyphs ``idx`` (n,) on rows ``row`` (n,) of em ``em`` (rows,), their ink
    gaps ``ink_gap`` (n-1,) in em) a gutter parts: an ink gap over ``cfg.gutter_em`` em whose blank
    runs on through the same gaps of at least ``GUTTER_ROWS`` lines in all, one below the next
    (a table's columns, a code chart's). A justified line's wide spaces fall anywhere and part
    nothing: a line split at every gap over 1 em read the 22 tuning pages at 3.43 % CER against
    2.26 % unsplit; on PDF crops (a table's cells are lines of their own) it helped."""
    cand = np.flatnonzero((row[1:] == row[:-1]) & (ink_gap > cfg.gutter_em))
    out = np.zeros(len(ink_gap), bool)
    if len(cand) < GUTTER_ROWS:
        return out
    a, b = g.boxes[idx[cand], 2], g.boxes[idx[cand + 1], 0]
    r = row[cand + 1]
    lead = cand + 1 - np.searchsorted(row, r)  # glyphs before the gap on its row (rows are sorted)
    base = line_medians(g.baseline[idx], row, len(em))[r]
    e = em[r]
    link = (r[:, None] != r[None, :]) & (np.abs(base[:, None] - base[None, :]) <= GUTTER_PITCH_EM * e[:, None]) \
        & (np.minimum(b[:, None], b[None, :]) - np.maximum(a[:, None], a[None, :]) >= GUTTER_OVERLAP_EM * e[:, None])
    group = groups(link)
    for k in np.unique(group):
        for m, within in _runs(group == k, base, a, b, e):
            markers = (lead[m] <= LIST_MARKER).all()  # '*', '12)' before each item: a list, not a table
            if len(np.unique(r[m])) >= GUTTER_ROWS and not markers and not _justified(cand[m], ink_gap, row, cfg) \
                    and (not within or _stands_out(cand[m], ink_gap, row, cfg) or _two_sided(m, a, b, e)):
                out[cand[m]] = True
    return out


TABLE_BREAK = 1.5  # a step between rows this many times a gutter's usual one parts two tables
SPAN_SHARE = 0.75  # of a block's rows that a gutter lined up within it runs through ...
STAND_OUT = 1.5  # ... its gaps this many times as wide as the other word spaces of most of its rows


def _runs(m: np.ndarray, base: np.ndarray, a: np.ndarray, b: np.ndarray,
          e: np.ndarray) -> list[tuple[np.ndarray, bool]]:
    """The gaps of one group ``m`` (a mask over the candidate gaps: their rows' baselines ``base``, ink
    before ending at ``a`` and after starting at ``b``, em ``e``) that line up as one gutter, each with
    whether it was found within a block of gaps that do not (then it must stand out, :func:`_stands_out`).
    The whole group where the text beside it starts, or ends, at one x (``GUTTER_ALIGN_EM``); otherwise
    each run of its rows between wider steps (``TABLE_BREAK`` times the median step) that does: a table
    right above another, its columns elsewhere, is two tables (chained as one, neither was parted); and
    within a run that does not, the gaps that line up through ``SPAN_SHARE`` of its rows: two justified
    columns whose gutter a short line's long gap joins to the wide spaces of the lines around it."""
    def aligned(k: np.ndarray) -> bool:
        return min(np.ptp(a[k]), np.ptp(b[k])) <= GUTTER_ALIGN_EM * np.median(e[k])

    if aligned(m):
        return [(m, False)]
    levels = np.unique(base[m])
    steps = np.diff(levels)
    if len(steps) < 2:
        return []
    edges = levels[1:][steps > TABLE_BREAK * np.median(steps)]
    run = np.searchsorted(edges, base, side="right")  # every run holds a row: each edge is one's baseline
    near = None  # per side: which gaps' text starts (ends) within GUTTER_ALIGN_EM of each other's
    out = []
    for k in (m & (run == i) for i in range(len(edges) + 1)):
        if aligned(k):
            out.append((k, False))
            continue
        if near is None:
            near = [np.abs(side[:, None] - side[None, :]) <= GUTTER_ALIGN_EM * e[:, None] for side in (a, b)]
        rows = len(np.unique(base[k]))
        for close in near:
            sub = groups(close & k[:, None] & k[None, :])
            for c in (k & (sub == s) for s in np.unique(sub[k])):
                if len(np.unique(base[c])) >= SPAN_SHARE * rows and aligned(c):
                    out.append((c, True))
    return out


TWO_SIDED_SHARE = 0.5  # of a gutter's rows (GUTTER_ROWS at least): text ends at one x before it, starts at one x after


def _two_sided(m: np.ndarray, a: np.ndarray, b: np.ndarray, e: np.ndarray) -> bool:
    """Whether the gaps ``m`` (found within a block, lined up on one side) have the text before them
    ending at one x and the text after them starting at one x on ``TWO_SIDED_SHARE`` of their rows, and
    ``GUTTER_ROWS`` at least: two columns of justified text, whose gutter is no wider than the stretched
    spaces of a narrow column's lines (which stand anywhere; a paragraph's last line ends short)."""
    tol = GUTTER_ALIGN_EM * np.median(e[m])
    both = (np.abs(a[m] - np.median(a[m])) <= tol) & (np.abs(b[m] - np.median(b[m])) <= tol)
    return both.sum() >= max(GUTTER_ROWS, TWO_SIDED_SHARE * len(both))


def _stands_out(gutter: np.ndarray, ink_gap: np.ndarray, row: np.ndarray, cfg: DecodeConfig) -> bool:
    """Whether the gaps ``gutter`` (indices into ``ink_gap``) are each ``STAND_OUT`` times as wide as
    every other gap of their row over ``cfg.space_gap_em`` (a row without one passes) on most of their
    rows: a justified paragraph's rivers, and a monospaced face's single spaces over ``cfg.gutter_em``,
    line up on its grid but are no wider than the widest space beside them (the median of those gaps
    says little: a monospaced face's letters stand 0.3-0.4 em apart too)."""
    votes = [len(spaces) == 0 or gap >= STAND_OUT * spaces.max() for gap, spaces in _beside(gutter, ink_gap, row, cfg)]
    return sum(votes) * 2 > len(votes)


def _beside(gutter: np.ndarray, ink_gap: np.ndarray, row: np.ndarray, cfg: DecodeConfig):
    """Per row of the gaps ``gutter`` (indices into ``ink_gap``): the narrowest of them on the row, and
    the row's other gaps over ``cfg.space_gap_em`` (its word spaces)."""
    for r in np.unique(row[gutter + 1]):
        on_row = np.flatnonzero((row[:-1] == r) & (row[1:] == r))
        here = gutter[row[gutter + 1] == r]
        other = np.setdiff1d(on_row, here)
        yield ink_gap[here].min(), ink_gap[other][ink_gap[other] > cfg.space_gap_em]


JUSTIFIED_GAP = 0.75  # a line's word spaces this wide beside its widest gap: stretched, not parted


def _justified(gutter: np.ndarray, ink_gap: np.ndarray, row: np.ndarray, cfg: DecodeConfig) -> bool:
    """Whether the gaps ``gutter`` (indices into ``ink_gap``) that line up down the page are a
    justified paragraph's wide spaces (a river) rather than a table's gutter: on most of their
    lines, two or more other word spaces are nearly as wide (a justified line stretches all its
    spaces alike; a table row's spaces within its cells stay narrow, and a row of one-word cells
    has no other spaces)."""
    votes = [len(spaces) >= 2 and np.median(spaces) >= JUSTIFIED_GAP * gap
             for gap, spaces in _beside(gutter, ink_gap, row, cfg)]
    return sum(votes) * 2 > len(votes)


def _merge_close(g: Glyphs, seg: np.ndarray, gaps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One line's glyphs (indices, gaps) with neighbours closer than half a pitch (gap -1) made
    one: the better-scoring glyph over the union of both boxes (in place). In a monospaced
    font (the model's, OCR-B: ``DecodeConfig.advance_em``) two characters cannot be that close;
    it is one glyph found twice, such as the two ticks of a large ``"``. A proportional font
    would break this rule ('il'), as it breaks the pitch grid the decoding relies on."""
    while (gaps < 0).any():
        k = int(np.flatnonzero(gaps < 0)[0])
        a, b = seg[k], seg[k + 1]
        keep, drop = (a, b) if g.scores[a] >= g.scores[b] else (b, a)
        g.boxes[keep] = np.concatenate([np.minimum(g.boxes[a, :2], g.boxes[b, :2]),
                                        np.maximum(g.boxes[a, 2:], g.boxes[b, 2:])])
        seg, gaps = np.delete(seg, k + 1 if drop == b else k), np.delete(gaps, k)
    return seg, gaps


def flat(segs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The lines' glyph indices, concatenated (m,), and the line of each (m,)."""
    return np.concatenate(segs), np.repeat(np.arange(len(segs)), [len(s) for s in segs])


def _line_geometry(g: Glyphs, segs: list[np.ndarray], cfg: DecodeConfig, script: np.ndarray) -> np.ndarray:
    """(x0, x1, baseline, size) per line (L, 4): its ink extent and the medians of its letters'
    and digits' baselines (``pxocr.decode.rows.baselines``: from the font where the config has its shapes) and
    size predictions (of all its glyphs if it has none), its sub- and superscripts (``script``, (N,) bool)
    left out (a formula's may outnumber the letters they follow). The font's baselines matter most for a
    line of punctuation alone: the network's are 0.37 em off at p95 there, and a lone '^'
    fitted on such a baseline reads as '*'."""
    idx, line = flat(segs)
    n = len(segs)
    start = np.cumsum([len(s) for s in segs]) - [len(s) for s in segs]
    x0 = np.minimum.reduceat(g.boxes[idx, 0], start)
    x1 = np.maximum.reduceat(g.boxes[idx, 2], start)
    baseline = baselines(g, cfg)
    base, size = line_medians(baseline[idx], line, n), line_medians(g.size[idx], line, n)
    anchor = ANCHOR[g.classes[idx]] & ~script[idx]
    has = np.bincount(line[anchor], minlength=n) > 0
    if has.any():
        keep = anchor & has[line]
        sub = np.cumsum(has) - 1  # the lines with anchors, renumbered
        base[has] = line_medians(baseline[idx[keep]], sub[line[keep]], int(has.sum()))
        size[has] = line_medians(g.size[idx[keep]], sub[line[keep]], int(has.sum()))
    return np.stack([x0, x1, base, size], 1)
