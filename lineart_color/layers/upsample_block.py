"""x2 nearest-neighbour upsampling then a ConvBlock (no transposed-conv checkerboard)."""

from __future__ import annotations

import keras

from lineart_color.layers.conv_block import ConvBlock


@keras.saving.register_keras_serializable(package="lineart_color")
class UpsampleBlock(keras.layers.Layer):
    def __init__(self, filters: int, norm: str = "instance", activation: str | None = "relu",
                 spectral: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.norm, self.activation, self.spectral = filters, norm, activation, spectral
        self.upsample = keras.layers.UpSampling2D(2, interpolation="nearest", name="upsample")
        self.block = ConvBlock(filters, 3, 1, norm=norm, activation=activation, spectral=spectral, name="conv_block")

    def build(self, input_shape):
        self.block.build(self.upsample.compute_output_shape(input_shape))

    def call(self, x, training=None):
        return self.block(self.upsample(x), training=training)

    def compute_output_shape(self, input_shape):
        return self.block.compute_output_shape(self.upsample.compute_output_shape(input_shape))

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "norm": self.norm,
                "activation": self.activation, "spectral": self.spectral}
