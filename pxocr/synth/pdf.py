"""Real PDF pages as pages with exact ground truth: rendered by PyMuPDF, each character's ink box
from its glyph's outline.

Each character's text and pen position come from the page's text (MuPDF's text trace: font,
size, glyph id and origin of every glyph drawn). Its ink box is the outline's bounding box
(fontTools on the embedded font: bare CFF, OpenType or TrueType) placed at the origin and scaled
by the size, then scaled from points to the rendered page's pixels. Lines and their spaces come
from MuPDF's text extraction (``rawdict``), matched to the trace by origin. Ligatures (fi, fl,
ff, ffi, ffl) read as their letters, the glyph's box split evenly among them; typographic
quotes, dashes and a few other marks are read as their ASCII look-alikes. Text that is not
upright, in fonts whose outlines cannot be read (Type 1, Type 3), or outside printable ASCII after
that mapping is left out, and so is its line, as are lines in fonts that draw figures (``DRAWING_FONTS``): a page
keeps only lines whose every character is known, and the lines left out are painted white in the image (no
unlabelled ink). So are the page's
raster images (a screenshot's text is in no text layer), but for the labelled characters drawn over them.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Iterator, Optional

import numpy as np

from ..boxes import union_box
from ..charset import LIGATURES
from ..document import Char, Line, Page, in_reading_order
from ..errors import DependencyError, InputError

FOLD = {"\u2018": "'", "\u2019": "'", "\u201a": ",", "\u201c": '"', "\u201d": '"', "\u201e": '"',
        "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2010": "-", "\u2011": "-", "\u00ad": "-",
        "\u2022": "*", "\u00b7": ".", "\u2026": "...", "\u00a0": " ", "\u2032": "'", "\u2033": '"'}


def _fitz():
    try:
        import pymupdf
    except ImportError as e:
        raise DependencyError("PyMuPDF is not installed: pip install 'pxocr[pdf]'") from e
    return pymupdf


@dataclass(frozen=True)
class _Outlines:
    """Glyph ink boxes of one embedded font, in text space per unit of font size (y up)."""

    boxes: dict[int, Optional[tuple[float, float, float, float]]]  # gid -> (x0, y0, x1, y1) or None (no ink)
    name: str  # the font's own PostScript name (what MuPDF's text trace calls it)


def _outlines(buf: bytes, ext: str) -> Optional[_Outlines]:
    """The glyph boxes of an embedded font (``ext`` as PyMuPDF names it), or None if unreadable."""
    from fontTools.cffLib import CFFFontSet
    from fontTools.ttLib import TTFont

    try:
        if ext == "cff":
            cff = CFFFontSet()
            cff.decompile(io.BytesIO(buf), None)
            top = cff[cff.fontNames[0]]
            scale = top.FontMatrix[0] if hasattr(top, "FontMatrix") else 0.001
            names, charstrings = top.charset, top.CharStrings
            ps_name = cff.fontNames[0]
            bounds = {gid: charstrings[n].calcBounds(charstrings) for gid, n in enumerate(names)}
        elif ext in ("ttf", "otf"):
            font = TTFont(io.BytesIO(buf))
            scale = 1.0 / font["head"].unitsPerEm
            glyphs = font.getGlyphSet()
            ps_name = (font["name"].getDebugName(6) or "") if "name" in font else ""
            from fontTools.pens.boundsPen import BoundsPen

            bounds = {}
            for gid, name in enumerate(font.getGlyphOrder()):
                pen = BoundsPen(glyphs)
                glyphs[name].draw(pen)
                bounds[gid] = pen.bounds
        elif ext in ("pfa", "pfb"):  # Type 1 (pdfTeX's Computer Modern): FreeType, as MuPDF reads it
            ps_name, scale, bounds = _type1_bounds(buf)
        else:
            return None
    except Exception:  # noqa: BLE001 - a font fontTools cannot read is left out, not fatal
        return None
    return _Outlines({g: None if b is None else tuple(v * scale for v in b) for g, b in bounds.items()},
                     ps_name.split("+")[-1])


def _type1_bounds(buf: bytes) -> tuple[str, float, dict[int, Optional[tuple[float, float, float, float]]]]:
    """A Type 1 font's PostScript name, units per em and exact outline box of each glyph index
    as FreeType numbers them (MuPDF's text trace gives FreeType's glyph indices)."""
    import freetype

    face = freetype.Face(io.BytesIO(buf))
    flags = freetype.FT_LOAD_NO_SCALE | freetype.FT_LOAD_NO_BITMAP | freetype.FT_LOAD_NO_HINTING
    bounds: dict[int, Optional[tuple[float, float, float, float]]] = {}
    for gid in range(face.num_glyphs):
        face.load_glyph(gid, flags)
        outline = face.glyph.outline
        if outline.n_points == 0:
            bounds[gid] = None
            continue
        b = outline.get_bbox()
        bounds[gid] = (b.xMin, b.yMin, b.xMax, b.yMax)
    name = face.postscript_name
    return (name.decode("ascii", "replace") if isinstance(name, bytes) else name or ""), 1.0 / face.units_per_EM, bounds


@dataclass(frozen=True)
class _Glyph:
    text: str  # ASCII after folding (a ligature's letters)
    box: tuple[float, float, float, float]  # ink box, page points, y down
    origin: tuple[float, float] = (0.0, 0.0)  # pen position, page points
    size: float = 0.0  # font size, points
    drawing: bool = False  # a piece of a figure, drawn with a font (DRAWING_FONTS): no text


# Fonts that draw figures, not text: XY-pic's arrow tips, dashes and squiggles (its glyphs map to letters:
# a dashed arrow read "q q q q"), LaTeX's picture-mode lines and circles. Their lines are left out and
# painted over, as lines of unknown characters are.
DRAWING_FONTS = ("XY", "LINE10", "LINEW10", "LCIRCLE10", "LCIRCLEW10")


def is_drawing_font(name: str) -> bool:
    """Whether a font (its PostScript name, with or without a subset's ``ABCDEF+`` prefix) draws figures."""
    return name.split("+")[-1].upper().startswith(DRAWING_FONTS)


# MuPDF draws a glyph of up to GLYPH_CACHE_PX px from its glyph cache, at its pen position rounded:
# across to the nearest quarter pixel (font size under 24 px), half pixel (under 48) or pixel, down to
# the nearest pixel (measured: an 'o' moved in steps of 1/16 px, its ink's centre follows the rounded
# position to 0.01 px; tests/test_pdf_truth.py checks it). Larger glyphs are drawn where they are.
GLYPH_CACHE_PX = 256.0


def drawn_offset(x: float, y: float, size: float) -> tuple[float, float]:
    """Where MuPDF draws a glyph whose pen position is (``x``, ``y``) device px at ``size`` px,
    relative to that position: the (dx, dy) its ink moves by."""
    if size > GLYPH_CACHE_PX:
        return 0.0, 0.0
    step = 0.25 if size < 24 else 0.5 if size < 48 else 1.0
    return float(np.floor(x / step + 0.5) * step - x), float(np.floor(y + 0.5) - y)


def _trace_glyphs(doc, page) -> dict[tuple[int, int], _Glyph]:
    """The page's upright glyphs with readable outlines, keyed by their origin (1/100 pt)."""
    fonts: dict[str, Optional[_Outlines]] = {}  # by the PDF's font name and by the font's own name
    for xref, _, _, name, _, _ in page.get_fonts():
        try:
            _, fext, _, buf = doc.extract_font(xref)
        except Exception:  # noqa: BLE001 - a font that cannot be extracted is left out
            continue
        outl = _outlines(buf, fext) if buf else None
        if outl is not None:
            fonts[name.split("+")[-1]] = fonts[outl.name] = outl
    out: dict[tuple[int, int], _Glyph] = {}
    for span in page.get_texttrace():
        outl = fonts.get(span["font"])
        if outl is None or tuple(span["dir"]) != (1.0, 0.0) or span.get("wmode", 0):
            continue
        size = span["size"]
        drawing = is_drawing_font(span["font"])
        for uni, gid, origin, _bbox in span["chars"]:
            key = (round(origin[0] * 100), round(origin[1] * 100))
            text = LIGATURES.get(chr(uni), FOLD.get(chr(uni), chr(uni))) if uni >= 32 else ""
            if gid < 0 and key in out:  # a ligature's further letters (pdfTeX's "fi": 'f', then 'i' with no glyph)
                out[key] = replace(out[key], text=out[key].text + text)
                continue
            b = outl.boxes.get(gid)
            if b is None or not (text or drawing):  # a figure's piece with a control code: its ink box still known
                continue
            box = (origin[0] + b[0] * size, origin[1] - b[3] * size, origin[0] + b[2] * size, origin[1] - b[1] * size)
            out[key] = _Glyph(text, box, (origin[0], origin[1]), size, drawing)
    return out


def _split(glyph: _Glyph, scale: float) -> list[Char]:
    """A glyph's characters in page pixels, its box where MuPDF draws it (``drawn_offset``): one, or
    a ligature's letters splitting its box evenly."""
    dx, dy = drawn_offset(glyph.origin[0] * scale, glyph.origin[1] * scale, glyph.size * scale)
    x0, y0, x1, y1 = (v * scale + d for v, d in zip(glyph.box, (dx, dy, dx, dy)))
    n = len(glyph.text)
    step = (x1 - x0) / n
    return [Char(c, (x0 + k * step, y0, x0 + (k + 1) * step, y1)) for k, c in enumerate(glyph.text)]


def page_truth(doc, index: int, dpi: float) -> tuple[np.ndarray, Page]:
    """Page ``index`` of an open PyMuPDF document, rendered grey at ``dpi``: (uint8 (H, W) image,
    ground truth in its pixels). Each line's baseline and em (``Line.baseline``, ``font_size``) come
    from its characters' origin and size. An upright line the truth leaves out (a character outside
    printable ASCII, an outline it cannot read) is painted over; a turned one is left as it is."""
    fitz = _fitz()
    page = doc[index]
    if page.rotation:  # text coordinates are the unrotated page's: render it unrotated too
        page.set_rotation(0)
    scale = dpi / 72.0
    pix = page.get_pixmap(matrix=fitz.Matrix(scale, scale), colorspace=fitz.csGRAY, alpha=False)
    image = np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.width).copy()
    glyphs = _trace_glyphs(doc, page)
    lines: list[Line] = []
    for block in page.get_text("rawdict")["blocks"]:
        for ln in block.get("lines", []):
            upright = tuple(ln["dir"]) == (1.0, 0.0)
            made = _line(ln, glyphs, scale) if upright else None
            if made is not None:
                lines.append(made)
            elif upright:  # a turned line (a watermark across the page) stays: its boxes would cover other lines
                _erase(image, ln, glyphs, scale)
    _erase_images(image, page, lines, scale)
    lines = _joined_rows(_with_drawn_underscores(lines, _thin_rules(page, scale)))
    return image, Page(pix.width, pix.height, in_reading_order(lines), f"{doc.name}#{index + 1}")


