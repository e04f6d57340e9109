"""Decoding as one pipeline of stages, each a module entered once and each a function of the
previous stage's output: raw map -> glyphs (``peaks``) -> rows and lines (``rows``, ``lines``)
-> the line head's reading of those lines (the network, by the caller's ``reader``) -> settled
classes, geometry and the page's lines (``settle``). The predictor and the tests run the same
functions."""

from __future__ import annotations

from typing import Callable, Optional

import numpy as np

from ..document import Line, Page
from .cell_spaces import space_leaders, space_monospaced
from .config import DecodeConfig
from .ctc import Reading
from .lines import draft_lines
from .peaks import Glyphs, find_glyphs
from .quotes import join_split_quotes
from .settle import settle
from .words import settle_words

LineReader = Callable[[np.ndarray], Reading]  # lines as rows (x0, x1, baseline, size) px (L, 4) -> their reading


def group_lines(g: Glyphs, cfg: DecodeConfig = DecodeConfig(), reader: Optional[LineReader] = None) -> list[Line]:
    """Glyphs -> the page's lines in reading order: drafted (``draft_lines``) from the glyphs that
    score ``cfg.threshold``, read by ``reader`` when given (a model's line head on the draft's
    geometry), settled (``settle``, with the weaker glyphs in reserve), look-alikes read by their
    word's shape where ``cfg.word_shape`` (``pxocr.decode.words``), after a double quote read as two
    glyphs is joined where ``cfg.join_quotes`` (``pxocr.decode.quotes``) and the spaces of monospaced
    lines are put on their empty cells where ``cfg.cell_spaces`` (``pxocr.decode.cell_spaces``)."""
    sure = g.heat >= cfg.threshold
    draft = draft_lines(g.take(np.flatnonzero(sure)), cfg)
    reading = reader(draft.geo) if reader is not None and cfg.ctc_weight > 0 and draft.segs else None
    reserve = g.take(np.flatnonzero(~sure))
    lines = [ln for ln in settle(draft, reading, cfg, reserve) if looks_like_text(ln, cfg)]
    if cfg.join_quotes:
        lines = join_split_quotes(lines)
    if cfg.cell_spaces and cfg.spacing == "proportional":
        lines = space_leaders(space_monospaced(lines))
    return settle_words(lines) if cfg.word_shape else lines


RULE_CHARS = "-_=~.'`"


def rule_marks(line: Line) -> bool:
    """Whether a line is one rule-like mark repeated ("-----", "_____", "....", "- --- -"): what a
    drawn rule reads as, and a rule printed in text (a separator, a leader of dots)."""
    ink = line.text.replace(" ", "")
    return len(ink) >= 3 and len(set(ink)) == 1 and ink[0] in RULE_CHARS


def looks_like_text(line: Line, cfg: DecodeConfig) -> bool:
    """False for what ruled lines, textures and shapes read as: a line scoring under
    ``cfg.min_line_score``, one made of a single rule-like mark repeated (``rule_marks``; spaced
    dots are the leaders of a table of contents) unless the reader tells a drawn rule from a printed
    one by its ink (``cfg.cut_pieces``: ``pxocr.decode.cut_ink.drawn_rule``), or one with a run of
    more than ``cfg.max_run`` equal letters ("nnnnnnnn")."""
    if line.score is not None and line.score < cfg.min_line_score:
        return False
    if not cfg.cut_pieces and rule_marks(line) and not ("." in line.text and " " in line.text):
        return False  # a drawn rule, read as "-----" or "- --- -" (spaced dots are printed: ". . . ." leaders)
    run, prev = 0, ""
    for c in line.text:
        run = run + 1 if c == prev and c.isalpha() else 1
        prev = c
        if run > cfg.max_run:
            return False
    return True


def decode(raw: np.ndarray, width: int, height: int, cfg: DecodeConfig = DecodeConfig(),
           image: str = "", reader: Optional[LineReader] = None) -> Page:
    """raw (7 + K, h, w) for an image of (height, width) px (before padding) -> Page."""
    g = find_glyphs(raw, cfg)
    inside = (g.boxes[:, 0] < width) & (g.boxes[:, 1] < height)
    return Page(width, height, group_lines(g.take(np.nonzero(inside)[0]), cfg, reader), image)
