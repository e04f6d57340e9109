"""The HTTP service (``pxocr.serve``) through FastAPI's TestClient: every endpoint, every option of
``/v1/read`` and ``/v1/find``, every refusal with its status and JSON error, the bounded pool (503
with Retry-After), the time limit (504), and uploads that leave nothing behind.

One model is loaded for the module; each test builds its app around it with the limits it needs.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
import zipfile

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("fastapi", reason="the serve extra is not installed: pip install 'pxocr[serve]'")
pytest.importorskip("python_multipart", reason="the serve extra is not installed: pip install 'pxocr[serve]'")

from fastapi.testclient import TestClient  # noqa: E402

import pxocr  # noqa: E402
from pxocr.infer import Predictor  # noqa: E402
from pxocr.search import find_in_pages  # noqa: E402
from pxocr.serve import ServeConfig  # noqa: E402
from pxocr.serve.app import create_app  # noqa: E402
from pxocr.serve.forms import safe_name  # noqa: E402
from pxocr.serve.service import Service  # noqa: E402
from pxocr.synth import preset, render_page  # noqa: E402
from pxocr.writers.formats import FORMATS  # noqa: E402

SEED = 7_421_201
SAMPLE = os.path.join(os.path.dirname(pxocr.__file__), "samples", "sample.png")


@pytest.fixture(scope="module")
def pred():
    return Predictor(None, threads=1)


@pytest.fixture(scope="module")
def png() -> bytes:
    gray, _ = render_page(preset("clean", width=400, height=300), SEED, 0)
    buf = io.BytesIO()
    Image.fromarray(gray).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def expected(png):
    return pxocr.read(Image.open(io.BytesIO(png)), threads=1)


@pytest.fixture(autouse=True)
def private_tmp(tmp_path, monkeypatch):
    """Every temporary directory goes under this test's folder, which must be empty afterwards."""
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    yield root
    assert list(root.iterdir()) == [], "an upload was left behind"


def _client(pred, **cfg) -> TestClient:
    return TestClient(create_app(service=Service(ServeConfig(**{"threads": 1, **cfg}), predictor=pred)))


def _post(c: TestClient, data: bytes, name: str = "page.png", route: str = "/v1/read", **fields):
    return c.post(route, files={"file": (name, data, "application/octet-stream")},
                  data={k: str(v) for k, v in fields.items()})


def _error(r, status: int, code: str) -> str:
    assert r.status_code == status, r.text
    e = r.json()["error"]
    assert e["status"] == status and e["code"] == code
    assert "Traceback" not in e["message"] and "\n" not in e["message"]
    assert tempfile.gettempdir() not in e["message"]
    return e["message"]


def _tiff(png: bytes, pages: int = 2) -> bytes:
    im = Image.open(io.BytesIO(png))
    buf = io.BytesIO()
    im.save(buf, format="TIFF", save_all=True, append_images=[im] * (pages - 1))
    return buf.getvalue()


# ---------------------------------------------------------------- /v1/read


def test_read_json_equals_the_api(pred, png, expected):
    c = _client(pred)
    r = _post(c, png)
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    got = r.json()
    want = json.loads(expected.to_json())
    assert got["image"] == "page.png" and (got["width"], got["height"]) == (400, 300)
    assert got["lines"] == want["lines"]
    assert 'filename="page.png.json"' in r.headers["content-disposition"]


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_read_every_format(pred, png, expected, fmt):
    r = _post(_client(pred), png, format=fmt)
    assert r.status_code == 200, r.text
    body = r.content
    if fmt == "text":
        assert r.headers["content-type"].startswith("text/plain") and body.decode() == expected.text + "\n"
    elif fmt == "json":
        assert json.loads(body)["lines"]
    elif fmt == "hocr":
        assert b"ocrx_cinfo" in body and r.headers["content-type"].startswith("application/xhtml+xml")
    elif fmt in ("alto", "page"):
        ET.fromstring(body)
        assert r.headers["content-type"] == "application/xml"
    elif fmt == "pdf":
        assert body.startswith(b"%PDF") and r.headers["content-type"] == "application/pdf"
    elif fmt == "overlay":
        assert Image.open(io.BytesIO(body)).size == (800, 600) and r.headers["content-type"] == "image/png"


