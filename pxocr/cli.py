"""The ``pxocr`` command: parses arguments and calls the API. Errors are one line on
stderr and map to ``ExitCode``s."""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Callable, Iterator, Optional, Sequence

from . import __version__
from .errors import ExitCode, InputError, PxocrError, UsageError
from .writers.atomic import output_file, output_folder, write_atomic


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not WIDTHxHEIGHT, e.g. 640x640") from None
    if w <= 0 or h <= 0:
        raise argparse.ArgumentTypeError(f"size {text!r} must be positive")
    return w, h


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"{text} must be >= 1")
    return v


def _positive_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not v > 0 or v != v or v == float("inf"):
        raise argparse.ArgumentTypeError(f"{text} must be a positive number")
    return v


def _quality(text: str) -> int:
    v = _positive_int(text)
    if v > 95:
        raise argparse.ArgumentTypeError(f"{text} must be between 1 and 95")
    return v


def _region(text: str):
    from .infer.regions import parse_region

    try:
        return parse_region(text)
    except UsageError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


MODEL_HELP = ("auto (the default: OCR-B where the OCR-B model is sure of the page, else the latin model too), "
              "ocrb, latin or an ONNX file")


# --- subcommands -------------------------------------------------------------------------

def cmd_synth(a: argparse.Namespace) -> int:
    from .synth import preset, write_dataset
    from .synth.documents import face_renderer
    from .synth.engine import font_renderer
    from .synth.fonts import parse_fonts

    if sum(map(bool, (a.font, a.fonts, a.pdfs, a.man_pdfs))) > 1:
        raise UsageError("give one of --font (OCR-B-style pages), --fonts (document pages), --pdfs (real pages) "
                         "or --man-pdfs")
    if a.man_pdfs:
        from .synth.manpages import typeset

        output_folder(a.out)
        typeset(a.out, a.count, a.seed, progress=not a.quiet)
        print(f"wrote {a.count} PDF files of manual pages to {a.out}", file=sys.stderr)
        return ExitCode.OK
    if a.pdfs:
        return _synth_pdf_crops(a)
    kw = {"font": a.font, "fonts": parse_fonts(a.fonts) if a.fonts else ()}
    if a.size:
        kw["width"], kw["height"] = a.size
    if a.font_sizes:
        kw["size_min"], kw["size_max"] = a.font_sizes
    if (a.rules or a.scripts) and not a.fonts:
        raise UsageError("--rules and --scripts draw document pages: give --fonts too")
    for flag, share in (("--rules", a.rules), ("--scripts", a.scripts)):
        if not 0 <= share < 1:
            raise UsageError(f"{flag} {share}: a share of the blocks, at least 0 and under 1")
    kw["p_rules"], kw["p_scripts"] = a.rules, a.scripts
    cfg = preset(a.preset, **kw)
    for face in cfg.fonts:  # fail early on a bad font
        face_renderer(face.path)
    if not cfg.fonts:
        font_renderer(cfg.font)
    output_folder(a.out)
    write_dataset(a.out, cfg, a.seed, a.count, progress=not a.quiet)
    print(f"wrote {a.count} pages (PNG + JSON) to {a.out}", file=sys.stderr)
    return ExitCode.OK


def _synth_pdf_crops(a: argparse.Namespace) -> int:
    """``pxocr synth --pdfs``: crops of real PDF pages with their exact truth, degraded by --preset."""
    from .synth.engine import preset, write_pages
    from .synth.pdf import iter_crops, pdf_source

    files = pdf_source(a.pdfs)
    width, height = a.size or (640, 640)
    if width != height:
        raise UsageError("--pdfs crops are square: give --size NxN")
    crops = iter_crops(files, a.seed, a.count, width, tuple(a.font_sizes or (14.0, 40.0)))
    degrade = preset(a.preset).degrade
    output_folder(a.out)
    if degrade != preset("clean").degrade:
        crops = (_degraded(image, gt, degrade, a.seed, i) for i, (image, gt) in enumerate(crops))
    write_pages(a.out, crops, a.count, progress=not a.quiet)
    print(f"wrote {a.count} crops of {len(files)} PDF files (PNG + JSON) to {a.out}", file=sys.stderr)
    return ExitCode.OK


