"""Spaces of monospaced lines counted on their pitch.

In proportional text a space is what the line head reads, or a wide ink gap
(``pxocr.decode.settle``). In a monospaced line (code, a terminal listing, a typewriter face)
every character takes one cell, so a space is an empty cell: neighbours one pitch apart are
in one word, two or more pitches apart have a space between them. The line head misreads the
wide blank after a period (``.leap.seconds`` read ``. leap``) and the gap in a code line.
Tuning crops of training PDFs (r-doc-pdf, asymptote-doc; 24 crops, seed 7300001): 1.18 -> 1.03 %
CER; 100 crops of training TeX documents: -5 edits; synthetic pages in many faces: unchanged.

A line is monospaced when its neighbours' centre distances under :data:`WORD_PITCHES` times
their median (the pairs within a cell of each other; a dot beside a dot is not judged) spread less
than :data:`SPREAD` of their median over at least :data:`MIN_PAIRS` pairs, with at least
:data:`MIN_NARROW` of those pairs holding a narrow character (``i``, ``l``, ``.``: a proportional
face sets them closer, so its lines do not pass; a run of tabular digits alone proves nothing),
and a pitch of :data:`PITCH_EM` of the line's em (a row of a table, one glyph a cell, is not a line of code).
A space then goes where two neighbours stand :data:`SPACE_PITCHES` pitches apart or more and
goes away where they stand under :data:`JOIN_PITCHES`; between the two, the reading stays. Only
between two characters on the line's grid (centres within :data:`OFF_GRID` pitches of one phase)
whose pairs with their other neighbours stand a whole number of pitches apart (within
:data:`OFF_GRID`; a line's end counts as one): a word set in another face beside a monospaced one
("ps HB_OT_NAME") keeps its reading.

Leaders (``space_leaders``): the dots that lead an index or a table of contents to its page number
are set apart, and a PDF's text (the truth of real pages) holds them as ". . . .". The line head reads
them now spaced, now not ("tmpname .. . .........."). A run of :data:`LEADER_DOTS` dots or more
whose centres stand :data:`LEADER_PITCH_EM` em apart or more (a period's advance is 0.25-0.32 em: dots
set one after another stand closer), off the pitch of a monospaced line (by :data:`SPREAD` of it: a
word in a typewriter face before them makes an index line look monospaced), takes a space between each
two. A line of dots alone (``#..........``) does not show that it is monospaced: it is taken to stand on
the pitch of the page's monospaced lines of its em (within :data:`SIZE_MATCH`). Shorter runs keep their
reading: a PDF's text holds an ellipsis as TeX sets it spaced (". . .",
LaTeX's manuals) or not ("[...]", a manual of auto-multiple-choice), its dots as far apart in both. Tuning
crops of six documents no round trained on (24 crops, seed 9800011): 1.22 -> 1.00 % CER (index pages of
gri's manual); 30 crops of training documents around dot runs (LaTeX's manuals, R's): 9.85 -> 6.20 %.
"""

from __future__ import annotations

import numpy as np

from ..document import Char, Line

WORD_PITCHES = 1.5
PITCH_EM = (0.4, 0.8)
SPREAD = 0.08
MIN_PAIRS = 5
MIN_NARROW = 2
NARROW = frozenset("iIl.,:;'|!j()[]frt`")  # not '1': a proportional face's digits are tabular
SPACE_PITCHES = 1.75
JOIN_PITCHES = 1.25
OFF_GRID = 0.2
LEADER_DOTS = 4
LEADER_PITCH_EM = 0.4
SIZE_MATCH = 0.1  # a line of dots is on the pitch of the page's monospaced lines this close to its em


def space_monospaced(lines: list[Line]) -> list[Line]:
    """The lines, each monospaced one with its spaces put where its empty cells are."""
    return [_spaced(ln) for ln in lines]


