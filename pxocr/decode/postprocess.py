"""Decoding the raw stride-4 map (see ``pxocr.model.net``) into a Page.

Peaks of the centre heatmap (3x3 maximum, score threshold) give glyphs; each glyph's box
is its cell centre plus the predicted edge distances, averaged over the peak's 3x3
neighbourhood weighted by the heatmap (sub-pixel refinement); its class is the argmax
of the class logits; its line geometry (baseline, font size) groups glyphs into lines.
All coordinates are in the pixels of the map's input image.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Callable, Optional

import numpy as np

from ..boxes import nms
from ..charset import CHARSET
from ..contract import BOX, CLS_START, HEAT, LINE, STRIDE, decode_line
from ..document import Char, Line, Page, reading_order
from .ctc import SPACE, Reading
from .fusion import fuse, recover
from .geometry import REDRAW_GROWTH_PX, fit_lines, font_boxes, line_medians, plausible, rescore
from .mrz import mrz_glyphs, restrict

TOPK = 6  # candidate classes kept per glyph (shape check, line head, MRZ alphabet)


@dataclass(frozen=True)
class DecodeConfig:
    threshold: float = 0.3  # minimum centre score for a glyph
    nms_iou: float = 0.5
    refine: bool = True  # heat-weighted average of the 3x3 neighbourhood's boxes
    # The typography the model was trained for (model metadata). "fixed": one pitch of
    # ``advance_em`` em (OCR-B: 0.723), spaces and columns counted in pitches, glyphs recovered on
    # the pitch grid. "proportional": ``advance_em`` is a typical advance (a distance scale only),
    # spaces come from the line head's reading (or ink gaps over ``space_gap_em``), a column gap
    # is ``column_gap_em`` em of blank ink.
    spacing: str = "fixed"
    advance_em: float = 0.723
    split_spaces: int = 2  # fixed pitch: this many spaces or more start a new line (columns)
    space_gap_em: float = 0.3  # proportional: an ink gap this wide is a space without a line head ...
    sure_space_em: float = 0.6  # ... and this wide, whatever the line head read
    column_gap_em: float = 2.0  # proportional: an ink gap this wide starts a new line
    baseline_tol: float = 0.3  # baselines within this many em join one line
    # Per-class ink box (width, top, bottom, centre offset) in em, y up from the baseline, from
    # the font the model was trained on (model metadata); empty: classes from the class head
    # alone, and no glyphs recovered from the line head's reading.
    geometry: tuple = ()
    geometry_weight: float = 0.5  # weight of the shape log-likelihood (pxocr.decode.geometry)
    geometry_sigma_px: float = 0.3  # box edge noise: this many px ...
    geometry_sigma_em: float = 0.02  # ... plus this fraction of the em
    ctc_weight: float = 1.0  # weight of the line head's reading (models with one); 0 = off
    ctc_floor: float = 0.01  # the line head's probabilities count no lower (pxocr.decode.fusion.fuse)
    recover_prob: float = 0.8  # line-head characters this sure and with no glyph found become glyphs; > 1 = off
    mrz: bool = True  # lines that read as a passport MRZ take only its alphabet (pxocr.decode.mrz)
    # Boxes redrawn from the font on each line's fitted geometry (pxocr.decode.geometry.font_boxes)
    # where they lie within this many px plus em fraction of the detected edges; 0 = off.
    font_box_tol_px: float = 1.0
    font_box_tol_em: float = 0.1

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold < 1.0:
            raise ValueError("DecodeConfig.threshold must be in (0, 1)")
        if not self.baseline_tol > 0:
            raise ValueError("DecodeConfig.baseline_tol must be > 0")
        checks = {"nms_iou": 0 < self.nms_iou <= 1, "split_spaces": self.split_spaces >= 1,
                  "geometry_weight": self.geometry_weight >= 0, "geometry_sigma_px": self.geometry_sigma_px > 0,
                  "geometry_sigma_em": self.geometry_sigma_em >= 0, "ctc_weight": self.ctc_weight >= 0,
                  "ctc_floor": 0 < self.ctc_floor <= 1, "recover_prob": self.recover_prob > 0,
                  "font_box_tol_px": self.font_box_tol_px >= 0, "font_box_tol_em": self.font_box_tol_em >= 0}
        bad = [k for k, ok in checks.items() if not ok]
        if bad:
            raise ValueError(f"DecodeConfig.{bad[0]} is out of range ({getattr(self, bad[0])!r})")
        if self.spacing not in ("fixed", "proportional"):
            raise ValueError(f"DecodeConfig.spacing must be 'fixed' or 'proportional', not {self.spacing!r}")
        if not (self.advance_em > 0 and 0 < self.space_gap_em <= self.sure_space_em < self.column_gap_em):
            raise ValueError("DecodeConfig needs advance_em > 0 and 0 < space_gap_em <= sure_space_em < column_gap_em")
        geo = tuple(tuple(float(v) for v in row) for row in self.geometry)
        if geo and (len(geo) != len(CHARSET) or any(len(row) != 4 for row in geo)):
            raise ValueError(f"DecodeConfig.geometry must be {len(CHARSET)} rows of (width, top, bottom, offset)")
        object.__setattr__(self, "geometry", geo)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _maxpool3(a: np.ndarray) -> np.ndarray:
    """3x3 maximum (separable), -inf outside."""
    p = np.pad(a, 1, constant_values=-np.inf)
    rows = np.maximum(np.maximum(p[:-2], p[1:-1]), p[2:])
    return np.maximum(np.maximum(rows[:, :-2], rows[:, 1:-1]), rows[:, 2:])


@dataclass
class Glyphs:
    """N detected glyphs: boxes (N, 4) px, scores (N,), classes (N,) int, baseline (N,) px,
    size (N,) px em, the TOPK candidate classes (N, TOPK) best first and their log-probabilities."""

    boxes: np.ndarray
    scores: np.ndarray
    classes: np.ndarray
    baseline: np.ndarray
    size: np.ndarray
    cands: np.ndarray
    logp: np.ndarray

    @classmethod
    def empty(cls) -> "Glyphs":
        z = np.zeros((0,), np.float64)
        return cls(np.zeros((0, 4)), z, np.zeros((0,), np.int64), z, z, np.zeros((0, TOPK), np.int64),
                   np.zeros((0, TOPK)))

    def take(self, idx: np.ndarray) -> "Glyphs":
        return Glyphs(*(getattr(self, f.name)[idx] for f in fields(self)))

    @classmethod
    def concat(cls, parts: list["Glyphs"]) -> "Glyphs":
        return cls(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)))


ClassLogits = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (rows, cols) of n cells -> (n, K) logits


def find_glyphs(raw: np.ndarray, cfg: DecodeConfig = DecodeConfig(), offset=(0.0, 0.0),
                class_logits: Optional[ClassLogits] = None) -> Glyphs:
    """raw (7 + K, h, w) float32 -> glyphs, boxes shifted by ``offset`` = (dx, dy) px. With
    ``class_logits``, ``raw`` may hold only its first 7 channels (the shipped graph's dense
    map): the class logits of the peak cells come from that function instead."""
    logit = raw[HEAT].astype(np.float32)  # peaks of the logits are the peaks of the sigmoid
    h, w = logit.shape
    peak = (logit >= np.log(cfg.threshold / (1 - cfg.threshold))) & (logit == _maxpool3(logit))
    ii, jj = np.nonzero(peak)
    n = len(ii)
    if n == 0:
        return Glyphs.empty()
    cx, cy = (jj + 0.5) * STRIDE, (ii + 0.5) * STRIDE
    d = raw[BOX, ii, jj]
    boxes = np.stack([cx - d[0], cy - d[1], cx + d[2], cy + d[3]], 1)  # (n, 4) from the peak cell
    if cfg.refine:
        # Average with the neighbours that were trained on this glyph: cells whose centre lies
        # in the middle half of the peak's box (at least +-2 px), as in model.targets.
        bcx, bcy = (boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2
        rx = np.maximum((boxes[:, 2] - boxes[:, 0]) / 4, STRIDE / 2)
        ry = np.maximum((boxes[:, 3] - boxes[:, 1]) / 4, STRIDE / 2)
        di, dj = (v.ravel()[:, None] for v in np.mgrid[-1:2, -1:2])  # the 9 neighbours (9, 1)
        i2, j2 = np.clip(ii + di, 0, h - 1), np.clip(jj + dj, 0, w - 1)  # (9, n)
        ncx, ncy = (j2 + 0.5) * STRIDE, (i2 + 0.5) * STRIDE
        trained = (np.abs(ncx - bcx) <= rx) & (np.abs(ncy - bcy) <= ry)
        wt = _sigmoid(logit[i2, j2]) * ((i2 == ii + di) & (j2 == jj + dj) & (trained | ((di == 0) & (dj == 0))))
        dn = raw[BOX, i2, j2]  # (4, 9, n)
        nb = np.stack([ncx - dn[0], ncy - dn[1], ncx + dn[2], ncy + dn[3]], 2)  # (9, n, 4)
        boxes = (nb * wt[:, :, None]).sum(0) / wt.sum(0)[:, None]
    logits = raw[CLS_START:, ii, jj].T if class_logits is None else class_logits(ii, jj)  # (n, K)
    logits = logits - logits.max(1, keepdims=True)
    prob = np.exp(logits)
    prob /= prob.sum(1, keepdims=True)
    cands = np.argsort(-prob, 1)[:, :TOPK]
    logp = np.log(np.maximum(np.take_along_axis(prob, cands, 1), 1e-12))
    classes = cands[:, 0]
    scores = _sigmoid(logit[ii, jj]) * prob[np.arange(n), classes]
    baseline, size = decode_line(raw[LINE, ii, jj], cy)
    boxes = boxes + np.array([offset[0], offset[1], offset[0], offset[1]])
    g = Glyphs(boxes.astype(np.float64), scores.astype(np.float64), classes, baseline + offset[1], size,
               cands, logp.astype(np.float64))
    return g.take(nms(g.boxes, g.scores, cfg.nms_iou))


LineReader = Callable[[np.ndarray], Reading]  # lines as rows (x0, x1, baseline, size) px (L, 4) -> their reading


def group_lines(g: Glyphs, cfg: DecodeConfig = DecodeConfig(), reader: Optional[LineReader] = None) -> list[Line]:
    """Glyphs -> lines: same baseline (within ``baseline_tol`` em) and size, split at wide gaps,
    spaces from the gap over the line's pitch. Lines come in reading order.

    Each line's classes are then settled from the class head's candidates, with the line
    head's reading when ``reader`` is given (it maps the lines' (x0, x1, baseline, size) rows
    to a CTC ``Reading``; see ``pxocr.decode.fusion``) and the font's shapes when the config
    has them (``pxocr.decode.geometry``, which also redraws the boxes).
    """
    g = g.take(np.arange(len(g.scores)))  # a copy: classes are settled in place
    rows = _rows(g, cfg)
    if not rows:
        return []
    idx, row = _flat([np.array(r) for r in rows])
    cx = (g.boxes[idx, 0] + g.boxes[idx, 2]) / 2
    order = np.lexsort((cx, row))  # by row, then left to right
    idx, row, cx = idx[order], row[order], cx[order]
    em = np.maximum(line_medians(g.size[idx], row, len(rows)), 1e-6)
    if cfg.spacing == "fixed":
        gaps = np.rint(np.diff(cx) / (cfg.advance_em * em[row[1:]])).astype(int) - 1  # spaces between neighbours
        column = gaps >= cfg.split_spaces
    else:  # provisional spaces from the ink gaps; the line head's reading settles them below
        ink_gap = (g.boxes[idx[1:], 0] - g.boxes[idx[:-1], 2]) / em[row[1:]]
        gaps = (ink_gap > cfg.space_gap_em).astype(int)
        column = ink_gap > cfg.column_gap_em
    cut = np.flatnonzero((row[1:] != row[:-1]) | column) + 1  # new row, or a column
    bounds = [0, *cut.tolist(), len(idx)]
    if cfg.spacing == "fixed":
        segs = [_merge_close(g, idx[a:b], gaps[a:b - 1]) for a, b in zip(bounds, bounds[1:])]
    else:
        segs = [(idx[a:b], gaps[a:b - 1]) for a, b in zip(bounds, bounds[1:])]
    geo = _line_geometry(g, [seg for seg, _ in segs], cfg)
    reading = reader(geo) if reader is not None and cfg.ctc_weight > 0 else None
    if reading is not None and cfg.spacing == "proportional":
        segs = _read_spaces(g, segs, reading, geo, cfg)
    if reading is not None and cfg.geometry and cfg.recover_prob <= 1:
        g, segs = _recover(g, segs, reading, geo, cfg)
    spaced = np.array([bool((gaps > 0).any()) for _, gaps in segs])
    _settle_classes(g, [seg for seg, _ in segs], geo, spaced, reading, cfg)
    if cfg.geometry and cfg.font_box_tol_px + cfg.font_box_tol_em > 0:
        _redraw_boxes(g, [seg for seg, _ in segs], geo, cfg)
    lines = _make_lines(g, segs)
    order = reading_order([ln.bbox for ln in lines])
    return [lines[i] for i in order]


def _read_spaces(g: Glyphs, segs: list[tuple[np.ndarray, np.ndarray]], reading: Reading, geo: np.ndarray,
                 cfg: DecodeConfig) -> list[tuple[np.ndarray, np.ndarray]]:
    """Proportional text: one space between neighbours where the line head read a space between
    their centres, or where their ink gap is at least ``sure_space_em`` em; else none."""
    is_space = reading.labels == SPACE
    sx, sline = reading.xs[is_space], reading.line[is_space]
    out = []
    for k, (seg, _) in enumerate(segs):
        cx = (g.boxes[seg, 0] + g.boxes[seg, 2]) / 2
        xs = np.sort(sx[sline == k])
        read = np.searchsorted(xs, cx[1:]) > np.searchsorted(xs, cx[:-1])  # a space emission between the two
        wide = g.boxes[seg[1:], 0] - g.boxes[seg[:-1], 2] >= cfg.sure_space_em * geo[k, 3]
        out.append((seg, (read | wide).astype(int)))
    return out


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


def _flat(segs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The lines' glyph indices, concatenated (m,), and the line of each (m,)."""
    return np.concatenate(segs), np.repeat(np.arange(len(segs)), [len(s) for s in segs])


