"""The service behind the HTTP routes: one loaded model, a bounded pool of readings, and the
jobs that run in it (read an upload, render a format; find a text).

Admission: ``workers`` readings run at once and ``queue`` more may wait; a request beyond
that is refused at once (503 with ``Retry-After``) rather than queued without bound. A slot is
held until its reading really ends, even when the request has already been answered 504.

Uploads: the bytes are written to a private temporary directory (``mkdtemp``: mode 0700) under a
fixed name and read from there; the directory is removed when the job ends, whatever happens.
Nothing from a request is used as a path: the upload's own file name only names the document
(``forms.safe_name``).
"""

from __future__ import annotations

import asyncio
import io
import os
import tempfile
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterator, Optional

from ..errors import InputError, PxocrError
from ..infer import Predictor
from ..infer.image_io import InputPage
from .config import ServeConfig
from .forms import ApiError
from .metrics import Metrics

MEDIA_TYPES = {"text": "text/plain; charset=utf-8", "json": "application/json",
               "hocr": "application/xhtml+xml; charset=utf-8", "alto": "application/xml",
               "page": "application/xml", "pdf": "application/pdf", "overlay": "image/png"}


@dataclass(frozen=True)
class ReadOptions:
    format: str = "json"
    regions: Optional[tuple] = None  # boxes (page px) to read alone
    single_pass: bool = False
    pages: Optional[list] = None  # PDF page ranges (pdf_input.parse_pages)
    dpi: Optional[float] = None


@dataclass(frozen=True)
class FindOptions:
    query: str
    ignore_case: bool = False
    max_edits: int = 0
    across_lines: bool = False
    format: str = "json"  # json, text or overlay
    single_pass: bool = False
    pages: Optional[list] = None
    dpi: Optional[float] = None


@dataclass
class Reply:
    body: bytes
    media_type: str
    filename: str


