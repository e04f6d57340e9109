"""Box edges put on the image's ink (pxocr.decode.ink_edges): exact on hand-drawn coverage."""

import numpy as np
import pytest

from pxocr.charset import char_to_index
from pxocr.decode import DecodeConfig
from pxocr.decode.ink_edges import SPREAD, bias_table, darkness, ink_spread, refine_boxes, refine_lines
from pxocr.document import Char, Line


def _page(rects, h=60, w=80):
    """White paper (255) with black rectangles [x0, y0, x1, y1] drawn with exact area coverage."""
    cov = np.zeros((h, w))
    ys, xs = np.arange(h), np.arange(w)
    for x0, y0, x1, y1 in rects:
        cx = np.clip(np.minimum(xs + 1, x1) - np.maximum(xs, x0), 0, 1)
        cy = np.clip(np.minimum(ys + 1, y1) - np.maximum(ys, y0), 0, 1)
        cov = np.maximum(cov, cy[:, None] * cx[None, :])
    return np.round(255 * (1 - cov)).astype(np.uint8)


def test_edges_move_onto_the_ink_to_a_fiftieth_of_a_pixel():
    true = (20.3, 10.6, 31.8, 40.25)
    gray = _page([true, (60.0, 5.0, 70.0, 50.0)])  # a second glyph far away: the page has ink to measure
    guess = np.array([[20.7, 10.2, 31.4, 40.6]])  # the network's edges, 0.35-0.4 px off
    got = refine_boxes(darkness(gray), guess, 0.12)[0]
    assert got == pytest.approx(true, abs=0.02)


def test_an_edge_that_ink_touches_stays_where_the_network_put_it():
    """A neighbour 1 px to the right: the right edge's window holds its ink, so that edge stays;
    the other three move."""
    gray = _page([(20.3, 10.6, 31.8, 40.25), (32.8, 10.0, 40.0, 40.0)])
    guess = np.array([[20.7, 10.2, 31.4, 40.6]])
    got = refine_boxes(darkness(gray), guess, 0.12)[0]
    assert got[2] == 31.4
    assert got[[0, 1, 3]] == pytest.approx([20.3, 10.6, 40.25], abs=0.02)


def test_an_edge_moves_onto_its_ink_past_a_column_of_paper_before_a_neighbour():
    """A neighbour's ink 1.6 px to the right, a column of paper between: the right edge's window
    holds the neighbour's ink, yet the edge is the ink before that paper column."""
    gray = _page([(20.3, 10.6, 31.8, 40.25), (33.4, 10.0, 40.0, 40.0)])
    got = refine_boxes(darkness(gray), np.array([[20.7, 10.2, 31.4, 40.6]]), 0.12)[0]
    assert got == pytest.approx([20.3, 10.6, 31.8, 40.25], abs=0.02)


def test_a_serif_in_the_boxs_last_partial_row_counts():
    """A slab serif 0.95 px tall wider than the stem, in the bottom row the box cuts: the left and
    right edges reach the serif's ends, not the stem's."""
    true = (18.0, 10.6, 27.7, 40.95)
    gray = _page([(20.3, 10.6, 24.8, 40.0), (18.0, 40.0, 27.7, 40.95), (60.0, 5.0, 70.0, 50.0)])
    got = refine_boxes(darkness(gray), np.array([[18.3, 10.4, 27.3, 40.8]]), 0.12)[0]
    assert got == pytest.approx(true, abs=0.06)


def test_on_a_blurred_page_edges_go_where_the_ink_is_half_up():
    """A page blurred (Gaussian, sigma 1 px): the ink's ramps span several pixels, so the first
    inked pixel's share no longer says where the ink starts (that rule put the left edge 0.5 px
    out); each edge goes where its profile rises through half its peak: the unblurred ink's edge."""
    from scipy.ndimage import gaussian_filter

    true = (20.3, 10.6, 31.8, 40.25)
    sharp = _page([true, (60.0, 5.0, 70.0, 50.0)]).astype(np.float64)
    gray = np.round(gaussian_filter(sharp, 1.0)).astype(np.uint8)
    got = refine_boxes(darkness(gray), np.array([[20.7, 10.2, 31.4, 40.6]]), 0.12)[0]
    assert got == pytest.approx(true, abs=0.08)


