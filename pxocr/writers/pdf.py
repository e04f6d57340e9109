"""Searchable PDF writer: each page image with an invisible text layer in which every
character sits on its own glyph box.

Searchable PDFs made today (OCRmyPDF with Tesseract) stretch a word's text over the word's
box. Here each character is its own text object: its origin at the left end of its box's
bottom edge, its font size the box's height and its horizontal scaling (``Tz``) such that its
advance is the box's width. The font is an embedded empty font (``glyphless.ttf``:
ascender 1000, descender 0, every character one empty glyph 500 units wide, its text given
by ``ToUnicode``), drawn in render mode 3 (invisible). A reader that boxes characters by
advance and ascender/descender (MuPDF, pdfminer.six, pdf.js) therefore boxes each one as
pxocr did; search, selection, copy and redaction hit the glyph. A space sits between two
words across their gap, and gaps inside a word are closed just enough that readers join
its letters (:func:`layer_boxes`), so copied text reads as the line does.

A rendered PDF page keeps its size in points (``page_size_pt``); other pages are
``px * 72 / dpi`` points wide and high, with the page's ``dpi`` or :data:`DEFAULT_DPI`.
Page images are kept losslessly (Flate) or, with ``jpeg_quality``, as JPEG. The writer
streams: one page image at a time is in memory.
"""

from __future__ import annotations

import io
import zlib
from importlib.resources import files
from statistics import median
from typing import BinaryIO, Iterable, Optional, Sequence

import numpy as np

from pxocr.document import Box, Line, Page

DEFAULT_DPI = 300.0
_GLYPH_WIDTH = 500  # the glyphless font's advance, 1/1000 em


def to_pdf(out: BinaryIO, pages: Sequence[Page], images: Optional[Iterable[np.ndarray]],
           jpeg_quality: Optional[int] = None, exact: bool = False) -> None:
    """Write a PDF of ``pages`` to ``out``: page ``k`` shows ``images``' ``k``-th image (``(H, W)``
    uint8, the page's size) under its text layer; ``images=None`` writes the text layer alone
    (transparent pages, for grafting onto existing ones). ``exact``: every character's box is
    its glyph's box to the last decimal (:func:`layer_boxes`), at the cost of readers finding
    spaces inside words."""
    w = _PdfWriter(out)
    font = w.font()
    kids = []
    image_iter = iter(images) if images is not None else None
    for page in pages:
        gray = next(image_iter) if image_iter is not None else None
        if gray is not None and gray.shape != (page.height, page.width):
            raise ValueError(f"page image {gray.shape[::-1]} is not the page's size {page.width}x{page.height}")
        kids.append(w.page(page, gray, font, jpeg_quality, exact))
    w.finish(kids)


def text_layer(page: Page, scale: tuple[float, float], height_pt: float, exact: bool = False) -> bytes:
    """The content-stream operators that put ``page``'s characters (and the spaces between its
    words) on their boxes (:func:`layer_boxes`); ``scale`` is points per pixel in x and y.

    Each character's advance is its box's width; character spacing (``Tc``) then moves the pen
    on to the next character's left edge."""
    ops = ["BT", "3 Tr"]
    for line in page.lines:
        items = layer_boxes(line, exact)
        for i, (code, box) in enumerate(items):
            gap = (items[i + 1][1][0] - box[2]) if i + 1 < len(items) else 0.0
            ops.append(_show(code, box, gap, scale, height_pt))
    ops.append("ET")
    return "\n".join(ops).encode("ascii")


def layer_boxes(line: Line, exact: bool = False) -> list[tuple[int, Box]]:
    """The text layer of one line: ``(code point, box)`` per character in reading order, with a
    space (32) across the gap between each two words.

    Readers join characters into words and lines by the gaps between their boxes relative to
    each box's height (MuPDF adds a space past 0.15 of it, pdfminer.six past 0.1). So that a
    word copies as a word, a gap within a word wider than :data:`JOIN_GAP` of the smaller
    height is closed from both sides, and a character that floats above the baseline (a
    hyphen, a quote) reaches down to it; every other edge is the glyph's own. ``exact`` keeps
    every edge the glyph's own.
    """
    if not line.chars:
        return []
    baseline = line.baseline if line.baseline is not None else _baseline(line)
    items: list[tuple[int, list[float]]] = []
    words = line.words
    for k, word in enumerate(words):
        boxes = [list(c.bbox) for c in word]
        for b in boxes if not exact else []:
            if b[3] < baseline:
                b[3] = baseline
        for a, b in zip(boxes, boxes[1:]) if not exact else []:
            allowed = JOIN_GAP * min(a[3] - a[1], b[3] - b[1])
            excess = (b[0] - a[2]) - allowed
            if excess > 0:
                a[2] += excess / 2
                b[0] -= excess / 2
        items.extend((ord(c.char), b) for c, b in zip(word, boxes))
        if k + 1 < len(words):
            x1, nxt = boxes[-1][2], words[k + 1][0].bbox[0]
            items.append((32, [x1, min(b[1] for b in boxes), max(nxt, x1 + 1e-3), max(b[3] for b in boxes)]))
    return [(code, (b[0], b[1], b[2], b[3])) for code, b in items]


JOIN_GAP = 0.09


def _baseline(line: Line) -> float:
    """A line's baseline without a fitted one: the median bottom of its taller characters."""
    heights = [c.bbox[3] - c.bbox[1] for c in line.chars]
    tall = [c.bbox[3] for c, h in zip(line.chars, heights) if h >= 0.5 * max(heights)]
    return float(median(tall))


