"""Reading and writing frames as float arrays in [0, 1], with errors that name the file."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image, PngImagePlugin, UnidentifiedImageError

from lineart_color.errors import UserError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")

# The PNG text key under which `colorize` records the colourer that made a frame (evaluate reads it)
MADE_BY_KEY = "lineart-color colourer"

# Modes a frame may be stored in; anything else (CMYK, 32-bit int/float) is refused.
_SUPPORTED_MODES = ("1", "L", "LA", "P", "PA", "RGB", "RGBA", "I;16", "I;16B", "I;16L")

# Frames above this many pixels are refused from their header, before decoding: comfortably
# above 4K (8192x8192), and a guard against decompression bombs. `--max-pixels` raises it.
DEFAULT_MAX_PIXELS = 8192 * 8192
_limit = {"pixels": DEFAULT_MAX_PIXELS}
Image.MAX_IMAGE_PIXELS = None  # the check below replaces Pillow's own (a warning, then an exception)


def set_pixel_limit(pixels: int) -> None:
    """The largest frame, in pixels, that reading accepts (for --max-pixels)."""
    if pixels < 1:
        raise ValueError(f"pixels must be >= 1, got {pixels}")
    _limit["pixels"] = int(pixels)


def _check_pixels(path: Path, image: Image.Image) -> None:
    width, height = image.size
    if width * height > _limit["pixels"]:
        raise UserError(f"{path}: {width}x{height} is {width * height:,} pixels, above the limit of "
                        f"{_limit['pixels']:,} a frame; --max-pixels raises it")


def _flatten_onto_white(image: Image.Image) -> Image.Image:
    """Composite any transparency onto white paper, returning an RGB image."""
    if image.mode in ("P", "PA"):
        image = image.convert("RGBA")
    if image.mode in ("I;16", "I;16B", "I;16L"):
        grey = (np.asarray(image, dtype=np.float32) / 65535.0 * 255.0 + 0.5).astype(np.uint8)
        return Image.fromarray(grey, "L").convert("RGB")
    if image.mode in ("LA", "RGBA"):
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(paper, rgba).convert("RGB")
    return image.convert("RGB")


def read_image(path: str | os.PathLike, mode: str = "RGB") -> np.ndarray:
    """Read an image file as float32 in [0, 1].

    mode "RGB" gives [H, W, 3]; mode "L" gives [H, W] greyscale. Transparent pixels are
    composited onto white, since line art and colour frames are drawn on white paper.
    """
    if mode not in ("RGB", "L"):
        raise ValueError(f"mode must be 'RGB' or 'L', got {mode!r}")
    path = Path(path)
    try:
        with Image.open(path) as image:
            _check_pixels(path, image)
            if image.mode not in _SUPPORTED_MODES:
                raise UserError(
                    f"{path}: unsupported image mode {image.mode!r} "
                    f"(expected one of {', '.join(_SUPPORTED_MODES)})"
                )
            rgb = _flatten_onto_white(image)
            rgb.load()
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except UnidentifiedImageError:
        raise UserError(f"{path}: not a readable image") from None
    except (OSError, SyntaxError, ValueError) as error:
        raise UserError(f"{path}: corrupt or truncated image ({error})") from None
    if mode == "L":
        rgb = rgb.convert("L")
    return np.asarray(rgb, dtype=np.float32) / 255.0


def image_size(path: str | os.PathLike, decode: bool = False) -> tuple[int, int]:
    """(width, height) from the file header; with decode=True the pixels are decoded too (and
    dropped), so a corrupt frame is found now rather than when a colourer first reads it."""
    path = Path(path)
    try:
        with Image.open(path) as image:
            _check_pixels(path, image)
            if decode:
                image.load()
            return image.size
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise UserError(f"{path}: not a readable image ({error})") from None


def to_uint8(array: np.ndarray) -> np.ndarray:
    """Float [0, 1] -> uint8 with rounding (clipping anything outside the range)."""
    return (np.clip(array, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def write_rgba(path: str | os.PathLike, rgba: np.ndarray) -> None:
    """Write [H, W, 4] uint8 RGBA (a layer with transparency) as PNG."""
    rgba = np.asarray(rgba)
    if rgba.ndim != 3 or rgba.shape[-1] != 4 or rgba.dtype != np.uint8:
        raise ValueError(f"expected [H, W, 4] uint8, got shape {rgba.shape} {rgba.dtype}")
    Image.fromarray(rgba, "RGBA").save(path, format="PNG")


def write_image(path: str | os.PathLike, array: np.ndarray, made_by: str | None = None) -> None:
    """Write a float [0, 1] image ([H, W], [H, W, 1] or [H, W, 3]) as PNG; `made_by` (the
    colourer's name) goes into a PNG text chunk, where `made_by()` finds it again."""
    array = np.asarray(array)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[-1] != 3):
        raise ValueError(f"expected [H, W], [H, W, 1] or [H, W, 3], got shape {array.shape}")
    info = None
    if made_by is not None:
        info = PngImagePlugin.PngInfo()
        info.add_text(MADE_BY_KEY, made_by)
    Image.fromarray(to_uint8(array)).save(path, format="PNG", pnginfo=info)


def made_by(path: str | os.PathLike) -> str | None:
    """The colourer named in a frame written by `write_image(..., made_by=)`; None if it names none."""
    try:
        with Image.open(path) as image:  # write_image puts the chunk before the pixels: the header has it
            return image.info.get(MADE_BY_KEY)
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError):
        return None
