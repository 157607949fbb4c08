"""The Line art Correlation Matching Feature Transfer Network (LCMFTN; Zhang et al., WACV 2020,
arXiv 2004.06718), for any batch, any H and W divisible by 8, and one or more references.

Inputs (a dict, all float in [0, 1]; distance fields are not used):
    line       [B, H, W, 1]     target line art
    ref_color  [B, K, H, W, 3]  reference colour frames
    ref_line   [B, K, H, W, 1]  their line art
Outputs (a dict):
    color      [B, H, W, 3]     the coloured target, in [0, 1]

One sketch encoder reads the target and the references' line art (features at 1/2, 1/4 and
1/8). Semantic features, wide context from dilated convolutions over the 1/8 sketch features,
are projected to each CMFT scale and added to the sketch features there; the paper takes them
from a network pretrained on illustrations, which cannot be downloaded here. A colour encoder
reads each reference's colour and line art. The decoder climbs from the target's 1/8 features
with U-Net skips; at every scale the preset names, a CMFT block (layers/cmft.py) carries the
references' colour features to the target and they join the decoder.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import keras
from keras import ops

from lineart_color.layers.batch_fold import fold_into_batch, unfold_from_batch
from lineart_color.layers.cmft import CorrelationMatchingFeatureTransfer
from lineart_color.layers.conv_block import ConvBlock
from lineart_color.layers.encoder import Encoder
from lineart_color.layers.upsample_block import UpsampleBlock, upsample_nearest
from lineart_color.models import color_transform
from lineart_color.models.color_transform import to_signed
from lineart_color.models.presets import SizeFreeWeights, resolve_preset

INPUT_KEYS = ("line", "ref_color", "ref_line")
DOWNSAMPLING = 8
SCALES = (2, 4, 8)  # the encoder's stages, as downsampling factors


@dataclass(frozen=True)
class LCMFTNPreset:
    encoder_widths: tuple[int, ...]  # at 1/2, 1/4, 1/8
    cmft_scales: tuple[int, ...]  # downsampling factors whose decoder stage gets a CMFT block
    semantic_width: int


PRESETS = {
    # The paper's CMFT blocks at three decoder scales, with the widths of the paper's Colour Transform Network.
    "paper": LCMFTNPreset((64, 128, 256), cmft_scales=(8, 4, 2), semantic_width=256),
    # CPU training: a quarter of the width, CMFT at 1/8 and 1/4 (1/2 holds 16 times the positions of 1/8).
    "small": LCMFTNPreset((32, 64, 128), cmft_scales=(8, 4), semantic_width=128),
}


@keras.saving.register_keras_serializable(package="lineart_color")
class LCMFTN(SizeFreeWeights, keras.Model):
    takes_distance_fields = False  # serving_graph.network_inputs passes the images alone

    def __init__(self, preset: str = "small", chunk_size: int = 4096, encoder_widths=None, cmft_scales=None,
                 semantic_width=None, **kwargs):
        """`preset` names a starting point; any size given replaces its value. The config stores
        every resolved size, so a saved network does not change when PRESETS does."""
        super().__init__(**kwargs)
        given = {"encoder_widths": encoder_widths, "cmft_scales": cmft_scales, "semantic_width": semantic_width}
        spec = resolve_preset(PRESETS, preset, given)
        if len(spec.encoder_widths) != len(SCALES) or not set(spec.cmft_scales) <= set(SCALES):
            raise ValueError(f"need {len(SCALES)} encoder widths and CMFT scales among {SCALES}, "
                             f"got {spec.encoder_widths}, {spec.cmft_scales}")
        self.preset, self.chunk_size, self.resolved = preset, chunk_size, spec
        widths = dict(zip(SCALES, spec.encoder_widths))
        self.sketch_encoder = Encoder(spec.encoder_widths, name="sketch_encoder")
        self.color_encoder = Encoder(spec.encoder_widths, name="color_encoder")
        self.semantic = [ConvBlock(spec.semantic_width, 3, 1, dilation=d, name=f"semantic_{d}") for d in (2, 4)]
        self.semantic_to = {s: keras.layers.Conv2D(widths[s], 1, name=f"semantic_to_{s}") for s in spec.cmft_scales}
        self.cmft = {s: CorrelationMatchingFeatureTransfer(chunk_size=chunk_size, name=f"cmft_{s}")
                     for s in spec.cmft_scales}
        self.fuse = {s: ConvBlock(widths[s], 3, 1, spectral=False, name=f"fuse_{s}") for s in spec.cmft_scales}
        self.up = {s: UpsampleBlock(widths[s // 2] if s > 2 else widths[2] // 8, name=f"up_{s}") for s in SCALES}
        self.to_color = ConvBlock(3, 3, 1, norm="none", activation="tanh", spectral=False, name="to_color")

    def _sketch_features(self, line, training):
        """{scale: sketch features} and {scale: semantic features} (the latter at the CMFT scales)."""
        features = dict(zip(SCALES, self.sketch_encoder(line, training=training)))
        context = features[DOWNSAMPLING]
        for block in self.semantic:
            context = block(context, training=training)
        semantic = {}
        for scale in self.resolved.cmft_scales:
            grown = upsample_nearest(context, DOWNSAMPLING // scale)
            semantic[scale] = self.semantic_to[scale](grown)
        return features, semantic

    def transfers(self, inputs, training=None) -> dict:
        """{scale: (transferred colour features [B, h, w, C], confidence [B, h, w, 1], reference colour
        features [B, K, h, w, C])} at every CMFT scale, and the target's sketch features under "sketch"."""
        line, ref_color, ref_line = to_signed(inputs["line"]), to_signed(inputs["ref_color"]), to_signed(inputs["ref_line"])
        batch, refs = ops.shape(ref_color)[0], ops.shape(ref_color)[1]
        target, target_semantic = self._sketch_features(line, training)
        reference, reference_semantic = self._sketch_features(fold_into_batch(ref_line), training)
        colour = self.color_encoder(fold_into_batch(ops.concatenate([ref_color, ref_line], axis=-1)), training=training)
        colour = dict(zip(SCALES, colour))
        unfold = lambda x: unfold_from_batch(x, batch, refs)
        result = {"sketch": target}
        for scale in self.resolved.cmft_scales:
            transferred, confidence = self.cmft[scale]([target[scale], target_semantic[scale], unfold(reference[scale]),
                                                        unfold(reference_semantic[scale]), unfold(colour[scale])])
            result[scale] = (transferred, confidence, unfold(colour[scale]))
        return result

    def call(self, inputs, training=None):
        carried = self.transfers(inputs, training)
        sketch = carried["sketch"]
        x = sketch[DOWNSAMPLING]
        for scale in reversed(SCALES):  # 8, 4, 2
            if scale in self.cmft:
                transferred, confidence, _ = carried[scale]
                x = self.fuse[scale](ops.concatenate([x, transferred, confidence], axis=-1), training=training)
            x = self.up[scale](x, training=training)
            skip = sketch[scale // 2] if scale > 2 else to_signed(inputs["line"])
            x = ops.concatenate([x, ops.cast(skip, x.dtype)], axis=-1)
        return {"color": (ops.cast(self.to_color(x), "float32") + 1.0) * 0.5}

    def ensure_built(self) -> "LCMFTN":
        """Create every weight by a forward pass on a tiny input (weights do not depend on size or K)."""
        if not self.built:
            self(dummy_inputs(batch=1, height=16, width=16, refs=1))
        return self

    def get_config(self):
        return {**super().get_config(), "preset": self.preset, "chunk_size": self.chunk_size, **asdict(self.resolved)}


def dummy_inputs(batch: int, height: int, width: int, refs: int, seed: int | None = None) -> dict:
    """Inputs of the right shapes (random in [0, 1] when a seed is given, else zeros)."""
    return {key: value for key, value in color_transform.dummy_inputs(batch, height, width, refs, seed).items()
            if key in INPUT_KEYS}
