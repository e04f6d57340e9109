"""Write ``pxocr/writers/glyphless.ttf``: the invisible font of pxocr's PDF text layer.

One empty glyph (``glyph``, advance 500 of 1000 units) besides ``.notdef``; ascender 1000,
descender 0 in every table, so a PDF reader that boxes text by the font's ascender and
descender boxes a character of font size ``h`` from its baseline up by exactly ``h``.
The PDF writer maps every character to this glyph (``CIDToGIDMap``) and gives it its text
through ``ToUnicode``. Run: ``python scripts/make_glyphless_font.py``.
"""

from pathlib import Path

from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen

OUT = Path(__file__).resolve().parent.parent / "pxocr" / "writers" / "glyphless.ttf"


def main() -> None:
    fb = FontBuilder(1000, isTTF=True)
    names = [".notdef", "glyph"]
    fb.setupGlyphOrder(names)
    fb.setupCharacterMap({})
    empty = TTGlyphPen(None).glyph()
    fb.setupGlyf({n: empty for n in names})
    fb.setupHorizontalMetrics({n: (500, 0) for n in names})
    fb.setupHorizontalHeader(ascent=1000, descent=0)
    fb.setupNameTable({"familyName": "GlyphLess", "styleName": "Regular"})
    fb.setupOS2(sTypoAscender=1000, sTypoDescender=0, sTypoLineGap=0, usWinAscent=1000, usWinDescent=0)
    fb.setupPost()
    fb.font["head"].yMax = 1000
    fb.save(str(OUT))
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
