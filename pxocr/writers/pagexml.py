"""PAGE XML 2019-07-15 writer: ``Page`` > ``TextRegion`` > ``TextLine`` > ``Word`` > ``Glyph``, each
with its ``Coords`` and ``TextEquiv``.

PAGE holds one page per file, so a multi-page input gives one file per page.

**Rounding rule.** PAGE coordinates are integer pixel positions. A float box
``[x0, y0, x1, y1]`` (DESIGN.md 1.1: pixel column ``i`` covers ``[i, i+1)``) becomes the
rectangle of the pixels it touches: from column ``floor(x0)`` to column ``ceil(x1) - 1`` and
from row ``floor(y0)`` to row ``ceil(y1) - 1`` (never less than one pixel), written as the
four corners top-left, top-right, bottom-right, bottom-left. The float boxes themselves are
kept in each element's ``custom`` attribute as ``bbox {x0:..;y0:..;x1:..;y1:..}``.

``TextEquiv`` ``conf`` is the score in [0, 1]; a glyph's ``alternatives`` (extra key) follow
its reading as further ``TextEquiv`` elements with ``index`` 2, 3, ...; a line's baseline,
when known, is a ``Baseline`` from the line box's left edge to its right edge; its ``style``
and ``monospaced`` (extra keys, ``pxocr.decode.style``) are its ``TextStyle``'s ``bold``,
``italic`` and ``monospace``.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from typing import Optional, Sequence

from pxocr.boxes import union_of
from pxocr.document import Box, Char, Line, Page
from pxocr.writers.xmlutil import num, software, xml_text

NS = "http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15"
SCHEMA = f"{NS} {NS}/pagecontent.xsd"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"


def to_page_xml(pages: Sequence[Page], name: str = "", created: Optional[datetime] = None) -> bytes:
    """One page -> a PAGE XML document (UTF-8 bytes). Raises ValueError for any other count."""
    if len(pages) != 1:
        raise ValueError(f"PAGE XML holds one page per file, got {len(pages)}")
    (page,) = pages
    ET.register_namespace("", NS)
    ET.register_namespace("xsi", _XSI)
    root = ET.Element(_q("PcGts"), {f"{{{_XSI}}}schemaLocation": SCHEMA})
    meta = ET.SubElement(root, _q("Metadata"))
    stamp = (created or datetime.now(timezone.utc)).replace(microsecond=0).isoformat()
    ET.SubElement(meta, _q("Creator")).text = " ".join(software())
    ET.SubElement(meta, _q("Created")).text = stamp
    ET.SubElement(meta, _q("LastChange")).text = stamp
    el = ET.SubElement(root, _q("Page"), imageFilename=xml_text(page.image or name),
                       imageWidth=str(int(page.width)), imageHeight=str(int(page.height)))
    if page.lines:
        region = ET.SubElement(el, _q("TextRegion"), id="r1", custom=_custom(union_of(ln.bbox for ln in page.lines)))
        _coords(region, union_of(ln.bbox for ln in page.lines))
        for k, line in enumerate(page.lines, 1):
            _line(region, line, f"r1_l{k}")
        _equiv(region, page.text, None)
    ET.indent(root, space=" ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _line(region: ET.Element, line: Line, lid: str) -> None:
    el = ET.SubElement(region, _q("TextLine"), id=lid, custom=_custom(line.bbox))
    _coords(el, line.bbox)
    if line.baseline is not None:
        y = _pixel(line.baseline)
        x0, x1 = _span(line.bbox[0], line.bbox[2])
        ET.SubElement(el, _q("Baseline"), points=f"{x0},{y} {x1},{y}")
    for w, word in enumerate(line.words, 1):
        box = union_of(c.bbox for c in word)
        wel = ET.SubElement(el, _q("Word"), id=f"{lid}_w{w}", custom=_custom(box))
        _coords(wel, box)
        for g, c in enumerate(word, 1):
            _glyph(wel, c, f"{lid}_w{w}_g{g}")
        scores = [c.score for c in word]
        _equiv(wel, "".join(c.char for c in word),
               sum(scores) / len(scores) if all(s is not None for s in scores) else None)
    _equiv(el, line.text, line.score)
    if "style" in line.extra:
        style = line.extra["style"]
        attrs = {"bold": _bool("bold" in style), "italic": _bool("italic" in style)}
        if "monospaced" in line.extra:
            attrs["monospace"] = _bool(line.extra["monospaced"])
        ET.SubElement(el, _q("TextStyle"), attrs)


def _bool(v: bool) -> str:
    return "true" if v else "false"


def _glyph(word: ET.Element, c: Char, gid: str) -> None:
    el = ET.SubElement(word, _q("Glyph"), id=gid, custom=_custom(c.bbox))
    _coords(el, c.bbox)
    alts = c.extra.get("alternatives", [])
    _equiv(el, c.char, c.score, index=1 if alts else None)
    for i, alt in enumerate(alts, 2):
        _equiv(el, alt["char"], alt["score"], index=i)


def _coords(el: ET.Element, b: Box) -> None:
    """The rectangle of pixels ``b`` touches (the module's rounding rule)."""
    x0, x1 = _span(b[0], b[2])
    y0, y1 = _span(b[1], b[3])
    ET.SubElement(el, _q("Coords"), points=f"{x0},{y0} {x1},{y0} {x1},{y1} {x0},{y1}")


def _span(lo: float, hi: float) -> tuple[int, int]:
    """First and last pixel index that ``[lo, hi)`` touches (at least one pixel)."""
    first = max(0, math.floor(lo))
    return first, max(first, math.ceil(hi) - 1)


def _pixel(v: float) -> int:
    return max(0, math.floor(v))


def _equiv(el: ET.Element, text: str, score: Optional[float], index: Optional[int] = None) -> None:
    attrs = {}
    if index is not None:
        attrs["index"] = str(index)
    if score is not None:
        attrs["conf"] = num(min(max(float(score), 0.0), 1.0))
    ET.SubElement(ET.SubElement(el, _q("TextEquiv"), attrs), _q("Unicode")).text = xml_text(text)


def _custom(b: Box) -> str:
    x0, y0, x1, y1 = (num(v) for v in b)
    return f"bbox {{x0:{x0};y0:{y0};x1:{x1};y1:{y1}}}"


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"
