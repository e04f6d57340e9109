"""Small helpers shared by the XML writers (hOCR, ALTO, PAGE)."""

from __future__ import annotations

import re

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(s: str) -> str:
    """``s`` with the characters XML 1.0 cannot hold (controls, lone surrogates) as U+FFFD."""
    return _XML_ILLEGAL.sub("\ufffd", s)


def num(v: float) -> str:
    """A coordinate with at most three decimals, no trailing zeros: ``12.5``, ``3``."""
    s = f"{v:.3f}".rstrip("0").rstrip(".")
    return "0" if s == "-0" else s


def software() -> tuple[str, str]:
    """``("pxocr", version)`` of the installed package."""
    try:
        from importlib.metadata import version

        return "pxocr", version("pxocr")
    except Exception:  # not installed (running from a checkout)
        from pxocr import __version__

        return "pxocr", __version__
