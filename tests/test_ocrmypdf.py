"""pxocr as OCRmyPDF's OCR engine: ``ocrmypdf --plugin pxocr.ocrmypdf in.pdf out.pdf``, end to end on a
scanned-like PDF; the output's text layer holds pxocr's text on pxocr's glyph boxes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pymupdf
import pytest
from test_pdf_io import SCAN_DPI, layer_chars, mean_deviation, scan_pdf

from pxocr.synth import preset, render_page

pytest.importorskip("ocrmypdf", reason="needs the ocrmypdf extra: pip install 'pxocr[ocrmypdf]'")
SEED = 7_450_001
OCRMYPDF = Path(sys.executable).with_name("ocrmypdf")


def run_ocrmypdf(*args: str, path: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PXOCR_MODEL": "ocrb", "OMP_THREAD_LIMIT": "1"}
    if path is not None:
        env["PATH"] = path
    return subprocess.run([str(OCRMYPDF), "--plugin", "pxocr.ocrmypdf", "--jobs", "1", *args],
                          capture_output=True, text=True, env=env, timeout=600)


@pytest.fixture(scope="module")
def pages():
    cfg = replace(preset("clean"), width=560, height=420)
    return [render_page(cfg, SEED, i) for i in range(2)]


def test_ocrmypdf_with_pxocr_puts_each_character_on_its_glyph(tmp_path, pages):
    src = scan_pdf(tmp_path / "scan.pdf", [img for img, _ in pages])
    out = tmp_path / "out.pdf"
    proc = run_ocrmypdf("--output-type", "pdf", str(src), str(out))
    assert proc.returncode == 0, proc.stderr[-3000:]
    pdf = out.read_bytes()
    doc = pymupdf.open(stream=pdf, filetype="pdf")
    assert doc.page_count == 2
    for k, (img, truth) in enumerate(pages):
        # the original page is kept; pxocr's invisible layer (its glyphless font) is grafted on
        assert any("GlyphLessFont" in f[3] for f in doc[k].get_fonts())
        assert doc[k].get_text().split() == truth.text.split()
        got = layer_chars(pdf, k)
        assert len(got) == len(truth.chars)
        # OCR-B's wide letter gaps are closed inside words (pxocr.writers.pdf.layer_boxes)
        assert mean_deviation(got, [(c.char, c.bbox) for c in truth.chars]) < 1.5


def test_runs_without_tesseract_installed(tmp_path, pages):
    """pxocr replaces Tesseract: OCRmyPDF's check for the tesseract program is passed over."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("gs",):
        if shutil.which(tool):
            (bin_dir / tool).symlink_to(shutil.which(tool))
    src = scan_pdf(tmp_path / "scan.pdf", [pages[0][0]])
    out = tmp_path / "out.pdf"
    proc = run_ocrmypdf("--output-type", "pdf", str(src), str(out), path=f"{bin_dir}:{OCRMYPDF.parent}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "tesseract" not in proc.stderr.lower()
    words = pymupdf.open(out)[0].get_text().split()
    assert words == pages[0][1].text.split()
    assert np.isclose(pymupdf.open(out)[0].rect.width, pages[0][0].shape[1] * 72 / SCAN_DPI)
