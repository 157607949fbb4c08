"""Adaptive instance normalisation (Huang & Belongie 2017).

The statistics are a stateless function; the layer owns the projection from a style
vector to per-channel scale and shift.
"""

from __future__ import annotations

import keras
from keras import ops


def instance_moments(x, epsilon: float = 1e-5):
    """Per-example, per-channel mean and standard deviation over H and W, in float32."""
    mean, variance = ops.moments(ops.cast(x, "float32"), axes=(1, 2), keepdims=True)
    return mean, ops.sqrt(variance + epsilon)


def adaptive_instance_norm(x, scale, shift, epsilon: float = 1e-5):
    """Normalise x [B, H, W, C] per instance, then apply scale and shift [B, C]."""
    mean, std = instance_moments(x, epsilon)
    normalized = (ops.cast(x, "float32") - mean) / std
    out = normalized * ops.cast(scale, "float32")[:, None, None, :] + ops.cast(shift, "float32")[:, None, None, :]
    return ops.cast(out, x.dtype)


@keras.saving.register_keras_serializable(package="lineart_color")
class AdaIN(keras.layers.Layer):
    """[features [B, H, W, C], style [B, S]] -> features re-styled by the style vector.

    The scale is predicted as 1 + dense(style) with the dense initialised to zero, so a
    fresh layer is plain instance normalisation.
    """

    def __init__(self, epsilon: float = 1e-5, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = epsilon

    def build(self, input_shape):
        feature_shape, style_shape = input_shape
        channels = feature_shape[-1]
        self.to_scale = keras.layers.Dense(channels, kernel_initializer="zeros", name="to_scale")
        self.to_shift = keras.layers.Dense(channels, kernel_initializer="zeros", name="to_shift")
        self.to_scale.build(style_shape)
        self.to_shift.build(style_shape)

    def call(self, inputs):
        features, style = inputs
        return adaptive_instance_norm(features, 1.0 + self.to_scale(style), self.to_shift(style), self.epsilon)

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}
