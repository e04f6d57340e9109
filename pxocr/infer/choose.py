"""Choosing between two readings of one image: the OCR-B specialist's and the general model's.

``pxocr read`` without ``--model`` (or with ``--model auto``) reads each view of a page with the
OCR-B model first. When its first reading (at the page's own size, before any enlarging) is not
:func:`promising`, the general (latin) model reads the page, and the specialist reads on only where
that reading shows monospaced print at OCR-B's pitch (:func:`wants_specialist`): else the general model's
reading is the page's. Document text at 13-17 px em, which the specialist would read again
enlarged before the general model read it, so costs the specialist's first reading and the general
model's (on document pages of the speed bench, 835 -> 505 ms a page). A page too large to be read
whole is first looked at in one window about the centre of its ink (``Predictor._glance``). Where
the specialist reads on and its reading scores :data:`SURE_PAGE` on average, the page is OCR-B and
that reading stands. Otherwise the two readings are merged line by line:

- lines of the two readings that overlap (their intersection covers at least
  :data:`OVERLAP` of the smaller box) form one group, transitively;
- a group takes the specialist's lines when they score at least :data:`SURE_LINE` and better
  than the general model's lines of the group (character-weighted mean scores), else the
  general model's;
- a line only one model found is kept when that model is the general one, or when the
  specialist is sure of it.

The specialist's lines score 0.83-0.97 on OCR-B pages (10th-90th percentile of the line means),
and 0.43-0.80 on other fonts, where the general model's score 0.59-0.82; on crops of real PDF
pages the general model scores lower (0.14-0.69) than the specialist (0.37-0.76), so a
comparison of scores alone would choose wrong: the specialist must also be sure. The
thresholds were chosen on our own pages (12 OCR-B, 10 in the training fonts, 10 PDF crops, 10
half-and-half; ``bench/auto_model.py`` measures the choice on fresh ones); those of the first
look on 24 pages each of OCR-B (at 0.5-1x), MRZ zones and documents, and of document text, PDF
crops of the training manuals and the training families (seed 7320001). With ``--orientation
auto`` the first way up the specialist tries is looked at so; where the specialist reads on and
finds no way up surely, the general model finds its own and the specialist reads that way too.
"""

from __future__ import annotations

import numpy as np

from ..boxes import overlap_of_smaller_matrix
from ..decode.style import in_word_steps
from ..document import Line

SURE_PAGE = 0.8  # a specialist's reading with this mean character score is taken whole
# a specialist's first reading (before any enlarging) with this mean character score reads on without the general
# model's look at the page (``promising``): on tuning pages, OCR-B at its size scored 0.80-0.94 so, other fonts
# 0.36-0.63 (one page 0.73)
PROMISING = 0.7
# ... or with this many characters in lines scoring SURE_LINE: OCR-B lines among other print (tuning pages, seed
# 7310001: half-OCR-B pages 18-56 such characters, pages of document text 0-1, of the training families 0-30)
SURE_CHARS = 16
# The general reading shows print the specialist may read better where at least this share of its lines judged
# for pitch are monospaced, or one of these many characters is (``wants_specialist``). On tuning pages of
# proportional print, 0-9 % of the judged lines read as monospaced, dates and numbers in tabular figures of up to
# 10 characters (one of 15); OCR-B pages' were all monospaced; a page of half OCR-B 3 of 17, one of 16 characters.
FIXED_PITCH_SHARE = 0.25
FIXED_PITCH_CHARS = 12
# OCR-B's pitch is 0.723 em; the monospaced lines the general model reads measure it at 0.61-0.75 (1st-99th
# percentile) on OCR-B pages at full size, from 0.53 at half size; Courier's and most monospaced families' 0.6 em
# measure 0.51-0.57 in the training manuals' code
OCRB_PITCH_EM = 0.6
SURE_LINE = 0.85  # a specialist's line group with this mean character score may be taken
OVERLAP = 0.5


def line_score(lines: list[Line]) -> float:
    """The mean character score of ``lines`` (0 without characters)."""
    scores = [c.score or 0.0 for ln in lines for c in ln.chars]
    return float(np.mean(scores)) if scores else 0.0


def stands_alone(special: list[Line]) -> bool:
    """Whether the specialist's reading is taken whole: it found text, and is sure of it."""
    return line_score(special) >= SURE_PAGE


def promising(special: list[Line]) -> bool:
    """Whether a specialist's first reading (its sure lines, before any enlarging) reads on unasked: it scores
    :data:`PROMISING`, or lines scoring :data:`SURE_LINE` hold :data:`SURE_CHARS` characters. Else the general
    model reads the page first and ``wants_specialist`` decides."""
    return line_score(special) >= PROMISING or \
        sum(len(ln.chars) for ln in special if line_score([ln]) >= SURE_LINE) >= SURE_CHARS


def wants_specialist(general: list[Line]) -> bool:
    """Whether the general model's reading of a page shows print that the specialist may read better: a page
    none of whose lines could be judged for pitch (``pxocr.decode.style``'s ``monospaced``: lines of short words
    are not); one where :data:`FIXED_PITCH_SHARE` of the judged lines, other monospaced print apart, are
    monospaced print at OCR-B's pitch (:data:`OCRB_PITCH_EM`), or one such line with :data:`FIXED_PITCH_CHARS`
    letters and digits is; or a line holding a run of MRZ fillers (``<<``). A monospaced line counts as print
    where letters and digits are half its characters: a table of contents' leader dots (``Scope . . . . 1``) are
    evenly spaced too."""
    judged = [ln for ln in general if "monospaced" in ln.extra]
    fixed = [ln for ln in judged if ln.extra["monospaced"] and 2 * _alnum(ln) >= len(ln.chars)]
    ocrb = [ln for ln in fixed if _pitch_em(ln) >= OCRB_PITCH_EM]
    others = len(judged) - (len(fixed) - len(ocrb))  # the judged lines but monospaced print of another pitch
    return (not judged or bool(ocrb) and len(ocrb) >= FIXED_PITCH_SHARE * others
            or any(_alnum(ln) >= FIXED_PITCH_CHARS for ln in ocrb) or any("<<" in ln.text for ln in general))


def _alnum(line: Line) -> int:
    return sum(c.char.isalnum() for c in line.chars)


def _pitch_em(line: Line) -> float:
    """A line's median step between neighbouring characters within its words, over its em (0 where it has no
    such step or no em)."""
    steps = in_word_steps(line)
    return float(np.median(steps)) / line.font_size if steps and line.font_size else 0.0


def merge(special: list[Line], general: list[Line]) -> list[Line]:
    """The lines of the two readings, chosen group by group (see the module); in no set order."""
    n, m = len(special), len(general)
    parent = list(range(n + m))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    if n and m:
        hits = overlap_of_smaller_matrix([ln.bbox for ln in special], [ln.bbox for ln in general]) >= OVERLAP
        for i, j in zip(*np.nonzero(hits)):
            parent[root(int(i))] = root(n + int(j))
    groups: dict[int, tuple[list[Line], list[Line]]] = {}
    for k in range(n + m):
        s, g = groups.setdefault(root(k), ([], []))
        (s if k < n else g).append(special[k] if k < n else general[k - n])
    out: list[Line] = []
    for s, g in groups.values():
        sure = line_score(s) >= SURE_LINE
        out += s if s and sure and (not g or line_score(s) > line_score(g)) else g
    return out
