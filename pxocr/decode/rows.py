"""Stage 2a of decoding: glyphs -> text rows, by baseline and font size (punctuation by chains)."""

from __future__ import annotations

import math

import numpy as np

from ..charset import CHARSET
from .config import DecodeConfig
from .geometry import shape_table
from .peaks import Glyphs

ANCHOR = np.array([c.isalnum() for c in CHARSET])  # letters and digits: their size and baseline are reliable
ROW_SIZE_RATIO = 1.35  # the most two glyphs of one row may differ in em
_LOG_SIZE_TOL = math.log(ROW_SIZE_RATIO)
TEXT_BAND = (0.8, 0.3)  # a row's text band: this many em above and below its baseline


def baselines(g: Glyphs, cfg: DecodeConfig) -> np.ndarray:
    """Each glyph's baseline (N,) px: from its box bottom, its class's ink bottom in the font and
    its em when the config has the font's shapes (p95 error on clean pages: 0.03 em for letters
    and digits, 0.07 em for punctuation), else the network's prediction (0.06 and 0.37 em)."""
    if not cfg.geometry or len(g.scores) == 0:
        return g.baseline
    return g.boxes[:, 3] + shape_table(cfg.geometry)[g.classes, 2] * g.size


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


def rows(g: Glyphs, cfg: DecodeConfig) -> list[list[int]]:
    """Glyph indices per text row.

    Letters and digits (anchors) form rows greedily by baseline and font size: each joins the
    one of the 8 newest rows it fits best (baseline within ``baseline_tol`` em, size within ``ROW_SIZE_RATIO``;
    a row's baseline and size are the running means of its members), so text of two sizes on
    one baseline makes two rows; then each takes the row it fits best by the rows' final means.
    Punctuation then joins them in chains ("=\\@;: 1994"): two punctuation glyphs within 3
    pitches whose baselines agree within ``baseline_tol`` em and sizes within a factor 1.5 are one
    chain, and a chain joins the row that one of its glyphs fits the same way (the nearest
    baseline wins); failing that, a row within 3 pitches whose text band holds a glyph's box
    centre. Chains left over become rows of their own, merged where one's box centres lie in the other's text band.
    """
    base_k = baselines(g, cfg)
    anchor = ANCHOR[g.classes]
    found, base, size = _anchor_rows(g, base_k, anchor, cfg)
    punct = np.flatnonzero(~anchor)
    if len(punct):
        _add_punctuation(_Near(g, base_k, anchor, punct, cfg), found, base, size)
    return found


SUP_BASE = (-0.6, -0.12)  # em of a row: a superscript's own baseline this far from the row's ...
SUB_BASE = (0.08, 0.4)  # ... a subscript's
SCRIPT_SIZE = (0.55, 0.95)  # its em (and its own row's at most) this share of the row's, which holds 2 glyphs or more
SCRIPT_GAP = (-0.15, 0.35)  # em: its ink starts this far right of the glyph it follows (a chain of them)


def attach_scripts(g: Glyphs, found: list[list[int]], cfg: DecodeConfig) -> tuple[list[list[int]], np.ndarray]:
    """The rows (glyph indices) with sub- and superscripts moved into the row of the glyph they follow,
    and which glyphs were so moved (N,) bool. A glyph read on a row of its own (its baseline the
    network's for it: a script's, 0.12-0.6 em above a row's, or 0.08-0.4 em below) joins a row whose em
    is larger (``SCRIPT_SIZE``: a lone large glyph found in a word is no line to join), where its ink
    starts right after that row's glyph before it (``SCRIPT_GAP``), or after a script already joined:
    ``x_{m+1}``, ``b^2``, a footnote's mark. Formulas made their scripts lines of their own, read apart
    from their line or dropped."""
    moved = np.zeros(len(g.scores), bool)
    if len(found) < 2:
        return found, moved
    base_k = baselines(g, cfg)
    rb = np.array([np.median(base_k[r]) for r in found])
    rs = np.array([np.median(g.size[r]) for r in found])
    row_of = np.empty(len(g.scores), np.int64)
    for r, members in enumerate(found):
        row_of[members] = r
    rows = [list(r) for r in found]
    off = (base_k[:, None] - rb[None, :]) / rs[None, :]  # (N, rows): each glyph's baseline in each row's em
    ratio = g.size[:, None] / rs[None, :]
    smaller_row = rs[row_of][:, None] <= SCRIPT_SIZE[1] * rs[None, :]  # the glyph's own row's em under the row's
    fits = ((off >= SUP_BASE[0]) & (off <= SUP_BASE[1]) | (off >= SUB_BASE[0]) & (off <= SUB_BASE[1])) \
        & (ratio >= SCRIPT_SIZE[0]) & (ratio <= SCRIPT_SIZE[1]) & smaller_row \
        & (np.array([len(r) for r in found]) >= 2)[None, :] & (row_of[:, None] != np.arange(len(found))[None, :])
    some = fits.any(1)
    for k in np.flatnonzero(some)[np.argsort(g.boxes[some, 0], kind="stable")].tolist():  # left to right
        r = row_of[k]
        cand = np.flatnonzero(fits[k])
        for c in cand[np.argsort(np.abs(off[k, cand]))].tolist():
            before = [j for j in rows[c] if g.boxes[j, 0] < g.boxes[k, 0]]
            if not before:
                continue
            gap = (g.boxes[k, 0] - max(g.boxes[j, 2] for j in before)) / rs[c]
            if SCRIPT_GAP[0] <= gap <= SCRIPT_GAP[1]:
                rows[r].remove(k)
                rows[c].append(k)
                row_of[k] = c
                moved[k] = True
                break
    return [r for r in rows if r], moved


