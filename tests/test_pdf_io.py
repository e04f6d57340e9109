"""PDF in and out: pages rendered and read, the searchable PDF's text layer read back by two
PDF libraries (PyMuPDF and pdfminer.six), page selection, errors and memory on a long file.

Pages are synthetic with seeds used nowhere else; a "scan" PDF holds each page as an image at
300 dpi, as a scanner writes it.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pymupdf
import pytest

import pxocr
from pxocr.cli import main
from pxocr.document import load_pages
from pxocr.errors import ExitCode
from pxocr.eval import evaluate
from pxocr.synth import preset, render_page
from pxocr.synth.fonts import font_set
from pxocr.writers.formats import FORMATS, WriteOptions
from pxocr.writers.pdf import layer_boxes, to_pdf

SEED_SCAN = 7_410_001
SEED_PROP = 7_410_002
SCAN_DPI = 300


def scan_pdf(path: Path, images: list[np.ndarray], dpi: float = SCAN_DPI) -> Path:
    """A PDF whose pages are these gray images at ``dpi``, as a scanner writes it."""
    doc = pymupdf.open()
    for gray in images:
        h, w = gray.shape
        page = doc.new_page(width=w * 72 / dpi, height=h * 72 / dpi)
        pix = pymupdf.Pixmap(pymupdf.csGRAY, w, h, gray.tobytes(), False)
        page.insert_image(page.rect, pixmap=pix)
    doc.save(path)
    return path


@pytest.fixture(scope="module")
def ocrb_pages():
    cfg = replace(preset("clean"), width=480, height=400)
    return [render_page(cfg, SEED_SCAN, i) for i in range(3)]


@pytest.fixture(scope="module")
def prop_page():
    cfg = replace(preset("clean"), width=560, height=480, fonts=font_set("train"), size_min=20.0, size_max=36.0)
    return render_page(cfg, SEED_PROP, 0)


def layer_chars(pdf: bytes, page_no: int = 0) -> list[tuple[str, np.ndarray]]:
    """The text layer's non-space characters with their boxes in image pixels (300 dpi), by PyMuPDF."""
    page = pymupdf.open(stream=pdf, filetype="pdf")[page_no]
    s = SCAN_DPI / 72
    out = []
    for block in page.get_text("rawdict")["blocks"]:
        for line in block.get("lines", []):
            for span in line["spans"]:
                out.extend((c["c"], np.array(c["bbox"]) * s) for c in span["chars"] if c["c"] != " ")
    return out


def pdfminer_chars(pdf: bytes, height_px: float) -> list[tuple[str, np.ndarray]]:
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTChar

    s = SCAN_DPI / 72
    out = []

    def walk(o):
        if isinstance(o, LTChar):
            if o.get_text() != " ":
                x0, y0, x1, y1 = o.bbox
                out.append((o.get_text(), np.array([x0 * s, height_px - y1 * s, x1 * s, height_px - y0 * s])))
        elif hasattr(o, "__iter__"):
            for x in o:
                walk(x)

    for p in extract_pages(io.BytesIO(pdf)):
        walk(p)
    return out


def mean_deviation(got: list[tuple[str, np.ndarray]], expected: list[tuple[str, tuple]]) -> float:
    """Mean absolute edge difference (px) between each expected box and the nearest extracted box
    of the same character; infinite when a character is missing."""
    devs = []
    for ch, box in expected:
        cand = [b for c, b in got if c == ch]
        if not cand:
            return float("inf")
        devs.append(np.abs(np.array(cand) - np.array(box)).mean(axis=1).min())
    return float(np.mean(devs))


def test_scan_pdf_reads_at_the_scans_resolution(tmp_path, ocrb_pages):
    pdf = scan_pdf(tmp_path / "scan.pdf", [img for img, _ in ocrb_pages])
    res = pxocr.read(pdf, threads=1)
    assert len(res.pages) == 3
    for (img, truth), page in zip(ocrb_pages, res.pages):
        assert page.dpi == pytest.approx(SCAN_DPI, rel=1e-3)  # the scan's own pixels are read
        assert (page.width, page.height) == (img.shape[1], img.shape[0])
        assert page.page_size_pt == pytest.approx((img.shape[1] * 72 / SCAN_DPI, img.shape[0] * 72 / SCAN_DPI))
        m = evaluate([page], [truth], ap=False)
        assert m["cer"] < 0.02 and m["edge_mean"] < 0.3, (m["cer"], m["edge_mean"])
    assert [p.image for p in res.pages] == ["scan.pdf#1", "scan.pdf#2", "scan.pdf#3"]
    d = json.loads(res.to_json())
    assert d["pages"][0]["dpi"] == pytest.approx(SCAN_DPI) and len(d["pages"][0]["page_size_pt"]) == 2


