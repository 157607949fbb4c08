"""What training the reference-free self-attention U-Net means (models/sa_unet.py).

Each example is one frame, the target of the Colour Transform Network's triplets, with no
keyframe: the line art (or, with model.grey, a grey drawing made from it) in, the truth out.
- The generator minimises adversarial (0.01), L1 (1.0) and, with VGG19 weights, perceptual
  (0.1) terms (the preset's weights), plus the "anime" term with a local ResNet-50 file.
- The discriminator is a PatchGAN conditioned on the line art, with self-attention after its
  second block; it learns four times as fast as the generator (D 4e-4, G 1e-4).
- Crops grow through data.stages (64 -> 128 -> 256 px in the preset). The stream's element
  indices run on across stages, so a resumed run sees exactly the batches it would have seen.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from lineart_color.models.discriminators import PatchDiscriminator
from lineart_color.models.sa_unet import SAUNet
from lineart_color.training import losses
from lineart_color.training.ctn_task import TARGET, CTNTask

DISCRIMINATOR_ATTENTION_AFTER = 1  # the discriminator's 1/4-size block


def grey_drawing(line, colour):
    """A grey drawing from line art and its colour: the colour's luminance, darkened by the lines."""
    from lineart_color.data.pipeline import to_grey

    return tf.minimum(to_grey(colour), line)


class SAUNetTask(CTNTask):
    def build_models(self) -> tuple[keras.Model, keras.Model]:
        """Created inside the strategy scope by the trainer."""
        if self.use_vgg:
            self.vgg = losses.vgg19_features(self.loss.vgg_weights)
        self.anime = None
        if self.loss.anime_weights is not None and self.loss.anime_weight:
            self.anime = losses.resnet50_features(self.loss.anime_weights)
        return (SAUNet(self.config.model.preset, name="sa_unet"),
                PatchDiscriminator(attention_after=DISCRIMINATOR_ATTENTION_AFTER, name="discriminator"))

    def dataset(self, global_batch: int, start_index: int, context: tf.distribute.InputContext):
        """The triplet batches of each size stage in turn, from element `start_index` on."""
        from lineart_color.data.pipeline import triplet_dataset

        data, dataset, stage_start = self.config.data, None, 0
        for height, width, until_step in data.size_stages():
            stage_end = until_step * global_batch  # the stage's elements are [stage_start, stage_end)
            if start_index < stage_end:
                first = max(start_index, stage_start)
                stage = triplet_dataset(data.source, global_batch, self.triplets(height, width), first, context)
                stage = stage.take((stage_end - first) // global_batch)
                dataset = stage if dataset is None else dataset.concatenate(stage)
            stage_start = stage_end
        return dataset

    def split(self, batch: dict):
        """(generator inputs, discriminator condition, truth): one frame, line art or a grey drawing."""
        line, truth = batch["line"][:, TARGET], batch["color"][:, TARGET]
        drawing = grey_drawing(line, truth) if self.config.model.grey else line
        return {"line": drawing}, drawing, truth

    def generator_terms(self, outputs: dict, truth, fake_logits) -> dict:
        """Weighted per-example adversarial and L1 terms; perceptual and anime terms with their weights files."""
        terms = {name: value for name, value in self.image_terms(outputs["color"], truth, fake_logits).items()
                 if name != "style" or self.loss.style_weight}
        if self.anime is not None:
            terms["anime"] = self.loss.anime_weight * losses.perceptual_loss(self.anime(outputs["color"]),
                                                                             self.anime(truth))
        return terms

    def sample_rows(self, batch: dict, outputs: dict, count: int = 2) -> list[np.ndarray]:
        """line | output | truth, for the first examples of a batch (no keyframes to show)."""
        return self.frame_rows(batch, outputs, count)
