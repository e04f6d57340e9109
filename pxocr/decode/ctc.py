"""The line reader's geometry and decoding, in NumPy (shared by training and inference).

A text line (left and right ink edges x0, x1, baseline, em size) is read from the network's
stride-4 features sampled on a grid that follows the line: ``LINE_ROWS`` rows from
``BAND[0]`` to ``BAND[1]`` em about the baseline, and one frame every ``FRAME_EM`` em along
it (about three frames per OCR-B character), so every line reaches the line head at the
same scale whatever its font size. The head (``pxocr.model.net.LineHead``) gives per-frame
logits over ``blank + 94 characters + space`` (the shipped graph turns them into
log-probabilities); ``greedy_lines`` decodes those CTC-style into characters with their
frame positions and probabilities.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from ..charset import CHARSET
from ..contract import BLANK, OCRB_GRID, SPACE, LineGrid
from .peaks import Glyphs

LINE_ROWS = OCRB_GRID.rows  # the OCR-B model's grid; a model brings its own (pxocr.contract.LineGrid)


def line_grid(x0: float, x1: float, baseline: float, size: float,
              grid: LineGrid = OCRB_GRID) -> tuple[np.ndarray, np.ndarray]:
    """Sample positions (xs (T,), ys (rows,)) in image px for one line."""
    return grid.sample_points(x0, x1, baseline, size)


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


@dataclass
class Reading:
    """The CTC reading of one or more lines: emitted labels (n,) (1..94 characters, SPACE),
    their x in px (n,), per emission the log-probabilities over the line classes (n,
    NUM_LINE_CLASSES), and the line each belongs to (n,), in reading order within a line;
    optionally, per emission, the glyph the detector's map regresses where it lies
    (``pxocr.decode.peaks.column_glyphs``), for characters no peak found."""

    labels: np.ndarray
    xs: np.ndarray
    logp: np.ndarray
    line: np.ndarray
    cells: Optional[Glyphs] = None

    @property
    def text(self) -> str:
        return "".join(" " if k == SPACE else CHARSET[k - 1] for k in self.labels)

    def chars(self) -> "Reading":
        """The emissions that are characters (no spaces)."""
        m = self.labels != SPACE
        return Reading(self.labels[m], self.xs[m], self.logp[m], self.line[m],
                       None if self.cells is None else self.cells.take(np.flatnonzero(m)))


def greedy_lines(logp: np.ndarray, xs: np.ndarray, line: np.ndarray) -> Reading:
    """Best-path CTC decoding of the frames' log-probabilities (T, NUM_LINE_CLASSES) of several
    lines at once; frame t belongs to line ``line[t]`` (-1: between lines) and sits at ``xs[t]`` px.

    An emission is a run of one non-blank label within a line; its position is the
    probability-weighted mean x of the run's frames, and its distribution the run's best
    frame's.
    """
    best = logp.argmax(1)
    change = np.ones(len(best), bool)
    change[1:] = (best[1:] != best[:-1]) | (line[1:] != line[:-1])
    run = np.cumsum(change) - 1  # run index per frame
    starts = np.flatnonzero(change)
    p = np.exp(logp[np.arange(len(best)), best])
    pos = np.bincount(run, p * xs) / np.bincount(run, p)
    order = np.lexsort((-p, run))  # per run, its most probable frame first
    top = order[np.flatnonzero(np.diff(run[order], prepend=-1))]  # (runs,)
    keep = (best[starts] != BLANK) & (line[starts] >= 0)
    return Reading(best[starts][keep], pos[keep], logp[top[keep]], line[starts][keep])


GAP_FRAMES = 7  # zero frames between lines read as one sequence: the head's reach (7 frames each way)


def read_lines(lines: np.ndarray, head: Callable[[np.ndarray], np.ndarray], size: tuple[int, int],
               offset: tuple[float, float] = (0.0, 0.0), grid: LineGrid = OCRB_GRID) -> Reading:
    """Read lines given as rows (x0, x1, baseline, size) page px (L, 4) from one image of ``size``
    = (height, width) px whose pixel (0, 0) is at ``offset`` in page px. ``head`` maps a
    sampling grid (1, LINE_ROWS, T, 2), in ``grid_sample``'s coordinates (align_corners=False:
    -1 and 1 are the image's outer edges), to log-probabilities (1, T, NUM_LINE_CLASSES). All lines go in
    as one sequence on ``line_grid``'s frames, with ``GAP_FRAMES`` frames outside the image
    (zeros) between them: one call, and no padding to the longest line. Returns one Reading for
    all lines (``Reading.line`` indexes ``lines``)."""
    lines = np.asarray(lines, np.float64).reshape(-1, 4)
    x0, x1, base, em = lines.T
    step = grid.frame_em * em
    count = grid.frames(x0, x1, em)
    start = np.concatenate([[0], np.cumsum(count + GAP_FRAMES)[:-1]])
    n = int(start[-1] + count[-1]) if len(lines) else 0
    line = np.full(n, -1, np.int64)
    k = np.repeat(np.arange(len(lines)), count)
    at = np.arange(len(k)) + np.repeat(start - np.concatenate([[0], np.cumsum(count)[:-1]]), count)
    line[at] = k
    xs = np.zeros(n)
    xs[at] = (x0 - grid.pad_em * em)[k] + (at - start[k] + 0.5) * step[k]
    ys = base[:, None] + em[:, None] * np.linspace(grid.band[0], grid.band[1], grid.rows)  # (L, rows)
    h, w = size
    points = np.full((1, grid.rows, n, 2), -2.0, np.float32)  # gap frames sample outside: zeros
    points[0, :, at, 0] = ((xs[at] - offset[0]) / w * 2 - 1)[:, None]
    points[0, :, at, 1] = (ys[k] - offset[1]) / h * 2 - 1
    return greedy_lines(head(points)[0], xs, line)
