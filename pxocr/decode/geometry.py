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
PRIOR_GROWTH_PX = 1.0  # prior std of the ink growth g, px


def fit_line(boxes: np.ndarray, classes: np.ndarray, table: np.ndarray, base0: float, size0: float,
             sigma: float, iters: int = 3) -> tuple[float, float, float]:
    """(B, S, g) of one line from its glyph boxes (n, 4) and classes (n,); see the module doc."""
    n = len(classes)
    t = table[classes]  # (n, 4): width, top, bottom in em (and the centre offset)
    a = np.zeros((3 * n + 3, 3))
    y = np.zeros(3 * n + 3)
    a[0:n] = np.stack([np.ones(n), -t[:, 1], -np.ones(n)], 1)
    y[0:n] = boxes[:, 1]
    a[n:2 * n] = np.stack([np.ones(n), -t[:, 2], np.ones(n)], 1)
    y[n:2 * n] = boxes[:, 3]
    a[2 * n:3 * n] = np.stack([np.zeros(n), t[:, 0], 2 * np.ones(n)], 1)
    y[2 * n:3 * n] = boxes[:, 2] - boxes[:, 0]
    a[3 * n:] = np.eye(3)
    y[3 * n:] = (base0, size0, 0.0)
    prior_w = 1.0 / np.array([PRIOR_BASE_EM * size0, PRIOR_SIZE_REL * size0, PRIOR_GROWTH_PX])
    w = np.concatenate([np.full(3 * n, 1.0 / sigma), prior_w])
    theta = np.array([base0, size0, 0.0])
    for _ in range(iters):
        theta = np.linalg.lstsq(a * w[:, None], y * w, rcond=None)[0]
        r = (y[:3 * n] - a[:3 * n] @ theta).reshape(3, n)
        # Cauchy weights per glyph (all three rows of a glyph together)
        glyph_r = np.sqrt((r ** 2).sum(0)) / (2 * sigma)
        w[:3 * n] = np.tile(1.0 / (sigma * np.sqrt(1 + glyph_r ** 2)), 3)
    return float(theta[0]), float(theta[1]), float(theta[2])


def shape_loglik(boxes: np.ndarray, cands: np.ndarray, table: np.ndarray, theta: tuple[float, float, float],
                 sigma: float) -> np.ndarray:
    """Gaussian log-likelihood (n, k) of each glyph's box under each candidate class."""
    b, s, g = theta
    t = table[cands]  # (n, k, 4)
    top = b - t[..., 1] * s - g
    bottom = b - t[..., 2] * s + g
    width = t[..., 0] * s + 2 * g
    r2 = ((boxes[:, None, 1] - top) ** 2 + (boxes[:, None, 3] - bottom) ** 2
          + (boxes[:, None, 2] - boxes[:, None, 0] - width) ** 2)
    return -0.5 * r2 / sigma ** 2


def rescore(boxes: np.ndarray, cands: np.ndarray, logp: np.ndarray, table: np.ndarray, base0: float,
            size0: float, weight: float, sigma_px: float, sigma_em: float) -> np.ndarray:
    """Index (n,) into each glyph's candidates (n, k) of the class that best fits pixels and shape."""
    sigma = sigma_px + sigma_em * size0
    first = np.take_along_axis(cands, logp.argmax(1)[:, None], 1)[:, 0]
    theta = fit_line(boxes, first, table, base0, size0, sigma)
    if not 0.5 * size0 < theta[1] < 2.0 * size0:
        return logp.argmax(1)  # degenerate fit: keep the pixels' reading
    return np.argmax(logp + weight * shape_loglik(boxes, cands, table, theta, sigma), 1)
