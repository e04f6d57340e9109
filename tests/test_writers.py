"""Writers: JSON and hOCR round trips, overlay pixels, atomic writes."""

from __future__ import annotations

import io
import json
import math
import os
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image

from pxocr.document import Char, Line, Page
from pxocr.writers.atomic import save_png_atomic, write_atomic
from pxocr.writers.hocr import from_hocr, to_hocr
from pxocr.writers.jsonout import to_json
from pxocr.writers.overlay import BOTH, BOTH_LINE, GT, GT_LINE, PRED, draw_boxes

XHTML = "{http://www.w3.org/1999/xhtml}"


def _line(text: str, x: float, y: float, score=None, char_score=None) -> Line:
    """A line of 10-px-pitch glyphs at sub-pixel positions, spaces skipped."""
    chars = []
    for i, ch in enumerate(text):
        if ch != " ":
            x0 = x + 10 * i + 0.125 * (i % 3)
            chars.append(Char(ch, (x0, y + 0.375, x0 + 7.625, y + 12.5), char_score))
    box = (min(c.bbox[0] for c in chars), y, max(c.bbox[2] for c in chars), y + 14.25)
    return Line(text, box, chars, score)


@pytest.fixture
def pages() -> list[Page]:
    p1 = Page(640, 480, [
        _line("INVOICE 2024-07", 10.5, 20.25, 0.97, 0.9912),
        _line("A&B  <c> \"q\" 'é' 中", 12.0, 40.0, 0.5, 0.25),
        _line("x", 0.0, 0.0),
    ], image='scan "1" & co.png')
    p2 = Page(100, 50, [], image="blank.png")
    return [p1, p2]


def _dicts(pages: list[Page]) -> list[dict]:
    return [p.to_dict() for p in pages]


# ---------------------------------------------------------------------------- JSON


def test_json_single_page_round_trip(pages):
    d = json.loads(to_json([pages[0]], "in.png"))
    assert d["image"] == "in.png" and set(d) >= {"width", "height", "lines"} and "pages" not in d
    back = Page.from_dict(d)
    assert back.to_dict() == {**pages[0].to_dict(), "image": "in.png"}
    assert back.text == pages[0].text


def test_json_multi_page_round_trip(pages):
    d = json.loads(to_json(pages, "doc.tif", indent=2))
    assert d["image"] == "doc.tif" and "lines" not in d
    assert [Page.from_dict(p).to_dict() for p in d["pages"]] == _dicts(pages)


def test_json_keeps_unicode(pages):
    assert "中" in to_json(pages[:1], "x")


# ---------------------------------------------------------------------------- hOCR


def _title(el: ET.Element) -> dict[str, str]:
    return {k: v.strip() for k, _, v in (p.strip().partition(" ") for p in el.get("title").split(";"))}


def _with_class(root: ET.Element, cls: str) -> list[ET.Element]:
    return [el for el in root.iter() if el.get("class") == cls]


def test_hocr_is_tesseract_shaped_xhtml(pages):
    root = ET.fromstring(to_hocr(pages))
    assert root.tag == XHTML + "html"
    page_els = _with_class(root, "ocr_page")
    assert [el.get("id") for el in page_els] == ["page_1", "page_2"]
    assert page_els[1].get("title") == 'image "blank.png"; bbox 0 0 100 50; ppageno 1'
    lines = _with_class(root, "ocr_line")
    assert len(lines) == 3 and _title(lines[0])["bbox"] == "10 20 159 35"  # last x1 = 150.75 + 7.625
    words = _with_class(root, "ocrx_word")
    expected = ["INVOICE", "2024-07", "A&B", "<c>", '"q"', "'é'", "中", "x"]
    assert ["".join(w.itertext()) for w in words] == expected
    assert _title(words[0])["x_wconf"] == "99"
    cinfos = _with_class(root, "ocrx_cinfo")
    assert len(cinfos) == sum(len(p.chars) for p in pages)


