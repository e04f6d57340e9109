import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pxocr import boxes


def test_area_and_degenerate():
    assert boxes.area(np.array([[0, 0, 2, 3], [5, 5, 4, 9]])).tolist() == [6.0, 0.0]


@pytest.mark.parametrize("a,b,expected", [
    ([0, 0, 10, 10], [0, 0, 10, 10], 1.0),
    ([0, 0, 10, 10], [5, 0, 15, 10], 50 / 150),
    ([0, 0, 10, 10], [10, 0, 20, 10], 0.0),  # touching edges share no area
    ([0, 0, 2, 2], [0.5, 0.5, 1.5, 1.5], 0.25),
])
def test_iou_table(a, b, expected):
    assert boxes.iou_matrix(np.array([a]), np.array([b]))[0, 0] == pytest.approx(expected)


def test_iou_shape_and_empty():
    assert boxes.iou_matrix(np.zeros((3, 4)), np.zeros((0, 4))).shape == (3, 0)


def test_scale_translate_round_trip():
    b = np.array([[1.25, 2.5, 7.75, 9.0]])
    back = boxes.translate(boxes.scale(boxes.translate(b, 3, -2), 2, 0.5), -6, 1)
    np.testing.assert_allclose(boxes.scale(back, 0.5, 2), b)


def test_clip_and_union_and_contains():
    b = np.array([[-3, 2, 5, 700], [10, -1, 700, 5]])
    np.testing.assert_array_equal(boxes.clip(b, 640, 480), [[0, 2, 5, 480], [10, 0, 640, 5]])
    np.testing.assert_array_equal(boxes.union_box(b), [-3, -1, 700, 700])
    assert boxes.contains(np.array([0, 0, 10, 10]), np.array([0, 2, 10, 3]))
    assert not boxes.contains(np.array([0, 0, 10, 10]), np.array([0, 2, 10.5, 3]))


def test_edge_errors():
    np.testing.assert_allclose(boxes.edge_errors([[0, 0, 10, 10]], [[0.5, 0, 10.5, 9.75]]), [[0.5, 0, 0.5, 0.25]])


def test_nms_keeps_best_of_overlapping():
    b = np.array([[0, 0, 10, 10], [0.5, 0, 10.5, 10], [20, 0, 30, 10]])
    keep = boxes.nms(b, np.array([0.6, 0.9, 0.5]), 0.5)
    assert keep.tolist() == [1, 2]


def _dense_nms(b, scores, threshold):
    """Greedy NMS over every pair, the statement of the rule."""
    order = np.argsort(-scores, kind="stable")
    iou = boxes.iou_matrix(b[order], b[order])
    keep = np.ones(len(order), dtype=bool)
    for i in range(len(order)):
        if keep[i]:
            keep[i + 1:] &= iou[i, i + 1:] <= threshold
    return order[keep]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60), st.integers(0, 25), st.integers(0, 25),
                          st.integers(0, 9)), max_size=40),
       st.sampled_from([0.0, 0.3, 0.5, 0.9]))
def test_nms_over_nearby_pairs_keeps_what_nms_over_every_pair_keeps(rows, threshold):
    """The k-d tree's nearby pairs are all the pairs that can overlap: ties of score, touching
    edges and empty boxes included, the same boxes are kept in the same order."""
    a = np.array(rows, np.float64).reshape(-1, 5)
    b = np.concatenate([a[:, :2], a[:, :2] + a[:, 2:4]], 1)
    scores = a[:, 4] / 10
    assert boxes.nms(b, scores, threshold).tolist() == _dense_nms(b, scores, threshold).tolist()


def test_overlap_of_smaller_and_intersects():
    from pxocr.boxes import intersects, overlap_of_smaller

    a, b = (0.0, 0.0, 4.0, 4.0), (2.0, 2.0, 10.0, 10.0)
    assert overlap_of_smaller(a, b) == pytest.approx(4 / 16)  # 2x2 of the 4x4 box
    assert overlap_of_smaller(a, (1.0, 1.0, 2.0, 3.0)) == pytest.approx(1.0)  # inside
    assert overlap_of_smaller(a, (4.0, 0.0, 6.0, 4.0)) == 0.0  # touching
    assert intersects(a, b) and not intersects(a, (4.0, 0.0, 6.0, 4.0)) and not intersects(a, (5.0, 5.0, 6.0, 6.0))