_ANCHOR = np.array([c.isalnum() for c in CHARSET])  # letters and digits: their size and baseline are reliable
ROW_SIZE_RATIO = 1.35  # the most two glyphs of one row may differ in em
_LOG_SIZE_TOL = math.log(ROW_SIZE_RATIO)
TEXT_BAND = (0.8, 0.3)  # a row's text band: this many em above and below its baseline


def _baselines(g: Glyphs, cfg: DecodeConfig) -> np.ndarray:
    """Each glyph's baseline (N,) px: from its box bottom, its class's ink bottom in the font and
    its em when the config has the font's shapes (p95 error on clean pages: 0.03 em for letters
    and digits, 0.07 em for punctuation), else the network's prediction (0.06 and 0.37 em)."""
    if not cfg.geometry or len(g.scores) == 0:
        return g.baseline
    return g.boxes[:, 3] + _table(cfg.geometry)[g.classes, 2] * g.size


def _components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected-component labels (n,) of the graph with edges (a, b): each node's smallest
    member index (hooking and pointer jumping, a few vectorised rounds)."""
    lab = np.arange(n)
    while len(a):
        la, lb = lab[a], lab[b]
        new = lab.copy()
        np.minimum.at(new, np.maximum(la, lb), np.minimum(la, lb))
        while True:
            nxt = new[new]
            if (nxt == new).all():
                break
            new = nxt
        if (new == lab).all():
            break
        lab = new
    return lab


def _pairs_near(cx: np.ndarray, cy: np.ndarray, of: np.ndarray, reach: float) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i from ``of``, j any other glyph) whose centres lie within ``reach`` px in x and
    in y: glyphs sorted by a ``reach``-high band of y, then x; each ``of`` glyph looks up its own
    band and the two beside it."""
    band = np.floor((cy - cy.min()) / reach).astype(np.int64)
    span = float(cx.max() - cx.min()) + 2 * reach + 1.0
    key = band * span + (cx - cx.min())  # sorted by band, then x
    order = np.argsort(key, kind="stable")
    keys = key[order]
    i_all, j_all = [], []
    for db in (-1, 0, 1):
        centre = (band[of] + db) * span + (cx[of] - cx.min())
        lo, hi = np.searchsorted(keys, centre - reach, "left"), np.searchsorted(keys, centre + reach, "right")
        count = hi - lo
        i_all.append(np.repeat(of, count))
        j_all.append(order[np.arange(count.sum()) - np.repeat(np.cumsum(count) - count - lo, count)])
    i, j = np.concatenate(i_all), np.concatenate(j_all)
    keep = (i != j) & (np.abs(cy[i] - cy[j]) <= reach)
    return i[keep], j[keep]


