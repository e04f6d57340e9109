"""Text search on read pages (grounding): where exactly is this text, glyph by glyph.

``find_in_pages(pages, query)`` returns every occurrence of ``query`` in the pages' text with its
glyphs' boxes, their union box, the line(s) it lies on and its edit distance (Levenshtein:
insertions, deletions and substitutions of single characters). The rules:

- The query's runs of white space count as one space; so do the page's (a wide gap in a line is
  one space). Matches never begin or end with a space.
- Without ``across_lines`` a match lies within one line; with it, a line break counts as a space,
  so a phrase broken over two lines is found (its union box then spans both).
- ``ignore_case`` compares lower-cased characters.
- With ``max_edits`` K > 0 a match is any stretch of the text at most K edits from the query.
  Where stretches overlap, the closest one wins (fewest edits, then one that starts and ends at
  word boundaries, then the length nearest the query's, then the leftmost); occurrences never
  overlap, and come in page order.

Boxes are the document's (DESIGN.md 1.1): page pixels of the input image.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence

from .boxes import union_of
from .document import Box, Char, Line, Page
from .errors import UsageError


@dataclass
class Match:
    """One occurrence: its text as on the page, where it is and how far from the query."""

    text: str
    page: int  # index of the page (0-based)
    lines: list[int]  # indices of the page's lines it covers (one unless across lines)
    start: int  # offset of its first character in the first line's text
    end: int  # offset after its last character in the last line's text
    edits: int
    chars: list[Char]

    @property
    def line(self) -> int:
        return self.lines[0]

    @property
    def bbox(self) -> Box:
        """The union of the match's glyph boxes."""
        return union_of(c.bbox for c in self.chars)

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "page": self.page, "line": self.line, "lines": self.lines,
                "start": self.start, "end": self.end, "edits": self.edits,
                "bbox": [round(v, 4) for v in self.bbox], "chars": [c.to_dict() for c in self.chars]}

    def describe(self) -> str:
        """One line: ``page:line: [x0, y0, x1, y1] N edits: text`` (page and line counted from 1)."""
        box = ", ".join(f"{v:.4f}" for v in self.bbox)
        edits = f"{self.edits} edit{'' if self.edits == 1 else 's'}"
        return f"{self.page + 1}:{self.line + 1}: [{box}] {edits}: {self.text}"

    def as_line(self) -> Line:
        """The match as a document line (for drawing it with ``pxocr.writers.overlay``)."""
        return Line(self.text, self.bbox, self.chars, None)


def overlay_png(gray, page: Page, matches: Sequence[Match], zoom: int = 2) -> bytes:
    """PNG bytes of the ``(H, W)`` uint8 page with the matches drawn (``pxocr.writers.overlay``: each
    glyph's box, and each match's union box as a lighter line box, in red)."""
    import io

    from .writers.overlay import draw_boxes

    found = Page(page.width, page.height, [m.as_line() for m in matches], page.image)
    buf = io.BytesIO()
    draw_boxes(gray, pred=found, zoom=zoom).save(buf, format="PNG")
    return buf.getvalue()


@dataclass(frozen=True)
class _Pos:
    line: int
    offset: int  # in the line's text
    char: Optional[Char]  # None for a space (or a line break)


def check_query(query: str, max_edits: int = 0) -> str:
    """The query with white space collapsed; a UsageError line when it is empty or ``max_edits``
    is negative or not smaller than its length (every stretch would match)."""
    q = " ".join(str(query).split())
    if not q:
        raise UsageError("the text to find is empty")
    if int(max_edits) != max_edits or max_edits < 0:
        raise UsageError(f"max edits must be a whole number >= 0, not {max_edits}")
    if max_edits >= len(q):
        raise UsageError(f"max edits ({max_edits}) must be smaller than the text's length ({len(q)})")
    return q


def find_in_pages(pages: Sequence[Page], query: str, ignore_case: bool = False, max_edits: int = 0,
                  across_lines: bool = False) -> list[Match]:
    """Every occurrence of ``query`` in ``pages`` (module docstring), page by page in text order."""
    q = check_query(query, max_edits)
    out: list[Match] = []
    for k, page in enumerate(pages):
        groups = [list(enumerate(page.lines))] if across_lines else [[(i, ln)] for i, ln in enumerate(page.lines)]
        for group in groups:
            text, pos = _haystack(group)
            for s, e, d in _search(_fold(text, ignore_case), _fold(q, ignore_case), int(max_edits)):
                chars = [p.char for p in pos[s:e] if p.char is not None]
                lines = sorted({p.line for p in pos[s:e] if p.char is not None})
                out.append(Match(text[s:e], k, lines, pos[s].offset, pos[e - 1].offset + 1, d, chars))
    return out


def _haystack(lines: list[tuple[int, Line]]) -> tuple[str, list[_Pos]]:
    """The lines' text, runs of spaces and line breaks as one space, and where each character is."""
    text: list[str] = []
    pos: list[_Pos] = []
    for i, ln in lines:
        chars = iter(ln.chars)
        for off, ch in enumerate(ln.text):
            if ch == " ":
                if text and text[-1] != " ":
                    text.append(" ")
                    pos.append(_Pos(i, off, None))
                continue
            text.append(ch)
            pos.append(_Pos(i, off, next(chars)))
        if text and text[-1] != " ":
            text.append(" ")  # the line break
            pos.append(_Pos(i, len(ln.text), None))
    if text and text[-1] == " ":
        text.pop()
        pos.pop()
    return "".join(text), pos


def _fold(text: str, ignore_case: bool) -> str:
    """Lower-cased character by character (a character whose lower case is longer stays), so
    offsets keep their meaning."""
    if not ignore_case:
        return text
    return "".join(lo if len(lo := c.lower()) == 1 else c for c in text)


def _search(h: str, q: str, k: int) -> list[tuple[int, int, int]]:
    """Non-overlapping (start, end, edits) of stretches of ``h`` at most ``k`` edits from ``q``."""
    if k == 0:
        out, s = [], h.find(q)
        while s >= 0:
            out.append((s, s + len(q), 0))
            s = h.find(q, s + len(q))
        return out
    from rapidfuzz.distance import Levenshtein

    m, n = len(q), len(h)
    found = []
    for s in range(n):
        if h[s] == " ":
            continue
        for length in range(max(1, m - k), m + k + 1):
            e = s + length
            if e > n:
                break
            if h[e - 1] == " ":
                continue
            d = Levenshtein.distance(q, h[s:e], score_cutoff=k)
            if d <= k:
                aligned = (s == 0 or h[s - 1] == " ") and (e == n or h[e] == " ")
                found.append((d, not aligned, abs(length - m), s, e))
    taken = bytearray(n)
    out = []
    for d, _, _, s, e in sorted(found):
        if not any(taken[s:e]):
            taken[s:e] = b"\x01" * (e - s)
            out.append((s, e, d))
    return sorted(out)
