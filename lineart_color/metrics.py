"""Quality figures for coloured shots (the rest of DESIGN.md's metric arrives with `evaluate`)."""

from __future__ import annotations

from typing import Sequence

import numpy as np

STATIC_LINE_TOLERANCE = 0.05  # a pixel is static when its line-art grey changes less than this


def temporal_change(colors: Sequence[np.ndarray], lines: Sequence[np.ndarray],
                    line_tolerance: float = STATIC_LINE_TOLERANCE) -> float:
    """Mean absolute RGB change between consecutive frames, on pixels whose line art does not change.

    Where the drawing stands still its colour should too, so this measures flicker. Compute it
    for the output and for the truth: the truth's own figure is the floor set by real motion.
    NaN when no pixel is static.
    """
    if len(colors) != len(lines):
        raise ValueError(f"got {len(colors)} colour frames and {len(lines)} line frames")
    total, count = 0.0, 0
    for t in range(1, len(colors)):
        static = np.abs(np.asarray(lines[t], np.float32) - np.asarray(lines[t - 1], np.float32)) < line_tolerance
        change = np.abs(np.asarray(colors[t], np.float32) - np.asarray(colors[t - 1], np.float32)).mean(axis=-1)
        total += float(change[static].sum())
        count += int(static.sum())
    return total / count if count else float("nan")
