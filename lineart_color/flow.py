"""Optical-flow colouring: carry each keyframe's own paint to where the drawing has moved.

For a target frame and each of its keyframes (the nearest before and after it):

1. Dense flow from the target's line art to the keyframe's, with OpenCV's DIS optical
   flow, computed on "line images" (line art turned into a short-reach distance field,
   so every pixel near a line has a gradient to follow). Flow is computed both ways.
2. The keyframe's paint with its lines taken out: every line pixel takes the colour of
   the nearest painted pixel, so a keyframe line never lands on the target's paint.
3. That paint is sampled at the flow with nearest-neighbour sampling: every output pixel
   is a keyframe pixel, never a blend, so the paints are exact.
4. Per pixel, the keyframe whose warp agrees best wins: its warped line image matches the
   target's, and its flow is consistent forwards and backwards (not occluded).
5. The target's own lines are laid over the paint (multiplied, as a cel is composited);
   where a target line meets a keyframe line, the keyframe's line colour is kept.

No learning: this is the floor every learned model must beat, and a strong colourer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import cv2
import numpy as np
from scipy import ndimage

from lineart_color.data.distance import line_mask

# A line image saturates this far from a line, as a share of the shorter side.
LINE_IMAGE_REACH = 1 / 4
# Costs are averaged over a window of this share of the shorter side before keyframes compete.
COST_WINDOW = 1 / 64
# Pixels of forward-backward disagreement that cost as much as a full line-image mismatch.
CONSISTENCY_SCALE = 4.0


@dataclass(frozen=True)
class Keyframe:
    """One keyframe, prepared once and reused for every frame coloured from it."""

    line: np.ndarray  # [H, W] grey
    colour: np.ndarray  # [H, W, 3]
    paint: np.ndarray  # [H, W, 3]: colour with every line pixel replaced by the nearest paint
    image: np.ndarray  # [H, W] uint8 line image for DIS

    @staticmethod
    def of(line: np.ndarray, colour: np.ndarray) -> "Keyframe":
        line = np.asarray(line, np.float32)
        colour = np.asarray(colour, np.float32)
        return Keyframe(line, colour, paint_under_lines(colour, line), line_image(line))


def paint_under_lines(colour: np.ndarray, line: np.ndarray) -> np.ndarray:
    """[H, W, 3]: each line pixel takes the colour of the nearest non-line pixel (paint continues under lines)."""
    lines = line_mask(line)
    if not lines.any() or lines.all():
        return np.asarray(colour, np.float32)
    _, (rows, cols) = ndimage.distance_transform_edt(lines, return_indices=True)
    return np.asarray(colour, np.float32)[rows, cols]


def line_image(line: np.ndarray, reach: float = LINE_IMAGE_REACH) -> np.ndarray:
    """[H, W] uint8: distance to the nearest line, 0 on lines and 255 at `reach` of the shorter side."""
    lines = line_mask(line)
    if not lines.any():
        return np.full(lines.shape, 255, np.uint8)
    distance = ndimage.distance_transform_edt(~lines) / max(1.0, reach * min(lines.shape))
    return np.rint(np.minimum(distance, 1.0) * 255).astype(np.uint8)


def dense_flow(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """[H, W, 2] float32 (dx, dy): source pixel p shows what target shows at p + flow(p)."""
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    return dis.calc(source, target, None)


def sample_nearest(image: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """image sampled at p + flow(p), nearest pixel, edges clamped."""
    height, width = flow.shape[:2]
    xs, ys = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    return cv2.remap(image, xs + flow[..., 0], ys + flow[..., 1], cv2.INTER_NEAREST,
                     borderMode=cv2.BORDER_REPLICATE)


def warp_cost(target_image: np.ndarray, key_image: np.ndarray, forward: np.ndarray,
              backward: np.ndarray) -> np.ndarray:
    """[H, W]: how badly the warp from the target to a keyframe explains each target pixel.

    Line-image disagreement (0..1) plus forward-backward inconsistency in units of
    CONSISTENCY_SCALE px, averaged over a small window so single pixels do not flip.
    """
    warped = sample_nearest(key_image, forward).astype(np.float32)
    mismatch = np.abs(warped - target_image.astype(np.float32)) / 255.0
    round_trip = forward + sample_nearest(backward, forward)
    inconsistency = np.linalg.norm(round_trip, axis=-1) / CONSISTENCY_SCALE
    window = max(1, round(COST_WINDOW * min(target_image.shape)))
    return cv2.blur(mismatch + np.minimum(inconsistency, 4.0), (2 * window + 1, 2 * window + 1))


def colour_from_keyframes(line: np.ndarray, keyframes: Sequence[Keyframe]) -> np.ndarray:
    """[H, W, 3]: the target's line art coloured with the keyframes' paints carried along the flow."""
    if not keyframes:
        raise ValueError("colour_from_keyframes needs at least one keyframe")
    line = np.asarray(line, np.float32)
    image = line_image(line)
    best_cost, paint, key_line_colour, key_on_line = None, None, None, None
    for key in keyframes:
        forward, backward = dense_flow(image, key.image), dense_flow(key.image, image)
        cost = warp_cost(image, key.image, forward, backward)
        warped_paint = sample_nearest(key.paint, forward)
        warped_colour = sample_nearest(key.colour, forward)
        warped_line = sample_nearest(key.line, forward)
        if best_cost is None:
            best_cost, paint, key_line_colour, key_on_line = cost, warped_paint, warped_colour, warped_line
            continue
        better = cost < best_cost
        best_cost = np.where(better, cost, best_cost)
        paint = np.where(better[..., None], warped_paint, paint)
        key_line_colour = np.where(better[..., None], warped_colour, key_line_colour)
        key_on_line = np.where(better, warped_line, key_on_line)
    drawn = paint * line[..., None]  # the target's lines over the paint, as a cel is composited
    both_lines = line_mask(line) & line_mask(key_on_line)
    return np.where(both_lines[..., None], key_line_colour, drawn).astype(np.float32)
