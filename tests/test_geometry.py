"""The shape check (pxocr.decode.geometry): line fit and class rescoring on hand-built boxes."""

import numpy as np
import pytest
from test_decode import _raw

from pxocr.charset import CHARSET, char_to_index
from pxocr.contract import CLS_START
from pxocr.decode import DecodeConfig, decode
from pxocr.decode.geometry import fit_lines, font_boxes, grid_x, rescore
from pxocr.synth.engine import font_renderer


@pytest.fixture(scope="module")
def table():
    return np.array(font_renderer(None).geometry(CHARSET))


def _box(table, ch, x0, base, size, grow=0.0):
    w, top, bottom, _ = table[char_to_index(ch)]
    return [x0 - grow, base - top * size - grow, x0 + w * size + grow, base - bottom * size + grow]


def test_font_table_facts(table):
    # OCR-B: O is shorter than 0; '-' sits above the baseline and '_' below it
    o, zero = table[char_to_index("O")], table[char_to_index("0")]
    assert zero[1] - o[1] == pytest.approx(0.052, abs=0.002)
    assert table[char_to_index("-")][2] > 0.3 > 0 > table[char_to_index("_")][1]


def test_fit_recovers_baseline_size_and_growth(table):
    text, base, size, grow = "Hello, World_42", 100.25, 23.5, 0.4
    cls = np.array([char_to_index(c) for c in text if c != " "])
    boxes = np.array([_box(table, CHARSET[c], 10 + 17 * k, base, size, grow) for k, c in enumerate(cls)])
    # the network's own estimates are off by 1 px and 5 %; the boxes pull the fit to the truth
    line = np.zeros(len(cls), np.int64)
    (b, s, g), = fit_lines(boxes, cls, line, table, np.array([base + 1.0]), np.array([size * 1.05]), np.array([0.3]))
    assert (b, s, g) == pytest.approx((base, size, grow), abs=0.1)
    # two lines at once, the second 10 px lower and twice as big: each gets its own fit
    boxes2 = np.array([_box(table, CHARSET[c], 10 + 34 * k, base + 10, 2 * size) for k, c in enumerate(cls)])
    theta = fit_lines(np.concatenate([boxes, boxes2]), np.concatenate([cls, cls]),
                      np.repeat([0, 1], len(cls)), table, np.array([base, base + 10]), np.array([size, 2 * size]),
                      np.array([0.3, 0.3]))
    np.testing.assert_allclose(theta, [[base, size, grow], [base + 10, 2 * size, 0.0]], atol=0.1)


def test_rescore_reads_shapes(table):
    base, size = 60.0, 20.0
    truth = "H0O_-n"
    wrong = "HO0-_n"  # what the class head says first ...
    boxes = np.array([_box(table, c, 10 + 15 * k, base, size) for k, c in enumerate(truth)])
    cands = np.array([[char_to_index(w), char_to_index(t)] for w, t in zip(wrong, truth)])
    logp = np.log(np.array([[0.6, 0.4]] * len(truth)))  # ... but not by much
    one = np.zeros(len(truth), np.int64), table, np.array([base]), np.array([size])
    pick = rescore(boxes, cands, logp, *one, weight=0.5, sigma_px=0.3, sigma_em=0.02).argmax(1)
    assert "".join(CHARSET[cands[k, p]] for k, p in enumerate(pick)) == truth
    # a confident head keeps O/0 (0.05 em apart) but not -/_ (0.55 em apart)
    sure = np.log(np.array([[0.999, 0.001]] * len(truth)))
    pick = rescore(boxes, cands, sure, *one, weight=0.5, sigma_px=0.3, sigma_em=0.02).argmax(1)
    assert "".join(CHARSET[cands[k, p]] for k, p in enumerate(pick)) == "HO0_-n"


