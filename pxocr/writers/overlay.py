"""Box overlay: a page image with ground-truth and predicted boxes drawn on it.

Boxes are drawn at their exact float coordinates times ``zoom`` (DESIGN.md 1.1), as an
outline in the zoomed pixels just outside the box: the left/top edge on the column/row
before ``x0 * zoom`` / ``y0 * zoom``, the right/bottom edge on the column/row at
``x1 * zoom`` / ``y1 * zoom``. A tight box touches the ink without covering it, and with
``zoom`` >= 4 an error of 1/``zoom`` px is visible.

Colours: ground truth green, prediction red, yellow where both outlines fall on the same
pixels (edges agree to within 1/``zoom`` px); line boxes thin and lighter. Each character's
label is drawn small, above its box for ground truth and below it for predictions.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from pxocr.document import Box, Page

GT = (0, 170, 0)
PRED = (230, 0, 0)
BOTH = (225, 185, 0)
GT_LINE = (150, 220, 150)
PRED_LINE = (245, 160, 160)
BOTH_LINE = (235, 215, 130)


def draw_boxes(
    gray: np.ndarray, gt: Optional[Page] = None, pred: Optional[Page] = None, zoom: int = 1
) -> Image.Image:
    """``(H, W)`` uint8 page + pages of boxes -> RGB image of size ``(W * zoom, H * zoom)``."""
    gray = np.asarray(gray)
    if gray.ndim != 2 or gray.dtype != np.uint8:
        raise ValueError(f"expected an (H, W) uint8 array, got {gray.shape} {gray.dtype}")
    if int(zoom) != zoom or zoom < 1:
        raise ValueError(f"zoom must be an integer >= 1, got {zoom}")
    zoom = int(zoom)
    h, w = gray.shape
    base = Image.fromarray(gray, "L").resize((w * zoom, h * zoom), Image.Resampling.NEAREST)
    rgb = np.stack([np.asarray(base)] * 3, axis=-1)  # (H*zoom, W*zoom, 3)

    # Line boxes first, character boxes over them; each layer is a mask per source.
    for page_boxes, colours in ((_line_boxes, (GT_LINE, PRED_LINE, BOTH_LINE)),
                                (_char_boxes, (GT, PRED, BOTH))):
        g = _outline_mask(page_boxes(gt), zoom, base.size)
        p = _outline_mask(page_boxes(pred), zoom, base.size)
        rgb[g & ~p] = colours[0]
        rgb[p & ~g] = colours[1]
        rgb[g & p] = colours[2]

    image = Image.fromarray(rgb, "RGB")
    draw = ImageDraw.Draw(image)
    font = _font(max(8, 3 * zoom + 2))
    text_h = font.getbbox("Ag")[3]  # label height below its drawing origin
    for page, colour, above in ((gt, GT, True), (pred, PRED, False)):
        for c in page.chars if page is not None else []:
            x0, y0, _, y1 = (v * zoom for v in c.bbox)
            y = y0 - 2 - text_h if above else y1 + 2
            draw.text((x0, y), c.char, fill=colour, font=font)
    return image


def _char_boxes(page: Optional[Page]) -> list[Box]:
    return [c.bbox for c in page.chars] if page is not None else []


def _line_boxes(page: Optional[Page]) -> list[Box]:
    return [line.bbox for line in page.lines] if page is not None else []


def _outline_mask(boxes: list[Box], zoom: int, size: tuple[int, int]) -> np.ndarray:
    """Outlines just outside each box, in zoomed pixels -> ``(H*zoom, W*zoom)`` bool mask."""
    mask = Image.new("1", size, 0)
    draw = ImageDraw.Draw(mask)
    for x0, y0, x1, y1 in boxes:
        left, top = round(x0 * zoom) - 1, round(y0 * zoom) - 1
        right, bottom = round(x1 * zoom), round(y1 * zoom)
        draw.rectangle((left, top, right, bottom), outline=1)
    return np.asarray(mask, dtype=bool)


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, ImportError, OSError):  # Pillow < 10.1 or built without FreeType
        return ImageFont.load_default()
