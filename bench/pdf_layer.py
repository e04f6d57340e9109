"""Searchable PDFs compared: how close each character of the text layer lies to its true ink box.

    python bench/pdf_layer.py [--pages 8] [--seed 7440001] [--out FILE.md] [--picture DIR]

A "scan" PDF is made of synthetic document pages (``pxocr.synth.documents`` in the families
pxocr holds out of training, em 24-40 px at 300 dpi, half of them degraded), each page an
image at 300 dpi, with exact ground truth. Three tools then make it searchable:

- ``pxocr``: ``pxocr read scan.pdf --format pdf --model latin``;
- ``ocrmypdf+pxocr``: ``ocrmypdf --plugin pxocr.ocrmypdf scan.pdf out.pdf``;
- ``ocrmypdf+tesseract``: ``ocrmypdf scan.pdf out.pdf`` (Tesseract 5, OCRmyPDF's default
  renderer), ``--output-type pdf`` for both OCRmyPDF runs, so no PDF/A conversion is timed.

Each output's text layer is read back with PyMuPDF (``rawdict``: every character's box from its
font's advance and ascender/descender, as viewers select it). Every true character is paired
with the text-layer character of the same letter that overlaps it most (IoU > 0.1); the table
gives the share of true characters so paired, the mean absolute edge distance in pixels of the
paired ones (mean over the four edges), the share within 1 px, and pages per second (wall time
of the whole command over the pages, including start-up). ``--picture DIR`` draws page 1's
text-layer boxes of pxocr and of OCRmyPDF+Tesseract over the page, side by side.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

DPI = 300


def make_scan(path: Path, count: int, seed: int):
    import pymupdf

    from pxocr.synth import preset, render_page
    from pxocr.synth.fonts import font_set

    truths, images = [], []
    doc = pymupdf.open()
    for i in range(count):
        cfg = replace(preset("clean" if i % 2 == 0 else "degraded"), width=1275, height=1100,
                      fonts=font_set("heldout"), size_min=24.0, size_max=40.0)
        img, page = render_page(cfg, seed, i)
        h, w = img.shape
        p = doc.new_page(width=w * 72 / DPI, height=h * 72 / DPI)
        p.insert_image(p.rect, pixmap=pymupdf.Pixmap(pymupdf.csGRAY, w, h, img.tobytes(), False))
        truths.append(page)
        images.append(img)
    doc.save(path)
    return truths, images


def layer_chars(pdf: Path) -> list[list[tuple[str, np.ndarray]]]:
    """Per page: the text layer's non-space characters with boxes in 300-dpi pixels."""
    import pymupdf

    out = []
    for page in pymupdf.open(pdf):
        s = DPI / 72
        chars = []
        for block in page.get_text("rawdict")["blocks"]:
            for line in block.get("lines", []):
                for span in line["spans"]:
                    chars.extend((c["c"], np.array(c["bbox"]) * s) for c in span["chars"] if not c["c"].isspace())
        out.append(chars)
    return out


def score(truths, layers) -> dict[str, float]:
    from pxocr.boxes import iou_matrix

    dists, total = [], 0
    for truth, got in zip(truths, layers):
        total += len(truth.chars)
        if not got:
            continue
        boxes = np.array([b for _, b in got])
        letters = np.array([c for c, _ in got])
        gt = np.array([c.bbox for c in truth.chars])
        iou = iou_matrix(gt, boxes)
        for k, c in enumerate(truth.chars):
            cand = np.nonzero((letters == c.char) & (iou[k] > 0.1))[0]
            if len(cand):
                j = cand[np.argmax(iou[k, cand])]
                dists.append(np.abs(boxes[j] - gt[k]).mean())
    d = np.array(dists)
    return {"paired": len(d) / max(total, 1), "mean_px": float(d.mean()) if len(d) else float("nan"),
            "within_1px": float((d <= 1).mean()) if len(d) else 0.0}


def run(cmd: list[str], env=None) -> float:
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    return time.perf_counter() - t


def picture(out_dir: Path, image: np.ndarray, layers: dict[str, list], truth) -> Path:
    from PIL import Image, ImageDraw

    panels = []
    for name, chars in layers.items():
        im = Image.fromarray(image).convert("RGB")
        draw = ImageDraw.Draw(im)
        for c in truth.chars:
            draw.rectangle(list(c.bbox), outline=(0, 170, 0))
        for _, b in chars:
            draw.rectangle(list(b), outline=(230, 0, 0))
        draw.text((10, 10), f"{name}: text layer (red) over true ink boxes (green)", fill=(0, 0, 230))
        panels.append(im.crop((0, 0, 640, 420)).resize((960, 630), Image.Resampling.NEAREST))
    sheet = Image.new("RGB", (sum(p.width for p in panels) + 10 * (len(panels) - 1), panels[0].height), "white")
    x = 0
    for p in panels:
        sheet.paste(p, (x, 0))
        x += p.width + 10
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "pdf_text_layer.png"
    sheet.save(path)
    return path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=8)
    ap.add_argument("--seed", type=int, default=7_440_001)
    ap.add_argument("--out", help="also write the table to this Markdown file")
    ap.add_argument("--picture", help="folder for the side-by-side picture of page 1's text-layer boxes")
    a = ap.parse_args()
    if not shutil.which("ocrmypdf") and not (Path(sys.executable).parent / "ocrmypdf").exists():
        sys.exit("ocrmypdf is not installed: pip install ocrmypdf (and apt-get install ghostscript tesseract-ocr)")
    ocrmypdf = str(Path(sys.executable).parent / "ocrmypdf") if (Path(sys.executable).parent / "ocrmypdf").exists() \
        else "ocrmypdf"
    pxocr_cmd = str(Path(sys.executable).parent / "pxocr")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        scan = tmp / "scan.pdf"
        truths, images = make_scan(scan, a.pages, a.seed)
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        runs = {
            "pxocr": ([pxocr_cmd, "read", str(scan), "--format", "pdf", "--model", "latin", "--out", str(tmp / "px")],
                      tmp / "px" / "scan.pdf"),
            "ocrmypdf+pxocr": ([ocrmypdf, "--plugin", "pxocr.ocrmypdf", "--output-type", "pdf", "-q", str(scan),
                                str(tmp / "omp.pdf")], tmp / "omp.pdf"),
            "ocrmypdf+tesseract": ([ocrmypdf, "--output-type", "pdf", "-q", str(scan), str(tmp / "omt.pdf")],
                                   tmp / "omt.pdf"),
        }
        rows, layers = [], {}
        for name, (cmd, out) in runs.items():
            secs = run(cmd, env)
            layer = layer_chars(out)
            layers[name] = layer[0]
            m = score(truths, layer)
            rows.append(f"| {name} | {100 * m['paired']:.1f} % | {m['mean_px']:.2f} | {100 * m['within_1px']:.1f} % "
                        f"| {a.pages / secs:.2f} |")
        head = (f"{a.pages} scanned-like pages (300 dpi, held-out font families, em 24-40 px), seed {a.seed}\n\n"
                "| tool | true chars paired | mean edge distance, px | within 1 px | pages/s |\n|---|---|---|---|---|")
        table = "\n".join([head, *rows])
        print(table)
        if a.picture:
            pic = picture(Path(a.picture), images[0], {k: layers[k] for k in ("pxocr", "ocrmypdf+tesseract")},
                          truths[0])
            print(f"\nwrote {pic}", file=sys.stderr)
        if a.out:
            from pxocr.writers.atomic import write_atomic

            write_atomic(a.out, table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
