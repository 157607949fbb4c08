"""Distance fields inside a TensorFlow graph, equal to data/distance.py's `distance_field`.

Exported models compute the fields themselves, so a browser or TF Serving client only sends
line art. The exact squared Euclidean distance transform is separable: the distance to the nearest
line pixel down each column (found by doubling steps), squared, then a min-plus pass
    out[x] = min_d cost[x + d] + d^2
along the rows. The field is
clipped to 1 at `reach` of the shorter side, so offsets beyond that band cannot change the
result: each pass covers |d| <= band only, and anything farther counts as "beyond the
band". That keeps memory at a few frames' worth and uses only ops that TF.js runs on every
backend (slice, concat, add, minimum; a while loop when the size is unknown).
"""

from __future__ import annotations

import math

import tensorflow as tf

from lineart_color.data.distance import DEFAULT_REACH, LINE_THRESHOLD


def _min_plus_over_rows(cost, row_length, band, beyond):
    """Flat 1-D view of a [rows, row_length] array -> min over |d| <= band of cost[row + d] + d^2.

    The rows are laid out flat and padded once with `band` rows of `beyond`, so each offset is
    two contiguous slices: TF.js copies those in one go (slicing an inner axis goes element by
    element on its CPU backend). A band known while tracing (a fixed-size export) is unrolled:
    TF.js pays a lot per op inside a loop; an unknown one runs in a while loop.
    """
    length = tf.size(cost)
    margin = tf.fill([band * row_length], beyond)  # rows outside the frame
    padded = tf.concat([margin, cost, margin], axis=0)

    def relax(best, offset):
        from_above = tf.slice(padded, [(band - offset) * row_length], [length])
        from_below = tf.slice(padded, [(band + offset) * row_length], [length])
        return tf.minimum(best, tf.minimum(from_above, from_below) + tf.cast(offset * offset, cost.dtype))

    if isinstance(band, int):
        best = cost
        for offset in range(1, band + 1):
            best = relax(best, offset)
        return best
    _, best = tf.while_loop(lambda offset, _: offset <= band, lambda offset, best: (offset + 1, relax(best, offset)),
                            (tf.constant(1), cost))
    return best


def _squared_distance_along_rows(is_line, row_length, band):
    """Flat 1-D view of a [rows, row_length] line mask -> squared distance to the nearest line pixel in
    the same column, or (band + 1)^2 beyond the band: what _min_plus_over_rows gives for a cost of 0
    on lines, in log2(band) + 1 steps instead of band.

    Unsquared, a 1-D distance is additive: every d <= band is a sum of distinct powers of two, so
    relaxing by 1, 2, 4, ... reaches every offset. (The second pass's costs are squares, which
    are not, so it keeps the band-long loop.) A distance found beyond the band stays band + 1.
    """
    far = tf.cast(band, tf.float32) + 1.0
    length = tf.size(is_line)

    def relax(distance, step):
        margin = tf.fill([step * row_length], far)
        padded = tf.concat([margin, distance, margin], axis=0)
        nearer = tf.minimum(tf.slice(padded, [0], [length]), tf.slice(padded, [2 * step * row_length], [length]))
        return tf.minimum(distance, nearer + tf.cast(step, tf.float32))

    distance = tf.where(is_line, 0.0, far)
    if isinstance(band, int):
        step = 1
        while step <= band:
            distance, step = relax(distance, step), 2 * step
    else:
        _, distance = tf.while_loop(lambda step, _: step <= band,
                                    lambda step, distance: (2 * step, relax(distance, step)), (tf.constant(1), distance))
    return tf.square(distance)


def _reach_in_pixels(line, reach: float):
    """(scale, band): reach * shorter side, and the largest whole offset within it.

    Python numbers when H and W are known while tracing, tensors otherwise.
    """
    if line.shape[1] is not None and line.shape[2] is not None:
        scale = reach * min(line.shape[1], line.shape[2])
        return scale, math.floor(scale)
    shape = tf.shape(line)
    scale = reach * tf.cast(tf.minimum(shape[1], shape[2]), tf.float32)
    return scale, tf.cast(tf.floor(scale), tf.int32)


def distance_field_graph(line, reach: float = DEFAULT_REACH, threshold: float = LINE_THRESHOLD):
    """line art [N, H, W, 1] in [0, 1] -> distance field [N, H, W, 1] in [0, 1], as `distance_field`.

    Distance to the nearest pixel darker than `threshold`, over (reach * shorter side), clipped
    to 1; 1 everywhere in a frame without line. H and W may be unknown until run time.
    """
    if not 0.0 < reach <= 1.0:
        raise ValueError(f"reach must be in (0, 1], got {reach}")
    grey = tf.transpose(tf.cast(line, tf.float32)[..., 0], (1, 2, 0))  # [H, W, N]: frames innermost
    height, width, frames = tf.unstack(tf.shape(grey))
    scale, band = _reach_in_pixels(line, reach)
    beyond = tf.square(tf.cast(band, tf.float32) + 1.0)  # > scale^2: maps to 1 after the clip; offsets
    # beyond the band give distances > scale, which the clip maps to 1 as well
    down = tf.reshape(_squared_distance_along_rows(tf.reshape(grey < threshold, [-1]), width * frames, band),
                      tf.shape(grey))
    across = tf.reshape(tf.transpose(down, (1, 0, 2)), [-1])  # [W, H, N]: now columns are rows
    squared = tf.reshape(_min_plus_over_rows(across, height * frames, band, beyond), (width, height, frames))
    field = tf.minimum(tf.sqrt(tf.minimum(squared, beyond)) / scale, 1.0)
    return tf.transpose(field, (2, 1, 0))[..., None]