def _erase(image: np.ndarray, raw: dict, glyphs: dict[tuple[int, int], _Glyph], scale: float) -> None:
    """Paint a line the truth leaves out with the paper's white (in place): each character's
    advance, from 0.8 em above its baseline to 0.25 em below, and its glyph's ink box where the
    outline is known (accents stacked higher, descenders deeper), so no unlabelled ink stays."""
    h, w = image.shape
    for span in raw["spans"]:
        size = span["size"]
        for c in span["chars"]:
            x0, _, x1, _ = c["bbox"]
            ox, oy = c["origin"]
            boxes = [((x0, oy - 0.8 * size, x1, oy + 0.25 * size), 0)]
            g = glyphs.get((round(ox * 100), round(oy * 100)))
            if g is not None:
                boxes.append((g.box, 1))  # the ink's box, a pixel around it for antialiasing
            for (bx0, by0, bx1, by1), grow in boxes:
                i0, i1 = int(by0 * scale) - grow, int(np.ceil(by1 * scale)) + grow
                j0, j1 = int(bx0 * scale) - grow, int(np.ceil(bx1 * scale)) + grow
                image[max(0, i0):min(h, i1), max(0, j0):min(w, j1)] = 255


def _erase_images(image: np.ndarray, page, lines: list[Line], scale: float) -> None:
    """Paint the page's raster images with the paper's white (in place), but for the labelled
    characters' ink boxes and a pixel around them: text drawn over an image (a coloured
    background, a full-page picture) stays with the image under it; text inside the picture,
    which no text layer labels (a screenshot, a plot's axis), goes."""
    h, w = image.shape
    images = page.get_image_info()
    if not images:
        return
    keep = np.zeros_like(image, dtype=bool)
    for c in (c for ln in lines for c in ln.chars):
        x0, y0, x1, y1 = c.bbox
        keep[max(0, int(y0) - 1):min(h, int(np.ceil(y1)) + 1), max(0, int(x0) - 1):min(w, int(np.ceil(x1)) + 1)] = True
    for info in images:
        x0, y0, x1, y1 = (v * scale for v in info["bbox"])
        i0, i1, j0, j1 = max(0, int(y0)), min(h, int(np.ceil(y1))), max(0, int(x0)), min(w, int(np.ceil(x1)))
        if i1 > i0 and j1 > j0:
            region = image[i0:i1, j0:j1]
            region[~keep[i0:i1, j0:j1]] = 255


