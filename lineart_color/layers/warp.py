"""Stateless maths for matching: sampling an image along a flow, local correlation, and
paint continued under the lines. All `keras.ops`, with ops TF.js runs (gather, pad, slice).

Flows are [N, H, W, 2] (dx, dy) in pixels: output pixel p reads the image at p + flow(p).
"""

from __future__ import annotations

from keras import ops

from lineart_color.layers.ink import spread


def pixel_grid(height, width):
    """[H, W, 2] float32 (x, y) pixel coordinates."""
    xs = ops.reshape(ops.cast(ops.arange(width), "float32"), (1, -1))
    ys = ops.reshape(ops.cast(ops.arange(height), "float32"), (-1, 1))
    zeros = ops.zeros_like(xs) + ops.zeros_like(ys)  # [H, W]; broadcasting as TF.js does it (no meshgrid)
    return ops.stack([xs + zeros, ys + zeros], axis=-1)


def _gather_pixels(image, xs, ys):
    """image [N, H, W, C] at integer coordinates xs, ys [N, H', W'] (already in range) -> [N, H', W', C]."""
    shape = ops.shape(image)
    batch, height, width = shape[0], shape[1], shape[2]
    channels = image.shape[-1] if image.shape[-1] is not None else shape[3]  # known while tracing, or not (candidates)
    flat = ops.reshape(image, (-1, channels))
    index = ops.reshape(ops.arange(batch) * height * width, (-1, 1, 1)) + ys * width + xs
    picked = ops.take(flat, ops.reshape(index, (-1,)), axis=0)
    return ops.reshape(picked, (batch, ops.shape(xs)[1], ops.shape(xs)[2], channels))


def _coordinates(image, flow):
    """Sample positions p + flow(p), clamped to the image, as float x, y [N, H, W]."""
    shape = ops.shape(image)
    height, width = shape[1], shape[2]
    grid = pixel_grid(ops.shape(flow)[1], ops.shape(flow)[2])
    position = grid[None] + ops.cast(flow, "float32")
    xs = ops.clip(position[..., 0], 0.0, ops.cast(width - 1, "float32"))
    ys = ops.clip(position[..., 1], 0.0, ops.cast(height - 1, "float32"))
    return xs, ys


def sample_nearest(image, flow):
    """image [N, H, W, C] read at the nearest pixel to p + flow(p): every output value is an input pixel."""
    xs, ys = _coordinates(image, flow)
    return _gather_pixels(image, ops.cast(ops.round(xs), "int32"), ops.cast(ops.round(ys), "int32"))


def sample_bilinear(image, flow):
    """image [N, H, W, C] read at p + flow(p) with bilinear interpolation (differentiable in image and flow)."""
    shape = ops.shape(image)
    height, width = shape[1], shape[2]
    xs, ys = _coordinates(image, flow)
    x0, y0 = ops.floor(xs), ops.floor(ys)
    wx, wy = (xs - x0)[..., None], (ys - y0)[..., None]
    x0, y0 = ops.cast(x0, "int32"), ops.cast(y0, "int32")
    x1, y1 = ops.minimum(x0 + 1, width - 1), ops.minimum(y0 + 1, height - 1)
    image32 = ops.cast(image, "float32")
    top = _gather_pixels(image32, x0, y0) * (1.0 - wx) + _gather_pixels(image32, x1, y0) * wx
    bottom = _gather_pixels(image32, x0, y1) * (1.0 - wx) + _gather_pixels(image32, x1, y1) * wx
    return ops.cast(top * (1.0 - wy) + bottom * wy, image.dtype)


def resample(image, height, width, bilinear: bool = False):
    """image [N, H, W, C] resized to [N, height, width, C], with half-pixel centres and clamped
    edges, by the same gathers as the warps (so it runs where sizes are known only at run time,
    and in TF.js). Nearest keeps every value an input pixel; to the image's own size both give
    the image back exactly."""
    shape = ops.shape(image)
    grid = pixel_grid(height, width)
    scale = ops.stack([ops.cast(shape[2], "float32") / ops.cast(width, "float32"),
                       ops.cast(shape[1], "float32") / ops.cast(height, "float32")])
    flow = (grid + 0.5) * scale - 0.5 - grid  # read output pixel p at its centre's place in the image
    flow = ops.broadcast_to(flow[None], (shape[0], height, width, 2))
    return (sample_bilinear if bilinear else sample_nearest)(image, flow)


def upsample_bilinear_2x(x):
    """[N, H, W, C] -> [N, 2H, 2W, C], bilinear with half-pixel centres and clamped edges (as
    tf.image.resize), written with slices so it works when H and W are unknown until run time."""
    return _upsample_axis(_upsample_axis(x, 1), 2)


def _upsample_axis(x, axis: int):
    first = ops.take(x, ops.arange(0, 1), axis=axis)
    last = ops.take(x, ops.arange(ops.shape(x)[axis] - 1, ops.shape(x)[axis]), axis=axis)
    length = ops.shape(x)[axis]
    before = ops.concatenate([first, ops.take(x, ops.arange(0, length - 1), axis=axis)], axis=axis)
    after = ops.concatenate([ops.take(x, ops.arange(1, length), axis=axis), last], axis=axis)
    even, odd = 0.75 * x + 0.25 * before, 0.75 * x + 0.25 * after
    pairs = ops.stack([even, odd], axis=axis + 1)
    shape = ops.shape(x)
    new_shape = [shape[0], shape[1], shape[2], x.shape[-1]]
    new_shape[axis] = 2 * length
    return ops.reshape(pairs, new_shape)


def local_correlation(target, source, radius: int):
    """[N, H, W, (2r+1)^2]: mean over channels of target(p) * source(p + d) for every |dx|, |dy| <= r.

    `source` is usually already warped by the current flow, so d searches around it.
    """
    if radius < 0:
        raise ValueError(f"radius must be >= 0, got {radius}")
    shape = ops.shape(target)
    height, width = shape[1], shape[2]
    padded = ops.pad(source, [[0, 0], [radius, radius], [radius, radius], [0, 0]])
    scores = []
    for dy in range(2 * radius + 1):
        for dx in range(2 * radius + 1):
            shifted = ops.slice(padded, [0, dy, dx, 0], [shape[0], height, width, source.shape[-1]])
            scores.append(ops.mean(target * shifted, axis=-1))
    return ops.stack(scores, axis=-1)


def paint_under_lines(colour, line, steps: int, threshold: float = 0.5):
    """[N, H, W, 3]: line pixels (grey < threshold) take a neighbouring paint, `steps` pixels deep.

    Paint grows under the lines without mixing two paints (ink.spread). Pixels deeper than
    `steps` inside a line keep their own colour (a large black shape is black paint).
    """
    return spread(colour, ops.cast(line >= threshold, colour.dtype), steps)[0]
