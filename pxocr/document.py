"""The document tree: page -> lines -> chars, in the input image's pixels.

One structure for predictions and synthetic ground truth (DESIGN.md 1.2). Boxes follow
DESIGN.md 1.1: ``[x0, y0, x1, y1]`` floats, pixel column ``i`` covers ``[i, i+1)``.
``Line.text`` includes spaces; ``Line.chars`` holds the non-space characters in order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

import numpy as np

from .boxes import union_box, union_of

Box = tuple[float, float, float, float]


def _box(b: Iterable[float]) -> Box:
    x0, y0, x1, y1 = map(float, b)
    if not (x1 >= x0 and y1 >= y0):
        raise ValueError(f"box {[x0, y0, x1, y1]} has x1 < x0 or y1 < y0")
    return (x0, y0, x1, y1)


def _round(b: Box, nd: int = 4) -> list[float]:
    return [round(v, nd) for v in b]


@dataclass
class Char:
    char: str
    bbox: Box
    score: Optional[float] = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.char) != 1 or self.char == " ":
            raise ValueError(f"a Char holds one non-space character, got {self.char!r}")
        self.bbox = _box(self.bbox)

    def to_dict(self) -> dict[str, Any]:
        return _char_dicts([self])[0]


def _char_dicts(chars: list[Char]) -> list[dict[str, Any]]:
    """The chars' JSON objects, boxes and scores rounded to 4 decimals in one NumPy call
    (``round`` number by number was most of the JSON writer's time)."""
    if not chars:
        return []
    values = np.round(np.array([(*c.bbox, np.nan if c.score is None else c.score) for c in chars]), 4).tolist()
    out = []
    for c, v in zip(chars, values):
        d: dict[str, Any] = {"char": c.char, "bbox": v[:4]}
        if c.score is not None:
            d["score"] = v[4]
        d.update(c.extra)
        out.append(d)
    return out


@dataclass
class Line:
    text: str
    bbox: Box
    chars: list[Char]
    score: Optional[float] = None
    extra: dict[str, Any] = field(default_factory=dict)
    baseline: Optional[float] = None  # y of the line's baseline, px
    font_size: Optional[float] = None  # its em, px

    def __post_init__(self) -> None:
        self.bbox = _box(self.bbox)
        if self.text.replace(" ", "") != "".join(c.char for c in self.chars):
            raise ValueError(f"line text {self.text!r} does not match its chars")
        for name in ("baseline", "font_size"):
            if name in self.extra:
                raise ValueError(f"a line's {name} is its own field, not an extra key")

    @property
    def words(self) -> list[list[Char]]:
        """The line's characters grouped into its space-separated words, in order."""
        chars = iter(self.chars)
        return [[next(chars) for _ in word] for word in self.text.split()]

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"text": self.text, "bbox": _round(self.bbox)}
        if self.score is not None:
            d["score"] = round(float(self.score), 4)
        if self.baseline is not None:
            d["baseline"] = self.baseline
        if self.font_size is not None:
            d["font_size"] = self.font_size
        d.update(self.extra)
        d["chars"] = _char_dicts(self.chars)
        return d


_LINE_KEYS = ("text", "bbox", "score", "chars", "baseline", "font_size")  # a line's own JSON keys, not extra


@dataclass
class Page:
    width: int
    height: int
    lines: list[Line]
    image: str = ""
    dpi: Optional[float] = None  # the resolution a PDF page was rendered at
    page_size_pt: Optional[tuple[float, float]] = None  # a PDF page's (width, height) in points

    @property
    def text(self) -> str:
        """Page text: lines joined by newlines (the CER/WER reference, DESIGN.md 1.3)."""
        return "\n".join(line.text for line in self.lines)

    @property
    def chars(self) -> list[Char]:
        return [c for line in self.lines for c in line.chars]

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"image": self.image, "width": int(self.width), "height": int(self.height)}
        if self.dpi is not None:
            d["dpi"] = round(float(self.dpi), 4)
        if self.page_size_pt is not None:
            d["page_size_pt"] = [round(float(v), 4) for v in self.page_size_pt]
        d["lines"] = [line.to_dict() for line in self.lines]
        return d

    def to_json(self, indent: Optional[int] = None) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Page":
        lines = []
        for ld in d.get("lines", []):
            chars = [
                Char(cd["char"], cd["bbox"], cd.get("score"),
                     {k: v for k, v in cd.items() if k not in ("char", "bbox", "score")})
                for cd in ld.get("chars", [])
            ]
            extra = {k: v for k, v in ld.items() if k not in _LINE_KEYS}
            lines.append(Line(ld["text"], ld["bbox"], chars, ld.get("score"), extra, ld.get("baseline"),
                              ld.get("font_size")))
        size = d.get("page_size_pt")
        return cls(int(d.get("width", 0)), int(d.get("height", 0)), lines, str(d.get("image", "")),
                   d.get("dpi"), (float(size[0]), float(size[1])) if size else None)


def load_pages(path: str) -> list[Page]:
    """Read a result/ground-truth JSON file: one page, or ``{"pages": [...]}``."""
    with open(path, encoding="utf-8") as f:
        d = json.load(f)
    if "pages" in d:
        return [Page.from_dict(p) for p in d["pages"]]
    return [Page.from_dict(d)]