UNDERSCORE_WIDTH = (0.2, 0.8)  # em: a drawn rule this wide ...
UNDERSCORE_THICK = 0.12  # ... and at most this thick ...
UNDERSCORE_DROP = (-0.12, 0.3)  # ... its middle this far below a line's baseline ...
UNDERSCORE_OVERLAP = 0.15  # ... lying between two of its characters (into them no more than this) is an underscore
UNDERSCORE_SPACE = 0.25  # em: a gap this wide between it and a neighbour is a space


def _thin_rules(page, scale: float) -> list[tuple[float, float, float, float]]:
    """The page's drawn horizontal rules no thicker than they are long, in pixels at ``scale`` (a
    filled rectangle's box; a stroked line's grown up and down by half its width)."""
    out = []
    for path in page.get_drawings():
        r = path["rect"]
        half = (path.get("width") or 0.0) / 2 if "s" in (path.get("type") or "") else 0.0
        x0, y0, x1, y1 = r.x0, r.y0 - half, r.x1, r.y1 + half
        if 0 < y1 - y0 < x1 - x0:
            out.append((x0 * scale, y0 * scale, x1 * scale, y1 * scale))
    return out


def _with_drawn_underscores(lines: list[Line], rules: list[tuple[float, float, float, float]]) -> list[Line]:
    """The lines with each rule that sits as an underscore between two of a line's characters (or just
    before its first, after its last) read as ``_`` there: the spaces MuPDF's text gives across it
    dropped, but where a neighbour stands ``UNDERSCORE_SPACE`` em or more away."""
    ems = [ln.font_size or (ln.bbox[3] - ln.bbox[1]) for ln in lines]
    if ems:  # a plot's thousands of strokes: only those an underscore of some line's size could be
        rules = [r for r in rules if UNDERSCORE_WIDTH[0] * min(ems) <= r[2] - r[0] <= UNDERSCORE_WIDTH[1] * max(ems)
                 and r[3] - r[1] <= UNDERSCORE_THICK * max(ems)]
    out = []
    for ln, em in zip(lines, ems):
        for x0, y0, x1, y1 in rules:
            if not (UNDERSCORE_WIDTH[0] <= (x1 - x0) / em <= UNDERSCORE_WIDTH[1] and (y1 - y0) / em <= UNDERSCORE_THICK
                    and UNDERSCORE_DROP[0] <= ((y0 + y1) / 2 - ln.baseline) / em <= UNDERSCORE_DROP[1]):
                continue
            lefts = np.array([c.bbox[0] for c in ln.chars])
            k = int(np.searchsorted(lefts, (x0 + x1) / 2))  # the rule goes before character k
            slack = UNDERSCORE_OVERLAP * em
            before = ln.chars[k - 1].bbox[2] if k else x0 - UNDERSCORE_SPACE * em
            after = ln.chars[k].bbox[0] if k < len(ln.chars) else x1 + UNDERSCORE_SPACE * em
            if before - slack <= x0 and x1 <= after + slack and (k or after - x1 < em) and \
                    (k < len(ln.chars) or x0 - before < em):
                ln = _inserted(ln, k, Char("_", (x0, y0, x1, y1)), x0 - before >= UNDERSCORE_SPACE * em,
                               after - x1 >= UNDERSCORE_SPACE * em)
        out.append(ln)
    return out


