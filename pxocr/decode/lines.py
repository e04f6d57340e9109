"""Stage 2b of decoding: rows -> lines. Each row's glyphs go left to right, split where a gap
is a column's; neighbours get provisional spaces (fixed pitch: gaps counted in pitches, and two
glyphs closer than half a pitch made one; proportional: ink gaps over ``space_gap_em``); each
line gets the geometry (ink extent, baseline, em) that the line head reads it on."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import DecodeConfig
from .geometry import line_medians
from .peaks import Glyphs
from .rows import ANCHOR, baselines, rows

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
    cut = np.flatnonzero((row[1:] != row[:-1]) | column) + 1  # new row, or a column
    bounds = [0, *cut.tolist(), len(idx)]
    if cfg.spacing == "fixed":
        segs = [_merge_close(g, idx[a:b], gaps[a:b - 1]) for a, b in zip(bounds, bounds[1:])]
    else:
        segs = [(idx[a:b], gaps[a:b - 1]) for a, b in zip(bounds, bounds[1:])]
    return Draft(g, segs, _line_geometry(g, [seg for seg, _ in segs], cfg))


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


def _line_geometry(g: Glyphs, segs: list[np.ndarray], cfg: DecodeConfig) -> np.ndarray:
    """(x0, x1, baseline, size) per line (L, 4): its ink extent and the medians of its letters'
    and digits' baselines (``pxocr.decode.rows.baselines``: from the font where the config has its shapes) and
    size predictions (of all its glyphs if it has none). The font's baselines matter most for a
    line of punctuation alone: the network's are 0.37 em off at p95 there, and a lone '^'
    fitted on such a baseline reads as '*'."""
    idx, line = flat(segs)
    n = len(segs)
    start = np.cumsum([len(s) for s in segs]) - [len(s) for s in segs]
    x0 = np.minimum.reduceat(g.boxes[idx, 0], start)
    x1 = np.maximum.reduceat(g.boxes[idx, 2], start)
    baseline = baselines(g, cfg)
    base, size = line_medians(baseline[idx], line, n), line_medians(g.size[idx], line, n)
    anchor = ANCHOR[g.classes[idx]]
    has = np.bincount(line[anchor], minlength=n) > 0
    if has.any():
        keep = anchor & has[line]
        sub = np.cumsum(has) - 1  # the lines with anchors, renumbered
        base[has] = line_medians(baseline[idx[keep]], sub[line[keep]], int(has.sum()))
        size[has] = line_medians(g.size[idx[keep]], sub[line[keep]], int(has.sum()))
    return np.stack([x0, x1, base, size], 1)
