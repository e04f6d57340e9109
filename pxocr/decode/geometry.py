"""Reading a glyph's class from its shape as well as its pixels.

The detector's boxes are accurate to a fraction of a pixel, and in one font every
character has a fixed ink box relative to the baseline and the em: ``O`` is 0.73 em tall
and ``0`` 0.79 em, ``-`` sits at mid height and ``_`` below the baseline, ``'`` is
narrower than ``"``. The class head sees each glyph alone and mixes these up; the line
does not.

For each line, a weighted least-squares fit finds its baseline B, em S and ink growth g
(bold or thin print) from the glyphs' boxes and first-choice classes:

    top = B - T_c S - g,    bottom = B - D_c S + g,    width = W_c S + 2 g

(T_c, D_c: the class's ink top and bottom above the baseline in em, W_c its width),
with priors from the network's own baseline and size predictions, and robust
(Cauchy) weights so that a misread glyph does not drag the fit. Each glyph's candidate
classes are then rescored as ``log p(c | pixels) + weight * log N(box | B, S, g, c)``.
The table of (W, T, D) per class comes from the font at export time
(``pxocr.synth.glyphs.GlyphRenderer.geometry``) and travels in the model's metadata.
"""

from __future__ import annotations

import numpy as np

PRIOR_BASE_EM = 0.05  # prior std of the line baseline around the network's, in em
PRIOR_SIZE_REL = 0.05  # prior relative std of the line's em around the network's
PRIOR_GROWTH_PX = 1.0  # prior std of the ink growth g, px, when rescoring classes
REDRAW_GROWTH_PX = 0.1  # ... and when redrawing boxes (font_boxes): tighter measured better


def _rows(t: np.ndarray) -> np.ndarray:
    """Design rows (n, 3 observations, 3 unknowns B, S, g) for glyphs with table rows t (n, 4)."""
    n = len(t)
    one, zero = np.ones(n), np.zeros(n)
    return np.stack([np.stack([one, -t[:, 1], -one], 1),  # top = B - T S - g
                     np.stack([one, -t[:, 2], one], 1),  # bottom = B - D S + g
                     np.stack([zero, t[:, 0], 2 * one], 1)], 1)  # width = W S + 2 g


def fit_lines(boxes: np.ndarray, classes: np.ndarray, line: np.ndarray, table: np.ndarray, base0: np.ndarray,
              size0: np.ndarray, sigma: np.ndarray, iters: int = 3, growth_px: float = PRIOR_GROWTH_PX) -> np.ndarray:
    """(B, S, g) per line (L, 3) from glyph boxes (n, 4), classes (n,) and line ids (n,) in
    0..L-1, with the network's baseline and em per line (L,) as priors; see the module doc."""
    nl = len(base0)
    a = _rows(table[classes])  # (n, 3, 3)
    y = np.stack([boxes[:, 1], boxes[:, 3], boxes[:, 2] - boxes[:, 0]], 1)  # (n, 3)
    prior = np.stack([1 / (PRIOR_BASE_EM * size0) ** 2, 1 / (PRIOR_SIZE_REL * size0) ** 2,
                      np.full(nl, 1 / growth_px ** 2)], 1)  # (L, 3) inverse variances
    mean0 = np.stack([base0, size0, np.zeros(nl)], 1)
    w = 1 / sigma[line] ** 2  # (n,) per-glyph weight, all three rows alike
    aa = np.einsum("nri,nrj->nij", a, a).reshape(-1, 9)
    ay = np.einsum("nri,nr->ni", a, y)
    theta = mean0
    for _ in range(iters):  # per-line sums by bincount: linear in the glyphs
        lhs = np.stack([np.bincount(line, w * aa[:, k], nl) for k in range(9)], 1).reshape(nl, 3, 3)
        lhs[:, [0, 1, 2], [0, 1, 2]] += prior
        rhs = prior * mean0 + np.stack([np.bincount(line, w * ay[:, k], nl) for k in range(3)], 1)
        theta = np.linalg.solve(lhs, rhs[:, :, None])[:, :, 0]
        r = y - np.einsum("nri,ni->nr", a, theta[line])
        # Cauchy weights per glyph: a misread glyph's box barely moves its line
        w = 1 / (sigma[line] ** 2 * (1 + (r ** 2).sum(1) / (2 * sigma[line]) ** 2))
    return theta


