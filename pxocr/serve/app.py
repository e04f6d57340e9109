"""The HTTP API (FastAPI) and the web page.

Routes: ``POST /v1/read``, ``POST /v1/find`` (multipart form, the file in the field ``file``),
``GET /healthz``, ``GET /metrics`` (Prometheus text), ``GET /`` (the page), ``/docs`` (OpenAPI).
Every refusal is JSON: ``{"error": {"status": 413, "code": "too_large", "message": "..."}}``.

A request body is read by the gate below before any route sees it: refused at once when every
reading slot is taken (503) or its Content-Length is over the limit (413), counted while it
arrives (413 as soon as it passes the limit), then parsed in memory (``forms.parse_form``).
"""

from __future__ import annotations

import json
import time
from contextlib import asynccontextmanager
from functools import lru_cache
from importlib import resources
from typing import Optional

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..errors import UsageError
from .config import ServeConfig
from .forms import ApiError, Part, parse_form, safe_name
from .service import FindOptions, ReadOptions, Reply, Service

FORM_SLACK = 256 * 1024  # bytes of a body beyond the file's limit: the other fields and the multipart framing
ENDPOINTS = ("/", "/healthz", "/metrics", "/v1/read", "/v1/find", "/static/app.js", "/static/app.css")
STATIC = {"app.js": "text/javascript; charset=utf-8", "app.css": "text/css; charset=utf-8"}


def _form_schema(fields: dict, required: list[str]) -> dict:
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": required, "properties": fields}}}}}


_FILE = {"type": "string", "format": "binary",
         "description": "an image (PNG, JPEG, TIFF, BMP, WebP, GIF, PNM) or a PDF"}
_COMMON = {
    "single_pass": {"type": "boolean", "default": False, "description": "read each page once, without the second "
                    "reading of text far smaller (enlarged) or larger (reduced) than the rest of its page"},
    "pages": {"type": "string", "description": "PDF: pages to read, e.g. 1-3,7"},
    "dpi": {"type": "number", "description": "PDF: render at this resolution (default: chosen per page)"},
}


