"""Region reading: the text and glyphs inside boxes drawn on a page.

A region is a box ``[x0, y0, x1, y1]`` in the input page's pixels (DESIGN.md 1.1). The network
reads the region's crop grown by ``RegionConfig.margin`` px on every side (so a small region on a
large page costs a small reading); the glyphs found there are mapped back to page pixels and
kept by one rule:

**A glyph belongs to a region when its centre lies inside the region grown by**
``RegionConfig.slack`` **px (3 by default) on every side.** The centre's x is the middle of the
glyph's box; its y is the middle of its line (the median of the line's glyph-box centres), so
marks that sit high or low in a line (``' , . _ -``) go with their line. A box drawn a few
pixels loose or tight around some text, or cutting through its first or last glyph, returns
exactly that text; a glyph whose centre is more than ``slack`` px outside is left out.

Each region's glyphs form lines (the page's lines cut to the region, in reading order); the
spaces between kept glyphs are the page's, and a line's box and score are those of its kept
glyphs. When the regions' crops together cover more than ``whole_page_share`` of the page,
the page is read once, whole, and every region takes its glyphs from that reading.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

import numpy as np

from ..document import Box, Char, Line, Page, cut_line
from ..errors import UsageError
from .image_io import InputPage


@dataclass(frozen=True)
class RegionConfig:
    margin: int = 64  # page px read around each region: context for the network, whole glyphs at its edges
    slack: float = 3.0  # px a glyph's centre may lie outside its region
    whole_page_share: float = 0.5  # read the page whole when the crops cover more of it than this

    def __post_init__(self) -> None:
        if self.margin < 0 or not self.slack >= 0 or not 0 < self.whole_page_share <= 1:
            raise ValueError("RegionConfig: margin >= 0, slack >= 0 and 0 < whole_page_share <= 1")


@dataclass
class Region:
    """One region of one page: the box asked for (page px) and the lines read inside it."""

    box: Box
    lines: list[Line] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(ln.text for ln in self.lines)

    @property
    def chars(self) -> list[Char]:
        return [c for ln in self.lines for c in ln.chars]

    def to_dict(self) -> dict[str, Any]:
        return {"bbox": [round(v, 4) for v in self.box], "text": self.text,
                "lines": [ln.to_dict() for ln in self.lines]}


def parse_region(text: str) -> Box:
    """``"x0,y0,x1,y1"`` (page px, numbers) -> a box; a UsageError line when it is not one."""
    parts = [p.strip() for p in str(text).split(",")]
    try:
        vals = [float(p) for p in parts]
    except ValueError:
        vals = []
    if len(vals) != 4:
        raise UsageError(f"region {text!r} is not x0,y0,x1,y1 (four numbers, page pixels)")
    return check_region(vals)


def check_region(box: Sequence[float]) -> Box:
    """A region as four finite floats with x0 < x1 and y0 < y1, or a UsageError line."""
    try:
        x0, y0, x1, y1 = (float(v) for v in box)
    except (TypeError, ValueError):
        raise UsageError(f"region {box!r} is not [x0, y0, x1, y1] (four numbers, page pixels)") from None
    if not all(math.isfinite(v) for v in (x0, y0, x1, y1)):
        raise UsageError(f"region {[x0, y0, x1, y1]} holds a number that is not finite")
    if not (x1 > x0 and y1 > y0):
        raise UsageError(f"region {[x0, y0, x1, y1]} is empty: it needs x0 < x1 and y0 < y1")
    return (x0, y0, x1, y1)


def read_regions(pred, gray: np.ndarray, boxes: Sequence[Sequence[float]],
                 cfg: RegionConfig = RegionConfig()) -> list[Region]:
    """Read the regions ``boxes`` (page px) of the uint8 ``(H, W)`` page ``gray`` with ``pred`` (a
    ``pxocr.infer.Predictor``): one Region per box, in the order given, boxes in page px."""
    h, w = gray.shape
    regions = [Region(check_region(b)) for b in boxes]
    crops = [_crop(r.box, w, h, cfg.margin + cfg.slack) for r in regions]
    cover = sum((c[2] - c[0]) * (c[3] - c[1]) for c in crops if c is not None)
    if cover > cfg.whole_page_share * w * h:
        lines = pred.predict(gray).lines
        for r in regions:
            r.lines = select(lines, r.box, cfg.slack)
        return regions
    for r, c in zip(regions, crops):
        if c is None:
            continue  # off the page: nothing inside
        x0, y0, x1, y1 = c
        read = pred.predict(np.ascontiguousarray(gray[y0:y1, x0:x1])).lines
        r.lines = select([shift_line(ln, x0, y0) for ln in read], r.box, cfg.slack)
    return regions


def read_page_regions(pred, page: InputPage, boxes: Sequence[Sequence[float]],
                      cfg: RegionConfig = RegionConfig()) -> tuple[Page, list[Region]]:
    """One input page's regions (``read_regions``) and the page holding their lines (``region_page``),
    named and sized as ``Predictor.read_page`` names and sizes a whole page."""
    regions = read_regions(pred, page.gray, boxes, cfg)
    h, w = page.gray.shape
    out = region_page(Page(w, h, [], os.path.basename(page.name), page.dpi, page.size_pt), regions)
    return out, regions


def region_page(page: Page, regions: list[Region]) -> Page:
    """``page`` holding only its regions' lines, region after region; each line records its
    region's index as the extra key ``region`` (a glyph in two regions appears in both)."""
    lines = []
    for k, r in enumerate(regions):
        for ln in r.lines:
            lines.append(Line(ln.text, ln.bbox, ln.chars, ln.score, {**ln.extra, "region": k}, ln.baseline,
                              ln.font_size))
    out = Page(page.width, page.height, lines, page.image)
    out.dpi, out.page_size_pt = page.dpi, page.page_size_pt
    return out


