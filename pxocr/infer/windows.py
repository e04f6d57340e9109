"""The windows the network reads: the ink window of a page, and tiles of a large image.

The network reads a page's ink window (:func:`ink_window`). Windows up to ``TileConfig.max_whole``
px on each side run in one pass (padded to the network's stride). Larger ones are cut into tiles
overlapping by ``overlap`` px, as few and as small in all as :func:`tile_shape` finds, each at most
``tile_area`` px (peak memory); a tile keeps the glyphs whose box centre lies in its core (the tile
less half the overlap on each inner side), so each glyph is kept by exactly one tile, and
the lines are grouped once over the whole page; the tiles' features over their cores make one
map of the page's features, on which the line head reads the lines. Tiles start at multiples of the network's
stride (16 px), so a tile sees the same pixel grid as the whole image and, away from its
borders, gives the same boxes (the last tile ends at the image edge, up to 15 px longer).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..contract import STRIDE
from ..preprocess import MULTIPLE


@dataclass(frozen=True)
class TileConfig:
    max_whole: int = 1408
    tile: int = 640  # the smallest side of a tile, where a window is cut
    tile_area: int = 1024 * 1024  # the most px a tile has (an A4 page at 300 dpi: 12 tiles of 0.92 Mpx)
    overlap: int = 128  # must exceed the tallest glyph (about 1 em at 48 px)
    max_whole_zoom: int = 2048  # the mosaic of enlarged small text (pxocr.infer.zoom) is read whole up to this

    def __post_init__(self) -> None:
        if not 0 < 2 * self.overlap < self.tile or self.tile % 16 or self.tile - self.overlap < 16:
            raise ValueError("TileConfig needs 0 < 2 * overlap < tile, tile - overlap >= 16 and tile a multiple of 16")


def spans(n: int, tile: int, overlap: int) -> list[tuple[int, int, float, float]]:
    """Tiles of ``tile`` px along an axis of ``n`` px, spread evenly: (start, end, core_start, core_end)
    in px; starts are multiples of 16, neighbours overlap by at least ``overlap`` px."""
    if n <= tile:
        return [(0, n, -np.inf, np.inf)]
    # Starts on the network's stride grid: a shift that is not a multiple of it changes the
    # features of every cell (boxes moved by up to 1.7 px and glyphs were lost at seams).
    step = (tile - overlap) // MULTIPLE * MULTIPLE
    last = (n - tile) // MULTIPLE * MULTIPLE
    k = -(-last // step) + 1
    starts = [i * last // max(1, k - 1) // MULTIPLE * MULTIPLE for i in range(k)]
    out = []
    for k, s in enumerate(starts):
        end = n if k == len(starts) - 1 else s + tile
        lo = -np.inf if k == 0 else (s + (starts[k - 1] + tile)) / 2
        hi = np.inf if k == len(starts) - 1 else (starts[k + 1] + s + tile) / 2
        out.append((s, end, lo, hi))
    return out


def tile_shape(h: int, w: int, t: TileConfig) -> tuple[int, int]:
    """(height, width) to cut an ``h`` x ``w`` window into (:func:`spans`) so that it reads the fewest pixels,
    each tile at most ``t.tile_area`` px (its real size: a last tile is up to 15 px longer) and, where the
    window is cut, at least ``t.tile`` px on that side; of two equal totals, the fewer tiles. Where no cut
    keeps a tile within the area, the smallest tiles."""
    ys, xs = _axis_cuts(h, t), _axis_cuts(w, t)
    fits = [((sy[1] * sx[1], sy[3] * sx[3]), (sy[0], sx[0])) for sy in ys for sx in xs if sy[2] * sx[2] <= t.tile_area]
    return min(fits)[1] if fits else (ys[-1][0], xs[-1][0])


def _axis_cuts(n: int, t: TileConfig) -> list[tuple[int, int, int, int]]:
    """The ways to cut an axis of ``n`` px with 1, 2, ... tiles, down to tiles of ``t.tile`` px: (tile size,
    the tiles' px in all, the longest tile, tiles), largest tiles first."""
    out = [(n, n, n, 1)]
    for k in range(2, n // MULTIPLE + 2):
        last = out[-1][0]
        if last <= t.tile:
            break
        size = max(t.tile, -(-(n + (k - 1) * (t.overlap + MULTIPLE)) // (k * MULTIPLE)) * MULTIPLE)
        if size < last:  # (more tiles of the same size: no other cut)
            lengths = [e - s for s, e, _, _ in spans(n, size, t.overlap)]
            out.append((size, sum(lengths), max(lengths), len(lengths)))
    return out


def core_cells(start: int, end: int, lo: float, hi: float) -> tuple[int, int]:
    """The stride-4 cells (first, past-the-end) of a tile ``start``-``end`` px whose centres lie in
    its core ``lo``-``hi`` (``spans``): neighbouring tiles' cores meet, and so do their cells."""
    lo, hi = max(float(start), lo), min(float(end), hi)
    return int(np.floor(lo / STRIDE + 0.5)), min(int(np.floor(hi / STRIDE + 0.5)), -(-end // STRIDE))


INK_MARGIN = 48  # px of paper kept around the ink, so the network sees each glyph's surroundings
INK_CONTRAST = 24  # grey levels below the paper that count as ink


def ink_window(gray: np.ndarray) -> tuple[int, int, int, int]:
    """(y0, y1, x0, x1): the part of the page the network must see.

    The bounding box of everything darker than the paper (its median) by ``INK_CONTRAST``,
    grown by ``INK_MARGIN`` and with its origin on the network's 16 px grid, so every glyph
    lands on the same cells as in a whole-page pass. Returns y1 <= y0 for a blank page.
    """
    h, w = gray.shape
    counts = np.bincount(gray[::4, ::4].ravel(), minlength=256)
    paper = float(np.searchsorted(np.cumsum(counts), (counts.sum() + 1) / 2))  # the median grey level
    ink = gray < paper - INK_CONTRAST
    rows = np.flatnonzero(ink.any(1))
    if len(rows) == 0:
        return 0, 0, 0, 0
    cols = np.flatnonzero(ink[rows[0]:rows[-1] + 1].any(0))
    y0 = max(0, rows[0] - INK_MARGIN) // MULTIPLE * MULTIPLE
    x0 = max(0, cols[0] - INK_MARGIN) // MULTIPLE * MULTIPLE
    return y0, min(h, rows[-1] + 1 + INK_MARGIN), x0, min(w, cols[-1] + 1 + INK_MARGIN)