ROW_JOIN_EM = 3.0  # em: parts of one baseline this close are one line ...
ROW_BASELINE = 0.25  # ... (their baselines within this share of the smaller em) ...
ROW_NEAR_EM = 2.5  # ... unless a row this near (em, baseline to baseline) parts at the same place


def _joined_rows(lines: list[Line]) -> list[Line]:
    """The lines with those MuPDF gives apart on one baseline joined, a space between: it parts a line
    at a wide gap (a heading's number, two spaces after a sentence in monospaced text, a run-in
    heading, a justified line's wide spaces), which a reader sees as one line. Parts stay apart where
    the gap is wider than ``ROW_JOIN_EM``, or where a row within ``ROW_NEAR_EM`` above or below parts
    over the same place (a white channel through both: a column's gutter, a table's columns)."""
    if len(lines) < 2:
        return lines
    box = np.array([ln.bbox for ln in lines])
    base = np.array([ln.baseline for ln in lines])
    em = np.array([ln.font_size for ln in lines])
    pairs = []  # (line, its nearest neighbour to the right on its baseline)
    for i in range(len(lines)):
        on = (np.abs(base - base[i]) <= ROW_BASELINE * np.minimum(em, em[i])) & (box[:, 0] >= box[i, 2] - 0.2 * em[i])
        on[i] = False
        if on.any():
            pairs.append((i, int(np.flatnonzero(on)[np.argmin(box[on, 0])])))
    nxt = {}
    for i, j in pairs:
        e = max(em[i], em[j])
        if box[j, 0] - box[i, 2] > ROW_JOIN_EM * e:
            continue
        if not any(ROW_BASELINE * e < abs(base[k] - base[i]) <= ROW_NEAR_EM * e
                   and min(box[j, 0], box[m, 0]) > max(box[i, 2], box[k, 2]) for k, m in pairs):
            nxt[i] = j
    joined = set(nxt.values())
    heads = [i for i in range(len(lines)) if i not in joined]
    out = []
    for i in heads:
        run = [i]
        while run[-1] in nxt:
            run.append(nxt[run[-1]])
        out.append(lines[i] if len(run) == 1 else _joined([lines[k] for k in run]))
    return out