def _rows(g: Glyphs, cfg: DecodeConfig) -> list[list[int]]:
    """Glyph indices per text row.

    Letters and digits (anchors) form rows greedily by baseline and font size: each joins the
    one of the 8 newest rows it fits best (baseline within ``baseline_tol`` em, size within ``ROW_SIZE_RATIO``;
    a row's baseline and size are the running means of its members), so text of two sizes on
    one baseline makes two rows. Punctuation then joins them in
    chains ("=\\@;: 1994"): two punctuation glyphs within 3 pitches whose baselines agree within
    ``baseline_tol`` em and sizes within a factor 1.5 are one chain, and a chain joins the row
    that one of its glyphs fits the same way (the nearest baseline wins); failing that, a row
    within 3 pitches whose text band holds a glyph's box centre. Chains left over become rows of
    their own, merged where one's box centres lie in the other's text band.
    """
    base_k = _baselines(g, cfg)
    rows: list[list[int]] = []
    base: list[float] = []
    size: list[float] = []
    anchor = _ANCHOR[g.classes]
    by_base = np.argsort(base_k, kind="stable")
    first = by_base[anchor[by_base]]
    for k, b, s in zip(first.tolist(), base_k[first].tolist(), g.size[first].tolist()):  # Python floats: faster
        best, best_cost = -1, math.inf
        for r in range(max(0, len(rows) - 8), len(rows)):  # the best-fitting of the 8 newest rows
            tol = cfg.baseline_tol * max(s, size[r])
            if abs(b - base[r]) > tol or max(s, size[r]) > ROW_SIZE_RATIO * min(s, size[r]):
                continue
            cost = abs(b - base[r]) / tol + abs(math.log(s / size[r])) / _LOG_SIZE_TOL
            if cost < best_cost:
                best, best_cost = r, cost
        if best < 0:
            rows.append([k])
            base.append(b)
            size.append(s)
        else:  # running means of the row's baseline and size
            rows[best].append(k)
            n = len(rows[best])
            base[best] += (b - base[best]) / n
            size[best] += (s - size[best]) / n
    punct = np.flatnonzero(~anchor)
    if not len(punct):
        return rows
    n = len(g.scores)
    cx = (g.boxes[:, 0] + g.boxes[:, 2]) / 2
    cy = (g.boxes[:, 1] + g.boxes[:, 3]) / 2
    reach = 3 * cfg.advance_em
    i, j = _pairs_near(cx, cy, punct, reach * float(g.size.max()))
    dx = np.abs(cx[i] - cx[j])
    # chains: punctuation pairs that fit each other
    pp = ~anchor[j] & (i < j)
    si, sj = g.size[i], g.size[j]
    smax = np.maximum(si, sj)
    fit = ((dx <= reach * smax) & (np.abs(base_k[i] - base_k[j]) <= cfg.baseline_tol * smax)
           & (smax <= 1.5 * np.minimum(si, sj)))
    chain = _components(n, i[pp & fit], j[pp & fit])
    row_of = np.full(n, -1)
    for r, members in enumerate(rows):
        row_of[members] = r

    def attach(loose: bool) -> bool:
        """Chains with no row join the best row one of their glyphs reaches; True if any did."""
        rb, rs = np.array(base), np.array(size)
        r = row_of[j]
        free = (row_of[i] < 0) & (r >= 0)
        ii, rr = i[free], r[free]
        ok = dx[free] <= reach * rs[rr]
        if loose:
            ok &= (cy[ii] >= rb[rr] - TEXT_BAND[0] * rs[rr]) & (cy[ii] <= rb[rr] + TEXT_BAND[1] * rs[rr])
        else:
            ok &= ((np.abs(base_k[ii] - rb[rr]) <= cfg.baseline_tol * rs[rr])
                   & (np.maximum(g.size[ii], rs[rr]) <= 1.5 * np.minimum(g.size[ii], rs[rr])))
        if not ok.any():
            return False
        ii, rr = ii[ok], rr[ok]
        cost = np.abs(base_k[ii] - rb[rr])
        c = chain[ii]
        best = np.lexsort((cost, c))
        best = best[np.r_[True, c[best][1:] != c[best][:-1]]]  # the cheapest pair of each chain
        pick = np.full(n, -1)
        pick[c[best]] = rr[best]
        joins = (row_of < 0) & (pick[chain] >= 0)
        row_of[joins] = pick[chain[joins]]
        return True

    if rows:
        while attach(loose=False) or attach(loose=True):
            pass
    left = np.flatnonzero(row_of < 0)
    if len(left):  # chains of their own, merged where one sits in the other's text band
        lead = chain[left]
        cb, cs = np.zeros(n), np.ones(n)
        cb[lead] = base_k[left]  # the chain's baseline and size: any member's will do for the band
        cs[lead] = g.size[left]
        both = (row_of[i] < 0) & (row_of[j] < 0)
        li, lj = i[both], j[both]
        b, sz = cb[chain[lj]], cs[chain[lj]]
        band = ((cy[li] >= b - TEXT_BAND[0] * sz) & (cy[li] <= b + TEXT_BAND[1] * sz)
                & (np.abs(cx[li] - cx[lj]) <= reach * sz))
        merged = _components(n, chain[li[band]], chain[lj[band]])[chain]
        groups = merged[left]
        order = np.lexsort((base_k[left], groups))
        for grp in np.split(left[order], np.flatnonzero(np.diff(groups[order])) + 1):
            row_of[grp] = len(rows)
            rows.append([])
            base.append(float(np.median(base_k[grp])))
            size.append(float(np.median(g.size[grp])))
    for k in punct.tolist():
        rows[row_of[k]].append(k)
    return rows


