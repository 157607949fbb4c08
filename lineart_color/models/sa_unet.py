"""The reference-free colouriser: a self-attention U-Net that paints line art with no keyframe at all.

Inputs (a dict, float in [0, 1]):
    line   [B, H, W, 1]  line art, or a grey drawing (a shaded manga panel): one channel either way
Outputs (a dict):
    color  [B, H, W, 3]  in [0, 1]

As in the two public reproductions (anime sketch colourisation with self-attention; DeOldify's
self-attention U-Net): a U-Net with PixelShuffle up-sampling and self-attention after the
largest feature maps where it is affordable (layers/unet.py), trained against a PatchGAN
conditioned on the line art that has self-attention too (models/discriminators.py), with
adversarial (0.01), L1 (1.0) and perceptual (0.1) losses, two-timescale learning rates and
growing crop sizes (training/sa_unet_task.py). It can only guess colours: it serves a single
panel or illustration that nobody has painted yet, not a shot's exact paints.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import keras

from lineart_color.layers.unet import UNet
from lineart_color.models.presets import SizeFreeWeights, resolve_preset


@dataclass(frozen=True)
class SAUNetPreset:
    widths: tuple[int, ...]
    attention_at: tuple[int, ...] = (4,)


PRESETS = {
    # The reproductions' widths (64 ... 512 channels).
    "paper": SAUNetPreset((64, 128, 256, 512)),
    # CPU training: half the width.
    "small": SAUNetPreset((32, 64, 128, 256)),
}


@keras.saving.register_keras_serializable(package="lineart_color")
class SAUNet(SizeFreeWeights, keras.Model):
    takes_distance_fields = False
    takes_references = False  # the serving graph's signature is the line art alone

    def __init__(self, preset: str = "small", widths=None, attention_at=None, **kwargs):
        """`preset` names a starting point; any size given replaces its value; the config stores them all."""
        super().__init__(**kwargs)
        spec = resolve_preset(PRESETS, preset, {"widths": widths, "attention_at": attention_at})
        self.preset, self.resolved = preset, spec
        self.unet = UNet(spec.widths, out_channels=3, attention_at=spec.attention_at, name="unet")

    @property
    def size_multiple(self) -> int:
        return self.unet.size_multiple

    def call(self, inputs, training=None):
        return {"color": self.unet(inputs["line"], training=training)}

    def ensure_built(self) -> "SAUNet":
        """Create every weight by a pass on a tiny input (weights do not depend on its size)."""
        if not self.built:
            import numpy as np

            self({"line": np.ones((1, 2 * self.size_multiple, 2 * self.size_multiple, 1), np.float32)})
        return self

    def get_config(self):
        return {**super().get_config(), "preset": self.preset, **asdict(self.resolved)}