def reading_order(boxes: list[Box]) -> list[int]:
    """Indices of line boxes in reading order: top to bottom, then left to right.

    Lines whose vertical extents overlap by more than half the smaller height form one
    row (for example the same line in two columns); rows go top to bottom, lines within
    a row left to right. A row never stacks two lines of one column: a taller line beside
    a table's rows joins one of them, the one it overlaps most, and does not chain them
    into one row read column by column (which a pixel of a box would decide). Lines of one
    row that still overlap horizontally go top to bottom among themselves: a column's
    lines must not be ordered by a tenth of a pixel of their left edges. Lines are taken
    by their vertical centres, ties by their boxes, so the order does not depend on the
    order they come in.
    """
    if len(boxes) == 0:
        return []
    b = np.asarray(boxes, np.float64).reshape(-1, 4)
    centre = (b[:, 1] + b[:, 3]) / 2
    order = np.lexsort((b[:, 2], b[:, 3], b[:, 0], b[:, 1], centre))
    centres = centre[order]
    rows: list[list[int]] = []
    for k, i in enumerate(order.tolist()):
        share = _row_share(b, i, rows[-1]) if rows else 0.0
        if share and not _better_row_below(b, i, share, order[k + 1:np.searchsorted(centres, b[i, 3], "right")],
                                           rows[-1]):
            rows[-1].append(i)
        else:
            rows.append([i])
    return [i for row in rows for i in _left_to_right(row, boxes)]


def with_char_boxes(lines: list[Line], boxes: np.ndarray) -> list[Line]:
    """``lines`` with their characters' boxes replaced by ``boxes`` (N, 4), one a character in the lines'
    order; each line's box the union of its characters' new ones."""
    out, k = [], 0
    for ln in lines:
        b = boxes[k:k + len(ln.chars)]
        chars = [Char(c.char, tuple(bx), c.score, c.extra) for c, bx in zip(ln.chars, b.tolist())]
        out.append(Line(ln.text, tuple(union_box(b).tolist()), chars, ln.score, ln.extra, ln.baseline, ln.font_size))
        k += len(ln.chars)
    return out


def cut_line(line: Line, keep: np.ndarray) -> Line:
    """The line's glyphs where ``keep`` (n,) is True: the spaces between kept glyphs as in the
    line's text, its box the union of theirs and its score their mean (the line's, where none has one)."""
    chars = [c for c, kk in zip(line.chars, keep.tolist()) if kk]
    text = _cut_text(line.text, keep)
    scores = [c.score for c in chars if c.score is not None]
    score: Optional[float] = float(np.mean(scores)) if scores else line.score
    return Line(text, union_of(c.bbox for c in chars), chars, score, dict(line.extra), line.baseline, line.font_size)


def _cut_text(text: str, keep: np.ndarray) -> str:
    """``text`` with the glyphs where ``keep`` is False taken out; spaces stay between two kept
    glyphs, a run of dropped glyphs between kept ones becomes one space."""
    out: list[str] = []
    gap = ""  # what separates the previous kept glyph from the next one
    k = -1
    for ch in text:
        if ch == " ":
            gap = gap + " " if gap != "x" else gap
            continue
        k += 1
        if keep[k]:
            if out:
                out.append(" " if gap == "x" else gap)
            out.append(ch)
            gap = ""
        elif out:
            gap = "x"
    return "".join(out)


def in_reading_order(lines: list[Line]) -> list[Line]:
    """``lines`` in :func:`reading_order` of their boxes."""
    return [lines[i] for i in reading_order([ln.bbox for ln in lines])]


def _overlap_shares(b: np.ndarray, i: int, others: np.ndarray) -> np.ndarray:
    """The vertical overlap of box ``i`` with each of boxes ``others`` (indices into ``b`` (n, 4)) over
    the smaller height of the two (0 when apart)."""
    c = b[others]
    overlap = np.minimum(b[i, 3], c[:, 3]) - np.maximum(b[i, 1], c[:, 1])
    smaller = np.minimum(b[i, 3] - b[i, 1], c[:, 3] - c[:, 1])
    return np.maximum(overlap, 0.0) / np.maximum(smaller, 1e-9)


def _row_share(b: np.ndarray, i: int, row: list[int]) -> float:
    """How well box ``i`` joins ``row``: its largest overlap share with a line of it when that is over
    half, and when no line of the row above or below it in one column (overlapping it
    horizontally, not vertically) would be stacked with it; else 0."""
    r = np.asarray(row)
    share = _overlap_shares(b, i, r)
    across = np.minimum(b[i, 2], b[r, 2]) > np.maximum(b[i, 0], b[r, 0])
    best = float(share.max())
    return best if best > 0.5 and not (across & (share <= 0.5)).any() else 0.0


def _better_row_below(b: np.ndarray, i: int, share: float, below: np.ndarray, row: list[int]) -> bool:
    """Whether line ``i``, which joins ``row`` by ``share``, overlaps a line further down (``below``:
    those whose centre lies above ``i``'s bottom) more, one that cannot join the row with ``i`` in it
    (it would stack in a column): then ``i`` starts that line's row instead."""
    if share >= 1.0 or not len(below):
        return False
    more = below[_overlap_shares(b, i, below) > share]
    return any(not _row_share(b, int(j), row + [i]) for j in more)


def _left_to_right(row: list[int], boxes: list[Box]) -> list[int]:
    """A row's lines left to right; lines that overlap horizontally form a column (transitively)
    and keep their top-to-bottom order. Columns go by their leftmost edge."""
    cols: list[list[int]] = []
    for i in sorted(row, key=lambda k: boxes[k][0]):
        if cols and boxes[i][0] < max(boxes[k][2] for k in cols[-1]):
            cols[-1].append(i)
        else:
            cols.append([i])
    return [i for col in cols for i in sorted(col, key=lambda k: (boxes[k][1] + boxes[k][3]) / 2)]
