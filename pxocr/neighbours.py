"""Neighbours among points and groups of linked nodes, on NumPy: which points lie within a reach
of each other, each point's nearest other, the connected groups of a graph.

A page's glyphs or marks number a few hundred to some thousands, spread along rows: sorted along
their longer spread (pairs), or by bands of y and then x (the nearest), each point's neighbours lie
within a short run of the order, so these take a few array operations where SciPy's k-d tree and sparse
graphs did (their import cost a reading process 12 MiB and 0.3 s). Candidates are made in chunks of
at most :data:`CHUNK`, so crowded points cost time, not memory."""

from __future__ import annotations

from typing import Iterator

import numpy as np

CHUNK = 1 << 20  # candidate pairs made at once


def pairs_within(points: np.ndarray, reach: float) -> np.ndarray:
    """The pairs of ``points`` (N, 2) x, y no further apart than ``reach`` along either axis (the
    maximum norm): (M, 2) int indices ``i < j``, in no set order."""
    p = np.asarray(points, np.float64).reshape(-1, 2)
    n = len(p)
    if n < 2:
        return np.zeros((0, 2), np.int64)
    along = int(np.ptp(p[:, 1]) > np.ptp(p[:, 0]))  # sorted along the longer spread: a column of marks too
    order = np.argsort(p[:, along], kind="stable")
    q = p[order][:, [along, 1 - along]]
    end = np.searchsorted(q[:, 0], q[:, 0] + reach, side="right")  # i's partners within reach: i+1..end-1
    count = np.maximum(end - np.arange(n) - 1, 0)
    out = [np.zeros((0, 2), np.int64)]
    for a, b in _chunks(count):
        row, j = _runs(np.arange(a, b) + 1, count[a:b])
        i = row + a
        near = np.abs(q[j, 1] - q[i, 1]) <= reach
        out.append(np.stack([order[i[near]], order[j[near]]], 1))
    return np.sort(np.concatenate(out), axis=1)


def nearest(points: np.ndarray) -> np.ndarray:
    """Each point's nearest other point of ``points`` (N >= 2, 2) x, y (Euclidean): (N,) indices. Of
    equally near ones, the first found: in the band of smaller y, its own, the band of larger y, each by x."""
    p = np.asarray(points, np.float64).reshape(-1, 2)
    n = len(p)
    if n < 2:
        raise ValueError("nearest takes two points or more")
    if not np.isfinite(p).all():
        raise ValueError("nearest takes finite points")
    p = p - p.min(0)
    w, h = p.max(0)
    # A first reach from the spacing of points spread evenly, or the median step between points in x or
    # y order where that is less (a cluster with a far point: the box says little), doubled while some
    # point has none within it.
    steps = [float(np.median(np.hypot(*np.diff(p[np.argsort(p[:, k], kind="stable")], axis=0).T))) for k in (0, 1)]
    guesses = [v for v in (max(np.sqrt(w * h / n), max(w, h) / n), *steps) if v > 0]
    if not guesses:  # all at one place
        return (np.arange(n) == 0).astype(np.int64)
    reach = min(guesses) / 8  # an eighth: rounds are cheap, crowded candidates are not (a cluster: 1.7 -> 0.05 s)
    out = np.empty(n, np.int64)
    todo = np.arange(n)
    while len(todo):
        # A point with another within reach has it in its own band (reach high) or the next one up or
        # down, within x +- reach: the points sorted by band, then x, the bands one after the other.
        span = w + 2 * reach + 1
        key = np.floor(p[:, 1] / reach) * span + p[:, 0]
        order = np.argsort(key, kind="stable")
        keys = key[order]
        windows = [(np.searchsorted(keys, at - reach, side="left"), np.searchsorted(keys, at + reach, side="right"))
                   for at in (key[todo] + step * span for step in (-1, 0, 1))]
        best, nearest_of = np.full(len(todo), np.inf), np.zeros(len(todo), np.int64)
        for a, b in _chunks(sum(hi - lo for lo, hi in windows)):
            runs = [_runs(lo[a:b], hi[a:b] - lo[a:b]) for lo, hi in windows]
            seg = a + np.concatenate([r for r, _ in runs])  # into todo
            i, j = todo[seg], order[np.concatenate([c for _, c in runs])]
            d = np.hypot(*(p[j] - p[i]).T)
            d[j == i] = np.inf
            by = np.lexsort((d, seg))  # each point's nearest first
            first = by[np.r_[True, seg[by][1:] != seg[by][:-1]]]
            best[seg[first]], nearest_of[seg[first]] = d[first], j[first]
        found = best <= reach
        out[todo[found]] = nearest_of[found]
        todo, reach = todo[~found], 2 * reach
    return out


def groups(link: np.ndarray) -> np.ndarray:
    """The connected groups of the graph whose (N, N) bool matrix ``link`` says which nodes are
    linked (either way: ``link[i, j]`` or ``link[j, i]``): (N,) group numbers 0.. in the order of
    each group's first node."""
    link = np.asarray(link, bool)
    link = link | link.T
    group = np.full(len(link), -1, np.int64)
    k = 0
    for start in range(len(link)):
        if group[start] >= 0:
            continue
        group[start] = k
        front = np.array([start])
        while len(front):
            front = np.flatnonzero(link[front].any(0) & (group < 0))
            group[front] = k
        k += 1
    return group


def _runs(start: np.ndarray, count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row ``r`` repeated ``count[r]`` times beside ``start[r], start[r] + 1, ...``: (rows, indices)."""
    row = np.repeat(np.arange(len(count)), count)
    return row, np.repeat(start, count) + np.arange(len(row)) - np.repeat(np.cumsum(count) - count, count)


def _chunks(count: np.ndarray) -> Iterator[tuple[int, int]]:
    """Consecutive row ranges ``[a, b)`` whose ``count`` sums to at most :data:`CHUNK` (or one row)."""
    ends = np.cumsum(count)
    a = 0
    while a < len(count):
        b = max(a + 1, int(np.searchsorted(ends, (ends[a - 1] if a else 0) + CHUNK, side="right")))
        yield a, b
        a = b