def select(lines: list[Line], box: Box, slack: float = 3.0) -> list[Line]:
    """The parts of ``lines`` (page px) inside ``box`` by the module's rule, in reading order."""
    x0, y0, x1, y1 = box[0] - slack, box[1] - slack, box[2] + slack, box[3] + slack
    out = []
    for ln in lines:
        if not ln.chars:
            continue
        b = np.array([c.bbox for c in ln.chars], dtype=np.float64)  # (n, 4)
        my = float(np.median((b[:, 1] + b[:, 3]) / 2))
        if not y0 <= my <= y1:
            continue
        cx = (b[:, 0] + b[:, 2]) / 2
        keep = (cx >= x0) & (cx <= x1)
        if keep.all():
            out.append(ln)
        elif keep.any():
            out.append(cut_line(ln, keep))
    return out


def shift_line(line: Line, dx: float, dy: float) -> Line:
    """The line moved by (dx, dy) px: its box, its glyphs' boxes and its baseline."""
    if dx == 0 and dy == 0:
        return line
    chars = [Char(c.char, _moved(c.bbox, dx, dy), c.score, dict(c.extra)) for c in line.chars]
    base = None if line.baseline is None else float(line.baseline) + dy
    return Line(line.text, _moved(line.bbox, dx, dy), chars, line.score, dict(line.extra), base, line.font_size)


def _moved(b: Box, dx: float, dy: float) -> Box:
    return (b[0] + dx, b[1] + dy, b[2] + dx, b[3] + dy)


def _crop(box: Box, w: int, h: int, grow: float) -> Optional[tuple[int, int, int, int]]:
    """The whole-pixel window of the page holding ``box`` grown by ``grow`` px; None when the box
    misses the page."""
    x0, y0 = max(0, math.floor(box[0] - grow)), max(0, math.floor(box[1] - grow))
    x1, y1 = min(w, math.ceil(box[2] + grow)), min(h, math.ceil(box[3] + grow))
    if x1 <= x0 or y1 <= y0 or box[2] < 0 or box[3] < 0 or box[0] > w or box[1] > h:
        return None
    return x0, y0, x1, y1
