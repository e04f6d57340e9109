"""The image branch of a model's network alone, one thread, at several square input sizes: median of 7 runs.

    python scripts/time_network_sizes.py [MODEL.onnx] [--sizes 640 800 1104 1280]

Sizes must be multiples of 16 (the network's strides). What a page costs the network when capture reads its text
enlarged (document text at em 13-17 px is read at 30 px: a 640 px page becomes a view of about 1,100 px).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import onnxruntime as ort

from pxocr.infer.predictor import resolve_model


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model", nargs="?", default="latin")
    ap.add_argument("--sizes", nargs="+", type=int, default=[640, 800, 1104, 1280])
    ap.add_argument("--runs", type=int, default=7)
    a = ap.parse_args()
    bad = [n for n in a.sizes if n < 16 or n % 16]
    if bad:
        ap.error(f"sizes must be multiples of 16: {bad}")
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    sess = ort.InferenceSession(resolve_model(a.model), so, providers=["CPUExecutionProvider"])
    inputs = {i.name: i for i in sess.get_inputs()}
    print("| input (px) | image branch, median ms |\n|---:|---:|")
    for n in a.sizes:
        feed = {"image": np.random.default_rng(0).random((1, 1, n, n), dtype=np.float32)}
        if "line_grid" in inputs:  # no line read: the line branch gets one empty cell
            feed["line_features"] = np.zeros((1, inputs["line_features"].shape[1], 1, 1), np.float32)
            feed["line_grid"] = np.zeros((1, inputs["line_grid"].shape[1], 1, 2), np.float32)
        sess.run(None, feed)
        times = []
        for _ in range(a.runs):
            t = time.perf_counter()
            sess.run(None, feed)
            times.append(1000 * (time.perf_counter() - t))
        print(f"| {n} | {statistics.median(times):.1f} |")


if __name__ == "__main__":
    main()
