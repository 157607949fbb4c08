"""The Colour Transform Network (Shi et al. 2020), for any batch, any H and W divisible by 8,
and one or more references.

Inputs (a dict, all float in [0, 1]):
    line          [B, H, W, 1]     target line art
    distance      [B, H, W, 1]     its distance field (data/distance.py)
    ref_color     [B, K, H, W, 3]  reference colour frames
    ref_line      [B, K, H, W, 1]  their line art
    ref_distance  [B, K, H, W, 1]  their distance fields
Outputs (a dict):
    color         [B, H, W, 3]     the coloured target, in [0, 1]
    aux_match     [B, H/8, W/8, 3] colour read out after the similarity layer   (latent constraint)
    aux_blocks    [B, H/8, W/8, 3] colour read out after the AdaIN residual blocks (latent constraint)

Line art goes through the line encoder (with U-Net skips to the decoder); distance fields
of target and references share the distance encoder, whose features drive the matching;
reference colour+line go through the colour encoder. The similarity layer carries
reference colour to the target, the style embedder turns the references into AdaIN
parameters, and the decoder upsamples back to full size.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import keras
from keras import ops

from lineart_color.layers.adain_residual_block import AdaINResidualBlock
from lineart_color.layers.batch_fold import fold_into_batch, unfold_from_batch
from lineart_color.layers.conv_block import ConvBlock
from lineart_color.layers.encoder import Encoder
from lineart_color.layers.similarity_transform import SimilarityColorTransform
from lineart_color.layers.style_embedder import StyleEmbedder
from lineart_color.layers.upsample_block import UpsampleBlock
from lineart_color.models.presets import SizeFreeWeights, resolve_preset

INPUT_KEYS = ("line", "distance", "ref_color", "ref_line", "ref_distance")
DOWNSAMPLING = 8


@dataclass(frozen=True)
class CTNPreset:
    encoder_widths: tuple[int, ...]
    blocks: int
    style_dim: int
    embedder_widths: tuple[int, ...]
    key_dim: int
    value_dim: int


PRESETS = {
    # The blog's widths: 64/128/256 encoders, 256-channel residual blocks, 512-d style.
    "paper": CTNPreset((64, 128, 256), blocks=8, style_dim=512, embedder_widths=(64, 128, 256, 512, 512),
                       key_dim=32, value_dim=64),
    # Fits CPU training: a quarter of the width, half the blocks.
    "small": CTNPreset((32, 64, 128), blocks=4, style_dim=128, embedder_widths=(32, 64, 128, 128),
                       key_dim=32, value_dim=32),
}


def to_signed(x):
    """[0, 1] -> [-1, 1], the range the networks work in."""
    return ops.cast(x, "float32") * 2.0 - 1.0


@keras.saving.register_keras_serializable(package="lineart_color")
class ColorTransformNetwork(SizeFreeWeights, keras.Model):
    def __init__(self, preset: str = "small", chunk_size: int = 4096, encoder_widths=None, blocks=None,
                 style_dim=None, embedder_widths=None, key_dim=None, value_dim=None, **kwargs):
        """`preset` names a starting point; any of the other sizes given replace its values. The
        config stores every resolved size, so a saved network does not change when PRESETS does
        (files that hold only a preset name load from today's table)."""
        super().__init__(**kwargs)
        given = {"encoder_widths": encoder_widths, "blocks": blocks, "style_dim": style_dim,
                 "embedder_widths": embedder_widths, "key_dim": key_dim, "value_dim": value_dim}
        spec = resolve_preset(PRESETS, preset, given)
        self.preset, self.chunk_size, self.resolved = preset, chunk_size, spec
        width = spec.encoder_widths[-1]
        self.line_encoder = Encoder(spec.encoder_widths, name="line_encoder")
        self.distance_encoder = Encoder(spec.encoder_widths, name="distance_encoder")
        self.color_encoder = Encoder(spec.encoder_widths, name="color_encoder")
        self.similarity = SimilarityColorTransform(spec.key_dim, spec.value_dim, chunk_size, name="similarity")
        self.embedder = StyleEmbedder(spec.embedder_widths, spec.style_dim, name="style_embedder")
        self.blocks = [AdaINResidualBlock(width, name=f"adain_block_{i}") for i in range(spec.blocks)]
        decoder_widths = (*reversed(spec.encoder_widths[:-1]), spec.encoder_widths[0] // 2)
        self.decoder = [UpsampleBlock(w, name=f"up_{i}") for i, w in enumerate(decoder_widths)]
        self.to_color = ConvBlock(3, 3, 1, norm="none", activation="tanh", spectral=False, name="to_color")
        self.aux_match_head = ConvBlock(3, 3, 1, norm="none", activation="tanh", spectral=False, name="aux_match")
        self.aux_blocks_head = ConvBlock(3, 3, 1, norm="none", activation="tanh", spectral=False, name="aux_blocks")

    def call(self, inputs, training=None):
        line, distance = to_signed(inputs["line"]), to_signed(inputs["distance"])
        ref_color, ref_line = to_signed(inputs["ref_color"]), to_signed(inputs["ref_line"])
        ref_distance = to_signed(inputs["ref_distance"])
        batch, refs = ops.shape(ref_color)[0], ops.shape(ref_color)[1]
        references = ops.concatenate([ref_color, ref_line], axis=-1)  # [B, K, H, W, 4]

        line_features = self.line_encoder(line, training=training)  # skips at 1/2, 1/4, 1/8
        target_distance = self.distance_encoder(distance, training=training)[-1]
        ref_distance_features = self.distance_encoder(fold_into_batch(ref_distance), training=training)[-1]
        ref_color_features = self.color_encoder(fold_into_batch(references), training=training)[-1]
        matched = self.similarity([
            target_distance,
            unfold_from_batch(ref_distance_features, batch, refs),
            unfold_from_batch(ref_color_features, batch, refs),
        ])

        style = self.embedder(references, training=training)
        x = line_features[-1] + matched
        for block in self.blocks:
            x = block([x, style])
        after_blocks = x
        skips = [*reversed(line_features[:-1]), line]
        for up, skip in zip(self.decoder, skips):
            x = ops.concatenate([up(x, training=training), ops.cast(skip, x.dtype)], axis=-1)
        to_unit = lambda y: (ops.cast(y, "float32") + 1.0) * 0.5
        return {
            "color": to_unit(self.to_color(x)),
            "aux_match": to_unit(self.aux_match_head(matched)),
            "aux_blocks": to_unit(self.aux_blocks_head(after_blocks)),
        }

    def ensure_built(self) -> "ColorTransformNetwork":
        """Create every weight by a forward pass on a tiny input (weights do not depend on size or K)."""
        if not self.built:
            self(dummy_inputs(batch=1, height=16, width=16, refs=1))
        return self

    def get_config(self):
        return {**super().get_config(), "preset": self.preset, "chunk_size": self.chunk_size, **self.spec}

    @property
    def spec(self) -> dict:
        """The resolved sizes (the preset's, with any given ones in their place)."""
        return asdict(self.resolved)


def dummy_inputs(batch: int, height: int, width: int, refs: int, seed: int | None = None) -> dict:
    """Inputs of the right shapes (random in [0, 1] when a seed is given, else zeros)."""
    import numpy as np

    rng = np.random.default_rng(seed) if seed is not None else None
    make = (lambda *s: rng.random(s, dtype=np.float32)) if rng else (lambda *s: np.zeros(s, np.float32))
    return {
        "line": make(batch, height, width, 1),
        "distance": make(batch, height, width, 1),
        "ref_color": make(batch, refs, height, width, 3),
        "ref_line": make(batch, refs, height, width, 1),
        "ref_distance": make(batch, refs, height, width, 1),
    }
