"""The synthetic engine: exact ink boxes, consistent ground truth, determinism, errors.

Box exactness is checked against renderings that do not go through ``GlyphRenderer``:
Pillow's own FreeType path and a separate freetype-py face, both at 16x resolution, where
one pixel is 1/16 px of the page.
"""

from __future__ import annotations

import collections
import hashlib
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from pxocr.charset import CHARSET
from pxocr.document import Page
from pxocr.errors import InputError, UsageError
from pxocr.synth import SynthConfig, engine, preset, render_page, write_dataset
from pxocr.synth.fonts import find_ocrb
from pxocr.synth.glyphs import GlyphRenderer

pytest.importorskip("freetype")
try:
    OCRB = find_ocrb()
except InputError:  # pragma: no cover - the font is a system package
    pytest.skip("OCR-B font not installed (apt-get install fonts-ocr-b)", allow_module_level=True)

SUPER = 16  # reference renderings are 16x the page resolution
TOL = 1 / 8  # DESIGN.md 1.1: ink known to within 1/8 px
SIZES = (16.0, 29.5, 48.0)
# Pen positions (x, baseline y) on the renderer's 1/8 px grid, covering several phases.
PENS = ((20.375, 60.125), (31.625, 61.5), (45.0, 62.875), (52.25, 63.75))


def _extent(mask: np.ndarray) -> tuple[int, int, int, int]:
    """(h, w) bool -> (c0, r0, c1, r1) of its True cells, exclusive ends."""
    cols = np.flatnonzero(mask.any(0))
    rows = np.flatnonzero(mask.any(1))
    assert cols.size and rows.size, "nothing rendered"
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def _pillow_ink(font, ch: str, x: float, y: float, canvas, draw) -> np.ndarray:
    """Ink box of ``ch`` with its pen at (x, y), measured on a Pillow rendering at 16x."""
    canvas.paste(0, (0, 0) + canvas.size)
    draw.text((x * SUPER, y * SUPER), ch, fill=255, font=font, anchor="ls")
    return np.array(_extent(np.asarray(canvas) > 0), float) / SUPER


@pytest.mark.parametrize("size", SIZES)
def test_ink_boxes_match_independent_renderings(size):
    """GlyphRenderer.place's ink box vs Pillow and freetype-py at 16x: every edge within 1/8 px."""
    import freetype
    from PIL import Image, ImageDraw, ImageFont

    rend = GlyphRenderer(OCRB)
    assert float(size * SUPER).is_integer()
    font = ImageFont.truetype(OCRB, int(size * SUPER), layout_engine=ImageFont.Layout.BASIC)
    canvas = Image.new("L", (int((60 + 2 * size) * SUPER), int((64 + size) * SUPER)))
    draw = ImageDraw.Draw(canvas)
    face = freetype.Face(OCRB)  # unhinted reference, rendered at 16x with an integer pen
    face.set_char_size(int(size * SUPER * 64))

    dev_pil, dev_ft, worst = 0.0, 0.0, None
    for ch in CHARSET:
        face.load_char(ch, freetype.FT_LOAD_RENDER | freetype.FT_LOAD_NO_HINTING)
        slot = face.glyph
        bmp = slot.bitmap
        buf = np.array(bmp.buffer, np.uint8).reshape(bmp.rows, bmp.pitch)[:, : bmp.width]
        c0, r0, c1, r1 = _extent(buf > 0)
        for x, y in PENS:
            g, gx, gy, ink = rend.place(ch, size, x, y)
            ink = np.array(ink)

            pil = _pillow_ink(font, ch, x, y, canvas, draw)
            px, py = x * SUPER, y * SUPER  # integers: the pens lie on the 1/16 px grid
            ft = np.array([px + slot.bitmap_left + c0, py - slot.bitmap_top + r0,
                           px + slot.bitmap_left + c1, py - slot.bitmap_top + r1]) / SUPER
            d_pil, d_ft = np.abs(pil - ink).max(), np.abs(ft - ink).max()
            if d_pil > dev_pil:
                dev_pil, worst = d_pil, (ch, x, y, ink.tolist(), pil.tolist())
            dev_ft = max(dev_ft, d_ft)
            assert d_pil <= TOL, f"{ch!r} at {size}px pen ({x}, {y}): truth {ink}, Pillow 16x {pil}"
            assert d_ft <= TOL, f"{ch!r} at {size}px pen ({x}, {y}): truth {ink}, freetype 16x {ft}"

            # The renderer's own 1x bitmap sits where its box says: the first and last
            # inked pixels are the ones holding the box edges (a sliver under 1/8 px may
            # render as 0).
            b0, b1, b2, b3 = _extent(g.coverage > 0)
            pix = np.array([gx + b0, gy + b1, gx + b2, gy + b3], float)
            assert np.all(pix[:2] > ink[:2] - 1) and np.all(pix[:2] <= ink[:2] + TOL), (ch, size, x, y)
            assert np.all(pix[2:] < ink[2:] + 1) and np.all(pix[2:] >= ink[2:] - TOL), (ch, size, x, y)
    print(f"size {size}: max edge deviation Pillow {dev_pil:.4f} px (worst {worst}), "
          f"freetype-py {dev_ft:.4f} px")


