"""MemoPainter (Yoo et al., CVPR 2019, arXiv 1906.11888): colouring with no keyframe in the
shot, from a memory of painted frames seen before.

Inputs (a dict, float in [0, 1]):
    line            [B, H, W, 1]  line art
    colour_feature  [B, bins]     optional: the colour feature to paint with (training feeds the
                                  truth's, as the paper does); without it the memory supplies one
Outputs (a dict):
    color           [B, H, W, 3]  in [0, 1]
    feature         [B, bins]     the colour feature painted with

- **Query network**: an encoder over the line art, its 1/8 features pooled to a 4 x 4 grid and
  a dense layer give a unit key; it learns with the threshold triplet loss (training/losses.py).
- **Memory** (layers/colour_memory.py): keys and colour features (distributions over
  quantised CIELAB ab bins, colour.ab_distribution), top-k retrieval by cosine similarity.
- **Feature integrator** (mode "memory+integrator"): weights the top-k retrieved features by
  a softmax over a dense map of their similarities; it learns by KL divergence to the truth's
  feature. Mode "memory" paints with the nearest slot's feature; mode "gan" has no memory
  and paints with a learned constant style (a reference-free U-Net GAN).
- **Generator**: a U-Net over the line art whose AdaIN residual blocks take their scale and
  shift from the colour feature (through a two-layer map to a style vector).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import keras
from keras import ops

from lineart_color.colour import AB_BINS
from lineart_color.layers.adain_residual_block import AdaINResidualBlock
from lineart_color.layers.colour_memory import ColourMemory, unit
from lineart_color.layers.conv_block import ConvBlock
from lineart_color.layers.encoder import Encoder
from lineart_color.layers.upsample_block import UpsampleBlock
from lineart_color.models.color_transform import to_signed
from lineart_color.models.presets import SizeFreeWeights, resolve_preset

MODES = ("gan", "memory", "memory+integrator")
BINS = AB_BINS**2
KEY_GRID = 4  # the query network pools its features to this grid


@dataclass(frozen=True)
class MemoPainterPreset:
    encoder_widths: tuple[int, ...]
    blocks: int
    style_dim: int
    key_dim: int
    slots: int
    top_k: int = 3


PRESETS = {
    # The reproduction's sizes: 64/128/256 U-Net, 512-d keys, a memory of 2,000 slots.
    "paper": MemoPainterPreset((64, 128, 256), blocks=6, style_dim=256, key_dim=512, slots=2000),
    # CPU training: a quarter of the width.
    "small": MemoPainterPreset((32, 64, 128), blocks=4, style_dim=128, key_dim=128, slots=1024),
}


def _triangle_weights(length, cells: int):
    """[cells, length]: how much input position i counts in output cell j when `length` positions
    are resized to `cells` by antialiased bilinear (a triangle a cell wide, or a pixel wide when
    growing), each cell's weights summing to 1."""
    scale = ops.cast(cells, "float32") / ops.cast(length, "float32")
    reach = ops.maximum(1.0 / scale, 1.0)  # the triangle's half-width, in input positions
    centres = (ops.cast(ops.arange(cells), "float32")[:, None] + 0.5) / scale  # each cell's centre, input coordinates
    positions = ops.cast(ops.arange(length), "float32")[None, :] + 0.5
    weights = ops.maximum(0.0, 1.0 - ops.abs(positions - centres) / reach)
    return weights / ops.sum(weights, axis=1, keepdims=True)


def pool_to_grid(features, cells: int):
    """[B, H, W, C] -> [B, cells, cells, C]: tf.image.resize(bilinear, antialias=True), an average
    over each cell, written as two small matrix products. TF's antialiased resize has no XLA
    kernel (ScaleAndTranslate), so a step that used it could not compile for a TPU."""
    shape = ops.shape(features)
    rows, columns = _triangle_weights(shape[1], cells), _triangle_weights(shape[2], cells)
    pooled = ops.einsum("jh,bhwc->bjwc", rows, features)
    return ops.einsum("kw,bjwc->bjkc", columns, pooled)


