"""hOCR writer and reader: XHTML as Tesseract writes it, with character boxes.

Layout per page: ``ocr_page`` > ``ocr_carea`` > ``ocr_par`` > ``ocr_line`` > ``ocrx_word``
(one per space-separated word) > ``ocrx_cinfo`` (one per character). Integer boxes follow
hOCR: ``bbox`` / ``x_bboxes`` are ``x0 y0 x1 y1`` with ``floor`` for x0, y0 and ``ceil`` for
x1, y1, so they hold the exact box. Our extensions keep what integers lose: ``x_fbboxes``
on each character and ``x_fbbox`` on each line hold the float boxes (DESIGN.md 1.1, three
decimals as in the JSON output), ``x_conf`` on a line its score in percent.

Inside an ``ocr_line`` the writer puts no layout whitespace: the text between word spans
is exactly the line's spaces, so :func:`from_hocr` recovers ``Line.text`` unchanged.
Characters that XML 1.0 cannot hold (control characters, lone surrogates) are written
as U+FFFD.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from typing import Iterator, Optional, Sequence, Union

from pxocr.boxes import union_of as _union
from pxocr.document import Box, Char, Line, Page
from pxocr.writers.xmlutil import num, software, xml_text

_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"
    "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">
 <head>
  <title></title>
  <meta http-equiv="Content-Type" content="text/html;charset=utf-8"/>
  <meta name="ocr-system" content="{system}"/>
  <meta name="ocr-capabilities" content="{capabilities}"/>
 </head>
 <body>
"""
_CAPABILITIES = "ocr_page ocr_carea ocr_par ocr_line ocrx_word ocrx_cinfo ocrp_wconf"
_TAIL = """ </body>
</html>
"""
_LINE_CLASSES = {"ocr_line", "ocr_header", "ocr_textfloat", "ocr_caption"}
_TITLE_PART = re.compile(r'(?:[^;"]|"(?:[^"\\]|\\.)*")+')


# ---------------------------------------------------------------------------- writing


def to_hocr(pages: Union[Page, Sequence[Page]]) -> str:
    """Pages -> one hOCR document (XHTML text); pages are numbered ``ppageno`` 0, 1, ..."""
    if isinstance(pages, Page):
        pages = [pages]
    out = [_HEAD.format(system=_escape(_system()), capabilities=_CAPABILITIES)]
    for n, page in enumerate(pages):
        out.extend(_page(page, n))
    out.append(_TAIL)
    return "".join(out)


def _page(page: Page, n: int) -> Iterator[str]:
    p = n + 1
    image = page.image.replace("\\", "\\\\").replace('"', '\\"')
    title = f'image "{image}"; bbox 0 0 {int(page.width)} {int(page.height)}; ppageno {n}'
    yield f'  <div class="ocr_page" id="page_{p}" title="{_escape(title)}">\n'
    if page.lines:
        area = _int_box(_union(line.bbox for line in page.lines))
        yield f'   <div class="ocr_carea" id="block_{p}_1" title="bbox {area}">\n'
        yield f'    <p class="ocr_par" id="par_{p}_1" title="bbox {area}">\n'
        words = 0
        for k, line in enumerate(page.lines, 1):
            span, words = _line(line, f"line_{p}_{k}", p, words)
            yield f"     {span}\n"
        yield "    </p>\n   </div>\n"
    yield "  </div>\n"


def _line(line: Line, line_id: str, p: int, words: int) -> tuple[str, int]:
    """One ``ocr_line`` span on one XML line; returns it and the running word count."""
    title = f"bbox {_int_box(line.bbox)}; x_fbbox {_float_box(line.bbox)}"
    if line.score is not None:
        title += f"; x_conf {_pct(line.score)}"
    parts = [f'<span class="ocr_line" id="{line_id}" title="{title}">']
    chars = iter(line.chars)
    for token in re.findall(r" +|[^ ]+", line.text):
        if token.startswith(" "):
            parts.append(token)
            continue
        words += 1
        word = [next(chars) for _ in token]
        parts.append(_word(word, f"word_{p}_{words}"))
    parts.append("</span>")
    return "".join(parts), words


def _word(chars: list[Char], word_id: str) -> str:
    title = f"bbox {_int_box(_union(c.bbox for c in chars))}"
    scores = [c.score for c in chars]
    if all(s is not None for s in scores):
        title += f"; x_wconf {round(100 * sum(scores) / len(scores))}"
    spans = [f'<span class="ocrx_word" id="{word_id}" title="{title}">']
    for c in chars:
        ctitle = f"x_bboxes {_int_box(c.bbox)}; x_fbboxes {_float_box(c.bbox)}"
        if c.score is not None:
            ctitle += f"; x_conf {_pct(c.score)}"
        spans.append(f'<span class="ocrx_cinfo" title="{ctitle}">{_escape(c.char)}</span>')
    spans.append("</span>")
    return "".join(spans)


