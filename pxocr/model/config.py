"""Model configuration: one frozen dataclass, validated when built."""

from __future__ import annotations

from dataclasses import dataclass

from ..charset import NUM_CLASSES
from ..contract import PROPORTIONAL_GRID, LineGrid


@dataclass(frozen=True)
class ModelConfig:
    """Channels per stage (strides 2, 4, 8, 16) and of the stride-4 head."""

    stem: int = 8
    c4: int = 16
    c8: int = 32
    c16: int = 64
    blocks: tuple[int, int, int] = (1, 2, 2)  # extra blocks at strides 4, 8, 16
    head: int = 24
    num_classes: int = NUM_CLASSES
    expand: int = 2  # inverted-residual expansion
    line_head: int = 0  # channels of the CTC line head (pxocr.decode.ctc); 0 = no line head
    grid: LineGrid = LineGrid()  # where the line head samples a line (OCR-B's grid by default)

    def __post_init__(self) -> None:
        if self.line_head < 0:
            raise ValueError("ModelConfig.line_head must be >= 0")
        for name in ("stem", "c4", "c8", "c16", "head", "num_classes", "expand"):
            if getattr(self, name) < 1:
                raise ValueError(f"ModelConfig.{name} must be >= 1")
        if len(self.blocks) != 3 or min(self.blocks) < 0:
            raise ValueError("ModelConfig.blocks is three non-negative counts")

PRESETS = {
    "default": ModelConfig(),
    "ctc": ModelConfig(line_head=64),
    "tiny": ModelConfig(stem=8, c4=16, c8=24, c16=32, blocks=(0, 1, 1), head=16),
    # Many fonts (issue 17): a wider head and line head, a finer line grid for narrow glyphs.
    # (stem 16, c4 24, c8 48, c16 96 trained at 1.27 s a step here, this at 0.76, ``ctc`` at 0.69.)
    "latin": ModelConfig(head=32, line_head=96, grid=PROPORTIONAL_GRID),
    # ``latin`` with about twice the weights (342 k): wider stages from stride 4 on, head and line
    # head; the stride-2 stem stays 8 wide (it runs on the most pixels). It starts from a ``latin``
    # run's weights with ``pxocr train --init`` (``pxocr.model.grow``: the same function at step 0).
    "latin-wide": ModelConfig(c4=24, c8=48, c16=96, head=40, line_head=128, grid=PROPORTIONAL_GRID),
    # ``latin-wide`` deeper and wider where pixels are few (717 k weights): two more blocks at
    # strides 8 and 16, 64 / 128 channels there, a 48-wide head and a 160-wide line head. Started
    # from a ``latin-wide`` run (``pxocr.model.grow``: the new blocks start as the identity).
    "latin-deep": ModelConfig(c4=24, c8=64, c16=128, blocks=(1, 4, 4), head=48, line_head=160,
                              grid=PROPORTIONAL_GRID),
    # ``latin-deep`` with the two last blocks of its stride-8 and -16 stages left out (a third less time for the
    # image branch: scripts/time_network_shapes.py), started from a ``latin-deep`` run's weights with
    # ``pxocr train --init`` (``pxocr.model.grow.prune_into``): issue 17's speed.
    "latin-fast": ModelConfig(c4=24, c8=64, c16=128, blocks=(1, 2, 2), head=48, line_head=160,
                              grid=PROPORTIONAL_GRID),
    "tiny-ctc": ModelConfig(stem=8, c4=16, c8=24, c16=32, blocks=(0, 1, 1), head=16, line_head=16),
}
