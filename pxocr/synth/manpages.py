"""Real documents of another typesetter: the installed manual pages set by groff in the PostScript
base families (URW's Times, Helvetica, Palatino, New Century Schoolbook, Avant Garde and Courier
clones) and turned into PDF files by Ghostscript, for ``pxocr synth --pdfs`` to crop.

The PDF files the Debian packages install are almost all set by TeX (Computer Modern, Latin
Modern, Times); a manual page's layout (tagged paragraphs, option lists, bold and italic runs,
Courier examples) and its fonts' metrics are not TeX's. Pages are drawn at random from sections 1,
5 and 8 (at most :data:`PER_STEM` of one command's), each set in a random family at 10, 11 or 12 pt;
manual pages of the packages whose PDF files are kept for evaluation are never drawn
(:data:`NEVER_MAN`).
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
from typing import Optional

import numpy as np

from ..errors import InputError

MAN_DIRS = ("/usr/share/man/man1", "/usr/share/man/man5", "/usr/share/man/man8")
FAMILIES = {"T": "Times", "H": "Helvetica", "P": "Palatino", "N": "New Century Schoolbook",
            "A": "Avant Garde", "C": "Courier"}  # groff's family names; Bookman is left out: its clone
# TeX Gyre Bonum is a held-out family (pxocr.synth.fonts.HELD_OUT)
SIZES_PT = (10, 11, 12)  # the sizes groff's man macros offer (-rS)
MIN_TEXT = 400  # characters on every page but the last: less, and groff lost the text (an unknown font)
MIN_BYTES = 2500  # compressed: a page shorter than this is mostly its header
NEVER_MAN = ("asn1", "tasn", "mime", "reportlab", "glpk", "glpsol")  # the evaluation's packages
TIMEOUT_S = 60
PER_STEM = 2  # pages drawn at most from one stem (``gcloud``'s 850 pages, ``git``'s 85)


def man_pages(dirs: tuple[str, ...] = MAN_DIRS) -> list[str]:
    """The installed manual pages (gzipped troff) that may be typeset, sorted."""
    found = (p for d in dirs for p in glob.glob(os.path.join(d, "*.gz")))
    return sorted(p for p in found if os.path.getsize(p) >= MIN_BYTES
                  and not any(x in os.path.basename(p).lower() for x in NEVER_MAN))


def typeset(out: str, count: int, seed: int, progress: bool = True) -> list[str]:
    """``count`` PDF files in ``out``, each a random manual page in a random family and size;
    returns their paths. A page groff or Ghostscript fails on is skipped for another."""
    for tool in ("groff", "ps2pdf"):
        if shutil.which(tool) is None:
            raise InputError(f"{tool} is not installed: apt-get install groff-base ghostscript")
    pages = man_pages()
    if not pages:
        raise InputError(f"no manual pages in {', '.join(MAN_DIRS)}")
    from tqdm import tqdm

    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng([seed, 47])
    order = rng.permutation(len(pages))
    made: list[str] = []
    stems: dict[str, int] = {}
    bar = tqdm(total=count, desc="typeset", unit="pdf", disable=not progress)
    for k in order:
        if len(made) == count:
            break
        stem = re.split(r"[-_.]", os.path.basename(pages[k]))[0]
        if stems.get(stem, 0) >= PER_STEM:
            continue
        family = list(FAMILIES)[int(rng.integers(len(FAMILIES)))]
        size = SIZES_PT[int(rng.integers(len(SIZES_PT)))]
        name = os.path.basename(pages[k])[:-3].replace(".", "_")
        path = _typeset_one(pages[k], os.path.join(out, f"{len(made):04d}-{name}-{family}{size}.pdf"), family, size)
        if path:
            stems[stem] = stems.get(stem, 0) + 1
            made.append(path)
            bar.update()
    bar.close()
    if len(made) < count:
        raise InputError(f"only {len(made)} of {count} manual pages could be typeset")
    return made


def _typeset_one(page: str, path: str, family: str, size: int) -> Optional[str]:
    """``page`` set by groff in ``family`` at ``size`` pt, written to ``path`` (whole or not at all)."""
    import gzip

    try:
        with gzip.open(page, "rb") as f:
            source = f.read()
        ps = subprocess.run(["groff", "-man", "-Tps", f"-f{family}", f"-rS{size}"], input=source,
                            capture_output=True, timeout=TIMEOUT_S, check=True).stdout
        tmp = path + ".part"
        subprocess.run(["ps2pdf", "-", tmp], input=ps, capture_output=True, timeout=TIMEOUT_S, check=True)
        if not _has_text(tmp):
            raise OSError("groff set no text")
        os.replace(tmp, path)
        return path
    except (OSError, subprocess.SubprocessError):
        if os.path.exists(path + ".part"):
            os.remove(path + ".part")
        return None


def _has_text(path: str) -> bool:
    import pymupdf

    with pymupdf.open(path) as doc:
        pages = [len(page.get_text().strip()) for page in doc]
    return bool(pages) and min(pages[:-1] or pages) >= MIN_TEXT
