"""Self-attention over the positions of a feature map (SAGAN, Zhang et al. 2019), as the
self-attention U-Net colourisers use it."""

from __future__ import annotations

import keras
from keras import ops

from lineart_color.layers.similarity_transform import chunked_attention


@keras.saving.register_keras_serializable(package="lineart_color")
class SelfAttention2D(keras.layers.Layer):
    """[B, H, W, C] -> [B, H, W, C]: x + gamma * out(softmax(f(x) g(x)^T / sqrt(d)) h(x)).

    f, g and h are 1x1 convolutions (to C/8, C/8 and C/2 channels), out a 1x1 convolution back
    to C, and gamma a learned scalar that starts at 0, so the layer starts as the identity and
    the network lets attention in as it learns to use it. Only 1x1 convolutions touch positions
    one at a time, so the layer is equivariant to any permutation of positions. The attention
    runs in chunks of queries (similarity_transform.chunked_attention): a 128 x 128 map's
    16,384^2 scores never sit in memory at once.
    """

    def __init__(self, reduction: int = 8, chunk_size: int = 4096, **kwargs):
        super().__init__(**kwargs)
        if reduction < 1 or chunk_size < 1:
            raise ValueError(f"reduction and chunk_size must be >= 1, got {reduction}, {chunk_size}")
        self.reduction, self.chunk_size = int(reduction), int(chunk_size)

    def build(self, input_shape):
        channels = input_shape[-1]
        key_dim, value_dim = max(1, channels // self.reduction), max(1, channels // 2)
        self.f = keras.layers.Conv2D(key_dim, 1, name="query")
        self.g = keras.layers.Conv2D(key_dim, 1, name="key")
        self.h = keras.layers.Conv2D(value_dim, 1, name="value")
        self.out = keras.layers.Conv2D(channels, 1, name="out")
        for layer in (self.f, self.g, self.h):
            layer.build(input_shape)
        self.out.build((*input_shape[:-1], value_dim))
        self.gamma = self.add_weight(name="gamma", shape=(), initializer="zeros")

    def call(self, x, training=None):
        shape = ops.shape(x)
        batch, height, width = shape[0], shape[1], shape[2]
        flat = lambda features: ops.reshape(features, (batch, height * width, features.shape[-1]))
        attended, _ = chunked_attention(flat(self.f(x)), flat(self.g(x)), flat(self.h(x)), self.chunk_size,
                                        recompute=bool(training))
        attended = ops.reshape(attended, (batch, height, width, attended.shape[-1]))
        return x + ops.cast(self.gamma, x.dtype) * self.out(attended)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "reduction": self.reduction, "chunk_size": self.chunk_size}
