"""A strided convolutional encoder that returns the features of every stage (for skips)."""

from __future__ import annotations

from typing import Sequence

import keras

from lineart_color.layers.conv_block import ConvBlock


@keras.saving.register_keras_serializable(package="lineart_color")
class Encoder(keras.layers.Layer):
    """Stage i: a stride-2 ConvBlock to widths[i] channels then a stride-1 ConvBlock.

    With 3 stages the output is 1/8 of the input size. Spectral norm and instance norm
    throughout, LeakyReLU(0.2).
    """

    def __init__(self, widths: Sequence[int] = (64, 128, 256), spectral: bool = True, **kwargs):
        super().__init__(**kwargs)
        if not widths or min(widths) < 1:
            raise ValueError(f"widths must be a non-empty list of positive ints, got {widths}")
        self.widths, self.spectral = tuple(int(w) for w in widths), spectral
        self.stages = []
        for index, width in enumerate(self.widths):
            self.stages.append((
                ConvBlock(width, 4, 2, spectral=spectral, name=f"down_{index}"),
                ConvBlock(width, 3, 1, spectral=spectral, name=f"refine_{index}"),
            ))

    def build(self, input_shape):
        shape = input_shape
        for down, refine in self.stages:
            down.build(shape)
            shape = down.compute_output_shape(shape)
            refine.build(shape)

    def call(self, x, training=None):
        features = []
        for down, refine in self.stages:
            x = refine(down(x, training=training), training=training)
            features.append(x)
        return features

    def compute_output_shape(self, input_shape):
        shapes, shape = [], input_shape
        for down, _ in self.stages:
            shape = down.compute_output_shape(shape)
            shapes.append(shape)
        return shapes

    def get_config(self):
        return {**super().get_config(), "widths": list(self.widths), "spectral": self.spectral}