def _line_geometry(g: Glyphs, segs: list[np.ndarray], cfg: DecodeConfig) -> np.ndarray:
    """(x0, x1, baseline, size) per line (L, 4): its ink extent and the medians of its letters'
    and digits' baselines (``_baselines``: from the font where the config has its shapes) and
    size predictions (of all its glyphs if it has none). The font's baselines matter most for a
    line of punctuation alone: the network's are 0.37 em off at p95 there, and a lone '^'
    fitted on such a baseline reads as '*'."""
    idx, line = _flat(segs)
    n = len(segs)
    start = np.cumsum([len(s) for s in segs]) - [len(s) for s in segs]
    x0 = np.minimum.reduceat(g.boxes[idx, 0], start)
    x1 = np.maximum.reduceat(g.boxes[idx, 2], start)
    baseline = _baselines(g, cfg)
    base, size = line_medians(baseline[idx], line, n), line_medians(g.size[idx], line, n)
    anchor = _ANCHOR[g.classes[idx]]
    has = np.bincount(line[anchor], minlength=n) > 0
    if has.any():
        keep = anchor & has[line]
        sub = np.cumsum(has) - 1  # the lines with anchors, renumbered
        base[has] = line_medians(baseline[idx[keep]], sub[line[keep]], int(has.sum()))
        size[has] = line_medians(g.size[idx[keep]], sub[line[keep]], int(has.sum()))
    return np.stack([x0, x1, base, size], 1)


