"""The image branch of a model's network alone, one thread, at several square input sizes: median of 7 runs.

    python scripts/time_network_sizes.py [MODEL] [--sizes 640 800 1104 1280] [--runs 7]

Each size is a uint8 page run as ``Predictor`` runs a window (``Predictor._run``: scaled, padded to the network's
stride, the line branch idle). What a page costs the network when capture reads its text enlarged (document text at
em 13-17 px is read at 30 px: a 640 px page becomes a view of about 1,100 px).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np

from pxocr.errors import ModelError
from pxocr.infer import Predictor


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model", nargs="?", default="latin", help="a shipped model's name or an ONNX file")
    ap.add_argument("--sizes", nargs="+", type=int, default=[640, 800, 1104, 1280])
    ap.add_argument("--runs", type=int, default=7)
    a = ap.parse_args()
    if min(a.sizes) < 1 or a.runs < 1:
        ap.error("--sizes and --runs must be positive")
    try:
        pred = Predictor(a.model, threads=1)
    except (ModelError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print("| input (px) | image branch, median ms |\n|---:|---:|")
    for n in a.sizes:
        gray = np.random.default_rng(0).integers(0, 256, (n, n), dtype=np.uint8)
        pred._run(gray)
        times = []
        for _ in range(a.runs):
            t = time.perf_counter()
            pred._run(gray)
            times.append(1000 * (time.perf_counter() - t))
        print(f"| {n} | {statistics.median(times):.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