def _show(code: int, box: Box, gap: float, scale: tuple[float, float], height_pt: float) -> str:
    """One character: font size = box height, ``Tz`` so that its advance is the box width,
    ``Tc`` so that the pen then lands ``gap`` px further (both in points)."""
    x0, x1 = box[0] * scale[0], box[2] * scale[0]
    y0, y1 = box[1] * scale[1], box[3] * scale[1]
    size = max(y1 - y0, 1e-3)
    th = max((x1 - x0) / (size * _GLYPH_WIDTH / 1000.0), 1e-4)  # horizontal scaling, 1 = 100 %
    tc = gap * scale[0] / th
    cid = code if code <= 0xFFFF else 0xFFFD
    return f"/F1 {size:.4f} Tf {100 * th:.4f} Tz {tc:.4f} Tc 1 0 0 1 {x0:.4f} {height_pt - y1:.4f} Tm <{cid:04X}> Tj"


class _PdfWriter:
    """A minimal PDF 1.5 writer that writes objects as they come and the xref at the end."""

    def __init__(self, out: BinaryIO):
        self.out = out
        self.offsets: dict[int, int] = {}
        self.next_id = 3  # 1: catalog, 2: page tree (written last)
        self.pos = 0
        self._write(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")

    def _write(self, data: bytes) -> None:
        self.out.write(data)
        self.pos += len(data)

    def reserve(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def obj(self, body: bytes, oid: Optional[int] = None) -> int:
        oid = oid or self.reserve()
        self.offsets[oid] = self.pos
        self._write(b"%d 0 obj\n" % oid + body + b"\nendobj\n")
        return oid

    def stream(self, data: bytes, extra: str = "", compress: bool = True) -> int:
        if compress:
            data = zlib.compress(data, 6)
            extra = "/Filter /FlateDecode " + extra
        return self.obj(f"<< {extra}/Length {len(data)} >>\nstream\n".encode() + data + b"\nendstream")

    def font(self) -> int:
        ttf = files("pxocr.writers").joinpath("glyphless.ttf").read_bytes()
        font_file = self.stream(ttf, f"/Length1 {len(ttf)} ")
        desc = self.obj(
            f"<< /Type /FontDescriptor /FontName /GlyphLessFont /Flags 5 /FontBBox [0 0 {_GLYPH_WIDTH} 1000] "
            f"/ItalicAngle 0 /Ascent 1000 /Descent 0 /CapHeight 1000 /StemV 80 /FontFile2 {font_file} 0 R >>"
            .encode())
        to_gid = self.stream(b"\x00\x01" * 65536)  # every CID -> glyph 1
        cid_font = self.obj(
            f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /GlyphLessFont "
            f"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
            f"/FontDescriptor {desc} 0 R /DW {_GLYPH_WIDTH} /CIDToGIDMap {to_gid} 0 R >>".encode())
        to_unicode = self.stream(_TO_UNICODE)
        return self.obj(
            f"<< /Type /Font /Subtype /Type0 /BaseFont /GlyphLessFont /Encoding /Identity-H "
            f"/DescendantFonts [{cid_font} 0 R] /ToUnicode {to_unicode} 0 R >>".encode())

    def page(self, page: Page, gray: Optional[np.ndarray], font: int, jpeg_quality: Optional[int],
             exact: bool) -> int:
        if page.page_size_pt is not None:  # a rendered PDF page keeps its own size
            w_pt, h_pt = page.page_size_pt
        else:
            w_pt, h_pt = (v * 72.0 / float(page.dpi or DEFAULT_DPI) for v in (page.width, page.height))
        scale = (w_pt / page.width, h_pt / page.height)
        ops = []
        resources = f"/Font << /F1 {font} 0 R >>"
        if gray is not None:
            image = self._image(gray, jpeg_quality)
            resources += f" /XObject << /Im1 {image} 0 R >>"
            ops.append(f"q {w_pt:.4f} 0 0 {h_pt:.4f} 0 0 cm /Im1 Do Q".encode())
        ops.append(text_layer(page, scale, h_pt, exact))
        content = self.stream(b"\n".join(ops))
        return self.obj(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {w_pt:.4f} {h_pt:.4f}] "
            f"/Resources << {resources} >> /Contents {content} 0 R >>".encode())

    def _image(self, gray: np.ndarray, jpeg_quality: Optional[int]) -> int:
        h, w = gray.shape
        head = f"/Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace /DeviceGray /BitsPerComponent 8 "
        if jpeg_quality is None:
            return self.stream(np.ascontiguousarray(gray, dtype=np.uint8).tobytes(), head)
        from PIL import Image

        buf = io.BytesIO()
        Image.fromarray(gray, "L").save(buf, format="JPEG", quality=int(jpeg_quality))
        return self.stream(buf.getvalue(), head + "/Filter /DCTDecode ", compress=False)

    def finish(self, kids: list[int]) -> None:
        refs = " ".join(f"{k} 0 R" for k in kids)
        self.obj(f"<< /Type /Pages /Kids [{refs}] /Count {len(kids)} >>".encode(), 2)
        self.obj(b"<< /Type /Catalog /Pages 2 0 R >>", 1)
        xref = self.pos
        n = self.next_id
        rows = [b"0000000000 65535 f \n"] + [b"%010d 00000 n \n" % self.offsets[i] for i in range(1, n)]
        self._write(b"xref\n0 %d\n" % n + b"".join(rows))
        self._write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (n, xref))


_TO_UNICODE = b"""/CIDInit /ProcSet findresource begin
12 dict begin
begincmap
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
/CMapName /Adobe-Identity-UCS def
/CMapType 2 def
1 begincodespacerange
<0000> <FFFF>
endcodespacerange
1 beginbfrange
<0000> <FFFF> <0000>
endbfrange
endcmap
CMapName currentdict /defineresource pop
end
end
"""