def _anchor_rows(g: Glyphs, base_k: np.ndarray, anchor: np.ndarray,
                 cfg: DecodeConfig) -> tuple[list[list[int]], list[float], list[float]]:
    """Rows of letters and digits (glyph indices), with each row's running mean baseline and em."""
    rows: list[list[int]] = []
    base: list[float] = []
    size: list[float] = []
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
    if len(rows) > 1:
        greedy = np.empty(len(g.scores), np.int64)
        for r, members in enumerate(rows):
            greedy[members] = r
        return _refit(first, greedy[first], base_k[first], g.size[first], base, size, cfg)
    return rows, base, size


def _refit(idx: np.ndarray, greedy: np.ndarray, b: np.ndarray, s: np.ndarray, base: list[float], size: list[float],
           cfg: DecodeConfig) -> tuple[list[list[int]], list[float], list[float]]:
    """The greedy rows once more, each glyph in the row it fits best by the rows' final means: a
    glyph taken in order of baseline joins a row before the rows that come after it exist (a
    ``d`` whose baseline is the first of its line joined a row 0.3 em higher, of other text)."""
    rb, rs = np.array(base)[None, :], np.array(size)[None, :]
    big = np.maximum(s[:, None], rs)
    tol = cfg.baseline_tol * big
    cost = np.abs(b[:, None] - rb) / tol + np.abs(np.log(s[:, None] / rs)) / _LOG_SIZE_TOL
    cost[(np.abs(b[:, None] - rb) > tol) | (big > ROW_SIZE_RATIO * np.minimum(s[:, None], rs))] = np.inf
    own = np.where(np.isfinite(cost.min(1)), cost.argmin(1), greedy)
    keep = np.unique(own)
    rows = [idx[own == r].tolist() for r in keep]
    return rows, [float(b[own == r].mean()) for r in keep], [float(s[own == r].mean()) for r in keep]


class _Near:
    """Punctuation glyphs and their neighbours: pairs (i punctuation, j any) within reach, and
    the chains that punctuation pairs fitting each other form (``chain``: a label per glyph)."""

    def __init__(self, g: Glyphs, base_k: np.ndarray, anchor: np.ndarray, punct: np.ndarray,
                 cfg: DecodeConfig) -> None:
        self.g, self.base_k, self.punct, self.cfg = g, base_k, punct, cfg
        self.n = len(g.scores)
        self.cx = (g.boxes[:, 0] + g.boxes[:, 2]) / 2
        self.cy = (g.boxes[:, 1] + g.boxes[:, 3]) / 2
        self.reach = 3 * cfg.advance_em
        i, j = _pairs_near(self.cx, self.cy, punct, self.reach * float(g.size.max()))
        self.i, self.j = i, j
        self.dx = np.abs(self.cx[i] - self.cx[j])
        pp = ~anchor[j] & (i < j)  # chains: punctuation pairs that fit each other
        si, sj = g.size[i], g.size[j]
        smax = np.maximum(si, sj)
        fit = ((self.dx <= self.reach * smax) & (np.abs(base_k[i] - base_k[j]) <= cfg.baseline_tol * smax)
               & (smax <= 1.5 * np.minimum(si, sj)))
        self.chain = _components(self.n, i[pp & fit], j[pp & fit])


def _add_punctuation(near: _Near, rows: list[list[int]], base: list[float], size: list[float]) -> None:
    """Punctuation joins ``rows`` (in place): chains attach to rows, leftovers make rows of their own."""
    row_of = np.full(near.n, -1)
    for r, members in enumerate(rows):
        row_of[members] = r
    if rows:
        while _attach(near, row_of, base, size, loose=False) or _attach(near, row_of, base, size, loose=True):
            pass
        if near.cfg.spacing == "proportional":  # (OCR-B pages hold lone symbol runs as lines of their own:
            _attach_on_baseline(near, row_of, base, size)  # clean test pages 0.066 -> 0.132 % CER with it)
    left = np.flatnonzero(row_of < 0)
    if len(left):
        _own_rows(near, left, row_of, rows, base, size)
    for k in near.punct.tolist():
        rows[row_of[k]].append(k)


