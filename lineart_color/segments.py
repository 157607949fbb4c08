"""Correspondence at the grain of shapes: each closed region of the target matched to a
keyframe region as a whole, with one similarity motion (rotation, scale, shift).

Optical flow follows small, smooth motion. A cel that turns far between keyframes, or a
region with little line inside it, loses it: the flow shreds the region's paint. Matched as
a whole, the region carries all of its keyframe paint, paint boundaries without a line
included. For each target region (regions.label_regions) large enough to have a shape, but
the paper around the drawing (the largest region at the frame's edge):

1. Hypotheses: the similarity that best explains the region's optical flow (RANSAC over its
   flow vectors, when flows are given), and for each keyframe region of similar area, the
   similarities that put the region's centroid on the keyframe region's and turn it by each
   angle of a grid (then a finer grid around the best), scaled by the square root of the
   area ratio.
2. Each hypothesis is scored by the share of the region's pixels it puts inside that keyframe
   region, less a small charge for distance and for turning (so of two symmetric fits the
   smaller turn wins: a keyframe is the nearer pose).
3. The best one, if it fits well enough, moves every pixel of the region (and the line pixels
   nearest to it); the rest of the frame keeps the fallback flow.

The result is a dense flow (target -> keyframe) and its inverse (keyframe -> target), a
candidate warp like optical flow's (flow.Candidate): it is judged by the same cost.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy import ndimage

from lineart_color.regions import label_regions

# Regions smaller than this share of the frame are left to the optical flow.
MIN_AREA = 0.0004
# Keyframe regions whose area is within this factor of the target region's are candidates.
AREA_FACTOR = 1.8
# Coarse angle grid (degrees), then a finer one around the best coarse angle.
COARSE_STEP, FINE_STEP = 10.0, 2.0
# Pixels sampled per region to score a hypothesis.
SAMPLES = 400
# An outline pixel moved within this many px of a keyframe line is on it.
OUTLINE_REACH = 2.0
# Score charges: per frame diagonal of centroid distance, and per 180 degrees of turning.
SHIFT_CHARGE, TURN_CHARGE = 0.3, 0.05
# A region's best fit must score at least this (about this share of its pixels inside the matched region).
MIN_FIT = 0.9


@dataclass(frozen=True)
class Layout:
    """A frame's regions at the working size: labels, areas, centroids, and which are large enough to match."""

    labels: np.ndarray  # [H, W] int32, 0 on lines
    count: int
    areas: np.ndarray  # [count + 1]
    centroids: np.ndarray  # [count + 1, 2] (x, y)
    matched: np.ndarray  # [count + 1] bool: large enough to match
    edges: np.ndarray  # [H, W] bool: region pixels next to a line (a region's outline)
    line_distance: np.ndarray  # [H, W] px to the nearest line pixel
    nearest: np.ndarray  # [H, W] int32: the labels, line pixels given their nearest region's

    @staticmethod
    def of(line: np.ndarray) -> "Layout":
        labels, count = label_regions(line)
        index = np.arange(count + 1)
        areas = np.bincount(labels.ravel(), minlength=count + 1).astype(np.float64)
        ys, xs = np.indices(labels.shape)
        with np.errstate(invalid="ignore", divide="ignore"):
            centroids = np.stack([ndimage.sum_labels(xs, labels, index), ndimage.sum_labels(ys, labels, index)],
                                 axis=-1) / areas[:, None]
        matched = areas >= MIN_AREA * labels.size
        matched[0] = False
        edge = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
        edge = edge[edge > 0]
        if len(edge):  # the paper around the drawing: the largest region at the frame's edge
            matched[edge[np.argmax(areas[edge])]] = False
        lines = labels == 0
        edges = ~lines & ndimage.binary_dilation(lines)
        distance = ndimage.distance_transform_edt(~lines) if lines.any() else np.full(labels.shape, np.inf)
        _, (rows, cols) = ndimage.distance_transform_edt(lines, return_indices=True)
        return Layout(labels, count, areas, np.nan_to_num(centroids), matched, edges, distance, labels[rows, cols])


