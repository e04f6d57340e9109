"""Look-alikes settled by the shape of their word: a digit alone among letters (``P0SIXlt``,
``leap5``) is the letter it resembles, and a letter alone among digits (``2O19``) the digit, when the
glyph's own alternatives give that reading some weight.

The network tells ``0`` from ``O`` and ``5`` from ``S`` by the glyph alone; in a monospaced face
they differ by a hair. A word (a run of letters and digits) of at least :data:`MIN_OTHERS` of one kind
holding exactly one character of the other kind takes that character's look-alike among its
alternatives (``Char.extra["alternatives"]``, the probabilities the decoding settled on) when the
look-alike scores :data:`MIN_ALTERNATIVE` or more. A sure glyph has no alternatives and stays:
``PST8PDT``, ``IPv6``.
"""

from __future__ import annotations

import re

from ..document import Char, Line

AS_LETTER = {"0": "Oo", "1": "lI", "2": "zZ", "5": "Ss", "6": "Gb", "8": "B"}
AS_DIGIT = {"O": "0", "o": "0", "D": "0", "l": "1", "I": "1", "i": "1", "Z": "2", "z": "2", "S": "5", "s": "5",
            "G": "6", "b": "6", "B": "8"}
MIN_OTHERS = 2  # characters of the word's kind around the odd one
MIN_ALTERNATIVE = 0.05  # the look-alike's probability among the glyph's alternatives
WORD = re.compile(r"[A-Za-z0-9]+")


def settle_words(lines: list[Line]) -> list[Line]:
    """The lines with each word's odd look-alike read as its word's kind, where its glyph allows."""
    return [_settled(ln) for ln in lines]


def _settled(line: Line) -> Line:
    text = line.text
    at = [0] * len(text)  # each text position's index among the characters (spaces have none)
    k = 0
    for i, c in enumerate(text):
        at[i] = k
        k += c != " "
    if k != len(line.chars):
        return line
    chars = list(line.chars)
    changed = False
    for m in WORD.finditer(text):
        word = m.group()
        digits = [i for i, c in enumerate(word) if c.isdigit()]
        letters = len(word) - len(digits)
        if len(digits) == 1 and letters >= MIN_OTHERS:
            odd, wanted = digits[0], AS_LETTER.get(word[digits[0]], "")
        elif letters == 1 and len(digits) >= MIN_OTHERS:
            odd = next(i for i, c in enumerate(word) if not c.isdigit())
            wanted = AS_DIGIT.get(word[odd], "")
        else:
            continue
        j = at[m.start() + odd]
        alt = _best(chars[j], wanted)
        if alt is not None:
            chars[j] = Char(alt, chars[j].bbox, chars[j].score, dict(chars[j].extra))
            changed = True
    if not changed:
        return line
    it = iter(chars)
    new = "".join(" " if c == " " else next(it).char for c in text)
    return Line(new, line.bbox, chars, line.score, dict(line.extra), line.baseline, line.font_size)


def _best(c: Char, wanted: str):
    """The likeliest of ``wanted`` among the glyph's alternatives, if it scores MIN_ALTERNATIVE."""
    alts = [(a["char"], float(a["score"])) for a in c.extra.get("alternatives", []) if a["char"] in wanted]
    if not alts:
        return None
    ch, p = max(alts, key=lambda a: a[1])
    return ch if p >= MIN_ALTERNATIVE else None
