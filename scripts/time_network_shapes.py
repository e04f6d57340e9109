"""The image branch of network shapes (``pxocr.model.config`` presets, with changes) at one input size, one thread:
what a smaller network would save before anyone trains it. Needs pxocr[train] (torch, to build and export them).

    python scripts/time_network_shapes.py [--size 1104] [--runs 5] [SHAPE ...]

A SHAPE is a model preset's name, optionally with changed fields: ``latin-deep``, ``latin-deep:blocks=1,2,2``,
``latin-deep:c8=48,c16=96`` (fields of ``pxocr.model.config.ModelConfig``; a tuple's numbers joined by commas count
as one value when the field is a tuple). Each is built with random weights, exported as the shipped graph's image
branch is (``pxocr.model.net.ExportNet`` without its line head: the dense map and the features; batch norms folded
by onnxruntime), and run on a random page of ``--size`` px square: the table gives its image branch's weights and
the median of ``--runs`` runs after one untimed. Then, for the first shape, onnxruntime's profile: the share of the
time in each part of the network (``s4``, ``s8``, ``s16``: the stages at strides 4, 8 and 16; ``fuse``, ``lat*``,
``pix4``: the stride-4 head). Document text at em 13-17 px is read enlarged to 30 px em: a 640 px page becomes about
1,104 px.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import json
import os
import statistics
import sys
import tempfile
import time
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

DEFAULT_SHAPES = ["latin-deep", "latin-deep:blocks=1,2,2", "latin-deep:blocks=1,2,4", "latin-deep:blocks=1,4,2",
                  "latin-deep:c8=48,c16=96", "latin-wide"]


def parse_shape(text: str):
    """``NAME[:FIELD=VALUE,...]`` -> (label, ModelConfig), the line head left out (only the image branch is timed)."""
    from pxocr.model.config import PRESETS, ModelConfig

    name, _, changes = text.partition(":")
    if name not in PRESETS:
        raise ValueError(f"{name!r}: no such model preset (choose from {', '.join(PRESETS)})")
    fields = {f.name: f for f in dataclasses.fields(ModelConfig)}
    values: dict = {}
    key = None
    for part in changes.split(",") if changes else []:
        if "=" in part:
            key, _, part = part.partition("=")
            if key not in fields or key in ("grid", "line_head"):
                raise ValueError(f"{text!r}: {key!r} is not a field to change here")
            values[key] = []
        elif key is None:
            raise ValueError(f"{text!r}: write FIELD=VALUE")
        values[key].append(int(part))
    for k, v in values.items():
        values[k] = tuple(v) if isinstance(getattr(PRESETS[name], k), tuple) else v[0]
    return text, dataclasses.replace(PRESETS[name], **values, line_head=0)


def export_image_branch(cfg, path: str) -> int:
    """Export a random-weight network of ``cfg``'s image branch to ``path``; returns its weight count."""
    import torch

    from pxocr.model.net import ExportNet, PxNet
    from pxocr.train.export import OPSET

    net = PxNet(cfg).eval()
    with warnings.catch_warnings():  # torch's notes on its exporter, once per shape
        warnings.simplefilter("ignore")
        torch.onnx.export(ExportNet(net), (torch.zeros(1, 1, 640, 640),), path, input_names=["image"],
                          output_names=["dense", "features"], opset_version=OPSET,
                          dynamic_axes={"image": {2: "height", 3: "width"}}, dynamo=False)
    return sum(p.numel() for p in net.parameters())


def session(path: str, profile: bool = False):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads, opts.inter_op_num_threads = 1, 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if profile:
        opts.enable_profiling = True
        opts.profile_file_prefix = os.path.join(os.path.dirname(path), "profile")
    return ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])


def part_shares(profile_file: str) -> dict[str, float]:
    """Share of the nodes' time per part of the network (the first component of a node's name, as torch
    names it: ``/s8/s8.2/...`` -> ``s8``)."""
    with open(profile_file) as f:
        events = [e for e in json.load(f) if e.get("cat") == "Node" and e["name"].endswith("_kernel_time")]
    parts: dict[str, float] = collections.defaultdict(float)
    for e in events:
        name = e["name"][: -len("_kernel_time")]
        parts[name.split("/")[1] if name.startswith("/") and name.count("/") > 1 else "other"] += e["dur"]
    total = sum(parts.values()) or 1.0
    return {k: v / total for k, v in sorted(parts.items(), key=lambda kv: -kv[1])}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("shapes", nargs="*", default=DEFAULT_SHAPES, metavar="SHAPE")
    ap.add_argument("--size", type=int, default=1104, help="the page's side, px (a multiple of 16)")
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    if a.size < 16 or a.size % 16 or a.runs < 1:
        ap.error("--size must be a positive multiple of 16 and --runs positive")
    try:
        shapes = [parse_shape(s) for s in a.shapes]
        import torch  # noqa: F401
    except ValueError as e:
        ap.error(str(e))
    except ImportError:
        print("error: this script needs torch: pip install -e '.[train]'", file=sys.stderr)
        return 2
    page = np.random.default_rng(0).random((1, 1, a.size, a.size), dtype=np.float32)
    print(f"| shape | image-branch weights | image branch at {a.size} px, median ms |\n|---|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for k, (label, cfg) in enumerate(shapes):
            path = os.path.join(tmp, f"shape{k}.onnx")
            weights = export_image_branch(cfg, path)
            sess = session(path)
            sess.run(None, {"image": page})
            times = []
            for _ in range(a.runs):
                t = time.perf_counter()
                sess.run(None, {"image": page})
                times.append(1000 * (time.perf_counter() - t))
            print(f"| {label} | {weights / 1000:.0f} k | {statistics.median(times):.1f} |")
        sess = session(os.path.join(tmp, "shape0.onnx"), profile=True)
        for _ in range(a.runs):
            sess.run(None, {"image": page})
        shares = part_shares(sess.end_profiling())
    print(f"\n{shapes[0][0]}, share of the time by part: "
          + ", ".join(f"{k} {100 * v:.1f} %" for k, v in shares.items() if v >= 0.005))
    return 0


if __name__ == "__main__":
    sys.exit(main())
