"""The automatic model choice (pxocr.infer.choose): the rules on hand-built lines, and the
choice on fresh pages against each model alone."""

import numpy as np
import pytest
from rapidfuzz.distance import Levenshtein

from pxocr.document import Char, Line
from pxocr.infer import Predictor
from pxocr.infer.choose import (
    FIXED_PITCH_CHARS,
    FIXED_PITCH_SHARE,
    OCRB_PITCH_EM,
    PROMISING,
    SURE_CHARS,
    SURE_LINE,
    SURE_PAGE,
    merge,
    promising,
    stands_alone,
    wants_specialist,
)


def _line(text: str, x0: float, y0: float, score: float, h: float = 20.0) -> Line:
    chars = [Char(c, (x0 + 12 * k, y0, x0 + 12 * k + 10, y0 + h), score) for k, c in enumerate(text) if c != " "]
    return Line(text, (x0, y0, x0 + 12 * len(text) - 2, y0 + h), chars)


def test_a_group_takes_the_specialist_only_when_it_is_sure_and_better():
    s_sure, g_worse = _line("P<UTOERIKSSON", 10, 10, 0.95), _line("P<UT0ERlKSS0N", 11, 10, 0.70)
    s_unsure, g_other = _line("Tbe qnick", 10, 60, 0.80), _line("The quick", 10, 61, 0.75)
    s_sure_worse, g_better = _line("lnvoice", 10, 110, 0.90), _line("Invoice", 10, 110, 0.93)
    out = merge([s_sure, s_unsure, s_sure_worse], [g_worse, g_other, g_better])
    assert sorted(ln.text for ln in out) == sorted(["P<UTOERIKSSON", "The quick", "Invoice"])


def test_lines_only_one_model_found():
    lone_sure, lone_unsure = _line("ABC123", 10, 10, SURE_LINE + 0.01), _line("xyz", 10, 60, SURE_LINE - 0.01)
    lone_general = _line("hello", 10, 110, 0.3)
    assert sorted(ln.text for ln in merge([lone_sure, lone_unsure], [lone_general])) == ["ABC123", "hello"]


def test_groups_join_through_overlaps():
    """One specialist line over two general lines (a split) is one group, decided once."""
    s = _line("DATE 2024 01 15", 10, 10, 0.9)
    g1, g2 = _line("DATE", 10, 10, 0.8), _line("2024 01 15", 70, 10, 0.8)
    assert [ln.text for ln in merge([s], [g1, g2])] == ["DATE 2024 01 15"]
    for c in g1.chars + g2.chars:  # the general lines now score higher on average
        c.score = 0.95
    assert sorted(ln.text for ln in merge([s], [g1, g2])) == ["2024 01 15", "DATE"]


def test_a_sure_page_stands_alone():
    assert stands_alone([_line("AB", 0, 0, SURE_PAGE), _line("CD", 0, 30, SURE_PAGE)])
    assert not stands_alone([_line("AB", 0, 0, 0.99), _line("CDEFGH", 0, 30, SURE_PAGE - 0.1)])
    assert not stands_alone([])


def _judged(text: str, mono, y0: float = 0, pitch_em: float = 0.72) -> Line:
    line = _line(text, 0, y0, 0.9)  # characters 12 px apart
    line.font_size = 12 / pitch_em
    if mono is not None:
        line.extra["monospaced"] = mono
    return line


def test_a_promising_first_reading_reads_on_unasked():
    assert promising([_line("AB", 0, 0, PROMISING + 0.01), _line("CD", 0, 30, PROMISING + 0.01)])
    assert not promising([_line("AB", 0, 0, PROMISING - 0.01)])
    other_print = [_line("other print", 0, 30 * k, 0.3) for k in range(1, 9)]
    assert promising(other_print + [_line("X" * SURE_CHARS, 0, 0, SURE_LINE)])  # a sure OCR-B line among them
    assert not promising(other_print + [_line("X" * (SURE_CHARS - 1), 0, 0, SURE_LINE)])
    assert not promising([])


def test_the_specialist_is_wanted_where_the_general_reading_shows_fixed_pitch_print():
    prose = [_judged("proportional text", False, 30 * k) for k in range(8)]
    assert not wants_specialist(prose)
    assert not wants_specialist(prose + [_judged("a code", True, 300)])  # one short line of nine
    assert not wants_specialist(prose + [_judged("x" * (FIXED_PITCH_CHARS - 1), True, 300)])  # one, a little short
    assert wants_specialist(prose + [_judged("x" * FIXED_PITCH_CHARS, True, 300)])  # one long enough
    assert not wants_specialist(prose + [_judged("Scope" + " ." * 30 + " 12", True, 300)])  # leader dots
    code = [_judged("print(mean(values), digits)", True, 300 + 30 * k, pitch_em=OCRB_PITCH_EM - 0.05) for k in range(4)]
    assert not wants_specialist(prose + code)  # a Courier-like pitch: code, not OCR-B
    assert wants_specialist(prose + [_judged("print(mean(values), digits)", True, 300, pitch_em=OCRB_PITCH_EM + 0.01)])
    n = 8  # judged lines; the share of monospaced ones at the rule's and under it
    mono = int(np.ceil(FIXED_PITCH_SHARE * n))
    assert wants_specialist(prose[:n - mono] + [_judged("ab12", True, 300 + 30 * k) for k in range(mono)])
    assert not wants_specialist(prose[:n - mono + 1] + [_judged("ab12", True, 300 + 30 * k) for k in range(mono - 1)])
    assert wants_specialist(prose + [_judged("P<UTOERIKSSON<<ANNA", None, 300)])  # MRZ fillers
    assert wants_specialist([_judged("ab", None), _judged("cd", None, 30)])  # no line long enough to judge
    assert wants_specialist([])


