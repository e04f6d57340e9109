"""Inference: load images, run the model, decode to the document tree."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Optional, Sequence

from .image_io import ImageSource, iter_pages
from .predictor import Predictor
from .regions import check_region, read_page_regions
from .result import Result
from .windows import TileConfig
from .zoom import ZoomConfig


@lru_cache(maxsize=4)
def _predictor(model: Optional[str], threads: int) -> Predictor:
    return Predictor(model, threads=threads)


def read(source: ImageSource, model: Optional[str] = None, threads: int = 0, single_pass: bool = False,
         dpi: Optional[float] = None, pages: Optional[str] = None, skip_text: bool = False,
         regions: Optional[Sequence[Sequence[float]]] = None, orientation: str = "0") -> Result:
    """Read a path (an image or a PDF), PIL image or numpy array: every page's text and character boxes.

    The model loads once per (model, threads) and is reused by later calls. ``single_pass``:
    text under 24 px em is not read a second time, enlarged (faster, less accurate on small
    text; ``pxocr.infer.zoom``). For a PDF: ``dpi`` to render at (default: chosen per page,
    ``pxocr.infer.pdf_input``), ``pages`` such as ``"1-3,7"``, ``skip_text`` to leave out pages
    that already carry text; boxes are in the rendered page's pixels, each page records its
    ``dpi`` and ``page_size_pt``.

    ``regions``: boxes ``[x0, y0, x1, y1]`` in page pixels; only the text inside them is read, on
    each page (``pxocr.infer.regions``: a glyph belongs to a region when its centre, taken at the
    middle of its line, lies inside the region grown by 3 px). The pages then hold the regions'
    lines, region after region, each with the extra key ``region`` (its index), and
    ``Result.regions`` holds each page's ``Region`` objects (``.text``, ``.lines``, ``.chars``).

    ``orientation``: the quarter turn the pages have (``"0"``, ``"90"``, ``"180"``, ``"270"``, counter-
    clockwise) or ``"auto"`` to find it per page (``pxocr.infer.capture``; about 2-3x the time).
    Dark paper, text far larger or smaller than usual and skew are handled on every page.
    """
    from .pdf_input import parse_pages

    pred = _predictor(model, threads)
    if single_pass:
        pred = pred.single_pass()
    if orientation != "0":
        pred = pred.with_capture(orientation=orientation)
    ranges = parse_pages(pages) if pages else None
    boxes = [check_region(b) for b in regions] if regions is not None else None
    out, found = [], []
    for p in iter_pages(source, dpi=dpi, pages=ranges, skip_text=skip_text):
        if boxes is None:
            out.append(pred.read_page(p))
        else:
            page, regs = read_page_regions(pred, p, boxes)
            out.append(page)
            found.append(regs)
    name = os.fspath(source) if isinstance(source, (str, os.PathLike)) else out[0].image if out else "<image>"
    return Result(name, out, found if boxes is not None else None)


__all__ = ["Predictor", "Result", "TileConfig", "ZoomConfig", "read"]
