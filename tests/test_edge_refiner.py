"""The learned edge refiner (pxocr.decode.edge_refiner): what it reads, how it moves edges, its settings."""

import numpy as np
import pytest

from pxocr.decode import DecodeConfig
from pxocr.decode.edge_refiner import BANDS, COLS, FEATURES, MAX_MOVE, features, refine_boxes


def network(move: float, hidden: int = 4) -> tuple:
    """A refiner whose every move is ``move`` px inward (zero weights, the last bias ``move``)."""
    zeros = [[0.0] * FEATURES for _ in range(hidden)]
    return ([0.0] * FEATURES, [1.0] * FEATURES, zeros, [0.0] * hidden, [[0.0] * hidden for _ in range(hidden)],
            [0.0] * hidden, [[0.0] * hidden], [move])


def refiner(move: float) -> tuple:
    """``network(move)`` as a model's settings carry it."""
    return DecodeConfig(edge_refiner=network(move)).edge_refiner


def page_with_bar() -> np.ndarray:
    """A 32 x 32 page (paper 255) with an ink bar over columns 10.25-20 and rows 5-15: column 10 three
    quarters covered."""
    gray = np.full((32, 32), 255, np.uint8)
    gray[5:15, 11:20] = 0
    gray[5:15, 10] = 64  # 0.75 of full ink
    gray[25:27, 25:27] = 0  # more ink elsewhere: the page's ink level is full ink
    return gray


def test_each_edge_moves_inward_by_the_networks_move():
    dark = np.zeros((40, 40), np.float32)
    boxes = np.array([[10.0, 5.0, 20.0, 15.0], [2.5, 3.25, 8.0, 30.0]])
    out = refine_boxes(dark, boxes, refiner(0.25))
    np.testing.assert_allclose(out, boxes + [0.25, 0.25, -0.25, -0.25], atol=1e-6)
    out = refine_boxes(dark, boxes, refiner(-0.5))
    np.testing.assert_allclose(out, boxes + [-0.5, -0.5, 0.5, 0.5], atol=1e-6)


def test_a_move_is_bounded_and_a_box_never_turns_inside_out():
    dark = np.zeros((40, 40), np.float32)
    boxes = np.array([[10.0, 5.0, 20.0, 15.0], [4.0, 4.0, 5.5, 6.0]])
    out = refine_boxes(dark, boxes, refiner(3.0))
    np.testing.assert_allclose(out[0], [10.0 + MAX_MOVE, 5.0 + MAX_MOVE, 20.0 - MAX_MOVE, 15.0 - MAX_MOVE], atol=1e-6)
    np.testing.assert_allclose(out[1], [4.7, 4.95, 4.8, 5.05], atol=1e-6)  # 1.5 x 2 px: kept 0.1 px about its middle


def test_the_window_across_each_edge_is_read_from_outside_in():
    from pxocr.decode.ink_edges import darkness

    dark = darkness(page_with_bar())
    f = features(dark, np.array([[10.25, 5.0, 20.0, 15.0]]))
    assert f.shape == (1, 4, FEATURES)
    darkest = f[0, :, BANDS * COLS:BANDS * COLS + COLS]
    np.testing.assert_allclose(darkest[0], [0, 0, 0, 0, 0.75, 1, 1, 1], atol=0.01)  # left: columns 6-13
    np.testing.assert_allclose(darkest[2], [0, 0, 0, 0, 1, 1, 1, 1], atol=0.01)  # right: columns 23 down to 16
    np.testing.assert_allclose(darkest[1], [0, 0, 0, 0, 1, 1, 1, 1], atol=0.01)  # top: rows 1-8
    place = f[0, :, BANDS * COLS + COLS]
    np.testing.assert_allclose(place, [0.25, 0.0, 0.0, 0.0], atol=1e-6)  # each edge's place in its pixel
    side = f[0, :, -5:-1]
    np.testing.assert_array_equal(side, np.eye(4))


def test_settings_of_the_wrong_shape_are_refused():
    DecodeConfig(edge_refiner=network(0.1))  # fits
    bad = list(network(0.1))
    bad[2] = [[0.0] * (FEATURES - 1)] * 4
    with pytest.raises(ValueError, match="edge_refiner"):
        DecodeConfig(edge_refiner=tuple(bad))
    with pytest.raises(ValueError, match="edge_refiner"):
        DecodeConfig(edge_refiner=((0.0,), (1.0,)))


