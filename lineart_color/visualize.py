"""Pictures of results: labelled contact sheets and animated GIFs."""

from __future__ import annotations

import os
from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw

from lineart_color.data.images import to_uint8

_LABEL_HEIGHT = 14
_GAP = 2


def as_rgb(image: np.ndarray) -> np.ndarray:
    """[H, W], [H, W, 1] or [H, W, 3] in [0, 1] -> [H, W, 3]."""
    image = np.asarray(image, np.float32)
    if image.ndim == 2:
        image = image[..., None]
    return np.repeat(image, 3, axis=-1) if image.shape[-1] == 1 else image


def contact_sheet(rows: Sequence[Sequence[np.ndarray]], labels: Sequence[str] = ()) -> Image.Image:
    """A grid of equally sized images, one row per sequence, with a label at each row's left edge."""
    if not rows or not rows[0]:
        raise ValueError("contact_sheet needs at least one image")
    height, width = as_rgb(rows[0][0]).shape[:2]
    columns = max(len(row) for row in rows)
    row_height = height + (_LABEL_HEIGHT if labels else 0) + _GAP
    sheet = Image.new("RGB", (columns * (width + _GAP), len(rows) * row_height), (128, 128, 128))
    draw = ImageDraw.Draw(sheet)
    for r, row in enumerate(rows):
        top = r * row_height
        if labels:
            draw.text((2, top + 1), labels[r], fill=(255, 255, 255))
            top += _LABEL_HEIGHT
        for c, image in enumerate(row):
            sheet.paste(Image.fromarray(to_uint8(as_rgb(image))), (c * (width + _GAP), top))
    return sheet


def write_gif(frames: Sequence[np.ndarray], path: str | os.PathLike, fps: float = 6.0) -> None:
    """An endlessly looping GIF of the frames."""
    images = [Image.fromarray(to_uint8(as_rgb(frame))) for frame in frames]
    images[0].save(path, save_all=True, append_images=images[1:], duration=int(1000 / fps), loop=0)