def shape_loglik(boxes: np.ndarray, cands: np.ndarray, table: np.ndarray, theta: np.ndarray,
                 sigma: np.ndarray) -> np.ndarray:
    """Gaussian log-likelihood (n, k) of each glyph's box under each candidate class, given
    its line's (B, S, g) (n, 3) and sigma (n,)."""
    b, s, g = (theta[:, i, None] for i in range(3))
    t = table[cands]  # (n, k, 4)
    top = b - t[..., 1] * s - g
    bottom = b - t[..., 2] * s + g
    width = t[..., 0] * s + 2 * g
    r2 = ((boxes[:, None, 1] - top) ** 2 + (boxes[:, None, 3] - bottom) ** 2
          + (boxes[:, None, 2] - boxes[:, None, 0] - width) ** 2)
    return -0.5 * r2 / sigma[:, None] ** 2


def rescore(boxes: np.ndarray, cands: np.ndarray, logp: np.ndarray, line: np.ndarray, table: np.ndarray,
            base0: np.ndarray, size0: np.ndarray, weight: float, sigma_px: float, sigma_em: float) -> np.ndarray:
    """Scores (n, k) of each glyph's candidate classes (n, k) by pixels and shape: ``logp`` plus
    ``weight`` times the shape log-likelihood; glyphs belong to lines ``line`` (n,) with the
    network's baseline and em (L,)."""
    sigma = sigma_px + sigma_em * size0  # (L,)
    first = np.take_along_axis(cands, logp.argmax(1)[:, None], 1)[:, 0]
    theta = fit_lines(boxes, first, line, table, base0, size0, sigma)
    ok = plausible(theta, size0)  # else keep the pixels' reading
    return logp + weight * shape_loglik(boxes, cands, table, theta[line], sigma[line]) * ok[line, None]


def plausible(theta: np.ndarray, size0: np.ndarray) -> np.ndarray:
    """Lines (L,) whose fitted em lies within a factor 2 of the network's: the others' fits are
    not trusted (too few glyphs, or misread ones)."""
    return (theta[:, 1] > 0.5 * size0) & (theta[:, 1] < 2.0 * size0)