def create_app(cfg: ServeConfig = ServeConfig(), service: Optional[Service] = None) -> FastAPI:
    """The app with its model loaded (once, here) and its reading pool started."""
    from ..writers.formats import FORMATS

    svc = service or Service(cfg)
    cfg = svc.cfg

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        svc.close()

    app = FastAPI(title="pxocr", version=__version__, lifespan=lifespan,
                  description="Pixel-accurate OCR: text and sub-pixel character boxes. Limits: upload "
                              f"{cfg.max_upload_mb:g} MB, {cfg.max_pixels} pixels a page, {cfg.max_pages} pages, "
                              f"{cfg.timeout_s:g} s a request.")
    app.state.service = svc
    app.add_middleware(Gate, service=svc)

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, e: ApiError) -> JSONResponse:
        return JSONResponse(e.body(), e.status, headers=e.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, e: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(e.status_code, "http_error")
        return JSONResponse(ApiError(e.status_code, code, str(e.detail)).body(), e.status_code,
                            headers=getattr(e, "headers", None))

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page() -> HTMLResponse:
        return HTMLResponse(_static("index.html"))

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> Response:
        if name not in STATIC:  # a fixed set of files: the name is a key, never a path
            raise ApiError(404, "not_found", f"no static file {name!r}")
        return Response(_static(name), media_type=STATIC[name], headers={"Cache-Control": "no-cache"})

    @app.get("/healthz", summary="Liveness and the loaded model")
    def healthz() -> dict:
        import os

        return {"status": "ok", "version": __version__, "model": os.path.basename(svc.predictor.model_path),
                "workers": cfg.workers, "queue": cfg.queue, "busy": svc.busy,
                "limits": {"max_upload_mb": cfg.max_upload_mb, "max_pixels": cfg.max_pixels,
                           "max_pages": cfg.max_pages, "timeout_s": cfg.timeout_s}}

    @app.get("/metrics", summary="Prometheus metrics: requests, errors, latency histogram",
             response_class=Response)
    def metrics() -> Response:
        return Response(svc.metrics.render(svc.busy, svc.capacity), media_type="text/plain; version=0.0.4")

    read_fields = {"file": _FILE,
                   "format": {"type": "string", "enum": list(FORMATS), "default": "json",
                              "description": "; ".join(f"{f.name}: {f.help}" for f in FORMATS.values())},
                   "regions": {"type": "string", "description": "boxes to read alone, page px: "
                               "'x0,y0,x1,y1;x0,y0,x1,y1' or a JSON list of [x0, y0, x1, y1]"},
                   **_COMMON}

    @app.post("/v1/read", summary="Read a page: text and every character's box, in any pxocr format",
              openapi_extra=_form_schema(read_fields, ["file"]))
    async def read(request: Request) -> Response:
        form = await _form(request)
        data, name = _file(form, cfg)
        fmt = _text(form, "format", "json")
        if fmt not in FORMATS:
            raise ApiError(422, "bad_option", f"format {fmt!r} is not one of {', '.join(FORMATS)}")
        opt = ReadOptions(fmt, _regions(form), _bool(form, "single_pass"), _pages(form), _dpi(form))
        return _response(await svc.run(svc.read_job, data, name, opt))

    find_fields = {"file": _FILE,
                   "query": {"type": "string", "description": "the text to find"},
                   "ignore_case": {"type": "boolean", "default": False},
                   "max_edits": {"type": "integer", "default": 0, "minimum": 0,
                                 "description": "also find stretches at most this many edits away"},
                   "across_lines": {"type": "boolean", "default": False,
                                    "description": "a match may run over line breaks"},
                   "format": {"type": "string", "enum": ["json", "text", "overlay"], "default": "json"},
                   **_COMMON}

    @app.post("/v1/find", summary="Find a text: every occurrence with its glyph boxes and union box",
              openapi_extra=_form_schema(find_fields, ["file", "query"]))
    async def find(request: Request) -> Response:
        from ..search import check_query

        form = await _form(request)
        data, name = _file(form, cfg)
        query = _text(form, "query", "")
        edits = _int(form, "max_edits", 0)
        try:
            check_query(query, edits)
        except UsageError as e:
            raise ApiError(422, "bad_option", str(e)) from None
        fmt = _text(form, "format", "json")
        if fmt not in ("json", "text", "overlay"):
            raise ApiError(422, "bad_option", f"format {fmt!r} is not one of json, text, overlay")
        opt = FindOptions(query, _bool(form, "ignore_case"), edits, _bool(form, "across_lines"), fmt,
                          _bool(form, "single_pass"), _pages(form), _dpi(form))
        return _response(await svc.run(svc.find_job, data, name, opt))

    return app


class Gate:
    """Pure ASGI middleware: metrics for every request; for POSTs to ``/v1/``, the early 503, and
    the body read whole within its limit (413) before the route runs."""

    def __init__(self, app, service: Service) -> None:
        self.app, self.svc = app, service

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        endpoint = path if path in ENDPOINTS else "other"
        status = [500]
        t0 = time.perf_counter()

        async def send_status(msg) -> None:
            if msg["type"] == "http.response.start":
                status[0] = msg["status"]
            await send(msg)

        try:
            if scope["method"] == "POST" and path.startswith("/v1/"):
                refusal, receive = await self._admit(scope, receive)
                if refusal is not None:
                    await JSONResponse(refusal.body(), refusal.status, headers=refusal.headers)(scope, receive,
                                                                                             send_status)
                    return
            await self.app(scope, receive, send_status)
        finally:
            self.svc.metrics.observe(endpoint, status[0], time.perf_counter() - t0)

    async def _admit(self, scope, receive):
        limit = self.svc.cfg.max_upload_bytes + FORM_SLACK
        if self.svc.full():
            return self.svc._busy_error(), receive
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        too_large = ApiError(413, "too_large", f"the upload is over the limit of {self.svc.cfg.max_upload_mb:g} MB")
        if length is not None:
            try:
                if int(length) > limit:
                    return too_large, receive
            except ValueError:
                return ApiError(400, "bad_request", "Content-Length is not a number"), receive
        chunks, size = [], 0
        while True:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                return ApiError(400, "disconnected", "the client went away"), receive
            chunk = msg.get("body", b"")
            size += len(chunk)
            if size > limit:
                return too_large, receive
            chunks.append(chunk)
            if not msg.get("more_body", False):
                break
        body = b"".join(chunks)
        sent = False

        async def replay():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return None, replay


# --- form fields ---------------------------------------------------------------------------

async def _form(request: Request) -> dict[str, Part]:
    return parse_form(request.headers.get("content-type", ""), await request.body())


def _file(form: dict[str, Part], cfg: ServeConfig) -> tuple[bytes, str]:
    part = form.get("file")
    if part is None or part.filename is None:
        raise ApiError(422, "no_file", "no file: send it in the multipart field 'file'")
    if len(part.data) > cfg.max_upload_bytes:
        raise ApiError(413, "too_large", f"the upload is over the limit of {cfg.max_upload_mb:g} MB")
    if not part.data:
        raise ApiError(422, "empty_file", "the uploaded file is empty")
    return part.data, safe_name(part.filename)


def _text(form: dict[str, Part], key: str, default: str) -> str:
    part = form.get(key)
    if part is None:
        return default
    try:
        return part.data.decode("utf-8").strip() if part.filename is None else default
    except UnicodeDecodeError:
        raise ApiError(422, "bad_option", f"{key} is not UTF-8 text") from None


def _bool(form: dict[str, Part], key: str) -> bool:
    v = _text(form, key, "false").lower()
    if v in ("1", "true", "yes", "on"):
        return True
    if v in ("0", "false", "no", "off", ""):
        return False
    raise ApiError(422, "bad_option", f"{key} must be true or false, not {v!r}")


def _int(form: dict[str, Part], key: str, default: int) -> int:
    v = _text(form, key, str(default))
    try:
        return int(v)
    except ValueError:
        raise ApiError(422, "bad_option", f"{key} must be a whole number, not {v!r}") from None


def _dpi(form: dict[str, Part]) -> Optional[float]:
    v = _text(form, "dpi", "")
    if not v:
        return None
    try:
        dpi = float(v)
    except ValueError:
        dpi = -1.0
    if not 0 < dpi < 10_000:
        raise ApiError(422, "bad_option", f"dpi must be a positive number, not {v!r}")
    return dpi


def _pages(form: dict[str, Part]):
    from ..infer.pdf_input import parse_pages

    v = _text(form, "pages", "")
    try:
        return parse_pages(v) if v else None
    except UsageError as e:
        raise ApiError(422, "bad_option", str(e).replace("--pages", "pages")) from None


def _regions(form: dict[str, Part]) -> Optional[tuple]:
    from ..infer.regions import check_region, parse_region

    v = _text(form, "regions", "")
    if not v:
        return None
    try:
        if v.startswith("["):
            try:
                boxes = json.loads(v)
            except ValueError:
                raise UsageError(f"regions {v[:80]!r} is not a JSON list of [x0, y0, x1, y1]") from None
            if not isinstance(boxes, list) or not boxes:
                raise UsageError("regions must be a non-empty JSON list of [x0, y0, x1, y1]")
            out = tuple(check_region(b) if isinstance(b, list) and len(b) == 4 else parse_region(str(b))
                        for b in boxes)
        else:
            out = tuple(parse_region(b) for b in v.split(";") if b.strip())
    except UsageError as e:
        raise ApiError(422, "bad_option", str(e)) from None
    if len(out) > 100:
        raise ApiError(422, "bad_option", "at most 100 regions a request")
    return out


def _response(r: Reply) -> Response:
    return Response(r.body, media_type=r.media_type,
                    headers={"Content-Disposition": f'inline; filename="{r.filename}"'})


@lru_cache(maxsize=None)
def _static(name: str) -> bytes:
    return resources.files("pxocr").joinpath("serve", "static", name).read_bytes()
