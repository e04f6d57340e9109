"""Lines cut from larger shapes: pieces of ruled lines, frames or drawings read as characters
('j' where a margin rule crosses a writing line, "| | ||" across a form's vertical rules, ']'
from a box's corner).

A line's ink lies within its box (its characters' union); a piece of a longer stroke belongs to
ink that runs on far past it. The page's ink (darkness of at least :data:`INK`) is parted into
connected pieces; a line is dropped when at least :data:`CUT_SHARE` of the ink inside its box
belongs to pieces that reach past the box by more than :data:`REACH_PX` px and :data:`REACH_BOX`
of the box's size (its width across, its height up and down). Text that touches a rule keeps
most of its ink apart from it: an underline ends with its words, a table's border touches a
letter or two.
"""

from __future__ import annotations

import math

import numpy as np

from ..document import Line
from .ink_edges import darkness

INK = 0.5
CUT_SHARE = 0.5
REACH_PX = 3.0
REACH_BOX = 0.5


def drop_cut_pieces(lines: list[Line], gray: np.ndarray) -> list[Line]:
    """The lines less those cut from larger shapes of ``gray`` (uint8 (H, W), dark ink on light paper)."""
    if not lines:
        return lines
    from scipy import ndimage

    pieces, _ = ndimage.label(darkness(gray) >= INK)
    extents = ndimage.find_objects(pieces)
    return [ln for ln in lines if cut_share(pieces, extents, ln.bbox) < CUT_SHARE]


def cut_share(pieces: np.ndarray, extents: list, box) -> float:
    """The share of the ink inside ``box`` that belongs to pieces (``pieces``: labels, 0 paper;
    ``extents``: their slices) reaching past it by more than REACH_PX px and REACH_BOX of its size;
    0 for a box without ink."""
    h, w = pieces.shape
    x0, y0 = max(0, math.floor(box[0])), max(0, math.floor(box[1]))
    x1, y1 = min(w, math.ceil(box[2])), min(h, math.ceil(box[3]))
    inside = pieces[y0:y1, x0:x1]
    labels, counts = np.unique(inside[inside > 0], return_counts=True)
    if not len(labels):
        return 0.0
    reach_x = max(REACH_PX, REACH_BOX * (x1 - x0))
    reach_y = max(REACH_PX, REACH_BOX * (y1 - y0))
    cut = 0
    for label, n in zip(labels, counts):
        ys, xs = extents[label - 1]
        if xs.start < x0 - reach_x or xs.stop > x1 + reach_x or ys.start < y0 - reach_y or ys.stop > y1 + reach_y:
            cut += n
    return cut / counts.sum()
