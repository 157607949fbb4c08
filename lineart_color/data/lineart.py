"""Line-art extraction from colour frames: XDoG and a sketchKeras-style high-pass.

Both return [H, W] float32 in [0, 1] with dark lines on white, like a shot's line/ frames.
Parameters are in pixels; the defaults suit frames of 256 to 1080 px.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

METHODS = ("xdog", "highpass")
LUMA = (0.299, 0.587, 0.114)  # ITU-R BT.601 weights of R, G, B, as PIL's "L" conversion: every grey here


def to_grey(image: np.ndarray) -> np.ndarray:
    """[H, W, 3] RGB or [H, W] grey in [0, 1] -> [H, W] luma (ITU-R BT.601)."""
    image = np.asarray(image, dtype=np.float32)
    if image.ndim == 2:
        return image
    if image.ndim != 3 or image.shape[-1] != 3:
        raise ValueError(f"expected [H, W] or [H, W, 3], got shape {image.shape}")
    return image @ np.array(LUMA, dtype=np.float32)


def _blur(grey: np.ndarray, sigma: float) -> np.ndarray:
    return cv2.GaussianBlur(grey, ksize=(0, 0), sigmaX=sigma, sigmaY=sigma, borderType=cv2.BORDER_REPLICATE)


@dataclass(frozen=True)
class XDoGParams:
    """Winnemöller et al. 2012, in the tau form: D = G_sigma - tau * G_{k sigma}.

    On flat regions D = (1 - tau) * I >= 0, so regions stay white whatever their colour;
    the dark side of every edge goes negative and becomes line.
    """

    sigma: float = 0.8
    k: float = 1.6
    tau: float = 0.99
    epsilon: float = -0.01
    phi: float = 100.0


@dataclass(frozen=True)
class HighpassParams:
    """Grey minus its Gaussian blur (sketchKeras' input), normalised and thresholded.

    The normaliser is the 99.5th percentile of the response, floored at `min_contrast` so a
    nearly flat image does not amplify its noise into lines.
    """

    sigma: float = 1.5
    min_contrast: float = 0.1
    threshold: float = 0.15


def xdog(image: np.ndarray, params: XDoGParams = XDoGParams()) -> np.ndarray:
    grey = to_grey(image)
    difference = _blur(grey, params.sigma) - params.tau * _blur(grey, params.sigma * params.k)
    soft = 1.0 + np.tanh(params.phi * (difference - params.epsilon))
    return np.where(difference >= params.epsilon, 1.0, soft).clip(0.0, 1.0).astype(np.float32)


def highpass(image: np.ndarray, params: HighpassParams = HighpassParams()) -> np.ndarray:
    grey = to_grey(image)
    response = np.maximum(_blur(grey, params.sigma) - grey, 0.0)  # > 0 where darker than around
    scale = max(float(np.percentile(response, 99.5)), params.min_contrast)
    darkness = np.clip(response / scale, 0.0, 1.0)
    darkness[darkness < params.threshold] = 0.0
    return (1.0 - darkness).astype(np.float32)


def binarize(line: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Hard black/white line art: 0 where grey < threshold, else 1."""
    return np.where(line < threshold, 0.0, 1.0).astype(np.float32)


def extract_lines(image: np.ndarray, method: str = "xdog", binary: bool = False) -> np.ndarray:
    """Line art of a colour frame by the named method, optionally binarised."""
    if method == "xdog":
        line = xdog(image)
    elif method == "highpass":
        line = highpass(image)
    else:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    return binarize(line) if binary else line
