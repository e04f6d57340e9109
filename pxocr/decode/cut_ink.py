"""Lines cut from larger shapes: pieces of ruled lines, frames or drawings read as characters
('j' where a margin rule crosses a writing line, "| | ||" across a form's vertical rules, ']'
from a box's corner).

A line's ink lies within its box (its characters' union); a piece of a longer stroke belongs to
ink that runs on far past it. A line of at most :data:`SHORT` characters, or one made mostly of
rule-like marks (:data:`RULE_LIKE`: "- - ------ u-- -" along a writing line), is dropped when at
least :data:`CUT_SHARE` of the ink inside its box (pixels at least :data:`INK` dark) is connected
to ink more than :data:`REACH_PX` px and :data:`REACH_BOX` of the box's size past it (its width
across, its height up and down). Text that touches a rule keeps most of its ink apart from it: an
underline ends with its words, a table's border touches a letter or two (a two-letter cell: half
its ink). Only such lines are looked at (a page's lines of text cost nothing), each in a window
around its box reaching just past that distance: a piece of ink that reaches the window's edge
runs on past the box. Upright OCR-B pages: 1.4 ms a page, about 10 lines looked at.

A line of one rule-like mark repeated ("-----", "=====", "....", :func:`pxocr.decode.pipeline.rule_marks`)
is a drawn rule where its ink is one stroke, fewer pieces than half its marks, and is dropped: a rule
printed in text (a separator under a heading, a comment's "# -----", a contents line's leader) has a
piece of ink for each mark.
"""

from __future__ import annotations

import math

import numpy as np

from .. import morphology
from ..document import Line
from .ink_edges import ink_levels
from .pipeline import RULE_CHARS, rule_marks

SHORT = 3
RULE_LIKE = frozenset(RULE_CHARS + "|/\\,:;^")  # what a drawn rule reads as, and the marks of other strokes
INK = 0.5
CUT_SHARE = 0.75
REACH_PX = 3.0
REACH_BOX = 0.5


def drop_cut_pieces(lines: list[Line], gray: np.ndarray) -> list[Line]:
    """The lines less those cut from larger shapes of ``gray`` (uint8 (H, W), dark ink on light paper)."""
    looked = [_suspect(ln) for ln in lines]
    if not any(looked):
        return lines
    paper, ink = ink_levels(gray)
    dark = gray <= paper - INK * max(paper - ink, 1.0)
    return [ln for ln, look in zip(lines, looked)
            if not look or (cut_share(dark, ln.bbox) < CUT_SHARE and not drawn_rule(dark, ln))]


def drawn_rule(dark: np.ndarray, line: Line) -> bool:
    """Whether a line of one rule-like mark repeated is a drawn rule: its ink (``dark``, bool (H, W))
    inside its box, a pixel grown, in fewer pieces than half its marks (a small leader dot is one pixel)."""
    if not rule_marks(line):
        return False
    h, w = dark.shape
    x0, y0 = max(0, math.floor(line.bbox[0]) - 1), max(0, math.floor(line.bbox[1]) - 1)
    x1, y1 = min(w, math.ceil(line.bbox[2]) + 1), min(h, math.ceil(line.bbox[3]) + 1)
    _, n = morphology.label(dark[y0:y1, x0:x1])
    return 2 * n < len(line.chars)


def _suspect(line: Line) -> bool:
    """Whether a line is short, or made mostly of rule-like marks: what pieces of shapes and drawn rules
    read as."""
    return len(line.chars) <= SHORT or 2 * sum(c.char in RULE_LIKE for c in line.chars) >= len(line.chars)


def cut_share(dark: np.ndarray, box) -> float:
    """The share of the ink (``dark``, bool (H, W)) inside ``box`` connected to ink more than
    REACH_PX px and REACH_BOX of the box's size past it; 0 for a box without ink."""
    h, w = dark.shape
    x0, y0 = max(0, math.floor(box[0])), max(0, math.floor(box[1]))
    x1, y1 = min(w, math.ceil(box[2])), min(h, math.ceil(box[3]))
    rx = math.ceil(max(REACH_PX, REACH_BOX * (x1 - x0))) + 1
    ry = math.ceil(max(REACH_PX, REACH_BOX * (y1 - y0))) + 1
    wx0, wy0, wx1, wy1 = max(0, x0 - rx), max(0, y0 - ry), min(w, x1 + rx), min(h, y1 + ry)
    pieces, _ = morphology.label(dark[wy0:wy1, wx0:wx1])
    inside = pieces[y0 - wy0:y1 - wy0, x0 - wx0:x1 - wx0]
    labels, counts = np.unique(inside[inside > 0], return_counts=True)
    if not len(labels):
        return 0.0
    # a piece runs on where it reaches the window's edge (the image's edge is not one)
    edge = set()
    for strip, at_image_edge in ((pieces[0], wy0 == 0), (pieces[-1], wy1 == h),
                                 (pieces[:, 0], wx0 == 0), (pieces[:, -1], wx1 == w)):
        if not at_image_edge:
            edge.update(np.unique(strip[strip > 0]).tolist())
    cut = sum(int(n) for label, n in zip(labels, counts) if int(label) in edge)
    return cut / int(counts.sum())
