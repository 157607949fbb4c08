"""Closed regions of line art, and the two region-level colourers built on them.

A region is a 4-connected set of non-line pixels (grey >= 0.5): what a paint bucket fills.

- `paint_bucket`: the classical colourer. Each region of the target takes the colour of
  the keyframe region that best matches it in overlap, position and area. No network; the
  floor every learned model must beat, and useful by itself on slow shots.
- `snap_to_paints`: per-pixel snapping of a prediction to the keyframe paints it is close
  to. Colour boundaries that have no line survive it.
- `flatten`: region flattening of a network's prediction. Each region takes the keyframe
  palette colour that most of its predicted pixels are close to (a soft vote in CIELAB),
  so the output is clean cel colour.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy import ndimage
from scipy.spatial import cKDTree
from scipy.spatial.distance import cdist

from lineart_color.data.distance import LINE_THRESHOLD, line_mask
from lineart_color.colour import rgb_to_lab

FOUR_CONNECTED = ndimage.generate_binary_structure(2, 1)
PALETTE_MERGE_DELTA_E = 3.0  # keyframe colours closer than this are one paint
# How sharply a predicted pixel votes for its nearest paint (deltaE76). Chosen on val shots
# with the bundled network: flat accuracy 0.576 with the region median, 0.625 with this vote.
VOTE_TEMPERATURE = 5.0
# Pixels this close (deltaE76) to a keyframe paint take it in `snap_to_paints`. Chosen on val
# shots with a network trained 12k steps: flat accuracy 0.762 at 25, 0.769 at 30, 0.744 at 40.
SNAP_DELTA_E = 30.0
GAP_FRACTION = 1 / 64  # line breaks up to about 2 x this share of the shorter side are closed (4 px at 256 px)


def gap_for(shape: tuple[int, ...]) -> int:
    """The default gap-closing radius for a frame of this shape, in px."""
    return max(1, round(min(shape[:2]) * GAP_FRACTION))


def label_regions(line: np.ndarray, gap: int | None = None, threshold: float = LINE_THRESHOLD) -> tuple[np.ndarray, int]:
    """[H, W] int32 labels (0 on line pixels, 1..count for regions) and the region count.

    Line art has small breaks that would let one region leak into the next. As paint
    tools' "close gaps" option does, lines are thickened by `gap` px (default: gap_for,
    chosen on val shots) for finding regions, and the pixels under the thickening go back
    to the nearest region.
    """
    lines = line_mask(line, threshold)
    gap = gap_for(lines.shape) if gap is None else gap
    closed = ndimage.binary_dilation(lines, iterations=gap) if gap > 0 and lines.any() else lines
    labels, count = ndimage.label(~closed, structure=FOUR_CONNECTED)
    if closed is not lines and count:
        _, (rows, cols) = ndimage.distance_transform_edt(labels == 0, return_indices=True)
        labels = np.where(lines, 0, labels[rows, cols])
    return labels.astype(np.int32), int(count)


def region_medians(labels: np.ndarray, count: int, image: np.ndarray) -> np.ndarray:
    """[count + 1, 3]: each region's per-channel median colour (row 0: the line pixels; white where a label has none)."""
    index = np.arange(count + 1)
    image = np.asarray(image, np.float32)
    medians = np.stack([ndimage.median(image[..., channel], labels, index) for channel in range(3)], axis=-1)
    empty = np.bincount(labels.ravel(), minlength=count + 1)[: count + 1] == 0  # scipy gives these a neighbour's value
    return np.where(empty[:, None], 1.0, np.asarray(medians, np.float32).reshape(count + 1, 3)).astype(np.float32)


@dataclass(frozen=True)
class Regions:
    """A frame's regions with the statistics that matching needs."""

    labels: np.ndarray  # [H, W] int32
    count: int
    areas: np.ndarray  # [count + 1]
    centroids: np.ndarray  # [count + 1, 2] (row, column), in pixels

    @staticmethod
    def of(line: np.ndarray) -> "Regions":
        labels, count = label_regions(line)
        index = np.arange(count + 1)
        areas = ndimage.sum_labels(np.ones(labels.shape), labels, index)
        rows, cols = np.indices(labels.shape)
        with np.errstate(invalid="ignore", divide="ignore"):
            centroids = np.stack([ndimage.sum_labels(rows, labels, index) / areas,
                                  ndimage.sum_labels(cols, labels, index) / areas], axis=-1)
        return Regions(labels, count, areas, np.nan_to_num(centroids))


def overlap_counts(a: np.ndarray, a_count: int, b: np.ndarray, b_count: int) -> np.ndarray:
    """[a_count + 1, b_count + 1]: pixels shared by region i of labelling a and region j of b."""
    joint = a.astype(np.int64).ravel() * (b_count + 1) + b.ravel()
    return np.bincount(joint, minlength=(a_count + 1) * (b_count + 1)).reshape(a_count + 1, b_count + 1)