class Service:
    def __init__(self, cfg: ServeConfig = ServeConfig(), predictor: Optional[Predictor] = None) -> None:
        self.cfg = cfg
        self.predictor = predictor or Predictor(cfg.model, threads=cfg.threads)
        self.pool = ThreadPoolExecutor(cfg.workers, thread_name_prefix="pxocr-read")
        self.capacity = cfg.workers + cfg.queue
        self.busy = 0
        self._lock = threading.Lock()
        self.metrics = Metrics()

    def full(self) -> bool:
        return self.busy >= self.capacity

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)

    def _busy_error(self) -> ApiError:
        return ApiError(503, "busy", f"every reading slot is taken ({self.capacity}); try again shortly",
                        {"Retry-After": str(self.cfg.retry_after_s)})

    def _release(self, _future=None) -> None:
        with self._lock:
            self.busy -= 1

    async def run(self, job: Callable[..., Reply], *args) -> Reply:
        """Run ``job(deadline, *args)`` in the pool; 503 when no slot is free, 504 past the time limit."""
        with self._lock:
            if self.busy >= self.capacity:
                raise self._busy_error()
            self.busy += 1
        deadline = time.monotonic() + self.cfg.timeout_s
        try:
            fut = self.pool.submit(job, deadline, *args)
        except BaseException:
            self._release()
            raise
        fut.add_done_callback(self._release)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(fut), timeout=self.cfg.timeout_s)
        except asyncio.TimeoutError:
            raise ApiError(504, "timeout",
                           f"the request took longer than its limit of {self.cfg.timeout_s:g} s") from None

    # --- jobs (run in the pool) ------------------------------------------------------------

    def read_job(self, deadline: float, data: bytes, name: str, opt: ReadOptions) -> Reply:
        from ..infer.regions import read_page_regions
        from ..writers.formats import FORMATS, WriteOptions, render
        from ..writers.jsonout import to_json

        pred = self._predictor(opt.single_pass)
        fmt = FORMATS[opt.format]
        with _private_upload(data) as path:
            pages = []
            for page in self._pages(path, name, opt.pages, opt.dpi, deadline):
                pages.append(read_page_regions(pred, page, opt.regions)[0] if opt.regions is not None
                             else pred.read_page(page))
            self.metrics.add_pages(len(pages))
            images = (lambda: (p.gray for p in self._pages(path, name, opt.pages, opt.dpi, None))) \
                if fmt.needs_images else None
            if fmt.name == "json":  # the registry's schema without its indentation: json's C encoder, 10x faster
                outputs = [(fmt.suffix, to_json(pages, name).encode("utf-8"))]
            else:
                outputs = _guard(name, lambda: render(fmt, name, pages, images, WriteOptions()))
        return _reply(outputs, name, MEDIA_TYPES.get(fmt.name, "application/octet-stream"))

    def find_job(self, deadline: float, data: bytes, name: str, opt: FindOptions) -> Reply:
        import json

        from ..search import find_in_pages, overlay_png

        pred = self._predictor(opt.single_pass)
        with _private_upload(data) as path:
            pages = [pred.read_page(p) for p in self._pages(path, name, opt.pages, opt.dpi, deadline)]
            self.metrics.add_pages(len(pages))
            hits = find_in_pages(pages, opt.query, ignore_case=opt.ignore_case, max_edits=opt.max_edits,
                                 across_lines=opt.across_lines)
            if opt.format == "overlay":
                grays = self._pages(path, name, opt.pages, opt.dpi, None)
                outs = [(f"-{k + 1}.find.png" if len(pages) > 1 else ".find.png",
                         overlay_png(g.gray, p, [m for m in hits if m.page == k]))
                        for k, (p, g) in enumerate(zip(pages, grays))]
                return _reply(outs, name, "image/png")
        if opt.format == "text":
            return Reply("".join(m.describe() + "\n" for m in hits).encode("utf-8"), MEDIA_TYPES["text"],
                         name + ".find.txt")
        body = {"image": name, "query": opt.query, "ignore_case": opt.ignore_case, "max_edits": opt.max_edits,
                "across_lines": opt.across_lines, "pages": len(pages), "matches": [m.to_dict() for m in hits]}
        return Reply(json.dumps(body, ensure_ascii=False).encode("utf-8"), "application/json", name + ".find.json")

    def _predictor(self, single_pass: bool) -> Predictor:
        return self.predictor.single_pass() if single_pass else self.predictor

    def _pages(self, path: Path, name: str, ranges, dpi, deadline: Optional[float]) -> Iterator[InputPage]:
        """The upload's pages, named after the upload, within the limits; one line per refusal."""
        from PIL import Image

        from ..infer.image_io import FORMATS, iter_pages
        from ..infer.pdf_input import is_pdf, iter_pdf

        cfg = self.cfg
        if is_pdf(path):
            source = iter_pdf(path, dpi=dpi, pages=ranges, max_pixels=cfg.max_pixels)
        else:
            try:
                with Image.open(path, formats=FORMATS) as im:
                    w, h = im.size
            except Image.UnidentifiedImageError:
                raise ApiError(415, "unsupported", f"{name}: not a supported file (PDF, PNG, JPEG, TIFF, BMP, "
                                                   "WebP, GIF or PNM)") from None
            except Exception as e:  # a header Pillow cannot parse
                raise ApiError(422, "corrupt", f"{name}: cannot decode the file ({_short(e)})") from None
            if w * h > cfg.max_pixels:
                raise ApiError(413, "too_many_pixels", f"{name}: {w}x{h} = {w * h} pixels; the limit is "
                                                       f"{cfg.max_pixels}")
            source = iter_pages(path)
        it = iter(source)
        k = 0
        while True:
            if deadline is not None and time.monotonic() > deadline:
                raise ApiError(504, "timeout", f"the request took longer than its limit of {cfg.timeout_s:g} s")
            page = _guard(name, lambda: next(it, None), str(path))
            if page is None:
                return
            k += 1
            if k > cfg.max_pages:
                raise ApiError(422, "too_many_pages", f"{name}: more than {cfg.max_pages} pages; send fewer "
                                                      "(a PDF: choose them with 'pages')")
            h, w = page.gray.shape
            if w * h > cfg.max_pixels:
                raise ApiError(413, "too_many_pixels", f"{name}: page {k} has {w}x{h} = {w * h} pixels; the "
                                                       f"limit is {cfg.max_pixels}")
            yield replace(page, name=page.name.replace(str(path), name))


def _guard(name: str, fn: Callable, path: str = ""):
    """Run ``fn``; an input fault becomes a 422 (without the private path), any other one a 500."""
    try:
        return fn()
    except ApiError:
        raise
    except InputError as e:
        raise ApiError(422, "bad_input", str(e).replace(path, name) if path else str(e)) from None
    except PxocrError as e:
        raise ApiError(422, "bad_request", str(e)) from None
    except Exception as e:  # noqa: BLE001 - a fault while reading is this request's error alone
        raise ApiError(500, "internal", f"{name}: reading failed ({type(e).__name__}: {_short(e)})") from None


def _reply(outputs: list[tuple[str, bytes]], name: str, media_type: str) -> Reply:
    """One output as it is; several (a per-page format on several pages) as a ZIP file."""
    if len(outputs) == 1:
        suffix, body = outputs[0]
        return Reply(body, media_type, name + suffix)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for suffix, body in outputs:
            z.writestr(name + suffix, body)
    return Reply(buf.getvalue(), "application/zip", name + ".zip")


class _private_upload:
    """A context: ``data`` written to a fresh private directory (mode 0700) as ``upload``; the
    directory and everything in it are removed on exit."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.dir: Optional[tempfile.TemporaryDirectory] = None

    def __enter__(self) -> Path:
        self.dir = tempfile.TemporaryDirectory(prefix="pxocr-serve-")
        path = Path(self.dir.name) / "upload"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(self.data)
        return path

    def __exit__(self, *exc) -> None:
        assert self.dir is not None
        self.dir.cleanup()


def _short(e: BaseException) -> str:
    text = " ".join(str(e).split()) or type(e).__name__
    return text if len(text) <= 200 else text[:197] + "..."
