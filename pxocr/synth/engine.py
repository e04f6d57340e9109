"""The synthetic page engine: layout, rendering, degradation, ground truth.

``render_page(cfg, seed, index)`` draws page ``index`` of the stream seeded by ``seed``;
the same (config, seed, index) always gives the same pixels and the same ground truth.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Iterable, Iterator, Optional

import numpy as np

from ..boxes import intersects, union_box
from ..document import Char, Line, Page, in_reading_order
from ..errors import UsageError
from . import documents
from . import text as textgen
from .degrade import CLEAN, DEGRADED, HARD, SCAN, Degradations, compose
from .fonts import Face, resolve_font
from .glyphs import GlyphRenderer, stamp


@dataclass(frozen=True)
class SynthConfig:
    """What pages look like. Sizes in px; ``size_step`` quantises font sizes (em)."""

    width: int = 640
    height: int = 640
    font: Optional[str] = None  # path of an OTF/TTF; None = OCR-B
    fonts: tuple[Face, ...] = ()  # many faces: document pages in proportional fonts (synth.documents), not ``font``
    size_min: float = 16.0
    size_max: float = 48.0
    size_step: float = 0.5
    max_blocks: int = 16  # text blocks tried per page
    p_mrz: float = 0.1  # chance that a page gets a passport MRZ block
    p_dense: float = 0.0  # chance that a page is one paragraph filling it (dense training crops)
    margin: float = 4.0
    degrade: Degradations = field(default_factory=Degradations)
    p_symbols: float = textgen.P_SYMBOLS  # share of text tokens that are symbol runs (more: rare classes in training)
    p_rules: float = 0.0  # document pages: share of blocks that are rules drawn in text (synth.documents._rules)
    p_scripts: float = 0.0  # document pages: share of blocks with sub- and superscripts (synth.documents._formulas)

    def __post_init__(self) -> None:
        if self.width < 32 or self.height < 32:
            raise UsageError(f"page size {self.width}x{self.height} is too small (32x32 at least)")
        if self.width * self.height > 40_000_000:
            raise UsageError(f"page size {self.width}x{self.height} is too large (40 megapixels at most)")
        if not 4 <= self.size_min <= self.size_max <= 400:
            raise UsageError(f"font sizes {self.size_min}-{self.size_max} must satisfy 4 <= min <= max <= 400")
        if self.size_step <= 0 or self.max_blocks < 1:
            raise UsageError("size_step must be > 0 and max_blocks >= 1")
        if not all(0 <= p < 1 for p in (self.p_symbols, self.p_rules, self.p_scripts)):
            raise UsageError(f"p_symbols, p_rules and p_scripts must be in [0, 1), not {self.p_symbols}, "
                             f"{self.p_rules}, {self.p_scripts}")


PRESETS: dict[str, Degradations] = {"clean": CLEAN, "degraded": DEGRADED, "hard": HARD, "scan": SCAN}


def preset(name: str, **overrides) -> SynthConfig:
    """A named preset (clean, degraded, hard) with optional field overrides."""
    if name not in PRESETS:
        raise UsageError(f"unknown preset {name!r}: choose from {', '.join(PRESETS)}")
    return replace(SynthConfig(degrade=PRESETS[name]), **overrides)


@lru_cache(maxsize=4)
def font_renderer(font: Optional[str]) -> GlyphRenderer:
    """The renderer of ``font`` (a path; None = OCR-B), checked to hold every printable ASCII character."""
    r = GlyphRenderer(resolve_font(font))
    missing = r.missing("".join(chr(c) for c in range(0x21, 0x7F)))
    if missing:
        raise UsageError(f"{r.font_path}: font lacks characters {missing!r}")
    return r


@dataclass(frozen=True)
class LineSpec:
    text: str
    size: float
    x: float  # pen x of the first character
    baseline: float


def _overlaps(r, rects) -> bool:
    return any(intersects(r, q) for q in rects)


def _layout(rng: np.random.Generator, cfg: SynthConfig, rend: GlyphRenderer) -> list[LineSpec]:
    """Blocks of lines (single lines, paragraphs, columns, MRZ) at free positions."""
    W, H, m = cfg.width, cfg.height, cfg.margin
    adv = rend.advance("M")  # OCR-B is monospaced; other fonts get an upper-bound pitch
    pitch_em = max(adv, max(rend.advance(c) for c in textgen.CHARSET))
    taken: list[tuple[float, float, float, float]] = []
    specs: list[LineSpec] = []
    n_steps = int((cfg.size_max - cfg.size_min) / cfg.size_step)
    if cfg.p_dense > 0 and rng.random() < cfg.p_dense:  # no draw at all when off: pages stay as they were
        return _dense_layout(rng, cfg, rend, pitch_em, n_steps)
    blocks = int(rng.integers(max(1, cfg.max_blocks // 4), cfg.max_blocks + 1))
    mrz = rng.random() < cfg.p_mrz
    for b in range(blocks + int(mrz)):
        kind = "mrz" if (mrz and b == 0) else ["line", "line", "para", "para", "columns"][int(rng.integers(5))]
        size = cfg.size_min + cfg.size_step * int(rng.integers(0, n_steps + 1))
        if kind == "mrz":
            size = min(size, (W - 2 * m) / (44 * pitch_em + 0.5))
            size = max(cfg.size_min, np.floor(size / cfg.size_step) * cfg.size_step)
        pitch = pitch_em * size
        max_cols = int((W - 2 * m) / pitch) - 1
        if max_cols < 1:
            continue
        line_h = (rend.ink_top + rend.ink_bottom) * size
        spacing = line_h * float(rng.uniform(1.08, 1.7))
        n_lines = {"line": 1, "para": int(rng.integers(2, 13)), "columns": int(rng.integers(2, 7)),
                   "mrz": 2}[kind]
        n_cols = int(rng.integers(2, 4)) if kind == "columns" else 1
        gutter = pitch * float(rng.uniform(2, 5))
        col_chars = (44 if kind == "mrz"
                     else int(rng.integers(max(1, min(4, max_cols)), max_cols + 1)) // n_cols - 2)
        col_chars = max(1, min(col_chars, int((max_cols - (n_cols - 1) * gutter / pitch) / n_cols)))
        if kind == "mrz" and col_chars < 44:
            continue
        rect = None
        for attempt in range(40):
            if attempt and attempt % 10 == 0 and kind != "mrz":  # shrink the block and try again
                n_lines = max(1, n_lines // 2)
                col_chars = max(1, col_chars * 2 // 3)
            block_w = n_cols * col_chars * pitch + (n_cols - 1) * gutter
            block_h = (n_lines - 1) * spacing + line_h
            pad, pad_x = 0.35 * size, 1.5 * pitch  # blocks side by side stay >= 3 pitches apart
            x = float(rng.uniform(m, max(m, W - m - block_w)))
            y = float(rng.uniform(m, max(m, H - m - block_h)))
            cand = (x - pad_x, y - pad, x + block_w + pad_x, y + block_h + pad)
            if x + block_w <= W - m and y + block_h <= H - m and not _overlaps(cand, taken):
                rect = cand
                break
        if rect is None:
            continue
        taken.append(rect)
        specs += _block_lines(rng, cfg, kind, (n_lines, n_cols, col_chars), (x, y + rend.ink_top * size),
                              (pitch, gutter, spacing), size)
    return specs


def _block_lines(rng: np.random.Generator, cfg: SynthConfig, kind: str, shape: tuple[int, int, int],
                 origin: tuple[float, float], steps: tuple[float, float, float], size: float) -> list[LineSpec]:
    """The lines of one placed block: ``shape`` = (lines, columns, characters per column line),
    ``origin`` = (x, first baseline), ``steps`` = (pitch, gutter, line spacing) px."""
    n_lines, n_cols, col_chars = shape
    pitch, gutter, spacing = steps
    if kind == "mrz":
        texts = [list(textgen.mrz_td3(rng))]
    else:
        texts = [[textgen.line_text(rng, col_chars, cfg.p_symbols) for _ in range(n_lines)] for _ in range(n_cols)]
    align = ["left", "left", "right", "centre"][int(rng.integers(4))]
    out = []
    for c, column in enumerate(texts):
        cx = origin[0] + c * (col_chars * pitch + gutter)
        for i, t in enumerate(column):
            slack = (col_chars - len(t)) * pitch
            off = {"left": 0.0, "right": slack, "centre": slack / 2}[align]
            out.append(LineSpec(t, size, cx + off, origin[1] + i * spacing))
    return out


def _dense_layout(rng: np.random.Generator, cfg: SynthConfig, rend: GlyphRenderer, pitch_em: float,
                  n_steps: int) -> list[LineSpec]:
    """One paragraph of near-full lines filling the page: many glyphs per pixel for training."""
    W, H, m = cfg.width, cfg.height, cfg.margin
    size = cfg.size_min + cfg.size_step * int(rng.integers(0, n_steps + 1))
    pitch = pitch_em * size
    line_h = (rend.ink_top + rend.ink_bottom) * size
    spacing = line_h * float(rng.uniform(1.08, 1.4))
    max_cols = int((W - 2 * m) / pitch) - 1
    if max_cols < 1 or H - 2 * m < line_h:
        return []
    n_lines = int((H - 2 * m - line_h) / spacing) + 1
    x = float(rng.uniform(m, m + pitch))
    y = float(rng.uniform(m, max(m, H - m - (n_lines - 1) * spacing - line_h)))
    return [LineSpec(textgen.line_text(rng, max_cols, cfg.p_symbols), size, x, y + i * spacing + rend.ink_top * size)
            for i in range(n_lines)]


def render_lines(specs: list[LineSpec], cfg: SynthConfig, rend: GlyphRenderer):
    """Ink coverage (H, W) float32 and the ground-truth lines (unordered)."""
    cov = np.zeros((cfg.height, cfg.width), np.float32)
    lines: list[Line] = []
    for s in specs:
        chars: list[Char] = []
        pen = s.x
        for ch in s.text:
            if ch != " ":
                g, gx, gy, ink = rend.place(ch, s.size, pen, s.baseline)
                stamp(cov, g.coverage, gx, gy)
                chars.append(Char(ch, ink))
            pen += rend.advance(ch) * s.size
        if not chars:
            continue
        boxes = np.array([c.bbox for c in chars])
        bbox = union_box(boxes)
        lines.append(Line(s.text, bbox, chars,
                          baseline=round(s.baseline, 4), font_size=s.size))
    return cov, lines


def render_page(cfg: SynthConfig, seed: int, index: int, name: str = "") -> tuple[np.ndarray, Page]:
    """Page ``index`` of stream ``seed``: (uint8 (H, W) image, ground-truth Page)."""
    rng = np.random.default_rng([seed, index])
    if cfg.fonts:
        specs = documents.layout(rng, cfg.width, cfg.height, cfg.fonts, cfg.size_min, cfg.size_max, cfg.size_step,
                                 cfg.margin, cfg.p_symbols, cfg.p_rules, cfg.p_scripts)
        cov, lines = documents.render(specs, cfg.height, cfg.width)
    else:
        rend = font_renderer(cfg.font)
        cov, lines = render_lines(_layout(rng, cfg, rend), cfg, rend)
    image = compose(cov, cfg.degrade, rng)
    return image, Page(cfg.width, cfg.height, in_reading_order(lines), name)


def stacked(top: tuple[np.ndarray, Page], bottom: tuple[np.ndarray, Page]) -> tuple[np.ndarray, Page]:
    """Two rendered pages of one width, ``top`` over ``bottom``: one image, and one truth with the top's lines, then
    the bottom's moved down by the top's height (a title block over body text of another size)."""
    from ..infer.regions import shift_line

    (a, ta), (b, tb) = top, bottom
    image = np.concatenate([a, b], 0)
    lines = list(ta.lines) + [shift_line(ln, 0, a.shape[0]) for ln in tb.lines]
    return image, Page(image.shape[1], image.shape[0], lines)


def iter_pages(cfg: SynthConfig, seed: int, count: int, start: int = 0) -> Iterator[tuple[np.ndarray, Page]]:
    """Pages ``start .. start+count-1`` of stream ``seed``, in memory."""
    for i in range(start, start + count):
        yield render_page(cfg, seed, i, f"{i:06d}.png")


def write_dataset(out_dir: str, cfg: SynthConfig, seed: int, count: int, progress: bool = True) -> list[str]:
    """Write ``count`` PNG + JSON pairs to ``out_dir`` (atomically, file by file)."""
    return write_pages(out_dir, iter_pages(cfg, seed, count), count, progress)


def write_pages(out_dir: str, pages: Iterable[tuple[np.ndarray, Page]], count: int, progress: bool = True) -> list[str]:
    """Write pages (image, ground truth) as ``000000.png`` + ``000000.json`` ... to ``out_dir``
    (atomically, file by file); ``count`` sizes the progress bar."""
    from PIL import Image
    from tqdm import tqdm

    from ..writers.atomic import write_atomic

    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for i, (image, page) in enumerate(tqdm(pages, total=count, desc="synth", unit="page", disable=not progress)):
        png = os.path.join(out_dir, f"{i:06d}.png")
        buf = io.BytesIO()
        Image.fromarray(image).save(buf, format="PNG")
        write_atomic(png, buf.getvalue())
        write_atomic(os.path.join(out_dir, f"{i:06d}.json"), page.to_json(indent=1))
        paths.append(png)
    return paths
