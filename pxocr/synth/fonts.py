"""Finding fonts: OCR-B from Debian's fonts-ocr-b, or any OTF/TTF the user names."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
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
