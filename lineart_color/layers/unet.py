"""A U-Net over an image: the generator of the reference-free colouriser and of both CycleGAN directions."""

from __future__ import annotations

from typing import Sequence

import keras
from keras import ops

from lineart_color.layers.conv_block import ConvBlock
from lineart_color.layers.encoder import Encoder
from lineart_color.layers.pixel_shuffle import PixelShuffle
from lineart_color.layers.self_attention import SelfAttention2D


@keras.saving.register_keras_serializable(package="lineart_color")
class PixelShuffleUp(keras.layers.Layer):
    """x2 up-sampling by sub-pixel convolution: a 3x3 convolution to 4x the channels, then PixelShuffle."""

    def __init__(self, filters: int, spectral: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.spectral = int(filters), spectral
        self.expand = ConvBlock(4 * self.filters, 3, 1, norm="none", spectral=spectral, name="expand")
        self.shuffle = PixelShuffle(2, name="shuffle")

    def build(self, input_shape):
        self.expand.build(input_shape)

    def call(self, x, training=None):
        return self.shuffle(self.expand(x, training=training))

    def compute_output_shape(self, input_shape):
        return self.shuffle.compute_output_shape(self.expand.compute_output_shape(input_shape))

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "spectral": self.spectral}


@keras.saving.register_keras_serializable(package="lineart_color")
class UNet(keras.layers.Layer):
    """image [B, H, W, C_in] in [0, 1] -> [B, H, W, out_channels] in [0, 1].

    - A full-size stem (widths[0]), then an encoder of stride-2 stages (widths[1:]), so H and W
      must be multiples of 2^(len(widths) - 1).
    - The decoder goes back up stage by stage with PixelShuffleUp, joins the encoder's features
      of that size (skip connections, the input image at full size) and refines them.
    - SelfAttention2D after the decoder stage of each size in `attention_at` (a divisor of the
      input size: 4 is the 1/4-size stage). The largest maps would be the full-size ones, whose
      attention costs (H W)^2; 1/4 size is the largest where it stays cheap at 256 px.
    Spectral and instance normalisation throughout, LeakyReLU(0.2), tanh output.
    """

    def __init__(self, widths: Sequence[int] = (32, 64, 128, 256), out_channels: int = 3,
                 attention_at: Sequence[int] = (4,), spectral: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.widths = tuple(int(w) for w in widths)
        self.out_channels, self.spectral = int(out_channels), spectral
        self.attention_at = tuple(int(a) for a in attention_at)
        if len(self.widths) < 2 or min(self.widths) < 1:
            raise ValueError(f"widths: need at least two positive widths, got {widths}")
        scales = [2**i for i in range(len(self.widths) - 1)]  # the decoder's output divisors, finest last
        if not set(self.attention_at) <= set(scales):
            raise ValueError(f"attention_at: each must be one of the decoder's sizes {scales}, got {attention_at}")
        self.stem = ConvBlock(self.widths[0], 3, 1, spectral=spectral, name="stem")
        self.encoder = Encoder(self.widths[1:], spectral=spectral, name="encoder")
        self.ups, self.refines, self.attention = [], [], {}
        for level in reversed(range(len(self.widths) - 1)):  # back up to the size of widths[level]
            self.ups.append(PixelShuffleUp(self.widths[level], spectral=spectral, name=f"up_{level}"))
            self.refines.append(ConvBlock(self.widths[level], 3, 1, spectral=spectral, name=f"refine_{level}"))
            if 2**level in self.attention_at:
                self.attention[level] = SelfAttention2D(name=f"attention_{level}")
        self.to_output = ConvBlock(self.out_channels, 3, 1, norm="none", activation="tanh", spectral=False,
                                   name="to_output")

    @property
    def size_multiple(self) -> int:
        return 2 ** (len(self.widths) - 1)

    def call(self, image, training=None):
        signed = image * 2.0 - 1.0
        skips = [self.stem(signed, training=training)]
        skips += self.encoder(skips[0], training=training)
        x = skips.pop()
        for level, up, refine in zip(reversed(range(len(self.widths) - 1)), self.ups, self.refines):
            x = ops.concatenate([up(x, training=training), skips[level]], axis=-1)
            x = refine(x, training=training)
            if level in self.attention:
                x = self.attention[level](x, training=training)
        x = ops.concatenate([x, ops.cast(signed, x.dtype)], axis=-1)
        return (ops.cast(self.to_output(x, training=training), "float32") + 1.0) * 0.5

    def get_config(self):
        return {**super().get_config(), "widths": list(self.widths), "out_channels": self.out_channels,
                "attention_at": list(self.attention_at), "spectral": self.spectral}