def _recover(g: Glyphs, segs: list[tuple[np.ndarray, np.ndarray]], reading: Reading,
             geo: np.ndarray, cfg: DecodeConfig):
    """Add the glyphs the line head read and the detector missed (``pxocr.decode.fusion.recover``);
    returns the glyphs and the lines (indices, gaps), updated. A recovered glyph scores half
    its line-head probability."""
    idx, gline = _flat([seg for seg, _ in segs])
    base, size = geo[:, 2], geo[:, 3]
    pitch = cfg.advance_em * size
    cx = (g.boxes[idx, 0] + g.boxes[idx, 2]) / 2
    boxes, classes, prob, line = recover(cx, gline, g.classes[idx], reading, _table(cfg.geometry), base, size,
                                         pitch, cfg.recover_prob)
    k = len(classes)
    if k == 0:
        return g, segs
    logp = np.full((k, TOPK), -30.0)
    logp[:, 0] = np.log(prob)
    first = len(g.scores)
    g = Glyphs.concat([g, Glyphs(boxes, 0.5 * prob, classes, base[line], size[line],
                                 np.repeat(classes[:, None], TOPK, 1), logp)])
    segs = list(segs)
    for ln in np.unique(line):
        seg = np.concatenate([segs[ln][0], first + np.flatnonzero(line == ln)])
        cxs = (g.boxes[seg, 0] + g.boxes[seg, 2]) / 2
        order = np.argsort(cxs, kind="stable")
        segs[ln] = seg[order], np.maximum(np.rint(np.diff(cxs[order]) / pitch[ln]).astype(int) - 1, 0)
    return g, segs


