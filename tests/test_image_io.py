"""Image loading: every mode and format to the expected gray, every bad input to one InputError line."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
import pytest
from imagefiles import patch_ihdr
from PIL import Image

from pxocr.errors import InputError
from pxocr.infer import image_io
from pxocr.infer.image_io import load_images

# ---------------------------------------------------------------------------- helpers


def _png(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, "PNG")
    return buf.getvalue()


def _save(tmp_path: Path, name: str, im: Image.Image, **kw) -> Path:
    path = tmp_path / name
    im.save(path, **kw)
    return path


def _one(source) -> np.ndarray:
    pages = load_images(source)
    assert len(pages) == 1
    gray = pages[0][1]
    assert gray.dtype == np.uint8 and gray.ndim == 2
    return gray


def _error(source) -> str:
    with pytest.raises(InputError) as info:
        load_images(source)
    msg = str(info.value)
    assert "\n" not in msg and msg
    return msg


# ---------------------------------------------------------------------------- bad inputs


def test_missing_file(tmp_path):
    path = tmp_path / "nope.png"
    msg = _error(path)
    assert str(path) in msg and "no such file" in msg


def test_directory(tmp_path):
    msg = _error(str(tmp_path))
    assert str(tmp_path) in msg and "directory" in msg


def test_empty_file(tmp_path):
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    msg = _error(path)
    assert str(path) in msg and "empty" in msg


def test_text_file_named_png(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("hello, I am not a picture\n" * 20)
    msg = _error(path)
    assert str(path) in msg and "not a supported image" in msg


def test_truncated_png(tmp_path):
    noise = np.random.default_rng(0).integers(0, 256, (200, 200, 3), dtype=np.uint8)
    data = _png(noise)
    path = tmp_path / "half.png"
    path.write_bytes(data[: len(data) // 2])
    msg = _error(path)
    assert str(path) in msg and "truncated" in msg


def test_corrupt_png_data(tmp_path):
    data = bytearray(_png(np.random.default_rng(1).integers(0, 256, (64, 64), dtype=np.uint8)))
    idat = data.index(b"IDAT")
    data[idat + 20 : idat + 40] = bytes(20)  # zeroed compressed bytes: bad CRC / bad zlib stream
    path = tmp_path / "corrupt.png"
    path.write_bytes(bytes(data))
    assert str(path) in _error(path)


def test_zero_size_png(tmp_path):
    path = tmp_path / "zero.png"
    path.write_bytes(patch_ihdr(_png(np.zeros((4, 4), np.uint8)), 0, 4))
    assert str(path) in _error(path)


@pytest.mark.parametrize("source", [np.zeros((0, 5), np.uint8), np.zeros((5, 0, 3), np.uint8),
                                    Image.new("L", (0, 5))])
def test_zero_size_in_memory(source):
    assert "zero size" in _error(source)


def test_decompression_bomb(tmp_path):
    """A 100000 x 100000 header over a few bytes of data: refused before any allocation."""
    path = tmp_path / "bomb.png"
    path.write_bytes(patch_ihdr(_png(np.zeros((8, 8), np.uint8)), 100_000, 100_000))
    msg = _error(path)
    assert str(path) in msg and "too large" in msg


def test_over_explicit_limit_no_warning(tmp_path):
    """120 MP: under Pillow's hard limit (it only warns), over MAX_PIXELS: our error, no warning."""
    path = tmp_path / "big.png"
    path.write_bytes(patch_ihdr(_png(np.zeros((8, 8), np.uint8)), 12_000, 10_000))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        msg = _error(path)
    assert str(path) in msg and "too large" in msg and str(image_io.MAX_PIXELS) in msg


def test_limit_is_the_constant(tmp_path, monkeypatch):
    path = _save(tmp_path, "small.png", Image.new("L", (20, 10), 255))
    assert _one(path).shape == (10, 20)
    monkeypatch.setattr(image_io, "MAX_PIXELS", 199)
    assert "too large" in _error(path)


