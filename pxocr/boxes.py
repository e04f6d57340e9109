"""Box maths: pure functions on ``[x0, y0, x1, y1]`` boxes.

Convention (DESIGN.md 1.1): continuous pixel coordinates, origin at the image's
top-left corner, pixel column ``i`` covers ``[i, i+1)``. Arrays are ``(N, 4)`` float.
"""

from __future__ import annotations

import numpy as np

from .neighbours import pairs_within


def area(b: np.ndarray) -> np.ndarray:
    """(N, 4) -> (N,) area, zero for degenerate boxes."""
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    return np.clip(b[:, 2] - b[:, 0], 0, None) * np.clip(b[:, 3] - b[:, 1], 0, None)


def max_iou(a: np.ndarray, b: np.ndarray, cells: int = 2_000_000) -> np.ndarray:
    """(N, 4), (M, 4) -> (N,) each box of ``a``'s largest IoU with a box of ``b`` (0 when M = 0),
    computed ``cells`` pairs at a time, so that a page of noise read as 20,000 glyphs does not
    need gigabytes."""
    a = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    if len(b) == 0:
        return np.zeros(len(a))
    step = max(1, cells // len(b))
    return np.concatenate([iou_matrix(a[i:i + step], b).max(1) for i in range(0, len(a), step)] or [np.zeros(0)])


def intersection_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(N, 4), (M, 4) -> (N, M) area that each pair of boxes shares (0 when apart)."""
    a = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    ix = np.clip(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    iy = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None)
    return ix * iy


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(N, 4), (M, 4) -> (N, M) intersection over union."""
    a = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    inter = intersection_matrix(a, b)
    union = area(a)[:, None] + area(b)[None, :] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def union_box(b: np.ndarray) -> np.ndarray:
    """(N, 4) -> (4,) smallest box holding all boxes. N must be > 0."""
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    return np.array([b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()])


def union_of(boxes) -> tuple[float, float, float, float]:
    """The smallest box holding every box of an iterable of 4-sequences (at least one), as a tuple."""
    x0, y0, x1, y1 = union_box(list(boxes)).tolist()
    return (x0, y0, x1, y1)


def overlap_of_smaller_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(N, 4), (M, 4) -> (N, M): :func:`overlap_of_smaller` of every pair."""
    a = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    return intersection_matrix(a, b) / np.maximum(np.minimum(area(a)[:, None], area(b)[None, :]), 1e-9)


def overlap_of_smaller(a, b) -> float:
    """Intersection of boxes ``a`` and ``b`` (4,) over the smaller one's area; 0 when apart."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    small = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return float(w * h / max(small, 1e-9))


def intersects(a, b) -> bool:
    """True when boxes ``a`` and ``b`` (4,) share an area (touching edges do not count)."""
    return bool(a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])


def contains(outer: np.ndarray, inner: np.ndarray, tol: float = 1e-6) -> bool:
    """True when box ``inner`` lies inside box ``outer`` (4,) within ``tol``."""
    return bool(
        inner[0] >= outer[0] - tol
        and inner[1] >= outer[1] - tol
        and inner[2] <= outer[2] + tol
        and inner[3] <= outer[3] + tol
    )


def clip(b: np.ndarray, width: float, height: float) -> np.ndarray:
    """Clip (N, 4) boxes to the image ``[0, width] x [0, height]``."""
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4).copy()
    b[:, [0, 2]] = np.clip(b[:, [0, 2]], 0, width)
    b[:, [1, 3]] = np.clip(b[:, [1, 3]], 0, height)
    return b


def scale(b: np.ndarray, sx: float, sy: float) -> np.ndarray:
    """Scale (N, 4) boxes by ``sx`` in x and ``sy`` in y (a resize of the image)."""
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    return b * np.array([sx, sy, sx, sy])


def translate(b: np.ndarray, dx: float, dy: float) -> np.ndarray:
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    return b + np.array([dx, dy, dx, dy])


def turned(b: np.ndarray, turn: int, width: float, height: float) -> np.ndarray:
    """(N, 4) boxes of a ``width`` x ``height`` image -> the same boxes once the image is turned ``turn``
    quarter turns counter-clockwise (``np.rot90``'s sense; negative: clockwise)."""
    x0, y0, x1, y1 = b.T
    turn %= 4
    if turn == 1:  # (x, y) -> (y, width - x)
        return np.stack([y0, width - x1, y1, width - x0], 1)
    if turn == 2:
        return np.stack([width - x1, height - y1, width - x0, height - y0], 1)
    if turn == 3:  # (x, y) -> (height - y, x)
        return np.stack([height - y1, x0, height - y0, x1], 1)
    return b


def edge_errors(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """(N, 4), (N, 4) -> (N, 4) absolute edge differences |dx0|, |dy0|, |dx1|, |dy1|."""
    return np.abs(np.asarray(pred, np.float64).reshape(-1, 4) - np.asarray(gt, np.float64).reshape(-1, 4))


def nms(b: np.ndarray, scores: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Greedy non-maximum suppression; returns kept indices in descending score order.

    Only boxes that overlap can suppress each other, so the IoU is computed for the pairs whose
    centres lie within the larger box's size of each other (``pxocr.neighbours.pairs_within``), not for every pair: a
    page's thousand glyphs overlap a few neighbours each."""
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    order = np.argsort(-np.asarray(scores), kind="stable")
    if len(order) == 0:
        return order
    b = b[order]  # rank r = position in score order
    centre = (b[:, :2] + b[:, 2:]) / 2
    reach = float(np.max(b[:, 2:] - b[:, :2], initial=0.0))
    pairs = pairs_within(centre, reach + 1e-9)
    keep = np.ones(len(order), dtype=bool)
    if len(pairs):
        hi, lo = pairs.min(1), pairs.max(1)  # the better-scored box of each pair first
        over = _pair_iou(b[hi], b[lo]) > iou_threshold
        hi, lo = hi[over], lo[over]
        by = np.argsort(hi, kind="stable")
        hi, lo = hi[by], lo[by]
        start = np.searchsorted(hi, np.arange(len(order) + 1))
        for r in np.unique(hi):
            if keep[r]:
                keep[lo[start[r]:start[r + 1]]] = False
    return order[keep]


def _pair_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(N, 4), (N, 4) -> (N,) intersection over union of each row's pair."""
    inter = np.clip(np.minimum(a[:, 2], b[:, 2]) - np.maximum(a[:, 0], b[:, 0]), 0, None) * \
        np.clip(np.minimum(a[:, 3], b[:, 3]) - np.maximum(a[:, 1], b[:, 1]), 0, None)
    union = area(a) + area(b) - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)
