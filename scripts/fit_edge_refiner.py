"""Fit a model's edge refiner (``DecodeConfig.edge_refiner``, pxocr.decode.edge_refiner) and write it into the
model's metadata: a small network that moves each box edge by what the input's pixels across it show, trained
on the model's own boxes against the exact truth. Its samples: the edges of the characters the model reads
right (same character, IoU >= 0.5) on training-font pages (half degraded, as scripts/fit_edge_bias.py draws
them) and on crops of training PDF pages (``--crops``), each also moved at random ``--jitter`` times; and the
true boxes of ``--synthetic`` more pages (three in four degraded), moved at random (Laplace, 0.15 px), so the
network learns where the ink puts an edge from any nearby start. With ``--small F`` a share F of the
training-font and synthetic pages is made small print first: a share ``--small-native`` of them drawn again at
em 6-14 px, the rest reduced (by a factor drawn from ``--small-scales``, with a filter drawn from Lanczos, box
and bilinear) so that small print, coarsely captured, is seen too. With ``--small-net PX`` the network
is fitted on the lines of small print alone (``pxocr.decode.edge_refiner.line_networks``: lines whose letters
and digits are under PX tall, nine in ten of them) and written as the model's second network for such lines
(``decode.edge_refiner_small``, with ``decode.edge_refiner_small_below`` = PX), its first one kept. Likewise
``--large-net PX`` fits the network for lines over PX tall (``decode.edge_refiner_large``) on pages enlarged
(``--large-scales``) or drawn at em 48-120 px (``--large-native``), and ``--skew-net LO HI`` the one for pages
read deskewed (``decode.edge_refiner_skewed``) on pages turned LO-HI degrees either way; neither reads the crops.
Fit after the edge bias; needs pxocr[train].

python scripts/fit_edge_refiner.py MODEL.onnx [--pages 80] [--crops DIR] [--count 160] [--synthetic 1200]
    [--hidden 128] [--epochs 12] [--small 0.0] [--small-scales 0.4 0.8] [--small-native 0.0]
    [--small-net PX | --large-net PX [--large-scales 1.5 4] [--large-native 0.5] | --skew-net LO HI]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
from pathlib import Path

import numpy as np
from PIL import Image
from tqdm import tqdm

from pxocr.decode.edge_refiner import FEATURES, INWARD, MAX_MOVE, features, line_networks
from pxocr.decode.ink_edges import darkness
from pxocr.errors import ModelError
from pxocr.eval.metrics import CharArrays, match_page
from pxocr.infer import Predictor
from pxocr.synth import PRESETS, preset, render_page
from pxocr.synth.capture import scaled, skewed
from pxocr.synth.fonts import font_set

sys.path.insert(0, str(Path(__file__).parent))
from fit_edge_bias import page, pages  # noqa: E402
from set_model_meta import main as set_model_meta  # noqa: E402

SYNTHETIC_NOISE = 0.15  # px: the Laplace scale of the synthetic starts' errors
SYNTHETIC_DEGRADED = 0.75  # share of the synthetic pages degraded


def in_lines(page, below: float = 0.0, above: float = 0.0) -> np.ndarray:
    """(chars,) bool: whether each character of ``page`` (in CharArrays' order) lies in a line of small print, under
    ``below`` px tall, or, with ``above`` instead (the fit's flags exclude each other), of large print, over it, as
    ``pxocr.decode.edge_refiner.line_networks`` routes lines when reading (neither given: every character)."""
    chars = CharArrays.from_page(page)
    if not (below > 0 or above > 0):
        return np.ones(len(chars.labels), bool)
    line_of = np.repeat(np.arange(len(page.lines)), [len(ln.chars) for ln in page.lines])
    which = line_networks(chars.boxes.astype(np.float64), [str(c) for c in chars.labels], line_of, below,
                          above if above > 0 else float("inf"))
    return which == (1 if below > 0 else 2)


def read_samples(model: Predictor, samples, total: int, jitter: int, rng: np.random.Generator, select=None):
    """(features (N, 4, F), inward moves to the truth (N, 4)) of the edges the model reads right (in the lines
    ``select(page)`` picks only, where given: :func:`in_lines`)."""
    xs, ys = [], []
    for gray, truth in tqdm(samples, total=total, desc="pages read", unit="page"):
        page = model.predict(gray)
        m = match_page(page, truth)
        pairs = m.correct[select(page)[m.correct[:, 0]]] if select else m.correct
        if not len(pairs):
            continue
        found = CharArrays.from_page(page).boxes[pairs[:, 0]].astype(np.float64)
        true = CharArrays.from_page(truth).boxes[pairs[:, 1]].astype(np.float64)
        dark = darkness(gray)
        for k in range(1 + jitter):
            start = found if k == 0 else found + rng.normal(0.0, 0.25, found.shape)
            xs.append(features(dark, start))
            ys.append((true - start) * INWARD)
    return xs, ys


# How a page is reduced: as software resizes a photo (Lanczos, the capture test's reduction), as a sensor's pixels
# average the light (box), and bilinear. Fitted on Lanczos reductions alone, the small-print network placed the
# edges of pages drawn at em 8-12 px worse than the first network (F1 at IoU 0.9 0.560 -> 0.501; on the three
# filters 0.534; with half the pages drawn small, --small-native 0.5, 0.603: MODEL_CARD_latin.md).
REDUCE_FILTERS = (Image.Resampling.LANCZOS, Image.Resampling.BOX, Image.Resampling.BILINEAR)
ENLARGE_FILTERS = (Image.Resampling.BICUBIC, Image.Resampling.LANCZOS, Image.Resampling.BILINEAR)


NATIVE_EM = (6.0, 14.0)  # px: small print drawn at its own size (--small-native)
NATIVE_LARGE_EM = (48.0, 120.0)  # px: large print drawn at its own size (--large-native)


class Reducer:
    """Makes a share ``p`` of the pages given to it small (or large) print, with its own random stream so that
    ``p`` = 0 leaves every other draw of the fit as it was: a share ``native`` of those drawn again at em
    ``native_em`` (by ``redraw(cfg_change)``), the rest resized by a factor drawn from ``scales`` (lo, hi) with
    a filter drawn from :data:`REDUCE_FILTERS` (or :data:`ENLARGE_FILTERS`), the boxes scaled as the pixels are
    (``pxocr.synth.capture.scaled``). Reduced pages alone taught a network the look of resampled print: on
    pages drawn at em 8-12 px it placed edges worse than the network for all sizes (MODEL_CARD_latin.md)."""

    def __init__(self, p: float, scales: tuple[float, float], seed: int, native: float = 0.0,
                 native_em: tuple[float, float] = NATIVE_EM):
        self.p, self.scales, self.native, self.rng = p, scales, native, np.random.default_rng(seed)
        self.native_em = native_em

    def __call__(self, gray: np.ndarray, truth, redraw=None):
        if self.p <= 0 or self.rng.random() >= self.p:
            return gray, truth
        if redraw is not None and self.rng.random() < self.native:
            return redraw({"size_min": self.native_em[0], "size_max": self.native_em[1]})
        s = float(self.rng.uniform(*self.scales))
        filters = REDUCE_FILTERS if s < 1 else ENLARGE_FILTERS
        how = filters[int(self.rng.integers(len(filters)))]
        return scaled(gray, truth, s, how)

    def pages(self, samples, upto: int, redraw):
        """``samples`` with the first ``upto`` of them (the training-font pages, not the crops) made small so;
        ``redraw(k, cfg_change)``: page ``k`` drawn with those changes to its config."""
        for k, (gray, truth) in enumerate(samples):
            yield self(gray, truth, lambda change: redraw(k, change)) if k < upto else (gray, truth)


class Skewer(Reducer):
    """Turns every page given to it by an angle drawn from +-``degrees`` (lo, hi), its truth each glyph's turned
    outline's box (``pxocr.synth.capture.skewed`` with the training fonts), with its own random stream."""

    def __init__(self, degrees: tuple[float, float], seed: int):
        super().__init__(1.0, (1.0, 1.0), seed)
        self.degrees, self.faces = degrees, font_set("train")

    def __call__(self, gray: np.ndarray, truth, redraw=None):
        angle = float(self.rng.uniform(*self.degrees)) * (1 if self.rng.random() < 0.5 else -1)
        return skewed(gray, truth, angle, self.faces)


def synthetic_samples(count: int, seed: int, rng: np.random.Generator, reduce=lambda g, t, redraw: (g, t),
                      select=None):
    """The same from ``count`` synthetic pages' true boxes moved at random (two draws a page)."""
    cfg = preset("clean", width=640, height=640, fonts=font_set("train"), size_min=12.0, size_max=48.0)
    xs, ys = [], []
    for i in tqdm(range(count), desc="synthetic pages", unit="page"):
        degraded = rng.random() < SYNTHETIC_DEGRADED
        page_cfg = dataclasses.replace(cfg, degrade=PRESETS["degraded"]) if degraded else cfg
        gray, truth = reduce(*render_page(page_cfg, seed, i),
                             lambda change: render_page(dataclasses.replace(page_cfg, **change), seed, i))
        true = CharArrays.from_page(truth).boxes.astype(np.float64)
        if select:
            true = true[select(truth)]
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
    ap.add_argument("--small", type=float, default=0.0,
                    help="share of training-font and synthetic pages made small print (drawn small or reduced)")
    ap.add_argument("--small-scales", type=float, nargs=2, default=(0.4, 0.8), metavar=("LO", "HI"))
    ap.add_argument("--small-native", type=float, default=0.0,
                    help=f"share of those drawn again at em {NATIVE_EM[0]:g}-{NATIVE_EM[1]:g} px rather than reduced")
    ap.add_argument("--large-net", type=float, metavar="PX",
                    help="fit the network for lines whose letters and digits are over PX tall on such lines alone: "
                         "every page enlarged by --large-scales or drawn at em 48-120 px (--large-native)")
    ap.add_argument("--large-scales", type=float, nargs=2, default=(1.5, 4.0), metavar=("LO", "HI"))
    ap.add_argument("--large-native", type=float, default=0.5, help="share of pages drawn large rather than enlarged")
    ap.add_argument("--skew-net", type=float, nargs=2, metavar=("LO", "HI"),
                    help="fit the network for skewed pages (read deskewed; decode.edge_refiner_skewed) on pages "
                         "turned by LO-HI degrees either way (no crops)")
    ap.add_argument("--small-net", type=float, metavar="PX",
                    help="fit the second network, for lines whose letters and digits are under PX tall, on such lines "
                         "alone (needs --small > 0)")
    args = ap.parse_args(argv)
    if not 0.0 <= args.small_native <= 1.0:
        ap.error("--small-native must be in [0, 1]")
    if not 0.0 <= args.small <= 1.0 or not 0.0 < args.small_scales[0] <= args.small_scales[1] <= 1.0:
        ap.error("--small must be in [0, 1] and --small-scales LO <= HI in (0, 1]")
    if args.small_net is not None and not (math.isfinite(args.small_net) and args.small_net > 0):
        ap.error("--small-net must be a height in px > 0")
    if args.small_net and not args.small > 0:
        ap.error("--small-net fits on small print: give --small > 0 (a share of the pages made small)")
    if args.small_native > 0 and not args.small > 0:
        ap.error("--small-native draws a share of the pages made small: give --small > 0 too")
    if args.large_net is not None:
        if not (math.isfinite(args.large_net) and args.large_net > 0):
            ap.error("--large-net must be a height in px > 0")
        if not 1.0 < args.large_scales[0] <= args.large_scales[1] <= 8.0 or not 0.0 <= args.large_native <= 1.0:
            ap.error("--large-scales LO HI: 1 < LO <= HI <= 8; --large-native in [0, 1]")
        if args.small > 0 or args.small_net or args.skew_net:
            ap.error("--large-net fits on large print alone: leave out --small, --small-net and --skew-net")
    if args.skew_net is not None:
        if not 0.0 < args.skew_net[0] <= args.skew_net[1] <= 20.0:
            ap.error("--skew-net LO HI: 0 < LO <= HI <= 20 degrees")
        if args.small > 0 or args.small_net:
            ap.error("--skew-net fits on pages at their own size: leave out --small and --small-net")
    try:
        model = Predictor(args.model, threads=1)
    except (ModelError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if (args.small_net or args.skew_net or args.large_net) and not model.decode_cfg.edge_refiner:
        print("error: --small-net, --large-net and --skew-net add a network: fit the model's first one before",
              file=sys.stderr)
        return 2
    model = model.with_decode(edge_refiner=(), edge_refiner_small=(), edge_refiner_skewed=(),
                              edge_refiner_large=())  # the boxes as the model gives them
    rng = np.random.default_rng(args.seed)
    crops = None if args.skew_net or args.large_net else args.crops
    total = args.pages + (args.count if crops else 0)
    if args.skew_net:
        reducer = Skewer(tuple(args.skew_net), args.seed + 1)
    elif args.large_net:
        reducer = Reducer(1.0, tuple(args.large_scales), args.seed + 1, args.large_native, NATIVE_LARGE_EM)
    else:
        reducer = Reducer(args.small, tuple(args.small_scales), args.seed + 1, args.small_native)
    samples = reducer.pages(pages(args.pages, args.seed, crops, args.count), args.pages,
                            lambda k, change: page(k, args.seed, **change))
    below, above = args.small_net or 0.0, args.large_net or 0.0
    select = (lambda page: in_lines(page, below, above)) if below or above else None
    xs, ys = read_samples(model, samples, total, args.jitter, rng, select)
    sx, sy = synthetic_samples(args.synthetic, args.synthetic_seed, rng, reducer, select)
    if not xs + sx:
        print("error: no edges to fit on (no character read right in the lines chosen)", file=sys.stderr)
        return 1
    x = np.concatenate(xs + sx).reshape(-1, FEATURES)
    y = np.concatenate(ys + sy).reshape(-1)
    keep = np.abs(y) < 1.5  # a pair matched across a neighbour's ink says nothing of its edges
    print(f"{keep.sum()} edges, mean move to the truth {np.abs(y[keep]).mean():.3f} px")
    params = fit(x[keep], y[keep], args.hidden, args.epochs, args.seed)
    if args.skew_net:
        settings = ["decode.edge_refiner_skewed=" + json.dumps(params)]
    elif args.large_net:
        settings = ["decode.edge_refiner_large=" + json.dumps(params), f"decode.edge_refiner_large_above={above}"]
    elif args.small_net:
        settings = ["decode.edge_refiner_small=" + json.dumps(params), f"decode.edge_refiner_small_below={below}"]
    else:
        settings = ["decode.edge_refiner=" + json.dumps(params)]
    set_model_meta(args.model, settings)
    print(f"wrote {settings[0].split('=')[0]} ({args.hidden} hidden units) into {args.model}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