@pytest.mark.parametrize(
    "array, words",
    [
        (np.zeros((2, 3, 5), np.uint8), "shape"),
        (np.zeros((2, 3, 4, 1), np.uint8), "shape"),
        (np.array([[0.0, np.nan]]), "NaN"),
        (np.array([[0, 300]], np.int64), "outside 0..255"),
        (np.array([[1 + 2j]]), "unsupported pixel type"),
    ],
)
def test_bad_arrays(array, words):
    assert words in _error(array)


def test_bad_source_type():
    assert "list" in _error([1, 2, 3])


# ---------------------------------------------------------------------------- good modes

# (100, 150, 200) -> 0.299*100 + 0.587*150 + 0.114*200 = 140.75 -> 141
RGB, RGB_GRAY = (100, 150, 200), 141


@pytest.mark.parametrize("fmt, ext", [("PNG", "png"), ("BMP", "bmp"), ("TIFF", "tif"),
                                      ("WEBP", "webp"), ("PPM", "ppm")])
def test_rgb_lossless_formats(tmp_path, fmt, ext):
    kw = {"lossless": True} if fmt == "WEBP" else {}
    path = _save(tmp_path, f"rgb.{ext}", Image.new("RGB", (7, 5), RGB), format=fmt, **kw)
    gray = _one(path)
    assert gray.shape == (5, 7) and (gray == RGB_GRAY).all()


def test_jpeg(tmp_path):
    path = _save(tmp_path, "g.jpg", Image.new("RGB", (16, 16), RGB), quality=95)
    assert np.abs(_one(path).astype(int) - RGB_GRAY).max() <= 2


def test_rgba_composited_on_white(tmp_path):
    px = np.array([[[0, 0, 0, 0], [0, 0, 0, 128], [*RGB, 255], [0, 0, 0, 255]]], np.uint8)
    path = _save(tmp_path, "rgba.png", Image.fromarray(px, "RGBA"))
    assert _one(path).tolist() == [[255, 127, RGB_GRAY, 0]]


def test_la(tmp_path):
    px = np.array([[[0, 0], [0, 255], [90, 255]]], np.uint8)
    path = _save(tmp_path, "la.png", Image.fromarray(px, "LA"))
    assert _one(path).tolist() == [[255, 0, 90]]


def _palette_image() -> Image.Image:
    im = Image.fromarray(np.array([[0, 1, 2]], np.uint8), "P")
    im.putpalette([10, 20, 30, 0, 0, 0, 255, 255, 255] + [0] * (3 * 253))
    return im


@pytest.mark.parametrize("ext", ["png", "gif"])
def test_palette_with_transparency(tmp_path, ext):
    # entry 0 (10, 20, 30) -> 2.99 + 11.74 + 3.42 = 18.15 -> 18; entry 1 transparent -> paper
    path = _save(tmp_path, f"p.{ext}", _palette_image(), transparency=1)
    assert _one(path).tolist() == [[18, 255, 255]]


def test_palette_opaque(tmp_path):
    path = _save(tmp_path, "p.bmp", _palette_image())
    assert _one(path).tolist() == [[18, 0, 255]]


def test_sixteen_bit_png(tmp_path):
    px = np.array([[0, 257, 32768, 65535]], np.uint16)
    path = _save(tmp_path, "g16.png", Image.fromarray(px))
    assert Image.open(path).mode.startswith("I")
    assert _one(path).tolist() == [[0, 1, 128, 255]]


def test_sixteen_bit_tiff_and_int32(tmp_path):
    px = np.array([[0, 65535]], np.uint16)
    assert _one(_save(tmp_path, "g16.tif", Image.fromarray(px))).tolist() == [[0, 255]]
    im32 = Image.fromarray(px.astype(np.int32))
    assert im32.mode == "I"
    assert _one(_save(tmp_path, "g32.tif", im32)).tolist() == [[0, 255]]


def test_one_bit(tmp_path):
    im = Image.fromarray(np.array([[True, False, True]]))
    assert im.mode == "1"
    assert _one(_save(tmp_path, "bw.png", im)).tolist() == [[255, 0, 255]]


