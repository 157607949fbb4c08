"""What a studio composites: a paint layer under the original line layer, and the shot's palette.

    paint_layer(frame, line)    RGBA uint8: the frame's paint with no line in it; under each line the
                                paint continues (the nearest clean pixel's colour); the background
                                (paper regions touching the frame's edge) transparent
    line_layer(frame, line, paint)  RGBA uint8: the ink over that paint layer, its alpha the line
                                art's darkness (255 - grey), its colour what composites back to the
                                frame (black lines stay black, a keyframe's tinted line keeps its tint)
    shot_palette(keyframes)     the keyframes' paints (regions.keyframe_palette)
    paint_counts(colour, line, palette)   pixels of each paint in a frame
    palette_json / palette_gpl  the palette as JSON (with per-frame counts) and as a GIMP palette
                                (Krita and Inkscape read it too)
    paint_indices(colour, line, palette)  each pixel's palette index (8- or 16-bit; NO_PAINT on
                                lines and pixels on no paint), for a colouring brought onto the
                                palette (--flat, --snap)
    swap_paint(frame, indices, old, new)  a frame with one paint's pixels repainted, no model run

Laying line_layer over paint_layer over white paper ("over", 8-bit) gives the frame colorize
writes, as a cel is composited (layers/ink.py), to within one 8-bit level.
"""

from __future__ import annotations

import numpy as np
from lineart_color.data.images import to_uint8
from lineart_color.metrics import DELTA_E_OK, LINE_GREY, PAPER_MIN_CHANNEL
from lineart_color.regions import PALETTE_MERGE_DELTA_E, keyframe_palette, label_regions, paint_distances

OPAQUE = 255
NO_PAINT = {np.uint8: 255, np.uint16: 65535}  # the index of line pixels and pixels on no paint


def line_pixels(line: np.ndarray) -> np.ndarray:
    """[H, W] bool: the line art's line pixels (grey below LINE_GREY, as the metrics count them)."""
    return np.asarray(line) < LINE_GREY


def frame_paint(frame: np.ndarray, line: np.ndarray) -> np.ndarray:
    """[H, W, 3] float: the paint under a frame's lines (layers/ink.paint_of, the graph's own step)."""
    from lineart_color.layers.ink import paint_of

    return np.asarray(paint_of(np.asarray(frame, np.float32)[None], np.asarray(line, np.float32)[None, ..., None]))[0]


def ink_alpha(line: np.ndarray) -> np.ndarray:
    """[H, W] uint8: the ink's coverage, the line art's darkness (255 - its 8-bit grey)."""
    return (255 - to_uint8(np.asarray(line, np.float32))).astype(np.uint8)


def border_regions(labels: np.ndarray) -> np.ndarray:
    """The labels (regions.label_regions) of the regions that touch the frame's edge."""
    edge = np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])
    return np.unique(edge[edge > 0])


def background(colour: np.ndarray, line: np.ndarray) -> np.ndarray:
    """[H, W] bool: paper regions that touch the frame's edge (the cel's surroundings)."""
    labels, _ = label_regions(line)
    return np.isin(labels, border_regions(labels)) & (np.asarray(colour).min(axis=-1) >= PAPER_MIN_CHANNEL)


def paint_layer(frame: np.ndarray, line: np.ndarray) -> np.ndarray:
    """[H, W, 4] uint8: the paint, continued under the lines, the background transparent."""
    paint = frame_paint(frame, line)
    alpha = np.where(background(paint, line), 0, OPAQUE).astype(np.uint8)
    return np.dstack([to_uint8(paint), alpha])


def _on_paper(layer: np.ndarray) -> np.ndarray:
    """[H, W, 3] float: an RGBA layer's colour where it is opaque, white paper where it is transparent."""
    return np.where(layer[..., 3:] == OPAQUE, layer[..., :3], 255).astype(np.float64)


def line_layer(frame: np.ndarray, line: np.ndarray, paint: np.ndarray) -> np.ndarray:
    """[H, W, 4] uint8: the ink over `paint` (the frame's paint_layer): alpha the line art's darkness,
    colour solved per pixel so that "over" in 8-bit gives back the frame (where the ink's colour in
    [0, 255] can)."""
    under = _on_paper(paint)
    alpha = ink_alpha(line)
    target = to_uint8(np.asarray(frame, np.float32)).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        ink = (target * 255 - under * (255 - alpha[..., None])) / alpha[..., None]
    ink = np.where(alpha[..., None] > 0, np.clip(np.rint(ink), 0, 255), 0).astype(np.uint8)
    return np.dstack([ink, alpha])


