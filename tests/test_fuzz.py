"""Nothing crashes: 200+ generated inputs (noise, random shapes and strokes, text, rendered PDF
pages, sizes from 1x1 to 20000x50, every Pillow mode) go through ``pxocr read`` as files; each
gives a result whose boxes lie in the image, or one InputError line. Property tests (hypothesis)
for the box and document contracts."""

from __future__ import annotations

import math

import numpy as np
import pymupdf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

import pxocr
from pxocr.boxes import union_of
from pxocr.cli import main
from pxocr.document import Char, Line, Page, reading_order
from pxocr.errors import ExitCode, InputError
from pxocr.synth.capture import turned
from pxocr.writers.pagexml import _span

SEED = 7_500_001
MODES = ("1", "L", "P", "RGB", "RGBA", "CMYK", "I", "I;16", "F", "LA", "PA", "YCbCr", "LAB", "HSV")
SIZES = [(1, 1), (1, 7), (3, 2), (16, 16), (17, 33), (200, 9), (9, 300), (640, 480), (20000, 50), (50, 4000)]


def _image(rng: np.random.Generator, kind: str, w: int, h: int) -> Image.Image:
    if kind == "noise":
        return Image.fromarray(rng.integers(0, 256, (h, w), dtype=np.uint8))
    im = Image.new("L", (w, h), int(rng.integers(150, 256)))
    draw = ImageDraw.Draw(im)
    for _ in range(int(rng.integers(1, 12))):
        x0, y0 = rng.uniform(-10, w), rng.uniform(-10, h)
        x1, y1 = x0 + rng.uniform(0, w), y0 + rng.uniform(0, h)
        shade = int(rng.integers(0, 120))
        if kind == "strokes":
            draw.line((x0, y0, x1, y1), fill=shade, width=int(rng.integers(1, 6)))
        elif kind == "shapes":
            draw.rectangle((min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)), outline=shade)
        else:  # text in Pillow's default font
            draw.text((x0, y0), "".join(chr(int(c)) for c in rng.integers(33, 127, 12)), fill=shade)
    return im


def _inputs(tmp_path):
    rng = np.random.default_rng(SEED)
    paths = []
    k = 0
    for w, h in SIZES:
        for kind in ("noise", "strokes", "shapes", "text"):
            for mode in (MODES[k % len(MODES)], MODES[(k + 5) % len(MODES)]):
                im = _image(rng, kind, w, h)
                try:
                    im = im.convert(mode)
                except ValueError:
                    im = im.convert("L")
                fmt = "TIFF" if im.mode in ("I;16", "F", "CMYK", "YCbCr", "LAB", "HSV", "I") else "PNG"
                if im.mode in ("LAB", "HSV", "YCbCr") or (im.mode == "CMYK" and fmt == "PNG"):
                    fmt = "TIFF"
                path = tmp_path / f"in{k:03d}.{'tif' if fmt == 'TIFF' else 'png'}"
                try:
                    im.save(path, format=fmt)
                except (OSError, ValueError, KeyError):  # a mode this format cannot hold: as grey
                    im.convert("L").save(path, format=fmt)
                paths.append(path)
                k += 1
    for j in range(8):  # JPEG and truncated files
        path = tmp_path / f"jpg{j}.jpg"
        _image(rng, "text", int(rng.integers(20, 700)), int(rng.integers(20, 700))).convert("RGB").save(path)
        if j % 2:
            path.write_bytes(path.read_bytes()[: int(path.stat().st_size * 0.6)])
        paths.append(path)
    doc = pymupdf.open()  # a PDF of text pages of several sizes
    for j in range(6):
        page = doc.new_page(width=float(rng.integers(100, 700)), height=float(rng.integers(60, 900)))
        page.insert_text((20, 40), "Invoice 2024-0715: total $138.59", fontsize=float(rng.integers(6, 30)))
    doc.save(tmp_path / "doc.pdf")
    paths.append(tmp_path / "doc.pdf")
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "garbage.png").write_bytes(rng.integers(0, 256, 500, dtype=np.uint8).tobytes())
    paths += [tmp_path / "empty.png", tmp_path / "garbage.png"]
    return paths


