"""NumPy decoding shared by every backend: raw map -> Page (``pxocr.decode.pipeline``)."""

from .config import DecodeConfig
from .peaks import TOPK, Glyphs, find_glyphs
from .pipeline import LineReader, decode, group_lines

__all__ = ["DecodeConfig", "Glyphs", "LineReader", "TOPK", "decode", "find_glyphs", "group_lines"]
