"""The line reader's geometry and decoding, in NumPy (shared by training and inference).

A text line (left and right ink edges x0, x1, baseline, em size) is read from the network's
stride-4 features sampled on a grid that follows the line: ``LINE_ROWS`` rows from
``BAND[0]`` to ``BAND[1]`` em about the baseline, and one frame every ``FRAME_EM`` em along
it (about three frames per OCR-B character), so every line reaches the line head at the
same scale whatever its font size. The head (``pxocr.model.net.LineHead``) gives per-frame
logits over ``blank + 94 characters + space``; ``greedy`` decodes them CTC-style into
characters with their frame positions and probabilities.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..charset import CHARSET

LINE_ROWS = 8
FRAME_EM = 0.24
BAND = (-1.0, 0.35)  # em about the baseline, image y down
PAD_EM = 0.3  # frames before the first and after the last glyph
MAX_FRAMES = 400
BLANK, SPACE = 0, len(CHARSET) + 1
NUM_LINE_CLASSES = len(CHARSET) + 2
FEATURE_STRIDE = 4


def line_grid(x0: float, x1: float, baseline: float, size: float) -> tuple[np.ndarray, np.ndarray]:
    """Sample positions (xs (T,), ys (LINE_ROWS,)) in image px for one line."""
    step = FRAME_EM * size
    n = min(MAX_FRAMES, max(1, math.ceil((x1 - x0 + 2 * PAD_EM * size) / step)))
    xs = x0 - PAD_EM * size + (np.arange(n) + 0.5) * step
    ys = baseline + size * np.linspace(BAND[0], BAND[1], LINE_ROWS)
    return xs, ys


def encode_text(text: str) -> list[int]:
    """Line text -> CTC labels (1..94 characters, SPACE for runs of spaces)."""
    out: list[int] = []
    for ch in text:
        if ch == " ":
            if out and out[-1] != SPACE:
                out.append(SPACE)
        else:
            out.append(CHARSET.index(ch) + 1)
    return out


def sample(features: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Bilinear samples (C, len(ys), len(xs)) of features (C, h, w) at image px, zero outside
    (the same as torch's grid_sample with align_corners=False and zero padding)."""
    c, h, w = features.shape
    fx = xs / FEATURE_STRIDE - 0.5
    fy = ys / FEATURE_STRIDE - 0.5
    x0 = np.floor(fx).astype(np.int64)
    y0 = np.floor(fy).astype(np.int64)
    wx = (fx - x0).astype(np.float32)
    wy = (fy - y0).astype(np.float32)
    out = np.zeros((c, len(ys), len(xs)), np.float32)
    for dy, wyk in ((0, 1 - wy), (1, wy)):
        yy = y0 + dy
        vy = (yy >= 0) & (yy < h)
        for dx, wxk in ((0, 1 - wx), (1, wx)):
            xx = x0 + dx
            vx = (xx >= 0) & (xx < w)
            vals = features[:, np.clip(yy, 0, h - 1)[:, None], np.clip(xx, 0, w - 1)[None, :]]
            out += vals * ((wyk * vy)[:, None] * (wxk * vx)[None, :])[None]
    return out


@dataclass
class Reading:
    """A line's CTC reading: emitted labels (n,) (1..94 characters, SPACE), their x in px
    (n,), and per emission the log-probabilities over the line classes (n, NUM_LINE_CLASSES)."""

    labels: np.ndarray
    xs: np.ndarray
    logp: np.ndarray

    @property
    def text(self) -> str:
        return "".join(" " if k == SPACE else CHARSET[k - 1] for k in self.labels)


def greedy(logits: np.ndarray, xs: np.ndarray) -> Reading:
    """Best-path CTC decoding of (T, NUM_LINE_CLASSES) logits whose frames sit at ``xs`` px.

    An emission is a run of one non-blank label; its position is the probability-weighted
    mean x of the run's frames, and its distribution the run's best frame's.
    """
    z = logits - logits.max(1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(1, keepdims=True))
    best = logp.argmax(1)
    labels, pos, dist = [], [], []
    t, n = 0, len(best)
    while t < n:
        k = best[t]
        end = t + 1
        while end < n and best[end] == k:
            end += 1
        if k != BLANK:
            p = np.exp(logp[t:end, k])
            labels.append(k)
            pos.append(float((p * xs[t:end]).sum() / p.sum()))
            dist.append(logp[t + int(np.argmax(p))])
        t = end
    if not labels:
        return Reading(np.zeros(0, np.int64), np.zeros(0), np.zeros((0, NUM_LINE_CLASSES)))
    return Reading(np.array(labels), np.array(pos), np.stack(dist))


def read_lines(features: np.ndarray, lines: list[tuple[float, float, float, float]],
               head: Callable[[np.ndarray], np.ndarray], offset: tuple[float, float] = (0.0, 0.0)) -> list[Reading]:
    """Read lines given as (x0, x1, baseline, size) px from one image's features (C, h, w)
    whose pixel (0, 0) is at ``offset`` in page px. ``head`` maps the batch of sampled lines
    (n, C, LINE_ROWS, T), zero-padded, to logits (n, NUM_LINE_CLASSES, T)."""
    grids = [line_grid(*ln) for ln in lines]
    batch = np.zeros((len(grids), features.shape[0], LINE_ROWS, max(len(xs) for xs, _ in grids)), np.float32)
    for n, (xs, ys) in enumerate(grids):
        batch[n, :, :, :len(xs)] = sample(features, xs - offset[0], ys - offset[1])
    logits = head(batch)
    return [greedy(logits[n, :, :len(xs)].T, xs) for n, (xs, _) in enumerate(grids)]
