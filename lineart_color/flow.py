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
5. The target's own lines are laid over the paint as a cel's ink layer (layers/ink.py): the
   line art's darkness mixes the carried ink into the carried paint, so anti-aliased edges
   darken the paint, and the ink is the keyframe's own line colour (black, or its tint)
   where a keyframe line is carried, black elsewhere.

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
# Added to the cost of a region moved as a whole (segments.py): it wins only where it explains clearly better.
REGION_CHARGE = 0.05
# Flow is computed on frames whose longer side is at most this (larger ones are shrunk first).
FLOW_MAX_SIDE = 1024


@dataclass(frozen=True)
class Keyframe:
    """One keyframe, prepared once and reused for every frame coloured from it."""

    line: np.ndarray  # [H, W] grey
    colour: np.ndarray  # [H, W, 3]
    paint: np.ndarray  # [H, W, 3]: colour with every pixel touched by a line replaced by the nearest clean paint
    image: np.ndarray  # [H, W] uint8 line image for DIS
    ink: np.ndarray  # [H, W, 3]: its lines' colour near them (layers/ink.ink_of), black elsewhere

    @staticmethod
    def of(line: np.ndarray, colour: np.ndarray, image: np.ndarray | None = None) -> "Keyframe":
        """`image`: the line's line image when already computed (ShotMotion.full_size_image)."""
        from lineart_color.layers.ink import CLEAN_GREY, ink_of

        line = np.asarray(line, np.float32)
        colour = np.asarray(colour, np.float32)
        paint = paint_under_lines(colour, line, CLEAN_GREY)
        ink = np.asarray(ink_of(colour[None], line[None, ..., None], paint[None]))[0]
        return Keyframe(line, colour, paint, line_image(line) if image is None else image, ink)


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


DIS_MIN_SIDE = 12  # OpenCV's DIS refuses images with both sides below this