def similarity(angle_deg: float, scale: float, source: np.ndarray, destination: np.ndarray) -> np.ndarray:
    """[2, 3]: the map p -> destination + scale * R(angle) (p - source)."""
    theta = np.deg2rad(angle_deg)
    rotation = scale * np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    return np.concatenate([rotation, (destination - rotation @ source)[:, None]], axis=1)


def apply(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """[N, 2] (x, y) points through a [2, 3] map."""
    return points @ matrix[:, :2].T + matrix[:, 2]


def _labels_at(labels: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The label at each (x, y) point of a label map [H, W], -1 outside the frame."""
    height, width = labels.shape
    xs, ys = np.rint(points[:, 0]).astype(int), np.rint(points[:, 1]).astype(int)
    inside = (xs >= 0) & (xs < width) & (ys >= 0) & (ys < height)
    found = np.full(len(points), -1)
    found[inside] = labels[ys[inside], xs[inside]]
    return found


def _moved(matrices: np.ndarray, points: np.ndarray, key: Layout):
    """Points [N, 2] through maps [A, 2, 3]: (rows, columns) clipped to the frame [A, N], and inside [A, N]."""
    moved = np.einsum("aij,nj->ani", matrices[:, :, :2], points) + matrices[:, None, :, 2]
    height, width = key.labels.shape
    xs, ys = np.rint(moved[..., 0]).astype(int), np.rint(moved[..., 1]).astype(int)
    inside = (xs >= 0) & (xs < width) & (ys >= 0) & (ys < height)
    return np.clip(ys, 0, height - 1), np.clip(xs, 0, width - 1), inside


def _scores(matrices: np.ndarray, points: tuple[np.ndarray, np.ndarray], key: Layout, region: int,
            shift: float) -> np.ndarray:
    """[A]: for maps [A, 2, 3], the mean of two shares: of the region's pixels each puts inside the
    keyframe region, and of its outline it puts on a keyframe line; less the charges for distance
    (shift, in frame diagonals) and for turning. The outline pins a region that is only partly
    seen (occluded, or cut by the frame's edge) inside a larger one."""
    inner, outline = points
    rows, cols, inside = _moved(matrices, inner, key)
    shares = [(inside & (key.labels[rows, cols] == region)).mean(axis=1)]
    if len(outline):
        rows, cols, inside = _moved(matrices, outline, key)
        shares.append((inside & (key.line_distance[rows, cols] <= OUTLINE_REACH)).mean(axis=1))
    landed = np.mean(shares, axis=0)
    turns = np.abs(np.rad2deg(np.arctan2(matrices[:, 1, 0], matrices[:, 0, 0])))
    return landed - SHIFT_CHARGE * shift - TURN_CHARGE * turns / 180.0


def _turned(angles: np.ndarray, scale: float, source: np.ndarray, destination: np.ndarray) -> np.ndarray:
    """[A, 2, 3]: `similarity` for each angle, at once."""
    theta = np.deg2rad(np.asarray(angles, np.float64))
    cos, sin = scale * np.cos(theta), scale * np.sin(theta)
    rotation = np.stack([np.stack([cos, -sin], axis=-1), np.stack([sin, cos], axis=-1)], axis=-2)
    return np.concatenate([rotation, (destination - rotation @ source)[..., None]], axis=-1)


def _sample(found: tuple[np.ndarray, np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """[N, 2] (x, y) of at most SAMPLES of the pixels found (rows, columns)."""
    points = np.stack([found[1], found[0]], axis=-1).astype(np.float64)
    return points[rng.choice(len(points), SAMPLES, replace=False)] if len(points) > SAMPLES else points


def _flow_hypothesis(points: np.ndarray, flow: np.ndarray) -> np.ndarray | None:
    """The similarity that explains the flow at the region's points best (RANSAC), or None."""
    xs, ys = points[:, 0].astype(int), points[:, 1].astype(int)
    moved = points + flow[ys, xs]
    if len(points) < 3:
        return None
    matrix, _ = cv2.estimateAffinePartial2D(points.astype(np.float32), moved.astype(np.float32),
                                            method=cv2.RANSAC, ransacReprojThreshold=1.5)
    return matrix


def best_fit(target: Layout, region: int, key: Layout, flows: list[np.ndarray], rng: np.random.Generator):
    """(map [2, 3], score, keyframe region) of the target region's best similarity into the keyframe, or None."""
    mine = target.labels == region
    points = inner, outline = tuple(_sample(np.nonzero(mask), rng) for mask in (mine, mine & target.edges))
    diagonal = float(np.hypot(*target.labels.shape))
    best = (None, -np.inf, 0)
    for flow in flows:
        matrix = _flow_hypothesis(outline if len(outline) >= 8 else inner, flow)  # flow holds best on lines
        if matrix is None:
            continue
        landed = _labels_at(key.labels, apply(matrix, inner))
        labels, counts = np.unique(landed[landed > 0], return_counts=True)
        if len(labels):
            k = int(labels[np.argmax(counts)])
            if key.matched[k]:
                centre = apply(matrix, target.centroids[region][None])[0]
                score = _scores(matrix[None], points, key, k, np.linalg.norm(centre - target.centroids[region]) / diagonal)[0]
                if score > best[1]:
                    best = (matrix, score, k)
    area = target.areas[region]
    options = np.nonzero(key.matched & (key.areas <= area * AREA_FACTOR) & (key.areas >= area / AREA_FACTOR))[0]
    source = target.centroids[region]  # centroids line up when the region is seen whole in both
    for k in options:
        scale = float(np.sqrt(key.areas[k] / area))
        shift = np.linalg.norm(key.centroids[k] - source) / diagonal
        angles = np.arange(-180.0, 180.0, COARSE_STEP)
        coarse = angles[np.argmax(_scores(_turned(angles, scale, source, key.centroids[k]), points, key, k, shift))]
        angles = np.concatenate([[coarse], coarse + np.arange(-COARSE_STEP / 2, COARSE_STEP / 2 + 1e-6, FINE_STEP)])
        scores = _scores(_turned(angles, scale, source, key.centroids[k]), points, key, k, shift)
        if scores.max() > best[1]:
            best = (similarity(angles[np.argmax(scores)], scale, source, key.centroids[k]), float(scores.max()), int(k))
    return best if best[0] is not None else None


def region_flows(target: Layout, key: Layout, fallback: tuple[np.ndarray, np.ndarray],
                 hints: list[np.ndarray] = (), seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(forward target -> keyframe, backward keyframe -> target) [H, W, 2] between two frames' layouts
    (Layout.of their line art): each matched region of the target moved by its best similarity, every
    other pixel by `fallback` (forward, backward). `hints`: optical flows target -> keyframe whose
    motion may be a region's (RANSAC hypotheses)."""
    forward, backward = fallback[0].copy(), fallback[1].copy()
    rng = np.random.default_rng(seed)
    height, width = target.labels.shape
    ys, xs = np.indices((height, width))
    grid = np.stack([xs, ys], axis=-1).astype(np.float64)
    # line pixels move with the nearest region (as label_regions hands back the closing)
    nearest, key_nearest = target.nearest, key.nearest
    for region in np.nonzero(target.matched)[0]:
        found = best_fit(target, region, key, list(hints), rng)
        if found is None or found[1] < MIN_FIT:
            continue
        matrix, _, k = found
        where = nearest == region
        moved = apply(matrix, grid[where])
        # only pixels the map takes into the matched region or onto a line nearest to it: not what the
        # gap closing gave the region (a sliver of paper at the frame's edge), nor what leaves the frame
        fits = _labels_at(key_nearest, moved) == k
        rows, cols = np.nonzero(where)
        forward[rows[fits], cols[fits]] = moved[fits] - grid[rows[fits], cols[fits]]
        back = key_nearest == k
        inverse = cv2.invertAffineTransform(matrix)
        backward[back] = apply(inverse, grid[back]) - grid[back]
    return forward.astype(np.float32), backward.astype(np.float32)