def pitch(line: Line) -> float | None:
    """The line's character pitch in px when it is monospaced (see the module's notes), else None."""
    if len(line.chars) < MIN_PAIRS + 1:
        return None
    cx = np.array([(c.bbox[0] + c.bbox[2]) / 2 for c in line.chars])
    d = np.diff(cx)
    # two dots in a row say nothing: leaders stand evenly apart in any face
    judged = np.array([not (a.char == "." == b.char) for a, b in zip(line.chars[:-1], line.chars[1:])])
    if judged.sum() < MIN_PAIRS:
        return None
    mid = float(np.median(d[judged]))
    if mid <= 0:
        return None
    cell = judged & (d < WORD_PITCHES * mid)
    if cell.sum() < MIN_PAIRS:
        return None
    p = float(np.median(d[cell]))
    narrow = sum(1 for k in np.flatnonzero(cell)
                 if line.chars[k].char in NARROW or line.chars[k + 1].char in NARROW)
    if narrow < MIN_NARROW or float(np.std(d[cell])) / p >= SPREAD:
        return None
    if not line.font_size or not PITCH_EM[0] <= p / line.font_size <= PITCH_EM[1]:
        return None
    return p


def _spaced(line: Line) -> Line:
    p = pitch(line)
    if p is None:
        return line
    spaced = spaces_after(line)
    cx = np.array([(c.bbox[0] + c.bbox[2]) / 2 for c in line.chars]) / p
    turn = np.exp(2j * np.pi * cx)
    off = np.abs(np.angle(turn / np.mean(turn))) / (2 * np.pi)  # distance from the grid, pitches
    d = np.diff(cx)
    whole = np.concatenate([[True], (np.abs(d - np.round(d)) < OFF_GRID) & (d > 0.5), [True]])
    # pair k: characters k and k + 1, on the grid, their pairs k - 1 and k + 1 whole (whole[k], whole[k + 2])
    for k in np.flatnonzero((off[:-1] < OFF_GRID) & (off[1:] < OFF_GRID) & whole[:-2] & whole[2:]):
        if d[k] >= SPACE_PITCHES:
            spaced[k] = True
        elif d[k] < JOIN_PITCHES:
            spaced[k] = False
    return with_spaces(line, spaced)


def space_leaders(lines: list[Line]) -> list[Line]:
    """The lines, with a space between the dots of their leaders (see the module's notes)."""
    dotted = [bool(ln.font_size) and ".." in ln.text.replace(" ", "") for ln in lines]
    if not any(dotted):
        return list(lines)
    own = [pitch(ln) for ln in lines]
    pitches = [(ln.font_size, p) for ln, p in zip(lines, own) if p is not None and ln.font_size]
    return [_leaders_spaced(ln, p, pitches) if d else ln for ln, d, p in zip(lines, dotted, own)]


def _leaders_spaced(line: Line, p: float | None, pitches: list[tuple[float, float]]) -> Line:
    """``line`` with its leaders spaced; ``p``: its own pitch (:func:`pitch`), ``pitches``: (em, pitch) px
    of the page's monospaced lines, whose pitch a line of dots alone in a face of their size (within
    ``SIZE_MATCH``) stands on (``#.........`` a cell apart: the line alone does not show it is monospaced)."""
    dots = np.array([c.char == "." for c in line.chars])
    cx = np.array([(c.bbox[0] + c.bbox[2]) / 2 for c in line.chars])
    if p is None:
        near = [q for em, q in pitches if abs(em - line.font_size) <= SIZE_MATCH * line.font_size]
        p = float(np.median(near)) if near else None
    spaced = spaces_after(line)
    k = 0
    while k < len(dots):
        if not dots[k]:
            k += 1
            continue
        end = k
        while end + 1 < len(dots) and dots[end + 1]:
            end += 1
        step = float(np.median(np.diff(cx[k:end + 1]))) if end > k else 0.0
        if (end - k + 1 >= LEADER_DOTS and step >= LEADER_PITCH_EM * line.font_size
                and (p is None or abs(step - p) > SPREAD * p)):
            spaced[k:end] = [True] * (end - k)
        k = end + 1
    return with_spaces(line, spaced)


def spaces_after(line: Line) -> list[bool]:
    """Per character of ``line``: whether its text has a space after it."""
    spaced = [False] * len(line.chars)
    k = 0
    for c in line.text.strip():
        if c == " ":
            spaced[k - 1] = True
        else:
            k += 1
    return spaced


def with_spaces(line: Line, spaced: list[bool], chars: list[Char] | None = None) -> Line:
    """``line`` with ``chars`` (its own by default), a space after each one ``spaced`` flags."""
    chars = line.chars if chars is None else chars
    text = "".join(c.char + (" " if s else "") for c, s in zip(chars, spaced)).rstrip()
    if chars is line.chars and text == line.text:
        return line
    return Line(text, line.bbox, chars, line.score, dict(line.extra), line.baseline, line.font_size)
