"""Batch throughput: pages per second of ``pxocr batch`` in one process, in a pool of worker
processes, and on Ray with 1 and 2 workers; the per-page overhead of Ray over the local pool.

    python bench/batch.py [--pages 200] [--repeats 3] [--size 640] [--format json] [--ray local|ADDRESS]

Writes ``pages`` clean synthetic pages (PNG) to a temporary folder, then times
``pxocr.batch.run_batch`` over them into a fresh output folder per run, everything included:
finding and hashing the inputs, starting the workers (processes or Ray actors) and loading
their models, reading, writing each output and the manifest. Ray is started once, before the
timed runs (``--ray local``, 2 CPUs), as a cluster would be already running. Each set-up is
also timed on 2 pages: the difference of the two runs gives the time per page once the
workers are up (``steady``), and the rest is the start-up (workers started, models loaded).
The runs of the four set-ups are interleaved, repeat by repeat, so that a slower spell of a
shared machine falls on all of them. Prints a Markdown table of medians.
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
import tempfile  # noqa: E402
import time  # noqa: E402

from PIL import Image  # noqa: E402

from pxocr.batch import BatchOptions, ReadOptions, run_batch  # noqa: E402
from pxocr.synth import preset, render_page  # noqa: E402

SEED = 8_220_001
SETUPS = [  # (label, jobs, on Ray)
    ("one process (`--jobs 1`)", 1, False),
    ("worker processes (`--jobs 2`)", 2, False),
    ("Ray, 1 worker (`--ray ... --jobs 1`)", 1, True),
    ("Ray, 2 workers (`--ray ... --jobs 2`)", 2, True),
]


def write_pages(folder: str, count: int, size: int) -> None:
    cfg = preset("clean", width=size, height=size)
    for i in range(count):
        Image.fromarray(render_page(cfg, SEED, i)[0]).save(os.path.join(folder, f"{i:05d}.png"))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=200, help="pages per run (default 200)")
    ap.add_argument("--repeats", type=int, default=3, help="timed runs per set-up (default 3)")
    ap.add_argument("--size", type=int, default=640, help="page width and height, px")
    ap.add_argument("--format", default="json")
    ap.add_argument("--ray", default="local", help="Ray address, or local: start one here with 2 CPUs")
    ap.add_argument("--no-ray", action="store_true", help="only the local set-ups")
    args = ap.parse_args(argv)

    setups = [s for s in SETUPS if not (args.no_ray and s[2])]
    if any(ray for _, _, ray in setups):
        import ray

        t0 = time.perf_counter()
        if args.ray == "local":
            ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
        else:
            ray.init(address=args.ray, log_to_driver=False, logging_level="ERROR")
        print(f"ray {ray.__version__} started in {time.perf_counter() - t0:.1f} s (not timed)", file=sys.stderr)
    rates: dict[str, list[float]] = {label: [] for label, _, _ in setups}
    steady: dict[str, list[float]] = {label: [] for label, _, _ in setups}  # ms per page, workers up
    startup: dict[str, list[float]] = {label: [] for label, _, _ in setups}  # s
    with tempfile.TemporaryDirectory() as tmp:
        src, small = os.path.join(tmp, "in"), os.path.join(tmp, "small")
        os.makedirs(src)
        os.makedirs(small)
        write_pages(src, args.pages, args.size)
        write_pages(small, 2, args.size)
        read = ReadOptions(format=args.format)
        run_batch([small], os.path.join(tmp, "warm-up"), BatchOptions(read, jobs=1, progress=False))  # imports
        for r in range(args.repeats):
            for label, jobs, on_ray in setups:
                opt = BatchOptions(read, jobs=jobs, ray=args.ray if on_ray else None, progress=False)
                t2 = run_batch([small], os.path.join(tmp, f"small-{r}-{jobs}-{int(on_ray)}"), opt).seconds
                s = run_batch([src], os.path.join(tmp, f"out-{r}-{jobs}-{int(on_ray)}"), opt)
                assert s.done == args.pages and s.failed == 0, s.line()
                per_page = (s.seconds - t2) / (args.pages - 2)
                rates[label].append(s.pages / s.seconds)
                steady[label].append(1000 * per_page)
                startup[label].append(t2 - 2 * per_page)
                print(f"repeat {r + 1}: {label}: {s.pages / s.seconds:.2f} pages/s ({s.seconds:.1f} s; 2 pages "
                      f"{t2:.1f} s)", file=sys.stderr)

    med = {label: statistics.median(v) for label, v in rates.items()}
    base = med[setups[0][0]]
    print(f"`python bench/batch.py {shlex.join(argv if argv is not None else sys.argv[1:])}`: "
          f"{args.pages} clean {args.size}x{args.size} pages, --format {args.format}, "
          f"{args.repeats} runs each, {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}\n")
    print("| set-up | pages/s (median) | slowest | fastest | vs one process | steady ms/page | start-up s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, _, _ in setups:
        v = rates[label]
        print(f"| {label} | {med[label]:.2f} | {min(v):.2f} | {max(v):.2f} | {med[label] / base:.2f}x | "
              f"{statistics.median(steady[label]):.1f} | {statistics.median(startup[label]):.1f} |")
    pairs = [(SETUPS[2][0], SETUPS[0][0], "1 Ray worker vs one process"),
             (SETUPS[3][0], SETUPS[1][0], "2 Ray workers vs 2 worker processes")]
    lines = []
    for a, b, what in pairs:
        if a in med and b in med:
            whole = 1000 / med[a] - 1000 / med[b]
            st = statistics.median(steady[a]) - statistics.median(steady[b])
            lines.append(f"- Ray overhead, {what}: {whole:+.1f} ms per page over the whole run, {st:+.1f} ms "
                         f"per page once the workers are up")
    if lines:
        print()
        print("\n".join(lines))


if __name__ == "__main__":
    main()
