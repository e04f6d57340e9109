"""``pxocr batch``: the arguments, and a call to :func:`pxocr.batch.run_batch`."""

from __future__ import annotations

import argparse
import sys


def add_batch_parser(sub) -> None:
    """Add the ``batch`` subcommand to the ``pxocr`` parser's subcommands."""
    from ..cli import MODEL_HELP, _positive_float, _positive_int, _quality
    from ..writers.formats import FORMATS, format_help

    b = sub.add_parser("batch", help="read many files, folders or globs on every core or a Ray cluster; "
                                     "resumable, with a manifest")
    b.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="image or PDF files, folders (read recursively) or quoted globs such as 'scans/**/*.tif'")
    b.add_argument("--out", required=True, help="output folder: one file per input (per page for page/overlay), "
                                               "plus manifest.jsonl")
    b.add_argument("--format", choices=list(FORMATS), default="text", help=format_help())
    b.add_argument("--jobs", type=_positive_int, help="worker processes (default: one per CPU); with --ray, "
                                                      "Ray workers (default: one per CPU of the cluster)")
    b.add_argument("--ray", metavar="ADDRESS", help="run on a Ray cluster: its address (HEAD:6379), auto (the "
                   "one running on this machine) or local (start one here); needs pxocr[batch]")
    b.add_argument("--retry-failed", action="store_true", help="read again the inputs that failed before")
    b.add_argument("--model", help=MODEL_HELP)
    b.add_argument("--single-pass", action="store_true", help="do not read small text a second time, enlarged")
    b.add_argument("--dpi", type=_positive_float, help="PDF input: render pages at this resolution")
    b.add_argument("--pages", help="PDF input: pages to read, e.g. 1-3,7,10- (default all)")
    b.add_argument("--skip-text", action="store_true", help="PDF input: leave out pages that already carry text")
    b.add_argument("--zoom", type=_positive_int, default=2, help="--format overlay: enlargement (default 2)")
    b.add_argument("--jpeg-quality", type=_quality, help="--format pdf: page images as JPEG at this quality")
    b.add_argument("--pdf-exact", action="store_true", help="--format pdf: text boxes exactly on the glyph boxes")
    b.add_argument("--quiet", action="store_true", help="no progress bar")
    b.set_defaults(func=cmd_batch)


def cmd_batch(a: argparse.Namespace) -> int:
    from ..writers.atomic import output_folder
    from ..writers.formats import WriteOptions
    from .run import BatchOptions, run_batch
    from .work import ReadOptions

    read = ReadOptions(format=a.format, model=a.model, dpi=a.dpi, pages=a.pages, skip_text=a.skip_text,
                       single_pass=a.single_pass,
                       write=WriteOptions(zoom=a.zoom, jpeg_quality=a.jpeg_quality, pdf_exact=a.pdf_exact))
    opt = BatchOptions(read=read, jobs=a.jobs, ray=a.ray, retry_failed=a.retry_failed, progress=not a.quiet)
    output_folder(a.out)
    summary = run_batch(a.inputs, a.out, opt)
    print(f"pxocr batch: {summary.line()}", file=sys.stderr)
    return int(summary.exit_code)