def test_decode_uses_the_model_geometry(table):
    # one line: "A_B" where the head reads '_' as '-' (logit 5 vs 4.5); its box says '_'
    size, base = 16.0, 62.0
    glyphs = []
    for k, ch in enumerate("A_B"):
        x0 = 8 + k * 0.723 * size
        x0, t, x1, b = _box(table, ch, x0, base, size)
        i, j = int(((t + b) / 2) // 4), int(((x0 + x1) / 2) // 4)
        cx, cy = (j + 0.5) * 4, (i + 0.5) * 4
        glyphs.append((i, j, ch, (cx - x0, cy - t, x1 - cx, b - cy), base, size))
    raw = _raw(glyphs)
    i, j = glyphs[1][:2]
    raw[CLS_START + char_to_index("-"), i, j] = 5.5  # the head prefers '-'
    plain = decode(raw, 128, 128, DecodeConfig(refine=False))
    shaped = decode(raw, 128, 128, DecodeConfig(refine=False, geometry=tuple(map(tuple, table))))
    assert plain.text == "A-B"
    assert shaped.text == "A_B"


def _glyph(table, ch, x0, base, size, base_error=0.0):
    """One glyph for test_decode._raw: its exact ink box from the font table, on the cell that
    holds its centre; the network's baseline prediction off by ``base_error`` px."""
    b = _box(table, ch, x0, base, size)
    i, j = int((b[1] + b[3]) / 8), int((b[0] + b[2]) / 8)
    cx, cy = (j + 0.5) * 4, (i + 0.5) * 4
    return i, j, ch, (cx - b[0], cy - b[1], b[2] - cx, b[3] - cy), base + base_error, size


def test_punctuation_chains_join_their_line(table):
    # "=\@;:" lies up to 6 pitches from the nearest digit, and the network puts the baselines
    # of punctuation 0.4 em off; the font's ink boxes place them on the line.
    size, pitch = 16.0, 0.723 * 16.0
    line1 = [_glyph(table, c, 4 + pitch * k, 40.0, size, 6.4 * (-1) ** k if not c.isalnum() else 0.0)
             for k, c in enumerate("=\\@;: 1994") if c != " "]
    line2 = [_glyph(table, c, 30 + pitch * k, 90.0, size, -6.4 if c == "_" else 0.0) for k, c in enumerate("x_y")]
    geo = tuple(tuple(r) for r in table.tolist())
    page = decode(_raw(line1 + line2), 128, 128, DecodeConfig(refine=False, geometry=geo))
    assert [ln.text for ln in page.lines] == ["=\\@;: 1994", "x_y"]


def test_grid_x_fits_each_line_pitch():
    rng = np.random.default_rng(0)
    # two lines: cells 0..11 with two spaces skipped, pitch 11.57 and 21.69 px (~1 % off the
    # expected), measured with 0.15 px noise and one glyph 2 px off (a misread one)
    cells = np.array([0, 1, 2, 4, 5, 6, 7, 9, 10, 11], float)
    truth = np.concatenate([20.3 + 11.57 * cells, 50.1 + 21.69 * cells])
    meas = truth + rng.normal(0, 0.15, len(truth))
    meas[3] += 2.0
    line = np.repeat([0, 1], len(cells))
    pitch = np.repeat([0.723 * 16.16, 0.723 * 30.3], len(cells))
    order = rng.permutation(len(truth))  # any order in, same order out
    got = np.empty(len(truth))
    got[order] = grid_x(meas[order], line[order], pitch[order])
    err, noise = np.abs(got - truth), np.abs(meas - truth)
    assert err.max() < 0.25 and err.mean() < 0.6 * np.delete(noise, 3).mean()
    assert noise[3] > 1.5 and err[3] < 0.15  # the misread glyph goes back on the grid


def test_font_boxes_redraw_boxes_on_the_line_fit(table):
    rng = np.random.default_rng(1)
    text, base, size, pitch = "Hx,_'0O-gy", 100.25, 23.5, 0.723 * 23.5
    cls = np.array([char_to_index(c) for c in text])
    centre = 12.0 + pitch * (np.arange(len(text)) + 0.5) + table[cls, 3] * size
    truth = np.array([_box(table, c, x - table[k, 0] * size / 2, base, size) for c, k, x in zip(text, cls, centre)])
    noisy = truth + rng.normal(0, 0.25, truth.shape)
    line = np.zeros(len(text), np.int64)
    sigma = np.array([0.3 + 0.02 * size])
    theta = fit_lines(noisy, cls, line, table, np.array([base + 0.5]), np.array([size * 1.02]), sigma)
    got = font_boxes(noisy, cls, line, table, theta, 0.723, 1.0, 0.1)
    assert np.abs(got - truth).mean() < 0.5 * np.abs(noisy - truth).mean()
    # boxes that do not fit the font (here 15 % wider glyphs) keep the detector's edges
    wide = noisy.copy()
    wide[:, 0] -= 0.075 * (truth[:, 2] - truth[:, 0]) + 1.0
    wide[:, 2] += 0.075 * (truth[:, 2] - truth[:, 0]) + 1.0
    theta = fit_lines(wide, cls, line, table, np.array([base]), np.array([size]), sigma)
    np.testing.assert_array_equal(font_boxes(wide, cls, line, table, theta, 0.723, 1.0, 0.1), wide)


def test_punctuation_only_lines_stay_apart(table):
    # a table's rules: six lines of punctuation only, 24 px apart, 40 glyphs each, no letters
    from pxocr.decode import TOPK, Glyphs, group_lines

    size, pitch, text = 16.0, 0.723 * 16.0, "+" + "-" * 38 + "|"
    boxes, cls, base = [], [], []
    for row in range(6):
        for k, c in enumerate(text):
            w, top, bottom, off = table[char_to_index(c)]
            x = 10 + pitch * (k + 0.5) + off * size
            b = 30.0 + 24.0 * row
            boxes.append([x - w * size / 2, b - top * size, x + w * size / 2, b - bottom * size])
            cls.append(char_to_index(c))
            base.append(b + (5.0 if k % 2 else -5.0))  # the network's baselines for punctuation: poor
    n = len(cls)
    cands = np.tile(np.arange(TOPK), (n, 1))
    cands[:, 0] = cls
    g = Glyphs(np.array(boxes), np.ones(n), np.array(cls), np.array(base), np.full(n, size), cands,
               np.log(np.tile([0.9] + [0.1 / (TOPK - 1)] * (TOPK - 1), (n, 1))), np.ones(n))
    geo = tuple(tuple(r) for r in table.tolist())
    lines = group_lines(g, DecodeConfig(geometry=geo))
    assert [ln.text for ln in lines] == [text] * 6


def _row_glyphs(glyphs):
    """Glyphs from (char, x0, size, baseline) tuples: boxes 0.6 em wide, 0.7 em tall on the baseline."""
    from pxocr.decode import TOPK, Glyphs

    boxes = [[x + 2, b - 0.7 * s, x + 0.6 * s, b] for _, x, s, b in glyphs]
    cls = [char_to_index(c) for c, *_ in glyphs]
    n = len(cls)
    cands = np.tile(np.arange(TOPK), (n, 1))
    cands[:, 0] = cls
    return Glyphs(np.array(boxes), np.ones(n), np.array(cls), np.array([b for *_, b in glyphs]),
                  np.array([s for _, _, s, _ in glyphs]), cands,
                  np.log(np.tile([0.9] + [0.1 / (TOPK - 1)] * (TOPK - 1), (n, 1))), np.ones(n))


def test_two_sizes_on_one_baseline_make_two_rows():
    """A 44 px word and a 31 px word side by side on one baseline (a heading beside a field).
    Sorted by baseline, the small word's 'p' and 'i' come first, then a big 'o': each glyph
    must join the row whose size it fits best, not the newest row it fits at all (which split
    the small word into 'E s lo' and 'p i')."""
    from pxocr.decode import group_lines

    glyphs = []  # (char, x0, size, baseline)
    for k, (c, s, b) in enumerate(zip("Book", (45.6, 43.0, 42.5, 47.6), (368.1, 367.9, 368.2, 368.2))):
        glyphs.append((c, 200 + 0.723 * 44 * k, s, b))
    for k, (c, s, b) in enumerate(zip("Epsilo", (32.6, 31.1, 32.7, 30.8, 30.9, 32.4),
                                      (368.0, 367.7, 367.9, 367.8, 368.1, 368.0))):
        glyphs.append((c, 490 + 0.723 * 31 * k, s, b))
    g = _row_glyphs(glyphs)
    assert [ln.text for ln in group_lines(g, DecodeConfig())] == ["Book", "Epsilo"]


def test_font_boxes_never_turn_a_box_inside_out(table):
    """Edges move one by one: a model top within tolerance of the detected top but below the kept
    detected bottom (a '.' found under a pixel tall) keeps the detector's box, not an inverted one."""
    s, b, adv = 16.0, 32.1, 0.723
    classes = np.array([char_to_index(c) for c in "MMM."])
    rough = np.array([[10.0 + k * adv * s, 20.0, 20.0 + k * adv * s, 32.0] for k in range(4)])
    theta = np.array([[b, s, 0.0]])
    line = np.zeros(4, np.int64)
    model = font_boxes(rough, classes, line, table, theta, adv, 100.0, 0.0)  # every edge from the font
    boxes = model.copy()
    boxes[3, 1], boxes[3, 3] = model[3, 1] - 0.5, model[3, 1] - 0.3  # the '.': 0.2 px tall, above its model
    out = font_boxes(boxes, classes, line, table, theta, adv, 1.0, 0.0)
    assert (out[:, 2] >= out[:, 0]).all() and (out[:, 3] >= out[:, 1]).all()
    np.testing.assert_allclose(out[3], boxes[3])  # the detector's box, whole
    np.testing.assert_allclose(out[:3], model[:3], atol=0.01)


def test_a_glyph_first_on_its_baseline_joins_its_own_line():
    """Taken in order of baseline, the 'd' of "daniel" comes before any other glyph of its word
    and joins the row of a line 9.6 px higher in another column, which it fits within 0.3 em; the
    rest of its word, smaller, no longer fits that row and makes its own. The rows are refitted by
    their final means and 'd' rejoins its word (the line stage had made 'd' a line of its own:
    'd', 'aniel', on a half-size page read enlarged)."""
    from pxocr.decode import group_lines

    glyphs = []  # (char, x0, size, baseline)
    for k, c in enumerate("QX25SNO7AB"):
        glyphs.append((c, 300 + 0.723 * 27 * k, 27.0, 88.7))
    for k, (c, s, b) in enumerate(zip("daniel", (32.1, 29.0, 29.0, 29.0, 29.0, 29.0),
                                      (98.3, 98.35, 98.4, 98.4, 98.4, 98.4))):
        glyphs.append((c, 72 + 0.723 * 30 * k, s, b))
    g = _row_glyphs(glyphs)
    assert sorted(ln.text for ln in group_lines(g, DecodeConfig(spacing="fixed", advance_em=0.723))) \
        == ["QX25SNO7AB", "daniel"]
