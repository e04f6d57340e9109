"""A line's type style from its pixels and character boxes: bold, italic, monospaced.

Three cheap measures on the upright, dark-on-light image a line was read in (its ink: pixels
darker than the page's threshold, inside the line's box):

- **stroke**: the median width of the horizontal runs of ink (across vertical stems, mostly),
  to a fraction of a pixel (the darkness of the run and its edge pixels), over the line's em.
  On clean synthetic pages in the trained families, regular and italic lines measure
  0.078-0.103 em and bold ones 0.118-0.178 (10th-90th percentiles; :data:`BOLD_STROKE`); ink
  spread on degraded pages makes some regular lines measure bold.
- **slant**: the shear (x shift per px of height above the baseline) at which the ink's column
  profile is sharpest: stems that lean stand upright at the shear that undoes their lean.
  Upright lines measure 0 (90th percentile), italic ones 0.10-0.25 (:data:`ITALIC_SLANT`).
- **pitch**: the distances between neighbouring characters' centres within words (justified
  lines stretch only the spaces): in a monospaced font they are all one pitch. Their standard
  deviation over their median is under 0.08 for 98 % of monospaced lines and over 0.083 for 98 %
  of proportional ones (:data:`MONO_SPREAD`). Lines with fewer than :data:`MIN_PAIRS` such
  distances are not judged (the key is left out).

``line_style`` gives the line's extra keys: ``style`` (``regular``, ``bold``, ``italic`` or
``bold-italic``, the vocabulary of the synthetic ground truth) and, where judged, ``monospaced``.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from ..document import Line

BOLD_STROKE = 0.13  # stroke width over em from which a line is bold
ITALIC_SLANT = 0.075  # shear from which a line is italic
MONO_SPREAD = 0.08  # spread of the in-word pitches, over their median, under which a line is monospaced
MIN_PAIRS = 5
SAMPLE_EM = 24.0
SAMPLE_ROWS = 16
SHEARS = (-0.05, 0.0, 0.1, 0.15, 0.2, 0.25, 0.3)


def line_style(gray: np.ndarray, line: Line, threshold: float) -> Optional[dict]:
    """The extra keys ``style`` and (where judged) ``monospaced`` of a line read in ``gray`` (uint8, dark ink on
    light paper, the line's own pixels); None when the line has no size or no ink."""
    em = line.font_size
    if not em or not line.chars:
        return None
    h, w = gray.shape
    x0, y0 = max(0, int(line.bbox[0])), max(0, int(line.bbox[1]))
    x1, y1 = min(w, int(np.ceil(line.bbox[2]))), min(h, int(np.ceil(line.bbox[3])))
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    x1 = min(x1, x0 + int(SAMPLE_EM * em))  # the line's first SAMPLE_EM em and about SAMPLE_ROWS of
    step = max(1, (y1 - y0) // SAMPLE_ROWS)  # its rows are plenty: a few ms a page
    crop = gray[y0:y1:step, x0:x1]
    ink = crop < threshold
    if ink.sum() < 8:
        return None
    stroke = _stroke(crop, ink) / em
    base = (line.baseline if line.baseline is not None else line.bbox[3]) - y0
    slant = _slant(ink, base, step)
    style = {(False, False): "regular", (True, False): "bold", (False, True): "italic",
             (True, True): "bold-italic"}[(stroke >= BOLD_STROKE, slant >= ITALIC_SLANT)]
    mono = _monospaced(line)
    return {"style": style} if mono is None else {"style": style, "monospaced": mono}


def _stroke(crop: np.ndarray, ink: np.ndarray) -> float:
    """The median width of the rows' runs of ink, px: each run's darkness summed over it and one
    pixel either side (paper 0, the crop's darkest ink 1)."""
    h, w = ink.shape
    cum_hist = np.cumsum(np.bincount(crop.ravel(), minlength=256))
    dark, paper = (float(np.searchsorted(cum_hist, q * cum_hist[-1])) for q in (0.03, 0.90))
    darkness = np.clip((paper - crop.astype(np.float64)) / max(paper - dark, 1.0), 0.0, 1.0)
    padded = np.zeros((h, w + 2), np.int8)
    padded[:, 1:-1] = ink
    edges = np.diff(padded, axis=1)  # +1 where a run starts (its first column), -1 after it ends
    rows, starts = np.nonzero(edges == 1)
    _, ends = np.nonzero(edges == -1)
    cum = np.zeros((h, w + 1))
    np.cumsum(darkness, axis=1, out=cum[:, 1:])
    return float(np.median(cum[rows, np.minimum(ends + 1, w)] - cum[rows, np.maximum(starts - 1, 0)]))


def _slant(ink: np.ndarray, baseline: float, step: int = 1) -> float:
    """The shear (of :data:`SHEARS`) that makes the column profile of the ink sharpest (``ink``:
    every ``step``-th row of the line)."""
    ys, xs = np.nonzero(ink)
    rise = baseline - (ys * step + 0.5)  # px above the baseline
    cols = np.round(xs[None, :] - np.array(SHEARS)[:, None] * rise[None, :]).astype(np.int64)  # (shears, pixels)
    cols -= cols.min(1, keepdims=True)
    width = int(cols.max()) + 1
    counts = np.bincount((cols + width * np.arange(len(SHEARS))[:, None]).ravel(), minlength=width * len(SHEARS))
    sharp = (counts * counts).reshape(len(SHEARS), width).sum(1)
    return float(SHEARS[int(np.argmax(sharp))])  # the first of equally sharp ones


def in_word_steps(line: Line) -> list[float]:
    """The steps between neighbouring characters' box centres within each of the line's words, px."""
    return [(b.bbox[0] + b.bbox[2] - a.bbox[0] - a.bbox[2]) / 2 for word in line.words for a, b in zip(word, word[1:])]


def _monospaced(line: Line) -> Optional[bool]:
    pitches = in_word_steps(line)
    if len(pitches) < MIN_PAIRS:
        return None
    mid = float(np.median(pitches))
    return mid > 0 and float(np.std(pitches)) / mid < MONO_SPREAD