def _int_box(b: Box) -> str:
    """hOCR integer box: the smallest pixel-aligned box holding ``b``."""
    x0, y0, x1, y1 = b
    return f"{math.floor(x0)} {math.floor(y0)} {math.ceil(x1)} {math.ceil(y1)}"


def _float_box(b: Box) -> str:
    return " ".join(num(v) for v in b)


def _pct(score: float) -> str:
    return num(round(100 * float(score), 2))


def _escape(s: str) -> str:
    """Text or attribute value -> XML: illegal characters become U+FFFD; ``\\r\\n\\t`` survive."""
    s = xml_text(s)
    for a, b in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"),
                 ("\r", "&#13;"), ("\n", "&#10;"), ("\t", "&#9;")):
        s = s.replace(a, b)
    return s


def _system() -> str:
    return " ".join(software())


# ---------------------------------------------------------------------------- reading


def from_hocr(text: Union[str, bytes]) -> list[Page]:
    """Parse hOCR (ours, or Tesseract's with character boxes) back into pages.

    Float boxes come from ``x_fbboxes`` / ``x_fbbox`` where present, else from the integer
    ``x_bboxes`` / ``bbox``. Raises ValueError on malformed XML or a word without
    ``ocrx_cinfo`` character boxes.
    """
    try:
        root = ET.fromstring(text)
    except ET.ParseError as e:
        raise ValueError(f"not well-formed hOCR: {e}") from None
    pages = []
    for page_el in _with_class(root, {"ocr_page"}):
        props = _title(page_el)
        bbox = [int(float(v)) for v in props.get("bbox", "0 0 0 0").split()]
        image = re.sub(r'\\([\\"])', r"\1", props.get("image", '""').strip()[1:-1])
        lines = [_read_line(el) for el in _with_class(page_el, _LINE_CLASSES)]
        pages.append(Page(bbox[2] - bbox[0], bbox[3] - bbox[1], lines, image))
    return pages


def _read_line(el: ET.Element) -> Line:
    props = _title(el)
    words = list(_with_class(el, {"ocrx_word"}))
    text = _spaces(el.text, inner=False)
    chars: list[Char] = []
    for i, word in enumerate(words):
        word_chars = _read_word(word)
        chars.extend(word_chars)
        text += "".join(c.char for c in word_chars)
        text += _spaces(word.tail, inner=i + 1 < len(words))
    bbox = _floats(props.get("x_fbbox") or props.get("bbox", "0 0 0 0"))
    score = float(props["x_conf"]) / 100 if "x_conf" in props else None
    return Line(text, bbox, chars, score)


def _read_word(el: ET.Element) -> list[Char]:
    cinfos = list(_with_class(el, {"ocrx_cinfo"}))
    if not cinfos:
        raise ValueError(f"hOCR word {el.get('id', '?')!r} has no ocrx_cinfo character boxes")
    chars = []
    for ci in cinfos:
        props = _title(ci)
        s = "".join(ci.itertext()).replace(" ", "")
        box = _floats(props.get("x_fbboxes") or props.get("x_bboxes", "0 0 0 0"))
        score = float(props["x_conf"]) / 100 if "x_conf" in props else None
        # one cinfo may hold a ligature ("fi"): share its box out evenly in x
        step = (box[2] - box[0]) / max(len(s), 1)
        for j, c in enumerate(s):
            chars.append(Char(c, (box[0] + j * step, box[1], box[0] + (j + 1) * step, box[3]), score))
    return chars


def _spaces(s: Optional[str], inner: bool) -> str:
    """Text between words: exact when it is only spaces (ours), else layout whitespace."""
    if s and s.strip(" ") == "":
        return s
    return " " if inner else ""


def _with_class(el: ET.Element, classes: set[str]) -> Iterator[ET.Element]:
    """Descendants of ``el`` (not ``el`` itself) carrying one of ``classes``, in document order."""
    for sub in el.iter():
        if sub is not el and classes.intersection((sub.get("class") or "").split()):
            yield sub


def _title(el: ET.Element) -> dict[str, str]:
    """hOCR ``title`` properties: ``'bbox 1 2 3 4; x_conf 9'`` -> ``{"bbox": "1 2 3 4", ...}``."""
    props = {}
    for part in _TITLE_PART.findall(el.get("title") or ""):
        key, _, value = part.strip().partition(" ")
        if key:
            props[key] = value.strip()
    return props


def _floats(s: str) -> Box:
    x0, y0, x1, y1 = (float(v) for v in s.split()[:4])
    return (x0, y0, x1, y1)
