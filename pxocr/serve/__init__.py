"""``pxocr serve``: an HTTP API over ``pxocr.read`` and ``pxocr.find``, and a web page that draws every
glyph box (``pxocr.serve.app``). Needs the ``serve`` extra: ``pip install 'pxocr[serve]'``."""

from __future__ import annotations

from .config import ServeConfig

__all__ = ["ServeConfig"]
