"""Image -> network input, shared by training and every inference backend."""

from __future__ import annotations

import numpy as np

MULTIPLE = 16  # the network's total stride
_INK = ((255.0 - np.arange(256, dtype=np.float32)) / 255.0).astype(np.float32)  # grey level -> ink


def to_input(gray: np.ndarray) -> np.ndarray:
    """uint8 (H, W) page, ink dark -> float32 (1, 1, H', W') with ink = 1, zero-padded on the
    right and bottom to multiples of 16 (padding is blank paper)."""
    h, w = gray.shape
    hp, wp = -(-h // MULTIPLE) * MULTIPLE, -(-w // MULTIPLE) * MULTIPLE
    x = np.zeros((1, 1, hp, wp), np.float32)
    x[0, 0, :h, :w] = _INK[gray]
    return x