def test_read_multipage_tiff(pred, png):
    c = _client(pred)
    d = _post(c, _tiff(png), name="scan.tif").json()
    assert [p["image"] for p in d["pages"]] == ["scan.tif#1", "scan.tif#2"]
    r = _post(c, _tiff(png), name="scan.tif", format="page")  # a file per page: a ZIP of them
    assert r.headers["content-type"] == "application/zip"
    assert sorted(zipfile.ZipFile(io.BytesIO(r.content)).namelist()) == ["scan.tif-1.page.xml", "scan.tif-2.page.xml"]


def test_read_pdf(pred, png):
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page(width=400 * 72 / 150, height=300 * 72 / 150)
    page.insert_image(page.rect, stream=png)
    r = _post(_client(pred), doc.tobytes(), name="doc.pdf", dpi=150)
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["dpi"] == 150 and d["lines"]


def test_read_regions(pred, png, expected):
    c = _client(pred)
    a, b = expected.lines[0], expected.lines[-1]
    spec = ";".join(",".join(f"{v:.3f}" for v in ln.bbox) for ln in (b, a))
    d = _post(c, png, regions=spec).json()
    assert [(ln["text"], ln["region"]) for ln in d["lines"]] == [(b.text, 0), (a.text, 1)]
    d2 = _post(c, png, regions=json.dumps([list(b.bbox)])).json()
    assert [ln["text"] for ln in d2["lines"]] == [b.text]
    assert _post(c, png, regions=spec, format="text").text == b.text + "\n" + a.text + "\n"
    for bad in ("1,2,3", "[[1,2,3]]", "[", "5,5,1,1", "[]"):
        _error(_post(c, png, regions=bad), 422, "bad_option")


def test_read_options(pred, png):
    c = _client(pred)
    for v in ("true", "1", "false", "off"):
        assert _post(c, png, single_pass=v, format="text").status_code == 200
    _error(_post(c, png, single_pass="maybe"), 422, "bad_option")
    assert "text" in _error(_post(c, png, format="docx"), 422, "bad_option")
    _error(_post(c, png, pages="3-1"), 422, "bad_option")
    _error(_post(c, png, dpi="-5"), 422, "bad_option")


# ---------------------------------------------------------------- /v1/find


def test_find(pred, png, expected):
    c = _client(pred)
    word = max(expected.lines[0].text.split(), key=len)
    want = find_in_pages(expected.pages, word)
    d = _post(c, png, route="/v1/find", query=word).json()
    assert d["query"] == word and d["matches"] == [m.to_dict() for m in want]
    d = _post(c, png, route="/v1/find", query=word.lower(), ignore_case="true").json()
    assert len(d["matches"]) >= 1 and d["ignore_case"] is True
    fuzzy = word[:-1] + ("#" if word[-1] != "#" else "%")
    assert _post(c, png, route="/v1/find", query=fuzzy).json()["matches"] == []
    d = _post(c, png, route="/v1/find", query=fuzzy, max_edits=1).json()
    assert d["matches"][0]["edits"] == 1
    l0, l1 = expected.lines[0].text.split()[-1], expected.lines[1].text.split()[0]
    d = _post(c, png, route="/v1/find", query=f"{l0} {l1}", across_lines="true").json()
    assert any(m["lines"] == [0, 1] for m in d["matches"])
    r = _post(c, png, route="/v1/find", query=word, format="text")
    assert r.text.splitlines()[0] == want[0].describe()
    r = _post(c, png, route="/v1/find", query=word, format="overlay")
    assert r.headers["content-type"] == "image/png" and Image.open(io.BytesIO(r.content)).size == (800, 600)