def _degraded(image, gt, degrade, seed: int, index: int):
    import numpy as np

    from .synth.degrade import degrade_page

    return degrade_page(image, degrade, np.random.default_rng([seed, index, 5])), gt


def _load_page_json(path: Optional[str]):
    if path is None:
        return None
    import json

    from .document import load_pages

    try:
        return load_pages(path)[0]
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except (json.JSONDecodeError, KeyError, ValueError, TypeError, IndexError) as e:
        raise InputError(f"{path}: not a pxocr result JSON ({e})") from None


def cmd_show(a: argparse.Namespace) -> int:
    from .infer.image_io import load_images
    from .writers.atomic import save_png_atomic
    from .writers.overlay import draw_boxes

    output_file(a.out)
    gray = load_images(a.image)[0][1]
    img = draw_boxes(gray, gt=_load_page_json(a.gt), pred=_load_page_json(a.pred), zoom=a.zoom)
    save_png_atomic(a.out, img)
    print(f"wrote {a.out}", file=sys.stderr)
    return ExitCode.OK


def cmd_read(a: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .infer import Predictor
    from .infer.image_io import iter_pages
    from .infer.pdf_input import parse_pages
    from .infer.regions import read_page_regions as read_regions_page
    from .writers.formats import FORMATS, WriteOptions, render

    fmt = FORMATS[a.format]
    if fmt.binary and a.out is None:
        raise UsageError(f"--format {fmt.name} writes files: give --out DIR")
    ranges = parse_pages(a.pages) if a.pages else None
    opt = WriteOptions(zoom=a.zoom, jpeg_quality=a.jpeg_quality, pdf_exact=a.pdf_exact)
    pred = Predictor(a.model, threads=a.threads).with_capture(orientation=a.orientation)
    output_folder(a.out)
    output_folder(a.overlay, "--overlay")
    if a.single_pass:
        pred = pred.single_pass()
    failed = 0
    # A progress bar on a terminal when results go to files; it counts pages.
    bar = tqdm(desc="read", unit="page", disable=a.out is None or not sys.stderr.isatty())
    for path in a.images:
        def pages_of(p=path):
            return iter_pages(p, dpi=a.dpi, pages=ranges, skip_text=a.skip_text)

        try:
            pages = []
            for page in pages_of():
                pages.append(read_regions_page(pred, page, a.region)[0] if a.region else pred.read_page(page))
                bar.update(1)
            name, stem = os.path.basename(str(path)), Path(str(path)).stem
            images = (lambda: (p.gray for p in pages_of())) if fmt.needs_images or a.overlay else None
            for suffix, body in render(fmt, name, pages, images, opt):
                if a.out:
                    write_atomic(os.path.join(a.out, stem + suffix), body)
                    if fmt.binary:
                        bar.write(f"wrote {os.path.join(a.out, stem + suffix)}", file=sys.stderr)
                else:
                    sys.stdout.write(body.decode("utf-8") if fmt.name == "text" else body.decode("utf-8") + "\n")
                    sys.stdout.flush()
            if a.overlay and fmt.name != "overlay":
                for suffix, body in render(FORMATS["overlay"], name, pages, images, opt):
                    write_atomic(os.path.join(a.overlay, stem + suffix), body)
                    bar.write(f"wrote {os.path.join(a.overlay, stem + suffix)}", file=sys.stderr)
        except InputError as e:
            bar.write(f"pxocr: error: {e}", file=sys.stderr)
            failed += 1
        except Exception as e:  # noqa: BLE001 - a fault while reading one file is that file's error alone
            bar.write(f"pxocr: error: {path}: reading failed ({type(e).__name__}: {e})", file=sys.stderr)
            failed += 1
    bar.close()
    if failed:
        return ExitCode.INPUT if failed == len(a.images) else ExitCode.PARTIAL
    return ExitCode.OK


def cmd_eval(a: argparse.Namespace) -> int:
    from .eval import eval_dirs
    from .eval.report import render_markdown

    if (a.pred is None) == (a.data is None):
        raise UsageError("give either --pred DIR (with --gt DIR) or --data DIR")
    if a.pred is not None and a.gt is None:
        raise UsageError("--pred needs --gt DIR")
    out = a.out or (a.data.rstrip("/\\") + "-eval" if a.data is not None else None)
    output_folder(out)
    if a.data is not None:
        from .eval.run import predict_dir

        pred_dir = os.path.join(out, "pred")
        output_folder(pred_dir, "--out")
        predict_dir(a.data, pred_dir, a.model, threads=a.threads)
        gt_dir = a.data
    else:
        pred_dir, gt_dir = a.pred, a.gt
    result = eval_dirs(pred_dir, gt_dir, out)
    print(render_markdown(result))
    if out:
        print(f"report written to {out}", file=sys.stderr)
    return ExitCode.OK


def cmd_train(a: argparse.Namespace) -> int:
    from .errors import require

    require("torch", "train")
    require("onnx", "train")  # validation reads an exported copy of the model
    if a.average:
        from .train.checkpoint import average_runs

        print(f"wrote {average_runs(a.average, a.out)}", file=sys.stderr)
        return ExitCode.OK
    from .train.config import load_config
    from .train.loop import train

    cfg = load_config(a.config, a.preset)
    if a.seed is not None:
        from dataclasses import replace

        cfg = replace(cfg, seed=a.seed)
    output_folder(a.out)
    metrics = train(a.out, cfg, resume=a.resume, progress=not a.quiet, init=a.init)
    print(" ".join(f"{k}={v:.4f}" for k, v in metrics.items()))
    return ExitCode.OK


def cmd_export(a: argparse.Namespace) -> int:
    from .errors import require

    require("torch", "train")
    require("onnx", "train")
    from .train.export import export_onnx

    output_file(a.out)
    if a.int8:
        from .train.quantize import quantize_int8

        with tempfile.TemporaryDirectory() as tmp:
            out = quantize_int8(export_onnx(a.run_dir, os.path.join(tmp, "float.onnx")), a.out, fmt=a.int8_format)
    else:
        out = export_onnx(a.run_dir, a.out)
    print(f"wrote {out} ({os.path.getsize(out) / 1e6:.2f} MB)", file=sys.stderr)
    return ExitCode.OK


def cmd_find(a: argparse.Namespace) -> int:
    import json

    from .infer import Predictor
    from .infer.image_io import iter_pages
    from .infer.pdf_input import parse_pages
    from .search import check_query, find_in_pages

    check_query(a.text, a.max_edits)
    if a.format == "overlay" and a.out is None:
        raise UsageError("--format overlay writes a PNG: give --out FILE.png")
    output_file(a.out)
    pred = Predictor(a.model, threads=a.threads)
    if a.single_pass:
        pred = pred.single_pass()
    ranges = parse_pages(a.pages) if a.pages else None
    pages, grays = [], []
    for page in iter_pages(a.image, dpi=a.dpi, pages=ranges):
        pages.append(pred.read_page(page))
        grays.append(page.gray if a.format == "overlay" else None)
    hits = find_in_pages(pages, a.text, ignore_case=a.ignore_case, max_edits=a.max_edits,
                         across_lines=a.across_lines)
    if a.format == "overlay":
        from .search import overlay_png

        stem, suffix = os.path.splitext(a.out)
        for k, (page, gray) in enumerate(zip(pages, grays)):
            out = a.out if len(pages) == 1 else f"{stem}-{k + 1}{suffix or '.png'}"
            write_atomic(out, overlay_png(gray, page, [m for m in hits if m.page == k], zoom=a.zoom))
            print(f"wrote {out}", file=sys.stderr)
    else:
        if a.format == "json":
            body = json.dumps({"image": os.path.basename(str(a.image)), "query": a.text,
                               "ignore_case": a.ignore_case, "max_edits": a.max_edits,
                               "across_lines": a.across_lines, "matches": [m.to_dict() for m in hits]},
                              indent=1, ensure_ascii=False) + "\n"
        else:
            body = "".join(m.describe() + "\n" for m in hits)
        if a.out:
            write_atomic(a.out, body)
        else:
            sys.stdout.write(body)
    print(f"{len(hits)} match{'' if len(hits) == 1 else 'es'}", file=sys.stderr)
    return ExitCode.OK


def cmd_serve(a: argparse.Namespace) -> int:
    from .errors import require

    require("fastapi", "serve")
    require("uvicorn", "serve")
    require("python_multipart", "serve")
    import uvicorn

    from .serve import ServeConfig
    from .serve.app import create_app

    cfg = ServeConfig(model=a.model, threads=a.threads, workers=a.workers, queue=a.queue,
                      max_upload_mb=a.max_upload_mb, max_pixels=a.max_pixels, max_pages=a.max_pages,
                      timeout_s=a.timeout)
    app = create_app(cfg)  # the model loads here, once, before the port opens
    print(f"pxocr serve: http://{a.host}:{a.port}/ (API docs at /docs)", file=sys.stderr)
    uvicorn.run(app, host=a.host, port=a.port, log_level="warning" if a.quiet else "info")
    return ExitCode.OK


# --- parser ------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pxocr", description="Pixel-accurate OCR: text and sub-pixel "
                                "character boxes from one compact model.")
    p.add_argument("--version", action="version", version=f"pxocr {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    _add_read_and_synth(sub)
    _add_show_eval_train_export(sub)
    _add_find_serve(sub)
    from .batch.cli import add_batch_parser

    add_batch_parser(sub)
    _add_mrz(sub)
    return p


def cmd_mrz(a: argparse.Namespace) -> int:
    import json

    from .mrz import read_mrz

    output_folder(a.out)
    failed = invalid = 0
    for path in a.images:
        try:
            readings = read_mrz(path, model=a.model, threads=a.threads, orientation=a.orientation,
                                confirm_model=None if a.confirm_model.lower() == "none" else a.confirm_model)
        except InputError as e:
            print(f"pxocr: error: {e}", file=sys.stderr)
            failed += 1
            continue
        for r in readings:
            invalid += not r.valid
        if a.format == "json":
            body = json.dumps([r.to_dict() for r in readings] if len(readings) > 1 else readings[0].to_dict(),
                              indent=1, ensure_ascii=False) + "\n"
        else:
            body = "".join("\n".join(r.mrz.lines) + "\n" + r.summary() + "\n" if r.found else r.summary() + "\n"
                           for r in readings)
        if a.out:
            suffix = ".mrz.json" if a.format == "json" else ".mrz.txt"
            write_atomic(os.path.join(a.out, Path(str(path)).stem + suffix), body)
        else:
            sys.stdout.write(body)
    if failed:
        return ExitCode.INPUT if failed == len(a.images) else ExitCode.PARTIAL
    return ExitCode.OK


def _add_mrz(sub) -> None:
    m = sub.add_parser("mrz", help="read passports, ID cards and visas: MRZ lines, fields and check digits")
    m.add_argument("images", nargs="+", help="image files or PDFs; - reads one from standard input")
    m.add_argument("--format", choices=["text", "json"], default="text",
                   help="text: the lines and a verdict; json: fields, checks, corrections and every character's box")
    m.add_argument("--out", help="write one file per input into this directory instead of stdout")
    m.add_argument("--model", default="mrz",
                   help="model: mrz (default: trained on identity documents), mrz-confirm, mrz-check, ocrb, "
                        "or an ONNX file")
    m.add_argument("--confirm-model", default="auto",
                   help="the second network that must read a valid zone the same: auto (default: mrz-confirm, "
                        "or mrz where --model is mrz-confirm), a model, or none")
    m.add_argument("--orientation", choices=["auto", "0", "90", "180", "270"], default="auto",
                   help="the pages' quarter turn, or auto (default) to find it")
    m.add_argument("--threads", type=int, default=0)
    m.set_defaults(func=cmd_mrz)


def _add_read_and_synth(sub) -> None:
    from .writers.formats import FORMATS, format_help

    r = sub.add_parser("read", help="read images and PDFs: text, JSON, hOCR, ALTO, PAGE, searchable PDF, overlays")
    r.add_argument("images", nargs="+",
                   help="image files (PNG, JPEG, TIFF, BMP, WebP, GIF) or PDF files; - reads one from standard input")
    r.add_argument("--format", choices=list(FORMATS), default="text", help=format_help())
    r.add_argument("--out", help="write one file per image into this directory instead of stdout")
    r.add_argument("--overlay", metavar="DIR", help="also write a box overlay PNG per page into DIR")
    r.add_argument("--zoom", type=_positive_int, default=2, help="overlay enlargement (default 2)")
    r.add_argument("--model", help=MODEL_HELP)
    r.add_argument("--threads", type=int, default=0, help="inference threads (0 = onnxruntime's choice)")
    r.add_argument("--single-pass", action="store_true",
                   help="read each page once: faster, but text far smaller (or larger) than the rest of its page "
                        "is not read again enlarged (reduced)")
    r.add_argument("--orientation", choices=["auto", "0", "90", "180", "270"], default="0",
                   help="the quarter turn (counter-clockwise) the pages have, or auto to find it per page "
                        "(about 2-3x the time); dark paper, large, small and skewed text are handled always")
    r.add_argument("--dpi", type=_positive_float, help="PDF input: render pages at this resolution (default: "
                   "from each page's text size, or its scan's resolution, or 300)")
    r.add_argument("--pages", help="PDF input: pages to read, e.g. 1-3,7,10- (default all)")
    r.add_argument("--skip-text", action="store_true", help="PDF input: leave out pages that already carry text")
    r.add_argument("--jpeg-quality", type=_quality, help="--format pdf: store page images as JPEG at this "
                   "quality (1-95) instead of losslessly")
    r.add_argument("--pdf-exact", action="store_true",
                   help="--format pdf: each character's text box is exactly its glyph box; readers may then "
                        "find spaces inside words (default: gaps within a word are closed just enough)")
    r.add_argument("--region", action="append", type=_region, metavar="X0,Y0,X1,Y1",
                   help="read only inside this box (page pixels; repeat for several): a glyph belongs to it when "
                        "its centre, taken at the middle of its line, lies inside the box grown by 3 px; each "
                        "line's JSON records its region's index")
    r.set_defaults(func=cmd_read)

    s = sub.add_parser("synth", help="write synthetic pages with exact ground truth")
    s.add_argument("--out", required=True, help="output directory")
    s.add_argument("--count", type=_positive_int, required=True)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--preset", default="clean", help="degradations: clean, degraded, hard or scan")
    s.add_argument("--size", type=_size, help="page WIDTHxHEIGHT (default 640x640)")
    s.add_argument("--font", help="OTF/TTF file (default OCR-B)")
    s.add_argument("--fonts", help="document pages in many fonts: a font set (train, heldout, all) or "
                                   "comma-separated OTF/TTF files")
    s.add_argument("--pdfs", help="crops of real PDF pages instead: comma-separated sets (train, heldout), PDF "
                                  "files and folders of them; --size NxN, --font-sizes, --preset apply")
    s.add_argument("--man-pdfs", action="store_true",
                   help="instead, --count PDF files of the installed manual pages, typeset by groff in the "
                        "PostScript base families (real documents for --pdfs)")
    s.add_argument("--font-sizes", type=float, nargs=2, metavar=("MIN", "MAX"), help="em range, px")
    s.add_argument("--rules", type=float, default=0.0, metavar="SHARE",
                   help="with --fonts: this share of the blocks rules drawn in text (separators, ASCII table "
                        "borders, contents leaders), 0-1")
    s.add_argument("--scripts", type=float, default=0.0, metavar="SHARE",
                   help="with --fonts: this share of the blocks formulas and text with sub- and superscripts, 0-1")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    s.set_defaults(func=cmd_synth)


def _add_show_eval_train_export(sub) -> None:
    sh = sub.add_parser("show", help="draw ground-truth (green) and predicted (red) boxes on an image")
    sh.add_argument("image")
    sh.add_argument("--gt", help="ground-truth JSON")
    sh.add_argument("--pred", help="prediction JSON")
    sh.add_argument("--zoom", type=_positive_int, default=4)
    sh.add_argument("--out", required=True, help="output PNG")
    sh.set_defaults(func=cmd_show)

    e = sub.add_parser("eval", help="score predictions against ground truth (CER, F1, AP, edges)")
    e.add_argument("--pred", help="directory of prediction JSONs")
    e.add_argument("--gt", help="directory of ground-truth JSONs")
    e.add_argument("--data", help="directory of images + ground truth: run the model, then score")
    e.add_argument("--model", help="model for --data: " + MODEL_HELP)
    e.add_argument("--threads", type=int, default=0)
    e.add_argument("--out", help="report directory (report.md, metrics.json, worst_errors.png)")
    e.set_defaults(func=cmd_eval)

    t = sub.add_parser("train", help="train a model on synthetic pages (needs pxocr[train])")
    t.add_argument("--out", required=True, help="run directory (checkpoints, logs, plots)")
    t.add_argument("--config", help="JSON training config (default: the 'default' preset)")
    t.add_argument("--preset", default="default",
                   help="named config: default, dense, ctc, ctc-finetune, finetune, hour, latin, latin-more, "
                        "latin-wide, latin-wide-more, latin-wide-real, latin-wide-boxes, latin-wide-lowres, "
                        "latin-deep, latin-deep-more, latin-deep-man, latin-deep-tex, latin-deep-lowres, "
                        "latin-deep-wider, latin-deep-em18, latin-deep-docs, ocrb-docs, ocrb-docs-lowres, "
                        "ocrb-docs-photo, mrz-deep, mrz-deep-photo, mrz-deep-small, latin-fast, latin-fast-docs, "
                        "latin-deep-small, latin-deep-em24, tiny or tiny-ctc")
    t.add_argument("--resume", action="store_true", help="continue the run in --out")
    t.add_argument("--init", metavar="RUN", help="start from this run's weights (fine-tuning, e.g. --preset finetune)")
    t.add_argument("--seed", type=int, help="the config's data seed instead (new pages for another round)")
    t.add_argument("--average", nargs="+", metavar="RUN",
                   help="train nothing: write to --out the average of these runs' weights (runs of one model, "
                        "e.g. a round and the round it started from), to export or --init like a run")
    t.add_argument("--quiet", action="store_true")
    t.set_defaults(func=cmd_train)

    x = sub.add_parser("export", help="export a trained run to ONNX (needs pxocr[train])")
    x.add_argument("run_dir")
    x.add_argument("--out", required=True, help="ONNX file to write")
    x.add_argument("--int8", action="store_true", help="static int8 quantisation, calibrated on synthetic pages")
    x.add_argument("--int8-format", choices=["qdq", "qop"], default="qdq", help="QDQ or QOperator (default qdq)")
    x.set_defaults(func=cmd_export)


def _add_find_serve(sub) -> None:
    f = sub.add_parser("find", help="find a text on a page: every occurrence with its glyph boxes")
    f.add_argument("image", help="an image or PDF file; - reads it from standard input")
    f.add_argument("text", help="the text to find (runs of white space count as one space)")
    f.add_argument("--ignore-case", action="store_true", help="compare lower-cased characters")
    f.add_argument("--max-edits", type=int, default=0, metavar="K",
                   help="also find stretches at most K edits (insertions, deletions, substitutions) away")
    f.add_argument("--across-lines", action="store_true", help="a match may run over line breaks")
    f.add_argument("--format", choices=["text", "json", "overlay"], default="text",
                   help="text: one line per match (page:line: box, edits: text); json: every match with its "
                        "glyph boxes; overlay: a PNG with the matches drawn (needs --out)")
    f.add_argument("--out", help="write to this file instead of stdout (the PNG for --format overlay)")
    f.add_argument("--zoom", type=_positive_int, default=2, help="overlay enlargement (default 2)")
    f.add_argument("--model", help=MODEL_HELP)
    f.add_argument("--threads", type=int, default=0, help="inference threads (0 = onnxruntime's choice)")
    f.add_argument("--single-pass", action="store_true", help="read each page once (as for read)")
    f.add_argument("--dpi", type=_positive_float, help="PDF input: render pages at this resolution")
    f.add_argument("--pages", help="PDF input: pages to read, e.g. 1-3,7 (default all)")
    f.set_defaults(func=cmd_find)

    v = sub.add_parser("serve", help="an HTTP API (read, find, metrics) and a web page that draws every glyph "
                                     "(needs pxocr[serve])")
    v.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    v.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    v.add_argument("--workers", type=_positive_int, default=1,
                   help="readings at once, threads sharing the one loaded model (default 1)")
    v.add_argument("--queue", type=int, default=4, help="readings that may wait for a worker; more get 503 "
                                                       "with Retry-After (default 4)")
    v.add_argument("--threads", type=int, default=0, help="inference threads per reading (0 = onnxruntime's choice)")
    v.add_argument("--model", help=MODEL_HELP)
    v.add_argument("--max-upload-mb", type=_positive_float, default=20.0, help="upload limit, MB (default 20; 413)")
    v.add_argument("--max-pixels", type=_positive_int, default=50_000_000,
                   help="largest page in pixels (default 50000000; 413)")
    v.add_argument("--max-pages", type=_positive_int, default=20, help="pages an upload may have (default 20; 422)")
    v.add_argument("--timeout", type=_positive_float, default=60.0, help="seconds a request may take (default 60; 504)")
    v.add_argument("--quiet", action="store_true", help="log warnings only, not each request")
    v.set_defaults(func=cmd_serve)


@contextlib.contextmanager
def _stdin_spooled(a: argparse.Namespace) -> Iterator[None]:
    """An input ``-`` (``images`` or ``image``, once at most) stands for the bytes piped into standard input: they
    are written to a temporary file named ``stdin`` (an image or a PDF, told apart by its bytes as any file is;
    outputs are named after it) for the command's run."""
    many = isinstance(getattr(a, "images", None), list)
    given = a.images if many else [getattr(a, "image", None)]
    if "-" not in given:
        yield
        return
    if given.count("-") > 1:
        raise UsageError("- (standard input) can be read once a call")
    if sys.stdin is None or sys.stdin.isatty():
        raise UsageError("-: standard input is a terminal: pipe an image or a PDF into it")
    with tempfile.TemporaryDirectory(prefix="pxocr-stdin-") as tmp:
        spooled = os.path.join(tmp, "stdin")
        with open(spooled, "wb") as f:
            shutil.copyfileobj(sys.stdin.buffer, f)
        if many:
            a.images = [spooled if p == "-" else p for p in a.images]
        else:
            a.image = spooled
        with contextlib.redirect_stderr(_Renamed(sys.stderr, spooled, "stdin")):
            yield


class _Renamed:
    """A text stream writing to ``stream`` with ``old`` said as ``new`` (the spooled standard input's path, in the
    error and progress lines that name it, as ``stdin``); anything else is the stream's own."""

    def __init__(self, stream, old: str, new: str):
        self._stream, self._old, self._new = stream, old, new

    def write(self, text: str) -> int:
        return self._stream.write(text.replace(self._old, self._new))

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    a = parser.parse_args(argv)
    try:
        with _stdin_spooled(a):
            return _run(a)
    except PxocrError as e:  # standard input given wrongly
        print(f"pxocr: error: {e}", file=sys.stderr)
        return int(e.exit_code)


def _run(a: argparse.Namespace) -> int:
    """The command's exit code, its errors said in one line (inside :func:`_stdin_spooled`: a piped input's
    temporary path is said as ``stdin``)."""
    func: Callable[[argparse.Namespace], int] = a.func
    try:
        return int(func(a))
    except PxocrError as e:
        print(f"pxocr: error: {e}", file=sys.stderr)
        return int(e.exit_code)
    except KeyboardInterrupt:
        print("pxocr: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return int(ExitCode.OK)
    except OSError as e:  # a file that could not be written or read after the checks: one line, not a traceback
        named = e.filename2 or e.filename  # a failed rename's target, not its temporary file
        where = f"{named}: " if named else ""
        print(f"pxocr: error: {where}{e.strerror or e} ({type(e).__name__})", file=sys.stderr)
        return int(ExitCode.FAILURE)


if __name__ == "__main__":
    sys.exit(main())