def _settle_classes(g: Glyphs, segs: list[np.ndarray], geo: np.ndarray, spaced: np.ndarray,
                    reading: Optional[Reading], cfg: DecodeConfig) -> None:
    """Each glyph's class among its candidates (in place): class head, plus the line head's
    reading of its line, plus the font's shapes, within the MRZ alphabet on lines that read as
    one (``pxocr.decode.mrz``; ``spaced`` (L,): the line has a space). All lines at once."""
    if not segs:
        return
    idx, line = _flat(segs)
    base, size = geo[:, 2], geo[:, 3]
    cands, score = g.cands[idx], g.logp[idx]
    if reading is not None:
        cx = (g.boxes[idx, 0] + g.boxes[idx, 2]) / 2
        cands, score = fuse(cx, line, cands, score, reading, cfg.advance_em * size[line], cfg.ctc_weight,
                            cfg.ctc_floor)
    if cfg.mrz:  # which lines are MRZ, by the detector's own candidates
        score = restrict(cands, score, mrz_glyphs(g.cands[idx], g.logp[idx], line, spaced))
    if cfg.geometry:
        score = rescore(g.boxes[idx], cands, score, line, _table(cfg.geometry), base, size, cfg.geometry_weight,
                        cfg.geometry_sigma_px, cfg.geometry_sigma_em)
    pick = score.argmax(1)
    rows = np.arange(len(idx))
    det = g.logp[idx]
    g.scores[idx] *= np.exp(det[rows, pick] - det[:, 0])
    g.classes[idx] = cands[rows, pick]
    g.cands[idx] = cands


