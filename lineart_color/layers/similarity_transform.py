"""Similarity-based colour transform: carry reference colour features to matching target positions.

Target and reference distance-field features are compared position by position; a
softmax over *all positions of all references* (not per reference, and not over the
query axis as in the blog) weights the references' colour features. The attention is
evaluated in chunks of query positions, so memory grows with chunk x (K * h * w) rather
than (h * w) x (K * h * w): 1024 px frames fit.
"""

from __future__ import annotations

import math

import keras
import tensorflow as tf
from keras import ops


def map_query_chunks(fn, query, chunk_size: int, dtype="float32"):
    """fn applied to [B, chunk, C] slices of query [B, Q, C], one chunk at a time -> [B, Q, V];
    fn returns [B, chunk, V] of `dtype`.

    Chunks are made even (padding by less than one per chunk), and the padding is cut off again.
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    batch, length = ops.shape(query)[0], ops.shape(query)[1]
    chunks = (length + chunk_size - 1) // chunk_size
    chunk_size = (length + chunks - 1) // chunks
    padded = ops.pad(query, [[0, 0], [0, chunks * chunk_size - length], [0, 0]])
    pieces = ops.transpose(ops.reshape(padded, (batch, chunks, chunk_size, query.shape[-1])), (1, 0, 2, 3))
    # One chunk at a time: in a graph, ops.map's tf.map_fn runs up to 10 iterations at once, so
    # most chunks of a frame were in memory together. (keras.ops has no such knob; ops.scan
    # sets no maximum iteration count, without which the gradient does not compile under XLA.)
    result = tf.map_fn(fn, pieces, parallel_iterations=1, fn_output_signature=dtype)  # [chunks, B, chunk, V]
    width = result.shape[-1]
    result = ops.reshape(ops.transpose(result, (1, 0, 2, 3)), (batch, chunks * chunk_size, width))
    return result[:, :length]


def spelled_softmax(scores):
    """Softmax over the last axis written out (exp / sum), for the rematerialised path.

    The same values as ops.softmax. TF's graph optimiser cannot cost a fused Softmax whose
    rank is unknown, which it is inside a recomputed gradient, and logs a C++ error line on
    every training run that no log level silences; the spelled-out ops it costs quietly.
    """
    exp = ops.exp(scores - ops.max(scores, axis=-1, keepdims=True))
    return exp / ops.sum(exp, axis=-1, keepdims=True)


def chunked_attention(query, keys, values, chunk_size: int = 4096, scale: float | None = None,
                      recompute: bool = False):
    """softmax(scale * query keys^T) values, computed `chunk_size` queries at a time.

    query [B, Q, C], keys [B, N, C], values [B, N, V] -> ([B, Q, V], confidence [B, Q, 1]),
    where confidence is each query's largest attention weight. Softmax runs in float32. The
    scale is 1 / sqrt(C) unless given (a caller that scales its queries itself passes 1).

    With `recompute` (training), no chunk's [chunk, N] weights are kept for the backward pass:
    it computes them again (keras.remat). Otherwise the gradient holds every chunk's weights at
    once, the whole Q x N matrix that chunking exists to avoid.
    """
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    keys32_t, values32 = ops.transpose(ops.cast(keys, "float32"), (0, 2, 1)), ops.cast(values, "float32")

    def attend(query_chunk, keys_t, values_):
        # matmul rather than einsum: the same maths, and TF.js runs it fast on every backend.
        scores = ops.matmul(ops.cast(query_chunk, "float32"), keys_t) * scale
        weights = spelled_softmax(scores) if recompute else ops.softmax(scores, axis=-1)
        out = ops.matmul(weights, values_)
        return ops.concatenate([out, ops.max(weights, axis=-1, keepdims=True)], axis=-1)

    # keys and values go in as arguments: a rematerialised function differentiates its arguments only
    attend_chunk = keras.remat(attend) if recompute else attend
    result = map_query_chunks(lambda chunk: attend_chunk(chunk, keys32_t, values32), query, chunk_size)
    result = ops.cast(result, query.dtype)
    return result[..., :-1], result[..., -1:]


@keras.saving.register_keras_serializable(package="lineart_color")
class SimilarityColorTransform(keras.layers.Layer):
    """[target distance features [B, h, w, C], reference distance features [B, K, h, w, C],
    reference colour features [B, K, h, w, C]] -> transformed colour features [B, h, w, C].

    For each reference i, learned masks from the pair of distance features
        m_i = sigmoid(conv3x3([f_dt ; f_di]))   gates the reference colour features before matching,
        n_i = sigmoid(conv3x3'([f_dt ; f_di]))  blends matched features with the reference's own;
    the match: f_mat = out(softmax_{all K*h*w}(theta(f_dt) . phi(f_d)^T / sqrt(d)) . g(f_c * m));
    and the output f_sim = mean_i[(1 - n_i) * f_mat + n_i * f_ci].
    """

    def __init__(self, key_dim: int = 32, value_dim: int = 64, chunk_size: int = 4096, **kwargs):
        super().__init__(**kwargs)
        if min(key_dim, value_dim, chunk_size) < 1:
            raise ValueError(f"key_dim, value_dim and chunk_size must be >= 1, got {key_dim}, {value_dim}, {chunk_size}")
        self.key_dim, self.value_dim, self.chunk_size = key_dim, value_dim, chunk_size

    def build(self, input_shape):
        target_shape = input_shape[0]
        channels = target_shape[-1]
        pair_shape = (None, None, None, 2 * channels)
        self.theta = keras.layers.Conv2D(self.key_dim, 1, name="theta")
        self.phi = keras.layers.Conv2D(self.key_dim, 1, name="phi")
        self.g = keras.layers.Conv2D(self.value_dim, 1, name="g")
        self.project = keras.layers.Conv2D(channels, 1, name="project")
        self.mask_m = keras.layers.Conv2D(channels, 3, padding="same", activation="sigmoid", name="mask_m")
        self.mask_n = keras.layers.Conv2D(channels, 3, padding="same", activation="sigmoid", name="mask_n")
        for layer, shape in ((self.theta, target_shape), (self.phi, target_shape), (self.g, target_shape),
                             (self.project, (None, None, None, self.value_dim)),
                             (self.mask_m, pair_shape), (self.mask_n, pair_shape)):
            layer.build(shape)

    def call(self, inputs, training=None):
        target, ref_distance, ref_color = inputs
        shape = ops.shape(ref_distance)
        batch, refs, height, width = shape[0], shape[1], shape[2], shape[3]
        channels = target.shape[-1]
        flat = lambda x: ops.reshape(x, (-1, height, width, channels))  # [B*K, h, w, C]
        target_per_ref = flat(ops.broadcast_to(target[:, None], ops.shape(ref_distance)))
        pair = ops.concatenate([target_per_ref, flat(ref_distance)], axis=-1)
        m, n = self.mask_m(pair), self.mask_n(pair)

        query = ops.reshape(self.theta(target), (batch, -1, self.key_dim))
        keys = ops.reshape(self.phi(flat(ref_distance)), (batch, -1, self.key_dim))  # all refs' positions
        values = ops.reshape(self.g(flat(ref_color) * m), (batch, -1, self.value_dim))
        matched, _ = chunked_attention(query, keys, values, self.chunk_size, recompute=bool(training))
        matched = self.project(ops.reshape(matched, (batch, height, width, self.value_dim)))

        matched_per_ref = flat(ops.broadcast_to(matched[:, None], ops.shape(ref_color)))
        blended = (1.0 - n) * matched_per_ref + n * flat(ref_color)
        return ops.mean(ops.reshape(blended, (batch, refs, height, width, channels)), axis=1)

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "key_dim": self.key_dim, "value_dim": self.value_dim,
                "chunk_size": self.chunk_size}
