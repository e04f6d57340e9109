"""Fusing the line head's CTC reading with the detected glyphs of the same line.

Glyph boxes always come from the detection head. Each CTC emission (a character, with its
x position from the frames that emitted it) is paired with the detected glyph of its line
whose centre is nearest, when each is the other's nearest and they lie within half a pitch
(pairing in order when the counts agree measured worse: 1.85 % clean CER against 1.69 %);
a paired glyph's candidate classes are rescored as
``log p_det(c) + weight * log max(p_ctc(c), floor)``,
and the CTC's own best class joins the candidates when the detector did not list it.

Every function works on all the lines of a page at once: glyphs and emissions carry line
ids, and only pairs within one line count.
"""

from __future__ import annotations

import numpy as np

from .ctc import SPACE, Reading


def nearest(x: np.ndarray, xline: np.ndarray, y: np.ndarray, yline: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each point ``x`` (n,) on line ``xline``, the index of the nearest point ``y`` (m,, m > 0)
    on the same line and the distance (inf where its line has none); the lower index on a tie.
    Sorted search, not the (n, m) table of all distances: a page holds thousands of each."""
    span = float(max(np.abs(x).max(initial=0), np.abs(y).max(initial=0))) * 4 + 1.0
    ky = yline * span + y  # lines far apart on one axis: a neighbour on another line is never nearer
    order = np.lexsort((np.arange(len(y)), ky))
    ks = ky[order]
    kx = xline * span + x
    at = np.clip(np.searchsorted(ks, kx), 0, len(ks) - 1)
    below = np.searchsorted(ks, ks[np.maximum(at - 1, 0)])  # the first of equal keys: the lowest index
    lo, hi = order[below], order[at]
    dlo = np.where(yline[lo] == xline, np.abs(x - y[lo]), np.inf)
    dhi = np.where(yline[hi] == xline, np.abs(x - y[hi]), np.inf)
    take_hi = (dhi < dlo) | ((dhi == dlo) & (hi < lo))
    return np.where(take_hi, hi, lo), np.where(take_hi, dhi, dlo)


def pair(cx: np.ndarray, gline: np.ndarray, ex: np.ndarray, eline: np.ndarray,
         pitch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mutually nearest (glyph index, emission index) pairs of one line, closer than half the
    glyph's ``pitch`` (n,)."""
    if len(cx) == 0 or len(ex) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    j, d = nearest(cx, gline, ex, eline)
    back, _ = nearest(ex, eline, cx, gline)
    i = np.arange(len(cx))
    ok = (back[j] == i) & (d < 0.5 * pitch)
    return i[ok], j[ok]


def fuse(cx: np.ndarray, gline: np.ndarray, cands: np.ndarray, logp: np.ndarray, reading: Reading,
         pitch: np.ndarray, weight: float, floor: float) -> tuple[np.ndarray, np.ndarray]:
    """New (cands, logp) (n, k) for glyphs with centres ``cx`` (n,) on lines ``gline`` (n,).
    The line head's probabilities count no lower than ``floor``: it is sure of a wrong class
    when it paired with a neighbour's emission, and must not then outvote a sure detector."""
    cands, logp = cands.copy(), logp.copy()
    r = reading.chars()
    gi, ei = pair(cx, gline, r.xs, r.line, pitch)
    if len(gi) == 0:
        return cands, logp
    el = r.logp[ei][:, 1:SPACE]  # (p, 94): class c at column c
    best = el.argmax(1)
    absent = ~(cands[gi] == best[:, None]).any(1)
    cands[gi[absent], -1] = best[absent]  # its detector log-probability stays the 4th's: an upper bound
    logp[gi] += weight * np.maximum(np.take_along_axis(el, cands[gi], 1), np.log(floor))
    return cands, logp


def recover(cx: np.ndarray, gline: np.ndarray, classes: np.ndarray, reading: Reading, table: np.ndarray,
            base: np.ndarray, size: np.ndarray, pitch: np.ndarray,
            min_prob: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Glyphs the line head read where the detector found none: (boxes (k, 4), classes (k,),
    probabilities (k,), lines (k,)). ``base``, ``size`` and ``pitch`` are per line.

    An emission counts when it lies between two detected glyphs of its line, its cell on the
    line's pitch grid (anchored at the nearest detected glyph: OCR-B is monospaced) holds no
    detected glyph, its class is not that of the nearest detected glyph (see below), and its
    probability is at least ``min_prob``. Emissions beyond a line's
    ends do not count: CTC places a line's last emission late, often past the last glyph.
    The box is the font's ink box for the class on the line's baseline and em (``table``
    rows: width, top, bottom, centre offset in em).
    """
    none = np.zeros((0, 4)), np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64)
    r = reading.chars()
    if len(cx) == 0 or len(r.xs) == 0:
        return none
    labels = r.labels - 1
    prob = np.exp(r.logp[np.arange(len(labels)), r.labels])
    lo = np.full(len(pitch), np.inf)
    hi = np.full(len(pitch), -np.inf)
    np.minimum.at(lo, gline, cx)
    np.maximum.at(hi, gline, cx)
    near, dist = nearest(r.xs, r.line, cx, gline)
    p = pitch[r.line]
    # An emission of its nearest glyph's own class is taken for that glyph's, spilled into the
    # gap beside it (a line head trained for an hour read 'room FULL' as 'roommFULL'). The cost:
    # a twin the detector missed ('oo', '00') is not recovered. Counting the line head's
    # emissions of the class against the detector's glyphs around it instead measured worse
    # (the hour model emits the spill as a separate character): 0.65 against 0.55 % CER on
    # its clean tuning pages, 0.342 against 0.332 % on the shipped model's degraded ones.
    new = ((dist >= 0.5 * p) & (prob >= min_prob)
           & (r.xs > lo[r.line]) & (r.xs < hi[r.line]) & (labels != classes[near]))
    if not new.any():
        return none
    ex, labels, prob, near, line, p = r.xs[new], labels[new], prob[new], near[new], r.line[new], p[new]
    s = size[line]
    anchor = cx[near] - table[classes[near], 3] * s  # the neighbour's cell centre
    cell = anchor + np.rint((ex - anchor) / p) * p
    free = nearest(cell, line, cx, gline)[1] >= 0.5 * p
    if not free.any():
        return none
    labels, prob, line, cell, s = labels[free], prob[free], line[free], cell[free], s[free]
    keep = np.unique(np.stack([line, np.rint(cell * 4).astype(np.int64)], 1), axis=0, return_index=True)[1]
    labels, prob, line, cell, s = labels[keep], prob[keep], line[keep], cell[keep], s[keep]
    centre = cell + table[labels, 3] * s
    w, top, bottom = table[labels, 0] * s, table[labels, 1] * s, table[labels, 2] * s
    b = base[line]
    boxes = np.stack([centre - w / 2, b - top, centre + w / 2, b - bottom], 1)
    return boxes, labels, prob, line
