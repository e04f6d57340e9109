"""Text read again at a better size (pxocr.infer.zoom): small text enlarged, large text reduced; regions, the
mosaic's exact pixel mapping, which glyphs and lines of the second reading are kept, and the accuracy it buys."""

from __future__ import annotations

import os
from dataclasses import replace

import numpy as np
import pytest

from pxocr.boxes import union_of
from pxocr.decode import TOPK, Glyphs
from pxocr.document import Char, Line
from pxocr.eval import evaluate
from pxocr.infer import Predictor
from pxocr.infer.zoom import Region, ZoomConfig, confirmed, enlarge, merge, mosaic, regions, to_page
from pxocr.synth import preset, render_page

MODEL = os.environ.get("PXOCR_TEST_MODEL") or None


def _line(text: str, x0: float, y0: float, em: float, score: float = 0.9) -> Line:
    """A line of monospaced glyphs 0.7 em wide and 0.7 em tall starting at (x0, y0)."""
    chars = [Char(c, (x0 + k * 0.72 * em, y0, x0 + k * 0.72 * em + 0.7 * em, y0 + 0.7 * em), score)
             for k, c in enumerate(text)]
    box = (chars[0].bbox[0], y0, chars[-1].bbox[2], y0 + 0.7 * em)
    return Line(text, box, chars, score, font_size=em, baseline=y0 + 0.7 * em)


def test_regions_take_small_lines_merge_near_ones_and_clip_to_the_page():
    cfg = ZoomConfig(below_em=24, target_em=28, margin_em=1.0, max_scale=2.5)
    lines = [_line("ab", 10, 5, 16),  # near the top-left corner: its crop is clipped
             _line("cd", 10, 30, 20),  # 13.8 px below the first: same region
             _line("BIG", 100, 100, 40),  # not small
             _line("ef", 385, 300, 8)]  # far away, tiny: scale capped at 2.5
    r = regions(lines, 400, 350, cfg)
    assert len(r) == 2
    a, b = sorted(r, key=lambda x: x.core[0])
    np.testing.assert_allclose(a.core, (10, 5, 10 + 0.72 * 20 + 0.7 * 20, 30 + 14))
    assert a.crop == (0, 0, 55, 60)  # core (x1 38.4, y1 44) + 1 em of the smaller (16 px), ceiled
    assert a.scale == pytest.approx(28 / 16)
    assert b.scale == 2.5
    assert b.crop == (377, 292, 400, 314)  # clipped at the page's width (x1 404.4)
    assert regions(lines, 400, 350, ZoomConfig(below_em=0)) == []


def test_mosaic_maps_back_to_page_pixels_exactly():
    rng = np.random.default_rng(0)
    gray = rng.integers(0, 256, (300, 500), dtype=np.uint8)
    rs = [Region((10, 10, 40, 30), (0, 0, 60, 50), 2.0), Region((200, 100, 300, 130), (190, 90, 310, 140), 1.5),
          Region((100, 250, 130, 270), (90, 240, 140, 280), 2.5)]
    m = mosaic(gray, rs)
    for k, r in enumerate(rs):
        w, h = r.size()
        x, y = m.origin[k]
        np.testing.assert_array_equal(m.image[y:y + h, x:x + w], enlarge(gray, r))
        # the crop's full extent in the mosaic maps to the crop on the page
        np.testing.assert_allclose(m.to_page([x, y, x + w, y + h], k)[0], r.crop)
        assert m.region_of(np.array([[x + 1, y + 1, x + 3, y + 3]]))[0] == k
    # crops do not overlap
    for i in range(3):
        for j in range(i):
            (xi, yi), (wi, hi) = m.origin[i], rs[i].size()
            (xj, yj), (wj, hj) = m.origin[j], rs[j].size()
            assert xi + wi <= xj or xj + wj <= xi or yi + hi <= yj or yj + hj <= yi
    # a box centred in the gap between two crops of the same shelf belongs to neither
    (x0, y0), (w0, _) = m.origin[0], rs[0].size()
    gap = np.array([[x0 + w0 + 2, y0 + 2, x0 + w0 + 6, y0 + 6]], np.float64)
    assert m.image.shape[1] > x0 + w0 + 6
    assert m.region_of(gap)[0] == -1


def test_mosaic_content_lines_up_with_the_page():
    """An ink square on whole page pixels, enlarged x2 in the mosaic, maps back to the same
    page pixels."""
    gray = np.full((100, 200), 255, np.uint8)
    gray[40:50, 60:70] = 0
    r = Region((50, 30, 80, 60), (40, 20, 90, 70), 2.0)
    m = mosaic(gray, [r])
    ys, xs = np.nonzero(m.image < 128)
    ink = np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], np.float64)  # mosaic px, edges
    np.testing.assert_allclose(m.to_page(ink, 0)[0], [60, 40, 70, 50], atol=0.5)  # bicubic blurs 1 px


