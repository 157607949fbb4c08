"""Keyframes ("references") folded into the batch axis and back, so per-frame layers run on all at once."""

from __future__ import annotations

from keras import ops


def merge_references(x):
    """[B, K, H, W, C] -> [B*K, H, W, C]."""
    shape = ops.shape(x)
    return ops.reshape(x, (-1, shape[2], shape[3], x.shape[-1]))


def split_references(x, batch, refs):
    """[B*K, h, w, C] -> [B, K, h, w, C]."""
    shape = ops.shape(x)
    return ops.reshape(x, (batch, refs, shape[1], shape[2], x.shape[-1]))
