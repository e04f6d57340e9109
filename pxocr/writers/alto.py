"""ALTO 4.4 writer: ``Page`` > ``PrintSpace`` > ``TextBlock`` > ``TextLine`` > ``String`` / ``SP``
> ``Glyph`` (> ``Variant``).

Coordinates are float pixels of the input image (``MeasurementUnit`` pixel) with three
decimals: ``HPOS``/``VPOS`` the box's left/top edge, ``WIDTH``/``HEIGHT`` its size, exactly
the JSON boxes (DESIGN.md 1.1). ``String`` is a space-separated word, its box the union of
its glyphs; ``SP`` spans the gap between two words. ``WC`` (word) and ``GC`` (glyph) are the
scores in [0, 1]; a glyph's ``alternatives`` (extra key) become ``Variant`` elements with
their scores as ``VC``. A line's baseline, when known, is written as the two points where
it meets the line box's left and right edges. A line's ``style`` and ``monospaced`` (extra
keys, ``pxocr.decode.style``) become a shared ``TextStyle`` (``FONTSTYLE`` bold / italics,
``FONTWIDTH`` fixed / proportional) that the line's ``String`` elements name in ``STYLEREFS``.
Multi-page input gives one ALTO file with one ``Page`` per page.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Optional, Sequence

from pxocr.boxes import union_of as _union
from pxocr.document import Box, Char, Line, Page
from pxocr.writers.xmlutil import num, software, xml_text

NS = "http://www.loc.gov/standards/alto/ns-v4#"
SCHEMA = "http://www.loc.gov/standards/alto/ns-v4# http://www.loc.gov/alto/v4/alto-4-4.xsd"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"


def to_alto(pages: Sequence[Page], name: str = "") -> bytes:
    """Pages -> one ALTO 4.4 document (UTF-8 bytes)."""
    ET.register_namespace("", NS)
    ET.register_namespace("xsi", _XSI)
    root = ET.Element(_q("alto"), {f"{{{_XSI}}}schemaLocation": SCHEMA})
    desc = ET.SubElement(root, _q("Description"))
    ET.SubElement(desc, _q("MeasurementUnit")).text = "pixel"
    src = ET.SubElement(desc, _q("sourceImageInformation"))
    ET.SubElement(src, _q("fileName")).text = xml_text(name or (pages[0].image if pages else ""))
    step = ET.SubElement(ET.SubElement(desc, _q("OCRProcessing"), ID="OCR_0"), _q("ocrProcessingStep"))
    soft = ET.SubElement(step, _q("processingSoftware"))
    soft_name, soft_version = software()
    ET.SubElement(soft, _q("softwareName")).text = soft_name
    ET.SubElement(soft, _q("softwareVersion")).text = soft_version
    styles = _text_styles(pages)
    if styles:
        el = ET.SubElement(root, _q("Styles"))
        for attrs, sid in styles.items():
            ET.SubElement(el, _q("TextStyle"), {"ID": sid, **dict(attrs)})
    layout = ET.SubElement(root, _q("Layout"))
    for n, page in enumerate(pages, 1):
        _page(layout, page, n, styles)
    ET.indent(root, space=" ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _style_attrs(line: Line) -> tuple:
    """The ALTO formatting attributes of a line's style keys, as sorted (name, value) pairs."""
    attrs = {}
    style = line.extra.get("style", "regular")
    looks = [w for w, on in (("bold", "bold" in style), ("italics", "italic" in style)) if on]
    if looks:
        attrs["FONTSTYLE"] = " ".join(looks)
    if "monospaced" in line.extra:
        attrs["FONTWIDTH"] = "fixed" if line.extra["monospaced"] else "proportional"
    return tuple(sorted(attrs.items()))


def _text_styles(pages: Sequence[Page]) -> dict[tuple, str]:
    """Each distinct line style of the pages -> its TextStyle ID, in order of first use."""
    out: dict[tuple, str] = {}
    for page in pages:
        for line in page.lines:
            attrs = _style_attrs(line)
            if attrs and attrs not in out:
                out[attrs] = f"ts{len(out) + 1}"
    return out


def _page(layout: ET.Element, page: Page, n: int, styles: dict[tuple, str]) -> None:
    pid = f"p{n}"
    el = ET.SubElement(layout, _q("Page"), ID=pid, PHYSICAL_IMG_NR=str(n),
                       WIDTH=str(int(page.width)), HEIGHT=str(int(page.height)))
    space = ET.SubElement(el, _q("PrintSpace"), _pos((0.0, 0.0, float(page.width), float(page.height))))
    if not page.lines:
        return
    block = ET.SubElement(space, _q("TextBlock"), ID=f"{pid}_b1", **_pos(_union(ln.bbox for ln in page.lines)))
    for k, line in enumerate(page.lines, 1):
        _line(block, line, f"{pid}_l{k}", styles.get(_style_attrs(line)))


def _line(block: ET.Element, line: Line, lid: str, style: Optional[str] = None) -> None:
    attrs = {"ID": lid, **_pos(line.bbox)}
    if line.baseline is not None:
        x0, _, x1, _ = line.bbox
        attrs["BASELINE"] = f"{num(x0)},{num(line.baseline)} {num(x1)},{num(line.baseline)}"
    el = ET.SubElement(block, _q("TextLine"), attrs)
    words = line.words
    for w, word in enumerate(words, 1):
        box = _union(c.bbox for c in word)
        s_attrs = {"ID": f"{lid}_w{w}", **_pos(box), "CONTENT": xml_text("".join(c.char for c in word))}
        if style:
            s_attrs["STYLEREFS"] = style
        scores = [c.score for c in word]
        if all(s is not None for s in scores):
            s_attrs["WC"] = _conf(sum(scores) / len(scores))
        string = ET.SubElement(el, _q("String"), s_attrs)
        for g, c in enumerate(word, 1):
            _glyph(string, c, f"{lid}_w{w}_g{g}")
        if w < len(words):
            nxt = _union(c.bbox for c in words[w])
            x0, x1 = box[2], max(box[2], nxt[0])
            ET.SubElement(el, _q("SP"), HPOS=num(x0), VPOS=num(line.bbox[1]), WIDTH=num(x1 - x0))


def _glyph(string: ET.Element, c: Char, gid: str) -> None:
    attrs = {"ID": gid, **_pos(c.bbox), "CONTENT": xml_text(c.char)}
    if c.score is not None:
        attrs["GC"] = _conf(c.score)
    glyph = ET.SubElement(string, _q("Glyph"), attrs)
    for alt in c.extra.get("alternatives", []):
        ET.SubElement(glyph, _q("Variant"), CONTENT=xml_text(alt["char"]), VC=_conf(alt["score"]))


def _pos(b: Box) -> dict[str, str]:
    x0, y0, x1, y1 = b
    return {"HPOS": num(x0), "VPOS": num(y0), "WIDTH": num(x1 - x0), "HEIGHT": num(y1 - y0)}


def _conf(score: float) -> str:
    return num(min(max(float(score), 0.0), 1.0))


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"
