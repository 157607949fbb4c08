"""Learnable temporal shift (Chang et al. 2019, "Learnable Gated Temporal Shift Module").

Works on video features [B, T, H, W, C]. One group of channels is mixed along time by a
per-channel (3,1,1) kernel initialised to [0, 0, 1] (each frame takes the next frame's
channels: a backward shift), another by a kernel initialised to [1, 0, 0] (each frame takes
the previous frame's: a forward shift); the remaining channels pass unchanged. The kernels
are learnable, so the network can blend rather than shift. Frames beyond the ends are zero.
"""

from __future__ import annotations

import keras
from keras import ops


def temporal_taps(x, kernel):
    """sum_k kernel[k] * x[t + k - 1] along axis 1, zero-padded: x [B, T, H, W, C], kernel [3, C]."""
    frames = ops.shape(x)[1]
    padded = ops.pad(x, [[0, 0], [1, 1], [0, 0], [0, 0], [0, 0]])
    kernel = ops.cast(kernel, x.dtype)
    return (kernel[0] * padded[:, 0:frames] + kernel[1] * padded[:, 1:frames + 1]
            + kernel[2] * padded[:, 2:frames + 2])


@keras.saving.register_keras_serializable(package="lineart_color")
class LearnableTemporalShift(keras.layers.Layer):
    """[B, T, H, W, C] -> [B, T, H, W, C]; `fraction` of the channels go to each shifted group."""

    def __init__(self, fraction: float = 0.25, **kwargs):
        super().__init__(**kwargs)
        if not 0.0 < fraction <= 0.5:
            raise ValueError(f"fraction must be in (0, 0.5], got {fraction}")
        self.fraction = fraction

    def build(self, input_shape):
        channels = input_shape[-1]
        self.group = max(1, int(channels * self.fraction))
        if 2 * self.group > channels:
            raise ValueError(f"need at least 2 channels to shift, got {channels}")
        backward = [[0.0] * self.group, [0.0] * self.group, [1.0] * self.group]
        forward = [[1.0] * self.group, [0.0] * self.group, [0.0] * self.group]
        self.backward_kernel = self.add_weight(name="backward_kernel", shape=(3, self.group),
                                               initializer=keras.initializers.Constant(backward))
        self.forward_kernel = self.add_weight(name="forward_kernel", shape=(3, self.group),
                                              initializer=keras.initializers.Constant(forward))

    def call(self, x):
        g = self.group
        return ops.concatenate([
            temporal_taps(x[..., :g], self.backward_kernel),
            temporal_taps(x[..., g:2 * g], self.forward_kernel),
            x[..., 2 * g:],
        ], axis=-1)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "fraction": self.fraction}
