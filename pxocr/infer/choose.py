"""Choosing between two readings of one image: the OCR-B specialist's and the general model's.

``pxocr read`` without ``--model`` (or with ``--model auto``) reads each view of a page with the
OCR-B model first. When its characters score :data:`SURE_PAGE` on average, the page is OCR-B
and that reading stands: the general model never runs. Otherwise the general (latin) model
reads the same view too, and the two readings are merged line by line:

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
half-and-half; ``bench/auto_model.py`` measures the choice on fresh ones).
"""

from __future__ import annotations

import numpy as np

from ..boxes import overlap_of_smaller_matrix
from ..document import Line

SURE_PAGE = 0.8  # a specialist's reading with this mean character score is taken whole
SURE_LINE = 0.85  # a specialist's line group with this mean character score may be taken
OVERLAP = 0.5


def line_score(lines: list[Line]) -> float:
    """The mean character score of ``lines`` (0 without characters)."""
    scores = [c.score or 0.0 for ln in lines for c in ln.chars]
    return float(np.mean(scores)) if scores else 0.0


def stands_alone(special: list[Line]) -> bool:
    """Whether the specialist's reading is taken whole: it found text, and is sure of it."""
    return line_score(special) >= SURE_PAGE


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