def test_place_rounds_to_the_eighth_pixel_grid():
    rend = GlyphRenderer(OCRB)
    _, _, _, a = rend.place("H", 20.0, 10.0 + 0.375, 30.0 + 0.125)
    _, _, _, b = rend.place("H", 20.0, 10.0 + 0.375 + 0.04, 30.0 + 0.125 - 0.04)
    _, _, _, c = rend.place("H", 20.0, 13.0 + 0.375, 25.0 + 0.125)
    assert a == b
    assert np.allclose(np.array(c) - np.array(a), [3, -5, 3, -5])


def test_a_turned_glyphs_ink_box_is_its_outlines():
    """``turned_ink``: at 0 degrees the upright ink box; a quarter turn counter-clockwise on screen (y down)
    takes a point (x, y) to (y, -x), half a turn to (-x, -y), and the box with it, exactly; at other angles the
    outline's box, not its box's; the face is left untransformed (the advance the same after)."""
    rend = GlyphRenderer(OCRB)
    advance = rend.advance("L")
    up, same = rend.turned_ink("L", 40.0, 0.0)
    x0, y0, x1, y1 = up
    assert same == up and x1 - x0 > 10 and y1 - y0 > 20
    assert rend.turned_ink("L", 40.0, 90.0)[1] == pytest.approx((y0, -x1, y1, -x0), abs=1 / 64)
    assert rend.turned_ink("L", 40.0, 180.0)[1] == pytest.approx((-x1, -y1, -x0, -y0), abs=1 / 64)
    # turned 10 degrees, an L's ink lies inside the box of its box turned, and its empty corner, turned up,
    # leaves that box's top 2 px or more above the ink's
    t = np.radians(10.0)
    corners = np.array([(x0, y0), (x1, y0), (x1, y1), (x0, y1)])
    turned = np.stack([corners[:, 0] * np.cos(t) + corners[:, 1] * np.sin(t),
                       -corners[:, 0] * np.sin(t) + corners[:, 1] * np.cos(t)], 1)
    ink = rend.turned_ink("L", 40.0, 10.0)[1]
    assert np.all(np.array(ink[:2]) >= turned.min(0) - 1 / 64) and np.all(np.array(ink[2:]) <= turned.max(0) + 1 / 64)
    assert ink[1] - turned[:, 1].min() > 2.0
    assert rend.advance("L") == advance


# ---------------------------------------------------------------------------- pages

PRESET_PAGES = [(name, i) for name in ("clean", "degraded", "hard") for i in range(3)]


def _composed(cfg: SynthConfig, seed: int, index: int) -> list[tuple[str, float]]:
    """The (text, baseline) of every line the layout composed for page ``index``."""
    rng = np.random.default_rng([seed, index])
    specs = engine._layout(rng, cfg, engine.font_renderer(cfg.font))
    return [(s.text, round(s.baseline, 4)) for s in specs]


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("name, index", PRESET_PAGES)
def test_page_ground_truth_is_consistent(name, index):
    cfg = preset(name)
    image, page = render_page(cfg, 7, index)
    assert image.dtype == np.uint8 and image.shape == (cfg.height, cfg.width)
    assert (page.width, page.height) == (cfg.width, cfg.height)
    assert page.lines and len(page.chars) > 10

    # The ground truth holds exactly the text that was composed.
    composed = _composed(cfg, 7, index)
    got = [(ln.text, ln.baseline) for ln in page.lines]
    assert sorted(got) == sorted(composed)
    for ln in page.lines:
        assert ln.text.replace(" ", "") == "".join(c.char for c in ln.chars)
        assert ln.text == ln.text.strip() and set(ln.text) <= set(CHARSET + " ")
    assert page.text == "\n".join(ln.text for ln in page.lines)

    # JSON round trip: same text and chars, boxes to the 3 decimals written (boxes are on a
    # 1/64 px grid, so rounding moves them by up to 5e-4), and stable.
    js = page.to_json()
    back = Page.from_dict(json.loads(js))
    assert back.text == page.text
    assert [c.char for c in back.chars] == [c.char for c in page.chars]
    assert np.allclose([c.bbox for c in back.chars], [c.bbox for c in page.chars], atol=5.001e-4, rtol=0)
    assert np.allclose([ln.bbox for ln in back.lines], [ln.bbox for ln in page.lines], atol=5.001e-4, rtol=0)
    assert back.to_json() == js

    # Geometry: chars inside their line, line box = union, lines disjoint, all in the image.
    W, H = cfg.width, cfg.height
    for ln in page.lines:
        lb = np.array(ln.bbox)
        cb = np.array([c.bbox for c in ln.chars])
        assert np.all(cb[:, :2] >= lb[:2] - 1e-9) and np.all(cb[:, 2:] <= lb[2:] + 1e-9)
        assert np.allclose(lb, [cb[:, 0].min(), cb[:, 1].min(), cb[:, 2].max(), cb[:, 3].max()])
        assert np.all(cb[:, 2] > cb[:, 0]) and np.all(cb[:, 3] > cb[:, 1])
        centres = (cb[:, 0] + cb[:, 2]) / 2
        assert np.all(np.diff(centres) > 0), f"chars of {ln.text!r} not left to right"
    for i, a in enumerate(page.lines):
        assert 0 <= a.bbox[0] and 0 <= a.bbox[1] and a.bbox[2] <= W and a.bbox[3] <= H
        for b in page.lines[i + 1:]:
            assert not _overlap(a.bbox, b.bbox), f"lines {a.text!r} and {b.text!r} overlap"


