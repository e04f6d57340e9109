"""ALTO 4.4 and PAGE XML 2019: every output valid against the official schemas (offline copies
in ``../shared/schemas``), and read back to the same text and boxes."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest
import xmlschema

import pxocr
from pxocr.document import Char, Line, Page
from pxocr.synth import preset, render_page
from pxocr.writers.alto import NS as ALTO_NS
from pxocr.writers.alto import to_alto
from pxocr.writers.pagexml import NS as PAGE_NS
from pxocr.writers.pagexml import to_page_xml

SCHEMAS = Path(__file__).resolve().parents[2] / "shared" / "schemas"
SEED = 7_420_001


@pytest.fixture(scope="module")
def alto_schema():
    assert SCHEMAS.is_dir(), f"{SCHEMAS} is missing: the tests validate against its schemas"
    # ALTO imports XLink by URL; the offline copy stands in for it
    return xmlschema.XMLSchema(str(SCHEMAS / "alto-4-4.xsd"),
                               uri_mapper={"http://www.loc.gov/standards/xlink/xlink.xsd": str(SCHEMAS / "xlink.xsd")})


@pytest.fixture(scope="module")
def page_schema():
    return xmlschema.XMLSchema(str(SCHEMAS / "page.xsd"))


@pytest.fixture(scope="module")
def read_pages():
    cfg = replace(preset("clean"), width=480, height=400)
    return [pxocr.read(render_page(cfg, SEED, i)[0], threads=1).pages[0] for i in range(2)]


def hand_page() -> Page:
    """Two words, scores, alternatives on one glyph, a baseline; a character XML must escape."""
    chars = [Char("A", (10.25, 5.0, 20.0, 15.75), 0.9, {"alternatives": [{"char": "4", "score": 0.07}]}),
             Char("&", (21.5, 5.0, 30.0, 15.0), 0.8), Char("b", (40.0, 4.5, 49.125, 15.0), 0.7)]
    return Page(100, 40, [Line("A& b", (10.25, 4.5, 49.125, 15.75), chars, 0.8, baseline=15.0)], "hand.png")


def test_alto_is_valid_and_reads_back(alto_schema, read_pages):
    xml = to_alto(read_pages, "two.tif")
    alto_schema.validate(ET.fromstring(xml))
    root = ET.fromstring(xml)
    q = lambda t: f"{{{ALTO_NS}}}{t}"
    assert root.find(f"{q('Description')}/{q('MeasurementUnit')}").text == "pixel"
    pages = root.findall(f".//{q('Page')}")
    assert len(pages) == 2
    for el, page in zip(pages, read_pages):
        assert (int(el.get("WIDTH")), int(el.get("HEIGHT"))) == (page.width, page.height)
        glyphs = el.findall(f".//{q('Glyph')}")
        assert [g.get("CONTENT") for g in glyphs] == [c.char for c in page.chars]
        for g, c in zip(glyphs, page.chars):
            x, y, w, h = (float(g.get(k)) for k in ("HPOS", "VPOS", "WIDTH", "HEIGHT"))
            assert (x, y, x + w, y + h) == pytest.approx(c.bbox, abs=2e-3)
            assert float(g.get("GC")) == pytest.approx(c.score, abs=1e-3)
        lines = el.findall(f".//{q('TextLine')}")
        text = [" ".join(s.get("CONTENT") for s in ln.findall(q("String"))) for ln in lines]
        assert text == [" ".join(ln.text.split()) for ln in page.lines]


def test_alto_hand_built_page(alto_schema):
    xml = to_alto([hand_page()])
    alto_schema.validate(ET.fromstring(xml))
    root = ET.fromstring(xml)
    q = lambda t: f"{{{ALTO_NS}}}{t}"
    line = root.find(f".//{q('TextLine')}")
    assert line.get("BASELINE") == "10.25,15 49.125,15"
    s1, sp, s2 = list(line)
    assert (s1.tag, sp.tag, s2.tag) == (q("String"), q("SP"), q("String"))
    assert s1.get("CONTENT") == "A&" and s1.get("WC") == "0.85"
    assert (sp.get("HPOS"), sp.get("WIDTH")) == ("30", "10")
    (variant,) = s1.find(q("Glyph")).findall(q("Variant"))
    assert (variant.get("CONTENT"), variant.get("VC")) == ("4", "0.07")
    assert b"A&amp;" in xml


def test_page_xml_is_valid_and_follows_the_rounding_rule(page_schema, read_pages):
    for page in read_pages:
        xml = to_page_xml([page])
        page_schema.validate(ET.fromstring(xml))
        root = ET.fromstring(xml)
        q = lambda t: f"{{{PAGE_NS}}}{t}"
        glyphs = root.findall(f".//{q('Glyph')}")
        assert [g.find(f"{q('TextEquiv')}/{q('Unicode')}").text for g in glyphs] == [c.char for c in page.chars]
        for g, c in zip(glyphs, page.chars):
            pts = [tuple(map(int, p.split(","))) for p in g.find(q("Coords")).get("points").split()]
            x0, y0, x1, y1 = c.bbox
            first_x, first_y = math.floor(x0), math.floor(y0)
            last_x, last_y = max(first_x, math.ceil(x1) - 1), max(first_y, math.ceil(y1) - 1)
            assert pts == [(first_x, first_y), (last_x, first_y), (last_x, last_y), (first_x, last_y)]
        lines = root.findall(f".//{q('TextLine')}")
        assert [ln.find(f"{q('TextEquiv')}/{q('Unicode')}").text for ln in lines] == [ln.text for ln in page.lines]


def test_page_xml_hand_built_page(page_schema):
    stamp = datetime(2026, 12, 3, 6, 0, tzinfo=timezone.utc)
    xml = to_page_xml([hand_page()], created=stamp)
    page_schema.validate(ET.fromstring(xml))
    root = ET.fromstring(xml)
    q = lambda t: f"{{{PAGE_NS}}}{t}"
    assert root.find(f"{q('Metadata')}/{q('Created')}").text == "2026-12-03T06:00:00+00:00"
    glyph = root.find(f".//{q('Glyph')}")
    # [10.25, 5.0, 20.0, 15.75] touches columns 10..19 and rows 5..15
    assert glyph.find(q("Coords")).get("points") == "10,5 19,5 19,15 10,15"
    assert glyph.get("custom") == "bbox {x0:10.25;y0:5;x1:20;y1:15.75}"
    equivs = glyph.findall(q("TextEquiv"))
    assert [(e.get("index"), e.get("conf"), e.find(q("Unicode")).text) for e in equivs] == [
        ("1", "0.9", "A"), ("2", "0.07", "4")]
    words = root.findall(f".//{q('Word')}")
    assert [w.find(f"{q('TextEquiv')}/{q('Unicode')}").text for w in words] == ["A&", "b"]
    assert root.find(f".//{q('Baseline')}").get("points") == "10,15 49,15"
    with pytest.raises(ValueError, match="one page per file"):
        to_page_xml([hand_page(), hand_page()])


def test_empty_page_is_valid_in_both(alto_schema, page_schema):
    empty = Page(64, 32, [], "blank.png")
    alto_schema.validate(ET.fromstring(to_alto([empty])))
    page_schema.validate(ET.fromstring(to_page_xml([empty])))


def test_line_styles_in_both(alto_schema, page_schema):
    """A line's style keys become an ALTO TextStyle its Strings refer to, and a PAGE TextStyle."""
    page = hand_page()
    page.lines[0].extra.update(style="bold-italic", monospaced=False)
    other = Line("c", (60.0, 5.0, 66.0, 15.0), [Char("c", (60.0, 5.0, 66.0, 15.0), 0.9)], 0.9,
                 {"style": "regular", "monospaced": True})
    page.lines.append(other)
    alto = to_alto([page, page])
    alto_schema.validate(ET.fromstring(alto))
    q = lambda t: f"{{{ALTO_NS}}}{t}"
    root = ET.fromstring(alto)
    styles = {s.get("ID"): (s.get("FONTSTYLE"), s.get("FONTWIDTH")) for s in root.iter(q("TextStyle"))}
    assert styles == {"ts1": ("bold italics", "proportional"), "ts2": (None, "fixed")}
    refs = [s.get("STYLEREFS") for s in root.iter(q("String"))]
    assert refs == ["ts1", "ts1", "ts2"] * 2
    xml = to_page_xml([page])
    page_schema.validate(ET.fromstring(xml))
    q = lambda t: f"{{{PAGE_NS}}}{t}"
    got = [ln.find(q("TextStyle")).attrib for ln in ET.fromstring(xml).iter(q("TextLine"))]
    assert got == [{"bold": "true", "italic": "true", "monospace": "false"},
                   {"bold": "false", "italic": "false", "monospace": "true"}]