def test_cmyk(tmp_path):
    px = np.array([[[0, 0, 0, 0], [0, 0, 0, 255]]], np.uint8)
    path = _save(tmp_path, "cmyk.tif", Image.fromarray(px, "CMYK"))
    assert _one(path).tolist() == [[255, 0]]


def test_float_tiff(tmp_path):
    im = Image.fromarray(np.array([[0.0, 0.25, 1.0]], np.float32))
    assert im.mode == "F"
    assert _one(_save(tmp_path, "f.tif", im)).tolist() == [[0, 64, 255]]


@pytest.mark.parametrize(
    "array, expected",
    [
        (np.array([[0, 7, 255]], np.uint8), [0, 7, 255]),
        (np.array([[0, 32768, 65535]], np.uint16), [0, 128, 255]),
        (np.array([[0.0, 0.25, 1.0]]), [0, 64, 255]),
        (np.array([[0.0, 7.0, 255.0]], np.float32), [0, 7, 255]),
        (np.array([[False, True]]), [0, 255]),
        (np.array([[0, 200]], np.int64), [0, 200]),
        (np.array([[[9], [250]]], np.uint8), [9, 250]),
        (np.array([[RGB, (0, 0, 0)]], np.uint8), [RGB_GRAY, 0]),
        (np.array([[[0, 0, 0, 0], [*RGB, 255]]], np.uint8), [255, RGB_GRAY]),
        (np.array([[[0, 0], [90, 65535]]], np.uint16), [255, 0]),
        (np.array([[[0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0]]]), [255, 255]),
    ],
)
def test_arrays(array, expected):
    pages = load_images(array)
    assert [name for name, _ in pages] == ["<array>"]
    assert pages[0][1].tolist() == [expected]


def test_pil_image_source():
    im = Image.new("RGB", (3, 2), RGB)
    [(name, gray)] = load_images(im)
    assert name == "<image>" and gray.shape == (2, 3) and (gray == RGB_GRAY).all()


def test_name_is_the_path(tmp_path):
    path = _save(tmp_path, "a.png", Image.new("L", (3, 2), 5))
    assert [n for n, _ in load_images(path)] == [str(path)]
    assert [n for n, _ in load_images(str(path))] == [str(path)]


@pytest.mark.parametrize("ext", ["png", "jpg"])
def test_exif_orientation(tmp_path, ext):
    """Stored 30 wide x 20 high with Orientation=6 (rotate 90 degrees clockwise to view)."""
    a = np.full((20, 30), 200, np.uint8)
    a[5:7, 2:4] = 0  # a 2x2 mark: stored rows 5-6, columns 2-3
    exif = Image.Exif()
    exif[0x0112] = 6
    kw = {"quality": 95} if ext == "jpg" else {}
    path = _save(tmp_path, f"rot.{ext}", Image.fromarray(a), exif=exif, **kw)
    gray = _one(path)
    assert gray.shape == (30, 20)
    # stored column c -> upright row c; stored row r -> upright column 20 - 1 - r
    dark = np.argwhere(gray < 100)
    assert sorted(map(tuple, dark)) == [(2, 13), (2, 14), (3, 13), (3, 14)]


def test_multipage_tiff(tmp_path):
    path = tmp_path / "two.tif"
    pages = [Image.new("L", (4, 3), 10), Image.new("RGB", (5, 2), RGB)]
    pages[0].save(path, save_all=True, append_images=pages[1:])
    loaded = load_images(path)
    assert [n for n, _ in loaded] == [f"{path}#1", f"{path}#2"]
    assert loaded[0][1].shape == (3, 4) and (loaded[0][1] == 10).all()
    assert loaded[1][1].shape == (2, 5) and (loaded[1][1] == RGB_GRAY).all()


def test_animated_gif_first_frame(tmp_path):
    path = tmp_path / "anim.gif"
    frames = [Image.new("L", (4, 4), 0), Image.new("L", (4, 4), 255)]
    frames[0].save(path, save_all=True, append_images=frames[1:])
    assert (_one(path) == 0).all()