def test_no_input_crashes_the_reader(tmp_path):
    paths = _inputs(tmp_path)
    assert len(paths) >= 90  # each a file; with the PDF's pages, the modes and sizes: 200+ readings
    readings = errors = 0
    for path in paths:
        try:
            res = pxocr.read(path, threads=1)
        except InputError as e:
            assert "\n" not in str(e) and str(path) in str(e)
            errors += 1
            continue
        for page in res.pages:
            readings += 1
            for c in page.chars:
                x0, y0, x1, y1 = c.bbox
                assert -1e-6 <= x0 <= x1 <= page.width + 1e-6 and -1e-6 <= y0 <= y1 <= page.height + 1e-6
        readings += 1
    assert readings >= 100 and errors >= 3  # the empty, garbage and truncated files


def test_the_cli_reads_every_fuzz_input_with_one_line_per_bad_file(tmp_path, capsys):
    paths = _inputs(tmp_path)[-12:]
    code = main(["read", *map(str, paths), "--threads", "1", "--format", "json", "--out", str(tmp_path / "out")])
    assert code == ExitCode.PARTIAL
    err = capsys.readouterr().err.strip().splitlines()
    assert all(line.startswith("pxocr: error: ") for line in err if "error" in line)
    assert "Traceback" not in "\n".join(err)


# --- properties ------------------------------------------------------------------------------

coord = st.floats(min_value=0, max_value=2000, allow_nan=False, allow_infinity=False)


@st.composite
def boxes(draw):
    x0, y0 = draw(coord), draw(coord)
    return (x0, y0, x0 + draw(st.floats(0, 300)), y0 + draw(st.floats(0, 300)))


@given(st.lists(boxes(), min_size=1, max_size=30))
def test_union_holds_every_box(bs):
    u = union_of(bs)
    assert all(u[0] <= b[0] and u[1] <= b[1] and b[2] <= u[2] and b[3] <= u[3] for b in bs)


@given(st.lists(boxes(), min_size=0, max_size=30), st.randoms(use_true_random=False))
def test_reading_order_is_a_permutation_whatever_order_the_boxes_come_in(bs, rnd):
    order = reading_order(bs)
    assert sorted(order) == list(range(len(bs)))
    shuffled = rnd.sample(bs, len(bs))
    assert [shuffled[i] for i in reading_order(shuffled)] == [bs[i] for i in order]


@given(st.lists(st.tuples(st.sampled_from("abcXYZ019.,-"), boxes()), min_size=1, max_size=12),
       st.integers(0, 3))
@settings(max_examples=60, deadline=None)  # turns a 2400x2400 image: slow on a busy machine
def test_page_json_round_trip_and_quarter_turns(chars, k):
    cs = [Char(c, b, 0.5) for c, b in chars]
    line = Line("".join(c for c, _ in chars), union_of(b for _, b in chars), cs, 0.9, baseline=10.0, font_size=12.0)
    page = Page(2400, 2400, [line], "p.png", dpi=300.0, page_size_pt=(576.0, 576.0))
    back = Page.from_dict(page.to_dict())
    assert back.to_dict() == page.to_dict()
    img = np.zeros((2400, 2400), np.uint8)
    t_img, t_page = turned(img, page, k)
    _, again = turned(t_img, t_page, (4 - k) % 4)
    assert np.allclose([c.bbox for c in again.chars], [c.bbox for c in page.chars], atol=1e-6)


@given(boxes())
def test_page_xml_pixels_hold_the_box(b):
    x0, x1 = _span(b[0], b[2])
    y0, y1 = _span(b[1], b[3])
    assert x0 <= b[0] + 1e-9 and y0 <= b[1] + 1e-9  # the first pixel touched holds the box's start
    assert x1 + 1 >= b[2] - 1e-9 and y1 + 1 >= b[3] - 1e-9  # the last one its end
    assert x1 - x0 <= math.ceil(b[2] - b[0]) + 1


@pytest.mark.parametrize("bad", [(5.0, 0.0, 4.0, 1.0), (0.0, 3.0, 1.0, 2.0)])
def test_boxes_that_run_backwards_are_refused(bad):
    with pytest.raises(ValueError):
        Char("a", bad)
