"""Inputs of a batch: files, folders (recursive) and globs -> the files to read, each with the
name of its outputs relative to the output folder.

A file or a glob's match writes ``STEM + suffix`` into the output folder, as ``pxocr read``
does; a file found in a folder keeps its place below that folder (``scans/2021/a.png`` given
as ``scans`` writes ``2021/a.txt``), so that equal names in different folders do not collide.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional, Sequence

from ..errors import InputError
from ..infer.image_io import IMAGE_SUFFIXES

SUFFIXES: tuple[str, ...] = IMAGE_SUFFIXES + (".pdf",)
"""File names read when found in a folder or by a glob (any case); a file named directly is always read."""

_GLOB_CHARS = set("*?[")


@dataclass(frozen=True)
class Input:
    path: str  # as given or found (relative paths stay relative: the outputs name its basename)
    stem: str  # output name without suffix, relative to the output folder ("2021/a")

    @property
    def key(self) -> str:
        """The input's identity in the manifest: its absolute path."""
        return os.path.abspath(self.path)


def discover(args: Sequence[str], exclude: Optional[str] = None) -> list[Input]:
    """Every input named by ``args``, in order, each once; files under ``exclude`` (the output
    folder) are left out. Raises InputError when an argument names nothing, or nothing is found."""
    out: list[Input] = []
    seen: set[str] = set()
    skip = os.path.abspath(exclude) if exclude else None
    for arg in args:
        found = list(_expand(arg))
        if not found:
            raise InputError(f"{arg}: no image or PDF files found" if os.path.isdir(arg) or _is_glob(arg)
                             else f"{arg}: no such file or folder")
        for item in found:
            key = item.key
            if key in seen or (skip and (key + os.sep).startswith(skip + os.sep)):
                continue
            seen.add(key)
            out.append(item)
    if not out:
        raise InputError(f"{' '.join(args)}: no image or PDF files found (outside the output folder)")
    return out


def _is_glob(arg: str) -> bool:
    return bool(_GLOB_CHARS & set(arg)) and not os.path.exists(arg)


def _expand(arg: str) -> Iterable[Input]:
    if os.path.isdir(arg):
        yield from _walk(arg)
    elif os.path.isfile(arg):
        yield Input(arg, Path(arg).stem)
    elif _is_glob(arg):
        for match in sorted(glob.glob(arg, recursive=True)):
            if os.path.isfile(match) and _wanted(match):
                yield Input(match, Path(match).stem)


def _walk(folder: str) -> Iterable[Input]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith(".") or not _wanted(name):
                continue
            path = os.path.join(root, name)
            rel = os.path.relpath(path, folder)
            yield Input(path, str(Path(rel).with_suffix("")).replace(os.sep, "/"))


def _wanted(name: str) -> bool:
    return name.lower().endswith(SUFFIXES)


def count_pages(path: str, ranges=None, fallback: int = 1) -> int:
    """Pages ``path`` is expected to hold (for the progress bar): a PDF's selected pages, a
    TIFF's frames, else 1; ``fallback`` when the file cannot be opened (reading it reports why)."""
    try:
        from ..infer.pdf_input import is_pdf, page_count, select_pages

        if is_pdf(Path(path)):
            return len(select_pages(ranges, page_count(Path(path)), path))
        if path.lower().endswith((".tif", ".tiff")):
            from PIL import Image

            with Image.open(path) as im:
                return int(getattr(im, "n_frames", 1))
    except Exception:  # noqa: BLE001 - only an estimate; the reading gives the real count or the error
        return fallback
    return 1
