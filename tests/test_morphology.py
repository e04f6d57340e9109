"""pxocr.morphology: regions, their bounds, moving means and binary morphology, checked on hand-built
masks and against their definitions written out pixel by pixel."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from pxocr import morphology

MASK = np.array([[1, 1, 0, 0, 1],
                 [0, 1, 0, 1, 0],
                 [0, 0, 0, 0, 0],
                 [1, 0, 1, 1, 1]], bool)


def _partition(labels):
    """The regions of a labelling as sets of pixels, whatever their numbers."""
    return {frozenset(map(tuple, np.argwhere(labels == k).tolist())) for k in np.unique(labels[labels > 0])}


def test_label_four_and_eight_connected():
    labels, n = morphology.label(MASK)
    assert n == 5  # (0,4) and (1,3) touch only at a corner
    assert _partition(labels) == {frozenset({(0, 0), (0, 1), (1, 1)}), frozenset({(0, 4)}), frozenset({(1, 3)}),
                                  frozenset({(3, 0)}), frozenset({(3, 2), (3, 3), (3, 4)})}
    labels, n = morphology.label(MASK, diagonal=True)
    assert n == 4 and frozenset({(0, 4), (1, 3)}) in _partition(labels)


def test_label_empty_and_degenerate_shapes():
    assert morphology.label(np.zeros((3, 4), bool))[1] == 0
    labels, n = morphology.label(np.zeros((0, 5), bool))
    assert n == 0 and labels.shape == (0, 5)
    row = np.array([[1, 0, 1, 1, 0, 0, 1]], bool)  # one row, diagonal: no pixel off the mask labelled
    labels, n = morphology.label(row, diagonal=True)
    assert n == 3 and ((labels > 0) == row).all()


def test_bounds_exclusive_ends():
    labels, n = morphology.label(MASK)
    got = {tuple(b) for b in morphology.bounds(labels, n).tolist()}
    assert got == {(0, 0, 2, 2), (0, 4, 1, 5), (1, 3, 2, 4), (3, 0, 4, 1), (3, 2, 4, 5)}
    assert morphology.bounds(labels, 0).shape == (0, 4)


def test_erode_dilate_fill_hand_built():
    ring = np.zeros((5, 5), bool)
    ring[1:4, 1:4] = True
    ring[2, 2] = False
    assert morphology.fill_holes(ring).sum() == 9
    assert not morphology.erode(ring).any()
    full = np.ones((3, 3), bool)
    assert morphology.erode(full).tolist() == [[False] * 3, [False, True, False], [False] * 3]  # outside: unset
    assert morphology.erode(full, border=True).all()
    dot = np.zeros((5, 5), bool)
    dot[2, 2] = True
    assert morphology.dilate(dot).sum() == 5 and morphology.dilate(dot, 2).sum() == 13
    open_ring = ring.copy()
    open_ring[2, 1] = False  # a gap in the ring lets its inside out to the image's edge: no hole
    assert (morphology.fill_holes(open_ring) == open_ring).all()
    diagonal_gap = ring.copy()
    diagonal_gap[1, 1] = False  # the inside touches the outside at a corner only: still a hole
    assert morphology.fill_holes(diagonal_gap)[2, 2]


def _cross_reference(mask, border, op):
    p = np.pad(mask, 1, constant_values=border)
    parts = [p[1:-1, 1:-1], p[:-2, 1:-1], p[2:, 1:-1], p[1:-1, :-2], p[1:-1, 2:]]
    return np.logical_and.reduce(parts) if op == "erode" else np.logical_or.reduce(parts)


masks = arrays(bool, st.tuples(st.integers(1, 12), st.integers(1, 12)))


@given(masks, st.booleans())
@settings(max_examples=60, deadline=None)
def test_label_regions_are_connected_and_apart(mask, diagonal):
    labels, n = morphology.label(mask, diagonal)
    assert ((labels > 0) == mask).all() and set(np.unique(labels[mask]).tolist()) == set(range(1, n + 1))
    # no two neighbouring set pixels carry different labels
    steps = [(0, 1), (1, 0)] + ([(1, 1), (1, -1)] if diagonal else [])
    h, w = mask.shape
    for dy, dx in steps:
        for y, x in np.argwhere(mask):
            v, u = y + dy, x + dx
            if 0 <= v < h and 0 <= u < w and mask[v, u]:
                assert labels[v, u] == labels[y, x]
    boxes = morphology.bounds(labels, n)
    for k, (y0, x0, y1, x1) in enumerate(boxes.tolist(), 1):
        ys, xs = np.nonzero(labels == k)
        assert (y0, x0, y1, x1) == (ys.min(), xs.min(), ys.max() + 1, xs.max() + 1)


@given(masks, st.integers(1, 3), st.booleans())
@settings(max_examples=60, deadline=None)
def test_erode_dilate_match_their_definition(mask, iterations, border):
    want_e, want_d = mask, mask
    for _ in range(iterations):
        want_e, want_d = _cross_reference(want_e, border, "erode"), _cross_reference(want_d, False, "dilate")
    assert (morphology.erode(mask, iterations, border) == want_e).all()
    assert (morphology.dilate(mask, iterations) == want_d).all()


@given(arrays(np.uint8, st.tuples(st.integers(1, 15), st.integers(1, 15))), st.integers(1, 12), st.booleans())
@settings(max_examples=60, deadline=None)
def test_moving_mean_matches_its_definition(image, size, as_float):
    h, w = image.shape
    padded = np.pad(image.astype(np.float64), ((size // 2, size - 1 - size // 2),) * 2, mode="symmetric")
    want = np.array([[padded[y:y + size, x:x + size].mean() for x in range(w)] for y in range(h)])
    got = morphology.moving_mean(image.astype(np.float32) if as_float else image, size)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, atol=1e-3)


@pytest.mark.parametrize("size", [1, 2, 3])
def test_moving_mean_hand_built(size):
    image = np.array([[0, 0, 9]], np.uint8)
    want = {1: [0, 0, 9], 2: [0, 0, 4.5], 3: [0, 3, 6]}[size]  # size 2: the pixel and its left neighbour
    np.testing.assert_allclose(morphology.moving_mean(image, size)[0], want, atol=1e-6)
