"""Passport machine-readable zones (ICAO 9303) read with their own alphabet.

An MRZ line holds only capitals, digits and the filler ``<``, 30, 36 or 44 of them with no
spaces, in OCR-B, often printed small. Where a line looks like one, its glyphs may only take
classes of that alphabet (among their candidates): a ``<`` that the class head scores
below ``c``, ``s`` or ``e`` at 16 px on a worn page is still read as ``<``.

A line counts as MRZ when it has one of those lengths (give or take a glyph) and no space,
and at least ``SHARE`` of its glyphs have an MRZ class among the class head's candidates
scoring within ``MARGIN`` nats of its best, ``<`` for at least one of them. (A line of worn
16 px fillers can read ``c``, ``s`` and ``e`` first, so the share is lenient; the length
keeps ordinary text out.)
"""

from __future__ import annotations

import numpy as np

from ..charset import CHARSET

ALPHABET = np.array([c.isupper() or c.isdigit() or c == "<" for c in CHARSET])
FILLER = CHARSET.index("<")
LENGTHS = np.array([30, 36, 44])  # TD1, TD2 and TD3 lines
SHARE = 0.5
MARGIN = 3.0


def mrz_glyphs(cands: np.ndarray, score: np.ndarray, line: np.ndarray, spaced: np.ndarray) -> np.ndarray:
    """Which glyphs (n,) lie on MRZ lines, given their candidate classes and scores (n, k), their
    lines (n,) and whether each line (L,) has a space."""
    n_lines = len(spaced)
    close = score >= score.max(1, keepdims=True) - MARGIN
    count = np.bincount(line, minlength=n_lines)
    share = np.bincount(line, (close & ALPHABET[cands]).any(1), n_lines) / np.maximum(count, 1)
    fillers = np.bincount(line, (close & (cands == FILLER)).any(1), n_lines)
    length = (np.abs(count[:, None] - LENGTHS) <= 1).any(1)  # one glyph missed or extra
    mrz = length & ~spaced & (fillers >= 1) & (share >= SHARE)
    return mrz[line]


def restrict(cands: np.ndarray, score: np.ndarray, on_mrz: np.ndarray) -> np.ndarray:
    """Scores (n, k) with the non-MRZ candidates of MRZ glyphs out of the running (where a glyph
    has an MRZ candidate at all)."""
    allowed = ALPHABET[cands]
    drop = on_mrz[:, None] & ~allowed & allowed.any(1, keepdims=True)
    return np.where(drop, -np.inf, score)
