"""LCMFTN's Correlation Matching Feature Transfer block (Zhang et al., WACV 2020, arXiv 2004.06718).

The target's sketch features and each reference's, each plus its semantic features (the paper
combines them by addition), are compared position by position. A softmax over every position
of every reference weights the references' colour features, which are carried to the target.
Memory is bounded as in the similarity layer: the softmax runs over chunks of query positions
(similarity_transform.chunked_attention), so it grows with chunk x (K*h*w).

An unofficial CMFT fails the basic check that, with the same sketch as target and reference,
the transferred colour is the reference's own. Here it holds from initialisation on:
- one projection serves target and references, initialised to the identity, so a position's
  query equals its own key;
- similarity is cosine times a learned scale, so no position outscores itself, whatever the
  length of its feature;
- a learned locality term, -locality * (squared distance in grid cells), breaks ties between
  positions that look alike (inside a flat area) toward the nearest one, which is itself.
"""

from __future__ import annotations

import math

import keras
from keras import ops

from lineart_color.layers.similarity_transform import chunked_attention


def grid_positions(height, width):
    """(row, column) of every position of an h x w grid, centred on the middle, row-major: [h*w, 2]."""
    rows = ops.arange(height, dtype="float32") - ops.cast(height - 1, "float32") / 2.0
    cols = ops.arange(width, dtype="float32") - ops.cast(width - 1, "float32") / 2.0
    grid = ops.stack(ops.meshgrid(rows, cols, indexing="ij"), axis=-1)
    return ops.reshape(grid, (-1, 2))


@keras.saving.register_keras_serializable(package="lineart_color")
class CorrelationMatchingFeatureTransfer(keras.layers.Layer):
    """[target sketch [B, h, w, C], target semantic [B, h, w, C], reference sketch [B, K, h, w, C],
    reference semantic [B, K, h, w, C], reference colour [B, K, h, w, V]]
    -> (transferred colour [B, h, w, V], confidence [B, h, w, 1]: each position's largest weight).

    key_dim defaults to C (the projection then starts as the identity; otherwise orthogonal).
    """

    def __init__(self, key_dim: int | None = None, scale: float = 20.0, locality: float = 3.0,
                 chunk_size: int = 4096, **kwargs):
        super().__init__(**kwargs)
        if (key_dim is not None and key_dim < 1) or scale <= 0 or locality <= 0 or chunk_size < 1:
            raise ValueError(f"need key_dim >= 1, scale > 0, locality > 0, chunk_size >= 1, "
                             f"got {key_dim}, {scale}, {locality}, {chunk_size}")
        self.key_dim, self.initial_scale, self.initial_locality = key_dim, scale, locality
        self.chunk_size = chunk_size

    def build(self, input_shape):
        channels = input_shape[0][-1]
        key_dim = self.key_dim or channels
        initializer = keras.initializers.Identity() if key_dim == channels else keras.initializers.Orthogonal()
        self.project = keras.layers.Dense(key_dim, use_bias=False, kernel_initializer=initializer, name="project")
        self.project.build((None, channels))
        # Both kept as logs, so they stay positive while they learn.
        self.log_scale = self.add_weight(name="log_scale", shape=(),
                                         initializer=keras.initializers.Constant(math.log(self.initial_scale)))
        self.log_locality = self.add_weight(name="log_locality", shape=(),
                                            initializer=keras.initializers.Constant(math.log(self.initial_locality)))

    def _directions(self, features):
        """Unit-length projected features [..., key_dim]: cosine similarity is their dot product."""
        projected = self.project(features)
        return projected / ops.sqrt(ops.sum(ops.square(projected), axis=-1, keepdims=True) + 1e-12)

    def call(self, inputs, training=None):
        target_sketch, target_semantic, ref_sketch, ref_semantic, ref_color = inputs
        shape = ops.shape(ref_sketch)
        batch, refs, height, width = shape[0], shape[1], shape[2], shape[3]
        # float32 whatever the policy: the softmax's scores are computed in float32
        scale, locality = (ops.exp(ops.cast(log, "float32")) for log in (self.log_scale, self.log_locality))

        key_dim = self.project.units
        query = ops.reshape(self._directions(target_sketch + target_semantic), (batch, height * width, key_dim))
        keys = ops.reshape(self._directions(ref_sketch + ref_semantic), (batch, refs * height * width, key_dim))
        values = ops.reshape(ref_color, (batch, refs * height * width, ref_color.shape[-1]))

        # scale*cos - locality*|p_q - p_k|^2 as one dot product: the |p_q|^2 part is the same for every
        # key of a query, so softmax ignores it; what is left is 2*locality*p_q.p_k - locality*|p_k|^2.
        positions = grid_positions(height, width)
        query_positions = ops.broadcast_to(positions[None], (batch, height * width, 2))
        key_positions = ops.broadcast_to(ops.tile(positions, (refs, 1))[None], (batch, refs * height * width, 2))
        query = ops.concatenate([scale * ops.cast(query, "float32"), 2.0 * locality * query_positions,
                                 locality * ops.ones_like(query_positions[..., :1])], axis=-1)
        keys = ops.concatenate([ops.cast(keys, "float32"), key_positions,
                                -ops.sum(ops.square(key_positions), axis=-1, keepdims=True)], axis=-1)
        transferred, confidence = chunked_attention(query, keys, values, self.chunk_size, scale=1.0,
                                                      recompute=bool(training))
        unflatten = lambda x: ops.reshape(x, (batch, height, width, x.shape[-1]))
        return unflatten(ops.cast(transferred, ref_color.dtype)), unflatten(ops.cast(confidence, ref_color.dtype))

    def compute_output_shape(self, input_shape):
        target = input_shape[0]
        return (*target[:-1], input_shape[4][-1]), (*target[:-1], 1)

    def get_config(self):
        return {**super().get_config(), "key_dim": self.key_dim, "scale": self.initial_scale,
                "locality": self.initial_locality, "chunk_size": self.chunk_size}