def over(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """[H, W, 3] uint8: RGBA `top` over RGBA `bottom` over white paper, in 8-bit."""
    under = _on_paper(bottom)
    alpha = top[..., 3:].astype(np.float64)
    return np.rint((top[..., :3] * alpha + under * (255 - alpha)) / 255).astype(np.uint8)


def shot_palette(keyframes) -> np.ndarray:
    """[P, 3] float: the paints of a shot's keyframes [(line, colour)], in order of first appearance."""
    return keyframe_palette(list(keyframes)) if keyframes else np.zeros((0, 3), np.float32)


def nearest_paints(pixels: np.ndarray, palette: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For colours [N, 3]: the index of each one's nearest paint and its CIELAB deltaE76 to it."""
    distances = paint_distances(pixels, palette)
    return np.argmin(distances, axis=1), np.min(distances, axis=1)


def paint_counts(colour: np.ndarray, line: np.ndarray, palette: np.ndarray) -> list[int]:
    """Pixels (not line) of each paint: those whose nearest paint is it, within deltaE DELTA_E_OK."""
    if not len(palette):
        return []
    nearest, distance = nearest_paints(np.asarray(colour, np.float32)[~line_pixels(line)], palette)
    return np.bincount(nearest[distance < DELTA_E_OK], minlength=len(palette)).astype(int).tolist()


def hex_colour(rgb: np.ndarray) -> str:
    return "#" + "".join(f"{value:02x}" for value in to_uint8(np.asarray(rgb, np.float32)))


def palette_json(palette: np.ndarray, counts: dict[str, list[int]]) -> dict:
    """The palette file's content: each paint's index, RGB (0-255) and hex, and per frame its pixel count."""
    return {"paints": [{"index": index, "rgb": to_uint8(paint).tolist(), "hex": hex_colour(paint),
                        "pixels": {frame: frame_counts[index] for frame, frame_counts in counts.items()}}
                       for index, paint in enumerate(palette)]}


def palette_gpl(palette: np.ndarray, name: str) -> str:
    """A GIMP palette (.gpl), which Krita and Inkscape read too."""
    rows = [f"{r:3d} {g:3d} {b:3d}\tpaint {index} {hex_colour(paint)}"
            for index, (paint, (r, g, b)) in enumerate(zip(palette, to_uint8(palette).reshape(-1, 3)))]
    return "\n".join(["GIMP Palette", f"Name: {name}", "Columns: 8", "#", *rows]) + "\n"


def index_dtype(paints: int):
    """uint8 for up to 255 paints, else uint16 (the largest value of each means no paint)."""
    if paints >= NO_PAINT[np.uint16]:
        raise ValueError(f"a palette of {paints} paints does not fit a 16-bit index")
    return np.uint8 if paints < NO_PAINT[np.uint8] else np.uint16


def paint_indices(colour: np.ndarray, line: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """[H, W] palette indices: each pixel's paint (its nearest, within the palette's own merge
    distance, deltaE PALETTE_MERGE_DELTA_E); NO_PAINT on line pixels and pixels on no paint."""
    dtype = index_dtype(len(palette))
    indices = np.full(np.asarray(line).shape, NO_PAINT[dtype], dtype)
    if not len(palette):
        return indices
    painted = ~line_pixels(line)
    nearest, distance = nearest_paints(np.asarray(colour, np.float32)[painted], palette)
    indices[painted] = np.where(distance < PALETTE_MERGE_DELTA_E, nearest, NO_PAINT[dtype])
    return indices


def swap_paint(frame: np.ndarray, indices: np.ndarray, old: int, new_rgb) -> np.ndarray:
    """[H, W, 3] uint8: `frame` with every pixel of paint `old` (by its index) set to new_rgb (0-255)."""
    out = np.array(frame, np.uint8)
    out[indices == old] = np.asarray(new_rgb, np.uint8)
    return out