@pytest.mark.parametrize("index", range(3))
def test_clean_ink_lies_in_char_boxes(index):
    """On clean pages every inked pixel touches a char box and every box holds dark ink."""
    image, page = render_page(preset("clean"), 11, index)
    inside = np.zeros(image.shape, bool)
    for c in page.chars:
        x0, y0, x1, y1 = c.bbox
        sl = np.s_[int(np.floor(y0)):int(np.ceil(y1)), int(np.floor(x0)):int(np.ceil(x1))]
        inside[sl] = True
        assert image[sl].min() < 128, f"no dark pixel in the box of {c.char!r} {c.bbox}"
    assert not np.any((image < 255) & ~inside), "ink outside every char box"
    paper = image[~inside]
    assert paper.min() == 255
    assert image[inside].mean() < paper.mean() - 30


def test_same_seed_same_bytes_different_index_different_page():
    for name in ("clean", "degraded", "hard"):
        cfg = preset(name)
        a_img, a_page = render_page(cfg, 3, 5)
        b_img, b_page = render_page(cfg, 3, 5)
        assert a_img.tobytes() == b_img.tobytes() and a_page.to_json() == b_page.to_json()
        c_img, c_page = render_page(cfg, 3, 6)
        d_img, d_page = render_page(cfg, 4, 5)
        assert c_img.tobytes() != a_img.tobytes() and c_page.text != a_page.text
        assert d_img.tobytes() != a_img.tobytes() and d_page.text != a_page.text


def test_same_seed_same_bytes_in_a_fresh_process():
    """No hidden state (caches, hash order) leaks into the pages."""
    code = ("import hashlib\nfrom pxocr.synth import preset, render_page\n"
            "for n in ('clean', 'hard'):\n"
            "    i, p = render_page(preset(n), 3, 5)\n"
            "    print(hashlib.sha256(i.tobytes() + p.to_json().encode()).hexdigest())")
    env = dict(os.environ, PYTHONHASHSEED="12345")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    here = []
    for n in ("clean", "hard"):
        img, page = render_page(preset(n), 3, 5)
        here.append(hashlib.sha256(img.tobytes() + page.to_json().encode()).hexdigest())
    assert out.stdout.split() == here


def test_write_dataset_is_byte_identical(tmp_path):
    cfg = preset("degraded")
    a = write_dataset(str(tmp_path / "a"), cfg, seed=9, count=3, progress=False)
    write_dataset(str(tmp_path / "b"), cfg, seed=9, count=3, progress=False)
    assert [os.path.basename(p) for p in a] == ["000000.png", "000001.png", "000002.png"]
    names = sorted(os.listdir(tmp_path / "a"))
    assert names == sorted(os.listdir(tmp_path / "b"))
    assert names == sorted([f"{i:06d}.{e}" for i in range(3) for e in ("png", "json")])
    for n in names:
        assert (tmp_path / "a" / n).read_bytes() == (tmp_path / "b" / n).read_bytes(), n
    # What is written is what render_page gives.
    from PIL import Image

    img, page = render_page(cfg, 9, 1, "000001.png")
    assert np.array_equal(np.asarray(Image.open(tmp_path / "a" / "000001.png")), img)
    assert json.loads((tmp_path / "a" / "000001.json").read_text()) == json.loads(page.to_json())


