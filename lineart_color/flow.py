"""Optical-flow colouring: carry each keyframe's own paint to where the drawing has moved.

For a target frame and each of its keyframes (the nearest before and after it):

1. Dense flow from the target's line art to the keyframe's, with OpenCV's DIS optical
   flow, computed on "line images" (line art turned into a distance field, so every pixel
   has a gradient to follow). Flow is computed both ways, directly and chained through the
   frames in between (ShotMotion), so large motion is followed in small steps.
2. The keyframe's paint with its lines taken out: every line pixel takes the colour of
   the nearest painted pixel, so a keyframe line never lands on the target's paint.
3. That paint is sampled at the flow with nearest-neighbour sampling: every output pixel
   is a keyframe pixel, never a blend, so the paints are exact.
4. Per pixel, the warp (keyframe, direct or chained) that agrees best wins: its warped
   line image matches the target's, and its flow is consistent forwards and backwards
   (not occluded).
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

from lineart_color.data.distance import LINE_THRESHOLD, line_mask

# A line image saturates this far from a line, as a share of the shorter side.
LINE_IMAGE_REACH = 1 / 4
# Costs are averaged over a window of this share of the shorter side before keyframes compete
# (chosen on val among 1/128 to 1/8: 1/16 was best on the three sets together).
COST_WINDOW = 1 / 16
# Pixels of forward-backward disagreement that cost as much as a full line-image mismatch.
CONSISTENCY_SCALE = 4.0
# Flow is computed on frames whose longer side is at most this (larger ones are shrunk first).
FLOW_MAX_SIDE = 1024


@dataclass(frozen=True)
class Keyframe:
    """One keyframe, prepared once and reused for every frame coloured from it."""

    line: np.ndarray  # [H, W] grey
    colour: np.ndarray  # [H, W, 3]
    paint: np.ndarray  # [H, W, 3]: colour with every line pixel replaced by the nearest paint
    image: np.ndarray  # [H, W] uint8 line image for DIS

    @staticmethod
    def of(line: np.ndarray, colour: np.ndarray, image: np.ndarray | None = None) -> "Keyframe":
        """`image`: the line's line image when already computed (ShotMotion.full_size_image)."""
        line = np.asarray(line, np.float32)
        colour = np.asarray(colour, np.float32)
        return Keyframe(line, colour, paint_under_lines(colour, line), line_image(line) if image is None else image)


def paint_under_lines(colour: np.ndarray, line: np.ndarray, threshold: float = LINE_THRESHOLD) -> np.ndarray:
    """[H, W, 3]: each line pixel (grey below `threshold`) takes the colour of the nearest non-line
    pixel (paint continues under lines)."""
    lines = line_mask(line, threshold)
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
    return _remap(image, flow, cv2.INTER_NEAREST)