def _attach(near: _Near, row_of: np.ndarray, base: list[float], size: list[float], loose: bool) -> bool:
    """Chains with no row join the best row one of their glyphs reaches (``row_of`` in place); True if any did."""
    g, i, j, base_k, chain = near.g, near.i, near.j, near.base_k, near.chain
    rb, rs = np.array(base), np.array(size)
    r = row_of[j]
    free = (row_of[i] < 0) & (r >= 0)
    ii, rr = i[free], r[free]
    ok = near.dx[free] <= near.reach * rs[rr]
    if loose:
        ok &= (near.cy[ii] >= rb[rr] - TEXT_BAND[0] * rs[rr]) & (near.cy[ii] <= rb[rr] + TEXT_BAND[1] * rs[rr])
    else:
        ok &= ((np.abs(base_k[ii] - rb[rr]) <= near.cfg.baseline_tol * rs[rr])
               & (np.maximum(g.size[ii], rs[rr]) <= 1.5 * np.minimum(g.size[ii], rs[rr])))
    if not ok.any():
        return False
    ii, rr = ii[ok], rr[ok]
    cost = np.abs(base_k[ii] - rb[rr])
    c = chain[ii]
    best = np.lexsort((cost, c))
    best = best[np.r_[True, c[best][1:] != c[best][:-1]]]  # the cheapest pair of each chain
    pick = np.full(near.n, -1)
    pick[c[best]] = rr[best]
    joins = (row_of < 0) & (pick[chain] >= 0)
    row_of[joins] = pick[chain[joins]]
    return True


def _attach_on_baseline(near: _Near, row_of: np.ndarray, base: list[float], size: list[float]) -> None:
    """Chains still without a row join the row whose baseline one of their glyphs sits on (within
    ``baseline_tol`` em, size within a factor 1.5, its box centre in the row's text band), however
    far: a list's bullet ("-  BAKER") lies more than 3 pitches from its item's first letter. The
    line stage splits them again at a column's gap. ``row_of`` in place."""
    g, base_k, chain = near.g, near.base_k, near.chain
    free = near.punct[row_of[near.punct] < 0]
    if not len(free):
        return
    rb, rs = np.array(base)[None, :], np.array(size)[None, :]
    s = g.size[free][:, None]
    cy, b = near.cy[free][:, None], base_k[free][:, None]
    big = np.maximum(s, rs)
    fits = ((np.abs(b - rb) <= near.cfg.baseline_tol * big) & (big <= 1.5 * np.minimum(s, rs))
            & (cy >= rb - TEXT_BAND[0] * rs) & (cy <= rb + TEXT_BAND[1] * rs))
    cost = np.where(fits, np.abs(b - rb), np.inf)
    best, has = cost.argmin(1), np.isfinite(cost.min(1))
    pick = np.full(near.n, -1)
    for k, r in zip(free[has].tolist(), best[has].tolist()):  # a chain follows its first member that fits
        if pick[chain[k]] < 0:
            pick[chain[k]] = r
    joins = (row_of < 0) & (pick[chain] >= 0)
    row_of[joins] = pick[chain[joins]]


def _own_rows(near: _Near, left: np.ndarray, row_of: np.ndarray, rows: list[list[int]], base: list[float],
              size: list[float]) -> None:
    """Chains left without a row become rows of their own, merged where one sits in the other's text band."""
    g, i, j, base_k, chain, cx, cy = near.g, near.i, near.j, near.base_k, near.chain, near.cx, near.cy
    lead = chain[left]
    cb, cs = np.zeros(near.n), np.ones(near.n)
    cb[lead] = base_k[left]  # the chain's baseline and size: any member's will do for the band
    cs[lead] = g.size[left]
    both = (row_of[i] < 0) & (row_of[j] < 0)
    li, lj = i[both], j[both]
    b, sz = cb[chain[lj]], cs[chain[lj]]
    band = ((cy[li] >= b - TEXT_BAND[0] * sz) & (cy[li] <= b + TEXT_BAND[1] * sz)
            & (np.abs(cx[li] - cx[lj]) <= near.reach * sz))
    merged = _components(near.n, chain[li[band]], chain[lj[band]])[chain]
    groups = merged[left]
    order = np.lexsort((base_k[left], groups))
    for grp in np.split(left[order], np.flatnonzero(np.diff(groups[order])) + 1):
        row_of[grp] = len(rows)
        rows.append([])
        base.append(float(np.median(base_k[grp])))
        size.append(float(np.median(g.size[grp])))
