"""The registry of output formats: each one a pure function from a read document to bytes.

``pxocr read --format NAME`` and every other caller (batch runs, the service) pick a writer
here and nowhere else. A writer gets the document's name, its pages (the document tree of
``pxocr.document``) and, for formats that draw or embed the page images, a function that
yields those images again in page order (so a long PDF never holds all its pages at once).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Callable, Iterator, Optional, Sequence

import numpy as np

from pxocr.document import Page

Images = Callable[[], Iterator[np.ndarray]]
"""Yields the ``(H, W)`` uint8 page images in page order, afresh on each call."""


@dataclass(frozen=True)
class WriteOptions:
    zoom: int = 2  # overlay enlargement
    jpeg_quality: Optional[int] = None  # PDF page images: None = lossless (Flate), else JPEG at this quality
    pdf_exact: bool = False  # PDF text layer: glyph boxes to the last decimal (readers may split words)


@dataclass(frozen=True)
class Format:
    name: str
    suffix: str  # the output file's suffix
    help: str
    write: Callable[[str, Sequence[Page], Optional[Images], WriteOptions], bytes]
    binary: bool = False  # bytes for a file, never for a terminal
    per_page: bool = False  # one output per page (``write`` gets one page at a time)
    needs_images: bool = False


def _text(name: str, pages: Sequence[Page], images: Optional[Images], opt: WriteOptions) -> bytes:
    return ("\f".join(p.text for p in pages) + "\n").encode("utf-8")


def _json(name: str, pages: Sequence[Page], images: Optional[Images], opt: WriteOptions) -> bytes:
    from .jsonout import to_json

    return to_json(list(pages), name, indent=1).encode("utf-8")


def _hocr(name: str, pages: Sequence[Page], images: Optional[Images], opt: WriteOptions) -> bytes:
    from .hocr import to_hocr

    return to_hocr(list(pages)).encode("utf-8")


def _alto(name: str, pages: Sequence[Page], images: Optional[Images], opt: WriteOptions) -> bytes:
    from .alto import to_alto

    return to_alto(list(pages), name)


def _page_xml(name: str, pages: Sequence[Page], images: Optional[Images], opt: WriteOptions) -> bytes:
    from .pagexml import to_page_xml

    return to_page_xml(list(pages), name)


def _pdf(name: str, pages: Sequence[Page], images: Optional[Images], opt: WriteOptions) -> bytes:
    from .pdf import to_pdf

    buf = io.BytesIO()
    to_pdf(buf, pages, images() if images is not None else None, jpeg_quality=opt.jpeg_quality, exact=opt.pdf_exact)
    return buf.getvalue()


def _overlay(name: str, pages: Sequence[Page], images: Optional[Images], opt: WriteOptions) -> bytes:
    from .overlay import draw_boxes

    (page,) = pages
    (gray,) = list(images())
    buf = io.BytesIO()
    draw_boxes(gray, pred=page, zoom=opt.zoom).save(buf, format="PNG")
    return buf.getvalue()


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("text", ".txt", "plain text, pages separated by form feeds", _text),
    Format("json", ".json", "the result schema: every line and character with its float box", _json),
    Format("hocr", ".hocr", "hOCR (XHTML) with character boxes", _hocr),
    Format("alto", ".alto.xml", "ALTO 4.4 XML with String and Glyph elements", _alto),
    Format("page", ".page.xml", "PAGE XML 2019 with Word and Glyph coordinates (a file per page)", _page_xml,
           per_page=True),
    Format("pdf", ".pdf", "the page images with an invisible text layer, each character on its glyph box",
           _pdf, binary=True, needs_images=True),
    Format("overlay", ".overlay.png", "a PNG per page with the character boxes drawn", _overlay,
           binary=True, per_page=True, needs_images=True),
)}


def format_help() -> str:
    """One line per format, for ``--help``."""
    return "; ".join(f"{f.name}: {f.help}" for f in FORMATS.values())


def render(fmt: Format, name: str, pages: Sequence[Page], images: Optional[Images],
           opt: WriteOptions = WriteOptions()) -> list[tuple[str, bytes]]:
    """``(file name suffix, bytes)`` for each output of one document: one, or one per page for a
    per-page format (suffix ``-1.overlay.png``, ... when there are several pages)."""
    if not fmt.per_page:
        return [(fmt.suffix, fmt.write(name, pages, images, opt))]
    out = []
    image_iter = images() if images is not None else None
    for k, page in enumerate(pages):
        gray = next(image_iter) if image_iter is not None else None
        one = (lambda g=gray: iter([g])) if gray is not None else None
        suffix = f"-{k + 1}{fmt.suffix}" if len(pages) > 1 else fmt.suffix
        out.append((suffix, fmt.write(name, [page], one, opt)))
    return out
