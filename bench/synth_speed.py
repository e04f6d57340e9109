"""Synthetic page throughput on one core: pages per second for each preset.

    python bench/synth_speed.py [--pages 20] [--repeats 5] [--warmup 5] [--size 640]

Pins the process to one CPU (when the OS allows) and prints a Markdown table: the median
over ``repeats`` runs of ``pages`` pages each (after ``warmup`` pages), the slowest and
fastest run, and the mean number of characters per page. Every run renders new page
indices, so the glyph cache warms up as it would in training.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import platform  # noqa: E402
import shlex  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

from pxocr.synth import PRESETS, preset, render_page  # noqa: E402


def bench(name: str, size: int, pages: int, repeats: int, warmup: int, seed: int) -> dict:
    cfg = preset(name, width=size, height=size)
    index = 0
    for _ in range(warmup):
        render_page(cfg, seed, index)
        index += 1
    rates, chars = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(pages):
            chars.append(len(render_page(cfg, seed, index)[1].chars))
            index += 1
        rates.append(pages / (time.perf_counter() - t0))
    return {"preset": name, "median": statistics.median(rates), "min": min(rates), "max": max(rates),
            "chars": statistics.fmean(chars)}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--presets", nargs="+", default=list(PRESETS), choices=list(PRESETS))
    ap.add_argument("--size", type=int, default=640, help="page width and height, px")
    ap.add_argument("--pages", type=int, default=20, help="pages per timed run")
    ap.add_argument("--repeats", type=int, default=5, help="timed runs per preset")
    ap.add_argument("--warmup", type=int, default=5, help="untimed pages first")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cpu", type=int, default=None, help="CPU to pin to (default: the first allowed)")
    args = ap.parse_args(argv)

    pinned = "not pinned"
    if hasattr(os, "sched_setaffinity"):
        cpu = args.cpu if args.cpu is not None else min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        pinned = f"pinned to CPU {cpu}"

    rows = [bench(p, args.size, args.pages, args.repeats, args.warmup, args.seed) for p in args.presets]
    print(f"`{' '.join(shlex.quote(a) for a in [sys.executable.rsplit('/', 1)[-1]] + sys.argv)}`\n")
    print(f"{args.size}x{args.size} pages, {args.repeats} runs of {args.pages} pages after {args.warmup} "
          f"warm-up, {pinned}; {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}\n")
    print("| preset | pages/s (median) | pages/s (min-max) | ms/page | chars/page |")
    print("|---|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['preset']} | {r['median']:.1f} | {r['min']:.1f}-{r['max']:.1f} | "
              f"{1000 / r['median']:.1f} | {r['chars']:.0f} |")


if __name__ == "__main__":
    main()