def test_a_second_networks_settings_are_checked_as_the_firsts():
    DecodeConfig(edge_refiner=network(0.1), edge_refiner_small=network(0.2), edge_refiner_small_below=9.0)
    with pytest.raises(ValueError, match="edge_refiner_small's layers"):
        DecodeConfig(edge_refiner=network(0.1), edge_refiner_small=network(0.2)[:2] + ((1.0,),) + network(0.2)[3:],
                     edge_refiner_small_below=9.0)
    for below in (-1.0, 0.0, float("inf")):  # a second network that no line, or every line, would go to
        with pytest.raises(ValueError, match="edge_refiner_small_below"):
            DecodeConfig(edge_refiner=network(0.1), edge_refiner_small=network(0.2), edge_refiner_small_below=below)


def test_a_line_is_small_print_by_its_taller_letters_and_digits():
    from pxocr.decode.edge_refiner import line_networks

    letters = [[0, 0, 4, h] for h in (6, 6, 8, 9, 6, 9, 9, 6, 8, 9)]  # x-height 6, capitals and ascenders 8-9
    dots = [[0, 8, 1, 9]] * 30  # a leader: 30 dots of 1 px after the line's letters
    rule = [[0, 4, 4, 5]] * 12  # a rule of '-', 1 px tall
    boxes = np.array(letters + letters + dots + rule, np.float64)
    text = "Contents12" * 2 + "." * 30 + "-" * 12
    line_of = np.array([0] * 10 + [1] * 40 + [2] * 12)
    np.testing.assert_array_equal(line_networks(boxes, text, line_of, 9.5) == 1, [True] * 50 + [False] * 12)
    np.testing.assert_array_equal(line_networks(boxes, text, line_of, 8.5) == 1, [False] * 62)  # 9 px tall: neither
    # line of letters is small; the rule has no letter or digit to tell its size by, and is not
    np.testing.assert_array_equal(line_networks(boxes[:10], text[:10], line_of[:10], 9.0) == 1, [False] * 10)  # 9 !< 9
    # over a large-print threshold: the lines of letters go to the third network, the rule stays with the first
    np.testing.assert_array_equal(line_networks(boxes, text, line_of, 0.0, 8.5), [2] * 50 + [0] * 12)


def test_lines_of_small_print_are_refined_by_the_second_network():
    from pxocr.decode.edge_refiner import refine_lines
    from pxocr.document import Char, Line

    small = [Char(c, (2.0 + 4 * i, 3.0, 5.0 + 4 * i, 8.0)) for i, c in enumerate("abc")]  # 5 px tall
    large = [Char(c, (2.0 + 12 * i, 12.0, 12.0 + 12 * i, 28.0)) for i, c in enumerate("de")]  # 16 px tall
    lines = [Line("abc", (2, 3, 13, 8), small), Line("de", (2, 12, 24, 28), large)]
    gray = np.full((40, 40), 255, np.uint8)
    out = refine_lines(lines, gray, refiner(0.25), small=refiner(-0.5), small_below=10.0)
    moved = [np.subtract(o.bbox, c.bbox) for ln, old in zip(out, lines) for o, c in zip(ln.chars, old.chars)]
    np.testing.assert_allclose(moved[:3], [[-0.5, -0.5, 0.5, 0.5]] * 3, atol=1e-6)  # out, by the second
    np.testing.assert_allclose(moved[3:], [[0.25, 0.25, -0.25, -0.25]] * 2, atol=1e-6)  # in, by the first
    again = refine_lines(lines, gray, refiner(0.25))  # no second network: the first for every line
    np.testing.assert_allclose([np.subtract(o.bbox, c.bbox) for ln, old in zip(again, lines)
                                for o, c in zip(ln.chars, old.chars)], [[0.25, 0.25, -0.25, -0.25]] * 5, atol=1e-6)


