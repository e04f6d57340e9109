"""Training targets on the stride-4 grid, built in NumPy from a ground-truth Page.

Cell (i, j) has its centre at ((j + 0.5) * STRIDE, (i + 0.5) * STRIDE) px (``pxocr.contract``). For each glyph with ink
box b and centre c:
- heat: a gaussian around c (sigma from the box size, in cells), exactly 1 at c's cell;
- positive cells: c's cell and the cells whose centre lies inside b's middle half
  where this glyph's gaussian is the highest; they carry the regression and class
  targets, weighted by the gaussian.
"""

from __future__ import annotations

import numpy as np

from ..charset import char_to_index
from ..contract import STRIDE, encode_line
from ..document import Page


def encode(page: Page, height: int, width: int) -> dict[str, np.ndarray]:
    """Targets for a page of (height, width) px (multiples of 4).

    Returns heat (h, w) f32, box (4, h, w) f32 distances in px, line (2, h, w) f32
    [baseline offset / 16, log(size / 32)], cls (h, w) int64, weight (h, w) f32
    (0 = not a positive cell).
    """
    h, w = height // STRIDE, width // STRIDE
    heat = np.zeros((h, w), np.float32)
    weight = np.zeros((h, w), np.float32)  # also the gaussian value of the cell's current owner
    box = np.zeros((4, h, w), np.float32)
    line = np.zeros((2, h, w), np.float32)
    cls = np.zeros((h, w), np.int64)
    for ln in page.lines:
        baseline = float(ln.bbox[3] if ln.baseline is None else ln.baseline)
        size = float(ln.bbox[3] - ln.bbox[1] if ln.font_size is None else ln.font_size)
        for ch in ln.chars:
            x0, y0, x1, y1 = ch.bbox
            cx, cy = (x0 + x1) / 2 / STRIDE, (y0 + y1) / 2 / STRIDE  # in cells
            sx = max(0.5, (x1 - x0) / STRIDE / 5)
            sy = max(0.5, (y1 - y0) / STRIDE / 5)
            ci, cj = int(np.floor(cy)), int(np.floor(cx))
            if not (0 <= ci < h and 0 <= cj < w):
                continue
            ri, rj = int(np.ceil(3 * sy)) + 1, int(np.ceil(3 * sx)) + 1
            i0, i1 = max(0, ci - ri), min(h, ci + ri + 1)
            j0, j1 = max(0, cj - rj), min(w, cj + rj + 1)
            ii = np.arange(i0, i1) + 0.5
            jj = np.arange(j0, j1) + 0.5
            g = np.exp(-((jj[None, :] - cx) ** 2) / (2 * sx * sx) - ((ii[:, None] - cy) ** 2) / (2 * sy * sy))
            g = g.astype(np.float32)
            g[ci - i0, cj - j0] = 1.0
            sl = (slice(i0, i1), slice(j0, j1))
            np.maximum(heat[sl], g, out=heat[sl])
            px, py = jj * STRIDE, ii * STRIDE  # cell centres in px
            hx, hy = (x1 - x0) / 4, (y1 - y0) / 4
            inside = (np.abs(py - (y0 + y1) / 2) <= max(hy, STRIDE / 2))[:, None] & \
                     (np.abs(px - (x0 + x1) / 2) <= max(hx, STRIDE / 2))[None, :]
            pos = inside & (g > weight[sl])
            pos[ci - i0, cj - j0] = True
            pi, pj = np.nonzero(pos)  # in the window
            at_i, at_j = i0 + pi, j0 + pj  # on the page's grid
            weight[at_i, at_j] = g[pi, pj]
            cls[at_i, at_j] = char_to_index(ch.char)
            qx, qy = px[pj], py[pi]
            box[:, at_i, at_j] = (qx - x0, qy - y0, x1 - qx, y1 - qy)
            line[0, at_i, at_j], line[1, at_i, at_j] = encode_line(baseline, size, qy)
    return {"heat": heat, "box": box, "line": line, "cls": cls, "weight": weight}
