"""pxocr.neighbours: pairs within reach, nearest points and graph groups, against brute force."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from pxocr import neighbours

coords = st.floats(-500, 500, allow_nan=False).map(lambda v: round(v, 1))  # ties and duplicates happen
point_sets = st.integers(2, 60).flatmap(lambda n: arrays(np.float64, (n, 2), elements=coords))


def test_pairs_within_hand_built():
    pts = np.array([[0, 0], [3, 0], [3, 4], [10, 10], [0, 3]], float)
    got = {tuple(p) for p in neighbours.pairs_within(pts, 3.0).tolist()}
    assert got == {(0, 1), (0, 4), (1, 4), (2, 4)}  # maximum norm: (1, 4) is 3 apart on both axes, (1, 2) 4
    assert neighbours.pairs_within(np.zeros((0, 2)), 5.0).shape == (0, 2)


def test_nearest_hand_built():
    pts = np.array([[0, 0], [10, 0], [11, 0], [0, 5], [0, 0]], float)
    assert neighbours.nearest(pts).tolist() == [4, 2, 1, 0, 0]
    assert neighbours.nearest(np.zeros((3, 2))).tolist() == [1, 0, 0]  # all at one place
    with pytest.raises(ValueError):
        neighbours.nearest(np.zeros((1, 2)))


@given(point_sets, st.floats(0, 300))
@settings(max_examples=80, deadline=None)
def test_pairs_within_is_brute_force(pts, reach):
    d = np.abs(pts[:, None] - pts[None]).max(-1)
    want = {(i, j) for i, j in zip(*np.nonzero(d <= reach)) if i < j}
    got = neighbours.pairs_within(pts, reach)
    assert len(got) == len(want) and {tuple(p) for p in got.tolist()} == want


@given(point_sets)
@settings(max_examples=80, deadline=None)
def test_nearest_is_brute_force(pts):
    d = np.hypot(*(pts[:, None] - pts[None]).transpose(2, 0, 1))
    np.fill_diagonal(d, np.inf)
    got = neighbours.nearest(pts)
    assert (got != np.arange(len(pts))).all()
    np.testing.assert_allclose(d[np.arange(len(pts)), got], d.min(1))


def test_groups():
    link = np.zeros((6, 6), bool)
    for a, b in ((0, 3), (3, 5), (1, 2)):
        link[a, b] = link[b, a] = True
    assert neighbours.groups(link).tolist() == [0, 1, 1, 0, 2, 0]
    assert neighbours.groups(np.zeros((0, 0), bool)).tolist() == []
