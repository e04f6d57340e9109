"""Neighbours among points and groups of linked nodes, on NumPy: which points lie within a reach
of each other, each point's nearest other, the connected groups of a graph.

A page's glyphs or marks number a few hundred to some thousands, spread along rows: sorted by x,
each point's neighbours lie within a short run of the order, so these take a few array
operations where SciPy's k-d tree and sparse graphs did (their import cost a reading process
12 MiB and 0.3 s)."""

from __future__ import annotations

import numpy as np

PAIRS_CHUNK = 1 << 20  # candidate pairs made at once (memory stays bounded on crowded pages)


def pairs_within(points: np.ndarray, reach: float) -> np.ndarray:
    """The pairs of ``points`` (N, 2) x, y no further apart than ``reach`` along either axis (the
    maximum norm): (M, 2) int indices ``i < j``, in no set order."""
    p = np.asarray(points, np.float64).reshape(-1, 2)
    n = len(p)
    order = np.argsort(p[:, 0], kind="stable")
    q = p[order]
    end = np.searchsorted(q[:, 0], q[:, 0] + reach, side="right")  # points past i within reach in x: i+1..end-1
    count = np.maximum(end - np.arange(n) - 1, 0)
    out = []
    start = 0
    while start < n:  # rows [start, stop) whose candidates fit one chunk
        stop = start + 1 + int(np.searchsorted(np.cumsum(count[start:]), PAIRS_CHUNK, side="right"))
        stop = min(stop, n)
        c = count[start:stop]
        i = np.repeat(np.arange(start, stop), c)
        j = i + 1 + np.arange(len(i)) - np.repeat(np.cumsum(c) - c, c)
        near = np.abs(q[j, 1] - q[i, 1]) <= reach
        out.append(np.stack([order[i[near]], order[j[near]]], 1))
        start = stop
    pairs = np.concatenate(out) if out else np.zeros((0, 2), np.int64)
    return np.sort(pairs, axis=1)


def nearest(points: np.ndarray) -> np.ndarray:
    """Each point's nearest other point of ``points`` (N >= 2, 2) x, y (Euclidean): (N,) indices. Of
    equally near ones, the first in the order of bands ``reach`` high, then x."""
    p = np.asarray(points, np.float64).reshape(-1, 2)
    n = len(p)
    if n < 2:
        raise ValueError("nearest takes two points or more")
    p = p - p.min(0)
    w, h = p.max(0)
    reach = max(np.sqrt(w * h / n), max(w, h) / n)  # about the spacing of points spread evenly
    if reach == 0:  # all at one place
        return (np.arange(n) == 0).astype(np.int64)
    out = np.empty(n, np.int64)
    todo = np.arange(n)
    while len(todo):
        # A point with another within reach has it in its own band or the next one up or down,
        # within x +- reach: each band's points sorted by x, bands one after the other.
        band = np.floor(p[:, 1] / reach)
        span = w + 2 * reach + 1
        key = band * span + p[:, 0]
        order = np.argsort(key, kind="stable")
        keys = key[order]
        cands, segs = [], []
        for step in (-1, 0, 1):
            at = key[todo] + step * span
            lo = np.searchsorted(keys, at - reach, side="left")
            count = np.searchsorted(keys, at + reach, side="right") - lo
            seg = np.repeat(np.arange(len(todo)), count)
            cands.append(order[np.repeat(lo, count) + np.arange(len(seg)) - np.repeat(np.cumsum(count) - count, count)])
            segs.append(seg)
        j, seg = np.concatenate(cands), np.concatenate(segs)
        i = todo[seg]
        d = np.hypot(*(p[j] - p[i]).T)
        d[j == i] = np.inf
        by = np.argsort(seg, kind="stable")
        j, seg, d = j[by], seg[by], d[by]
        start = np.searchsorted(seg, np.arange(len(todo)))
        best = np.minimum.reduceat(d, start)  # every point sees itself: no segment is empty
        hit = np.flatnonzero(d == best[seg])
        first = hit[np.r_[True, seg[hit][1:] != seg[hit][:-1]]]
        found = best <= reach
        out[todo[found]] = j[first][found]
        todo, reach = todo[~found], 2 * reach
    return out


def groups(link: np.ndarray) -> np.ndarray:
    """The connected groups of the graph whose symmetric (N, N) bool matrix ``link`` says which
    nodes are linked: (N,) group numbers 0.. in the order of each group's first node."""
    link = np.asarray(link, bool)
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
