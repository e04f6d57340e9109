"""The line reader (pxocr.decode.ctc, pxocr.decode.fusion): sampling, CTC decoding, fusion."""

import numpy as np
import pytest

from pxocr.charset import CHARSET, char_to_index
from pxocr.contract import BLANK, NUM_LINE_CLASSES, SPACE
from pxocr.decode.ctc import (
    GAP_FRAMES,
    LINE_ROWS,
    Reading,
    encode_text,
    greedy_lines,
    line_grid,
    read_lines,
)
from pxocr.decode.fusion import fuse, pair


def lab(ch):
    return SPACE if ch == " " else char_to_index(ch) + 1


def test_encode_text_collapses_space_runs():
    assert encode_text("AB  C") == [lab("A"), lab("B"), SPACE, lab("C")]
    assert NUM_LINE_CLASSES == len(CHARSET) + 2


def test_line_grid_scale():
    xs, ys = line_grid(10.0, 110.0, 50.0, 20.0)
    step = 0.24 * 20.0
    assert xs[1] - xs[0] == pytest.approx(step)
    assert xs[0] == pytest.approx(10.0 - 0.3 * 20 + step / 2)
    assert xs[-1] >= 110.0 + 0.3 * 20 - step
    assert len(ys) == LINE_ROWS and ys[0] == pytest.approx(30.0) and ys[-1] == pytest.approx(57.0)


def test_greedy_decodes_runs_with_positions():
    seq = [BLANK, lab("A"), lab("A"), BLANK, lab("B"), BLANK, SPACE, lab("A")]
    logits = np.full((len(seq), NUM_LINE_CLASSES), -10.0)
    logits[np.arange(len(seq)), seq] = 10.0
    xs = np.arange(len(seq)) * 4.0
    logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    r = greedy_lines(logp, xs, np.zeros(len(seq), np.int64))
    assert r.text == "AB A"
    np.testing.assert_allclose(r.xs, [6.0, 16.0, 24.0, 28.0])  # a run sits at its frames' mean
    assert r.logp.shape == (4, NUM_LINE_CLASSES)


