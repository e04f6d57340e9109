"""Decoding on hand-built raw maps: exact boxes, classes, lines, spaces, reading order."""

import numpy as np
import pytest

from pxocr.charset import NUM_CLASSES, char_to_index
from pxocr.contract import BOX, CLS_START, HEAT, LINE, STRIDE, encode_line
from pxocr.decode import DecodeConfig, decode
from pxocr.model.targets import encode
from pxocr.synth import preset, render_page

H = W = 32  # cells -> a 128x128 px image
CLS = CLS_START


def _raw(glyphs):
    """glyphs: (cell_i, cell_j, char, (l, t, r, b), baseline_px, size_px), encoded as the contract says."""
    raw = np.zeros((CLS_START + NUM_CLASSES, H, W), np.float32)
    raw[HEAT] = -8.0
    raw[CLS:] = -5.0
    for i, j, ch, d, base, size in glyphs:
        raw[HEAT, i, j] = 5.0
        raw[BOX, i, j] = d
        raw[LINE, i, j] = encode_line(base, size, (i + 0.5) * STRIDE)
        raw[CLS + char_to_index(ch), i, j] = 5.0
    return raw


def test_exact_boxes_without_refinement():
    raw = _raw([(5, 3, "A", (2.25, 5.5, 3.0, 6.125), 30.0, 16.0)])
    page = decode(raw, 128, 128, DecodeConfig(refine=False))
    (c,) = page.chars
    assert c.char == "A"
    # cell (5, 3) has its centre at (14, 22) px
    np.testing.assert_allclose(c.bbox, [14 - 2.25, 22 - 5.5, 14 + 3.0, 22 + 6.125])
    assert page.lines[0].font_size == 16.0