def _joined(parts: list[Line]) -> Line:
    """One line of ``parts`` (left to right on one baseline), a space between each two."""
    chars = [c for ln in parts for c in ln.chars]
    sizes = [len(ln.chars) for ln in parts]
    return Line(" ".join(ln.text for ln in parts), tuple(union_box(np.array([c.bbox for c in chars])).tolist()),
                chars, baseline=round(float(np.average([ln.baseline for ln in parts], weights=sizes)), 4),
                font_size=parts[int(np.argmax(sizes))].font_size)


def _inserted(ln: Line, k: int, char: Char, space_before: bool, space_after: bool) -> Line:
    """``ln`` with ``char`` as its character ``k``, the text between its neighbours made a space or
    none on each side."""
    starts = [i for i, t in enumerate(ln.text) if t != " "]  # text index of each character
    a = starts[k - 1] + 1 if k else 0
    b = starts[k] if k < len(starts) else len(ln.text)
    text = ln.text[:a] + (" " if space_before and k else "") + char.char + (" " if space_after and k < len(starts)
                                                                            else "") + ln.text[b:]
    chars = ln.chars[:k] + [char] + ln.chars[k:]
    return Line(text, tuple(union_box(np.array([c.bbox for c in chars])).tolist()), chars, ln.score, ln.extra,
                ln.baseline, ln.font_size)


def _line(raw: dict, glyphs: dict[tuple[int, int], _Glyph], scale: float) -> Optional[Line]:
    """One ``rawdict`` line as a Line in pixels, or None if any of its characters is unknown."""
    text, chars, sizes, bases = "", [], [], []
    last, tail = None, ""
    for span in raw["spans"]:
        if is_drawing_font(span.get("font", "")):  # its pieces may map to controls that read as spaces: never text
            return None
        for c in span["chars"]:
            ch = FOLD.get(c["c"], c["c"])
            if tail and c["bbox"][2] - c["bbox"][0] < 1e-3 and ch == tail[0]:
                tail = tail[1:]  # a ligature's further letter, given with no width at the next glyph's origin
                continue
            tail = ""
            if ch.isspace():
                text += " " if text and not text.endswith(" ") else ""
                continue
            key = (round(c["origin"][0] * 100), round(c["origin"][1] * 100))
            if key == last:  # a ligature given as its letters at one origin: the glyph is read once
                continue
            last = key
            g = glyphs.get(key)
            if g is None or g.drawing or not all(0x21 <= ord(k) <= 0x7E for k in g.text):
                return None
            text += g.text
            tail = g.text[1:]
            chars += _split(g, scale)
            sizes.append(span["size"] * scale)
            bases.append(c["origin"][1] * scale)
    text = text.rstrip()
    if not chars:
        return None
    return Line(text, tuple(union_box(np.array([c.bbox for c in chars])).tolist()), chars,
                baseline=round(float(np.median(bases)), 4), font_size=round(float(np.median(sizes)), 4))


