"""pxocr as the OCR engine of OCRmyPDF: ``ocrmypdf --plugin pxocr.ocrmypdf in.pdf out.pdf``.

OCRmyPDF keeps doing what its users rely on (rasterising, deskew, PDF/A, optimisation,
grafting the text onto the original page); pxocr reads each page image and gives the text
layer. With OCRmyPDF's default renderer (``--pdf-renderer auto``) the plugin switches it to
``sandwich``, in which the engine writes the page's text-only PDF itself: that is pxocr's
layer with every character on its glyph box (``pxocr.writers.pdf``). With
``--pdf-renderer fpdf2`` OCRmyPDF draws the text from pxocr's hOCR, a word at a time.

The model is ``latin`` (common printed fonts) unless the environment variable
``PXOCR_MODEL`` names another (``ocrb`` or an ONNX file). Each OCRmyPDF worker loads it
once and reads with one thread (OCRmyPDF runs pages in parallel).
"""

from __future__ import annotations

import logging
import os
from functools import lru_cache
from pathlib import Path

import numpy as np
from ocrmypdf import hookimpl
from ocrmypdf.pluginspec import OcrEngine, OrientationConfidence
from PIL import Image

from pxocr import __version__
from pxocr.document import Page


@lru_cache(maxsize=2)
def _predictor(model: str):
    from pxocr.infer import Predictor

    return Predictor(model, threads=1)


def _read(input_file: Path) -> Page:
    """Read one page image as OCRmyPDF hands it over; the page keeps the image's resolution."""
    from pxocr.infer.image_io import load_images

    with Image.open(input_file) as im:
        xdpi, ydpi = (float(v) for v in im.info.get("dpi", (300.0, 300.0)))
    (name, gray), = load_images(input_file)
    page = _predictor(os.environ.get("PXOCR_MODEL", "latin")).predict(np.asarray(gray), Path(name).name)
    page.dpi = xdpi
    page.page_size_pt = (page.width * 72.0 / xdpi, page.height * 72.0 / ydpi)
    return page


class PxocrEngine(OcrEngine):
    """OCRmyPDF's engine interface, answered by pxocr."""

    @staticmethod
    def version() -> str:
        return __version__

    @staticmethod
    def creator_tag(options) -> str:
        return f"pxocr {__version__}"

    def __str__(self) -> str:
        return f"pxocr {__version__}"

    @staticmethod
    def languages(options) -> set[str]:
        return {"eng"}

    @staticmethod
    def get_orientation(input_file: Path, options) -> OrientationConfidence:
        return OrientationConfidence(angle=0, confidence=0.0)

    @staticmethod
    def get_deskew(input_file: Path, options) -> float:
        return 0.0

    @staticmethod
    def generate_hocr(input_file: Path, output_hocr: Path, output_text: Path, options) -> None:
        from pxocr.writers.hocr import to_hocr

        page = _read(input_file)
        Path(output_hocr).write_text(to_hocr([page]), encoding="utf-8")
        Path(output_text).write_text(page.text + "\n", encoding="utf-8")

    @staticmethod
    def generate_pdf(input_file: Path, output_pdf: Path, output_text: Path, options) -> None:
        from pxocr.writers.pdf import to_pdf

        page = _read(input_file)
        with open(output_pdf, "wb") as f:
            to_pdf(f, [page], None)  # the text layer alone, the size of the image
        Path(output_text).write_text(page.text + "\n", encoding="utf-8")


@hookimpl
def check_options(options) -> None:
    if options.pdf_renderer == "auto":
        options.pdf_renderer = "sandwich"  # pxocr's own glyph-exact text layer


@hookimpl(wrapper=True, specname="check_options")
def tesseract_not_needed(options):
    """OCRmyPDF's Tesseract plugin checks for the tesseract program before the other built-in
    plugins check theirs; pxocr does without it, so that failure alone is passed over and the
    checks it cut short are run."""
    from ocrmypdf.exceptions import MissingDependencyError

    log = logging.getLogger("ocrmypdf.subprocess")
    quiet = _NoTesseractAdvice()
    log.addFilter(quiet)
    try:
        return (yield)
    except MissingDependencyError as e:
        if "tesseract" not in str(e).lower():
            raise
        from ocrmypdf.builtin_plugins import ghostscript, optimize, pypdfium

        log.removeFilter(quiet)
        for plugin in (pypdfium, optimize, ghostscript):  # the order OCRmyPDF calls them in
            plugin.check_options(options)
        return []
    finally:
        log.removeFilter(quiet)


class _NoTesseractAdvice(logging.Filter):
    """Drops OCRmyPDF's advice to install tesseract while its check runs."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "tesseract" not in record.getMessage().lower()



@hookimpl
def get_ocr_engine(options=None):
    return PxocrEngine()