def test_charset_coverage():
    cfg = preset("clean")
    counts = collections.Counter()
    for i in range(200):
        counts.update(c.char for c in render_page(cfg, 0, i)[1].chars)
    rare = min(CHARSET, key=lambda c: counts[c])
    print(f"least frequent char over 200 clean pages: {rare!r} x{counts[rare]}")
    assert set(counts) <= set(CHARSET)
    assert counts[rare] >= 30, f"{rare!r} appears only {counts[rare]} times in 200 pages"


# ---------------------------------------------------------------------------- errors


def test_unknown_preset():
    with pytest.raises(UsageError, match=r"unknown preset 'nope': choose from clean, degraded, hard"):
        preset("nope")


@pytest.mark.parametrize("kw", [dict(width=0), dict(height=0), dict(width=-5), dict(size_min=0.0),
                                dict(size_min=50.0, size_max=20.0), dict(size_step=0.0), dict(p_symbols=1.0),
                                dict(p_symbols=-0.1)])
def test_bad_config(kw):
    with pytest.raises(UsageError) as e:
        SynthConfig(**kw)
    assert "\n" not in str(e.value)
    with pytest.raises(UsageError):
        preset("clean", **kw)


def test_unreadable_font(tmp_path):
    bad = tmp_path / "notafont.otf"
    bad.write_text("this is not a font\n")
    with pytest.raises(InputError, match="not a readable font") as e:
        render_page(SynthConfig(font=str(bad)), 0, 0)
    assert str(bad) in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(InputError, match="not found"):
        render_page(SynthConfig(font=str(tmp_path / "missing.otf")), 0, 0)


def test_dense_pages_fill_the_page_without_overlaps():
    from pxocr.synth import preset, render_page

    cfg = preset("clean", width=256, height=256, p_dense=1.0)
    for i in range(3):
        _, page = render_page(cfg, 4, i)
        assert len(page.lines) >= 4
        boxes = [ln.bbox for ln in page.lines]
        for a, b in zip(boxes, boxes[1:]):
            assert a[3] <= b[1]  # one paragraph: each line below the previous one
        assert page.lines[-1].bbox[3] <= 256 and page.lines[0].bbox[1] >= 0


def test_more_symbol_runs_raise_the_rare_classes_and_leave_default_pages_alone():
    """``p_symbols`` (a training knob) draws punctuation more often; pages at the default
    value are the pages drawn before the knob existed (their text is pinned here)."""
    from pxocr.synth.text import P_SYMBOLS, PUNCT, line_text

    def share(p_symbols: float) -> float:
        rng = np.random.default_rng(5)
        text = "".join(line_text(rng, 40, p_symbols).replace(" ", "") for _ in range(3000))
        return sum(c in PUNCT for c in text) / len(text)

    base, more = share(P_SYMBOLS), share(0.3)
    print(f"punctuation share: {base:.3f} at p_symbols={P_SYMBOLS}, {more:.3f} at 0.3")
    assert 0.08 < base < 0.16 and more > 1.4 * base
    # as drawn before the knob existed (commit f3b49b2)
    assert line_text(np.random.default_rng(11), 40) == "ps as info 1961-11-11"
    assert render_page(preset("clean"), 3, 5)[1].text == (
        "L\nL\no\nn\n`\nP\nM\nT\ns\nT\nG\nV\nfire\ncost\ne\nb\n5\nENCLOSED\nJ\nm\nA\nMar 23, 2\nC\nS\n(\nFor\n"
        "fd 4X +4213")


def test_fonts_with_bitmap_strikes_render_their_outlines():
    """A font with embedded bitmap strikes (CMU Typewriter Text's cmuntt.ttf holds 12-20 px) is
    rendered from its outline at a strike's size too: the ink box is the rendered ink's, not an
    empty box at the pen (as the strike's bitmap, which has no outline, once gave)."""
    path = "/usr/share/fonts/truetype/cmu/cmuntt.ttf"
    if not os.path.exists(path):
        pytest.skip("fonts-cmu is not installed")
    rend = GlyphRenderer(path)
    assert rend.face.has_fixed_sizes
    for size in (15.0, 16.0, 20.0):
        for ch in "Th":
            g, gx, gy, ink = rend.place(ch, size, 10.0, 30.0)
            b0, b1, b2, b3 = _extent(g.coverage > 0)
            pix = np.array([gx + b0, gy + b1, gx + b2, gy + b3], float)
            assert ink[2] - ink[0] > 0.3 * size and ink[3] - ink[1] > 0.5 * size, (ch, size, ink)
            assert np.abs(pix - np.array(ink)).max() < 1.0, (ch, size, ink, pix)