def test_find_refusals(pred, png):
    c = _client(pred)
    _error(_post(c, png, route="/v1/find"), 422, "bad_option")  # no query
    _error(_post(c, png, route="/v1/find", query="ab", max_edits=2), 422, "bad_option")
    _error(_post(c, png, route="/v1/find", query="ab", max_edits="x"), 422, "bad_option")
    _error(_post(c, png, route="/v1/find", query="ab", format="pdf"), 422, "bad_option")


# ---------------------------------------------------------------- refusals


def test_bad_uploads(pred, png):
    c = _client(pred)
    _error(c.post("/v1/read", data={"format": "json"}), 415, "not_multipart")
    _error(c.post("/v1/read", content=b"\x89PNG...", headers={"content-type": "image/png"}), 415, "not_multipart")
    _error(c.post("/v1/read", files={"other": ("a.png", png)}), 422, "no_file")
    _error(_post(c, b""), 422, "empty_file")
    assert "not a supported file" in _error(_post(c, b"hello, world", name="notes.txt"), 415, "unsupported")
    msg = _error(_post(c, png[: len(png) // 2], name="cut.png"), 422, "bad_input")
    assert msg.startswith("cut.png:")
    bad = b"--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nabc"  # never closed
    r = c.post("/v1/read", content=bad, headers={"content-type": "multipart/form-data; boundary=x"})
    assert r.status_code == 422


def test_upload_size_limit(pred, png):
    c = _client(pred, max_upload_mb=len(png) / 1e6 - 0.001)
    assert "MB" in _error(_post(c, png), 413, "too_large")  # the file part over the limit
    c = _client(pred, max_upload_mb=0.01)
    big = png + b"\0" * 400_000
    _error(_post(c, big), 413, "too_large")  # Content-Length over the limit: refused unread

    def chunks():  # no Content-Length: counted while it arrives
        yield b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\n"
        for _ in range(40):
            yield b"\0" * 10_000

    r = c.post("/v1/read", content=chunks(), headers={"content-type": "multipart/form-data; boundary=b"})
    _error(r, 413, "too_large")


def test_pixel_and_page_limits(pred, png):
    msg = _error(_post(_client(pred, max_pixels=400 * 300 - 1), png), 413, "too_many_pixels")
    assert "400x300" in msg
    assert _post(_client(pred, max_pixels=400 * 300), png).status_code == 200
    _error(_post(_client(pred, max_pages=2), _tiff(png, 3), name="s.tif"), 422, "too_many_pages")
    assert _post(_client(pred, max_pages=2), _tiff(png, 2), name="s.tif").status_code == 200


def _slow(pred, gate: threading.Event, seconds: float = 10.0) -> Predictor:
    """The same model, whose every reading waits for ``gate`` (at most ``seconds``)."""
    p = pred.with_decode()
    real = p.predict
    p.predict = lambda gray, name="": (gate.wait(seconds), real(gray, name))[1]
    return p


def test_time_limit(pred, png):
    gate = threading.Event()
    svc = Service(ServeConfig(threads=1, timeout_s=0.3), predictor=_slow(pred, gate))
    c = TestClient(create_app(service=svc))
    t0 = time.monotonic()
    _error(_post(c, png), 504, "timeout")
    assert time.monotonic() - t0 < 5
    gate.set()
    for _ in range(100):  # the slot is held until the reading really ends
        if svc.busy == 0:
            break
        time.sleep(0.05)
    assert svc.busy == 0


def test_full_pool_answers_503(pred, png):
    gate = threading.Event()
    svc = Service(ServeConfig(threads=1, workers=1, queue=1), predictor=_slow(pred, gate))
    c = TestClient(create_app(service=svc))
    results = []
    threads = [threading.Thread(target=lambda: results.append(_post(c, png, format="text").status_code))
               for _ in range(2)]
    for t in threads:
        t.start()
    for _ in range(200):
        if svc.busy == 2:
            break
        time.sleep(0.02)
    assert svc.busy == 2  # one reading, one waiting
    r = _post(c, png)
    _error(r, 503, "busy")
    assert r.headers["retry-after"] == "1"
    gate.set()
    for t in threads:
        t.join(30)
    assert results == [200, 200]
    assert _post(c, png, format="text").status_code == 200
    assert "pxocr_rejected_total 1" in c.get("/metrics").text


def test_uploads_stay_private_and_are_removed(pred, png, private_tmp, monkeypatch):
    seen = []
    real = tempfile.TemporaryDirectory

    class Spy(real):
        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            seen.append((self.name, os.stat(self.name).st_mode & 0o777))

    monkeypatch.setattr(tempfile, "TemporaryDirectory", Spy)
    c = _client(pred)
    d = _post(c, png, name="../../etc/passwd").json()
    assert d["image"] == "passwd"
    _post(c, png[:100], name="bad.png")
    _post(c, b"junk", name="x.txt")
    assert len(seen) == 3 and all(mode == 0o700 for _, mode in seen)
    assert all(os.path.dirname(name) == str(private_tmp) for name, _ in seen)
    assert not any(os.path.exists(name) for name, _ in seen)


def test_safe_name():
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("C:\\x\\scan 1.png") == "scan_1.png"
    assert safe_name("") == safe_name(None) == safe_name("..") == "upload"
    assert len(safe_name("a" * 500)) == 100


# ---------------------------------------------------------------- the other endpoints


def test_healthz_metrics_docs(pred, png):
    c = _client(pred)
    h = c.get("/healthz").json()
    assert h["status"] == "ok" and h["model"] == "pxocr-ocrb.onnx" and h["limits"]["max_pages"] == 20
    _post(c, png, format="text")
    _post(c, b"junk", name="x.txt")
    m = c.get("/metrics")
    assert m.headers["content-type"].startswith("text/plain")
    text = m.text
    assert 'pxocr_requests_total{endpoint="/v1/read",status="200"} 1' in text
    assert 'pxocr_errors_total{endpoint="/v1/read",status="415"} 1' in text
    assert 'pxocr_request_duration_seconds_count{endpoint="/v1/read"} 2' in text
    assert 'pxocr_request_duration_seconds_bucket{endpoint="/v1/read",le="+Inf"} 2' in text
    assert "pxocr_pages_total 1" in text
    assert c.get("/docs").status_code == 200
    spec = c.get("/openapi.json").json()
    body = spec["paths"]["/v1/read"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert body["properties"]["file"]["format"] == "binary" and body["properties"]["format"]["enum"] == list(FORMATS)
    assert "query" in spec["paths"]["/v1/find"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"][
        "properties"]


def test_page_and_static_files(pred):
    c = _client(pred)
    r = c.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert 'id="page-canvas"' in html and "/static/app.js" in html
    for name, kind in (("app.js", "javascript"), ("app.css", "css")):
        s = c.get(f"/static/{name}")
        assert s.status_code == 200 and kind in s.headers["content-type"]
        html += s.text
    for ref in ("http://", "https://", "//cdn", "@import"):  # works offline: nothing from elsewhere
        assert ref not in html
    _error(c.get("/static/..%2Fapp.py"), 404, "not_found")
    _error(c.get("/static/index.html.bak"), 404, "not_found")
    _error(c.get("/nowhere"), 404, "not_found")
    _error(c.get("/v1/read"), 405, "method_not_allowed")


def test_cli_serve_parser():
    from pxocr.cli import build_parser

    a = build_parser().parse_args(["serve", "--port", "9000", "--workers", "2", "--max-pages", "3"])
    assert (a.host, a.port, a.workers, a.max_pages, a.max_upload_mb) == ("127.0.0.1", 9000, 2, 3, 20.0)


def test_config_validation():
    from pxocr.errors import UsageError

    for bad in ({"workers": 0}, {"queue": -1}, {"max_upload_mb": 0}, {"timeout_s": 0}, {"max_pages": 0}):
        with pytest.raises(UsageError):
            ServeConfig(**bad)
    assert np.isclose(ServeConfig(max_upload_mb=1.5).max_upload_bytes, 1_500_000)