@pytest.mark.parametrize("turn", [1, 2, 3])
def test_a_turned_page_is_refined_as_it_reads_upright(turn):
    from pxocr.boxes import turned
    from pxocr.decode.edge_refiner import refine_lines
    from pxocr.document import Char, Line

    rng = np.random.default_rng(5)
    hidden = 6
    shapes = [FEATURES, FEATURES, (hidden, FEATURES), hidden, (hidden, hidden), hidden, (1, hidden), 1]
    weights = [rng.normal(0, 0.3, s) for s in shapes]
    weights[1] = np.abs(weights[1]) + 0.5  # scales
    params = DecodeConfig(edge_refiner=tuple(w.tolist() for w in weights)).edge_refiner
    gray = page_with_bar()
    gray[20:24, 3:9] = 30
    boxes = np.array([[10.3, 5.1, 19.8, 14.9], [3.2, 19.7, 9.1, 24.2]])
    line = Line("ab", (0, 0, 1, 1), [Char("a", tuple(boxes[0])), Char("b", tuple(boxes[1]))])
    upright = np.array([c.bbox for c in refine_lines([line], gray, params)[0].chars])
    assert np.abs(upright - boxes).max() > 0.01  # the network moves them
    seen = np.ascontiguousarray(np.rot90(gray, -turn))  # the page as captured: upright once turned `turn` times
    h, w = seen.shape
    at = turned(boxes, -turn, 32, 32)
    line = Line("ab", (0, 0, 1, 1), [Char("a", tuple(at[0])), Char("b", tuple(at[1]))])
    out = np.array([c.bbox for c in refine_lines([line], seen, params, turn)[0].chars])
    np.testing.assert_allclose(turned(out, turn, w, h), upright, atol=1e-5)


def test_the_shipped_latin_models_refiner_puts_fresh_pages_edges_closer_to_the_truth():
    """Clean and degraded pages in the training families (a seed no fit or test uses): the refiner's edges
    against the same reading's without it."""
    import dataclasses

    from pxocr.eval import evaluate
    from pxocr.infer import Predictor
    from pxocr.synth import PRESETS, preset, render_page
    from pxocr.synth.fonts import font_set

    pred = Predictor("latin", threads=1)
    assert pred.decode_cfg.edge_refiner, "the shipped latin model carries an edge refiner"
    cfg = preset("clean", width=480, height=480, fonts=font_set("train"), size_min=14.0, size_max=30.0)
    pages = [render_page(dataclasses.replace(cfg, degrade=PRESETS["degraded"]) if i % 2 else cfg, 7990001, i)
             for i in range(4)]
    truth = [p for _, p in pages]
    refined = evaluate([pred.predict(g) for g, _ in pages], truth, ap=False)
    plain = evaluate([pred.with_decode(edge_refiner=()).predict(g) for g, _ in pages], truth, ap=False)
    assert refined["cer"] == plain["cer"]  # the text is the same
    assert refined["edge_mean"] < 0.85 * plain["edge_mean"]
    assert refined["f1"]["0.9"] > plain["f1"]["0.9"] + 0.05


def test_a_skewed_page_is_refined_as_read():
    """A fresh page skewed 4 degrees (its truth the turned glyphs' ink boxes): the refiner's edges on the
    input's ink against the same reading's without it."""
    from pxocr.eval import evaluate
    from pxocr.infer import Predictor
    from pxocr.synth import preset, render_page
    from pxocr.synth.capture import skewed
    from pxocr.synth.fonts import font_set

    faces = font_set("train")
    cfg = preset("clean", width=480, height=480, fonts=faces, size_min=16.0, size_max=30.0)
    gray, truth = skewed(*render_page(cfg, 7990011, 0), 4.0, faces)
    pred = Predictor("latin", threads=1)
    refined = evaluate([pred.predict(gray)], [truth], ap=False)
    plain = evaluate([pred.with_decode(edge_refiner=()).predict(gray)], [truth], ap=False)
    assert refined["cer"] == plain["cer"]
    assert refined["edge_mean"] < 0.85 * plain["edge_mean"]


