"""Colour maths shared by colouring and evaluation: sRGB to CIELAB and the CIE76 difference.

Pinned to scikit-image's rgb2lab and deltaE_cie76 in tests/test_metrics.py.
"""

from __future__ import annotations

import numpy as np


def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB in [0, 1] -> CIELAB (D65), [..., 3]."""
    rgb = np.asarray(rgb, np.float64)
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    to_xyz = np.array([[0.4124564, 0.3575761, 0.1804375],
                       [0.2126729, 0.7151522, 0.0721750],
                       [0.0193339, 0.1191920, 0.9503041]])
    xyz = linear @ to_xyz.T / np.array([0.95047, 1.0, 1.08883])
    epsilon, kappa = 216 / 24389, 24389 / 27
    f = np.where(xyz > epsilon, np.cbrt(xyz), (kappa * xyz + 16) / 116)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], axis=-1)


def delta_e(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """CIE76 colour difference between two sRGB images, [...]."""
    return np.linalg.norm(rgb_to_lab(a) - rgb_to_lab(b), axis=-1)


AB_RANGE, AB_STEP = 110.0, 10.0  # CIELAB a and b quantised in 10-unit bins over [-110, 110], as MemoPainter
AB_BINS = int(2 * AB_RANGE / AB_STEP)  # per axis: 22, so 484 bins in all (those out of gamut stay empty)


def ab_distribution(rgb: np.ndarray, mask: np.ndarray | None = None, smoothing: float = 1.0) -> np.ndarray:
    """The share of pixels in each quantised CIELAB (a, b) bin, [AB_BINS ** 2], summing to 1.

    Only pixels where `mask` is true count (all when None); with none at all, every share is
    on the neutral bin, as for a grey picture. The histogram is soft: blurred by a Gaussian of
    `smoothing` bins, so near colours share bins and a KL divergence between two
    distributions stays finite and says how far apart their colours are.
    """
    from scipy import ndimage

    ab = rgb_to_lab(rgb)[..., 1:].reshape(-1, 2)
    if mask is not None:
        ab = ab[np.asarray(mask).reshape(-1)]
    if not len(ab):
        ab = np.zeros((1, 2))
    cells = np.clip(((ab + AB_RANGE) // AB_STEP).astype(int), 0, AB_BINS - 1)
    counts = np.bincount(cells[:, 0] * AB_BINS + cells[:, 1], minlength=AB_BINS**2).astype(np.float64)
    if smoothing > 0:
        counts = ndimage.gaussian_filter(counts.reshape(AB_BINS, AB_BINS), smoothing, mode="constant").ravel()
    return (counts / counts.sum()).astype(np.float32)