def dense_flow(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """[H, W, 2] float32 (dx, dy): source pixel p shows what target shows at p + flow(p).

    Frames too small for DIS (thumbnails, `data video --size 8`) are padded with their edge
    pixels up to its smallest size and the flow cropped back."""
    height, width = source.shape[:2]
    if max(height, width) < DIS_MIN_SIDE:
        pad = ((0, DIS_MIN_SIDE - height), (0, DIS_MIN_SIDE - width))
        grown = dense_flow(np.pad(source, pad, mode="edge"), np.pad(target, pad, mode="edge"))
        return np.ascontiguousarray(grown[:height, :width])
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
    charge: float = 0.0  # added to its cost: how much less a kind of warp is trusted


def off_frame(forward: np.ndarray) -> np.ndarray:
    """[H, W] bool: target pixels that `forward` sends outside the keyframe (a part it does not show)."""
    height, width = forward.shape[:2]
    xs, ys = np.meshgrid(np.arange(width), np.arange(height))
    x, y = xs + forward[..., 0], ys + forward[..., 1]
    return (x < -0.5) | (x > width - 0.5) | (y < -0.5) | (y > height - 0.5)


def fill_unexplained(paint: np.ndarray, explained: np.ndarray, line: np.ndarray) -> np.ndarray:
    """[H, W, 3]: each pixel no warp explains takes the paint of the nearest explained pixel of its own
    closed region (never across a line); regions with no explained pixel keep what they have."""
    from lineart_color.regions import label_regions

    labels, _ = label_regions(line, gap=0)  # as drawn: closing gaps would hand paper slivers to a cel
    paint = paint.copy()
    for index, box in enumerate(ndimage.find_objects(labels), start=1):
        if box is None:
            continue
        region = labels[box] == index
        known = region & explained[box]
        if known.all() or not known.any() or not (region & ~known).any():
            continue
        _, (rows, cols) = ndimage.distance_transform_edt(~known, return_indices=True)
        fill = region & ~known
        part = paint[box]
        part[fill] = part[rows[fill], cols[fill]]
    return paint


def colour_from_candidates(line: np.ndarray, candidates: Sequence[Candidate],
                           image: np.ndarray | None = None, fill_hidden: bool = False) -> np.ndarray:
    """[H, W, 3]: per pixel, the candidate warp that explains the target best carries its keyframe's paint.

    `image`: the target's line image when already computed. With `fill_hidden`, a pixel whose chosen
    warp leaves the keyframe's frame (a part it does not show: a cel coming in from outside) takes
    the paint of its own closed region's other pixels (fill_unexplained). (Pixels whose warp fails
    the forward-backward check were tried too: on Open Clip Art val as many got worse as better.)
    """
    if not candidates:
        raise ValueError("colour_from_candidates needs at least one candidate")
    line = np.asarray(line, np.float32)
    image = line_image(line) if image is None else image
    best_cost, paint, ink, off = None, None, None, None
    for candidate in candidates:
        key, forward = candidate.key, candidate.forward
        cost = warp_cost(image, key.image, forward, candidate.backward) + candidate.charge
        warped_paint, warped_ink = carried(candidate)
        warped_off = off_frame(forward) if fill_hidden else None
        if best_cost is None:
            best_cost, paint, ink, off = cost, warped_paint, warped_ink, warped_off
            continue
        better = cost < best_cost
        best_cost = np.where(better, cost, best_cost)
        paint = np.where(better[..., None], warped_paint, paint)
        ink = np.where(better[..., None], warped_ink, ink)
        if fill_hidden:
            off = np.where(better, warped_off, off)
    if fill_hidden:
        paint = fill_unexplained(paint, ~off, line)
    return drawn(paint, ink, line)


def carried(candidate: Candidate) -> tuple[np.ndarray, np.ndarray]:
    """(paint, ink) [H, W, 3]: the candidate's keyframe paint and line colour, sampled along its warp."""
    return sample_nearest(candidate.key.paint, candidate.forward), sample_nearest(candidate.key.ink, candidate.forward)


def drawn(paint: np.ndarray, ink: np.ndarray, line: np.ndarray) -> np.ndarray:
    """[H, W, 3]: the target's lines over the paint, as a cel is composited (the ink layer's own composite)."""
    from lineart_color.layers.ink import composite

    return np.asarray(composite(paint, ink, np.asarray(line, np.float32)[..., None]), np.float32)


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

    def __init__(self, lines: dict[str, np.ndarray], order: Sequence[str], max_side: int = FLOW_MAX_SIDE,
                 shapes: bool = False):
        self.order, self.shapes = list(order), shapes
        height, width = next(iter(lines.values())).shape[:2]
        self.size = (height, width)
        scale = min(1.0, max_side / max(height, width))
        self.working = (max(8, round(height * scale)), max(8, round(width * scale)))
        self.lines = lines
        self.images = {name: line_image(self._shrink(line)) for name, line in lines.items()}
        self._direct: dict[tuple[str, str], np.ndarray] = {}
        self._chained: dict[tuple[str, str], np.ndarray] = {}
        self._regions: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        self._layouts: dict = {}  # name -> segments.Layout at the working size

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

    def regions(self, target: str, key_name: str) -> tuple[np.ndarray, np.ndarray]:
        """(forward, backward) at the working size: each closed region of the target moved as a whole
        by its best similarity into the keyframe (segments.region_flows), the rest by the direct flow."""
        if (target, key_name) not in self._regions:
            from lineart_color import segments

            for name in (target, key_name):  # each frame's regions are found once
                if name not in self._layouts:
                    self._layouts[name] = segments.Layout.of(self._shrink(self.lines[name]))
            hints = [self.direct(target, key_name)]
            if target in self.order and key_name in self.order:
                hints.append(self.chained(target, key_name))
            fallback = (self.direct(target, key_name), self.direct(key_name, target))
            self._regions[(target, key_name)] = segments.region_flows(self._layouts[target], self._layouts[key_name],
                                                                      fallback, hints)
        return self._regions[(target, key_name)]

    def warps(self, target: str, key_name: str) -> list[tuple[np.ndarray, np.ndarray, float]]:
        """(forward, backward, charge) at full size between target and keyframe: direct, then chained
        through the frames between (the chained pair only when there are frames between), then
        with `shapes` the regions moved as wholes, charged REGION_CHARGE (their inverse is exact by
        construction, so their forward-backward check proves less than a flow's)."""
        ways = [(lambda a, b: (self.direct(a, b), self.direct(b, a)), 0.0)]
        in_order = target in self.order and key_name in self.order  # a reference from outside is reached directly
        if in_order and abs(self.order.index(target) - self.order.index(key_name)) > 1:
            ways.append((lambda a, b: (self.chained(a, b), self.chained(b, a)), 0.0))
        if self.shapes:
            ways.append((self.regions, REGION_CHARGE))
        full = lambda flow: resize_flow(flow, *self.size)
        return [(*(full(flow) for flow in way(target, key_name)), charge) for way, charge in ways]

    def priors(self, target: str, key_name: str) -> np.ndarray:
        """[P, H, W, 3]: the warps from target to keyframe at full size, each as (dx, dy, warp_cost):
        the correspondence network's classical candidates, with what the flow colourer thinks of
        them. P is fixed, so every frame has its candidates in the same places: the direct warp,
        the chained one (the direct one again when they are neighbours), and with `shapes` the
        regions moved as wholes (P = 3; else P = 2)."""
        image, key_image = self.full_size_image(target), self.full_size_image(key_name)
        found = [np.concatenate([forward, warp_cost(image, key_image, forward, backward)[..., None] + charge], axis=-1)
                 for forward, backward, charge in self.warps(target, key_name)]
        if len(found) == 1 + self.shapes:
            found.insert(1, found[0])  # neighbours: the chained warp is the direct one
        return np.stack(found).astype(np.float32)

    def candidates(self, target: str, key: Keyframe, key_name: str) -> list[Candidate]:
        """The direct warp, and the chained one when frames lie between target and keyframe."""
        return [Candidate(key, forward, backward, charge) for forward, backward, charge in self.warps(target, key_name)]