def test_regions_cut_by_the_page_edge_keep_their_margin_in_the_mosaic():
    """A region cut off by the page's edge gets its lost margin back as paper, so that two
    regions' text never comes closer than two margins in the mosaic (they were once read as one
    line, mapped to the wrong place)."""
    cfg = ZoomConfig(below_em=24, target_em=28, margin_em=1.0)
    lines = [_line("RIGHT", 540, 60, 16), _line("LEFT", 1, 200, 16)]  # ending at x 597.3, starting at 1
    rs = regions(lines, 600, 300, cfg)
    assert len(rs) == 2
    right, left = sorted(rs, key=lambda r: -r.core[0])
    assert right.crop[2] == 600 and right.pad[2] == round((np.ceil(right.core[2] + 16) - 600) * right.scale)
    assert left.crop[0] == 0 and left.pad[0] == round(-np.floor(left.core[0] - 16) * left.scale)
    assert right.pad[:2] == (0, 0) and left.pad[1:] == (0, 0, 0)
    gray = np.full((300, 600), 255, np.uint8)
    m = mosaic(gray, rs)
    ends = [(m.origin[k, 0], m.origin[k, 0] + r.size()[0]) for k, r in enumerate(rs)]
    (a0, a1), (b0, b1) = sorted(ends)
    core = [m.origin[k, 0] + (r.core[0] - r.crop[0]) * r.scale for k, r in enumerate(rs)]
    core_end = [m.origin[k, 0] + (r.core[2] - r.crop[0]) * r.scale for k, r in enumerate(rs)]
    first, second = sorted(range(2), key=lambda k: ends[k][0])
    assert core[second] - core_end[first] >= 2 * 28  # two margins of 1 em at 28 px em


def test_regions_keep_different_sizes_apart():
    """A 10 px line beside a 22 px one: merged, the 22 px line would be read at 55 px em."""
    cfg = ZoomConfig(below_em=24, target_em=28, margin_em=1.0, max_scale=2.5)
    rs = regions([_line("ab", 10, 10, 10), _line("cd", 40, 14, 22)], 300, 200, cfg)
    assert sorted(r.scale for r in rs) == pytest.approx([28 / 22, 2.5])


def _glyphs(boxes, scores) -> Glyphs:
    n = len(scores)
    return Glyphs(np.array(boxes, np.float64), np.array(scores, np.float64), np.zeros(n, np.int64), np.zeros(n),
                  np.full(n, 28.0), np.zeros((n, TOPK), np.int64), np.zeros((n, TOPK)),
                  np.array(scores, np.float64))


def test_second_reading_keeps_confirmed_or_sure_glyphs_only():
    r = Region((0, 0, 100, 50), (0, 0, 100, 50), 2.0)  # mosaic px = 2 x page px
    m = mosaic(np.zeros((50, 100), np.uint8), [r])
    first = np.array([[10, 10, 20, 20]], np.float64)  # page px
    g = _glyphs([[20, 20, 40, 40],  # the first reading's glyph, enlarged: kept
                 [100, 20, 120, 40],  # new and unsure: dropped (a speck, enlarged)
                 [140, 20, 160, 40]],  # new and sure: kept
                [0.2, 0.5, 0.9])
    kept = confirmed(g, m, first, ZoomConfig(confirm_score=0.7))
    np.testing.assert_array_equal(kept.scores, [0.2, 0.9])


def test_merge_replaces_overlapped_lines_when_surer():
    cfg = ZoomConfig(keep_em=30, min_gain=0.0)
    small, big = _line("ab", 10, 10, 16, score=0.6), _line("XY", 10, 100, 40, score=0.9)
    better = _line("ah", 10.2, 10.1, 16, score=0.95)
    assert [ln.text for ln in merge([big, small], [[better]], cfg)] == ["ah", "XY"]  # reading order
    worse = _line("ah", 10.2, 10.1, 16, score=0.4)
    assert [ln.text for ln in merge([small, big], [[worse]], cfg)] == ["ab", "XY"]
    # a large line of the enlarged reading (cut by the crop, or bigger text) is ignored
    cut = _line("X", 10, 100, 40, score=0.99)
    assert [ln.text for ln in merge([small, big], [[cut]], cfg)] == ["ab", "XY"]


