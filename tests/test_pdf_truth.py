"""Ground truth of real PDF pages (pxocr.synth.pdf): every character's box against the rendered ink."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest

pymupdf = pytest.importorskip("pymupdf")

from pxocr.synth.fonts import font_set  # noqa: E402
from pxocr.synth.pdf import open_pdf, page_truth  # noqa: E402

INK = 250  # grey levels below this are ink


def _edge_deviation(path: str, index: int, dpi: float) -> np.ndarray:
    """|edge of the ground-truth box - edge of the rendered ink| (K, 4) in px at ``dpi``, for every
    character whose box (grown by 1 px) meets no other's, measured on a rendering at 8x ``dpi``
    (the ink's extent there, in whole pixels of 1/8 px; no ink outside the grown box)."""
    image, page = page_truth(open_pdf(path), index, 8 * dpi)
    boxes = np.array([c.bbox for c in page.chars])
    grown = boxes + [-8, -8, 8, 8]
    out = []
    for k, c in enumerate(page.chars):
        g = grown[k]
        others = np.delete(grown, k, 0)
        if ((others[:, 0] < g[2]) & (g[0] < others[:, 2]) & (others[:, 1] < g[3]) & (g[1] < others[:, 3])).any():
            continue
        i0, j0 = int(np.floor(g[1])), int(np.floor(g[0]))
        if i0 < 0 or j0 < 0:
            continue
        ink = image[i0:int(np.ceil(g[3])), j0:int(np.ceil(g[2]))] < INK
        rows, cols = np.flatnonzero(ink.any(1)), np.flatnonzero(ink.any(0))
        assert len(rows), (c.char, c.bbox)
        pix = np.array([j0 + cols[0], i0 + rows[0], j0 + cols[-1] + 1, i0 + rows[-1] + 1])
        out.append(np.abs(pix - np.array(c.bbox)) / 8)
    return np.array(out)


def _made_pdf(tmp_path, text_lines, rotation: int = 0) -> str:
    """A one-page PDF with the lines set in TrueType fonts (embedded) at several sizes."""
    faces = [f for f in font_set("train") if f.path.endswith(".ttf")][:6]
    doc = pymupdf.open()
    page = doc.new_page(width=400, height=300)
    y = 30.0
    for k, t in enumerate(text_lines):
        face = faces[k % len(faces)]
        page.insert_text((20 + 7 * k, y), t, fontsize=9 + 3 * (k % 4), fontname=f"F{k}", fontfile=face.path)
        y += 24 + 3 * (k % 4)
    page.set_rotation(rotation)
    path = str(tmp_path / f"made{rotation}.pdf")
    doc.save(path)
    return path


def test_boxes_of_a_made_pdf_hold_the_rendered_ink(tmp_path):
    lines = ["Hello World, typed at 9 pt.", "Kerning: AVATAR Tyrol; (x+y)=z!", "italic? no: {brackets} [1] <a>",
             "Quotes 'single' and \"double\" & #hash", "Digits 0123456789 $%@^_~|\\/", "the last line, mixed Case"]
    path = _made_pdf(tmp_path, lines)
    for dpi in (96, 150):
        image, page = page_truth(open_pdf(path), 0, dpi)
        assert [ln.text for ln in page.lines] == lines
        assert page.lines[0].font_size == pytest.approx(9 * dpi / 72)
        assert image.shape == (math.ceil(300 * dpi / 72), math.ceil(400 * dpi / 72))  # the page, rounded out
    dev = _edge_deviation(path, 0, 150)
    assert len(dev) > 60
    print(f"{len(dev)} isolated characters: mean edge deviation {dev.mean():.3f} px, max {dev.max():.3f} px")
    assert dev.mean() < 0.1 and dev.max() <= 0.5, (dev.mean(), dev.max())


TEXGYRE = "/usr/share/doc/fonts-texgyre/qtm-info.pdf"  # pdfTeX, embedded CFF fonts, ligatures


@pytest.mark.skipif(not os.path.isfile(TEXGYRE), reason="fonts-texgyre's documentation is not installed")
def test_boxes_of_a_tex_pdf_hold_the_rendered_ink():
    image, page = page_truth(open_pdf(TEXGYRE), 1, 100)
    assert len(page.chars) > 2000
    assert "Welcome to the TEX Gyre Project" in page.text
    assert "modified" in page.text  # the "fi" ligature read as two letters
    dev = _edge_deviation(TEXGYRE, 1, 100)
    assert len(dev) > 20
    print(f"{len(dev)} isolated characters: mean edge deviation {dev.mean():.3f} px, max {dev.max():.3f} px")
    assert dev.mean() < 0.1 and dev.max() <= 0.5, (dev.mean(), dev.max())


TYPE1 = "/usr/share/fonts/X11/Type1/NimbusRoman-Bold.pfb"  # fonts-urw-base35


@pytest.mark.skipif(not os.path.isfile(TYPE1), reason="fonts-urw-base35's Type 1 fonts are not installed")
def test_boxes_of_type1_glyphs_hold_the_rendered_ink(tmp_path):
    """Type 1 fonts (pdfTeX's Computer Modern, embedded as PFA) are read through FreeType: their
    lines are in the truth, each box on its glyph's ink."""
    doc = pymupdf.open()
    page = doc.new_page(width=400, height=120)
    page.insert_text((20, 50), "T y p e   1 :  a b c ,  g j Q", fontsize=20, fontname="F0", fontfile=TYPE1)
    page.insert_text((20, 90), "Computer Modern, as pdfTeX sets it.", fontsize=14, fontname="F0", fontfile=TYPE1)
    path = str(tmp_path / "type1.pdf")
    doc.save(path)
    assert open_pdf(path)[0].get_fonts()[0][1] == "pfa"
    _, truth = page_truth(open_pdf(path), 0, 100)
    assert [ln.text for ln in truth.lines] == ["T y p e 1 : a b c , g j Q", "Computer Modern, as pdfTeX sets it."]
    dev = _edge_deviation(path, 0, 100)
    assert len(dev) >= 10 and dev.mean() < 0.1 and dev.max() <= 0.5, (len(dev), dev.mean(), dev.max())


DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"  # fonts-dejavu-core


@pytest.mark.skipif(not os.path.isfile(DEJAVU), reason="fonts-dejavu-core is not installed")
def test_lines_left_out_leave_no_ink_even_accents_stacked_high(tmp_path):
    """A line with a character outside printable ASCII is left out of the truth and painted
    over, its glyphs' whole ink too (an accent over a capital reaches above 0.8 em)."""
    doc = pymupdf.open()
    page = doc.new_page(width=300, height=160)
    lines = ["Kept line one.", "\u01fa\u01fa\u01fa \u00c5ngstr\u00f6m \u1ea4\u1ebe", "Kept line three."]
    for k, text in enumerate(lines):
        page.insert_text((20, 40 + 45 * k), text, fontsize=20, fontname="F0", fontfile=DEJAVU)
    path = str(tmp_path / "accents.pdf")
    doc.save(path)
    image, truth = page_truth(open_pdf(path), 0, 150)
    assert [ln.text for ln in truth.lines] == ["Kept line one.", "Kept line three."]
    _assert_no_unlabelled_ink(image, truth)


@pytest.mark.skipif(not (os.path.isfile(DEJAVU) and os.path.isfile(TYPE1)), reason="fonts-dejavu-core or "
                    "fonts-urw-base35 is not installed")
def test_a_line_in_a_font_that_draws_figures_is_left_out_and_painted_over(tmp_path, monkeypatch):
    """Glyphs of a font that draws (XY-pic's dashes map to letters: a dashed arrow was in the truth as
    'q q q q') make their line unknown: left out, and its ink painted over with the glyphs' outlines."""
    import pxocr.synth.pdf as pdf

    doc = pymupdf.open()
    page = doc.new_page(width=300, height=160)
    page.insert_text((20, 40), "Kept line one.", fontsize=20, fontname="F0", fontfile=DEJAVU)
    page.insert_text((20, 85), "q q q q M M M ;;;;", fontsize=20, fontname="F1", fontfile=TYPE1)
    page.insert_text((20, 130), "Kept line three.", fontsize=20, fontname="F0", fontfile=DEJAVU)
    path = str(tmp_path / "drawing.pdf")
    doc.save(path)
    _, truth = page_truth(open_pdf(path), 0, 150)
    assert len(truth.lines) == 3  # a text font: every line kept
    monkeypatch.setattr(pdf, "DRAWING_FONTS", ("NIMBUSROMAN",))  # the Type 1 face draws, for this test
    image, truth = page_truth(open_pdf(path), 0, 150)
    assert [ln.text for ln in truth.lines] == ["Kept line one.", "Kept line three."]
    _assert_no_unlabelled_ink(image, truth)
    assert pdf.is_drawing_font("ABCDEF+NimbusRoman-Bold") and not pdf.is_drawing_font("DejaVuSans")


GRAPHS = "/usr/share/doc/glpk-doc/graphs.pdf"  # glpk-doc (held out): XY-pic figures


@pytest.mark.skipif(not os.path.isfile(GRAPHS), reason="glpk-doc is not installed")
@pytest.mark.parametrize("index", [13, 45])
def test_xy_pic_figures_leave_no_ink_and_no_truth(index):
    """Page 46 sets edge labels on one line with dashes whose codes are controls (read as spaces): the
    line is still left out, and every piece of the figure painted over by its outline's box."""
    from pxocr.synth.pdf import _trace_glyphs, is_drawing_font

    doc = open_pdf(GRAPHS)
    drawn = [g.box for g in _trace_glyphs(doc, doc[index]).values() if g.drawing]
    assert len(drawn) > 40
    image, truth = page_truth(doc, index, 100)
    ink = _unlabelled_ink(image, truth)
    s = 100 / 72
    for x0, y0, x1, y1 in drawn:
        assert not ink[int(y0 * s):int(np.ceil(y1 * s)), int(x0 * s):int(np.ceil(x1 * s))].any(), (x0, y0)
    boxes = np.array([c.bbox for c in truth.chars])
    for block in doc[index].get_text("rawdict")["blocks"]:  # no character of a line holding a figure's piece
        for ln in block.get("lines", []):
            if any(is_drawing_font(sp["font"]) for sp in ln["spans"]):  # its text (an edge's label) left out too
                for sp in (sp for sp in ln["spans"] if not is_drawing_font(sp["font"])):
                    for c in (c for c in sp["chars"] if not c["c"].isspace()):
                        x, y = (c["bbox"][0] + c["bbox"][2]) / 2 * s, (c["bbox"][1] + c["bbox"][3]) / 2 * s
                        assert not ((boxes[:, 0] <= x) & (x <= boxes[:, 2]) & (boxes[:, 1] <= y)
                                    & (y <= boxes[:, 3])).any(), c["c"]


@pytest.mark.skipif(not os.path.isfile(GRAPHS), reason="glpk-doc is not installed")
def test_xy_pic_figures_are_not_text():
    from pxocr.synth.pdf import is_drawing_font

    xy = [s for s in open_pdf(GRAPHS)[13].get_texttrace() if is_drawing_font(s["font"])]
    assert sum(len(s["chars"]) for s in xy) > 100
    image, truth = page_truth(open_pdf(GRAPHS), 13, 100)
    assert len(truth.chars) > 200
    for span in xy:  # no character of the truth on a figure's glyph, whose ink is painted over
        for _, _, origin, _ in span["chars"]:
            x, y = origin[0] * 100 / 72, origin[1] * 100 / 72
            assert not any(c.bbox[0] <= x <= c.bbox[2] and c.bbox[1] <= y - 1 <= c.bbox[3] for c in truth.chars)
    assert not any(t in truth.text for t in ("q q q", "M M M", ";;;;"))


def _unlabelled_ink(image, truth) -> np.ndarray:
    """The ink (bool, image's shape) outside the truth's character boxes (a pixel around each for antialiasing)."""
    ink = image < INK
    for c in truth.chars:
        x0, y0, x1, y1 = c.bbox
        ink[max(0, int(y0) - 1):int(np.ceil(y1)) + 1, max(0, int(x0) - 1):int(np.ceil(x1)) + 1] = False
    return ink


def _assert_no_unlabelled_ink(image, truth) -> None:
    """No ink outside the truth's character boxes (a pixel around each for antialiasing)."""
    ink = _unlabelled_ink(image, truth)
    assert not ink.any(), np.argwhere(ink)[:5]


@pytest.mark.skipif(not os.path.isfile(DEJAVU), reason="fonts-dejavu-core is not installed")
def test_a_screenshots_text_goes_and_text_set_over_a_picture_stays(tmp_path):
    """A raster image is painted white (the text in a screenshot is in no text layer: unlabelled
    ink), but for the labelled characters set over it, which keep their ink."""
    from PIL import Image, ImageDraw, ImageFont

    shot = Image.new("L", (400, 120), 200)  # a grey screenshot holding text of its own
    ImageDraw.Draw(shot).text((10, 30), "Menu File Edit", fill=0, font=ImageFont.truetype(DEJAVU, 40))
    png = tmp_path / "shot.png"
    shot.save(png)
    doc = pymupdf.open()
    page = doc.new_page(width=300, height=200)
    page.insert_text((20, 30), "Kept line above.", fontsize=14, fontname="F0", fontfile=DEJAVU)
    page.insert_image(pymupdf.Rect(20, 50, 220, 110), filename=str(png))
    page.insert_text((30, 100), "Over it.", fontsize=14, fontname="F0", fontfile=DEJAVU)
    path = str(tmp_path / "shot.pdf")
    doc.save(path)
    image, truth = page_truth(open_pdf(path), 0, 100)
    assert [ln.text for ln in truth.lines] == ["Kept line above.", "Over it."]
    for c in truth.chars:
        x0, y0, x1, y1 = c.bbox
        assert (image[int(y0):int(np.ceil(y1)), int(x0):int(np.ceil(x1))] < 128).any(), c.char
    _assert_no_unlabelled_ink(image, truth)


@pytest.mark.skipif(not os.path.isfile(DEJAVU), reason="fonts-dejavu-core is not installed")
def test_an_underscore_drawn_as_a_rule_reads_as_one_and_an_underline_does_not(tmp_path):
    """LaTeX's ``\\_`` is a short rule on the baseline between two words' letters, in no text layer: it
    reads ``_`` with the rule's box, the space MuPDF gives across it dropped (kept where a word stands a
    space away); a word's underline and a long rule stay out of the truth."""
    doc = pymupdf.open()
    page = doc.new_page(width=400, height=160)
    font = pymupdf.Font(fontfile=DEJAVU)
    x = 20.0
    for word in ("glp", "top", "sort"):  # glp\_top\_sort: 0.3 em rules 0.06 em after each word
        page.insert_text((x, 40), word, fontsize=20, fontname="F0", fontfile=DEJAVU)
        x += font.text_length(word, fontsize=20)
        if word != "sort":
            page.draw_rect(pymupdf.Rect(x + 1.2, 39.6, x + 7.2, 40.4), color=None, fill=(0, 0, 0))
            x += 8.4
    page.insert_text((20, 90), "under lined", fontsize=20, fontname="F0", fontfile=DEJAVU)
    page.draw_rect(pymupdf.Rect(20, 93, 70, 93.8), color=None, fill=(0, 0, 0))  # an underline
    page.insert_text((20, 130), "a", fontsize=20, fontname="F0", fontfile=DEJAVU)
    page.draw_rect(pymupdf.Rect(40, 129.6, 200, 130.4), color=None, fill=(0, 0, 0))  # a long rule
    path = str(tmp_path / "underscore.pdf")
    doc.save(path)
    image, truth = page_truth(open_pdf(path), 0, 100)
    assert [ln.text for ln in truth.lines] == ["glp_top_sort", "under lined", "a"]
    bars = [c.bbox for c in truth.lines[0].chars if c.char == "_"]
    scale = 100 / 72
    assert len(bars) == 2 and bars[0][1] == pytest.approx(39.6 * scale) and bars[0][3] == pytest.approx(40.4 * scale)
    for x0, y0, x1, y1 in bars:
        assert (image[int(y0):int(np.ceil(y1)), int(x0) + 1:int(x1) - 1] < 128).any()


@pytest.mark.skipif(not os.path.isfile(DEJAVU), reason="fonts-dejavu-core is not installed")
@pytest.mark.parametrize("size", [12, 30, 60, 300])
def test_boxes_follow_the_glyph_where_mupdf_draws_it(tmp_path, size):
    """MuPDF draws cached glyphs (up to 256 px) at their pen position rounded (pxocr.synth.pdf.drawn_offset):
    an 'o' moved in steps of 1/8 px across and down stays centred in its truth box, at the page's own
    resolution, to 0.05 px (unrounded, the truth strayed up to a pixel from the ink)."""
    doc = pymupdf.open()
    page = doc.new_page(width=8 * size + 100, height=2 * size + 40)
    for k in range(8):
        page.insert_text((20 + k * size + k / 8, size + 20 + k / 8), "o", fontsize=size, fontname="F0", fontfile=DEJAVU)
    path = str(tmp_path / "steps.pdf")
    doc.save(path)
    image, truth = page_truth(open_pdf(path), 0, 72)
    dark = 1 - image / 255.0
    off = []
    for c in truth.chars:
        x0, y0, x1, y1 = c.bbox
        i0, i1, j0, j1 = int(y0) - 2, int(np.ceil(y1)) + 2, int(x0) - 2, int(np.ceil(x1)) + 2
        a = dark[i0:i1, j0:j1]
        yy, xx = np.mgrid[i0:i1, j0:j1] + 0.5
        off.append(((a * xx).sum() / a.sum() - (x0 + x1) / 2, (a * yy).sum() / a.sum() - (y0 + y1) / 2))
    assert len(off) == 8
    assert np.ptp(np.array(off), axis=0).max() < 0.05, np.round(off, 3)


@pytest.mark.skipif(not os.path.isfile(DEJAVU), reason="fonts-dejavu-core is not installed")
def test_a_turned_watermark_leaves_the_lines_under_it_on_the_page(tmp_path):
    """A word set turned across the page ("draft", as a LaTeX draft's watermark) is not in the truth,
    and its characters' upright envelopes, which cover much of the page, are not painted over it."""
    doc = pymupdf.open()
    page = doc.new_page(width=300, height=200)
    for k in range(5):
        page.insert_text((20, 40 + 30 * k), f"Line {k} of the text.", fontsize=14, fontname="F0", fontfile=DEJAVU)
    page.insert_text((60, 180), "draft", fontsize=60, fontname="F0", fontfile=DEJAVU, rotate=0,
                     morph=(pymupdf.Point(60, 180), pymupdf.Matrix(35)), color=(0.8, 0.8, 0.8))
    path = str(tmp_path / "watermark.pdf")
    doc.save(path)
    image, truth = page_truth(open_pdf(path), 0, 100)
    assert [ln.text for ln in truth.lines] == [f"Line {k} of the text." for k in range(5)]
    for c in truth.chars:
        x0, y0, x1, y1 = (int(round(v)) for v in c.bbox)
        assert (image[y0:y1 + 1, x0:x1 + 1] < 128).any(), (c.char, c.bbox)


def test_a_ligature_given_as_a_letter_and_its_tail_reads_as_all_its_letters():
    """pdfTeX's Type 1 "fi": MuPDF's text gives 'f' at the glyph and 'i' with no width at the next
    glyph's origin; the trace gives the glyph as 'f' and then 'i' with no glyph at the same origin."""
    from pxocr.synth.pdf import _Glyph, _line

    def ch(c, x, w):
        return {"c": c, "origin": (x, 20.0), "bbox": (x, 12.0, x + w, 20.0)}

    # "efi ci": the ligature ends a word, so its tail 'i' stands at the space's origin, where no glyph is
    raw = {"spans": [{"size": 10.0, "chars": [ch("e", 4, 5), ch("f", 10, 6), ch("i", 16, 0), ch(" ", 16, 3),
                                               ch("c", 19, 5), ch("i", 24, 2)]}]}
    glyphs = {(400, 2000): _Glyph("e", (4.2, 14, 8.8, 20)), (1000, 2000): _Glyph("fi", (10.5, 12, 15.5, 20)),
              (1900, 2000): _Glyph("c", (19.3, 14, 23.5, 20)), (2400, 2000): _Glyph("i", (24.3, 12, 25.5, 20))}
    line = _line(raw, glyphs, 2.0)
    assert line is not None and line.text == "efi ci"
    assert [c.char for c in line.chars] == list("efici")
    assert [c.bbox for c in line.chars[1:3]] == [(21.0, 24.0, 26.0, 40.0), (26.0, 24.0, 31.0, 40.0)]


ASYMPTOTE = "/usr/share/doc/asymptote/asymptote.pdf"  # pdfTeX, Type 1 Computer Modern, fi/fl/ffi


@pytest.mark.skipif(not os.path.isfile(ASYMPTOTE), reason="asymptote-doc is not installed")
def test_ligatures_of_a_type1_tex_pdf_read_as_their_letters():
    import re

    _, page = page_truth(open_pdf(ASYMPTOTE), 5, 100)
    words = re.findall(r"\w*f[fil]\w*", page.text)
    assert {"scientific", "figures", "files", "affine"} <= set(words), words
    dev = _edge_deviation(ASYMPTOTE, 5, 100)
    assert len(dev) > 20 and dev.mean() < 0.1 and dev.max() <= 0.5, (len(dev), dev.mean(), dev.max())


def test_crop_keeps_whole_characters_and_paints_over_cut_ones():
    from pxocr.document import Char, Line, Page
    from pxocr.synth.pdf import crop_page

    image = np.full((40, 100), 255, np.uint8)
    boxes = {"a": (10, 10, 16, 20), "b": (18, 10, 24, 20), "c": (40, 10, 46, 20), "d": (48, 10, 54, 20)}
    for x0, y0, x1, y1 in boxes.values():
        image[y0:y1, x0:x1] = 0
    line = Line("ab cd", (10, 10, 54, 20), [Char(k, v) for k, v in boxes.items()], baseline=20.0, font_size=12.0)
    crop, gt = crop_page(image, Page(100, 40, [line]), 5, 2, 45, 30)  # x 5..50: 'd' is cut
    assert gt.text == "ab c" and (gt.width, gt.height) == (45, 30)
    assert gt.lines[0].chars[0].bbox == (5.0, 8.0, 11.0, 18.0) and gt.lines[0].baseline == 18.0
    assert crop[8:18, 43:45].min() == 255  # the cut 'd' is painted over
    assert crop[8:18, 35:41].max() == 0  # the whole 'c' stays
    crop, gt = crop_page(image, Page(100, 40, [line]), 15, 2, 60, 30)  # 'a' is cut: the line starts at 'b'
    assert gt.text == "b cd"


def test_pdf_sources_never_hold_the_evaluation_documents(tmp_path):
    from pxocr.synth.pdf import HELD_OUT_PDFS, TRAIN_PDFS, pdf_files, random_crop

    for name in ("libtasn1-doc/x.pdf", "shared-mime-info/y.pdf", "python-reportlab-doc/z.pdf", "glpk-doc/w.pdf",
                 "ok/a.pdf"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"%PDF-1.4")
    assert [p.split("/")[-2] for p in pdf_files((str(tmp_path / "**/*.pdf"),))] == ["ok"]
    assert not set(pdf_files(TRAIN_PDFS)) & set(pdf_files(HELD_OUT_PDFS, exclude=()))
    made = _made_pdf(tmp_path, ["A line of text to crop, long enough.", "And a second one below it."] * 3)
    crop, gt = random_crop(np.random.default_rng(0), (made,), 128, (16.0, 24.0), min_chars=10)
    assert crop.shape == (128, 128) and len(gt.chars) >= 10
    assert all(0 <= c.bbox[0] and c.bbox[2] <= 128 and 0 <= c.bbox[1] and c.bbox[3] <= 128 for c in gt.chars)


def test_a_rotated_page_is_read_unrotated_with_boxes_on_the_ink(tmp_path):
    """Text coordinates are the unrotated page's; the page is rendered unrotated to match them."""
    lines = ["Rotated page, first line of text.", "A second line: 0123456789."]
    path = _made_pdf(tmp_path, lines, rotation=90)
    image, page = page_truth(open_pdf(path), 0, 72)
    assert [ln.text for ln in page.lines] == lines and image.shape == (300, 400)
    dev = _edge_deviation(path, 0, 72)
    assert len(dev) >= 5 and dev.mean() < 0.1, dev.mean()


def test_synth_pdfs_writes_crops_with_their_truth(tmp_path, capsys):
    """``pxocr synth --pdfs``: square crops of real pages, each box on ink of its crop, several
    crops from one rendered page, degraded by --preset; a missing file is one error line."""
    import json

    from PIL import Image

    from pxocr.cli import main

    text = ["A line of text to crop, long enough here.", "And a second one below it, 0123.",
            "Third: (brackets) and \"quotes\" too."] * 3
    made = _made_pdf(tmp_path, text)
    out = tmp_path / "crops"
    args = ["synth", "--pdfs", made, "--count", "5", "--size", "128x128", "--font-sizes", "18", "22", "--quiet"]
    assert main([*args, "--out", str(out)]) == 0
    for k in range(5):
        image = np.asarray(Image.open(out / f"{k:06d}.png"))
        truth = json.loads((out / f"{k:06d}.json").read_text())
        chars = [c for ln in truth["lines"] for c in ln["chars"]]
        assert image.shape == (128, 128) and len(chars) >= 20
        for c in chars:
            x0, y0, x1, y1 = c["bbox"]
            assert 0 <= x0 < x1 <= 128 and 0 <= y0 < y1 <= 128
            assert image[int(y0):int(np.ceil(y1)), int(x0):int(np.ceil(x1))].min() < 128, c
    assert main([*args, "--preset", "hard", "--out", str(tmp_path / "hard")]) == 0
    clean, hard = (np.asarray(Image.open(d / "000000.png")) for d in (out, tmp_path / "hard"))
    assert (tmp_path / "hard" / "000000.json").read_text() == (out / "000000.json").read_text()
    assert np.abs(clean.astype(int) - hard).mean() > 5
    capsys.readouterr()
    assert main(["synth", "--pdfs", str(tmp_path / "nope.pdf"), "--count", "1", "--out", str(tmp_path / "x")]) == 3
    err = capsys.readouterr().err
    assert "nope.pdf: file not found" in err and "Traceback" not in err


def test_manual_pages_typeset_in_each_family_keep_exact_boxes(tmp_path):
    """``pxocr synth --man-pdfs``: manual pages set by groff in the PostScript families, whose
    character boxes lie on the rendered ink; a folder of them is a ``--pdfs`` source."""
    import pymupdf

    from pxocr.cli import main
    from pxocr.errors import ExitCode
    from pxocr.synth.manpages import FAMILIES, NEVER_MAN, man_pages
    from pxocr.synth.pdf import pdf_source

    assert man_pages() and not any(x in p.lower() for p in man_pages() for x in NEVER_MAN)
    assert main(["synth", "--man-pdfs", "--count", "3", "--seed", "2", "--out", str(tmp_path / "man"),
                 "--quiet"]) == 0
    made = pdf_source(str(tmp_path / "man"))
    assert len(made) == 3 and not list((tmp_path / "man").glob("*.part"))
    for path in made:
        family = FAMILIES[path.rsplit("-", 1)[1][0]]
        fonts = {f[3].split("+")[-1] for f in pymupdf.open(path)[0].get_fonts()}
        assert any(f.startswith(family.replace(" ", "")[:8]) for f in fonts), (family, fonts)
        dev = _edge_deviation(path, 0, 200)
        assert len(dev) > 20 and dev.mean() < 0.1 and dev.max() <= 0.5, (path, len(dev), dev.mean(), dev.max())
    missing = f"train,{tmp_path / 'nothing'}"
    assert main(["synth", "--pdfs", missing, "--count", "1", "--out", str(tmp_path / "c")]) == ExitCode.INPUT


def test_parts_of_one_baseline_are_one_line_but_columns_stay_apart(tmp_path):
    """MuPDF parts a line at a wide gap (a heading's number, a run-in heading); the truth joins such
    parts, a space between, unless the gap is wider than 3 em or the rows around part at the same place
    (two columns)."""
    face = [f for f in font_set("train") if f.path.endswith(".ttf")][0]
    doc = pymupdf.open()
    page = doc.new_page(width=400, height=300)

    def put(x, y, text):
        page.insert_text((x, y), text, fontsize=11, fontname="F0", fontfile=face.path)

    put(20, 30, "7")
    put(45, 30, "Release notes")  # about 1.6 em after the 7
    put(20, 60, "far")
    put(90, 60, "apart")  # about 4.6 em
    for k in range(4):
        put(20, 100 + 14 * k, f"left column row {k}")
        put(200, 100 + 14 * k, f"right column row {k}")
    path = str(tmp_path / "rows.pdf")
    doc.save(path)
    image, truth = page_truth(open_pdf(path), 0, 100)
    texts = [ln.text for ln in truth.lines]
    assert texts[:3] == ["7 Release notes", "far", "apart"]
    assert sorted(texts[3:]) == [f"{side} column row {k}" for side in ("left", "right") for k in range(4)]
    joined = truth.lines[0]
    assert [c.char for c in joined.chars] == list("7Releasenotes")
    assert joined.bbox[0] == joined.chars[0].bbox[0] and joined.bbox[2] == joined.chars[-1].bbox[2]
    assert joined.baseline == pytest.approx(30 * 100 / 72, abs=0.01)