def test_pages_and_dpi_options(tmp_path, ocrb_pages):
    pdf = scan_pdf(tmp_path / "scan.pdf", [img for img, _ in ocrb_pages])
    res = pxocr.read(pdf, pages="2-", dpi=150, threads=1)
    assert [p.image for p in res.pages] == ["scan.pdf#2", "scan.pdf#3"]
    assert res.pages[0].dpi == 150 and res.pages[0].width == 240  # 480 px at 300 dpi -> 240 at 150


def test_pdf_output_text_layer_round_trip_two_readers(tmp_path, prop_page):
    """The text layer holds pxocr's text on pxocr's boxes, as PyMuPDF and pdfminer.six read it."""
    img, _ = prop_page
    page = pxocr.read(img, model="latin", threads=1).pages[0]
    page.dpi = SCAN_DPI
    buf = io.BytesIO()
    to_pdf(buf, [page], [img])
    pdf = buf.getvalue()
    expected = [(c.char, c.bbox) for c in page.chars]
    assert len(expected) > 100
    # both readers find every character, near its box, and the words as pxocr read them
    mu = layer_chars(pdf)
    assert len(mu) == len(expected)
    assert mean_deviation(mu, expected) <= 0.5
    miner = pdfminer_chars(pdf, page.height)
    assert len(miner) == len(expected)
    assert mean_deviation(miner, expected) <= 0.5
    doc = pymupdf.open(stream=pdf, filetype="pdf")
    # the same characters, in the readers' own orders and word splits: a glyph a few px tall (a lone
    # '_' after a word) may sort into another line or word than pxocr's reading puts it in
    from pdfminer.high_level import extract_text

    want = sorted("".join(page.text.split()))
    assert sorted("".join(doc[0].get_text().split())) == want
    assert sorted("".join(extract_text(io.BytesIO(pdf)).split())) == want
    assert len(set(doc[0].get_text().split()) ^ set(page.text.split())) <= 4  # at most two words split otherwise
    # a searched word returns that word's glyph boxes (MuPDF gives a rectangle per run of one size)
    words = [w for ln in page.lines for w in ln.words]
    texts = ["".join(c.char for c in w) for w in words]
    word = max((w for w, t in zip(words, texts) if texts.count(t) == 1 and t.isalpha()), key=len)
    hits = doc[0].search_for("".join(c.char for c in word))
    s = SCAN_DPI / 72
    got = np.array([min(r.x0 for r in hits), min(r.y0 for r in hits), max(r.x1 for r in hits),
                    max(r.y1 for r in hits)]) * s
    union = np.array([min(c.bbox[0] for c in word), min(c.bbox[1] for c in word),
                      max(c.bbox[2] for c in word), max(c.bbox[3] for c in word)])
    # the outer edges are the glyphs' own (the bottom may reach down to the baseline)
    assert np.abs(got - union)[:3].max() < 0.01 and abs(got[3] - union[3]) < 0.3 * (union[3] - union[1])


def test_pdf_exact_layer_is_the_glyph_boxes(prop_page):
    img, _ = prop_page
    page = pxocr.read(img, model="latin", threads=1).pages[0]
    page.dpi = SCAN_DPI
    buf = io.BytesIO()
    to_pdf(buf, [page], [img], exact=True)
    assert mean_deviation(layer_chars(buf.getvalue()), [(c.char, c.bbox) for c in page.chars]) < 0.01


def test_layer_boxes_close_gaps_inside_words_only():
    from pxocr.document import Char, Line

    # "ab c": a gap of 6 px inside the word (height 10: allowed 0.9), 20 px to the next word
    chars = [Char("a", (0, 0, 10, 10)), Char("b", (16, 0, 26, 10)), Char("c", (46, 0, 56, 10))]
    line = Line("ab c", (0, 0, 56, 10), chars, baseline=10.0)
    items = layer_boxes(line)
    assert [code for code, _ in items] == [ord("a"), ord("b"), 32, ord("c")]
    a, b, space, c = (np.array(box) for _, box in items)
    assert a[0] == 0 and c.tolist() == [46, 0, 56, 10]  # outer edges kept
    assert b[0] - a[2] == pytest.approx(0.9)  # closed to the allowed gap, from both sides
    assert a[2] == pytest.approx(12.55) and b[0] == pytest.approx(13.45)
    assert space.tolist() == [26, 0, 46, 10]  # the space spans the gap between the words
    exact = layer_boxes(line, exact=True)
    assert [tuple(box) for _, box in exact][:2] == [(0, 0, 10, 10), (16, 0, 26, 10)]