def match_costs(target: Regions, key: Regions) -> np.ndarray:
    """[target regions + 1, key regions + 1] matching cost; lower is better.

    Overlap (the share of the target region covered by the key region) dominates for
    small motion; centroid distance (relative to the frame diagonal) and the log area
    ratio decide when regions have moved apart.
    """
    overlap = overlap_counts(target.labels, target.count, key.labels, key.count)
    covered = overlap / np.maximum(target.areas[:, None], 1.0)
    diagonal = float(np.hypot(*target.labels.shape))
    shift = np.linalg.norm(target.centroids[:, None, :] - key.centroids[None, :, :], axis=-1) / diagonal
    area_ratio = np.abs(np.log(np.maximum(target.areas[:, None], 1.0) / np.maximum(key.areas[None, :], 1.0)))
    cost = 4.0 * shift + 0.5 * area_ratio - covered
    cost[:, 0] = np.inf  # never take a line "region" as a source of paint
    cost[0, :] = np.inf  # the target's line pixels are not matched: they keep line colour
    return cost


def paint_bucket(line: np.ndarray, keyframes: Sequence[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Colour a frame's line art from keyframes [(line, colour), ...] region by region.

    Each target region takes the median colour of its best-matching region over all
    keyframes (the earlier one on a tie); line pixels take the first keyframe's line colour
    (their median). Callers put the nearest keyframe first.
    """
    if not keyframes:
        raise ValueError("paint_bucket needs at least one keyframe")
    target = Regions.of(line)
    best_cost = np.full(target.count + 1, np.inf)
    colours = np.ones((target.count + 1, 3), np.float32)
    for index, (key_line, key_color) in enumerate(keyframes):
        key = Regions.of(key_line)
        medians = region_medians(key.labels, key.count, key_color)
        cost = match_costs(target, key)
        choice = np.argmin(cost, axis=1)
        chosen_cost = cost[np.arange(target.count + 1), choice]
        better = chosen_cost < best_cost
        colours[better] = medians[choice[better]]
        best_cost[better] = chosen_cost[better]
        if index == 0:
            colours[0] = medians[0]  # line pixels take the first keyframe's line colour
    return colours[target.labels]


def keyframe_palette(keyframes: Sequence[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """[P, 3]: the distinct region colours of the keyframes (colours within 3 deltaE merged)."""
    candidates = []
    for key_line, key_color in keyframes:
        labels, count = label_regions(key_line)
        candidates.append(region_medians(labels, count, key_color)[1:])
    colours = np.concatenate(candidates) if candidates else np.ones((0, 3), np.float32)
    palette: list[np.ndarray] = []
    palette_lab: list[np.ndarray] = []
    for colour, lab in zip(colours, rgb_to_lab(colours)):
        if not palette_lab or np.min(np.linalg.norm(np.asarray(palette_lab) - lab, axis=-1)) >= PALETTE_MERGE_DELTA_E:
            palette.append(colour)
            palette_lab.append(lab)
    return np.asarray(palette, np.float32).reshape(-1, 3)


def paint_distances(image: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """[H * W, P]: CIELAB deltaE76 from every pixel to every palette colour."""
    return cdist(rgb_to_lab(np.asarray(image, np.float32).reshape(-1, 3)), rgb_to_lab(palette)).astype(np.float32)


def palette_votes(labels: np.ndarray, count: int, image: np.ndarray, palette: np.ndarray,
                  temperature: float = VOTE_TEMPERATURE) -> np.ndarray:
    """[count + 1, P]: each region's soft votes for the palette colours (row 0: line pixels).

    Every pixel spreads one vote over the paints, exp(-(deltaE - nearest deltaE) / temperature),
    normalised, so a pixel between two paints splits its vote and a region's mixed edge
    pixels cannot outvote its interior.
    """
    distance = paint_distances(image, palette)
    weights = np.exp(-(distance - distance.min(axis=1, keepdims=True)) / temperature)
    weights /= weights.sum(axis=1, keepdims=True)
    votes = np.zeros((count + 1, len(palette)), np.float64)
    np.add.at(votes, labels.ravel(), weights)
    return votes


def flatten(prediction: np.ndarray, line: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """One palette colour per closed region of `line`, chosen by the prediction's votes; lines keep the prediction."""
    if len(palette) == 0:
        return np.asarray(prediction, np.float32)
    labels, count = label_regions(line)
    colours = np.asarray(palette, np.float32)[np.argmax(palette_votes(labels, count, prediction, palette)[1:], axis=1)]
    return np.where(labels[..., None] > 0, np.concatenate([np.zeros((1, 3), np.float32), colours])[labels],
                    np.asarray(prediction, np.float32))


def snap_to_paints(prediction: np.ndarray, line: np.ndarray, palette: np.ndarray,
                   max_delta_e: float = SNAP_DELTA_E) -> np.ndarray:
    """Every non-line pixel within `max_delta_e` of a palette colour takes the nearest one; the rest keep the prediction.

    Unlike `flatten`, a region may keep several paints, so paint boundaries drawn without
    a line (shading, stripes) survive; pixels far from every paint are left as predicted.
    """
    prediction = np.asarray(prediction, np.float32)
    if len(palette) == 0:
        return prediction
    distance, nearest = cKDTree(rgb_to_lab(palette)).query(rgb_to_lab(prediction.reshape(-1, 3)))
    close = (distance < max_delta_e) & ~line_mask(line).ravel()
    snapped = np.asarray(palette, np.float32)[nearest]
    return np.where(close[:, None], snapped, prediction.reshape(-1, 3)).reshape(prediction.shape)