@lru_cache(maxsize=8)
def open_pdf(path: str):
    """An open PyMuPDF document; InputError for a missing, encrypted or unreadable file."""
    fitz = _fitz()
    try:
        doc = fitz.open(path)
    except Exception as e:  # noqa: BLE001 - PyMuPDF raises several types
        raise InputError(f"{path}: not a readable PDF ({e})") from None
    if doc.needs_pass:
        doc.close()
        raise InputError(f"{path}: the PDF is encrypted")
    return doc


def crop_page(image: np.ndarray, page: Page, x0: int, y0: int, width: int, height: int) -> tuple[np.ndarray, Page]:
    """A ``width`` x ``height`` crop at (x0, y0) of a page and its ground truth. Characters cut by
    the crop's edge are painted over with the paper's grey (the median) and left out of the truth,
    with the spaces they stood between; lines keep the characters wholly inside."""
    out = image[y0:y0 + height, x0:x0 + width].copy()
    paper = int(np.median(out)) if out.size else 255
    lines = []
    for ln in page.lines:
        kept: list[Char] = []
        text = ""
        pending_space = False
        k = 0
        for ch in ln.text:
            if ch == " ":
                pending_space = bool(kept)
                continue
            c = ln.chars[k]
            k += 1
            bx0, by0, bx1, by1 = c.bbox[0] - x0, c.bbox[1] - y0, c.bbox[2] - x0, c.bbox[3] - y0
            if bx0 >= 0 and by0 >= 0 and bx1 <= width and by1 <= height:
                text += (" " if pending_space else "") + ch
                kept.append(Char(ch, (bx0, by0, bx1, by1)))
                pending_space = False
            elif bx1 > 0 and by1 > 0 and bx0 < width and by0 < height:  # cut by the edge: painted over
                out[max(0, int(by0)):int(np.ceil(by1)), max(0, int(bx0)):int(np.ceil(bx1))] = paper
                pending_space = bool(kept)
        if kept:
            box = tuple(union_box(np.array([c.bbox for c in kept])).tolist())
            lines.append(Line(text, box, kept, baseline=None if ln.baseline is None else ln.baseline - y0,
                              font_size=ln.font_size))
    return out, Page(out.shape[1], out.shape[0], in_reading_order(lines), page.image)


# PDF files that Debian packages install, as sources of real pages. Training takes those of
# ``TRAIN_PDFS`` (glob patterns); glpk-doc's manuals are held out to measure with (``HELD_OUT_PDFS``);
# the documents kept for independent evaluation are never listed and never matched.
TRAIN_PDFS = ("/usr/share/doc/r-doc-pdf/manual/*.pdf", "/usr/share/doc/asymptote/*.pdf",
              "/usr/share/doc/fonts-texgyre/*.pdf", "/usr/share/doc/fonts-lmodern/*.pdf",
              "/usr/share/doc/texlive-doc/**/*.pdf")
HELD_OUT_PDFS = ("/usr/share/doc/glpk-doc/*.pdf",)
NEVER = ("libtasn1", "shared-mime-info", "reportlab", "glpk")  # evaluation's documents, and ours held out
PDF_PACKAGES = ("r-doc-pdf", "asymptote-doc", "glpk-doc", "texlive-fonts-recommended-doc")


def pdf_files(patterns: tuple[str, ...], exclude: tuple[str, ...] = NEVER) -> tuple[str, ...]:
    """The installed PDF files matching ``patterns``, sorted, less any whose path holds ``exclude``."""
    import glob

    found = {p for pat in patterns for p in glob.glob(pat, recursive=True)}
    return tuple(sorted(p for p in found if not any(x in p for x in exclude)))


