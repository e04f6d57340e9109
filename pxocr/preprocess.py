"""Image -> network input, shared by training and every inference backend."""

from __future__ import annotations

import numpy as np

MULTIPLE = 16  # the network's total stride


def to_input(gray: np.ndarray) -> np.ndarray:
    """uint8 (H, W) page, ink dark -> float32 (1, 1, H', W') with ink = 1, zero-padded on the
    right and bottom to multiples of 16 (padding is blank paper)."""
    h, w = gray.shape
    hp, wp = -(-h // MULTIPLE) * MULTIPLE, -(-w // MULTIPLE) * MULTIPLE
    x = np.zeros((1, 1, hp, wp), np.float32)
    ink = x[0, 0, :h, :w]
    np.subtract(np.float32(255.0), gray, out=ink, dtype=np.float32)  # in place: 3x faster than a lookup table
    ink *= np.float32(1 / 255.0)
    return x