def test_cli_pdf_in_pdf_out_multi_page(tmp_path, ocrb_pages):
    pdf = scan_pdf(tmp_path / "scan.pdf", [img for img, _ in ocrb_pages])
    out = tmp_path / "out"
    assert main(["read", str(pdf), "--format", "pdf", "--out", str(out), "--threads", "1"]) == ExitCode.OK
    doc = pymupdf.open(out / "scan.pdf")
    src = pymupdf.open(pdf)
    assert doc.page_count == 3
    for k in range(3):
        assert tuple(doc[k].rect) == pytest.approx(tuple(src[k].rect), abs=1e-3)
        # the page image is kept losslessly
        (xref, *_), = doc[k].get_images()
        pix = pymupdf.Pixmap(doc, xref)
        got = np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.width)
        assert np.array_equal(got, ocrb_pages[k][0])
        assert doc[k].get_text().split() == ocrb_pages[k][1].text.split()
    assert not list(out.glob("*.tmp*"))


def test_cli_pdf_errors_are_one_line(tmp_path, capsys, ocrb_pages):
    good = scan_pdf(tmp_path / "good.pdf", [ocrb_pages[0][0]])
    enc = tmp_path / "locked.pdf"
    doc = pymupdf.open(good)
    doc.save(enc, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="secret", owner_pw="owner")
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.7\n1 0 obj <<\n")
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
                      b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
                      b"trailer << /Root 1 0 R >>\n%%EOF\n")
    for path, words in ((enc, "encrypted"), (bad, "PDF"), (empty, "no pages")):
        assert main(["read", str(path)]) == ExitCode.INPUT
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and words in err[0] and str(path) in err[0], err
    assert main(["read", str(good), "--pages", "4"]) == ExitCode.INPUT
    assert "has 1 page, page 4 asked for" in capsys.readouterr().err
    assert main(["read", str(good), "--pages", "3-1"]) == ExitCode.USAGE
    assert main(["read", str(good), str(enc), "--threads", "1"]) == ExitCode.PARTIAL
    with pytest.raises(SystemExit):
        main(["read", str(good), "--dpi", "0"])


def test_skip_text_leaves_out_pages_with_text(tmp_path, ocrb_pages):
    pdf = scan_pdf(tmp_path / "mixed.pdf", [ocrb_pages[0][0], ocrb_pages[1][0]])
    doc = pymupdf.open(pdf)
    doc[0].insert_text((20, 40), "already searchable", fontsize=12)
    doc.saveIncr()
    res = pxocr.read(pdf, skip_text=True, threads=1)
    assert [p.image for p in res.pages] == ["mixed.pdf#2"]


def test_long_pdf_reads_in_bounded_memory(tmp_path):
    """500 pages stream through: the reading process stays under 400 MB peak RSS."""
    doc = pymupdf.open()
    for k in range(500):
        page = doc.new_page(width=300, height=200)
        page.insert_text((20, 60), f"PAGE {k + 1:03d} OF 500", fontsize=16, fontname="cour")
    path = tmp_path / "long.pdf"
    doc.save(path)
    # VmHWM, the peak of this process's own memory: getrusage's ru_maxrss would carry the forking
    # parent's (pytest's) size across the exec
    code = (
        "import re, sys\n"
        "from pxocr.cli import main\n"
        "rc = main(['read', sys.argv[1], '--dpi', '72', '--single-pass', '--threads', '1', '--format', 'json',"
        " '--out', sys.argv[2]])\n"
        "print(int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)) // 1024)\n"
        "sys.exit(rc)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(path), str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    peak_mb = int(proc.stdout.strip().splitlines()[-1])
    assert peak_mb <= 400, peak_mb
    pages = load_pages(str(tmp_path / "out" / "long.json"))
    assert len(pages) == 500 and pages[-1].image == "long.pdf#500"
    assert pages[0].dpi == 72 and pages[0].page_size_pt == (300.0, 200.0)


def test_every_registered_format_writes_a_scan_pdf(tmp_path, ocrb_pages):
    pdf = scan_pdf(tmp_path / "scan.pdf", [img for img, _ in ocrb_pages[:2]])
    for name, fmt in FORMATS.items():
        out = tmp_path / name
        assert main(["read", str(pdf), "--format", name, "--out", str(out), "--threads", "1"]) == ExitCode.OK
        files = sorted(p.name for p in out.iterdir())
        expect = [f"scan-{k}{fmt.suffix}" for k in (1, 2)] if fmt.per_page else [f"scan{fmt.suffix}"]
        assert files == expect, (name, files)
    assert WriteOptions().jpeg_quality is None
