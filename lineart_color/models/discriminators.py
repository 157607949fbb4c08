"""Spectral-normalised PatchGAN discriminator conditioned on line art."""

from __future__ import annotations

from typing import Sequence

import keras
from keras import ops

from lineart_color.layers.conv_block import ConvBlock
from lineart_color.layers.self_attention import SelfAttention2D
from lineart_color.layers.spectral import SpectralNormalization


@keras.saving.register_keras_serializable(package="lineart_color")
class PatchDiscriminator(keras.Model):
    """[line [B, H, W, 1], colour [B, H, W, 3]] in [0, 1] -> patch logits [B, H/8, W/8, 1].

    Three stride-2 and one stride-1 spectral-normalised 4x4 convolutions (no other
    normalisation, as usual with spectral norm), then a 4x4 convolution to one logit per
    patch. With the default widths each logit sees a 70x70 receptive field, as in pix2pix.
    The inputs are any list of images of one size, joined on channels: [line, colour] for a
    discriminator conditioned on line art, [image] for an unconditional one (CycleGAN's).
    With `attention_after` i, a SelfAttention2D follows block i (the self-attention U-Net's).
    """

    def __init__(self, widths: Sequence[int] = (64, 128, 256, 512), attention_after: int | None = None, **kwargs):
        super().__init__(**kwargs)
        if len(widths) < 2:
            raise ValueError(f"need at least two widths, got {widths}")
        self.widths = tuple(int(w) for w in widths)
        if attention_after is not None and not 0 <= attention_after < len(self.widths):
            raise ValueError(f"attention_after must index one of the {len(self.widths)} blocks, got {attention_after}")
        self.attention_after = attention_after
        strides = [2] * (len(self.widths) - 1) + [1]
        self.blocks = [
            ConvBlock(width, 4, stride, norm="none", name=f"block_{i}")
            for i, (width, stride) in enumerate(zip(self.widths, strides))
        ]
        self.attention = None if attention_after is None else SelfAttention2D(name="attention")
        self.to_logits = ConvBlock(1, 4, 1, norm="none", activation=None, name="to_logits")

    def call(self, inputs, training=None):
        x = ops.concatenate(list(inputs), axis=-1) * 2.0 - 1.0
        for index, block in enumerate(self.blocks):
            x = block(x, training=training)
            if index == self.attention_after:
                x = self.attention(x, training=training)
        return ops.cast(self.to_logits(x, training=training), "float32")

    def get_config(self):
        return {**super().get_config(), "widths": list(self.widths), "attention_after": self.attention_after}


@keras.saving.register_keras_serializable(package="lineart_color")
class TemporalPatchDiscriminator(keras.Model):
    """[line [B, T, H, W, 1], colour [B, T, H, W, 3]] -> logits [B, T, H/16, W/16, 1].

    Spectral-normalised 3D convolutions with (3, 5, 5) kernels and (1, 2, 2) strides: each
    logit judges a patch of the window over neighbouring frames, so flicker is penalised
    as well as wrong colour.
    """

    def __init__(self, widths: Sequence[int] = (64, 128, 256, 256), **kwargs):
        super().__init__(**kwargs)
        if not widths:
            raise ValueError("need at least one width")
        self.widths = tuple(int(w) for w in widths)
        conv = lambda filters, strides, name: SpectralNormalization(
            keras.layers.Conv3D(filters, (3, 5, 5), strides=strides, padding="same", name="conv"), name=name)
        self.blocks = [conv(w, (1, 2, 2), f"block_{i}") for i, w in enumerate(self.widths)]
        self.to_logits = conv(1, (1, 1, 1), "to_logits")

    def call(self, inputs, training=None):
        line, color = inputs
        x = ops.concatenate([line, color], axis=-1) * 2.0 - 1.0
        for block in self.blocks:
            x = keras.activations.leaky_relu(block(x, training=training), negative_slope=0.2)
        return ops.cast(self.to_logits(x, training=training), "float32")

    def get_config(self):
        return {**super().get_config(), "widths": list(self.widths)}


@keras.saving.register_keras_serializable(package="lineart_color")
class DomainDiscriminators(keras.Model):
    """CycleGAN's two unconditional PatchGANs: (line [B, H, W, 1], colour [B, H, W, 3]) ->
    logits [B, H/8, W/8, 2], channel 0 judging the line drawing and channel 1 the colour frame.

    Joined on channels so a per-example mean of any adversarial loss averages the two judges.
    """

    def __init__(self, widths: Sequence[int] = (32, 64, 128, 256), **kwargs):
        super().__init__(**kwargs)
        self.widths = tuple(int(w) for w in widths)
        self.line_judge = PatchDiscriminator(self.widths, name="line_judge")
        self.colour_judge = PatchDiscriminator(self.widths, name="colour_judge")

    def call(self, inputs, training=None):
        line, colour = inputs
        return ops.concatenate([self.line_judge([line], training=training),
                                self.colour_judge([colour], training=training)], axis=-1)

    def get_config(self):
        return {**super().get_config(), "widths": list(self.widths)}
