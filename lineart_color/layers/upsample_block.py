"""x2 nearest-neighbour upsampling then a ConvBlock (no transposed-conv checkerboard)."""

from __future__ import annotations

import keras
from keras import ops

from lineart_color.layers.conv_block import ConvBlock


def upsample_nearest(x, factor: int = 2):
    """[B, H, W, C] -> [B, factor*H, factor*W, C], each pixel repeated factor x factor (H and W may be
    unknown until run time).

    Each pixel is concatenated with itself on new axes, not `ops.repeat`/UpSampling2D: repeat
    exports as Tile, which TF.js's wasm backend runs element by element (10x slower here, a third
    of the page's time). A multiply by ones would not do: grappler rewrites it into the same Tile.
    """
    if factor == 1:
        return x
    batch, height, width, channels = (ops.shape(x)[i] for i in range(4))
    copies = lambda t, axis: ops.concatenate([t] * factor, axis=axis)
    spread = copies(copies(ops.expand_dims(ops.expand_dims(x, 2), 4), 2), 4)
    return ops.reshape(spread, (batch, factor * height, factor * width, channels))


def upsampled_shape(shape):
    double = lambda size: None if size is None else 2 * size
    return (shape[0], double(shape[1]), double(shape[2]), shape[3])


@keras.saving.register_keras_serializable(package="lineart_color")
class UpsampleBlock(keras.layers.Layer):
    def __init__(self, filters: int, norm: str = "instance", activation: str | None = "relu",
                 spectral: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.norm, self.activation, self.spectral = filters, norm, activation, spectral
        self.block = ConvBlock(filters, 3, 1, norm=norm, activation=activation, spectral=spectral, name="conv_block")

    def build(self, input_shape):
        self.block.build(upsampled_shape(input_shape))

    def call(self, x, training=None):
        return self.block(upsample_nearest(x), training=training)

    def compute_output_shape(self, input_shape):
        return self.block.compute_output_shape(upsampled_shape(input_shape))

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "norm": self.norm,
                "activation": self.activation, "spectral": self.spectral}
