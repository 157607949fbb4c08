"""Convolution -> optional instance norm -> activation, optionally spectral-normalised."""

from __future__ import annotations

import keras

from lineart_color.layers.spectral import SpectralNormalization

NORMS = ("instance", "none")


def instance_norm(name: str) -> keras.layers.Layer:
    """Instance normalisation: GroupNormalization with one group per channel."""
    return keras.layers.GroupNormalization(groups=-1, epsilon=1e-5, name=name)


@keras.saving.register_keras_serializable(package="lineart_color")
class ConvBlock(keras.layers.Layer):
    """The building block of every encoder, decoder and discriminator here."""

    def __init__(self, filters: int, kernel_size: int = 3, strides: int = 1, norm: str = "instance",
                 activation: str | None = "leaky_relu", spectral: bool = True, dilation: int = 1, **kwargs):
        super().__init__(**kwargs)
        if norm not in NORMS:
            raise ValueError(f"norm must be one of {NORMS}, got {norm!r}")
        if filters < 1 or kernel_size < 1 or strides < 1 or dilation < 1:
            raise ValueError(f"filters, kernel_size, strides and dilation must be >= 1, got {filters}, {kernel_size}, "
                             f"{strides}, {dilation}")
        if strides > 1 and dilation > 1:
            raise ValueError("a convolution is strided or dilated, not both")
        self.filters, self.kernel_size, self.strides, self.dilation = filters, kernel_size, strides, dilation
        self.norm, self.activation, self.spectral = norm, activation, spectral
        conv = keras.layers.Conv2D(filters, kernel_size, strides=strides, padding="same", dilation_rate=dilation,
                                   use_bias=norm == "none", name="conv")
        self.conv = SpectralNormalization(conv, name="spectral_conv") if spectral else conv
        self.normalize = instance_norm("instance_norm") if norm == "instance" else None
        self.act = None
        if activation == "leaky_relu":
            self.act = keras.layers.LeakyReLU(negative_slope=0.2, name="act")
        elif activation is not None:
            self.act = keras.layers.Activation(activation, name="act")

    def build(self, input_shape):
        self.conv.build(input_shape)
        output_shape = self.conv.compute_output_shape(input_shape)
        if self.normalize is not None:
            self.normalize.build(output_shape)

    def call(self, x, training=None):
        x = self.conv(x, training=training) if self.spectral else self.conv(x)
        if self.normalize is not None:
            x = self.normalize(x)
        return self.act(x) if self.act is not None else x

    def compute_output_shape(self, input_shape):
        return self.conv.compute_output_shape(input_shape)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "strides": self.strides, "norm": self.norm, "activation": self.activation, "spectral": self.spectral,
                "dilation": self.dilation}
