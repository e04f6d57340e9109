"""One input -> its output files as bytes: what ``pxocr read INPUT --out DIR`` writes for it.

Pure with respect to the output folder: the caller (the driver) writes the files and the
manifest, so that a worker process or a Ray actor on another machine gives the same bytes.
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, field
from typing import Optional

from ..errors import InputError
from ..infer.image_io import iter_pages
from ..infer.pdf_input import parse_pages
from ..infer.predictor import Predictor
from ..writers.formats import FORMATS, WriteOptions, render


@dataclass(frozen=True)
class ReadOptions:
    """What to read and write for every input, as ``pxocr read`` takes it."""

    format: str = "text"
    model: Optional[str] = None  # a shipped model's name, an ONNX file, or None for the default
    dpi: Optional[float] = None  # PDF input: render resolution (None: chosen per page)
    pages: Optional[str] = None  # PDF input: page ranges such as "1-3,7"
    skip_text: bool = False  # PDF input: leave out pages that already carry text
    single_pass: bool = False
    write: WriteOptions = field(default_factory=WriteOptions)

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise ValueError(f"unknown format {self.format!r}: choose from {', '.join(FORMATS)}")
        if self.pages:
            parse_pages(self.pages)  # UsageError on a bad spec, once, before any work

    def fingerprint(self) -> dict:
        """The options as JSON values: an input is read again when they change."""
        return asdict(self)


@dataclass
class Outcome:
    """The result of one input: its output files (suffix, bytes) or the reason it failed."""

    path: str
    ok: bool
    files: list[tuple[str, bytes]]
    pages: int
    seconds: float
    reason: str = ""


def load_predictor(opt: ReadOptions, threads: int = 1) -> Predictor:
    """The predictor a worker keeps for the whole run (one model, ``threads`` onnxruntime threads)."""
    pred = Predictor(opt.model, threads=threads)
    return pred.single_pass() if opt.single_pass else pred


def read_input(pred: Predictor, path: str, opt: ReadOptions) -> Outcome:
    """Read every page of ``path`` and render its outputs, as ``pxocr read`` does; never raises
    for a bad input (the reason is in the outcome, one line naming the input)."""
    t0 = time.perf_counter()
    fmt = FORMATS[opt.format]
    ranges = parse_pages(opt.pages) if opt.pages else None

    def pages_of():
        return iter_pages(path, dpi=opt.dpi, pages=ranges, skip_text=opt.skip_text)

    pages = []
    try:
        for page in pages_of():
            pages.append(pred.read_page(page))
        images = (lambda: (p.gray for p in pages_of())) if fmt.needs_images else None
        files = render(fmt, os.path.basename(path), pages, images, opt.write)
    except InputError as e:
        return Outcome(path, False, [], len(pages), time.perf_counter() - t0, str(e))
    except Exception as e:  # noqa: BLE001 - a fault while reading one input is that input's error alone
        reason = f"{path}: reading failed ({type(e).__name__}: {' '.join(str(e).split())})"
        return Outcome(path, False, [], len(pages), time.perf_counter() - t0, reason)
    return Outcome(path, True, files, len(pages), time.perf_counter() - t0)