def test_hocr_char_boxes_integer_and_float(pages):
    root = ET.fromstring(to_hocr(pages))
    cinfos = _with_class(root, "ocrx_cinfo")
    chars = [c for p in pages for c in p.chars]
    for el, c in zip(cinfos, chars):
        t = _title(el)
        x0, y0, x1, y1 = c.bbox
        ints = (math.floor(x0), math.floor(y0), math.ceil(x1), math.ceil(y1))
        assert t["x_bboxes"].split() == [str(v) for v in ints]
        assert tuple(float(v) for v in t["x_fbboxes"].split()) == c.bbox
        assert "".join(el.itertext()) == c.char
        if c.score is not None:
            assert float(t["x_conf"]) == pytest.approx(100 * c.score)
    # a hand-checked one: (10.5, 20.625, 18.125, 32.75) -> floor / ceil -> 10 20 19 33
    assert _title(cinfos[0])["x_bboxes"] == "10 20 19 33"
    assert _title(cinfos[0])["x_fbboxes"] == "10.5 20.625 18.125 32.75"


def test_hocr_round_trip(pages):
    back = from_hocr(to_hocr(pages))
    assert _dicts(back) == _dicts(pages)
    assert [p.text for p in back] == [p.text for p in pages]  # double spaces, quotes, & and < kept


def test_hocr_integer_edges_stay(pages):
    page = Page(20, 20, [Line("a", (2, 3, 5, 7), [Char("a", (2.0, 3.0, 5.0, 7.0))])])
    root = ET.fromstring(to_hocr(page))
    assert _title(_with_class(root, "ocrx_cinfo")[0])["x_bboxes"] == "2 3 5 7"


def test_hocr_illegal_xml_characters_replaced():
    page = Page(20, 20, [Line("a\x01", (0, 0, 9, 9), [Char("a", (0, 0, 4, 9)), Char("\x01", (5, 0, 9, 9))])])
    back = from_hocr(to_hocr(page))
    assert back[0].lines[0].text == "a\ufffd"


def test_hocr_reads_tesseract_layout():
    """Tesseract's own layout: indented words, no float boxes, ppageno 0."""
    text = """<?xml version="1.0" encoding="UTF-8"?>
<html xmlns="http://www.w3.org/1999/xhtml"><body>
  <div class='ocr_page' id='page_1' title='image "C:\\scans\\a.png"; bbox 0 0 300 100; ppageno 0'>
   <div class='ocr_carea' id='block_1_1' title="bbox 10 10 80 30">
    <p class='ocr_par' id='par_1_1' lang='eng' title="bbox 10 10 80 30">
     <span class='ocr_line' id='line_1_1' title="bbox 10 10 80 30; baseline 0 -5; x_size 20">
      <span class='ocrx_word' id='word_1_1' title='bbox 10 10 40 30; x_wconf 96'>
       <span class='ocrx_cinfo' title='x_bboxes 10 10 24 30; x_conf 99.1'>H</span>
       <span class='ocrx_cinfo' title='x_bboxes 26 10 40 30; x_conf 98.5'>i</span>
      </span>
      <span class='ocrx_word' id='word_1_2' title='bbox 50 10 80 30; x_wconf 90'>
       <span class='ocrx_cinfo' title='x_bboxes 50 10 80 30; x_conf 90'>fi</span>
      </span>
     </span>
    </p>
   </div>
  </div>
</body></html>"""
    [page] = from_hocr(text)
    assert (page.width, page.height, page.image) == (300, 100, "C:\\scans\\a.png")
    [line] = page.lines
    assert line.text == "Hi fi" and line.bbox == (10, 10, 80, 30) and line.score is None
    boxes = [(10, 10, 24, 30), (26, 10, 40, 30), (50, 10, 65, 30), (65, 10, 80, 30)]  # "fi" split in two
    assert [c.bbox for c in line.chars] == boxes
    assert line.chars[0].score == pytest.approx(0.991)


@pytest.mark.parametrize("bad", ["<html><body>", "not xml at all"])
def test_hocr_malformed(bad):
    with pytest.raises(ValueError):
        from_hocr(bad)


# ---------------------------------------------------------------------------- overlay


def _ink_page() -> tuple[np.ndarray, Page]:
    gray = np.full((10, 12), 255, np.uint8)
    gray[3:7, 2:5] = 0  # ink fills columns 2..4, rows 3..6: box (2, 3, 5, 7)
    gt = Page(12, 10, [Line("a", (1.5, 2.5, 5.5, 7.5), [Char("a", (2.0, 3.0, 5.0, 7.0))])])
    return gray, gt