def _disc_page(cx, cy, r, h=60, w=80, ss=16):
    """White paper with a black disc drawn with its area coverage (``ss`` x ``ss`` samples a pixel)."""
    y, x = (np.mgrid[0:h * ss, 0:w * ss] + 0.5) / ss
    cov = (((x - cx) ** 2 + (y - cy) ** 2) <= r * r).reshape(h, ss, w, ss).mean((1, 3))
    return np.round(255 * (1 - cov)).astype(np.uint8)


def test_round_edges_go_the_set_fraction_further_out_and_straight_ones_stay_on_the_ink():
    """``DecodeConfig.ink_out``: an edge moves out by the setting's share of a pixel (left and right by
    the first, top and bottom by the second) times the share of the box's rows that fall short of its
    darkest pixel there. A rectangle's straight sides darken their columns alike in every row: they
    stay on the ink; a disc's extremes reach their columns in a row or two: they move nearly the whole
    share out. An edge a neighbour's ink touches stays where the network put it."""
    gray = _page([(20.3, 10.6, 31.8, 40.25), (32.8, 10.0, 40.0, 40.0)])
    got = refine_boxes(darkness(gray), np.array([[20.7, 10.2, 31.4, 40.6]]), 0.12, (0.1, 0.04))[0]
    assert got == pytest.approx([20.3, 10.6, 31.4, 40.25], abs=0.02)
    disc = darkness(_disc_page(40.3, 30.4, 9.0))
    guess = np.array([[31.5, 21.2, 49.1, 39.6]])
    plain, out = refine_boxes(disc, guess, 0.12)[0], refine_boxes(disc, guess, 0.12, (0.1, 0.04))[0]
    moved = (out - plain) * [-1, -1, 1, 1]
    assert np.all(moved[[0, 2]] > 0.08) and np.all(moved[[0, 2]] <= 0.1)
    assert np.all(moved[[1, 3]] > 0.032) and np.all(moved[[1, 3]] <= 0.04)


def test_an_edge_standing_in_the_paper_moves_in_onto_the_ink():
    """An apostrophe's box drawn 5 px too tall: no ink within 2 px of its bottom edge, so that edge
    moves up onto the ink inside the box; the others move as usual."""
    true = (20.3, 10.6, 22.8, 16.25)
    gray = _page([true, (60.0, 5.0, 70.0, 50.0)])
    got = refine_boxes(darkness(gray), np.array([[20.1, 10.4, 23.0, 21.3]]), 0.12)[0]
    assert got == pytest.approx(true, abs=0.02)


def test_lines_keep_their_text_and_take_the_union_of_the_new_boxes():
    gray = _page([(20.3, 10.6, 31.8, 40.25), (40.2, 10.6, 50.5, 40.25)])
    chars = [Char("I", (20.7, 10.2, 31.4, 40.6), 0.9), Char("I", (40.0, 10.9, 50.9, 40.0), 0.8)]
    line = refine_lines([Line("I I", (20.7, 10.2, 50.9, 40.6), chars, 0.85, baseline=40.0)], gray, 0.12)[0]
    assert line.text == "I I" and line.baseline == 40.0 and [c.score for c in line.chars] == [0.9, 0.8]
    assert line.bbox == pytest.approx((20.3, 10.6, 50.5, 40.25), abs=0.02)


def test_the_threshold_is_validated():
    with pytest.raises(ValueError, match="ink_edges"):
        DecodeConfig(ink_edges=1.0)


def _reading(box, gray):
    from pxocr.document import Page

    h, w = gray.shape
    return Page(w, h, [Line("I", box, [Char("I", box, 0.9)], 0.9)])


