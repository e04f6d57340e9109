"""pxocr: pixel-accurate OCR. ``pxocr.read(image)`` -> text and sub-pixel character boxes."""

from __future__ import annotations

__version__ = "0.1.0"


def read(source, model=None, threads: int = 0, single_pass: bool = False, dpi=None, pages=None,
         skip_text: bool = False):
    """Read an image or a PDF (path, PIL image or numpy array); see ``pxocr.infer.read``."""
    from .infer import read as _read

    return _read(source, model=model, threads=threads, single_pass=single_pass, dpi=dpi, pages=pages,
                 skip_text=skip_text)


__all__ = ["read", "__version__"]