def test_the_shipped_latin_models_small_print_network_puts_small_prints_edges_closer():
    """Fresh pages reduced to half size (em 8-15 px; odd ones degraded before) and pages drawn at em 8-11 px
    (seeds no fit or test uses): both networks against the first alone, on the same reading."""
    import dataclasses

    from pxocr.eval import evaluate
    from pxocr.infer import Predictor
    from pxocr.synth import PRESETS, preset, render_page
    from pxocr.synth.capture import scaled
    from pxocr.synth.fonts import font_set

    pred = Predictor("latin", threads=1)
    assert pred.decode_cfg.edge_refiner_small and pred.decode_cfg.edge_refiner_small_below > 0
    cfg = preset("clean", width=480, height=480, fonts=font_set("train"), size_min=16.0, size_max=30.0)
    reduced = [scaled(*render_page(dataclasses.replace(cfg, degrade=PRESETS["degraded"]) if i % 2 else cfg,
                                   7990001, i), 0.5) for i in range(4)]
    small = [render_page(dataclasses.replace(cfg, size_min=8.0, size_max=11.0), 7990011, i) for i in range(2)]
    for pages in (reduced, small):
        truth = [p for _, p in pages]
        both = evaluate([pred.predict(g) for g, _ in pages], truth, ap=False)
        first = evaluate([pred.with_decode(edge_refiner_small=()).predict(g) for g, _ in pages], truth, ap=False)
        assert both["cer"] == first["cer"]  # the text is the same
        assert both["edge_mean"] < 0.95 * first["edge_mean"]  # measured 0.91x (reduced), 0.89x (drawn small)
        assert both["f1"]["0.9"] > first["f1"]["0.9"] + 0.03  # measured +6.7, +8.7 points


@pytest.mark.parametrize("turn", [0, 1])
def test_lines_are_routed_each_by_its_own_letters_on_a_page_read_turned(turn):
    from pxocr.boxes import turned
    from pxocr.decode.edge_refiner import refine_lines
    from pxocr.document import Char, Line

    def line(text, y0, y1, width):
        chars = [Char(c, (2.0 + width * i, y0, 2.0 + width * (i + 0.8), y1)) for i, c in enumerate(text)]
        return Line(text, (2.0, y0, 2.0 + width * len(text), y1), chars)

    upright = [line("Big", 2.0, 18.0, 10.0), line("tiny", 22.0, 27.0, 4.0), line("====", 30.0, 31.0, 4.0),
               line("ab", 34.0, 39.0, 4.0)]  # 16 px, 5 px, a rule of 1 px (no letter: not small print), 5 px
    boxes = np.array([c.bbox for ln in upright for c in ln.chars])
    at = turned(boxes, -turn, 48, 48)  # the page as captured, upright once turned `turn` times
    k, lines = 0, []
    for ln in upright:
        chars = [Char(c.char, tuple(at[k + i])) for i, c in enumerate(ln.chars)]
        lines.append(Line(ln.text, (0, 0, 1, 1), chars))
        k += len(chars)
    out = refine_lines(lines, np.full((48, 48), 255, np.uint8), refiner(0.25), turn, refiner(-0.5), 10.0)
    moves = [np.subtract(o.bbox, c.bbox) * [1, 1, -1, -1] for ln, old in zip(out, lines)
             for o, c in zip(ln.chars, old.chars)]  # inward, per side
    np.testing.assert_allclose(moves, [[0.25] * 4] * 3 + [[-0.5] * 4] * 4 + [[0.25] * 4] * 4 + [[-0.5] * 4] * 2,
                               atol=1e-6)


def test_the_fits_reducer_leaves_pages_as_they_are_at_a_share_of_0():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parents[1] / "scripts"))
    from fit_edge_refiner import Reducer

    from pxocr.document import Char, Line, Page

    gray = np.arange(64 * 48, dtype=np.uint8).reshape(48, 64)
    truth = Page(64, 48, [Line("a", (8, 8, 16, 20), [Char("a", (8.0, 8.0, 16.0, 20.0))])])
    keep = Reducer(0.0, (0.5, 0.5), 1)
    assert keep(gray, truth)[0] is gray and keep(gray, truth)[1] is truth
    half = Reducer(1.0, (0.5, 0.5), 1)
    small, t = half(gray, truth)
    assert small.shape == (24, 32)
    np.testing.assert_allclose(t.lines[0].chars[0].bbox, (4.0, 4.0, 8.0, 10.0))  # the boxes scale as the pixels
    drawn = half.__class__(1.0, (0.5, 0.5), 1, native=1.0)(gray, truth, lambda change: ("drawn", change))
    assert drawn == ("drawn", {"size_min": 6.0, "size_max": 14.0})  # drawn again small, not reduced


