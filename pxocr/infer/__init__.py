"""Inference: load images, run the model, decode to the document tree."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Optional

from .image_io import ImageSource, iter_images
from .predictor import Predictor
from .result import Result
from .windows import TileConfig
from .zoom import ZoomConfig


@lru_cache(maxsize=4)
def _predictor(model: Optional[str], threads: int) -> Predictor:
    return Predictor(model, threads=threads)


def read(source: ImageSource, model: Optional[str] = None, threads: int = 0, single_pass: bool = False) -> Result:
    """Read a path, PIL image or numpy array: every page's text and character boxes.

    The model loads once per (model, threads) and is reused by later calls. ``single_pass``:
    text under 24 px em is not read a second time, enlarged (faster, less accurate on small
    text; ``pxocr.infer.zoom``).
    """
    pred = _predictor(model, threads)
    if single_pass:
        pred = pred.with_zoom(below_em=0.0)
    pages = [pred.predict(gray, name) for name, gray in iter_images(source)]
    if isinstance(source, (str, os.PathLike)):
        return Result(os.fspath(source), pages)
    return Result(pages[0].image if pages else "<image>", pages)


__all__ = ["Predictor", "Result", "TileConfig", "ZoomConfig", "read"]