def line_medians(values: np.ndarray, line: np.ndarray, n: int) -> np.ndarray:
    """Median (n,) of ``values`` (m,) per line (``line`` (m,) in 0..n-1); nan for empty lines."""
    v = values[np.lexsort((values, line))]
    count = np.bincount(line, minlength=n)
    start = np.cumsum(count) - count
    lo, hi = np.minimum(start + (count - 1) // 2, len(v) - 1), np.minimum(start + count // 2, len(v) - 1)
    return np.where(count > 0, (v[lo] + v[hi]) / 2, np.nan) if len(v) else np.full(n, np.nan)


GRID_SIGMA_PX = 0.3  # scale of a glyph's distance from its line's pitch grid (Cauchy weights)
PRIOR_PITCH_REL = 0.01
LINE_FIT_SHARE = 0.35  # see font_boxes


def grid_x(cell: np.ndarray, line: np.ndarray, pitch: np.ndarray, iters: int = 3) -> np.ndarray:
    """Each glyph's cell centre (n,) on its line's fitted pitch grid ``X0 + k P``.

    ``cell`` are the measured cell centres (the ink centre less the class's offset), ``pitch``
    (n,) the expected pitch of each glyph's line (OCR-B is monospaced: advance x em). Cell
    indices k count whole pitches between neighbours, so an error in the pitch does not add up
    along a line; X0 and P are a robust least-squares fit per line, P with a 1 % prior.
    """
    n = len(cell)
    if n == 0:
        return cell.copy()
    order = np.lexsort((cell, line))
    c, ln, p = cell[order], line[order], pitch[order]
    new_line = np.ones(n, bool)
    new_line[1:] = ln[1:] != ln[:-1]
    step = np.zeros(n)
    step[1:] = np.where(new_line[1:], 0.0, np.rint(np.diff(c) / p[1:]))
    k = np.cumsum(step)
    k -= k[np.maximum.accumulate(np.where(new_line, np.arange(n), 0))]  # 0 at each line's first glyph
    nl = int(ln.max()) + 1
    p0 = np.bincount(ln, p, nl) / np.maximum(np.bincount(ln, None, nl), 1)
    lam = (GRID_SIGMA_PX / (PRIOR_PITCH_REL * p0)) ** 2
    w = np.ones(n)
    fit = c
    for _ in range(iters):
        sw, swk, swkk = (np.bincount(ln, w * k ** e, nl) for e in (0, 1, 2))
        swc, swkc = np.bincount(ln, w * c, nl), np.bincount(ln, w * k * c, nl)
        a, b, d = sw, swk, swkk + lam  # [[a, b], [b, d]] [X0, P] = [swc, swkc + lam p0]
        e = swkc + lam * p0
        det = a * d - b * b
        x0, pp = (d * swc - b * e) / det, (a * e - b * swc) / det
        fit = x0[ln] + k * pp[ln]
        w = 1 / (1 + ((c - fit) / GRID_SIGMA_PX) ** 2)
    out = np.empty(n)
    out[order] = fit
    return out


def font_boxes(boxes: np.ndarray, classes: np.ndarray, line: np.ndarray, table: np.ndarray, theta: np.ndarray,
               advance_em: float, tol_px: float, tol_em: float) -> np.ndarray:
    """Boxes (n, 4) redrawn from the font: each glyph's class's ink box on its line's fitted
    baseline, em and ink growth (``theta`` (L, 3) from ``fit_lines``), centred on the line's
    pitch grid (``grid_x``). An edge moves only when it lands within ``tol_px + tol_em x em``
    of the detected one (a misread glyph, another font or uneven spacing keep the detector's).

    One line's fit pools every glyph's edges, so its baseline and em are known far better than
    any single glyph's; on clean 640x640 tuning pages this halves the mean edge error.
    """
    b, s, g = (theta[line, i] for i in range(3))
    t = table[classes]
    cx = (boxes[:, 0] + boxes[:, 2]) / 2
    x = grid_x(cx - t[:, 3] * s, line, advance_em * s) + t[:, 3] * s
    half = (t[:, 0] * s + 2 * g) / 2
    model = np.stack([x - half, b - t[:, 1] * s - g, x + half, b - t[:, 2] * s + g], 1)
    tol = tol_px + tol_em * s
    miss = np.abs(model - boxes).max(1)
    # a line whose typical glyph misses its font box by more than LINE_FIT_SHARE of the tolerance
    # does not have this font's geometry (another font, uneven spacing, skew): it keeps the
    # detector's boxes (the typical miss on clean pages: 0.3 px, 99th percentile 1.7 px)
    typical = line_medians(miss, line, len(theta))
    fits = (typical[line] <= LINE_FIT_SHARE * tol)[:, None]
    out = np.where(fits & (np.abs(model - boxes) <= tol[:, None]), model, boxes)
    # edges move one by one: a model edge beside a kept detector edge may cross it (a glyph under a
    # pixel tall); such a glyph keeps the detector's box (this crashed a reading with 'y1 < y0')
    inverted = (out[:, 2] < out[:, 0]) | (out[:, 3] < out[:, 1])
    out[inverted] = boxes[inverted]
    return out


_TABLES: dict[tuple, np.ndarray] = {}


def shape_table(geometry: tuple) -> np.ndarray:
    """``DecodeConfig.geometry`` as an array (94, 4), cached per geometry."""
    t = _TABLES.get(geometry)
    if t is None:
        t = _TABLES.setdefault(geometry, np.array(geometry, np.float64))
    return t
