"""Passport machine-readable zones (ICAO 9303) read with their own alphabet.

An MRZ line holds only capitals, digits and the filler ``<``, 30, 36 or 44 of them with no
spaces, in OCR-B, often printed small. Where a line looks like one, its glyphs may only take
classes of that alphabet (among their candidates): a ``<`` that the class head scores
below ``c``, ``s`` or ``e`` at 16 px on a worn page is still read as ``<``.

A line counts as MRZ when it has one of those lengths (give or take a glyph) and no space,
at least ``SHARE`` of its glyphs have an MRZ class among the class head's candidates scoring
within ``MARGIN`` nats of its best, ``<`` for at least one of them, and at least
``FIRST_SHARE`` read an MRZ class first. (A line of worn 16 px fillers can read ``c``, ``s``
and ``e`` first, so the shares are lenient; the length keeps ordinary text out, and the
first choices keep out a lower-case token of that length.) On an MRZ line a glyph takes its
best MRZ candidate however far behind: a worn ``<`` can trail ``c`` by several nats.
"""

from __future__ import annotations

import numpy as np

from ..charset import CHARSET

ALPHABET = np.array([c.isupper() or c.isdigit() or c == "<" for c in CHARSET])
FILLER = CHARSET.index("<")
LENGTHS = np.array([30, 36, 44])  # TD1, TD2 and TD3 lines
SHARE = 0.5
FIRST_SHARE = 0.2
MARGIN = 3.0


def mrz_glyphs(cands: np.ndarray, score: np.ndarray, line: np.ndarray, spaced: np.ndarray) -> np.ndarray:
    """Which glyphs (n,) lie on MRZ lines, given their candidate classes and scores (n, k), their
    lines (n,) and whether each line (L,) has a space."""
    n_lines = len(spaced)
    close = score >= score.max(1, keepdims=True) - MARGIN
    count = np.maximum(np.bincount(line, minlength=n_lines), 1)
    share = np.bincount(line, (close & ALPHABET[cands]).any(1), n_lines) / count
    best = np.take_along_axis(cands, score.argmax(1)[:, None], 1)[:, 0]
    first = np.bincount(line, ALPHABET[best], n_lines) / count
    fillers = np.bincount(line, (close & (cands == FILLER)).any(1), n_lines)
    length = (np.abs(count[:, None] - LENGTHS) <= 1).any(1)  # one glyph missed or extra
    mrz = length & ~spaced & (fillers >= 1) & (share >= SHARE) & (first >= FIRST_SHARE)
    return mrz[line]


def restrict(cands: np.ndarray, score: np.ndarray, on_mrz: np.ndarray) -> np.ndarray:
    """Scores (n, k) with the non-MRZ candidates of MRZ glyphs out of the running (where a glyph
    has an MRZ candidate at all)."""
    allowed = ALPHABET[cands]
    drop = on_mrz[:, None] & ~allowed & allowed.any(1, keepdims=True)
    return np.where(drop, -np.inf, score)
