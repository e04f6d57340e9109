"""Stage 1 of decoding: the raw stride-4 map (``pxocr.contract``) -> glyphs.

Peaks of the centre heatmap (3x3 maximum, score threshold) give glyphs (and, for proportional
text, the weaker peaks down to ``reserve_threshold``: glyphs the line head's reading may confirm,
``pxocr.decode.settle``); each glyph's box
is its cell centre plus the predicted edge distances, averaged over the peak's 3x3
neighbourhood weighted by the heatmap (sub-pixel refinement); its class candidates come from
the class logits; its line geometry (baseline, font size) from the line channels.
All coordinates are in the pixels of the map's input image.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Callable, Optional

import numpy as np

from ..boxes import max_iou, nms
from ..contract import BOX, CLS_START, HEAT, LINE, STRIDE, decode_line
from .config import DecodeConfig

TOPK = 6  # candidate classes kept per glyph (shape check, line head, MRZ alphabet)
RESERVE_PER_GLYPH = 2  # at most this many reserve peaks per glyph found (the strongest)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _maxpool3(a: np.ndarray) -> np.ndarray:
    """3x3 maximum (separable), -inf outside."""
    p = np.pad(a, 1, constant_values=-np.inf)
    rows = np.maximum(np.maximum(p[:-2], p[1:-1]), p[2:])
    return np.maximum(np.maximum(rows[:, :-2], rows[:, 1:-1]), rows[:, 2:])


@dataclass
class Glyphs:
    """N detected glyphs: boxes (N, 4) px, scores (N,), classes (N,) int, baseline (N,) px,
    size (N,) px em, the TOPK candidate classes (N, TOPK) best first and their log-probabilities
    (after settling, ``pxocr.decode.settle``: each candidate's settled evidence), and the centre
    score of each (N,) (glyphs under ``DecodeConfig.threshold`` are the reserve)."""

    boxes: np.ndarray
    scores: np.ndarray
    classes: np.ndarray
    baseline: np.ndarray
    size: np.ndarray
    cands: np.ndarray
    logp: np.ndarray
    heat: np.ndarray

    @classmethod
    def empty(cls) -> "Glyphs":
        z = np.zeros((0,), np.float64)
        return cls(np.zeros((0, 4)), z, np.zeros((0,), np.int64), z, z, np.zeros((0, TOPK), np.int64),
                   np.zeros((0, TOPK)), z)

    def take(self, idx: np.ndarray) -> "Glyphs":
        return Glyphs(*(getattr(self, f.name)[idx] for f in fields(self)))

    @classmethod
    def concat(cls, parts: list["Glyphs"]) -> "Glyphs":
        return cls(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)))


ClassLogits = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (rows, cols) of n cells -> (n, K) logits


def find_glyphs(raw: np.ndarray, cfg: DecodeConfig = DecodeConfig(), offset=(0.0, 0.0),
                class_logits: Optional[ClassLogits] = None) -> Glyphs:
    """raw (7 + K, h, w) float32 -> glyphs, boxes shifted by ``offset`` = (dx, dy) px. With
    ``class_logits``, ``raw`` may hold only its first 7 channels (the shipped graph's dense
    map): the class logits of the peak cells come from that function instead."""
    logit = raw[HEAT].astype(np.float32)  # peaks of the logits are the peaks of the sigmoid
    h, w = logit.shape
    low = min(cfg.threshold, cfg.reserve_threshold) if cfg.spacing == "proportional" else cfg.threshold
    peak = (logit >= np.log(low / (1 - low))) & (logit == _maxpool3(logit))
    ii, jj = np.nonzero(peak)
    n = len(ii)
    if n == 0:
        return Glyphs.empty()
    cx, cy = (jj + 0.5) * STRIDE, (ii + 0.5) * STRIDE
    boxes = _cell_boxes(cx, cy, raw[BOX, ii, jj])  # (n, 4) from the peak cell
    if cfg.refine:
        # Average with the neighbours that were trained on this glyph: cells whose centre lies
        # in the middle half of the peak's box (at least +-2 px), as in model.targets.
        bcx, bcy = (boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2
        rx = np.maximum((boxes[:, 2] - boxes[:, 0]) / 4, STRIDE / 2)
        ry = np.maximum((boxes[:, 3] - boxes[:, 1]) / 4, STRIDE / 2)
        di, dj = (v.ravel()[:, None] for v in np.mgrid[-1:2, -1:2])  # the 9 neighbours (9, 1)
        i2, j2 = np.clip(ii + di, 0, h - 1), np.clip(jj + dj, 0, w - 1)  # (9, n)
        ncx, ncy = (j2 + 0.5) * STRIDE, (i2 + 0.5) * STRIDE
        trained = (np.abs(ncx - bcx) <= rx) & (np.abs(ncy - bcy) <= ry)
        wt = _sigmoid(logit[i2, j2]) * ((i2 == ii + di) & (j2 == jj + dj) & (trained | ((di == 0) & (dj == 0))))
        nb = _cell_boxes(ncx, ncy, raw[BOX, i2, j2])  # (9, n, 4)
        boxes = (nb * wt[:, :, None]).sum(0) / wt.sum(0)[:, None]
    g = _glyphs_at(raw, ii, jj, boxes, offset, class_logits)
    main = g.take(np.flatnonzero(g.heat >= cfg.threshold))
    main = main.take(nms(main.boxes, main.scores, cfg.nms_iou))
    reserve = g.take(np.flatnonzero(g.heat < cfg.threshold))
    reserve = reserve.take(np.argsort(-reserve.heat, kind="stable")[:RESERVE_PER_GLYPH * len(main.scores)])
    if len(reserve.scores) == 0:
        return main
    # the reserve as it would be beside the glyphs found: none that the glyphs found would suppress
    reserve = reserve.take(np.flatnonzero(max_iou(reserve.boxes, main.boxes) <= cfg.nms_iou))
    return Glyphs.concat([main, reserve.take(nms(reserve.boxes, reserve.scores, cfg.nms_iou))])


def _cell_boxes(cx: np.ndarray, cy: np.ndarray, dist: np.ndarray) -> np.ndarray:
    """Boxes (..., 4) of cells centred at (cx, cy) px from their predicted distances (4, ...) to the
    left, top, right and bottom edges; a negative distance counts as 0 (it would turn the box
    inside out)."""
    d = np.maximum(dist, 0.0)
    return np.stack([cx - d[0], cy - d[1], cx + d[2], cy + d[3]], -1)


def _glyphs_at(raw: np.ndarray, ii: np.ndarray, jj: np.ndarray, boxes: np.ndarray, offset,
               class_logits: Optional[ClassLogits]) -> Glyphs:
    """The glyphs of cells (ii, jj) with their ``boxes`` (n, 4) in the map's px: classes from the
    class logits, line geometry from the line channels, all shifted by ``offset``."""
    n = len(ii)
    logits = raw[CLS_START:, ii, jj].T if class_logits is None else class_logits(ii, jj)  # (n, K)
    logits = logits - logits.max(1, keepdims=True)
    prob = np.exp(logits)
    prob /= prob.sum(1, keepdims=True)
    cands = np.argsort(-prob, 1)[:, :TOPK]
    logp = np.log(np.maximum(np.take_along_axis(prob, cands, 1), 1e-12))
    classes = cands[:, 0]
    heat = _sigmoid(raw[HEAT, ii, jj].astype(np.float64))
    scores = heat * prob[np.arange(n), classes]
    baseline, size = decode_line(raw[LINE, ii, jj], (ii + 0.5) * STRIDE)
    boxes = boxes + np.array([offset[0], offset[1], offset[0], offset[1]])
    return Glyphs(boxes.astype(np.float64), scores.astype(np.float64), classes, baseline + offset[1], size,
                  cands, logp.astype(np.float64), heat)


def column_glyphs(raw: np.ndarray, xs: np.ndarray, tops: np.ndarray, bottoms: np.ndarray, offset=(0.0, 0.0),
                  class_logits: Optional[ClassLogits] = None) -> Glyphs:
    """For each point i, the glyph that the map regresses at the cell of the highest centre
    score in the column of ``xs[i]`` from ``tops[i]`` to ``bottoms[i]`` (page px; the map's pixel
    (0, 0) at ``offset``): its own box (no neighbours averaged), classes and line geometry. A
    character the line head read where no peak stands out still has the box its cells give."""
    h, w = raw.shape[1:]
    jj = np.clip(np.floor((np.asarray(xs) - offset[0]) / STRIDE).astype(np.int64), 0, w - 1)
    i0 = np.clip(np.floor((np.asarray(tops) - offset[1]) / STRIDE).astype(np.int64), 0, h - 1)
    i1 = np.clip(np.floor((np.asarray(bottoms) - offset[1]) / STRIDE).astype(np.int64), i0, h - 1)
    span = int((i1 - i0).max(initial=0)) + 1
    rows = np.minimum(i0[:, None] + np.arange(span), i1[:, None])  # (n, span), the last row repeated
    ii = rows[np.arange(len(jj)), raw[HEAT][rows, jj[:, None]].argmax(1)]
    cx, cy = (jj + 0.5) * STRIDE, (ii + 0.5) * STRIDE
    return _glyphs_at(raw, ii, jj, _cell_boxes(cx, cy, raw[BOX][:, ii, jj]).reshape(-1, 4), offset, class_logits)
