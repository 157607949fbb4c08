"""The Temporal Constraint Network (Shi et al. 2020): refine coloured frames using their neighbours.

Input: a window of frames [B, T, H, W, 4], each colour (3) + line art (1) in [0, 1]: the
Colour Transform Network's output for the target and the references' colours around it.
Output: refined colour for every frame of the window [B, T, H, W, 3] in [0, 1] (training
and inference use the target's). The network predicts a correction added to the input
colour, scaled by a learnable factor that starts at zero (as in ReZero, Bachlechner et al.
2020): a fresh network returns its input colour exactly, so stage 2 starts from the colour
network's output and moves away from it only where the loss says so.

Encoder (gated convs, two stride-2 stages), dilated gated convs (rates 2, 4, 8, 16) for a
wide spatial view, a decoder of gated up-convs with U-Net skips. Every gated conv shifts
channels in time first (layers/temporal_shift.py), so 2D convolutions see the neighbours.
Any batch, any T >= 1, H and W divisible by 4.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
from keras import ops

from lineart_color.layers.gated_conv import GatedConv, GatedUpConv
from lineart_color.models.presets import SizeFreeWeights


@dataclass(frozen=True)
class TCNPreset:
    widths: tuple[int, int, int]
    dilations: tuple[int, ...] = (2, 4, 8, 16)


PRESETS = {"paper": TCNPreset((64, 128, 256)), "small": TCNPreset((32, 64, 128))}


@keras.saving.register_keras_serializable(package="lineart_color")
class TemporalConstraintNetwork(SizeFreeWeights, keras.Model):
    def __init__(self, preset: str = "small", widths=None, dilations=None, **kwargs):
        """`preset` names a starting point; widths and dilations given replace its values. The
        config stores the resolved ones, so a saved network does not change when PRESETS does."""
        super().__init__(**kwargs)
        if preset not in PRESETS:
            raise ValueError(f"preset must be one of {sorted(PRESETS)}, got {preset!r}")
        spec = PRESETS[preset]
        spec = TCNPreset(tuple(widths or spec.widths), tuple(dilations or spec.dilations))
        self.preset, self.resolved = preset, spec
        w0, w1, w2 = spec.widths
        self.stem = GatedConv(w0, 5, name="stem")
        self.down_1 = GatedConv(w1, 3, strides=2, name="down_1")
        self.down_2 = GatedConv(w2, 3, strides=2, name="down_2")
        self.dilated = [GatedConv(w2, 3, dilation_rate=rate, name=f"dilated_{rate}") for rate in spec.dilations]
        self.up_1 = GatedUpConv(w1, name="up_1")
        self.merge_1 = GatedConv(w1, 3, name="merge_1")
        self.up_0 = GatedUpConv(w0, name="up_0")
        self.merge_0 = GatedConv(w0, 3, name="merge_0")
        self.to_delta = GatedConv(3, 3, activation="tanh", name="to_delta")
        self.delta_scale = self.add_weight(name="delta_scale", shape=(), initializer="zeros")

    def call(self, frames, training=None):
        frames = ops.cast(frames, "float32")
        x0 = self.stem(frames * 2.0 - 1.0, training=training)
        x1 = self.down_1(x0, training=training)
        x = self.down_2(x1, training=training)
        for layer in self.dilated:
            x = layer(x, training=training)
        x = self.merge_1(ops.concatenate([self.up_1(x, training=training), x1], axis=-1), training=training)
        x = self.merge_0(ops.concatenate([self.up_0(x, training=training), x0], axis=-1), training=training)
        delta = ops.cast(self.delta_scale, "float32") * ops.cast(self.to_delta(x, training=training), "float32")
        return ops.clip(frames[..., :3] + delta, 0.0, 1.0)

    def ensure_built(self) -> "TemporalConstraintNetwork":
        if not self.built:
            self(ops.zeros((1, 1, 8, 8, 4)))
        return self

    def get_config(self):
        return {**super().get_config(), "preset": self.preset, "widths": self.resolved.widths,
                "dilations": self.resolved.dilations}
