"""What training MemoPainter means (models/memopainter.py).

Each example is one frame: the target of the Colour Transform Network's triplets, no keyframe.
- The generator paints the line art with the truth's own colour feature (as in the paper), under
  the hinge GAN and L1 of the Colour Transform Network's task.
- In the memory modes, the query network learns by the threshold triplet loss against the
  memory as it stands; the feature integrator (mode memory+integrator) by the KL divergence of
  its blend to the truth's feature; then the batch is written to the memory.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from lineart_color.colour import ab_distribution
from lineart_color.layers.colour_memory import kl_divergence
from lineart_color.metrics import LINE_GREY, PAPER_MIN_CHANNEL
from lineart_color.models.discriminators import PatchDiscriminator
from lineart_color.models.memopainter import BINS, MemoPainter
from lineart_color.training import losses
from lineart_color.training.ctn_task import TARGET, CTNTask

TRIPLET_MARGIN = 0.1


def colour_feature(colour: np.ndarray, line: np.ndarray) -> np.ndarray:
    """A frame's colour feature: the ab distribution of its paint (not lines, not paper)."""
    painted = (line[..., 0] >= LINE_GREY) & (colour.min(axis=-1) < PAPER_MIN_CHANNEL)
    return ab_distribution(colour, painted)


def _batch_features(colours: np.ndarray, lines: np.ndarray) -> np.ndarray:
    return np.stack([colour_feature(c, l) for c, l in zip(colours, lines)])


class MemoTask(CTNTask):
    def build_models(self) -> tuple[keras.Model, keras.Model]:
        """Created inside the strategy scope by the trainer."""
        if self.use_vgg:
            self.vgg = losses.vgg19_features(self.loss.vgg_weights)
        generator = MemoPainter(self.config.model.preset, mode=self.config.model.memo_mode, name="memopainter")
        return generator, PatchDiscriminator(name="discriminator")

    def dataset(self, global_batch: int, start_index: int, context: tf.distribute.InputContext):
        """The triplet batches, each with its target frame's colour feature (computed in the input
        pipeline, so the step graph stays free of NumPy)."""

        def with_feature(batch):
            feature = tf.numpy_function(_batch_features, [batch["color"][:, TARGET], batch["line"][:, TARGET]],
                                        tf.float32)
            return {**batch, "feature": tf.ensure_shape(feature, [None, BINS])}

        return super().dataset(global_batch, start_index, context).map(with_feature)

    def split(self, batch: dict):
        """(generator inputs, discriminator condition, truth): one frame and its colour feature."""
        line = batch["line"][:, TARGET]
        return {"line": line, "colour_feature": batch["feature"]}, line, batch["color"][:, TARGET]

    def generate(self, generator: MemoPainter, inputs: dict, training: bool) -> dict:
        outputs = dict(generator(inputs, training=training))
        if generator.mode == "gan":
            return outputs
        key = generator.query(inputs["line"], training=training)
        memory = generator.memory
        outputs["triplet"] = losses.threshold_triplet_loss(key, memory.keys, memory.values, inputs["colour_feature"],
                                                           generator.threshold, TRIPLET_MARGIN)
        if generator.mode == "memory+integrator":
            outputs["integrator"] = kl_divergence(inputs["colour_feature"], generator.recall(key)[0])
        if training:  # after the losses read the memory as it stood
            memory.write(tf.stop_gradient(key), inputs["colour_feature"])
        return outputs

    def generator_terms(self, outputs: dict, truth, fake_logits) -> dict:
        """Weighted per-example terms: adversarial and L1 (and VGG terms with weights), the triplet
        loss and the integrator's KL divergence in the memory modes."""
        terms = self.image_terms(outputs["color"], truth, fake_logits)
        if "triplet" in outputs:
            terms["triplet"] = self.loss.triplet_weight * outputs["triplet"]
        if "integrator" in outputs:
            terms["integrator"] = self.loss.integrator_weight * outputs["integrator"]
        return terms

    def sample_rows(self, batch: dict, outputs: dict, count: int = 2) -> list[np.ndarray]:
        """line | output | truth, for the first examples of a batch (no keyframes to show)."""
        return self.frame_rows(batch, outputs, count)
