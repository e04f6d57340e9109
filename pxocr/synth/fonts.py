"""Finding fonts: OCR-B from Debian's fonts-ocr-b, or any OTF/TTF the user names."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache

from ..errors import InputError

FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", os.path.expanduser("~/.fonts"),
             os.path.expanduser("~/.local/share/fonts"))
OCRB_FILES = ("OCRB.otf", "ocrb.otf", "OCRB.ttf", "OCR-B.otf", "OCR-B.ttf")


@lru_cache(maxsize=None)
def find_ocrb() -> str:
    """Path of the regular OCR-B font; InputError (with the install hint) if absent."""
    if shutil.which("fc-match"):
        try:
            out = subprocess.run(["fc-match", "-f", "%{file}", "OCR B:style=Regular"],
                                 capture_output=True, text=True, timeout=10).stdout.strip()
            if os.path.basename(out) in OCRB_FILES and os.path.isfile(out):
                return out
        except (OSError, subprocess.SubprocessError):
            pass
    for d in FONT_DIRS:
        for name in OCRB_FILES:
            hits = sorted(glob.glob(os.path.join(d, "**", name), recursive=True))
            if hits:
                return hits[0]
    raise InputError("OCR-B font not found: install it with 'apt-get install fonts-ocr-b' "
                     "or pass --font PATH")


def resolve_font(path: str | None) -> str:
    """The font file to render with: ``path`` if given (must exist), else OCR-B."""
    if path is None:
        return find_ocrb()
    if not os.path.isfile(path):
        raise InputError(f"{path}: font file not found")
    return path


# The font families pxocr trains on and measures with (Debian packages in brackets), by kind.
# The families that independent evaluation keeps (EB Garamond, Caladea, Linux Libertine,
# Cantarell, Inter, Charis SIL) are not listed and never used.
FAMILIES: dict[str, str] = {
    # serif
    "Liberation Serif": "serif", "Nimbus Roman": "serif", "TeX Gyre Termes": "serif",  # Times metrics
    "Tinos": "serif", "DejaVu Serif": "serif", "Noto Serif": "serif", "FreeSerif": "serif",
    "Latin Modern Roman": "serif", "CMU Serif": "serif", "C059": "serif", "P052": "serif",
    "TeX Gyre Schola": "serif", "TeX Gyre Pagella": "serif", "URW Bookman": "serif", "Gentium Plus": "serif",
    "Old Standard TT": "serif", "STIX": "serif", "PT Serif": "serif", "TeX Gyre Bonum": "serif",
    # sans
    "Liberation Sans": "sans", "Nimbus Sans": "sans", "TeX Gyre Heros": "sans", "Arimo": "sans",
    "DejaVu Sans": "sans", "Noto Sans": "sans", "FreeSans": "sans", "Latin Modern Sans": "sans",
    "CMU Sans Serif": "sans", "Carlito": "sans", "Open Sans": "sans", "Lato": "sans", "Roboto": "sans",
    "Go": "sans", "URW Gothic": "sans", "TeX Gyre Adventor": "sans", "Nimbus Sans Narrow": "sans",
    "Roboto Condensed": "sans", "PT Sans": "sans",
    # monospaced
    "Liberation Mono": "mono", "Nimbus Mono PS": "mono", "TeX Gyre Cursor": "mono", "Cousine": "mono",
    "DejaVu Sans Mono": "mono", "Noto Sans Mono": "mono", "FreeMono": "mono", "Latin Modern Mono": "mono",
    "CMU Typewriter Text": "mono", "Courier Prime": "mono", "Go Mono": "mono", "Hack": "mono",
    "JetBrains Mono": "mono", "Anonymous Pro": "mono", "PT Mono": "mono", "Inconsolata": "mono",
    "OCR B": "mono",
}
# Held out of training by pxocr itself, to measure fonts it has never seen: one family of each kind.
HELD_OUT: tuple[str, ...] = ("PT Serif", "TeX Gyre Bonum", "PT Sans", "Inconsolata")
FONT_PACKAGES: tuple[str, ...] = (
    "fonts-ocr-b", "fonts-liberation2", "fonts-urw-base35", "fonts-lmodern", "fonts-texgyre", "fonts-freefont-otf",
    "fonts-noto-core", "fonts-dejavu-core", "fonts-crosextra-carlito", "fonts-open-sans", "fonts-lato", "fonts-go",
    "fonts-courier-prime", "fonts-roboto", "fonts-noto-mono", "fonts-croscore", "fonts-hack", "fonts-cmu",
    "fonts-stix", "fonts-inconsolata", "fonts-paratype", "fonts-sil-gentiumplus", "fonts-oldstandard",
    "fonts-jetbrains-mono", "fonts-anonymous-pro")
# More families, for training only (font set ``wider``: ``train`` and these): the measuring sets
# (``train``, ``heldout``, ``all``) stay what they were, so that earlier benchmarks compare.
MORE_FAMILIES: dict[str, str] = {
    "Accanthis ADF Std": "serif", "Baskervald ADF Std": "serif", "Cardo": "serif", "Century Catalogue": "serif",
    "Fanwood Text": "serif", "Goudy Bookletter 1911": "serif", "Vollkorn": "serif", "Quattrocento": "serif",
    "Roboto Slab": "serif", "Doulos SIL": "serif", "Verana": "serif",
    "Gillius ADF": "sans", "Universalis ADF Std": "sans", "Verana Sans": "sans", "Cabin": "sans",
    "Junction": "sans", "Karla": "sans", "B612": "sans", "Clear Sans": "sans", "Oxygen-Sans": "sans",
    "Andika": "sans",
    "B612 Mono": "mono", "Fira Code": "mono", "mononoki": "mono", "Oxygen Mono": "mono",
}
# Five of them held out of ``wider`` (font set ``heldout-more``), to measure what it gains on fonts unseen.
MORE_HELD_OUT: tuple[str, ...] = ("Vollkorn", "Baskervald ADF Std", "Cabin", "Clear Sans", "B612 Mono")
MORE_FONT_PACKAGES: tuple[str, ...] = (
    "fonts-adf-accanthis", "fonts-adf-baskervald", "fonts-cardo", "fonts-century-catalogue", "fonts-fanwood",
    "fonts-goudybookletter", "fonts-vollkorn", "fonts-quattrocento", "fonts-roboto-slab", "fonts-sil-doulos",
    "fonts-adf-verana", "fonts-adf-gillius", "fonts-adf-universalis", "fonts-cabin", "fonts-junction", "fonts-karla",
    "fonts-b612", "fonts-clear-sans", "fonts-oxygen", "fonts-sil-andika", "fonts-firacode", "fonts-mononoki")
STYLES = ("regular", "bold", "italic", "bold-italic")
# Styles whose ink is not the letter's shape (OCR B's "Inverted": a white letter in a black cell; its
# "Outline"): never catalogued, though fontconfig gives them a regular weight and slant.
DECORATIVE = ("Inverted", "Outline")
FONT_SETS = ("train", "heldout", "all", "wider", "heldout-more")


@dataclass(frozen=True)
class Face:
    """One font file of a catalogued family: its family, kind (serif, sans, mono) and style."""

    family: str
    kind: str
    style: str
    path: str


def _style(weight: int, slant: int) -> str | None:
    """fontconfig weight and slant -> one of STYLES; None for light, medium and black weights."""
    if 75 <= weight <= 105:
        bold = False
    elif 180 <= weight <= 205:
        bold = True
    else:
        return None
    italic = slant >= 100
    return {(False, False): "regular", (True, False): "bold", (False, True): "italic",
            (True, True): "bold-italic"}[(bold, italic)]


@lru_cache(maxsize=None)
def catalogue() -> tuple[Face, ...]:
    """Every installed OTF/TTF face of ``FAMILIES`` and ``MORE_FAMILIES`` in one of ``STYLES``, sorted
    (family, style, path) so that the same installed fonts always give the same list."""
    if not shutil.which("fc-list"):
        return ()
    try:
        out = subprocess.run(["fc-list", "--format", "%{family}\t%{weight}\t%{slant}\t%{file}\t%{style}\n"],
                             capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    faces = set()
    for row in out.splitlines():
        parts = row.split("\t")
        if len(parts) != 5 or not parts[3].lower().endswith((".otf", ".ttf")):
            continue
        family = parts[0].split(",")[0]
        kind = FAMILIES.get(family) or MORE_FAMILIES.get(family)
        if kind is None or any(w in parts[4] for w in DECORATIVE) or "[" in os.path.basename(parts[3]):
            continue  # (a variable font file, "Karla[wght].ttf": each named instance renders as its default)
        try:
            style = _style(int(float(parts[1])), int(float(parts[2])))
        except ValueError:
            continue
        if style is not None:
            faces.add(Face(family, kind, style, parts[3]))
    return tuple(sorted(faces, key=lambda f: (f.family, STYLES.index(f.style), f.path)))


def font_set(name: str) -> tuple[Face, ...]:
    """The faces of a named set: ``train`` (all of ``FAMILIES`` but HELD_OUT), ``heldout``, ``all`` (of
    ``FAMILIES``), ``wider`` (``train`` and ``MORE_FAMILIES`` but MORE_HELD_OUT, every one installed) or
    ``heldout-more`` (MORE_HELD_OUT)."""
    if name not in FONT_SETS:
        raise InputError(f"unknown font set {name!r}: choose from {', '.join(FONT_SETS)}")
    trained = set(FAMILIES) - set(HELD_OUT)
    more = {"wider": set(MORE_FAMILIES) - set(MORE_HELD_OUT), "heldout-more": set(MORE_HELD_OUT)}.get(name, set())
    families = {"train": trained, "heldout": set(HELD_OUT), "all": set(FAMILIES), "wider": trained | more,
                "heldout-more": more}[name]
    faces = tuple(f for f in catalogue() if f.family in families)
    if not faces:
        raise InputError(f"no fonts of set {name!r} are installed: apt-get install {' '.join(FONT_PACKAGES)}")
    missing = sorted(more - {f.family for f in faces})
    if missing:
        raise InputError(f"font set {name!r} lacks {', '.join(missing)}: "
                         f"apt-get install {' '.join(MORE_FONT_PACKAGES)}")
    return faces


def parse_fonts(spec: str) -> tuple[Face, ...]:
    """``--fonts``: a font set name, or comma-separated font files (each its own family)."""
    if spec in FONT_SETS:
        return font_set(spec)
    faces = []
    for path in (p.strip() for p in spec.split(",")):
        if not os.path.isfile(path):
            raise InputError(f"{path}: font file not found (or give a font set: {', '.join(FONT_SETS)})")
        faces.append(Face(os.path.basename(path), "unknown", "regular", path))
    return tuple(faces)
