"""Load input images for reading: any file, PIL image or array -> upright grayscale pages.

Every page comes back as ``(name, gray)`` with ``gray`` a ``(H, W)`` uint8 array in the
pixels of the upright image (EXIF orientation applied, DESIGN.md 1.1). Colour becomes gray
with the ITU-R 601 luma weights (0.299 R + 0.587 G + 0.114 B, as Pillow's ``convert("L")``);
transparent pixels are composited on white paper; 16-bit data is scaled to 8 bits.

Every failure raises :class:`pxocr.errors.InputError` with one line naming the input.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional, Union

import numpy as np
from PIL import Image, ImageOps

from pxocr.errors import InputError

ImageSource = Union[str, os.PathLike, Image.Image, np.ndarray]

# file names read as images (a folder given to `pxocr eval --data`)
IMAGE_SUFFIXES: tuple[str, ...] = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp", ".gif")
MAX_PIXELS = 100_000_000
"""Largest page accepted, in pixels (width * height); larger ones are refused unread."""

MAX_TOTAL_PIXELS = 1_000_000_000
"""Largest sum of page sizes of one multi-page input (1 GB of grayscale pixels)."""

FORMATS = ("PNG", "JPEG", "TIFF", "BMP", "WEBP", "GIF", "PPM")
"""Pillow formats that are opened (PPM covers PBM/PGM/PPM/PNM); JPEG includes MPO."""

_ALPHA_MODES = {"RGBA", "RGBa", "LA", "La", "PA"}


@dataclass(frozen=True)
class InputPage:
    """One page to read: its name (``file#3`` for page 3 of several), its gray pixels and, for a
    PDF page, the resolution it was rendered at and its size in points."""

    name: str
    gray: np.ndarray
    dpi: Optional[float] = None
    size_pt: Optional[tuple[float, float]] = None


def load_images(source: ImageSource) -> list[tuple[str, np.ndarray]]:
    """Load every page of ``source`` as ``(name, gray)``, ``gray`` a ``(H, W)`` uint8 array.

    ``source`` is a file path, a PIL image or an array: ``(H, W)`` gray, or ``(H, W, C)``
    with C = 1 (gray), 2 (gray + alpha), 3 (RGB) or 4 (RGBA); dtype uint8, uint16 (scaled
    by 255/65535), bool, float (in [0, 1], or in [0, 255] when its maximum exceeds 1) or
    another integer type with values in 0..255.

    A multi-page TIFF yields every page, named ``file.tif#1``, ``file.tif#2``, ...; other
    animated formats (GIF, WebP) yield their first frame only.
    """
    return list(iter_images(source))


def iter_images(source: ImageSource) -> Iterator[tuple[str, np.ndarray]]:
    """Like :func:`load_images`, one page at a time (a long TIFF needs one page in memory)."""
    for page in iter_pages(source):
        yield page.name, page.gray


def iter_pages(source: ImageSource, dpi: Optional[float] = None, pages=None,
               skip_text: bool = False) -> Iterator[InputPage]:
    """Every page of ``source`` as an :class:`InputPage`, one at a time; a PDF file's pages are
    rendered (``pxocr.infer.pdf_input``: ``dpi``, ``pages`` ranges, ``skip_text``)."""
    if isinstance(source, (str, os.PathLike)):
        from .pdf_input import is_pdf, iter_pdf

        path = Path(source)
        if path.is_file() and is_pdf(path):
            yield from iter_pdf(path, dpi=dpi, pages=pages, skip_text=skip_text, max_pixels=MAX_PIXELS)
            return
    for name, gray in _iter_raster(source):
        yield InputPage(name, gray)


def _iter_raster(source: ImageSource) -> Iterator[tuple[str, np.ndarray]]:
    if isinstance(source, np.ndarray):
        yield "<array>", _array_to_gray(source, "<array>")
    elif isinstance(source, Image.Image):
        name = getattr(source, "filename", "") or "<image>"
        yield from _frames(source, name)
    elif isinstance(source, (str, os.PathLike)):
        yield from _load_file(Path(source))
    else:
        kind = type(source).__name__
        raise InputError(f"cannot read an image from a {kind}; give a path, a PIL image or an array")


def _load_file(path: Path) -> Iterator[tuple[str, np.ndarray]]:
    name = str(path)
    if not path.exists():
        raise InputError(f"{name}: no such file")
    if path.is_dir():
        raise InputError(f"{name}: is a directory, not an image")
    try:
        if path.stat().st_size == 0:
            raise InputError(f"{name}: file is empty")
        im = _open(path, name)
    except OSError as e:
        raise InputError(f"{name}: cannot open ({e.strerror or _reason(e)})") from None
    with im:
        yield from _frames(im, name)


def _open(path: Path, name: str) -> Image.Image:
    try:
        with warnings.catch_warnings():
            # MAX_PIXELS is the limit, checked in _frames; Pillow's own hard limit still raises.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(path, formats=FORMATS)
    except Image.UnidentifiedImageError:
        kinds = ", ".join(FORMATS).replace("WEBP", "WebP").replace("PPM", "PNM")
        raise InputError(f"{name}: not a supported image ({kinds}), or its header is corrupt") from None
    except Image.DecompressionBombError as e:
        raise InputError(f"{name}: image too large, refused ({_reason(e)})") from None
    except OSError:
        raise
    except Exception as e:  # Pillow's plugins raise many types on a malformed header
        raise InputError(f"{name}: cannot decode image ({_reason(e)})") from None


def _frames(im: Image.Image, name: str) -> Iterator[tuple[str, np.ndarray]]:
    """Each page of an opened image; every frame for TIFF, the first one otherwise."""
    n = _decode(name, lambda: getattr(im, "n_frames", 1)) if im.format == "TIFF" else 1
    start = im.tell() if n > 1 else 0
    total = 0
    try:
        for i in range(n):
            page = f"{name}#{i + 1}" if n > 1 else name
            if n > 1:
                _decode(page, lambda: im.seek(i))
            w, h = im.size
            _check_size(page, w, h)
            total += w * h
            if total > MAX_TOTAL_PIXELS:
                raise InputError(f"{name}: pages too large in total (more than {MAX_TOTAL_PIXELS} pixels)")
            yield page, _decode(page, lambda: _image_to_gray(_upright(im), page))
    finally:
        if n > 1:
            try:
                im.seek(start)
            except Exception:  # the file may be closed or broken by now; nothing to restore
                pass


def _check_size(name: str, w: int, h: int) -> None:
    if w <= 0 or h <= 0:
        raise InputError(f"{name}: image has zero size ({w}x{h})")
    if w * h > MAX_PIXELS:
        raise InputError(f"{name}: image too large ({w}x{h} = {w * h} pixels; the limit is {MAX_PIXELS})")


def _decode(name: str, fn):
    """Run a decoding step; map any error from Pillow or numpy to one InputError line."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return fn()
    except InputError:
        raise
    except Image.DecompressionBombError as e:
        raise InputError(f"{name}: image too large, refused ({_reason(e)})") from None
    except Exception as e:  # truncated data, bad CRC, broken plugin state: all one kind of failure
        raise InputError(f"{name}: cannot decode image ({_reason(e)})") from None


def _upright(im: Image.Image) -> Image.Image:
    """Decode ``im`` and apply its EXIF orientation; an unreadable EXIF block is ignored."""
    im.load()  # decodes the pixels: a truncated or corrupt file fails here
    try:
        return ImageOps.exif_transpose(im)
    except Exception:  # broken EXIF: viewers show the stored orientation, so do we
        return im


def _image_to_gray(im: Image.Image, name: str) -> np.ndarray:
    """A decoded PIL image of any mode -> ``(H, W)`` uint8 gray."""
    mode = im.mode
    if mode == "L" and "transparency" not in im.info:
        return np.asarray(im, dtype=np.uint8)
    if mode.startswith("I;16"):
        return _to_uint8(np.asarray(im), name)
    if mode == "I":  # 32-bit integer: taken as 16-bit data (as 16-bit PNG/PNM decode in older Pillow)
        return _to_uint8(np.clip(np.asarray(im), 0, 65535).astype(np.uint16), name)
    if mode == "F":
        return _to_uint8(np.asarray(im), name)
    if mode == "1":
        return np.asarray(im.convert("L"), dtype=np.uint8)
    if mode == "LAB":
        return np.asarray(im.getchannel("L"), dtype=np.uint8)
    if mode in _ALPHA_MODES or "transparency" in im.info:
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return np.asarray(Image.alpha_composite(white, rgba).convert("L"), dtype=np.uint8)
    try:
        rgb = im if mode == "RGB" else im.convert("RGB")
    except ValueError:
        raise InputError(f"{name}: unsupported image mode {mode}") from None
    return np.asarray(rgb.convert("L"), dtype=np.uint8)


def _array_to_gray(a: np.ndarray, name: str) -> np.ndarray:
    """``(H, W)`` or ``(H, W, C)`` array, C in 1..4 -> ``(H, W)`` uint8 gray."""
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[2] not in (2, 3, 4)):
        raise InputError(f"{name}: expected an (H, W) or (H, W, C) array with C in 1..4, got shape {a.shape}")
    _check_size(name, a.shape[1], a.shape[0])
    a8 = np.ascontiguousarray(_to_uint8(a, name))
    if a8.ndim == 2:
        return a8
    mode = {2: "LA", 3: "RGB", 4: "RGBA"}[a8.shape[2]]
    return _image_to_gray(Image.fromarray(a8, mode), name)


