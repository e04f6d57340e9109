"""A zone's lines put on their character cells: OCR-B in a machine-readable zone is printed at one
pitch, so where a character went unseen (a stamp over the zone's end, a stroke of the stamp's ring
read as a gap) or was seen twice, its place shows in the spacing of the others.

Each line's characters are projected on the zone's direction; a step between neighbours of about
``k`` pitches puts the next character ``k`` cells on (0: the same cell seen twice, the surer one
kept). A line starts in the first cell unless it starts a whole cell to the right of the zone's
other lines (its first characters unseen). Cells that no character fills are *unseen*: a ``<``
with score 0 and ``extra["unseen"]``, its box where its cell lies on the line's fit, which the
correction may change freely (:mod:`pxocr.mrz.correct`) and which no check digit vouches for.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from ..boxes import union_of
from ..document import Char, Line

MAX_UNSEEN = 6  # cells of a line left unseen at most ...
MAX_EXTRA = 2  # ... and characters more than its cells (seen twice), for a line to be slotted
MAX_OFF = 0.35  # of a pitch: the farthest a step between neighbours may fall from whole cells
UNSEEN = "<"


def slot_lines(lines: list[Line], length: int) -> Optional[list[list[Char]]]:
    """The characters of a zone's ``lines`` on ``length`` cells each, unseen cells filled; None
    when the lines are not one pitch's rows (steps off whole cells, more cells than ``length``)."""
    centred = [centres(ln.chars) for ln in lines]
    if any(len(c) < 2 for c in centred):
        return None
    u = sum(c[-1] - c[0] for c in centred)
    u = u / max(float(np.hypot(*u)), 1e-9)
    proj = [c @ u for c in centred]
    pitch = _pitch(proj, length)
    if pitch is None:
        return None
    start = min(p[0] for p in proj)
    out = []
    for ln, p, c in zip(lines, proj, centred):
        cells = _cells(p, start, pitch)
        if cells is None or cells[-1] >= length or length - len(set(cells)) > MAX_UNSEEN:
            return None
        out.append(_fill(ln, cells, c, length))
    return out


JOIN_OFF = 0.35  # of a character's height: the farthest a piece's centres lie off the other's line ...
JOIN_LOOK = 3  # ... within the next lines in reading order


def joined(lines: list[Line], lengths: list[int]) -> list[Line]:
    """The lines with the pieces of one printed line joined: a stamp or a crease over a zone line
    parts it in two at a gap, one piece left of the other on the same line. A piece joins the
    first of the next ``JOIN_LOOK`` lines that continues it: its centres on the piece's line, its
    first character after the piece's last by at most ``MAX_UNSEEN`` + 1 pitches, the two at most
    the longest of ``lengths`` + ``MAX_EXTRA`` characters together, neither a whole line of one of
    ``lengths`` alone (a speck beside a whole line stays apart)."""
    out = list(lines)
    k = 0
    while k < len(out):
        for j in range(k + 1, min(k + 1 + JOIN_LOOK, len(out))):
            both = _continued(out[k], out[j], lengths)
            if both is not None:
                out[k] = both
                del out[j]
                break
        else:
            k += 1
    return out


def _continued(a: Line, b: Line, lengths: list[int]) -> Optional[Line]:
    """``a`` and ``b`` as one line when ``b`` continues ``a`` on its right, else None."""
    n, m = len(a.chars), len(b.chars)
    if n + m > max(lengths) + MAX_EXTRA or max(n, m) < 3 or n in lengths or m in lengths:
        return None
    ca, cb = centres(a.chars), centres(b.chars)
    ref = ca if len(ca) >= len(cb) else cb
    u = ref[-1] - ref[0]
    u = u / max(float(np.hypot(*u)), 1e-9)
    normal = np.array([-u[1], u[0]])
    size = np.array([[ch.bbox[2] - ch.bbox[0], ch.bbox[3] - ch.bbox[1]] for ch in a.chars + b.chars])
    height = np.median(size @ np.abs(normal))  # the characters' extent across the line, at any turn
    if np.abs((np.vstack([ca, cb]) - ref[0]) @ normal).max() > JOIN_OFF * height:
        return None
    pitch = np.median(np.diff(ref @ u))
    gap = (cb[0] - ca[-1]) @ u
    if not 0.5 * pitch < gap <= (MAX_UNSEEN + 1.5) * pitch:
        return None
    return with_chars(a, a.chars + b.chars)


def with_chars(line: Line, chars: list[Char]) -> Line:
    """``line`` holding ``chars`` instead (its text and box theirs, no spaces), its other fields kept."""
    return Line("".join(c.char for c in chars), union_of([c.bbox for c in chars]), chars, line.score,
                dict(line.extra), line.baseline, line.font_size)


def centres(chars: list[Char]) -> np.ndarray:
    """(N, 2): the centres of the characters' boxes."""
    return np.array([((ch.bbox[0] + ch.bbox[2]) / 2, (ch.bbox[1] + ch.bbox[3]) / 2) for ch in chars]).reshape(-1, 2)


def _pitch(proj: list[np.ndarray], length: int) -> Optional[float]:
    """The zone's pitch: from a line with every cell read when there is one, else the median step."""
    whole = [(p[-1] - p[0]) / (length - 1) for p in proj if len(p) == length]
    if whole:
        return float(np.median(whole))
    steps = np.concatenate([np.diff(p) for p in proj])
    steps = steps[steps > 0]
    if len(steps) == 0:
        return None
    rough = np.median(steps)
    single = steps[(steps > 0.6 * rough) & (steps < 1.4 * rough)]
    return float(np.median(single)) if len(single) else None


def _cells(p: np.ndarray, start: float, pitch: float) -> Optional[list[int]]:
    """Each character's cell from its steps to the one before, or None where a step is off the grid."""
    first = (p[0] - start) / pitch
    cells = [int(round(first))]
    if abs(first - cells[0]) > MAX_OFF:
        return None
    for step in np.diff(p) / pitch:
        k = int(round(step))
        if k < 0 or abs(step - k) > MAX_OFF:
            return None
        cells.append(cells[-1] + k)
    return cells


def _fill(ln: Line, cells: list[int], centred: np.ndarray, length: int) -> list[Char]:
    """``length`` Chars: the line's own on their cells (the surer of two on one cell), unseen elsewhere."""
    slot: dict[int, Char] = {}
    for k, ch in zip(cells, ln.chars):
        if k not in slot or (ch.score or 0.0) > (slot[k].score or 0.0):
            slot[k] = ch
    a, b = np.polyfit(np.array(cells, float), centred, 1) if len(set(cells)) > 1 else (np.zeros(2), centred[0])
    w, h = np.median([[ch.bbox[2] - ch.bbox[0], ch.bbox[3] - ch.bbox[1]] for ch in ln.chars], axis=0)
    out = []
    for k in range(length):
        if k in slot:
            out.append(slot[k])
            continue
        cx, cy = a * k + b
        out.append(Char(UNSEEN, (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2), 0.0, {"unseen": True}))
    return out
