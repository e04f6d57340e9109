"""Glyph rasterisation with exact ink boxes (DESIGN.md 1.1).

FreeType renders each glyph unhinted and anti-aliased at its sub-pixel position,
quantised to 1/8 px. The ink box comes from the outline's exact bounding box
(FT_Outline_Get_BBox, 1/64 px units) at the same position, so it is the glyph's ink to
within 1/64 px whatever the rasteriser does with the edges.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import DependencyError, InputError

PHASES = 8  # sub-pixel positions per pixel
_CACHE_LIMIT = 60000


@dataclass(frozen=True)
class Glyph:
    """A rendered glyph at one sub-pixel phase.

    ``coverage``: (h, w) float32 in [0, 1], placed with its top-left pixel at
    ``(ix + left, iy + top)`` for a pen position ``(ix + phase_x/8, iy + phase_y/8)``.
    ``ink``: the ink box relative to the integer pen position ``(ix, iy)``.
    """

    coverage: np.ndarray
    left: int
    top: int
    ink: tuple[float, float, float, float]


class GlyphRenderer:
    """Renders glyphs of one font file at any size and 1/8 px phase, with a cache."""

    def __init__(self, font_path: str, cache_limit: int = _CACHE_LIMIT) -> None:
        try:
            import freetype
        except ImportError as e:
            raise DependencyError("freetype-py is not installed: pip install 'pxocr[synth]'") from e
        self._ft = freetype
        try:
            self.face = freetype.Face(font_path)
        except Exception as e:  # freetype raises its own FT_Exception types
            raise InputError(f"{font_path}: not a readable font ({e})") from None
        self.font_path = font_path
        self.units_per_em = self.face.units_per_EM or 1000
        self._cache: dict[tuple[str, float, int, int], Glyph] = {}
        self._cache_limit = cache_limit
        self._hb_font = None
        self._size: float | None = None
        self._advance: dict[str, float] = {}
        self.ink_top, self.ink_bottom = self._ink_extent()

    def missing(self, chars: str) -> str:
        return "".join(c for c in chars if self.face.get_char_index(c) == 0)

    def advance(self, ch: str) -> float:
        """Horizontal advance of ``ch`` in em (unhinted)."""
        a = self._advance.get(ch)
        if a is None:
            ft = self._ft
            self.face.load_char(ch, ft.FT_LOAD_NO_SCALE | ft.FT_LOAD_NO_HINTING)
            a = self.face.glyph.advance.x / self.units_per_em
            self._advance[ch] = a
        return a

    def pens(self, text: str) -> np.ndarray:
        """Pen x of each character of ``text`` and, last, of the end of the text, in em
        (n + 1,): advances with the font's kerning (HarfBuzz shaping, ligatures off, so each
        character keeps its own glyph and ink box)."""
        import uharfbuzz as hb

        if self._hb_font is None:
            self._hb_font = hb.Font(hb.Face(hb.Blob.from_file_path(self.font_path)))
        buf = hb.Buffer()
        buf.add_str(text)
        buf.guess_segment_properties()
        hb.shape(self._hb_font, buf, {"liga": False, "clig": False, "dlig": False, "calt": False, "kern": True})
        adv = np.zeros(len(text) + 1)
        for info, pos in zip(buf.glyph_infos, buf.glyph_positions):
            adv[info.cluster + 1] += pos.x_advance  # one glyph per character: clusters are character indices
        return np.cumsum(adv) / self.units_per_em

    def _ink_extent(self) -> tuple[float, float]:
        """Highest ink above and lowest below the baseline over the charset, in em."""
        ft = self._ft
        top, bottom = 0.0, 0.0
        for c in range(0x21, 0x7F):
            if self.face.get_char_index(chr(c)) == 0:
                continue
            self.face.load_char(chr(c), ft.FT_LOAD_NO_SCALE | ft.FT_LOAD_NO_HINTING)
            bb = self.face.glyph.outline.get_bbox()
            top, bottom = max(top, bb.yMax), min(bottom, bb.yMin)
        return top / self.units_per_em, -bottom / self.units_per_em

    def geometry(self, chars: str) -> list[tuple[float, float, float, float]]:
        """Per character, its ink box (width, top, bottom) in em, y up from the baseline, and
        the ink centre's offset from the middle of the advance (what ``pxocr.decode.geometry``
        checks detected boxes against)."""
        ft = self._ft
        self.face.set_transform(ft.Matrix(65536, 0, 0, 65536), ft.Vector(0, 0))  # glyph() leaves a pen offset
        out = []
        for ch in chars:
            self.face.load_char(ch, ft.FT_LOAD_NO_SCALE | ft.FT_LOAD_NO_HINTING)
            bb = self.face.glyph.outline.get_bbox()
            u = self.units_per_em
            mid = self.face.glyph.advance.x / 2
            out.append(((bb.xMax - bb.xMin) / u, bb.yMax / u, bb.yMin / u, ((bb.xMin + bb.xMax) / 2 - mid) / u))
        return out

    def _set_size(self, size: float) -> None:
        """The face set to em ``size`` px (kept set until another size is asked for)."""
        if self._size != size:
            self.face.set_char_size(int(round(size * 64)))
            self._size = size

    def turned_ink(self, ch: str, size: float, degrees: float) -> tuple[tuple, tuple]:
        """The ink box of ``ch`` at em ``size`` px relative to its pen, upright and with the glyph
        turned ``degrees`` counter-clockwise about the pen (x right, y down, px): the boxes FreeType
        computes for the outline itself (FT_Outline_Get_BBox, exact to 1/64 px), not for its points,
        so a curve's off-curve points do not widen them."""
        ft = self._ft
        self._set_size(size)
        t = math.radians(degrees)
        c, s = round(math.cos(t) * 65536), round(math.sin(t) * 65536)
        out = []
        for matrix in (ft.Matrix(c, -s, s, c), ft.Matrix(65536, 0, 0, 65536)):  # FreeType's y points up
            self.face.set_transform(matrix, ft.Vector(0, 0))
            self.face.load_char(ch, ft.FT_LOAD_NO_HINTING | ft.FT_LOAD_NO_BITMAP)
            bb = self.face.glyph.outline.get_bbox()
            out.append((bb.xMin / 64.0, -bb.yMax / 64.0, bb.xMax / 64.0, -bb.yMin / 64.0))
        return out[1], out[0]  # the face left untransformed, as advance() and geometry() need it

    def glyph(self, ch: str, size: float, phase_x: int, phase_y: int) -> Glyph:
        """The glyph ``ch`` at em ``size`` px, pen at (phase_x/8, phase_y/8) past a pixel corner."""
        key = (ch, size, phase_x, phase_y)
        g = self._cache.get(key)
        if g is not None:
            return g
        ft = self._ft
        self._set_size(size)
        # FreeType's y axis points up; the image's points down.
        delta = ft.Vector(phase_x * 64 // PHASES, -phase_y * 64 // PHASES)
        self.face.set_transform(ft.Matrix(65536, 0, 0, 65536), delta)
        # NO_BITMAP: a font with bitmap strikes (cmuntt.ttf at 12-20 px) would give a strike's
        # bitmap and no outline, so an empty ink box
        self.face.load_char(ch, ft.FT_LOAD_RENDER | ft.FT_LOAD_NO_HINTING | ft.FT_LOAD_NO_BITMAP)
        slot = self.face.glyph
        bb = slot.outline.get_bbox()
        bmp = slot.bitmap
        if bmp.rows and bmp.width:
            buf = np.array(bmp.buffer, dtype=np.uint8).reshape(bmp.rows, bmp.pitch)[:, : bmp.width]
            cov = buf.astype(np.float32) / 255.0
        else:
            cov = np.zeros((0, 0), np.float32)
        ink = (bb.xMin / 64.0, -bb.yMax / 64.0, bb.xMax / 64.0, -bb.yMin / 64.0)
        g = Glyph(cov, slot.bitmap_left, -slot.bitmap_top, ink)
        if len(self._cache) >= self._cache_limit:
            self._cache.clear()
        self._cache[key] = g
        return g

    def place(self, ch: str, size: float, x: float, y: float) -> tuple[Glyph, int, int, tuple]:
        """Render ``ch`` with its pen (origin on the baseline) at float ``(x, y)``.

        Returns the glyph, the image column/row of its bitmap's top-left pixel and its ink
        box in image coordinates. The position is rounded to the nearest 1/8 px.
        """
        qx = round(x * PHASES)
        qy = round(y * PHASES)
        ix, px = divmod(qx, PHASES)
        iy, py = divmod(qy, PHASES)
        g = self.glyph(ch, size, px, py)
        ink = (ix + g.ink[0], iy + g.ink[1], ix + g.ink[2], iy + g.ink[3])
        return g, ix + g.left, iy + g.top, ink



def stamp(cov: np.ndarray, coverage: np.ndarray, gx: int, gy: int) -> None:
    """Draw a glyph's ``coverage`` into the page coverage ``cov`` (H, W) in place, its top-left
    pixel at column ``gx``, row ``gy``; ink overlapping other ink keeps the larger coverage and
    what falls outside the page is cut."""
    h, w = coverage.shape
    y0, x0 = max(gy, 0), max(gx, 0)
    y1, x1 = min(gy + h, cov.shape[0]), min(gx + w, cov.shape[1])
    if y1 > y0 and x1 > x0:
        region = cov[y0:y1, x0:x1]
        np.maximum(region, coverage[y0 - gy:y1 - gy, x0 - gx:x1 - gx], out=region)
