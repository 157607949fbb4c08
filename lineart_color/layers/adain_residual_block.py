"""conv -> AdaIN -> ReLU -> conv -> AdaIN, plus the input: the style-driven core of the CTN."""

from __future__ import annotations

import keras

from lineart_color.layers.adain import AdaIN


@keras.saving.register_keras_serializable(package="lineart_color")
class AdaINResidualBlock(keras.layers.Layer):
    """[features [B, H, W, C], style [B, S]] -> [B, H, W, C]."""

    def __init__(self, filters: int, **kwargs):
        super().__init__(**kwargs)
        if filters < 1:
            raise ValueError(f"filters must be >= 1, got {filters}")
        self.filters = filters
        self.conv_1 = keras.layers.Conv2D(filters, 3, padding="same", name="conv_1")
        self.adain_1 = AdaIN(name="adain_1")
        self.conv_2 = keras.layers.Conv2D(filters, 3, padding="same", name="conv_2")
        self.adain_2 = AdaIN(name="adain_2")

    def build(self, input_shape):
        feature_shape, style_shape = input_shape
        if feature_shape[-1] != self.filters:
            raise ValueError(f"input has {feature_shape[-1]} channels, the block has {self.filters}")
        self.conv_1.build(feature_shape)
        self.adain_1.build((feature_shape, style_shape))
        self.conv_2.build(feature_shape)
        self.adain_2.build((feature_shape, style_shape))

    def call(self, inputs):
        features, style = inputs
        x = keras.activations.relu(self.adain_1([self.conv_1(features), style]))
        return features + self.adain_2([self.conv_2(x), style])

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "filters": self.filters}
