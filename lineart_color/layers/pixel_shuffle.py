"""Sub-pixel up-sampling (Shi et al. 2016): channels become a finer grid, TensorFlow's depth_to_space."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="lineart_color")
class PixelShuffle(keras.layers.Layer):
    """[B, H, W, C * r * r] -> [B, H * r, W * r, C], in depth_to_space's channel order:
    output[b, h*r + i, w*r + j, c] = input[b, h, w, (i*r + j)*C + c].

    Written with keras.ops (a reshape and a transpose) so every backend and TF.js runs it.
    """

    def __init__(self, scale: int = 2, **kwargs):
        super().__init__(**kwargs)
        if scale < 1:
            raise ValueError(f"scale must be >= 1, got {scale}")
        self.scale = int(scale)

    def call(self, x):
        r, channels = self.scale, x.shape[-1]
        if channels % (r * r):
            raise ValueError(f"channels ({channels}) must be divisible by scale^2 ({r * r})")
        shape = ops.shape(x)
        height, width, out = shape[1], shape[2], channels // (r * r)
        x = ops.reshape(x, (-1, height, width, r, r, out))
        x = ops.transpose(x, (0, 1, 3, 2, 4, 5))  # [B, H, i, W, j, C]
        return ops.reshape(x, (-1, height * r, width * r, out))

    def compute_output_shape(self, input_shape):
        r = self.scale
        grow = lambda size: None if size is None else size * r
        return (input_shape[0], grow(input_shape[1]), grow(input_shape[2]), input_shape[3] // (r * r))

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}
