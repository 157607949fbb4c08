"""Distance fields of line art: how far each pixel is from the nearest line.

The field is divided by a fixed fraction of the frame's shorter side and clipped to 1, so
the same drawing gives the same field at any resolution.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

LINE_THRESHOLD = 0.5  # a pixel is line when its grey value is below this
DEFAULT_REACH = 0.25  # field saturates at 1 this far from a line, as a share of the shorter side


def line_mask(line: np.ndarray, threshold: float = LINE_THRESHOLD) -> np.ndarray:
    """Boolean [H, W]: True on line pixels (dark on white paper)."""
    line = np.asarray(line)
    if line.ndim == 3 and line.shape[-1] == 1:
        line = line[..., 0]
    if line.ndim != 2:
        raise ValueError(f"expected [H, W] or [H, W, 1] line art, got shape {line.shape}")
    return line < threshold


def distance_field(line: np.ndarray, reach: float = DEFAULT_REACH, threshold: float = LINE_THRESHOLD) -> np.ndarray:
    """[H, W] float32 in [0, 1]: Euclidean distance to the nearest line pixel / (reach * shorter side).

    0 on lines, 1 at `reach` of the shorter side or further, and 1 everywhere when there is no line.
    """
    if not 0.0 < reach <= 1.0:
        raise ValueError(f"reach must be in (0, 1], got {reach}")
    mask = line_mask(line, threshold)
    if not mask.any():
        return np.ones(mask.shape, dtype=np.float32)
    distance = ndimage.distance_transform_edt(~mask)
    scale = reach * min(mask.shape)
    return np.minimum(distance / scale, 1.0).astype(np.float32)
