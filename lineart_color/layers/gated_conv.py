"""Gated convolutions over video features [B, T, H, W, C] (Yu et al. 2019; Chang et al. 2019).

out = LeakyReLU(conv_f(x')) * sigmoid(conv_g(x')), where x' is x after the learnable
temporal shift, and conv_f, conv_g are spectral-normalised 2D convolutions applied to every
frame: the shift gives them the neighbouring frames' channels at 2D cost. The gate lets the
network ignore unreliable regions (here: a wrongly coloured area in the generated frame).
"""

from __future__ import annotations

import keras
from keras import ops

from lineart_color.layers.batch_fold import fold_into_batch, unfold_from_batch
from lineart_color.layers.spectral import SpectralNormalization
from lineart_color.layers.temporal_shift import LearnableTemporalShift
from lineart_color.layers.upsample_block import upsample_nearest


@keras.saving.register_keras_serializable(package="lineart_color")
class GatedConv(keras.layers.Layer):
    def __init__(self, filters: int, kernel_size: int = 3, strides: int = 1, dilation_rate: int = 1,
                 temporal_shift: bool = True, spectral: bool = True, activation: str | None = "leaky_relu",
                 **kwargs):
        super().__init__(**kwargs)
        if filters < 1 or kernel_size < 1 or strides < 1 or dilation_rate < 1:
            raise ValueError(f"filters, kernel_size, strides and dilation_rate must be >= 1, got "
                             f"{filters}, {kernel_size}, {strides}, {dilation_rate}")
        if strides > 1 and dilation_rate > 1:
            raise ValueError("strides and dilation_rate cannot both be > 1")
        self.filters, self.kernel_size, self.strides = filters, kernel_size, strides
        self.dilation_rate, self.temporal_shift, self.spectral = dilation_rate, temporal_shift, spectral
        self.activation = activation
        self.shift = LearnableTemporalShift(name="temporal_shift") if temporal_shift else None

        def conv(name):
            layer = keras.layers.Conv2D(filters, kernel_size, strides=strides, dilation_rate=dilation_rate,
                                        padding="same", name=name)
            return SpectralNormalization(layer, name=f"spectral_{name}") if spectral else layer

        self.feature_conv, self.gate_conv = conv("feature"), conv("gate")

    def build(self, input_shape):
        if self.shift is not None:
            self.shift.build(input_shape)
        frame_shape = (None, *input_shape[2:])
        self.feature_conv.build(frame_shape)
        self.gate_conv.build(frame_shape)

    def call(self, x, training=None):
        batch, frames = ops.shape(x)[0], ops.shape(x)[1]
        if self.shift is not None:
            x = self.shift(x)
        flat = fold_into_batch(x)
        conv_kwargs = {"training": training} if self.spectral else {}
        feature = self.feature_conv(flat, **conv_kwargs)
        if self.activation == "leaky_relu":
            feature = keras.activations.leaky_relu(feature, negative_slope=0.2)
        elif self.activation is not None:
            feature = keras.activations.get(self.activation)(feature)
        gate = keras.activations.sigmoid(self.gate_conv(flat, **conv_kwargs))
        return unfold_from_batch(feature * gate, batch, frames)

    def compute_output_shape(self, input_shape):
        frame = self.feature_conv.compute_output_shape((None, *input_shape[2:]))
        return (input_shape[0], input_shape[1], *frame[1:])

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "strides": self.strides, "dilation_rate": self.dilation_rate,
                "temporal_shift": self.temporal_shift, "spectral": self.spectral, "activation": self.activation}


@keras.saving.register_keras_serializable(package="lineart_color")
class GatedUpConv(keras.layers.Layer):
    """x2 nearest-neighbour upsampling of every frame, then a GatedConv."""

    def __init__(self, filters: int, temporal_shift: bool = True, spectral: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.temporal_shift, self.spectral = filters, temporal_shift, spectral
        self.gated = GatedConv(filters, 3, temporal_shift=temporal_shift, spectral=spectral, name="gated_conv")

    def build(self, input_shape):
        height, width = input_shape[2], input_shape[3]
        up = lambda size: None if size is None else 2 * size
        self.gated.build((input_shape[0], input_shape[1], up(height), up(width), input_shape[4]))

    def call(self, x, training=None):
        batch, frames = ops.shape(x)[0], ops.shape(x)[1]
        flat = fold_into_batch(x)
        upsampled = upsample_nearest(flat)
        return self.gated(unfold_from_batch(upsampled, batch, frames), training=training)

    def compute_output_shape(self, input_shape):
        up = lambda size: None if size is None else 2 * size
        return (input_shape[0], input_shape[1], up(input_shape[2]), up(input_shape[3]), self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "temporal_shift": self.temporal_shift,
                "spectral": self.spectral}