def pdf_source(spec: str) -> tuple[str, ...]:
    """The PDF files ``spec`` gives, comma-separated: ``train`` (:data:`TRAIN_PDFS`), ``heldout``
    (:data:`HELD_OUT_PDFS`), PDF files, and folders (the PDF files in them); InputError when one
    gives none."""
    import os

    files: list[str] = []
    for item in (p for p in spec.split(",") if p):
        if item in ("train", "heldout"):
            found = pdf_files(TRAIN_PDFS) if item == "train" else pdf_files(HELD_OUT_PDFS, exclude=NEVER[:-1])
            if not found:
                raise InputError(f"no {item} PDF files installed: apt-get install {' '.join(PDF_PACKAGES)}")
        elif os.path.isdir(item):
            found = pdf_files((os.path.join(item, "*.pdf"),))
            if not found:
                raise InputError(f"{item}: no PDF files in this folder")
        elif os.path.isfile(item):
            found = (item,)
        else:
            raise InputError(f"{item}: file not found")
        files.extend(found)
    if not files:
        raise InputError(f"{spec!r}: no PDF files given")
    return tuple(dict.fromkeys(files))


DPI_STEP = 12.0  # rendering resolutions are multiples of this: many crops share one rendered page


@lru_cache(maxsize=48)
def _rendered(path: str, index: int, dpi: float) -> tuple[np.ndarray, Page]:
    return page_truth(open_pdf(path), index, dpi)


def random_crop(rng: np.random.Generator, files: tuple[str, ...], size: int, em: tuple[float, float],
                min_chars: int = 20) -> Optional[tuple[np.ndarray, Page]]:
    """A ``size`` square crop of a random page of a random file, rendered so that its median text
    is ``em`` px (drawn from the range, resolutions in steps of ``DPI_STEP``), placed on a random
    character; None when ten tries find no crop with ``min_chars`` characters."""
    crops = random_crops(rng, files, size, em, 1, min_chars)
    return crops[0] if crops else None


def random_crops(rng: np.random.Generator, files: tuple[str, ...], size: int, em: tuple[float, float],
                 count: int, min_chars: int = 20) -> list[tuple[np.ndarray, Page]]:
    """Up to ``count`` ``size`` square crops of one random page of a random file (rendered once,
    as :func:`random_crop` renders it), each placed on a random character; [] when ten tries
    find no page with a crop of ``min_chars`` characters."""
    if not files:
        raise InputError(f"no PDF files to crop: apt-get install {' '.join(PDF_PACKAGES)}")
    for _ in range(10):
        path = files[int(rng.integers(len(files)))]
        try:
            doc = open_pdf(path)
        except InputError:
            continue
        if len(doc) == 0:
            continue
        index = int(rng.integers(len(doc)))
        sizes = [s["size"] for b in doc[index].get_text("dict")["blocks"] for ln in b.get("lines", [])
                 for s in ln["spans"]]
        if len(sizes) < 5:
            continue
        dpi = max(DPI_STEP, round(float(rng.uniform(*em)) * 72 / float(np.median(sizes)) / DPI_STEP) * DPI_STEP)
        image, truth = _rendered(path, index, dpi)
        if len(truth.chars) < min_chars or min(image.shape) < size:
            continue
        out = []
        for _ in range(2 * count):
            c = truth.chars[int(rng.integers(len(truth.chars)))].bbox
            x0 = int(np.clip((c[0] + c[2]) / 2 - rng.uniform(0, size), 0, image.shape[1] - size))
            y0 = int(np.clip((c[1] + c[3]) / 2 - rng.uniform(0, size), 0, image.shape[0] - size))
            crop, gt = crop_page(image, truth, x0, y0, size, size)
            if len(gt.chars) >= min_chars:
                out.append((crop, gt))
                if len(out) == count:
                    break
        if out:
            return out
    return []


def iter_crops(files: tuple[str, ...], seed: int, count: int, size: int, em: tuple[float, float],
               per_page: int = 8) -> Iterator[tuple[np.ndarray, Page]]:
    """``count`` crops (:func:`random_crops`), ``per_page`` from each rendered page, stream ``seed``."""
    rng = np.random.default_rng([seed, 31])
    made = misses = 0
    while made < count:
        crops = random_crops(rng, files, size, em, min(per_page, count - made))
        misses = 0 if crops else misses + 1
        if misses == 20:  # 200 pages tried in a row
            raise InputError("no page of the PDF files gives a crop with enough characters")
        for image, gt in crops:
            yield image, Page(gt.width, gt.height, gt.lines, f"{made:06d}.png")
            made += 1