def test_a_small_mark_read_again_replaces_itself_not_the_larger_line_it_sits_on():
    """A footnote mark (em 12) read again on a body line of em 25 (above ``below_em``): the enlarged
    reading's mark overlaps the first reading's mark and lies wholly inside the body line's box; it
    replaces the mark, and the body line, of which it covers a sliver, stays."""
    cfg = ZoomConfig(below_em=24, keep_em=30, min_gain=0.0)
    body, mark = _line("arwinaswellas", 10, 100, 25, score=0.84), _line("'1", 100, 98, 12, score=0.7)
    again = _line("1", 104, 98, 12, score=0.9)
    assert sorted(ln.text for ln in merge([body, mark], [[again]], cfg)) == ["1", "arwinaswellas"]
    # a line of small text under it goes, as before
    small = _line("abc", 100, 98, 20, score=0.6)
    assert sorted(ln.text for ln in merge([body, small], [[again]], cfg)) == ["1", "arwinaswellas"]
    assert [ln.text for ln in merge([small], [[again]], cfg)] == ["1"]


def test_to_page_keeps_lines_centred_in_the_core():
    r = Region((20, 20, 80, 40), (10, 10, 90, 50), 2.0)
    m = mosaic(np.zeros((60, 100), np.uint8), [r])
    x, y = m.origin[0]
    inside = _line("ab", x + 30, y + 30, 32)  # mosaic px: page (25, 25) onwards, em 16 px
    edge = _line("cd", x + 0, y + 0, 32)  # centred at page (~17.6, ~15.6): outside the core
    (out,) = to_page([inside, edge], m)
    (ln,) = out
    assert ln.text == "ab"
    np.testing.assert_allclose(ln.chars[0].bbox, [25, 25, 25 + 0.35 * 32, 25 + 0.35 * 32])
    assert ln.font_size == pytest.approx(16)
    assert ln.baseline == pytest.approx(25 + 0.35 * 32)  # mosaic baseline y+30+22.4 -> page


def test_accuracy_zoom_reads_16px_pages():
    """Clean pages of 16 px text: reading small lines again, enlarged, cuts the error rate
    several-fold (200 pages, bench/accuracy.py: see BENCHMARKS.md)."""
    pages = [render_page(preset("clean", size_min=16, size_max=16), 515151, i) for i in range(3)]
    pred = Predictor(MODEL, threads=1)
    gts = [gt for _, gt in pages]
    with_zoom = evaluate([pred.predict(im) for im, _ in pages], gts, ap=False)
    without = evaluate([pred.with_zoom(below_em=0).predict(im) for im, _ in pages], gts, ap=False)
    assert with_zoom["chars_gt"] > 500
    assert with_zoom["cer"] < 0.008, f"CER {with_zoom['cer']:.4f} with zoom"
    assert with_zoom["cer"] < without["cer"] / 2, (with_zoom["cer"], without["cer"])
    assert with_zoom["edge_mean"] < 0.1


def test_unread_small_print_is_found_by_its_ink_and_sized_by_its_marks():
    """A page with large text read well and a block of small print read as nothing (no lines
    given for it): ``unread_ink`` finds the block, with an em within a third of its true one; a
    noise page, an empty image and a blank page give no block."""
    from pxocr.infer.zoom import unread_ink

    small, gt = render_page(preset("clean", size_min=9, size_max=9, width=320, height=160), 616161, 0)
    page = np.full((400, 640), 255, np.uint8)
    page[200:360, 300:620] = small
    blocks = unread_ink(page, [], ZoomConfig())
    assert blocks
    ink = np.argwhere(page < 128)
    for b in blocks:
        x0, y0, x1, y1 = b.bbox
        assert 300 <= x0 and y0 >= 200 and x1 <= 620 and y1 <= 360
        assert 9 / 1.33 < b.font_size < 9 * 1.33, b.font_size
    covered = sum((b.bbox[2] - b.bbox[0]) * (b.bbox[3] - b.bbox[1]) for b in blocks)
    assert covered > 0.5 * np.ptp(ink[:, 1]) * np.ptp(ink[:, 0])
    rng = np.random.default_rng(0)
    noise = np.where(rng.random((400, 640)) < 0.3, 0, 255).astype(np.uint8)
    assert unread_ink(noise, [], ZoomConfig()) == []
    assert unread_ink(np.zeros((0, 0), np.uint8), [], ZoomConfig()) == []
    assert unread_ink(np.full((100, 100), 200, np.uint8), [], ZoomConfig()) == []


def test_a_block_of_small_print_beside_large_text_is_read_enlarged():
    """Half-scale OCR-B page with 8 px em print beside 20 px text (the network read the small
    block as 22 px garbage and never enlarged it enough: 89 % CER): now read at under 10 %."""
    from pxocr.synth.capture import scaled

    image, gt = scaled(*render_page(preset("clean"), 7470001, 2), 0.5)
    r = evaluate([Predictor("ocrb", threads=1).predict(image)], [gt], ap=False)
    assert r["cer"] < 0.10, r["cer"]