def test_read_lines_samples_every_line_on_its_grid():
    """All lines go to the head as one sequence: each line's frames on its line_grid, gaps
    between lines outside the image; grid_sample on a map holding each cell's own page x (y)
    returns the frames' page x (y)."""
    torch = pytest.importorskip("torch")
    lines = np.array([(20.0, 300.0, 100.0, 24.0), (50.0, 90.0, 200.0, 16.0), (300.0, 301.0, 60.0, 20.0)])
    offset, h, w = (48.0, 16.0), 256, 384  # the window's origin on the page, its size; line 0 starts left of it
    jj, ii = np.meshgrid(np.arange(w // 4), np.arange(h // 4))
    coords = np.stack([(jj + 0.5) * 4 + offset[0], (ii + 0.5) * 4 + offset[1]])[None].astype(np.float32)
    seen = {}

    def head(grid):
        seen["xy"] = torch.nn.functional.grid_sample(torch.from_numpy(coords), torch.from_numpy(grid),
                                                     align_corners=False)[0].numpy()  # (2, R, T)
        return np.full((1, grid.shape[2], NUM_LINE_CLASSES), -np.log(NUM_LINE_CLASSES), np.float32)

    read_lines(lines, head, (h, w), offset)
    xy, s0 = seen["xy"], 0
    for k, ln in enumerate(lines):
        xs, ys = line_grid(*ln)
        inside = (xs > offset[0] + 2) & (xs < offset[0] + w - 2)  # bilinear is exact away from the border
        got_x, got_y = xy[0, :, s0:s0 + len(xs)], xy[1, :, s0:s0 + len(xs)]
        np.testing.assert_allclose(got_x[:, inside], np.tile(xs[inside], (LINE_ROWS, 1)), atol=1e-3)
        rows = ys > offset[1] + 2
        np.testing.assert_allclose(got_y[rows][:, inside], np.tile(ys[rows, None], (1, inside.sum())), atol=1e-3)
        s0 += len(xs)
        if k < len(lines) - 1:
            assert (xy[:, :, s0:s0 + GAP_FRAMES] == 0).all()  # between lines: zeros
            s0 += GAP_FRAMES
    assert s0 == xy.shape[2]


def _reading(chars_xs, strength=8.0):
    labels = np.array([lab(c) for c, _ in chars_xs])
    logits = np.zeros((len(labels), NUM_LINE_CLASSES))
    logits[np.arange(len(labels)), labels] = strength
    logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    return Reading(labels, np.array([x for _, x in chars_xs], float), logp, np.zeros(len(labels), np.int64))


def test_pair_is_mutual_within_half_pitch_and_line():
    cx, gline = np.array([10.0, 22.0, 60.0, 10.0]), np.array([0, 0, 0, 1])
    ex, eline = np.array([11.0, 21.0, 40.0, 10.5, 10.1]), np.array([0, 0, 0, 1, 2])
    gi, ei = pair(cx, gline, ex, eline, np.full(4, 12.0))
    # 60 and 40 are too far apart; emissions pair only on their own line (line 2 has no glyph)
    assert gi.tolist() == [0, 1, 3] and ei.tolist() == [0, 1, 3]


def test_fuse_corrects_and_adds_candidates():
    idx = [char_to_index(c) for c in "O0Q8"]
    cands = np.array([idx, idx, idx])
    det = np.log(np.array([[0.6, 0.3, 0.05, 0.05]] * 3))
    cx = np.array([10.0, 22.0, 34.0])
    reading = _reading([("0", 10.5), ("D", 22.0), (" ", 28.0), ("0", 50.0)])
    new_cands, score = fuse(cx, np.zeros(3, np.int64), cands, det, reading, np.full(3, 12.0), weight=1.0,
                            floor=0.01)
    picked = [CHARSET[new_cands[k, score[k].argmax()]] for k in range(3)]
    # glyph 0: the line head says 0; glyph 1: 'D' was not a candidate and now wins;
    # glyph 2: no emission within half a pitch (the space does not count), the head's O stays
    assert picked == ["0", "D", "O"]
    assert CHARSET[new_cands[1, -1]] == "D" and (new_cands[0] == idx).all()


def test_fuse_floor_keeps_a_sure_detector():
    # the detector is sure of 'g'; the line head is surer of '@' (it paired with a neighbour's emission)
    cands = np.array([[char_to_index(c) for c in "g9q@"]])
    det = np.log(np.array([[0.999, 0.0005, 0.0004, 0.0001]]))
    reading = _reading([("@", 10.0)], strength=14.0)
    one = np.array([10.0]), np.zeros(1, np.int64), cands, det, reading, np.full(1, 12.0)
    for floor, want in ((1e-9, "@"), (0.01, "g")):
        new_cands, score = fuse(*one, weight=1.0, floor=floor)
        assert CHARSET[new_cands[0, score[0].argmax()]] == want


def test_recover_places_missed_glyph_on_the_pitch_grid():
    from pxocr.decode.fusion import recover

    table = np.zeros((len(CHARSET), 4))
    table[:, 0], table[:, 1], table[:, 2] = 0.5, 0.7, 0.0  # every glyph 0.5 x 0.7 em on the baseline
    table[char_to_index("."), :] = (0.25, 0.2, 0.0, 0.05)  # a small one, its ink right of centre
    size, base, pitch = 20.0, 100.0, 14.46
    cx = 30.0 + pitch * np.array([0, 1, 3])  # cell 2 was missed ...
    classes = np.array([char_to_index(c) for c in "ABD"])
    reading = _reading([("A", 30.5), ("B", 45.0), (".", 30 + 2 * pitch + 3.0), ("D", 73.0)])
    one = np.zeros(3, np.int64)
    boxes, got, prob, line = recover(cx, one, classes, reading, table, np.array([base]), np.array([size]),
                                     np.array([pitch]), min_prob=0.9)
    assert line.tolist() == [0]
    assert [CHARSET[k] for k in got] == ["."] and prob[0] > 0.95
    centre = 30 + 2 * pitch + 0.05 * size  # ... the CTC's x (3 px off) snaps to the grid
    np.testing.assert_allclose(boxes[0], [centre - 2.5, base - 4.0, centre + 2.5, base])
    unsure = _reading([(".", 30 + 2 * pitch)], strength=5.0)  # p = 0.6
    assert len(recover(cx, one, classes, unsure, table, np.array([base]), np.array([size]), np.array([pitch]),
                       min_prob=0.9)[1]) == 0