def test_spaces_lines_and_order():
    size = 16.0
    pitch = 0.723 * size  # 11.568 px
    d = (3, 5, 3, 5)
    # line 1 at baseline 30: "AB  C" would split (2 spaces); here "AB C": one space
    xs = [10, 10 + pitch, 10 + 3 * pitch]
    g = [(7, int(x // 4), ch, d, 30.0, size) for x, ch in zip(xs, "ABC")]
    g += [(20, 2, "x", d, 84.0, size), (20, 5, "y", d, 84.0, size)]  # line 2, adjacent
    page = decode(_raw(g), 128, 128, DecodeConfig(refine=False))
    assert page.text == "AB C\nxy"


def test_wide_gap_splits_columns():
    size = 16.0
    d = (3, 5, 3, 5)
    g = [(7, 2, "A", d, 30.0, size), (7, 5, "B", d, 30.0, size), (7, 20, "C", d, 30.0, size)]
    page = decode(_raw(g), 128, 128, DecodeConfig(refine=False))
    assert [ln.text for ln in page.lines] == ["AB", "C"]


def test_perfect_map_reproduces_ground_truth():
    image, gt = render_page(preset("clean"), 5, 0)
    t = encode(gt, 640, 640)
    raw = np.full((CLS_START + NUM_CLASSES, 160, 160), -9.0, np.float32)
    heat = np.clip(t["heat"], 1e-6, 1 - 1e-6)
    raw[HEAT] = np.log(heat / (1 - heat))
    raw[BOX], raw[LINE] = t["box"], t["line"]
    ii, jj = np.nonzero(t["weight"] > 0)
    raw[CLS_START + t["cls"][ii, jj], ii, jj] = 9.0
    page = decode(raw, 640, 640, DecodeConfig(refine=False))
    assert page.text == gt.text
    got = np.array([c.bbox for c in page.chars])
    want = np.array([c.bbox for c in gt.chars])
    np.testing.assert_allclose(got, want, atol=1e-4)


def test_glyph_found_twice_is_one():
    """Two detections closer than half a pitch (a monospaced font cannot put two characters
    there, but the two ticks of a large '"' can each fire) become one: the better-scoring
    class over the union of both boxes."""
    size = 32.0  # pitch 23.1 px; the two centres (cells 2 and 4) are 8 px apart
    d = (3, 5, 3, 5)
    raw = _raw([(7, 2, "'", d, 30.0, size), (7, 4, '"', d, 30.0, size), (7, 14, "A", d, 30.0, size)])
    raw[HEAT, 7, 4] = 6.0  # the '"' is surer
    page = decode(raw, 128, 128, DecodeConfig(refine=False))
    assert page.text == '" A'
    np.testing.assert_allclose(page.chars[0].bbox, [10 - 3, 30 - 5, 18 + 3, 30 + 5])


def test_config_rejects_a_tolerance_rows_divide_by():
    for bad in (0.0, -0.1, float("nan")):
        with pytest.raises(ValueError, match="baseline_tol"):
            DecodeConfig(baseline_tol=bad)


def test_negative_edge_distances_give_no_inverted_box():
    """A network may predict a negative distance to an edge; the box stays a box (it used to raise
    'x1 < x0' in the middle of a reading)."""
    raw = _raw([(5, 3, "A", (-3.0, 2.0, 1.0, -4.0), 30.0, 16.0)])
    for refine in (False, True):
        (c,) = decode(raw, 128, 128, DecodeConfig(refine=refine)).chars
        x0, y0, x1, y1 = c.bbox
        assert x1 >= x0 and y1 >= y0
        assert (x0, x1) == pytest.approx((14.0, 15.0)) and (y0, y1) == pytest.approx((20.0, 22.0))


def test_alternatives_are_the_other_plausible_candidates():
    from pxocr.charset import CHARSET
    from pxocr.decode.settle import alternatives

    idx = {c: i for i, c in enumerate(CHARSET)}
    cands = np.array([[idx["O"], idx["0"], idx["Q"], idx["D"], idx["C"], idx["G"]],
                      [idx["a"], idx["o"], idx["e"], idx["c"], idx["u"], idx["n"]]])
    p = np.array([[0.6, 0.3, 0.06, 0.02, 0.01, 0.01], [0.97, 0.01, 0.01, 0.005, 0.0025, 0.0025]])
    got = alternatives(cands, np.log(p) + 5.0, np.array([idx["O"], idx["a"]]))  # evidence up to a constant
    assert got[0] == [{"char": "0", "score": 0.3}, {"char": "Q", "score": 0.06}]
    assert got[1] == []  # a confident reading has none
    # the chosen class need not be the most probable candidate (the line head may overrule)
    assert [a["char"] for a in alternatives(cands[:1], np.log(p[:1]), np.array([idx["0"]]))[0]] == ["O", "Q"]


def test_an_unpaired_part_of_a_wide_glyph_joins_it_and_a_doubled_letter_stays():
    """The detector finds a wide '%' as '%' and its right ring as a '6'; the line head read one
    '%'. The unpaired '6' overlapping the paired '%' joins its box; an unpaired second 't' beside a
    paired 't' (a doubled letter the line head read once) and a glyph clear of its neighbours stay."""
    from pxocr.decode.peaks import TOPK, Glyphs
    from pxocr.decode.settle import _part_of_neighbour

    chars = "4%6tt x"
    boxes = np.array([[0, 0, 5, 10], [6, 0, 11.2, 10], [10.6, 0, 16, 10], [20, 0, 24, 10], [23.5, 0, 27.5, 10],
                      [40, 0, 45, 10]], float)
    n = len(boxes)
    z = np.zeros(n)
    g = Glyphs(boxes.copy(), np.full(n, 0.8), np.array([char_to_index(c) for c in chars.replace(" ", "")]), z, z,
               np.zeros((n, TOPK), np.int64), np.zeros((n, TOPK)), z)
    idx, line = np.arange(n), np.zeros(n, int)
    paired = np.array([True, True, False, True, False, False])
    part = _part_of_neighbour(g, idx, line, paired)
    assert part.tolist() == [False, False, True, False, False, False]
    assert g.boxes[1].tolist() == [6, 0, 16, 10]  # the '%' grown over its ring
    assert (g.boxes[[0, 2, 3, 4, 5]] == boxes[[0, 2, 3, 4, 5]]).all()
    other_line = _part_of_neighbour(g, idx, np.array([0, 0, 1, 1, 1, 1]), paired)  # the ring on another line
    assert not other_line.any()
    # a 'w' found as 'v' with a part on each side ('i' left, 'j' right): the box grows over both
    g = Glyphs(np.array([[0, 0, 4, 10], [3, 0, 9, 10], [8, 0, 12, 10]], float), np.full(3, 0.8),
               np.array([char_to_index(c) for c in "ivj"]), np.zeros(3), np.zeros(3), np.zeros((3, TOPK), np.int64),
               np.zeros((3, TOPK)), np.zeros(3))
    part = _part_of_neighbour(g, np.arange(3), np.zeros(3, int), np.array([False, True, False]))
    assert part.tolist() == [True, False, True] and g.boxes[1].tolist() == [0, 0, 12, 10]