def _redraw_boxes(g: Glyphs, segs: list[np.ndarray], geo: np.ndarray,
                  cfg: DecodeConfig) -> None:
    """Each glyph's box from the font on its line's fit, with its settled class (in place)."""
    if not segs:
        return
    idx, line = _flat(segs)
    base, size = geo[:, 2], geo[:, 3]
    table = _table(cfg.geometry)
    theta = fit_lines(g.boxes[idx], g.classes[idx], line, table, base, size,
                      cfg.geometry_sigma_px + cfg.geometry_sigma_em * size, growth_px=REDRAW_GROWTH_PX)
    ok = plausible(theta, size)[line]  # else keep the detector's boxes
    boxes = font_boxes(g.boxes[idx], g.classes[idx], line, table, theta, cfg.advance_em, cfg.font_box_tol_px,
                       cfg.font_box_tol_em)
    g.boxes[idx] = np.where(ok[:, None], boxes, g.boxes[idx])


_TABLES: dict[tuple, np.ndarray] = {}


def _table(geometry: tuple) -> np.ndarray:
    t = _TABLES.get(geometry)
    if t is None:
        t = _TABLES.setdefault(geometry, np.array(geometry, np.float64))
    return t


def _make_lines(g: Glyphs, segs: list[tuple[np.ndarray, np.ndarray]]) -> list[Line]:
    """Line objects: the glyphs of each line in order, spaces from its gaps, its ink box, mean
    score, median baseline and font size."""
    idx, line = _flat([seg for seg, _ in segs])
    n = len(segs)
    count = np.array([len(seg) for seg, _ in segs])
    start = np.cumsum(count) - count
    b = g.boxes[idx]
    bbox = np.stack([np.minimum.reduceat(b[:, 0], start), np.minimum.reduceat(b[:, 1], start),
                     np.maximum.reduceat(b[:, 2], start), np.maximum.reduceat(b[:, 3], start)], 1).tolist()
    score = (np.add.reduceat(g.scores[idx], start) / count).tolist()
    base = np.round(line_medians(g.baseline[idx], line, n), 3).tolist()
    size = np.round(line_medians(g.size[idx], line, n), 2).tolist()
    chars = [Char(CHARSET[k], bx, sc) for k, bx, sc in zip(g.classes[idx].tolist(), b.tolist(), g.scores[idx].tolist())]
    out = []
    for k, (_, gaps) in enumerate(segs):
        cs = chars[start[k]:start[k] + count[k]]
        text = cs[0].char + "".join(" " * max(0, n) + c.char for n, c in zip(gaps.tolist(), cs[1:]))
        out.append(Line(text, bbox[k], cs, score[k], baseline=base[k], font_size=size[k]))
    return out


def decode(raw: np.ndarray, width: int, height: int, cfg: DecodeConfig = DecodeConfig(),
           image: str = "", reader: Optional[LineReader] = None) -> Page:
    """raw (7 + K, h, w) for an image of (height, width) px (before padding) -> Page."""
    g = find_glyphs(raw, cfg)
    inside = (g.boxes[:, 0] < width) & (g.boxes[:, 1] < height)
    return Page(width, height, group_lines(g.take(np.nonzero(inside)[0]), cfg, reader), image)
