"""Document-like pages in many fonts: proportional text with kerning and exact ink boxes.

The layout flows top to bottom: headings, paragraphs (left-aligned, or justified), two or
three columns, tables with aligned columns and lists; where asked (``p_rules``), rules drawn in text
too: separator lines of one character repeated, a table's ASCII border, a contents line's leader;
and (``p_scripts``) formulas and text with sub- and superscripts, drawn smaller, lowered or raised,
and read in line.
A page has a body face and a heading face (catalogued families and styles, ``pxocr.synth.fonts``);
each line is one face at one size. Each character is rendered alone at its own pen position
(HarfBuzz advances with the font's kerning), so kerned pairs and overlapping italics keep exact ink
boxes (DESIGN.md 1.1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..boxes import union_box
from ..document import Char, Line
from ..errors import UsageError
from . import text as textgen
from .fonts import Face
from .glyphs import GlyphRenderer, stamp

ASCII = "".join(chr(c) for c in range(0x21, 0x7F))
GLYPH_CACHE = 400  # rendered glyphs kept per face: many faces, so a small cache each


SCRIPT_SHAPE = (0.7, 0.2, 0.4)  # a script's size, drop and rise, in em of its line (a formula block draws its own)


@dataclass(frozen=True)
class TextLine:
    """One line to draw: its text, the pen x of each character (px), baseline y, em and font."""

    text: str
    pens: tuple[float, ...]
    baseline: float
    size: float
    font: str
    family: str = ""
    style: str = ""
    scripts: str = ""  # per character: "b" on the baseline, "_" a subscript, "^" a superscript; "" = all "b"
    script_shape: tuple[float, float, float] = SCRIPT_SHAPE


def script_size(size: float, ratio: float) -> float:
    """A script's em (px) on a line of em ``size``: ``ratio`` of it, to a quarter pixel (few sizes: the
    glyph cache keeps them)."""
    return max(1.0, round(size * ratio * 4) / 4)


def _runs(text: str) -> list[tuple[str, str]]:
    """A token's text with script marks (``pxocr.synth.text.SUB``, ``SUP``, ``END``) as runs of
    (characters, mark): "b" on the baseline, "_" a subscript, "^" a superscript."""
    out, mark, cur = [], "b", ""
    for ch in text:
        if ch in (textgen.SUB, textgen.SUP, textgen.END):
            if cur:
                out.append((cur, mark))
            cur, mark = "", {textgen.SUB: "_", textgen.SUP: "^", textgen.END: "b"}[ch]
        else:
            cur += ch
    if cur:
        out.append((cur, mark))
    return out


@lru_cache(maxsize=None)
def face_renderer(path: str) -> GlyphRenderer:
    """The renderer of one font file, checked to hold every printable ASCII character."""
    r = GlyphRenderer(path, cache_limit=GLYPH_CACHE)
    missing = r.missing(ASCII)
    if missing:
        raise UsageError(f"{path}: font lacks characters {missing!r}")
    return r


class _Writer:
    """Lays out text in one face at one size: word widths, wrapping, alignment."""

    def __init__(self, face: Face, size: float, script_shape: tuple[float, float, float] = SCRIPT_SHAPE) -> None:
        self.face, self.size, self.script_shape = face, size, script_shape
        self.rend = face_renderer(face.path)
        self.space = self.rend.advance(" ") * size
        self.line_h = (self.rend.ink_top + self.rend.ink_bottom) * size

    def width(self, s: str) -> float:
        return float(self._pens(s)[2][-1])

    def _pens(self, text: str) -> tuple[str, str, np.ndarray]:
        """``text`` (script marks and all) as its characters, their marks ("" where none is a script)
        and pen x (px, n + 1): kerned within each run, a script's run at the script's size."""
        if not any(m in text for m in (textgen.SUB, textgen.SUP)):
            plain = text.replace(textgen.END, "")
            return plain, "", self.rend.pens(plain) * self.size
        chars, marks, pens, x = "", "", [], 0.0
        for run, mark in _runs(text):
            p = self.rend.pens(run) * (self.size if mark == "b" else script_size(self.size, self.script_shape[0]))
            chars, marks = chars + run, marks + mark * len(run)
            pens += (x + p[:-1]).tolist()
            x += float(p[-1])
        return chars, marks, np.array(pens + [x])

    def wrap(self, tokens: list[str], col_w: float) -> list[list[str]]:
        """Greedy wrapping of tokens into lines no wider than ``col_w`` (a token wider than
        the column is a line of its own, cut to fit)."""
        lines: list[list[str]] = []
        cur: list[str] = []
        used = 0.0
        for t in tokens:
            w = self.width(t)
            if cur and used + self.space + w > col_w:
                lines.append(cur)
                cur, used = [], 0.0
            if not cur and w > col_w:
                while len(t) > 1 and self.width(t) > col_w:
                    t = t[:-1]
                w = self.width(t)
            cur.append(t)
            used += w + (self.space if len(cur) > 1 else 0.0)
        if cur:
            lines.append(cur)
        return lines

    def line(self, tokens: list[str], x: float, baseline: float, col_w: float, align: str = "left") -> TextLine:
        """Tokens set on one line from ``x``: aligned left, right or centred in ``col_w``, or
        ``justify``: spaces widened so the line fills the column."""
        text, scripts, pens = self._pens(" ".join(tokens))
        slack = max(0.0, col_w - pens[-1])
        if align == "justify" and len(tokens) > 1:
            spaces = np.cumsum([c == " " for c in text])  # spaces before or at each character
            pens[:-1] += spaces * slack / (len(tokens) - 1)
        elif align in ("right", "centre"):
            pens += slack if align == "right" else slack / 2
        return TextLine(text, tuple(float(v) for v in x + pens[:-1]), baseline, self.size, self.face.path,
                        self.face.family, self.face.style, scripts, self.script_shape)

    def cells(self, cells: list[str], xs: list[float], widths: list[float], right: list[bool],
              baseline: float) -> list[TextLine]:
        """A table row: cell k in the column at ``xs[k]`` of ``widths[k]``, right-aligned where
        ``right[k]``; each cell is a line of its own, as a PDF's text gives a table's cells and as
        pxocr splits a line at a gap of ``column_gap_em``."""
        out = []
        for c, x, w, r in zip(cells, xs, widths, right):
            p = self.rend.pens(c) * self.size
            off = x + (w - p[-1] if r else 0.0)
            out.append(TextLine(c, tuple(float(v) for v in off + p[:-1]), baseline, self.size, self.face.path,
                                self.face.family, self.face.style))
        return out


def _choose(rng: np.random.Generator, seq):
    return seq[int(rng.integers(len(seq)))]


def _face(rng: np.random.Generator, faces: tuple[Face, ...], family: str, weights: dict[str, float]) -> Face:
    """A face of ``family`` with a style drawn by ``weights`` among the styles it has."""
    own = [f for f in faces if f.family == family]
    styles = sorted({f.style for f in own}, key=lambda s: list(weights).index(s))
    p = np.array([weights[s] for s in styles])
    style = styles[int(rng.choice(len(styles), p=p / p.sum()))]
    return _choose(rng, [f for f in own if f.style == style])


BODY_STYLES = {"regular": 0.7, "italic": 0.14, "bold": 0.1, "bold-italic": 0.06}
HEAD_STYLES = {"bold": 0.55, "regular": 0.3, "bold-italic": 0.08, "italic": 0.07}
MATH_STYLES = {"italic": 0.5, "regular": 0.4, "bold": 0.05, "bold-italic": 0.05}  # formulas: italic variables


def _quantise(size: float, step: float) -> float:
    return max(step, round(size / step) * step)


def layout(rng: np.random.Generator, width: int, height: int, faces: tuple[Face, ...], size_min: float,
           size_max: float, size_step: float, margin: float, p_symbols: float, p_rules: float = 0.0,
           p_scripts: float = 0.0) -> list[TextLine]:
    """The lines of one page of ``width`` x ``height`` px, blocks flowing down the page; ``p_rules`` of
    the blocks rules drawn in text (:func:`_rules`), ``p_scripts`` formulas and text with scripts
    (:func:`_formulas`); at 0 each, the page is drawn as before they existed."""
    families = sorted({f.family for f in faces})
    body_family = _choose(rng, families)
    head_family = body_family if rng.random() < 0.6 else _choose(rng, families)
    body = _quantise(math.exp(rng.uniform(math.log(size_min), math.log(size_max))), size_step)
    lines: list[TextLine] = []
    y = margin + float(rng.uniform(0, 0.15)) * height
    for _ in range(60):
        if p_rules and rng.random() < p_rules:
            kind = "rules"
        elif p_scripts and rng.random() < p_scripts:
            kind = "formulas"
        else:
            kind = _choose(rng, ["para", "para", "para", "heading", "columns", "table", "list"])
        if kind == "heading":
            size = _quantise(min(size_max, body * float(rng.uniform(1.1, 2.0))), size_step)
            face = _face(rng, faces, head_family, HEAD_STYLES)
        else:
            size = body if rng.random() < 0.8 else _quantise(
                float(np.clip(body * rng.uniform(0.7, 1.3), size_min, size_max)), size_step)
            face = _face(rng, faces, body_family, MATH_STYLES if kind == "formulas" else BODY_STYLES)
        wr = _Writer(face, size, _script_shape(rng) if kind == "formulas" else SCRIPT_SHAPE)
        x = margin + float(rng.uniform(0, 0.2)) * width
        col_w = float(rng.uniform(0.35, 1.0)) * (width - margin - x)
        top = y + wr.rend.ink_top * size
        room = int((height - margin - top - wr.rend.ink_bottom * size) // (wr.line_h * 1.05)) + 1
        if room < 1 or col_w < 2 * size:
            break
        spacing = wr.line_h * float(rng.uniform(1.05, 1.5))
        block = _BLOCKS[kind](rng, wr, x, top, col_w, spacing, room, p_symbols)
        if not block:
            break
        block = [ln for ln in block if ln.baseline + wr.rend.ink_bottom * size <= height - margin]
        lines += block
        if not block:
            break
        y = max(ln.baseline for ln in block) + wr.rend.ink_bottom * size + float(rng.uniform(0.3, 1.5)) * size
    return lines


def _para(rng, wr: _Writer, x, top, col_w, spacing, room, p_symbols) -> list[TextLine]:
    n = min(room, int(rng.integers(1, 13)))
    rows = wr.wrap(textgen.prose(rng, 14 * n, p_symbols), col_w)[:n]
    align = _choose(rng, ["left", "left", "justify", "justify", "right", "centre"])
    return [wr.line(r, x, top + i * spacing, col_w, "left" if align == "justify" and i == len(rows) - 1 else align)
            for i, r in enumerate(rows)]


def _heading(rng, wr: _Writer, x, top, col_w, spacing, room, p_symbols) -> list[TextLine]:
    words = textgen.prose(rng, int(rng.integers(1, 7)), p_symbols)
    if rng.random() < 0.3:
        words = [".".join(str(int(v)) for v in rng.integers(1, 10, int(rng.integers(1, 4))))] + words
    if rng.random() < 0.25:
        words = [w.upper() for w in words]
    rows = wr.wrap(words, col_w)[:min(room, 2)]
    return [wr.line(r, x, top + i * spacing, col_w, _choose(rng, ["left", "left", "centre"]))
            for i, r in enumerate(rows)]


def _columns(rng, wr: _Writer, x, top, col_w, spacing, room, p_symbols) -> list[TextLine]:
    n_cols = int(rng.integers(2, 4))
    gutter = wr.size * float(rng.uniform(1, 3))
    w = (col_w - gutter * (n_cols - 1)) / n_cols
    if w < 3 * wr.size:
        return _para(rng, wr, x, top, col_w, spacing, room, p_symbols)
    n = min(room, int(rng.integers(2, 13)))
    align = _choose(rng, ["left", "justify"])
    out = []
    for c in range(n_cols):
        rows = wr.wrap(textgen.prose(rng, 10 * n, p_symbols), w)[:n]
        cx = x + c * (w + gutter)
        out += [wr.line(r, cx, top + i * spacing, w, "left" if align == "justify" and i == len(rows) - 1 else align)
                for i, r in enumerate(rows)]
    return out


_CELLS = (textgen.number, textgen.amount, textgen.date, textgen.code, textgen.prose_word)


def _table(rng, wr: _Writer, x, top, col_w, spacing, room, p_symbols) -> list[TextLine]:
    n_rows = min(room, int(rng.integers(2, 11)))
    kinds = [int(rng.integers(len(_CELLS))) for _ in range(int(rng.integers(2, 6)))]
    grid = [[_CELLS[k](rng).replace(" ", "") for k in kinds] for _ in range(n_rows)]
    if rng.random() < 0.5:  # a header row of words
        grid[0] = [textgen.prose_word(rng).capitalize() for _ in kinds]
    widths = [max(wr.width(row[k]) for row in grid) for k in range(len(kinds))]
    gutter = wr.size * float(rng.uniform(0.8, 3))
    while len(widths) > 1 and sum(widths) + gutter * (len(widths) - 1) > col_w:  # drop columns that do not fit
        widths.pop()
        grid = [row[:-1] for row in grid]
    if sum(widths) > col_w:
        return []
    xs = list(x + np.cumsum([0.0] + [w + gutter for w in widths[:-1]]))
    right = [_CELLS[k] in (textgen.number, textgen.amount) for k in kinds[:len(widths)]]
    return [cell for i, row in enumerate(grid) for cell in wr.cells(row, xs, widths, right, top + i * spacing)]


def _list(rng, wr: _Writer, x, top, col_w, spacing, room, p_symbols) -> list[TextLine]:
    n = min(room, int(rng.integers(2, 8)))
    marks = _choose(rng, [["-"] * n, ["*"] * n, [f"{i + 1}." for i in range(n)], [f"({chr(97 + i)})" for i in range(n)],
                          [f"{i + 1})" for i in range(n)]])
    indent = wr.width("(m)") + wr.space * 2
    out = []
    for i in range(n):
        words = wr.wrap(textgen.prose(rng, int(rng.integers(2, 10)), p_symbols), col_w - indent)[0]
        item = wr.line(words, x + indent, top + i * spacing, col_w - indent)
        mark = wr.line([marks[i]], x, top + i * spacing, col_w)
        out.append(TextLine(f"{marks[i]} {item.text}", mark.pens + (mark.pens[-1],) + item.pens, item.baseline,
                            item.size, item.font, item.family, item.style))
    return out


SEPARATOR_MARKS = "-=*~#+."  # separators of one character repeated ('_' left out: its run is one unbroken line)
RULE_PREFIXES = ("", "", "", "%", "#", "//", "/*", "--", ";", "<!--")


def _rules(rng, wr: _Writer, x, top, col_w, spacing, room, p_symbols) -> list[TextLine]:
    """1-4 lines of rules drawn in text: a separator (one character repeated, after a comment mark or
    not), an ASCII table's border (``+-----+---+``), or a contents line (words, a leader of dots,
    spaced or not, or dashes, then a page number)."""
    out = []
    for i in range(min(room, int(rng.integers(1, 5)))):
        kind = rng.random()
        if kind < 0.4:
            prefix = _choose(rng, RULE_PREFIXES)
            tokens = [prefix + _choose(rng, SEPARATOR_MARKS) * int(rng.integers(3, 80))]
        elif kind < 0.6:
            tokens = ["+" + "+".join("-" * int(rng.integers(2, 14)) for _ in range(int(rng.integers(1, 6)))) + "+"]
        else:
            title = textgen.prose(rng, int(rng.integers(1, 5)), p_symbols)
            number = str(int(rng.integers(1, 400)))
            while len(title) > 1 and wr.width(" ".join(title + ["...", number])) > col_w:
                title.pop()
            dot = _choose(rng, [".", ".", "-", ". "])
            fill = max(3, int((col_w - wr.width(" ".join(title + [number])) - 2 * wr.space) / max(wr.width(dot), 1.0)))
            tokens = title + (["."] * fill if dot == ". " else [dot * fill]) + [number]
        row = wr.wrap(tokens, col_w)[0]
        out.append(wr.line(row, x, top + i * spacing, col_w))
    return out


def _script_shape(rng: np.random.Generator) -> tuple[float, float, float]:
    """A script's size, drop (subscripts) and rise (superscripts), in em of its line: TeX's and word
    processors' settings lie within these."""
    return float(rng.uniform(0.58, 0.8)), float(rng.uniform(0.1, 0.3)), float(rng.uniform(0.3, 0.48))


