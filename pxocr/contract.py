"""The model contract: what a network's outputs mean, carried inside the model file.

Torch-free. Training (targets, the line head's sampling), export (the ONNX metadata) and
reading (decoding) take these numbers from here; ``check_layout`` refuses a model file whose
metadata says otherwise (or says nothing), so a changed constant can never read wrongly.

The raw map (``pxocr.model.net``): one cell every ``STRIDE`` px, cell (i, j) centred at
((j + 0.5) * STRIDE, (i + 0.5) * STRIDE), channels in this order:
- ``HEAT``: the glyph-centre logit;
- ``BOX``: distances in px from the cell centre to the ink's left, top, right and bottom edges;
- ``LINE``: the glyph's line, (baseline - cell centre y) / ``BASELINE_SCALE`` and
  log(em / ``SIZE_REF``);
- from ``CLS_START``: class logits in ``CHARSET`` order.
The line head gives per frame the log-probabilities of ``BLANK``, the characters (1 + class)
and ``SPACE``: ``NUM_LINE_CLASSES`` in all.

``LineGrid``: how the line head reads a text line (``pxocr.decode.ctc``). The line's features
are sampled on ``rows`` rows from ``band[0]`` to ``band[1]`` em about the baseline (image y
down), one frame every ``frame_em`` em along it, from ``pad_em`` em before its first glyph to
``pad_em`` em after its last, at most ``max_frames`` frames. A proportional font's narrowest
glyphs (``i``, ``l``, ``.``: 0.2-0.3 em) need about two frames each, so its grid is finer than
the OCR-B grid (0.72 em a character, three frames each).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from .charset import CHARSET

STRIDE = 4
HEAT, BOX, LINE, CLS_START = 0, slice(1, 5), slice(5, 7), 7
BASELINE_SCALE = 16.0
SIZE_REF = 32.0
BLANK, SPACE = 0, len(CHARSET) + 1
NUM_LINE_CLASSES = len(CHARSET) + 2


def layout() -> dict:
    """The raw map's layout as the model metadata records it (key ``layout``)."""
    return {"stride": STRIDE, "heat": HEAT, "box": [BOX.start, BOX.stop], "line": [LINE.start, LINE.stop],
            "cls_start": CLS_START, "baseline_scale": BASELINE_SCALE, "size_ref": SIZE_REF, "charset": CHARSET,
            "line_classes": ["blank", "charset", "space"]}


def check_layout(meta: dict) -> None:
    """ValueError unless a model's metadata records exactly this package's layout."""
    got = meta.get("layout")
    if got is None:
        raise ValueError("it records no output layout (exported by an older pxocr): export it again")
    if not isinstance(got, dict):
        raise ValueError(f"its output layout is not a mapping ({got!r})")
    want = layout()
    bad = sorted(k for k in want.keys() | got.keys() if got.get(k) != want.get(k))
    if bad:
        raise ValueError(f"its output layout differs from this pxocr's in {', '.join(bad)}")


def encode_line(baseline: np.ndarray, size: np.ndarray, cell_y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ``LINE`` channels for a glyph on a line of ``baseline`` and em ``size`` px at cells of centre y
    ``cell_y``."""
    return (np.asarray(baseline) - cell_y) / BASELINE_SCALE, np.log(np.asarray(size) / SIZE_REF)


def decode_line(channels: np.ndarray, cell_y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(baseline y px, em px) from the ``LINE`` channels (2, n) at cells of centre y ``cell_y`` (n,)."""
    return cell_y + channels[0] * BASELINE_SCALE, SIZE_REF * np.exp(channels[1])


@dataclass(frozen=True)
class LineGrid:
    rows: int = 8
    frame_em: float = 0.24
    band: tuple[float, float] = (-1.0, 0.35)
    pad_em: float = 0.3
    max_frames: int = 400

    def __post_init__(self) -> None:
        if self.rows < 1 or self.max_frames < 1 or not self.frame_em > 0 or self.pad_em < 0:
            raise ValueError(f"bad line grid {self}: rows, max_frames >= 1, frame_em > 0, pad_em >= 0")
        if not self.band[0] < self.band[1]:
            raise ValueError(f"bad line grid band {self.band}: low < high")

    def frames(self, x0: np.ndarray, x1: np.ndarray, size: np.ndarray) -> np.ndarray:
        """Frame count (L,) of lines with ink from ``x0`` to ``x1`` px at em ``size`` px."""
        n = np.ceil((np.asarray(x1) - x0 + 2 * self.pad_em * np.asarray(size)) / (self.frame_em * np.asarray(size)))
        return np.clip(n, 1, self.max_frames).astype(np.int64)

    def sample_points(self, x0: float, x1: float, baseline: float, size: float) -> tuple[np.ndarray, np.ndarray]:
        """Sample positions (xs (T,), ys (rows,)) in image px for one line."""
        step = self.frame_em * size
        n = min(self.max_frames, max(1, math.ceil((x1 - x0 + 2 * self.pad_em * size) / step)))
        xs = x0 - self.pad_em * size + (np.arange(n) + 0.5) * step
        ys = baseline + size * np.linspace(self.band[0], self.band[1], self.rows)
        return xs, ys

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "LineGrid":
        d = dict(d)
        if "band" in d:
            d["band"] = tuple(d["band"])
        return cls(**d)


OCRB_GRID = LineGrid()
PROPORTIONAL_GRID = LineGrid(frame_em=0.12, max_frames=800)
