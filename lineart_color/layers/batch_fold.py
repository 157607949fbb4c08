"""A second axis (keyframes, or frames in time) folded into the batch and back, so per-frame
layers run on all of them at once."""

from __future__ import annotations

from keras import ops


def fold_into_batch(x):
    """[B, N, H, W, C] -> [B*N, H, W, C]."""
    shape = ops.shape(x)
    return ops.reshape(x, (-1, shape[2], shape[3], x.shape[-1]))


def unfold_from_batch(x, batch, count):
    """[B*N, h, w, C] -> [B, N, h, w, C]."""
    shape = ops.shape(x)
    return ops.reshape(x, (batch, count, shape[1], shape[2], x.shape[-1]))