def test_the_shipped_latin_models_network_for_skewed_pages_puts_their_edges_closer():
    """Fresh pages turned 2-8 degrees either way (truth: each glyph's turned outline's box; a seed no fit uses),
    read deskewed: the network for such pages against the first one, on the same reading."""
    from pxocr.eval import evaluate
    from pxocr.infer import Predictor
    from pxocr.synth import preset, render_page
    from pxocr.synth.capture import skewed
    from pxocr.synth.fonts import font_set

    faces = font_set("train")
    cfg = preset("clean", width=480, height=480, fonts=faces, size_min=16.0, size_max=30.0)
    angles = (4.0, -7.0, 3.0, -5.0, 8.0, -2.0)
    pages = [skewed(*render_page(cfg, 7990011, i), deg, faces) for i, deg in enumerate(angles)]
    truth = [t for _, t in pages]
    pred = Predictor("latin", threads=1)
    assert pred.decode_cfg.edge_refiner_skewed
    own = evaluate([pred.predict(g) for g, _ in pages], truth, ap=False)
    first = evaluate([pred.with_decode(edge_refiner_skewed=()).predict(g) for g, _ in pages], truth, ap=False)
    assert own["cer"] == first["cer"]
    assert own["edge_mean"] < 0.9 * first["edge_mean"]  # measured 0.79x
    assert own["f1"]["0.9"] > first["f1"]["0.9"] + 0.015  # measured +3.1 points


def test_lines_of_large_print_are_refined_by_their_own_network():
    from pxocr.decode.edge_refiner import refine_lines
    from pxocr.document import Char, Line

    def line(text, y0, y1, width):
        chars = [Char(c, (2.0 + width * i, y0, 2.0 + width * (i + 0.8), y1)) for i, c in enumerate(text)]
        return Line(text, (2.0, y0, 2.0 + width * len(text), y1), chars)

    lines = [line("Big", 2.0, 42.0, 30.0), line("mid", 50.0, 66.0, 10.0), line("sm", 70.0, 75.0, 4.0),
             line("----", 80.0, 82.0, 30.0)]  # 40, 16 and 5 px tall; a rule without letters: the first network's
    out = refine_lines(lines, np.full((96, 128), 255, np.uint8), refiner(0.25), 0, refiner(-0.5), 10.0,
                       refiner(0.75), 30.0)
    moves = [np.subtract(o.bbox, c.bbox) * [1, 1, -1, -1] for ln, old in zip(out, lines)
             for o, c in zip(ln.chars, old.chars)]
    np.testing.assert_allclose(moves, [[0.75] * 4] * 3 + [[0.25] * 4] * 3 + [[-0.5] * 4] * 2 + [[0.25] * 4] * 4,
                               atol=1e-6)
    with pytest.raises(ValueError, match="edge_refiner_large_above"):  # large print must be larger than small
        DecodeConfig(edge_refiner=network(0.1), edge_refiner_small=network(0.2), edge_refiner_small_below=9.0,
                     edge_refiner_large=network(0.3), edge_refiner_large_above=8.0)


def test_the_shipped_latin_models_large_print_network_puts_enlarged_pages_edges_closer():
    """Fresh pages enlarged 3x (em 48-90 px; odd ones degraded before; a seed no fit uses): the three networks
    against the same reading without the large-print one."""
    import dataclasses

    from pxocr.eval import evaluate
    from pxocr.infer import Predictor
    from pxocr.synth import PRESETS, preset, render_page
    from pxocr.synth.capture import scaled
    from pxocr.synth.fonts import font_set

    pred = Predictor("latin", threads=1)
    assert pred.decode_cfg.edge_refiner_large and pred.decode_cfg.edge_refiner_large_above > 0
    cfg = preset("clean", width=480, height=480, fonts=font_set("train"), size_min=16.0, size_max=30.0)
    pages = [scaled(*render_page(dataclasses.replace(cfg, degrade=PRESETS["degraded"]) if i % 2 else cfg,
                                 7990001, i), 3.0) for i in range(4)]
    truth = [p for _, p in pages]
    own = evaluate([pred.predict(g) for g, _ in pages], truth, ap=False)
    without = evaluate([pred.with_decode(edge_refiner_large=()).predict(g) for g, _ in pages], truth, ap=False)
    assert own["cer"] == without["cer"]
    assert own["edge_mean"] < 0.92 * without["edge_mean"]  # measured 0.85x
    assert own["f1"]["0.9"] > without["f1"]["0.9"] + 0.012  # measured +2.7 points
