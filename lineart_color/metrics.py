"""Quality figures for coloured frames and shots (DESIGN.md, "Quality metric").

All images are float in [0, 1]: colour [H, W, 3], line art [H, W] (dark lines on white).

- psnr, ssim: on RGB.
- flat_accuracy: the share of *painted* pixels (not within 2 px of a line pixel, not white
  paper in the truth) whose CIELAB deltaE76 to the truth is below 10. It asks the question
  an animator asks: did each region get the right paint?
- line_zone_accuracy: the same test on the pixels within 2 px of a line that are not paper
  in the truth. It sees what flat accuracy cannot: halos along lines, grey pasted over
  paint, a line's colour lost.
- temporal_change: flicker, the mean colour change between consecutive frames where the
  line art stands still.
- line_match_counts: how well extracted line art finds the true lines (precision and recall
  within 2 px).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from scipy import ndimage

from lineart_color.colour import delta_e

STATIC_LINE_TOLERANCE = 0.05  # a pixel is static when its line-art grey changes less than this
LINE_GREY = 0.9  # line pixels for the flat-region mask: grey below this
LINE_MARGIN = 2  # painted pixels are further than this (in px) from any line pixel
PAPER_MIN_CHANNEL = 0.97  # truth pixels whose every channel is at least this are paper
DELTA_E_OK = 10.0  # a painted pixel is right when its deltaE76 to the truth is below this
LINE_FOUND = 0.5  # extracted or true line pixels: grey below this
LINE_TOLERANCE = 2.0  # px: a line pixel counts as found within this distance of the other's


def psnr(output: np.ndarray, truth: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB for images in [0, 1] (inf when identical)."""
    mse = float(np.mean((np.asarray(output, np.float64) - np.asarray(truth, np.float64)) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(1.0 / mse)


def ssim(output: np.ndarray, truth: np.ndarray, sigma: float = 1.5) -> float:
    """Structural similarity (Wang et al. 2004): Gaussian window, sigma 1.5, mean over pixels and channels.

    The mean covers the whole frame (the window reflected at the edges); scikit-image's
    structural_similarity computes the same map but averages it without a 5 px border.
    """
    return float(ssim_map(output, truth, sigma).mean())


def ssim_map(output: np.ndarray, truth: np.ndarray, sigma: float = 1.5) -> np.ndarray:
    """The SSIM index at every pixel and channel."""
    x, y = np.asarray(output, np.float64), np.asarray(truth, np.float64)
    if x.shape != y.shape:
        raise ValueError(f"shapes differ: {x.shape} and {y.shape}")
    c1, c2 = 0.01**2, 0.03**2
    sigmas = (sigma, sigma, 0) if x.ndim == 3 else sigma  # never blur across channels
    blur = lambda image: ndimage.gaussian_filter(image, sigmas, truncate=3.5)
    mu_x, mu_y = blur(x), blur(y)
    var_x = blur(x * x) - mu_x**2
    var_y = blur(y * y) - mu_y**2
    cov = blur(x * y) - mu_x * mu_y
    return ((2 * mu_x * mu_y + c1) * (2 * cov + c2)) / ((mu_x**2 + mu_y**2 + c1) * (var_x + var_y + c2))


def near_lines(line: np.ndarray) -> np.ndarray:
    """Boolean [H, W]: pixels within LINE_MARGIN px of a line pixel (grey below LINE_GREY), lines included."""
    line = np.asarray(line, np.float32)
    lines = line[..., 0] < LINE_GREY if line.ndim == 3 else line < LINE_GREY
    return ndimage.distance_transform_edt(~lines) <= LINE_MARGIN if lines.any() else np.zeros_like(lines)


def not_paper(truth: np.ndarray) -> np.ndarray:
    """Boolean [H, W]: pixels the truth does not leave as white paper."""
    return np.asarray(truth).min(axis=-1) < PAPER_MIN_CHANNEL


def painted_mask(line: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Boolean [H, W]: pixels more than LINE_MARGIN px from a line pixel and not paper in the truth."""
    return ~near_lines(line) & not_paper(truth)


def line_zone_mask(line: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Boolean [H, W]: pixels within LINE_MARGIN px of a line pixel (lines included), not paper in the truth."""
    return near_lines(line) & not_paper(truth)


def _right_counts(output: np.ndarray, truth: np.ndarray, mask: np.ndarray) -> tuple[int, int]:
    right = delta_e(np.asarray(output)[mask], np.asarray(truth)[mask]) < DELTA_E_OK
    return int(right.sum()), int(mask.sum())


def flat_accuracy_counts(output: np.ndarray, truth: np.ndarray, line: np.ndarray) -> tuple[int, int]:
    """(painted pixels coloured right, painted pixels), so shots can pool pixels."""
    return _right_counts(output, truth, painted_mask(line, truth))


def line_zone_counts(output: np.ndarray, truth: np.ndarray, line: np.ndarray) -> tuple[int, int]:
    """(line-zone pixels within deltaE 10 of the truth, line-zone pixels), so shots can pool pixels."""
    return _right_counts(output, truth, line_zone_mask(line, truth))


def line_zone_accuracy(output: np.ndarray, truth: np.ndarray, line: np.ndarray) -> float:
    """Share of line-zone pixels whose deltaE76 to the truth is below 10 (NaN when there are none)."""
    right, total = line_zone_counts(output, truth, line)
    return right / total if total else float("nan")


def flat_accuracy(output: np.ndarray, truth: np.ndarray, line: np.ndarray) -> float:
    """Share of painted pixels whose deltaE76 to the truth is below 10 (NaN when nothing is painted)."""
    right, total = flat_accuracy_counts(output, truth, line)
    return right / total if total else float("nan")


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


def line_match_counts(predicted: np.ndarray, truth: np.ndarray,
                      tolerance: float = LINE_TOLERANCE) -> tuple[int, int, int, int]:
    """(predicted line pixels near a true one, predicted line pixels, true line pixels near a
    predicted one, true line pixels) for line art [H, W]: precision and recall within `tolerance`
    px, as counts so they pool over many frames."""
    found, expected = np.asarray(predicted) < LINE_FOUND, np.asarray(truth) < LINE_FOUND
    near_expected = ndimage.distance_transform_edt(~expected) <= tolerance
    near_found = ndimage.distance_transform_edt(~found) <= tolerance
    return int(near_expected[found].sum()), int(found.sum()), int(near_found[expected].sum()), int(expected.sum())
