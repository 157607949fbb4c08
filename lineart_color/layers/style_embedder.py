"""Style embedding vector (SEV): the references' global colour style as one vector.

Global average pooling makes it independent of the frame size (the blog's embedder
hard-codes 256 px with a 16x16 average pool); averaging over references makes it
independent of how many are given.
"""

from __future__ import annotations

from typing import Sequence

import keras
from keras import ops

from lineart_color.layers.conv_block import ConvBlock


@keras.saving.register_keras_serializable(package="lineart_color")
class StyleEmbedder(keras.layers.Layer):
    """[reference colour+line [B, K, H, W, C]] -> style vector [B, style_dim]."""

    def __init__(self, widths: Sequence[int] = (64, 128, 256, 512), style_dim: int = 512, **kwargs):
        super().__init__(**kwargs)
        if style_dim < 1 or not widths:
            raise ValueError(f"need style_dim >= 1 and at least one width, got {style_dim}, {widths}")
        self.widths, self.style_dim = tuple(int(w) for w in widths), style_dim
        self.convs = [ConvBlock(w, 4, 2, norm="none", name=f"down_{i}") for i, w in enumerate(self.widths)]
        self.hidden = keras.layers.Dense(style_dim, name="hidden")
        self.out = keras.layers.Dense(style_dim, name="out")

    def build(self, input_shape):
        shape = (None, *input_shape[2:])
        for conv in self.convs:
            conv.build(shape)
            shape = conv.compute_output_shape(shape)
        self.hidden.build((None, self.widths[-1]))
        self.out.build((None, self.style_dim))

    def call(self, references, training=None):
        shape = ops.shape(references)
        x = ops.reshape(references, (-1, shape[2], shape[3], references.shape[-1]))
        for conv in self.convs:
            x = conv(x, training=training)
        pooled = ops.mean(x, axis=(1, 2))  # [B*K, C], any frame size
        pooled = ops.mean(ops.reshape(pooled, (shape[0], shape[1], self.widths[-1])), axis=1)
        return self.out(keras.activations.leaky_relu(self.hidden(pooled), negative_slope=0.2))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.style_dim)

    def get_config(self):
        return {**super().get_config(), "widths": list(self.widths), "style_dim": self.style_dim}
