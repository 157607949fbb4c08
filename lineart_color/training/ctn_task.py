"""What training the Colour Transform Network means: how a triplet batch becomes model
inputs, and which loss terms the generator minimises. The GAN loop is in gan_trainer."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from lineart_color.training import losses
from lineart_color.models.color_transform import ColorTransformNetwork
from lineart_color.models.discriminators import PatchDiscriminator
from lineart_color.training.config import TrainConfig

TARGET = 1  # triplet frames are (reference before, target, reference after)


class CTNTask:
    def __init__(self, config: TrainConfig):
        self.config = config
        self.reference_frames = [0, 2] if config.model.references == 2 else [0]
        self.loss = config.loss
        self.use_vgg = self.loss.vgg_weights is not None and (self.loss.perceptual_weight or self.loss.style_weight)
        self.vgg = None

    def build_models(self) -> tuple[keras.Model, keras.Model]:
        """Created inside the strategy scope by the trainer."""
        if self.use_vgg:
            self.vgg = losses.vgg19_features(self.loss.vgg_weights)
        generator = ColorTransformNetwork(self.config.model.preset, name="color_transform_network")
        return generator, PatchDiscriminator(name="discriminator")

    def triplets(self, height: int, width: int):
        """How triplets of this size are drawn and augmented (data/pipeline.py), from the data config."""
        from lineart_color.data.pipeline import TripletConfig

        data = self.config.data
        return TripletConfig(height=height, width=width, min_spacing=data.min_spacing, max_spacing=data.max_spacing,
                             max_zoom=data.max_zoom, seed=data.seed)

    def dataset(self, global_batch: int, start_index: int, context: tf.distribute.InputContext):
        """This input pipeline's triplet batches (data/pipeline.py) from element `start_index` on."""
        from lineart_color.data.pipeline import triplet_dataset

        data = self.config.data
        return triplet_dataset(data.source, global_batch, self.triplets(data.height, data.width), start_index, context)

    @staticmethod
    def progress_values(values: dict) -> dict:
        """What the progress bar shows of a step's losses."""
        return {"g": values["generator"], "d": values["discriminator"], "l1": values.get("l1", float("nan"))}

    def split(self, batch: dict):
        """(generator inputs, discriminator condition, truth) from a triplet batch."""
        refs = self.reference_frames
        take = lambda key: ops.take(batch[key], refs, axis=1)
        inputs = {
            "line": batch["line"][:, TARGET],
            "distance": batch["distance"][:, TARGET],
            "ref_color": take("color"),
            "ref_line": take("line"),
            "ref_distance": take("distance"),
        }
        return inputs, batch["line"][:, TARGET], batch["color"][:, TARGET]

    def generate(self, generator: keras.Model, inputs: dict, training: bool) -> dict:
        return generator(inputs, training=training)

    @staticmethod
    def judged(outputs: dict):
        """What of the generator's outputs the discriminator judges: the colour."""
        return outputs["color"]

    @staticmethod
    def judge(discriminator: keras.Model, condition, image, training: bool):
        """The discriminator's patch logits for an image (real or generated) given the line art."""
        return discriminator([condition, image], training=training)

    def image_terms(self, fake, truth, fake_logits) -> dict:
        """Adversarial, L1 and (with VGG weights) perceptual and style terms, weighted, per example."""
        terms = {
            "adversarial": self.loss.adversarial_weight * losses.generator_adversarial_loss(self.loss.adversarial, fake_logits),
            "l1": self.loss.l1_weight * losses.l1_loss(fake, truth),
        }
        if self.use_vgg:
            fake_features, true_features = self.vgg(fake), self.vgg(truth)
            terms["perceptual"] = self.loss.perceptual_weight * losses.perceptual_loss(fake_features, true_features)
            terms["style"] = self.loss.style_weight * losses.style_loss(fake_features, true_features)
        return terms

    def generator_terms(self, outputs: dict, truth, fake_logits) -> dict:
        """Weighted per-example loss terms; their sum is the generator loss."""
        terms = self.image_terms(outputs["color"], truth, fake_logits)
        terms["latent"] = self.loss.latent_weight * losses.latent_constraint_loss(
            [outputs["aux_match"], outputs["aux_blocks"]], truth)
        return terms

    def frame_rows(self, batch: dict, outputs: dict, count: int = 2) -> list[np.ndarray]:
        """line | output | truth, for the first examples of a batch: the sample rows of a task
        that colours a frame with no keyframe (MemoPainter, the self-attention U-Net)."""
        from lineart_color.training.summaries import image_row

        inputs, _, truth = self.split(batch)
        return [image_row([np.asarray(inputs["line"][i]), np.asarray(outputs["color"][i]), np.asarray(truth[i])])
                for i in range(min(count, int(truth.shape[0])))]

    def sample_rows(self, batch: dict, outputs: dict, count: int = 2) -> list[np.ndarray]:
        """line | references | output | truth, for the first examples of a batch."""
        from lineart_color.training.summaries import image_row

        inputs, _, truth = self.split(batch)
        rows = []
        for i in range(min(count, int(truth.shape[0]))):
            refs = [np.asarray(inputs["ref_color"][i, k]) for k in range(len(self.reference_frames))]
            rows.append(image_row([np.asarray(inputs["line"][i]), *refs, np.asarray(outputs["color"][i]),
                                   np.asarray(truth[i])]))
        return rows
