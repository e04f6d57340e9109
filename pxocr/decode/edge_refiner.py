"""The last step for the box edges: a small learned network that reads the input's pixels across each edge.

The network's edges (and :mod:`pxocr.decode.ink_edges`' placing of them on the ink) miss where the ink's
profile does not say where the outline ends: a serif's hairline or a letter's pointed tip covers a small
share of the pixel it reaches into, and on a blurred, bled or coarsely captured page every edge ramps over
two pixels or more. Each edge of each box is moved by what a multilayer perceptron (``params``: two hidden
ReLU layers) reads from the darkness (:func:`pxocr.decode.ink_edges.darkness`) around it: the window of
``COLS`` pixel columns across the edge (``OUTSIDE`` of them outside the pixel it lies in), each column's mean
over ``BANDS`` bands of the box's rows (``K_ROWS`` rows sampled evenly) and its darkest pixel, the edge's
place in its pixel, the box's height and width (log px), which side it is, and the page's ink spread
(:func:`pxocr.decode.ink_edges.ink_spread`: blurred, bled, enlarged). Every side is seen as a left edge
(the image mirrored or transposed), so one network serves all four. A move is at most ``MAX_MOVE`` px.

The network is fitted per model by ``scripts/fit_edge_refiner.py`` on training pages and PDF crops (its
boxes against the exact truth) and kept in the model's metadata (``DecodeConfig.edge_refiner``);
inference is NumPy. A model may carry a second network for small print (``edge_refiner_small``): the lines whose
letters and digits are small (:func:`line_networks`: nine in ten of them under ``edge_refiner_small_below`` px tall)
are refined by it, and another may serve large print (``edge_refiner_large``: lines over
``edge_refiner_large_above`` px: 300-600 dpi scans, enlarged pages). One network fitted on both sizes served one of
them worse: with a third of its pages reduced 0.4-0.8x, F1 at IoU 0.9 on half-size tuning pages rose 73.3 / 65.8 ->
82.0 / 76.3 % but fell 0.4-1.5 points on three of four tuning sets at their own size (MODEL_CARD_latin.md,
2026-12-07, 07:00). A third network may serve pages read deskewed (``edge_refiner_skewed``, chosen by
``Predictor._refined``): there a box is the upright box of a turned glyph's ink, whose edges the turned outline's
corners make.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Iterator, Sequence

import numpy as np

from ..boxes import turned
from ..document import Line, with_char_boxes
from .ink_edges import darkness, ink_spread

K_ROWS = 16  # rows sampled evenly over a box's height ...
BANDS = 4  # ... averaged in this many bands
COLS = 8  # pixel columns across an edge ...
OUTSIDE = 4  # ... this many of them outside the pixel the edge lies in
SIDES = 4
FEATURES = BANDS * COLS + COLS + 3 + SIDES + 1
MAX_MOVE = 1.0  # px
# a left or top edge moves in as x or y grows, a right or bottom one as it falls
INWARD = np.array([1.0, 1.0, -1.0, -1.0])


def _as_left_edges(dark: np.ndarray, boxes: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(image, boxes) per side x0, y0, x1, y1 of ``boxes`` (N, 4), the image mirrored or transposed so
    that side is each box's left edge (x0)."""
    h, w = dark.shape
    b = boxes
    yield dark, b
    yield dark.T, b[:, [1, 0, 3, 2]]
    yield dark[:, ::-1], np.stack([w - b[:, 2], b[:, 1], w - b[:, 0], b[:, 3]], 1)
    yield dark.T[:, ::-1], np.stack([h - b[:, 3], b[:, 0], h - b[:, 1], b[:, 2]], 1)