def test_an_unsure_line_is_sized_by_its_ink_rows():
    """A line the first reading is unsure of takes its ink's height as its em where that is
    smaller than the network's (print read as garbage at a wrong size); a sure line, one whose
    ink is taller than its em, and any line with the rule off keep theirs."""
    from pxocr.infer.zoom import ink_sized

    page = np.full((200, 300), 255, np.uint8)
    page[100:109, 20:80] = 0  # 9 rows of ink
    page[150:190, 120:160] = 0  # 40 rows
    garbage = _line("'\"~~", 20.0, 95.0, 22.0, score=0.3)
    sure = _line("abcd", 20.0, 95.0, 22.0, score=0.9)
    tall = Line("W", (120.0, 150.0, 160.0, 190.0), [Char("W", (120.0, 150.0, 160.0, 190.0), 0.3)], 0.3,
                font_size=22.0)
    out = ink_sized(page, [garbage, sure, tall], ZoomConfig())
    assert out[0].font_size == 9.0 and out[0].bbox == garbage.bbox and not out[0].chars
    assert out[1] is sure and out[2] is tall
    assert ink_sized(page, [garbage], ZoomConfig(unsure_score=0.0)) == [garbage]
    assert regions(out[:1], 300, 200, ZoomConfig())[0].scale == 2.5  # 22 px: 28 / 22 = 1.27


def test_a_small_line_read_as_garbage_at_a_wrong_size_is_read_right():
    """Half-scale OCR-B page whose `; urgent` (em 8) the first reading read as `w '--"` at em 22:
    sized by its ink, it is enlarged enough to read (the page without an error)."""
    from pxocr.synth.capture import scaled

    image, gt = scaled(*render_page(preset("clean"), 7480001, 0), 0.5)
    page = Predictor("ocrb", threads=1).predict(image)
    assert "; urgent" in [ln.text for ln in page.lines]
    assert evaluate([page], [gt], ap=False)["cer"] < 0.01


def test_large_lines_are_read_again_reduced_with_the_whole_of_their_rows():
    """``above_em``: a region for the lines over it, reduced so that its smallest is ``reduce_to_em``; widened
    over the rest of each row it crosses (a heading's word the first reading sized under ``above_em``), so that
    no word is cut; small lines elsewhere take no part."""
    cfg = ZoomConfig(below_em=0, above_em=56, reduce_to_em=36)
    head, rest = _line("TI", 20, 20, 80), _line("TLE", 180, 22, 50)  # one heading, parted at a size either side
    lines = [head, rest, _line("body", 20, 200, 16)]
    [r] = regions(lines, 700, 400, cfg, large=True)
    np.testing.assert_allclose(r.core, union_of([head.bbox, rest.bbox]))
    assert r.scale == pytest.approx(36 / 80)
    assert regions(lines, 700, 400, cfg) == []  # no small text read again
    [small] = regions(lines, 700, 400, replace(cfg, below_em=24))  # the small pass takes the body line alone
    assert small.scale > 1 and small.core[1] == 200
    assert regions(lines, 700, 400, ZoomConfig(below_em=0), large=True) == []  # off by default
    with pytest.raises(ValueError):
        ZoomConfig(above_em=30, reduce_to_em=36)


def test_a_title_over_small_print_is_read_reduced():
    """A page of 14 px print under a title of 44 px em in a light monospaced face: read with the print enlarged
    to 30 px em, the title stood at 94 px and read ``BOXCaE S`` for ``Boxcar's``; read again reduced, right."""
    from pxocr.synth.engine import stacked
    from pxocr.synth.fonts import font_set

    title = replace(preset("clean"), fonts=font_set("train"), size_min=44.0, size_max=44.0, height=320)
    body = replace(title, size_min=14.0, size_max=14.0)
    page, truth = stacked(render_page(title, 7_471_001, 0), render_page(body, 7_472_001, 0))
    pred = Predictor("latin", threads=1)
    assert pred.zoom.above_em > 0  # the shipped reading
    got = pred.predict(page)
    assert got.text.split("\n")[:4] == ["Boxcar's", "withdrawa", "power", "Albany's"]
    once = pred.with_zoom(above_em=0).predict(page)
    assert evaluate([got], [truth], ap=False)["cer"] < evaluate([once], [truth], ap=False)["cer"] / 2


def test_a_stacked_mosaic_puts_one_crop_a_row():
    """Reduced crops of large text, one a row: side by side, two crops' lines are read as one across their margins."""
    gray = np.full((400, 900), 255, np.uint8)
    rs = [Region((0, 0, 600, 60), (0, 0, 600, 60), 1.0), Region((0, 100, 200, 160), (0, 100, 200, 160), 1.0),
          Region((300, 100, 500, 160), (300, 100, 500, 160), 1.0)]
    assert len({y for _, y in mosaic(gray, rs).origin.tolist()}) == 2  # packed: the two small ones share a row
    m = mosaic(gray, rs, stacked=True)
    assert m.origin[:, 0].tolist() == [0, 0, 0] and len(set(m.origin[:, 1].tolist())) == 3