def test_overlay_size_and_exact_edges():
    gray, gt = _ink_page()
    pred = Page(12, 10, [Line("a", (1.5, 2.5, 5.5, 7.5), [Char("a", (2.25, 3.0, 5.0, 7.0))])])
    im = draw_boxes(gray, gt, pred, zoom=4)
    assert im.mode == "RGB" and im.size == (48, 40)
    a = np.asarray(im)
    # gt left edge x0 = 2 -> zoomed column 8, outline on column 7; pred x0 = 2.25 -> column 9, outline on 8
    assert tuple(a[20, 7]) == GT
    assert tuple(a[20, 8]) == PRED
    # right edges agree (x1 = 5 -> column 20): both outlines on the same pixels
    assert tuple(a[20, 20]) == BOTH
    # the ink itself is not covered: zoomed rows 12..27, columns 9..19 stay black
    assert (a[12:28, 9:20] == 0).all()
    # the lighter line boxes (the same in both): x0 = 1.5 -> column 6, outline on column 5
    assert tuple(a[20, 5]) == BOTH_LINE
    assert tuple(np.asarray(draw_boxes(gray, gt, zoom=4))[20, 5]) == GT_LINE


def test_overlay_labels_above_and_below():
    gray, gt = _ink_page()
    a = np.asarray(draw_boxes(gray, gt, gt, zoom=8))
    green = np.argwhere((a == GT).all(axis=-1))
    red = np.argwhere((a == PRED).all(axis=-1))
    # edges agree everywhere, so pure green is only the gt label (above) and pure red the pred label (below)
    assert len(green) and green[:, 0].max() < 3 * 8
    assert len(red) and red[:, 0].min() > 7 * 8


def test_overlay_without_pages_is_the_zoomed_image():
    gray, _ = _ink_page()
    a = np.asarray(draw_boxes(gray, zoom=3))
    assert (a[..., 0] == np.kron(gray, np.ones((3, 3), np.uint8))).all()


@pytest.mark.parametrize("gray, zoom", [(np.zeros((4, 4, 3), np.uint8), 1), (np.zeros((4, 4), np.uint8), 0),
                                        (np.zeros((4, 4), np.uint8), 1.5)])
def test_overlay_bad_arguments(gray, zoom):
    with pytest.raises(ValueError):
        draw_boxes(gray, zoom=zoom)


# ---------------------------------------------------------------------------- atomic writes


def test_write_atomic_creates_parents_and_leaves_no_temp(tmp_path):
    path = tmp_path / "a" / "b" / "out.json"
    write_atomic(path, "héllo")
    assert path.read_bytes() == "héllo".encode()
    write_atomic(path, b"second")
    assert path.read_bytes() == b"second"
    assert os.listdir(path.parent) == ["out.json"]
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


class _DiskFull:
    """A file object that writes half of what it is given, then fails."""

    def __init__(self, f):
        self.f = f

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.f.close()

    def write(self, data):
        self.f.write(data[: len(data) // 2])
        self.f.flush()
        raise OSError(28, "No space left on device")


@pytest.mark.parametrize("fail", ["write", "fsync", "replace"])
def test_write_atomic_failure_keeps_old_file(tmp_path, monkeypatch, fail):
    path = tmp_path / "out.txt"
    path.write_text("old")
    real_fdopen = os.fdopen

    def boom(*args, **kwargs):
        raise OSError(5, "I/O error")

    if fail == "write":
        monkeypatch.setattr(os, "fdopen", lambda fd, mode: _DiskFull(real_fdopen(fd, mode)))
    else:
        monkeypatch.setattr(os, fail, boom)
    with pytest.raises(OSError):
        write_atomic(path, "new content " * 1000)
    monkeypatch.undo()
    assert path.read_text() == "old"
    assert os.listdir(tmp_path) == ["out.txt"]


def test_save_png_atomic(tmp_path):
    im = Image.fromarray(np.arange(12, dtype=np.uint8).reshape(3, 4))
    path = tmp_path / "sub" / "o.png"
    save_png_atomic(path, im)
    assert (np.asarray(Image.open(io.BytesIO(path.read_bytes()))) == np.asarray(im)).all()
    assert os.listdir(path.parent) == ["o.png"]