def sample_linear(image: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """image sampled at p + flow(p), bilinear, edges clamped."""
    return _remap(image, flow, cv2.INTER_LINEAR)


def _remap(image: np.ndarray, flow: np.ndarray, interpolation: int) -> np.ndarray:
    height, width = flow.shape[:2]
    xs, ys = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    return cv2.remap(image, xs + flow[..., 0], ys + flow[..., 1], interpolation, borderMode=cv2.BORDER_REPLICATE)


def compose(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """The flow a -> c from a -> b (first) and b -> c (second): p + first(p) + second(p + first(p))."""
    return first + sample_linear(second, first)


def resize_flow(flow: np.ndarray, height: int, width: int) -> np.ndarray:
    """A flow at another resolution: resampled and its vectors scaled to the new pixels."""
    if flow.shape[:2] == (height, width):
        return flow
    scale = np.array([width / flow.shape[1], height / flow.shape[0]], np.float32)
    return cv2.resize(flow, (width, height), interpolation=cv2.INTER_LINEAR) * scale


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


@dataclass(frozen=True)
class Candidate:
    """One way to carry a keyframe to the target: the keyframe and the flows there and back."""

    key: Keyframe
    forward: np.ndarray  # target -> keyframe
    backward: np.ndarray  # keyframe -> target


def colour_from_candidates(line: np.ndarray, candidates: Sequence[Candidate],
                           image: np.ndarray | None = None) -> np.ndarray:
    """[H, W, 3]: per pixel, the candidate warp that explains the target best carries its keyframe's paint.

    `image`: the target's line image when already computed.
    """
    if not candidates:
        raise ValueError("colour_from_candidates needs at least one candidate")
    line = np.asarray(line, np.float32)
    image = line_image(line) if image is None else image
    best_cost, paint, key_line_colour, key_on_line = None, None, None, None
    for candidate in candidates:
        key, forward = candidate.key, candidate.forward
        cost = warp_cost(image, key.image, forward, candidate.backward)
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


def colour_from_keyframes(line: np.ndarray, keyframes: Sequence[Keyframe]) -> np.ndarray:
    """[H, W, 3]: the target coloured from keyframes by direct flow alone (no in-between frames)."""
    image = line_image(line)
    return colour_from_candidates(line, [Candidate(key, dense_flow(image, key.image), dense_flow(key.image, image))
                                         for key in keyframes], image)


class ShotMotion:
    """Dense flows between the frames of one shot, computed once at a working resolution.

    Besides the direct flow from a frame to a keyframe, it chains the flows between
    neighbouring frames (t -> t+1 -> ... -> k): each link is small motion, which optical
    flow follows well, so the chain reaches keyframes the direct flow loses when parts move
    far. Frames larger than `max_side` get their flow at a reduced size (flow is smooth),
    which bounds time and memory for large frames.
    """

    def __init__(self, lines: dict[str, np.ndarray], order: Sequence[str], max_side: int = FLOW_MAX_SIDE):
        self.order = list(order)
        height, width = next(iter(lines.values())).shape[:2]
        self.size = (height, width)
        scale = min(1.0, max_side / max(height, width))
        self.working = (max(8, round(height * scale)), max(8, round(width * scale)))
        self.lines = lines
        self.images = {name: line_image(self._shrink(line)) for name, line in lines.items()}
        self._direct: dict[tuple[str, str], np.ndarray] = {}
        self._chained: dict[tuple[str, str], np.ndarray] = {}

    def _shrink(self, line: np.ndarray) -> np.ndarray:
        if self.working == self.size:
            return line
        return cv2.resize(np.asarray(line, np.float32), self.working[::-1], interpolation=cv2.INTER_AREA)

    def full_size_image(self, name: str) -> np.ndarray:
        """A frame's line image at the frame's own size (the working one when no shrinking was needed)."""
        return self.images[name] if self.working == self.size else line_image(self.lines[name])

    def direct(self, a: str, b: str) -> np.ndarray:
        if (a, b) not in self._direct:
            self._direct[(a, b)] = dense_flow(self.images[a], self.images[b])
        return self._direct[(a, b)]

    def chained(self, a: str, b: str) -> np.ndarray:
        """a -> b through every frame between them, at the working size."""
        ia, ib = self.order.index(a), self.order.index(b)
        if abs(ia - ib) <= 1:
            return self.direct(a, b)
        if (a, b) not in self._chained:
            neighbour = self.order[ia + (1 if ib > ia else -1)]
            self._chained[(a, b)] = compose(self.direct(a, neighbour), self.chained(neighbour, b))
        return self._chained[(a, b)]

    def warps(self, target: str, key_name: str) -> list[tuple[np.ndarray, np.ndarray]]:
        """(forward, backward) at full size between target and keyframe: direct, then chained
        through the frames between (the chained pair only when there are frames between)."""
        ways = [self.direct]
        if abs(self.order.index(target) - self.order.index(key_name)) > 1:
            ways.append(self.chained)
        full = lambda flow: resize_flow(flow, *self.size)
        return [(full(way(target, key_name)), full(way(key_name, target))) for way in ways]

    def priors(self, target: str, key_name: str) -> np.ndarray:
        """[2, H, W, 3]: the direct and the chained warp from target to keyframe at full size, each
        as (dx, dy, warp_cost): the correspondence network's classical candidates, with what the
        flow colourer thinks of them (the chained one is the direct one when they are neighbours)."""
        image, key_image = self.full_size_image(target), self.full_size_image(key_name)
        found = [np.concatenate([forward, warp_cost(image, key_image, forward, backward)[..., None]], axis=-1)
                 for forward, backward in self.warps(target, key_name)]
        if len(found) == 1:
            found.append(found[0])  # neighbours: the chained warp is the direct one
        return np.stack(found).astype(np.float32)

    def candidates(self, target: str, key: Keyframe, key_name: str) -> list[Candidate]:
        """The direct warp, and the chained one when frames lie between target and keyframe."""
        return [Candidate(key, forward, backward) for forward, backward in self.warps(target, key_name)]