def _to_uint8(a: np.ndarray, name: str) -> np.ndarray:
    """Scale pixel values to uint8: uint16 by 255/65535, float from [0, 1] (or [0, 255])."""
    kind, size = a.dtype.kind, a.dtype.itemsize
    if kind == "u" and size == 1:
        return a.astype(np.uint8, copy=False)
    if kind == "b":
        return a.astype(np.uint8) * 255
    if kind == "u" and size == 2:
        return ((a.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)
    if kind == "f":
        if not np.isfinite(a).all():
            raise InputError(f"{name}: image holds NaN or infinite values")
        scale = 255.0 if a.size and a.max() <= 1.0 + 1e-3 else 1.0
        return np.clip(np.rint(a.astype(np.float32) * scale), 0, 255).astype(np.uint8)
    if kind in "iu":
        if a.size and (a.min() < 0 or a.max() > 255):
            raise InputError(
                f"{name}: {a.dtype} values outside 0..255; pass uint16 for 16-bit data or floats in [0, 1]"
            )
        return a.astype(np.uint8)
    raise InputError(f"{name}: unsupported pixel type {a.dtype}")


def _reason(e: BaseException) -> str:
    """An exception as a short single-line reason."""
    text = " ".join(str(e).split()) or type(e).__name__
    return text if len(text) <= 200 else text[:197] + "..."
