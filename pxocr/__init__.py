"""pxocr: pixel-accurate OCR. ``pxocr.read(image)`` -> text and sub-pixel character boxes."""

from __future__ import annotations

__version__ = "0.1.0"


def read(source, model=None, threads: int = 0, single_pass: bool = False, dpi=None, pages=None,
         skip_text: bool = False, regions=None, orientation: str = "0"):
    """Read an image or a PDF (path, PIL image or numpy array); see ``pxocr.infer.read``.
    ``regions``: boxes ``[x0, y0, x1, y1]`` (page px) to read alone (``pxocr.infer.regions``)."""
    from .infer import read as _read

    return _read(source, model=model, threads=threads, single_pass=single_pass, dpi=dpi, pages=pages,
                 skip_text=skip_text, regions=regions, orientation=orientation)


def find(source, text: str, ignore_case: bool = False, max_edits: int = 0, across_lines: bool = False,
         model=None, threads: int = 0, single_pass: bool = False, dpi=None, pages=None):
    """Read ``source`` (as ``read``) and return every occurrence of ``text``: a list of
    ``pxocr.search.Match`` (its text, page and line indices, edit distance, glyphs and their union
    box ``bbox``), in page order; see ``pxocr.search`` for the matching rules."""
    from .search import check_query, find_in_pages

    check_query(text, max_edits)  # a bad query fails before the reading
    result = read(source, model=model, threads=threads, single_pass=single_pass, dpi=dpi, pages=pages)
    return find_in_pages(result.pages, text, ignore_case=ignore_case, max_edits=max_edits,
                         across_lines=across_lines)


def read_mrz(source, model="mrz", threads: int = 0, orientation: str = "auto", confirm_model="auto"):
    """Read the machine-readable zone of each page of ``source``: a list of
    ``pxocr.mrz.MrzReading`` (lines, fields, checks, corrections, character boxes). A valid
    reading is confirmed by ``confirm_model`` too (``auto``: the other shipped MRZ network; None: by
    ``model`` at another size only)."""
    from .mrz import read_mrz as _read_mrz

    return _read_mrz(source, model=model, threads=threads, orientation=orientation, confirm_model=confirm_model)


__all__ = ["find", "read", "read_mrz", "__version__"]
