"""Fit a model's edge refiner (``DecodeConfig.edge_refiner``, pxocr.decode.edge_refiner) and write it into the
model's metadata: a small network that moves each box edge by what the input's pixels across it show, trained
on the model's own boxes against the exact truth. Its samples: the edges of the characters the model reads
right (same character, IoU >= 0.5) on training-font pages (half degraded, as scripts/fit_edge_bias.py draws
them) and on crops of training PDF pages (``--crops``), each also moved at random ``--jitter`` times; and the
true boxes of ``--synthetic`` more pages (three in four degraded), moved at random (Laplace, 0.15 px), so the
network learns where the ink puts an edge from any nearby start. Fit after the edge bias; needs pxocr[train].

python scripts/fit_edge_refiner.py MODEL.onnx [--pages 80] [--crops DIR] [--count 160] [--synthetic 1200]
    [--hidden 128] [--epochs 12]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import numpy as np
from tqdm import tqdm

from pxocr.decode.edge_refiner import INWARD, MAX_MOVE, features
from pxocr.decode.ink_edges import darkness
from pxocr.errors import ModelError
from pxocr.eval.metrics import CharArrays, match_page
from pxocr.infer import Predictor
from pxocr.synth import PRESETS, preset, render_page
from pxocr.synth.fonts import font_set

sys.path.insert(0, str(Path(__file__).parent))
from fit_edge_bias import pages  # noqa: E402
from set_model_meta import main as set_model_meta  # noqa: E402

SYNTHETIC_NOISE = 0.15  # px: the Laplace scale of the synthetic starts' errors
SYNTHETIC_DEGRADED = 0.75  # share of the synthetic pages degraded


def read_samples(model: Predictor, samples, total: int, jitter: int, rng: np.random.Generator):
    """(features (N, 4, F), inward moves to the truth (N, 4)) of the edges the model reads right."""
    xs, ys = [], []
    for gray, truth in tqdm(samples, total=total, desc="pages read", unit="page"):
        page = model.predict(gray)
        m = match_page(page, truth)
        if not len(m.correct):
            continue
        found = CharArrays.from_page(page).boxes[m.correct[:, 0]].astype(np.float64)
        true = CharArrays.from_page(truth).boxes[m.correct[:, 1]].astype(np.float64)
        dark = darkness(gray)
        for k in range(1 + jitter):
            start = found if k == 0 else found + rng.normal(0.0, 0.25, found.shape)
            xs.append(features(dark, start))
            ys.append((true - start) * INWARD)
    return xs, ys


def synthetic_samples(count: int, seed: int, rng: np.random.Generator):
    """The same from ``count`` synthetic pages' true boxes moved at random (two draws a page)."""
    cfg = preset("clean", width=640, height=640, fonts=font_set("train"), size_min=12.0, size_max=48.0)
    xs, ys = [], []
    for i in tqdm(range(count), desc="synthetic pages", unit="page"):
        degraded = rng.random() < SYNTHETIC_DEGRADED
        gray, truth = render_page(dataclasses.replace(cfg, degrade=PRESETS["degraded"]) if degraded else cfg, seed, i)
        true = CharArrays.from_page(truth).boxes.astype(np.float64)
        if not len(true):
            continue
        dark = darkness(gray)
        for _ in range(2):
            start = true + np.clip(rng.laplace(0.0, SYNTHETIC_NOISE, true.shape), -MAX_MOVE, MAX_MOVE)
            xs.append(features(dark, start))
            ys.append((true - start) * INWARD)
    return xs, ys


def fit(x: np.ndarray, y: np.ndarray, hidden: int, epochs: int, seed: int) -> list:
    """(mean, scale, W1, b1, W2, b2, W3, b3) of the network fitted to ``x`` (N, F) -> ``y`` (N,) (smooth L1)."""
    import torch

    torch.manual_seed(seed)
    mean, scale = x.mean(0), x.std(0) + 1e-3
    xt = torch.tensor((x - mean) / scale, dtype=torch.float32)
    yt = torch.tensor(y, dtype=torch.float32)
    net = torch.nn.Sequential(torch.nn.Linear(x.shape[1], hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, hidden),
                              torch.nn.ReLU(), torch.nn.Linear(hidden, 1))
    batch = 1024
    opt = torch.optim.Adam(net.parameters(), 2e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, 3e-3, total_steps=epochs * (len(xt) // batch + 1))
    for epoch in tqdm(range(epochs), desc="fitting", unit="epoch"):
        for idx in torch.randperm(len(xt)).split(batch):
            loss = torch.nn.functional.smooth_l1_loss(net(xt[idx])[:, 0], yt[idx], beta=0.1)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    layers = [p.detach().numpy().astype(np.float64) for p in net.parameters()]
    return [np.round(a, 6).tolist() for a in [mean, scale, *layers]]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("--pages", type=int, default=80, help="training-font pages read (odd ones degraded)")
    ap.add_argument("--seed", type=int, default=7720001)
    ap.add_argument("--crops", help="a folder of training PDF crops (pxocr synth --pdfs train ... --out DIR)")
    ap.add_argument("--count", type=int, default=160, help="crops read from --crops")
    ap.add_argument("--jitter", type=int, default=2, help="random moves of each read edge also learned from")
    ap.add_argument("--synthetic", type=int, default=1200, help="synthetic pages whose true boxes are moved at random")
    ap.add_argument("--synthetic-seed", type=int, default=7730001)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--epochs", type=int, default=12)
    args = ap.parse_args(argv)
    try:
        model = Predictor(args.model, threads=1)
    except (ModelError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    model = model.with_decode(edge_refiner=())  # the boxes as the model gives them without a refiner
    rng = np.random.default_rng(args.seed)
    total = args.pages + (args.count if args.crops else 0)
    xs, ys = read_samples(model, pages(args.pages, args.seed, args.crops, args.count), total, args.jitter, rng)
    sx, sy = synthetic_samples(args.synthetic, args.synthetic_seed, rng)
    x = np.concatenate(xs + sx).reshape(-1, xs[0].shape[-1])
    y = np.concatenate(ys + sy).reshape(-1)
    keep = np.abs(y) < 1.5  # a pair matched across a neighbour's ink says nothing of its edges
    print(f"{keep.sum()} edges, mean move to the truth {np.abs(y[keep]).mean():.3f} px")
    params = fit(x[keep], y[keep], args.hidden, args.epochs, args.seed)
    set_model_meta(args.model, ["decode.edge_refiner=" + json.dumps(params)])
    print(f"wrote decode.edge_refiner ({args.hidden} hidden units) into {args.model}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
