"""PDF input: each page rendered to grayscale pixels with PyMuPDF, one page at a time.

The resolution a page is rendered at (``dpi``) is the caller's, or chosen per page so that
its text lands where the model reads best:

- a page with a text layer: its body text (the median font size over its characters) is
  rendered at :data:`TARGET_EM_PX` pixels per em;
- a page without one (a scan): the resolution of its largest image, so that the scan's own
  pixels are read;
- otherwise :data:`DEFAULT_DPI`.

The result records each page's ``dpi`` and its size in points (``page_size_pt``), so that a
reader converts pixels to PDF points as ``pt = px * 72 / dpi`` (origin top left, y down).
"""

from __future__ import annotations

import re
from pathlib import Path
from statistics import median
from typing import Iterator, Optional, Sequence

import numpy as np

from pxocr.errors import InputError, UsageError
from pxocr.infer.image_io import InputPage

DEFAULT_DPI = 300.0
TARGET_EM_PX = 32.0  # body text em in pixels when the dpi follows the text layer
DPI_RANGE = (72.0, 600.0)  # chosen resolutions stay in this range
_STORE_EVERY = 16  # pages between trims of MuPDF's object cache (bounded memory on long files)


def is_pdf(path: Path) -> bool:
    """A file that starts as a PDF does (``%PDF`` within its first kilobyte)."""
    try:
        with open(path, "rb") as f:
            return b"%PDF" in f.read(1024)
    except OSError:
        return False


def parse_pages(spec: str) -> list[tuple[int, Optional[int]]]:
    """``"1-3,7,10-"`` -> ``[(1, 3), (7, 7), (10, None)]`` (1-based, inclusive; None: to the end)."""
    ranges: list[tuple[int, Optional[int]]] = []
    for part in spec.replace(" ", "").split(","):
        m = re.fullmatch(r"(\d+)(?:(-)(\d*))?", part)
        if not m or int(m.group(1)) < 1:
            raise UsageError(f"--pages {spec!r}: expected page numbers and ranges from 1, e.g. 1-3,7,10-")
        first = int(m.group(1))
        last = first if not m.group(2) else (int(m.group(3)) if m.group(3) else None)
        if last is not None and last < first:
            raise UsageError(f"--pages {spec!r}: range {part} runs backwards")
        ranges.append((first, last))
    return ranges


def select_pages(ranges: Optional[Sequence[tuple[int, Optional[int]]]], count: int, name: str) -> list[int]:
    """The 0-based page indices that ``ranges`` picks from ``count`` pages, in document order."""
    if not ranges:
        return list(range(count))
    picked = set()
    for first, last in ranges:
        if first > count:
            raise InputError(f"{name}: has {count} page{'s' if count != 1 else ''}, page {first} asked for")
        picked.update(range(first - 1, min(last or count, count)))
    return sorted(picked)


def iter_pdf(path: Path, dpi: Optional[float] = None, pages=None, skip_text: bool = False,
             max_pixels: int = 100_000_000) -> Iterator[InputPage]:
    """Render the pages of a PDF file one at a time (``pages``: ranges from :func:`parse_pages`).

    ``skip_text``: pages that already carry a text layer are not rendered (nor yielded).
    """
    pymupdf = _pymupdf()
    name = str(path)
    doc = _open(pymupdf, path, name)
    try:
        for n, index in enumerate(select_pages(pages, doc.page_count, name)):
            page_name = f"{name}#{index + 1}"
            try:
                page = doc.load_page(index)
                if skip_text and page.get_text("text").strip():
                    continue
                page_dpi = _fit(float(dpi) if dpi else choose_dpi(page), page.rect, max_pixels)
                pix = page.get_pixmap(dpi=None, matrix=pymupdf.Matrix(page_dpi / 72, page_dpi / 72),
                                      colorspace=pymupdf.csGRAY, alpha=False)
                gray = np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.stride)[:, : pix.width].copy()
            except InputError:
                raise
            except Exception as e:  # MuPDF raises plain RuntimeErrors on broken page content
                raise InputError(f"{page_name}: cannot render page ({' '.join(str(e).split())})") from None
            yield InputPage(page_name, gray, page_dpi, (float(page.rect.width), float(page.rect.height)))
            if n % _STORE_EVERY == _STORE_EVERY - 1:
                pymupdf.TOOLS.store_shrink(100)
    finally:
        doc.close()


def page_count(path: Path) -> int:
    """Pages in a PDF file (raises InputError like :func:`iter_pdf`)."""
    doc = _open(_pymupdf(), path, str(path))
    try:
        return doc.page_count
    finally:
        doc.close()


def choose_dpi(page) -> float:
    """The resolution for one PyMuPDF page: from its text's size, else its largest image's."""
    sizes = []
    for block in page.get_text("rawdict").get("blocks", []):
        for line in block.get("lines", []):
            for span in line.get("spans", []):
                n = sum(1 for c in span.get("chars", []) if not c["c"].isspace())
                sizes.extend([span["size"]] * n)
    if sizes:
        return _clamp(TARGET_EM_PX * 72.0 / max(median(sizes), 1.0))
    best = None
    for info in page.get_image_info():
        x0, y0, x1, y1 = info["bbox"]
        if x1 - x0 > 1 and y1 - y0 > 1 and info.get("width"):
            area = (x1 - x0) * (y1 - y0)
            if best is None or area > best[0]:
                best = (area, info["width"] * 72.0 / (x1 - x0))
    return _clamp(best[1]) if best else DEFAULT_DPI


def _clamp(dpi: float) -> float:
    return float(min(max(dpi, DPI_RANGE[0]), DPI_RANGE[1]))


def _fit(dpi: float, rect, max_pixels: int) -> float:
    """``dpi``, lowered if the page would exceed ``max_pixels`` there."""
    px = rect.width * rect.height * (dpi / 72.0) ** 2
    return dpi if px <= max_pixels else dpi * (max_pixels / px) ** 0.5 * 0.999


def _open(pymupdf, path: Path, name: str):
    if not path.exists():
        raise InputError(f"{name}: no such file")
    try:
        doc = pymupdf.open(path, filetype="pdf")
    except Exception as e:
        raise InputError(f"{name}: not a readable PDF ({' '.join(str(e).split())})") from None
    if doc.needs_pass:
        doc.close()
        raise InputError(f"{name}: the PDF is encrypted and needs a password")
    if doc.page_count == 0:
        doc.close()
        raise InputError(f"{name}: the PDF has no pages")
    return doc


def _pymupdf():
    from pxocr.errors import require

    return require("pymupdf", "pdf")