def _left_edge_features(img: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """(N, BANDS * COLS + COLS + 3): the window across each box's left edge in ``img``."""
    h, w = img.shape
    x = boxes[:, 0]
    first = np.floor(x).astype(np.int64)
    cols = first[:, None] - OUTSIDE + np.arange(COLS)
    r0 = np.floor(boxes[:, 1]).astype(np.int64)
    r1 = np.maximum(np.ceil(boxes[:, 3]).astype(np.int64), r0 + 1)
    at = (np.arange(K_ROWS) + 0.5) / K_ROWS
    rows = r0[:, None] + np.floor(at[None, :] * (r1 - r0)[:, None]).astype(np.int64)
    # pixels off the image read as paper (0), as on the image padded with zeros, without copying it
    inside = ((rows >= 0) & (rows < h))[:, :, None] & ((cols >= 0) & (cols < w))[:, None, :]
    window = img[np.clip(rows, 0, h - 1)[:, :, None], np.clip(cols, 0, w - 1)[:, None, :]] * inside  # (N, K_ROWS, COLS)
    bands = window.reshape(len(boxes), BANDS, K_ROWS // BANDS, COLS).mean(2).reshape(len(boxes), -1)
    height, width = boxes[:, 3] - boxes[:, 1], boxes[:, 2] - boxes[:, 0]
    shape = np.stack([x - first, np.log(np.maximum(height, 0.5)), np.log(np.maximum(width, 0.5))], 1)
    return np.concatenate([bands, window.max(1), shape], 1)


def features(dark: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """(N, SIDES, FEATURES) float32: what the network reads for each side of each of ``boxes`` (N, 4) px
    on the page's darkness ``dark``."""
    spread = ink_spread(dark)
    out = []
    for side, (img, b) in enumerate(_as_left_edges(dark, np.asarray(boxes, np.float64))):
        tail = np.zeros((len(b), SIDES + 1))
        tail[:, side] = 1.0
        tail[:, SIDES] = spread
        out.append(np.concatenate([_left_edge_features(img, b), tail], 1))
    return np.stack(out, 1).astype(np.float32)


@lru_cache(maxsize=4)
def _arrays(params: tuple) -> tuple[np.ndarray, ...]:
    return tuple(np.asarray(p, np.float32) for p in params)


def check_params(params: tuple, name: str = "edge_refiner") -> None:
    """Raise ValueError unless ``params`` is (mean, scale, W1, b1, W2, b2, W3, b3) of a network that reads
    ``FEATURES`` inputs (the weights as torch's ``Linear`` keeps them: out x in) and gives one move; ``name``:
    the setting's, for the message."""
    if len(params) != 8:
        raise ValueError(f"DecodeConfig.{name} must be (mean, scale, W1, b1, W2, b2, W3, b3)")
    mean, scale, w1, b1, w2, b2, w3, b3 = (np.asarray(p, np.float64) for p in params)
    if mean.shape != (FEATURES,) or scale.shape != (FEATURES,) or not (scale > 0).all():
        raise ValueError(f"DecodeConfig.{name}'s mean and scale must be {FEATURES} numbers (scales > 0)")
    hidden = w1.shape[0] if w1.ndim == 2 else -1
    if w1.shape != (hidden, FEATURES) or b1.shape != (hidden,) or w2.shape != (hidden, hidden) \
            or b2.shape != (hidden,) or w3.shape != (1, hidden) or b3.shape != (1,):
        raise ValueError(f"DecodeConfig.{name}'s layers do not fit: "
                         f"{FEATURES} inputs -> H -> H -> 1 (weights out x in)")


def moves(feats: np.ndarray, params: tuple) -> np.ndarray:
    """The network's inward move (px, within ``MAX_MOVE``) for each row of ``feats`` (..., FEATURES)."""
    mean, scale, w1, b1, w2, b2, w3, b3 = _arrays(params)
    x = (feats.reshape(-1, FEATURES) - mean) / scale
    x = np.maximum(x @ w1.T + b1, 0.0)
    x = np.maximum(x @ w2.T + b2, 0.0)
    return np.clip(x @ w3.T + b3, -MAX_MOVE, MAX_MOVE).reshape(feats.shape[:-1])


def refine_boxes(dark: np.ndarray, boxes: np.ndarray, params: tuple) -> np.ndarray:
    """``boxes`` (N, 4) with each edge moved as the network reads it on ``dark``; a box never turns inside out
    (its sides stay 0.1 px apart at least, about its old middle)."""
    boxes = np.asarray(boxes, np.float64)
    if not len(boxes):
        return boxes.copy()
    new = boxes + moves(features(dark, boxes), params) * INWARD
    for a, b in ((0, 2), (1, 3)):
        thin = new[:, b] - new[:, a] < 0.1
        mid = (boxes[thin, a] + boxes[thin, b]) / 2
        new[thin, a], new[thin, b] = mid - 0.05, mid + 0.05
    return new


SMALL_QUANTILE = 0.9  # a line is as tall as this share of its letters and digits: its capitals and ascenders


def line_heights(boxes: np.ndarray, text: Sequence[str], line_of: np.ndarray) -> np.ndarray:
    """(N,) px: for each of ``boxes`` (N, 4), read as ``text`` (N characters), the height of its line (``line_of``:
    its index): its letters and digits' heights at :data:`SMALL_QUANTILE` (NaN for a line with none: a rule of
    '=' or '-', a leader of dots, whose characters' heights do not tell its size)."""
    heights = boxes[:, 3] - boxes[:, 1]
    alnum = np.array([c.isalnum() for c in text], bool)
    out = np.full(len(boxes), np.nan)
    for k in np.unique(line_of):
        at = line_of == k
        tall = heights[at & alnum]
        if len(tall):
            out[at] = float(np.quantile(tall, SMALL_QUANTILE))
    return out


def line_networks(boxes: np.ndarray, text: Sequence[str], line_of: np.ndarray, small_below: float = 0.0,
                  large_above: float = float("inf")) -> np.ndarray:
    """(N,) int: the network each of ``boxes`` is refined by (:func:`refine_lines`), from its line's height
    (:func:`line_heights`): 1 in a line under ``small_below`` px (small print), 2 in one over ``large_above`` px (large
    print), else 0 (the first network). A line without letters or digits is neither at any size (routed by all its
    characters' heights, the rules of 24 tuning pages lost 3 points of F1 at IoU 0.9 to the small-print network)."""
    tall = line_heights(boxes, text, line_of)
    which = np.zeros(len(boxes), np.int64)
    with np.errstate(invalid="ignore"):  # NaN, a line without letters or digits: the first network's
        which[tall < small_below] = 1
        which[tall > large_above] = 2
    return which


def refine_lines(lines: list[Line], gray: np.ndarray, params: tuple, turn: int = 0, small: tuple = (),
                 small_below: float = 0.0, large: tuple = (), large_above: float = float("inf")) -> list[Line]:
    """The lines with every character's box refined on ``gray`` (uint8, dark on light), whose text stands
    upright once it is turned ``turn`` quarter turns counter-clockwise: the network reads each glyph upright.
    With ``small`` (a second network's params), the lines of small print (:func:`line_networks`, under
    ``small_below`` px) are refined by that one; with ``large``, those over ``large_above`` px by that one."""
    chars = [c for ln in lines for c in ln.chars]
    if not chars:
        return lines
    h, w = gray.shape
    boxes = turned(np.array([c.bbox for c in chars], np.float64), turn, w, h)
    upright = np.rot90(gray, turn)
    dark = darkness(upright)
    which = np.zeros(len(boxes), np.int64)  # the network each box is refined by: 0 first, 1 small, 2 large print
    if small or large:
        line_of = np.repeat(np.arange(len(lines)), [len(ln.chars) for ln in lines])
        which = line_networks(boxes, [c.char for c in chars], line_of, small_below if small else 0.0,
                              large_above if large else float("inf"))
    out = np.empty_like(boxes)
    for k, net in enumerate((params, small, large)):
        if (which == k).any():
            out[which == k] = refine_boxes(dark, boxes[which == k], net)
    return with_char_boxes(lines, turned(out, -turn, upright.shape[1], upright.shape[0]))
