"""NumPy post-processing shared by every backend: raw map -> Page."""

from .postprocess import DecodeConfig, decode, find_glyphs, group_lines

__all__ = ["DecodeConfig", "decode", "find_glyphs", "group_lines"]
