"""Inference: load images, run the model, decode to the document tree."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Optional

from .image_io import ImageSource, iter_pages
from .predictor import Predictor
from .result import Result
from .windows import TileConfig
from .zoom import ZoomConfig


@lru_cache(maxsize=4)
def _predictor(model: Optional[str], threads: int) -> Predictor:
    return Predictor(model, threads=threads)


def read(source: ImageSource, model: Optional[str] = None, threads: int = 0, single_pass: bool = False,
         dpi: Optional[float] = None, pages: Optional[str] = None, skip_text: bool = False) -> Result:
    """Read a path (an image or a PDF), PIL image or numpy array: every page's text and character boxes.

    The model loads once per (model, threads) and is reused by later calls. ``single_pass``:
    text under 24 px em is not read a second time, enlarged (faster, less accurate on small
    text; ``pxocr.infer.zoom``). For a PDF: ``dpi`` to render at (default: chosen per page,
    ``pxocr.infer.pdf_input``), ``pages`` such as ``"1-3,7"``, ``skip_text`` to leave out pages
    that already carry text; boxes are in the rendered page's pixels, each page records its
    ``dpi`` and ``page_size_pt``.
    """
    from .pdf_input import parse_pages

    pred = _predictor(model, threads)
    if single_pass:
        pred = pred.with_zoom(below_em=0.0)
    ranges = parse_pages(pages) if pages else None
    out = [pred.read_page(p) for p in iter_pages(source, dpi=dpi, pages=ranges, skip_text=skip_text)]
    if isinstance(source, (str, os.PathLike)):
        return Result(os.fspath(source), out)
    return Result(out[0].image if out else "<image>", out)


__all__ = ["Predictor", "Result", "TileConfig", "ZoomConfig", "read"]
