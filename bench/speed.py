"""Reading speed and peak memory, pxocr vs Tesseract 5, on the same seeded synthetic pages.

    python bench/speed.py [--pages 20] [--warmup 3] [--threads 1 2] [--psm 3] [--seed 8100001]
                          [--set ocrb|documents|a4] [--model latin]

Writes ``pages`` clean 640x640 synthetic pages as PNG files (OCR-B pages, or with ``--set documents``
document text in the training families at body sizes, about 800 characters a page; ``--set a4``: whole
A4 pages at 300 dpi, 2480x3508 px, in those families), then runs each engine and thread
count in a fresh subprocess and prints a Markdown table:

- pxocr: one ``Predictor(threads=n)`` per process; the time of a page covers decoding the PNG
  file from disk, preprocessing, the network and decoding to lines and character boxes, and
  reading text under 24 px em again, enlarged (``pxocr.infer.zoom``). The ``--single-pass``
  row skips that second reading, as ``pxocr read --single-pass`` does.
- Tesseract: one ``tesseract PAGE.png stdout --psm P`` call per page with
  ``OMP_THREAD_LIMIT=n`` (what pytesseract does); the time of a page is the call's wall time,
  so it includes loading the image and Tesseract's start-up (reading its model). The
  ``batch`` row runs every page through one ``tesseract`` call (a file list) and reports
  ``(T(all pages) - T(first page)) / (pages - 1)``: the per-page cost without start-up (a mean,
  not a median).

Times are medians over all ``pages`` pages after ``warmup`` untimed ones. Peak RSS is
``ru_maxrss`` of the process that did the reading: the pxocr worker itself, the largest
``tesseract`` process for Tesseract (``RUSAGE_CHILDREN`` of its driver). The ratio is
Tesseract's median over pxocr's at the same thread count, measured in the same run (in
brackets: Tesseract's batch per-page time over pxocr's median).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# The pages timed: OCR-B pages (the OCR-B model's), or document text in the training families at body
# sizes (issue 17's "a 640x640 page of document text, 700-900 characters": about 800 a page).
# Or whole A4 pages scanned at 300 dpi (2480x3508 px, body text of 10-13 pt: em 34-46 px), read in tiles.
PAGE_SETS = ("ocrb", "documents", "a4")
DOCUMENT_EM = (13.0, 17.0)
A4_EM = (34.0, 46.0)


def write_pages(folder: Path, pages: int, seed: int, kind: str = "ocrb") -> list[dict]:
    """``pages`` clean pages of ``kind`` (PAGE_SETS; 640x640 but A4's) as PNG: [{"path", "chars"}] (chars =
    ground-truth glyphs)."""
    from PIL import Image

    from pxocr.synth import preset, render_page
    from pxocr.synth.fonts import font_set

    cfg = preset("clean", width=640, height=640)
    if kind == "documents":
        cfg = preset("clean", width=640, height=640, fonts=font_set("train"), size_min=DOCUMENT_EM[0],
                     size_max=DOCUMENT_EM[1])
    elif kind == "a4":
        cfg = preset("clean", width=2480, height=3508, fonts=font_set("train"), size_min=A4_EM[0], size_max=A4_EM[1],
                     max_blocks=60)
    out = []
    for i in range(pages):
        gray, gt = render_page(cfg, seed, i)
        path = folder / f"{i:04d}.png"
        Image.fromarray(gray).save(path)
        out.append({"path": str(path), "chars": len(gt.chars)})
    return out


# ---------------------------------------------------------------------------- workers


def worker_pxocr(files: list[str], threads: int, warmup: int, model: str | None = None,
                 single_pass: bool = False) -> dict:
    from pxocr.infer import Predictor
    from pxocr.infer.image_io import load_images

    t0 = time.perf_counter()
    pred = Predictor(model, threads=threads)
    if single_pass:  # pxocr read --single-pass: small text is not read again, enlarged
        pred = pred.single_pass()
    startup = time.perf_counter() - t0

    def one(path: str) -> int:
        gray = load_images(path)[0][1]
        return len(pred.predict(gray).chars)

    for path in files[:warmup]:
        one(path)
    times, chars = [], []
    for path in files:
        t = time.perf_counter()
        chars.append(one(path))
        times.append(time.perf_counter() - t)
    return {"times": times, "chars": chars, "startup": startup,
            "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}


def _tesseract(args: list[str], threads: int) -> str:
    env = {**os.environ, "OMP_THREAD_LIMIT": str(threads)}
    run = subprocess.run(["tesseract", *args], env=env, capture_output=True, text=True)
    if run.returncode:
        raise RuntimeError(f"tesseract {' '.join(args)} failed: {run.stderr.strip()[-500:]}")
    return run.stdout


def worker_tesseract(files: list[str], threads: int, warmup: int, psm: int) -> dict:
    opts = ["--psm", str(psm), "-l", "eng"]
    for path in files[:warmup]:
        _tesseract([path, "stdout", *opts], threads)
    times, chars = [], []
    for path in files:
        t = time.perf_counter()
        text = _tesseract([path, "stdout", *opts], threads)
        times.append(time.perf_counter() - t)
        chars.append(len("".join(text.split())))
    # batch: one process reads every page (start-up paid once)
    with tempfile.TemporaryDirectory() as tmp:
        lists = {}
        for k in (1, len(files)):
            lists[k] = Path(tmp) / f"list{k}.txt"
            lists[k].write_text("\n".join(files[:k]) + "\n")
        batch = {}
        for k in (1, len(files)):
            t = time.perf_counter()
            _tesseract([str(lists[k]), "stdout", *opts], threads)
            batch[k] = time.perf_counter() - t
    per_page = (batch[len(files)] - batch[1]) / max(1, len(files) - 1)
    return {"times": times, "chars": chars, "batch_per_page": per_page,
            "rss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}


# ---------------------------------------------------------------------------- driver


def run_worker(engine: str, files: list[str], threads: int, warmup: int, psm: int, model: str | None = None,
               single_pass: bool = False) -> dict:
    """Run one engine in a fresh Python process; its result dict."""
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "files.json"
        spec.write_text(json.dumps(files))
        out = Path(tmp) / "result.json"
        cmd = [sys.executable, __file__, "--worker", engine, "--files", str(spec), "--result", str(out),
               "--threads", str(threads), "--warmup", str(warmup), "--psm", str(psm)]
        if model:
            cmd += ["--model", model]
        if single_pass:
            cmd += ["--single-pass"]
        env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
        subprocess.run(cmd, check=True, env=env)
        return json.loads(out.read_text())


def _ms(seconds: float) -> str:
    return f"{1000 * seconds:.1f}"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=20, help="timed pages per engine")
    ap.add_argument("--warmup", type=int, default=3, help="untimed pages first (the first ones again)")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--psm", type=int, default=3, help="Tesseract page segmentation mode (3 or 11)")
    ap.add_argument("--seed", type=int, default=8_100_001, help="synthetic page stream")
    ap.add_argument("--no-tesseract", action="store_true", help="time pxocr only")
    ap.add_argument("--int8", metavar="MODEL", help="also time this int8 model (pxocr export --int8)")
    ap.add_argument("--set", default="ocrb", choices=PAGE_SETS,
                    help="OCR-B pages, document text in many fonts (about 800 characters a page), or A4 at 300 dpi")
    ap.add_argument("--model", help="pxocr model (shipped name or ONNX file; default: the automatic choice)")
    ap.add_argument("--single-pass", action="store_true", help=argparse.SUPPRESS)
    # internal: one engine in this process
    ap.add_argument("--worker", choices=["pxocr", "tesseract"], help=argparse.SUPPRESS)
    ap.add_argument("--files", help=argparse.SUPPRESS)
    ap.add_argument("--result", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.worker:
        files = json.loads(Path(args.files).read_text())
        if args.worker == "pxocr":
            res = worker_pxocr(files, args.threads[0], args.warmup, args.model, args.single_pass)
        else:
            res = worker_tesseract(files, args.threads[0], args.warmup, args.psm)
        Path(args.result).write_text(json.dumps(res))
        return

    tess = not args.no_tesseract
    if tess and shutil.which("tesseract") is None:
        sys.exit("tesseract is not on PATH (apt install tesseract-ocr), or use --no-tesseract")
    with tempfile.TemporaryDirectory() as tmp:
        pages = write_pages(Path(tmp), args.pages, args.seed, args.set)
        files = [p["path"] for p in pages]
        gt_chars = statistics.fmean(p["chars"] for p in pages)
        rows = []
        for n in args.threads:
            px = run_worker("pxocr", files, n, args.warmup, args.psm, args.model)
            rows.append(("pxocr", n, px, None))
            rows.append(("pxocr --single-pass", n, run_worker("pxocr", files, n, args.warmup, args.psm, args.model,
                                                              single_pass=True), None))
            if args.int8:
                rows.append(("pxocr int8", n, run_worker("pxocr", files, n, args.warmup, args.psm, args.int8), None))
            if tess:
                ts = run_worker("tesseract", files, n, args.warmup, args.psm)
                rows.append((f"tesseract --psm {args.psm}", n, ts, statistics.median(px["times"])))

    tver = ""
    if tess:
        ver = subprocess.run(["tesseract", "--version"], capture_output=True, text=True)
        tver = ver.stdout.split("\n")[0]
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"`{' '.join(shlex.quote(a) for a in [sys.executable.rsplit('/', 1)[-1]] + sys.argv)}`\n")
    lo, hi = A4_EM if args.set == "a4" else DOCUMENT_EM
    size = "2480x3508 (A4 at 300 dpi)" if args.set == "a4" else "640x640"
    what = "OCR-B" if args.set == "ocrb" else f"document (training families, em {lo:g}-{hi:g} px)"
    print(f"{args.pages} clean {size} synthetic {what} pages (seed {args.seed}, {gt_chars:.0f} glyphs/page), "
          f"pxocr model {args.model or 'automatic'}, "
          f"median after {args.warmup} warm-up pages; {os.cpu_count()} CPUs "
          f"({platform.processor() or platform.machine()}), load average {load}; "
          f"Python {platform.python_version()}{'; ' + tver if tver else ''}\n")
    print("| engine | threads | median ms/page | min-max ms | batch ms/page | peak RSS MiB | "
          "chars/page | tesseract / pxocr |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, n, r, px_median in rows:
        t = r["times"]
        med = statistics.median(t)
        batch = _ms(r["batch_per_page"]) if "batch_per_page" in r else "-"
        ratio = "-"
        if px_median:
            ratio = f"{med / px_median:.1f}x (batch {r['batch_per_page'] / px_median:.1f}x)"
        print(f"| {name} | {n} | {_ms(med)} | {_ms(min(t))}-{_ms(max(t))} | {batch} | "
              f"{r['rss_kb'] / 1024:.0f} | {statistics.fmean(r['chars']):.0f} | {ratio} |")
    print("\npxocr: PNG decode + preprocessing + network + decoding, model loaded once "
          f"(load: {', '.join(_ms(r['startup']) + ' ms' for name, _, r, _ in rows if name == 'pxocr')}). "
          "Tesseract: one CLI call per page (image load and start-up included); batch = one call "
          "for all pages, start-up excluded. chars/page: non-space characters output.")


if __name__ == "__main__":
    main()
