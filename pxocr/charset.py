"""The character set: the single source of truth for class indices.

Class ``i`` of every classification head is ``CHARSET[i]``: the 94 printable ASCII
characters 0x21..0x7E in code order. Space (0x20) has no box and no class.
"""

from __future__ import annotations

CHARSET: str = "".join(chr(c) for c in range(0x21, 0x7F))
NUM_CLASSES: int = len(CHARSET)  # 94
_INDEX = {c: i for i, c in enumerate(CHARSET)}


def char_to_index(ch: str) -> int:
    """Class index of a printable non-space ASCII character; KeyError otherwise."""
    return _INDEX[ch]


def index_to_char(i: int) -> str:
    return CHARSET[i]


def is_supported(text: str) -> bool:
    """True when every character of ``text`` is a space or in the charset."""
    return all(c == " " or c in _INDEX for c in text)


# The Latin ligatures that fonts set as one glyph, and the letters each reads as.
LIGATURES = {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl"}