@pytest.mark.parametrize("inverted", [False, True])
def test_a_reading_of_an_enlarged_view_takes_its_edges_from_the_input_ink(inverted):
    """Small print is read enlarged; enlarging blurs the ink, so the boxes mapped back are put on
    the input's own ink (light text on dark paper too), and a view at the input's size or reduced
    keeps them."""
    from pxocr.infer import Predictor
    from pxocr.infer.capture import View

    true = (20.3, 10.6, 24.8, 17.25)  # a glyph 6.65 px tall: print that is read enlarged
    gray = _page([true, (60.0, 5.0, 70.0, 50.0)])
    if inverted:
        gray = 255 - gray
    guess = (20.0, 10.3, 25.1, 17.6)
    pred = Predictor("latin").with_decode(ink_edges=0.12, ink_out=(0.0, 0.0), edge_bias=())
    got = pred._on_input(View(gray, gray, inverted=inverted, scale=2.6), _reading(guess, gray))
    assert got.lines[0].chars[0].bbox == pytest.approx(true, abs=0.02)
    assert got.lines[0].bbox == pytest.approx(true, abs=0.02)
    for scale in (1.0, 0.5):
        same = pred._on_input(View(gray, gray, inverted=inverted, scale=scale), _reading(guess, gray))
        assert same.lines[0].chars[0].bbox == guess


def test_the_paper_and_ink_levels_are_numpys_quantiles():
    """The histogram quantile ``darkness`` uses equals numpy's linear quantile on any uint8 array."""
    from hypothesis import given, settings
    from hypothesis import strategies as st
    from hypothesis.extra.numpy import arrays

    from pxocr.decode.ink_edges import _quantile

    @settings(max_examples=200, deadline=None)
    @given(arrays(np.uint8, st.tuples(st.integers(1, 40), st.integers(1, 40))), st.sampled_from([0.005, 0.5, 0.9]))
    def check(values, q):
        assert _quantile(values, q) == pytest.approx(float(np.quantile(values.astype(np.float64), q)), abs=1e-9)

    check()


