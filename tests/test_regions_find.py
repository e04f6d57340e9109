"""Region reading (``pxocr.infer.regions``) and text search (``pxocr.search``).

Hand-built lines check the rules exactly (which glyphs a box takes, the spaces that stay, which
stretches match); fresh synthetic OCR-B pages (seeds used nowhere else) check them end to end with
the shipped model: a jittered box around a line returns the line's text, ``find`` recalls the
words of clean pages with boxes on their glyphs.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

import pxocr
import pxocr.infer
from pxocr.boxes import iou_matrix, union_of
from pxocr.cli import main
from pxocr.document import Char, Line, Page, cut_line
from pxocr.errors import UsageError
from pxocr.infer import Predictor
from pxocr.infer.regions import RegionConfig, parse_region, read_regions, select, shift_line
from pxocr.search import find_in_pages
from pxocr.synth import preset, render_page

THREADS = 1
SEED_JITTER = 7_421_001
SEED_CUT = 7_421_002
SEED_LARGE = 7_421_003
SEED_FIND = 7_421_004
SEED_CLI = 7_421_005


@pytest.fixture(scope="module")
def pred():
    return Predictor(None, threads=THREADS)


@pytest.fixture(scope="module")
def page_file(tmp_path_factory):
    gray, gt = render_page(preset("clean"), SEED_CLI, 0)
    path = tmp_path_factory.mktemp("rf") / "page.png"
    Image.fromarray(gray).save(path)
    return path, gray, gt


def _line(text: str, x0: float = 10.0, y0: float = 20.0, pitch: float = 10.0, w: float = 6.0,
          h: float = 12.0, low: str = "", lows: float = 4.0) -> Line:
    """A hand-built fixed-pitch line: glyph k at x0 + pitch * k (spaces take a pitch too); the
    characters in ``low`` sit ``lows`` px lower (a comma, an underscore)."""
    chars = []
    for k, ch in enumerate(text):
        if ch != " ":
            dy = lows if ch in low else 0.0
            chars.append(Char(ch, (x0 + pitch * k, y0 + dy, x0 + pitch * k + w, y0 + h + dy), 0.9))
    return Line(text, union_of(c.bbox for c in chars), chars, 0.9)


# ---------------------------------------------------------------- the rule, by hand


def test_parse_region():
    assert parse_region("1,2.5, 30,40") == (1.0, 2.5, 30.0, 40.0)
    for bad in ("1,2,3", "1,2,3,x", "5,0,4,10", "0,5,10,5", "0,0,nan,1", ""):
        with pytest.raises(UsageError):
            parse_region(bad)


def test_cut_line_keeps_spaces_between_kept_glyphs():
    ln = _line("AB  CD EF")  # chars A B C D E F
    cases = {
        (1, 1, 1, 1, 1, 1): "AB  CD EF",
        (0, 1, 1, 1, 0, 0): "B  CD",
        (0, 0, 0, 1, 1, 0): "D E",
        (1, 0, 0, 1, 0, 0): "A D",  # dropped glyphs between kept ones: one space
        (0, 0, 0, 0, 0, 1): "F",
    }
    for keep, text in cases.items():
        cut = cut_line(ln, np.array(keep, bool))
        assert cut.text == text
        assert [c.char for c in cut.chars] == list(text.replace(" ", ""))
        assert cut.bbox == union_of(c.bbox for c in cut.chars)


def test_select_by_centre_with_slack():
    ln = _line("ABCDE")  # glyph k: x 10+10k .. 16+10k, centre 13+10k; y 20..32, centre 26
    # a box cutting through A (centre 13) and D (centre 43): A's centre is inside, D's is 4 px out
    assert [x.text for x in select([ln], (12.0, 18.0, 39.0, 34.0))] == ["ABC"]
    # slack: D's centre 2.5 px outside still counts, 3.5 px outside does not
    assert select([ln], (12.0, 18.0, 40.5, 34.0))[0].text == "ABCD"
    assert select([ln], (12.0, 18.0, 39.5, 34.0))[0].text == "ABC"
    assert select([ln], (12.0, 18.0, 39.5, 34.0), slack=0.0)[0].text == "ABC"
    # vertically the line's middle (26) decides, for every glyph
    assert select([ln], (0, 28.5, 100, 40))[0].text == "ABCDE"  # 2.5 px below the box top
    assert select([ln], (0, 29.5, 100, 40)) == []
    # nothing inside
    assert select([ln], (200, 0, 300, 100)) == []


def test_select_low_marks_go_with_their_line():
    ln = _line("AB,C_", low=",_", lows=6.0)  # ',' and '_' centres 6 px below the letters'
    tight = (10.0, 20.0, 56.0, 32.0)  # the letters' box: cuts the low marks in half
    assert select([ln], tight)[0].text == "AB,C_"
    assert select([ln], (10.0, 35.0, 56.0, 60.0)) == []  # a box below the line takes none of it


def test_shift_line():
    ln = Line("AB", (0, 0, 16, 12), [Char("A", (0, 0, 6, 12), 0.5), Char("B", (10, 0, 16, 12), 0.5)], 0.5,
              baseline=10.0, font_size=12.0)
    moved = shift_line(ln, 100.5, 20)
    assert moved.bbox == (100.5, 20, 116.5, 32)
    assert moved.chars[1].bbox == (110.5, 20, 116.5, 32)
    assert moved.baseline == 30.0 and moved.font_size == 12.0 and moved.text == "AB"


# ---------------------------------------------------------------- regions on fresh pages


def test_jittered_line_boxes_return_their_lines(pred):
    """+-3 px jitter on every edge of a box around each ground-truth line: the line's text
    exactly in at least 99 % of cases (the model's own misreadings count as failures)."""
    rng = np.random.default_rng(SEED_JITTER)
    total = ok = 0
    for i in range(8):
        gray, gt = render_page(preset("clean"), SEED_JITTER, i)
        boxes = [tuple((np.array(ln.bbox) + rng.uniform(-3, 3, 4)).tolist()) for ln in gt.lines]
        for ln, r in zip(gt.lines, read_regions(pred, gray, boxes)):
            total += 1
            ok += r.text == ln.text
    assert total > 100
    assert ok / total >= 0.99, f"{ok}/{total}"


def test_box_cutting_through_glyphs(pred):
    """A box whose left and right edges cut through glyphs of a line: exactly the glyphs whose
    centres lie inside, with boxes on the ground truth's (page px)."""
    gray, gt = render_page(preset("clean", size_min=24), SEED_CUT, 0)
    lines = [ln for ln in gt.lines if len(ln.chars) >= 6 and " " not in ln.text][:4]
    assert lines
    for ln in lines:
        a, b = ln.chars[1], ln.chars[-2]
        # cut through glyph 1 right of its centre, and through glyph -2 left of its centre, by 4 px
        cx_a, cx_b = (a.bbox[0] + a.bbox[2]) / 2, (b.bbox[0] + b.bbox[2]) / 2
        box = (cx_a + 4.0, ln.bbox[1] + 2, cx_b - 4.0, ln.bbox[3] - 2)
        (r,) = read_regions(pred, gray, [box])
        assert r.text == ln.text[2:-2]
        got = np.array([c.bbox for c in r.chars])
        want = np.array([c.bbox for c in ln.chars[2:-2]])
        assert np.abs(got - want).mean() < 0.5  # page px, not the crop's


def test_small_region_on_a_large_page_reads_a_crop(pred, monkeypatch):
    gray, gt = render_page(preset("clean", width=2400, height=1800), SEED_LARGE, 0)
    ln = max(gt.lines, key=lambda x: len(x.chars))
    seen = []
    real = Predictor.predict

    def spy(self, g, name=""):
        seen.append(g.shape)
        return real(self, g, name)

    monkeypatch.setattr(Predictor, "predict", spy)
    cfg = RegionConfig()
    (r,) = read_regions(pred, gray, [ln.bbox], cfg)
    assert r.text == ln.text
    (h, w), = seen
    grow = 2 * (cfg.margin + cfg.slack) + 2
    assert w <= ln.bbox[2] - ln.bbox[0] + grow and h <= ln.bbox[3] - ln.bbox[1] + grow
    # regions covering most of the page: one whole reading
    seen.clear()
    regs = read_regions(pred, gray, [(0, 0, 2400, 1000), (0, 900, 2400, 1800)], cfg)
    assert seen == [(1800, 2400)]
    assert "\n".join(r.text for r in regs).count(ln.text) >= 1


def test_regions_off_the_page_and_several(pred):
    gray, gt = render_page(preset("clean"), SEED_JITTER, 20)
    a, b = gt.lines[0], gt.lines[-1]
    regs = read_regions(pred, gray, [(700, 700, 800, 800), b.bbox, a.bbox, (-50, -50, -10, -10)])
    assert [r.text for r in regs] == ["", b.text, a.text, ""]


def test_read_api_and_cli_with_regions(page_file, capsys):
    path, gray, gt = page_file
    a, b = gt.lines[0], gt.lines[1]
    res = pxocr.read(path, threads=THREADS, regions=[b.bbox, a.bbox])
    assert [r.text for r in res.regions[0]] == [b.text, a.text]
    assert res.text == b.text + "\n" + a.text
    d = json.loads(res.to_json())
    assert [ln["region"] for ln in d["lines"]] == [0, 1]
    box = ",".join(f"{v:.3f}" for v in b.bbox)
    assert main(["read", str(path), "--region", box, "--threads", "1"]) == 0
    assert capsys.readouterr().out == b.text + "\n"
    assert main(["read", str(path), "--region", box, "--format", "json", "--threads", "1"]) == 0
    assert json.loads(capsys.readouterr().out)["lines"][0]["text"] == b.text
    with pytest.raises(SystemExit):
        main(["read", str(path), "--region", "1,2,3"])
    assert "x0,y0,x1,y1" in capsys.readouterr().err
    with pytest.raises(UsageError):
        pxocr.read(path, regions=[(10, 10, 5, 20)])


# ---------------------------------------------------------------- search, by hand


def _page(*texts: str) -> Page:
    return Page(400, 400, [_line(t, y0=20.0 + 30 * k) for k, t in enumerate(texts)])


def _found(pages, q, **kw):
    return [(m.page, m.line, m.text, m.edits) for m in find_in_pages(pages, q, **kw)]


def test_find_exact_table():
    p = _page("TOTAL 12.50 SUBTOTAL", "total due  TOTAL", "aaaa")
    assert _found([p], "TOTAL") == [(0, 0, "TOTAL", 0), (0, 0, "TOTAL", 0), (0, 1, "TOTAL", 0)]
    assert _found([p], "total") == [(0, 1, "total", 0)]
    assert len(_found([p], "total", ignore_case=True)) == 4
    assert _found([p], "due TOTAL") == [(0, 1, "due TOTAL", 0)]  # two spaces on the page count as one
    assert _found([p], "  due   TOTAL ") == [(0, 1, "due TOTAL", 0)]
    assert _found([p], "aa") == [(0, 2, "aa", 0), (0, 2, "aa", 0)]  # occurrences never overlap
    assert _found([p], "12.50 total") == []
    assert _found([p, p], "due") == [(0, 1, "due", 0), (1, 1, "due", 0)]


def test_find_boxes_offsets_and_lines():
    p = _page("TOTAL 12.50", "SUB TOTAL")
    (m,) = find_in_pages([p], "12.50")
    assert m.start == 6 and m.end == 11 and m.lines == [0]
    assert [c.char for c in m.chars] == list("12.50")
    assert m.bbox == union_of(c.bbox for c in p.lines[0].chars[5:])
    d = m.to_dict()
    assert d["line"] == 0 and d["bbox"] == [round(v, 4) for v in m.bbox] and len(d["chars"]) == 5
    assert m.describe() == "1:1: [" + ", ".join(f"{v:.4f}" for v in m.bbox) + "] 0 edits: 12.50"


def test_find_across_lines():
    p = _page("pay the", "TOTAL now")
    assert find_in_pages([p], "the TOTAL") == []
    (m,) = find_in_pages([p], "the TOTAL", across_lines=True)
    assert m.text == "the TOTAL" and m.lines == [0, 1] and m.start == 4 and m.end == 5
    assert m.bbox == union_of([c.bbox for c in p.lines[0].chars[-3:]] + [c.bbox for c in p.lines[1].chars[:5]])


def test_find_with_edits_table():
    p = _page("INVOICE 2024 INV0ICE", "Stockholm")
    assert _found([p], "INVOICE", max_edits=1) == [(0, 0, "INVOICE", 0), (0, 0, "INV0ICE", 1)]
    assert _found([p], "Stokholm", max_edits=1) == [(0, 1, "Stockholm", 1)]  # one insertion
    assert _found([p], "Stockholn", max_edits=1) == [(0, 1, "Stockholm", 1)]
    assert _found([p], "Stockholn", max_edits=0) == []
    assert _found([p], "2025", max_edits=1) == [(0, 0, "2024", 1)]  # the word-aligned stretch wins


def test_find_bad_queries():
    p = _page("A")
    for q, k in (("", 0), ("   ", 0), ("ab", 2), ("abc", -1)):
        with pytest.raises(UsageError):
            find_in_pages([p], q, max_edits=k)


# ---------------------------------------------------------------- search on fresh pages


def test_find_recalls_the_words_of_clean_pages(pred):
    """Every word of the ground truth searched on the page's reading: found at its place (IoU >=
    0.5 with the ground truth's glyphs) in at least 99 % of cases, each match's box the union of
    its glyph boxes."""
    total = hit = 0
    for i in range(4):
        gray, gt = render_page(preset("clean"), SEED_FIND, i)
        page = pred.predict(gray)
        for ln in gt.lines:
            for word in ln.words:
                text = "".join(c.char for c in word)
                want = np.array([union_of(c.bbox for c in word)])
                ms = find_in_pages([page], text)
                total += 1
                for m in ms:
                    assert m.bbox == union_of(c.bbox for c in m.chars)
                    assert m.text == text
                boxes = np.array([m.bbox for m in ms]).reshape(-1, 4)
                hit += bool(len(ms)) and iou_matrix(boxes, want).max() >= 0.5
    assert total > 100
    assert hit / total >= 0.99, f"{hit}/{total}"


def test_find_api_and_cli(page_file, tmp_path, capsys):
    path, gray, gt = page_file
    word = "".join(c.char for c in max((w for ln in gt.lines for w in ln.words), key=len))
    ms = pxocr.find(path, word, threads=THREADS)
    assert ms and ms[0].text == word
    assert main(["find", str(path), word, "--threads", "1"]) == 0
    out = capsys.readouterr()
    assert out.out.splitlines()[0] == ms[0].describe() and "match" in out.err
    assert main(["find", str(path), word.lower(), "--ignore-case", "--format", "json", "--threads", "1"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["matches"][0]["text"] == word and d["ignore_case"] is True
    png = tmp_path / "hits.png"
    assert main(["find", str(path), word, "--format", "overlay", "--out", str(png), "--threads", "1"]) == 0
    assert Image.open(png).size == (2 * gray.shape[1], 2 * gray.shape[0])
    assert main(["find", str(path), word, "--format", "overlay"]) == 2
    assert main(["find", str(path), "ab", "--max-edits", "2"]) == 2
    assert main(["find", str(tmp_path / "missing.png"), "ab"]) == 3
    err = capsys.readouterr().err
    assert "Traceback" not in err and "missing.png" in err