@pytest.fixture(scope="module")
def models():
    return {m: Predictor(m, threads=1) for m in ("ocrb", "latin", "auto")}


def _cer(pred, pages) -> float:
    err = total = 0
    for image, gt in pages:
        err += Levenshtein.distance(gt.text, pred.predict(image).text)
        total += len(gt.text)
    return err / total


def test_auto_reads_ocrb_pages_as_the_ocrb_model_and_other_fonts_as_the_latin_model(models, monkeypatch):
    from pxocr.synth import preset, render_page
    from pxocr.synth.fonts import font_set

    ocrb_pages = [render_page(preset("degraded", width=480, height=480), 880011, i) for i in range(3)]
    font_pages = [render_page(preset("clean", width=480, height=480, fonts=font_set("train"), size_min=18,
                                     size_max=30), 880012, i) for i in range(3)]
    runs = []
    general = models["auto"].general
    monkeypatch.setattr(general, "_first", lambda *a, real=general._first, **k: runs.append(1) or real(*a, **k))
    auto_ocrb = _cer(models["auto"], ocrb_pages)
    assert runs == []  # the OCR-B model was sure of every page: the latin model never ran
    assert auto_ocrb == _cer(models["ocrb"], ocrb_pages) < 0.01
    auto_fonts, latin_fonts, ocrb_fonts = (_cer(models[m], font_pages) for m in ("auto", "latin", "ocrb"))
    assert len(runs) >= 3
    print(f"fonts: auto {auto_fonts:.3f}, latin {latin_fonts:.3f}, ocrb {ocrb_fonts:.3f}")
    assert auto_fonts <= latin_fonts + 0.01 and auto_fonts < 0.5 * ocrb_fonts


def test_auto_reads_small_document_text_as_the_latin_model_without_the_specialists_second_reading(models,
                                                                                                   monkeypatch):
    """Document text at em 13-17 px, which the specialist reads unsurely as it is and would enlarge: the general
    model reads the page, shows no fixed-pitch print, and its reading stands; OCR-B print at half size still goes
    to the specialist."""
    from PIL import Image

    from pxocr.synth import preset, render_page
    from pxocr.synth.fonts import font_set

    docs = [render_page(preset("clean", width=480, height=480, fonts=font_set("train"), size_min=13, size_max=17),
                        880013, i) for i in (0, 5)]  # proportional families (pages 2-4: monospaced ones)
    auto = models["auto"]
    again = []
    monkeypatch.setattr(auto, "read_again", lambda *a, real=auto.read_again, **k: again.append(1) or real(*a, **k))
    for image, _ in docs:
        assert auto.predict(image).text == models["latin"].predict(image).text
    assert again == []

    image, _ = render_page(preset("clean", width=640, height=640), 880014, 0)
    half = np.asarray(Image.fromarray(image).resize((320, 320), Image.LANCZOS))
    assert auto.predict(half).text == models["ocrb"].predict(half).text
    assert again  # the specialist read on, enlarged


def test_auto_with_orientation_auto_reads_document_text_the_way_up_the_latin_model_finds(models):
    """With ``--orientation auto``, a page of small document text: the general model finds its way up itself. (Before,
    the specialist chose the turn for both models: on this page a quarter turn, read at 88 % CER.)"""
    from pxocr.synth import preset, render_page
    from pxocr.synth.fonts import font_set

    image, gt = render_page(preset("clean", width=640, height=640, fonts=font_set("train"), size_min=13,
                                   size_max=17), 8300001, 2)
    text = models["auto"].with_capture(orientation="auto").predict(image).text
    assert text == models["latin"].with_capture(orientation="auto").predict(image).text
    assert Levenshtein.distance(text, gt.text) < 0.03 * len(gt.text)


def test_a_page_too_large_to_read_whole_is_looked_at_in_one_window(models, monkeypatch):
    """Document text on a page over ``TileConfig.max_whole``: the specialist reads one window of it, not the page,
    before the general model's reading shows no fixed-pitch print and stands."""
    from pxocr.synth import preset, render_page
    from pxocr.synth.fonts import font_set

    image, gt = render_page(preset("clean", width=1700, height=1500, fonts=font_set("train"), size_min=30,
                                   size_max=36, max_blocks=12), 880015, 0)
    auto = models["auto"]
    size = auto.tiles.max_whole
    shapes = []
    monkeypatch.setattr(auto, "detect", lambda gray, *a, real=auto.detect, **k: shapes.append(gray.shape)
                        or real(gray, *a, **k))
    text = auto.predict(image).text
    assert shapes and all(max(s) <= size for s in shapes)  # the specialist never read the whole page
    assert text == models["latin"].predict(image).text
    assert Levenshtein.distance(text, gt.text) < 0.03 * len(gt.text)