def _grid_of_glyphs(spread):
    """24 glyph outlines on a grid and a page whose ink reaches ``spread`` px past each of them."""
    true = np.array([(10.3 + 30 * (k % 6), 10.6 + 30 * (k // 6), 22.8 + 30 * (k % 6), 31.25 + 30 * (k // 6))
                     for k in range(24)])
    gray = _page(true + [-spread, -spread, spread, spread], h=140, w=200)
    jitter = np.where(np.arange(24) % 2, 0.1, -0.1)[:, None] * [1, 1, -1, -1]  # the network: +-0.1 px
    return true, gray, true + jitter


def test_ink_spread_over_the_whole_page_is_taken_back():
    """Every glyph's ink 0.5 px past its outline (ink bleeding into the paper): the edges moved onto
    the ink would all stand 0.5 px out; the page-wide median move is taken back, so each box is its
    outline again (the network's +-0.1 px scatter gone too)."""
    true, gray, guess = _grid_of_glyphs(0.5)
    got = refine_boxes(darkness(gray), guess, 0.12)
    assert np.abs(got - true).max() < 0.03


def test_a_small_page_wide_spread_stays_on_the_ink():
    """0.2 px of spread is under ``BLEED``: the edges stay on the ink, 0.2 px out."""
    true, gray, guess = _grid_of_glyphs(0.2)
    got = refine_boxes(darkness(gray), guess, 0.12)
    assert got == pytest.approx(true + [-0.2, -0.2, 0.2, 0.2], abs=0.03)


def _bled(gray, strength):
    """``gray``'s ink bled towards its neighbours as ``pxocr.synth.degrade`` bleeds it: each pixel's
    darkness blended by ``strength`` towards the darkest of its 3x3 neighbourhood."""
    dark = 1.0 - gray / 255.0
    pad = np.pad(dark, 1)
    darkest = np.max([pad[dy:dy + dark.shape[0], dx:dx + dark.shape[1]] for dy in range(3) for dx in range(3)], 0)
    return np.round(255 * (1 - ((1 - strength) * dark + strength * darkest))).astype(np.uint8)


def test_ink_spread_tells_bled_ink_from_a_crisp_print_of_bolder_glyphs():
    """Crisp glyphs at the sub-pixel positions a page of text gives them, however bold, leave paper
    beside their full ink somewhere: spread 0. Ink bled by 0.2-0.5 darkens every pixel beside full ink
    (the 5th percentile of them 0.19-0.41 here), over ``SPREAD``."""
    rng = np.random.default_rng(5)
    at = [(10 + 30 * (k % 6) + rng.random(), 10 + 30 * (k // 6) + rng.random()) for k in range(24)]
    for bold in (0.0, 1.5):
        crisp = _page([(x - bold, y - bold, x + 12 + bold, y + 20 + bold) for x, y in at], h=140, w=200)
        assert ink_spread(darkness(crisp)) == 0.0
        for strength in (0.2, 0.5):
            assert ink_spread(darkness(_bled(crisp, strength))) >= SPREAD + 0.05


def test_on_a_page_of_bled_ink_any_median_move_is_taken_back():
    """Ink bled by 0.3 puts the edges on the ink 0.2-0.3 px out, under ``BLEED``; the page's spread is
    plain from its paper beside full ink, so the median move is taken back all the same and the
    boxes are their outlines again (the network's +-0.1 px scatter gone too, as with a larger spread)."""
    true, gray, guess = _grid_of_glyphs(0.0)
    got = refine_boxes(darkness(_bled(gray, 0.3)), guess, 0.12)
    assert np.abs(got - true).max() < 0.05


def test_a_tight_edge_moves_out_onto_ink_seen_in_the_rows_a_neighbour_leaves_free():
    """A neighbour 0.5 px to the right in the lower third only (a serif's reach): its ink fills the
    right edge's window there, with no paper between. In the upper rows the glyph's own ink shows
    its edge at 31.8: a network edge inside it (31.4) moves out onto it; one outside it (32.1) stays,
    since the extreme may lie in the rows the neighbour touches."""
    gray = _page([(20.3, 10.6, 31.8, 40.25), (32.3, 30.0, 40.0, 40.25), (60.0, 5.0, 70.0, 50.0)])
    dark = darkness(gray)
    tight = refine_boxes(dark, np.array([[20.7, 10.2, 31.4, 40.6]]), 0.12)[0]
    assert tight == pytest.approx([20.3, 10.6, 31.8, 40.25], abs=0.02)
    wide = refine_boxes(dark, np.array([[20.7, 10.2, 32.1, 40.6]]), 0.12)[0]
    assert wide[2] == 32.1


def test_the_class_bias_shifts_edges_on_the_ink_and_edges_left_to_the_network_apart():
    """``bias``: each edge the ink moved is shifted by its entry among the first four; the right edge,
    which a neighbour's ink touches and the network placed, by its entry among the last four."""
    gray = _page([(20.3, 10.6, 31.8, 40.25), (32.8, 10.0, 40.0, 40.0)])
    bias = np.array([[0.05, -0.1, 0.2, 0.03, 0.5, 0.5, -0.15, 0.5]])
    got = refine_boxes(darkness(gray), np.array([[20.7, 10.2, 31.4, 40.6]]), 0.12, bias=bias)[0]
    assert got == pytest.approx([20.35, 10.5, 31.25, 40.28], abs=0.02)


def test_the_bias_table_takes_back_each_sides_median_error_shrunk_by_its_count():
    errors = {("o", 0): [-0.1] * 30 + [0.5] * 10, ("o", 2): [0.2] * 5, ("v", 0): [0.9] * 80, ("v", 6): [-0.2] * 20}
    table = np.array(bias_table(errors, min_count=20, shrink=20.0, limit=0.25))
    assert table.shape == (94, 8)
    assert table[char_to_index("o"), :4] == pytest.approx([0.1 * 40 / 60, 0.0, 0.0, 0.0], abs=1e-3)  # 5: none
    assert table[char_to_index("v"), 0] == pytest.approx(-0.25)  # 0.9 * 80/100, held to the limit
    assert table[char_to_index("v"), 6] == pytest.approx(0.1)  # a right edge the network placed: 0.2 * 20/40
    assert np.count_nonzero(table) == 3


def test_decode_config_refuses_an_edge_bias_of_the_wrong_shape():
    with pytest.raises(ValueError, match="edge_bias"):
        DecodeConfig(edge_bias=((0.1, 0.0, 0.0, 0.0),))
    with pytest.raises(ValueError, match="edge_bias"):
        DecodeConfig(edge_bias=[[0.0] * 4] * 94)
    assert DecodeConfig(edge_bias=[[0.0] * 8] * 94).edge_bias[5] == (0.0,) * 8