def _formulas(rng, wr: _Writer, x, top, col_w, spacing, room, p_symbols) -> list[TextLine]:
    """1-6 lines of formulas (``x_1 = a_{11}x_{m+1} + ...``) and of running text with sub- and
    superscripts in it (variables, powers, chemical formulas, footnotes' marks), set further apart
    (scripts reach past a line's ink), left-aligned or centred."""
    out = []
    spacing *= 1.15
    for i in range(min(room, int(rng.integers(1, 7)))):
        if rng.random() < 0.5:
            tokens, align = textgen.equation(rng), _choose(rng, ["left", "centre"])
        else:
            tokens, align = textgen.math_prose(rng, int(rng.integers(4, 14)), p_symbols), "left"
        row = wr.wrap(tokens, col_w)[0]
        out.append(wr.line(row, x, top + i * spacing, col_w, align))
    return out


_BLOCKS = {"para": _para, "heading": _heading, "columns": _columns, "table": _table, "list": _list, "rules": _rules,
           "formulas": _formulas}


def render(lines: list[TextLine], height: int, width: int) -> tuple[np.ndarray, list[Line]]:
    """Ink coverage (height, width) float32 and the ground-truth lines (unordered)."""
    cov = np.zeros((height, width), np.float32)
    out: list[Line] = []
    for tl in lines:
        rend = face_renderer(tl.font)
        chars = []
        scale, drop, rise = tl.script_shape
        for ch, pen, mark in zip(tl.text, tl.pens, tl.scripts or "b" * len(tl.text)):
            if ch != " ":
                size, base = (tl.size, tl.baseline) if mark == "b" else \
                    (script_size(tl.size, scale), tl.baseline + (drop if mark == "_" else -rise) * tl.size)
                g, gx, gy, ink = rend.place(ch, size, pen, base)
                stamp(cov, g.coverage, gx, gy)
                chars.append(Char(ch, ink))
        if chars:
            boxes = np.array([c.bbox for c in chars])
            bbox = union_box(boxes)
            extra = {"font": tl.family, "style": tl.style} if tl.family else {}
            out.append(Line(tl.text, bbox, chars, extra=extra, baseline=round(tl.baseline, 4), font_size=tl.size))
    return cov, out