@keras.saving.register_keras_serializable(package="lineart_color")
class MemoPainter(SizeFreeWeights, keras.Model):
    takes_distance_fields = False
    takes_references = False  # the serving graph's signature is the line art alone

    def __init__(self, preset: str = "small", mode: str = "memory+integrator", threshold: float = 0.5,
                 encoder_widths=None, blocks=None, style_dim=None, key_dim=None, slots=None, top_k=None, **kwargs):
        """`preset` names a starting point; any size given replaces its value; the config stores them all."""
        super().__init__(**kwargs)
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        given = {"encoder_widths": encoder_widths, "blocks": blocks, "style_dim": style_dim, "key_dim": key_dim,
                 "slots": slots, "top_k": top_k}
        spec = resolve_preset(PRESETS, preset, given)
        self.preset, self.mode, self.threshold, self.resolved = preset, mode, threshold, spec
        # Each mode has only the parts it uses (unused weights would get no gradient).
        if mode != "gan":
            self.query_encoder = Encoder(spec.encoder_widths, name="query_encoder")
            # no bias: a part shared by every key would only pull them together
            self.to_key = keras.layers.Dense(spec.key_dim, use_bias=False, name="to_key")
            # Centre each key dimension over the batch (no learned shift or scale): after
            # LeakyReLU every drawing's grid shares a large positive part, which left all
            # keys within cosine 0.99 of each other, and the triplet loss has no gradient
            # out of that (n - p is ~0 when every key is alike).
            self.key_norm = keras.layers.BatchNormalization(center=False, scale=False, name="key_norm")
            self.memory = ColourMemory(spec.slots, spec.key_dim, BINS, spec.top_k, threshold, name="memory")
        if mode == "memory+integrator":
            self.integrator = keras.layers.Dense(spec.top_k, kernel_initializer="identity", name="integrator")
        self.line_encoder = Encoder(spec.encoder_widths, name="line_encoder")
        self.to_style = [keras.layers.Dense(spec.style_dim, activation="relu", name="style_hidden"),
                         keras.layers.Dense(spec.style_dim, name="style")]
        self.blocks = [AdaINResidualBlock(spec.encoder_widths[-1], name=f"adain_block_{i}") for i in range(spec.blocks)]
        decoder_widths = (*reversed(spec.encoder_widths[:-1]), spec.encoder_widths[0] // 2)
        self.decoder = [UpsampleBlock(w, name=f"up_{i}") for i, w in enumerate(decoder_widths)]
        self.to_color = ConvBlock(3, 3, 1, norm="none", activation="tanh", spectral=False, name="to_color")

    def build(self, input_shape=None):
        if self.mode == "gan":
            self.constant_feature = self.add_weight(name="constant_feature", shape=(BINS,),
                                                    initializer=keras.initializers.Constant(1.0 / BINS))
        else:
            self.memory.build()

    def query(self, line, training=None):
        """Unit keys [B, key_dim] of line art [B, H, W, 1] in [0, 1], from its 1/8 features pooled
        to a KEY_GRID x KEY_GRID grid: the encoder's instance norm leaves every channel's mean
        over the frame at about zero, so only a spatial layout tells drawings apart."""
        features = self.query_encoder(to_signed(line), training=training)[-1]
        grid = pool_to_grid(ops.cast(features, "float32"), KEY_GRID)  # float32: its gradient under mixed precision too
        flat = ops.reshape(grid, (ops.shape(grid)[0], KEY_GRID * KEY_GRID * grid.shape[-1]))
        return unit(self.key_norm(self.to_key(flat), training=training))

    @property
    def query_weights(self) -> list:
        """Every weight that shapes a key (what query() uses), so a memory's keys can name their network."""
        return self.query_encoder.weights + self.to_key.weights + self.key_norm.weights

    def recall(self, key):
        """The colour feature [B, bins] the memory gives for unit keys: the nearest slot's, or the
        integrator's blend of the top k; and the top-k similarities and features themselves."""
        similarities, features, _ = self.memory(key)
        if self.mode == "memory":
            return features[:, 0], similarities, features
        # Only the triplet loss teaches the query network (as in the paper): the integrator's
        # KL, let through, pulled every key toward the memory's well-painted ones until the
        # keys collapsed into one direction (cosine 0.997 between any two drawings).
        weights = ops.softmax(self.integrator(ops.stop_gradient(similarities)), axis=-1)
        return ops.sum(weights[..., None] * features, axis=1), similarities, features

    def paint(self, line, feature, training=None):
        """Colour [B, H, W, 3] of line art, in the colours a feature [B, bins] describes."""
        style = feature
        for layer in self.to_style:
            style = layer(style)
        skips = self.line_encoder(to_signed(line), training=training)
        x = skips[-1]
        for block in self.blocks:
            x = block([x, style])
        for up, skip in zip(self.decoder, [*reversed(skips[:-1]), to_signed(line)]):
            x = ops.concatenate([up(x, training=training), ops.cast(skip, x.dtype)], axis=-1)
        return (ops.cast(self.to_color(x), "float32") + 1.0) * 0.5

    def call(self, inputs, training=None):
        line = inputs["line"]
        if "colour_feature" in inputs:
            feature = inputs["colour_feature"]
        elif self.mode == "gan":
            feature = ops.broadcast_to(self.constant_feature[None], (ops.shape(line)[0], BINS))
        else:
            feature = self.recall(self.query(line, training))[0]
        return {"color": self.paint(line, feature, training), "feature": feature}

    def ensure_built(self) -> "MemoPainter":
        """Create every weight by a pass on a tiny input (weights do not depend on its size)."""
        if not self.built:
            import numpy as np

            line = np.ones((1, 16, 16, 1), np.float32)
            self({"line": line})
            if self.mode != "gan":
                self.recall(self.query(line))
        return self

    def get_config(self):
        return {**super().get_config(), "preset": self.preset, "mode": self.mode, "threshold": self.threshold,
                **asdict(self.resolved)}
