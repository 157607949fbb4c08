"""What training LCMFTN means: the Colour Transform Network's triplets, losses and PatchGAN
(training/ctn_task.py), with LCMFTN as the generator and no latent-constraint heads."""

from __future__ import annotations

import keras

from lineart_color.models.discriminators import PatchDiscriminator
from lineart_color.models.lcmftn import INPUT_KEYS, LCMFTN
from lineart_color.training import losses
from lineart_color.training.ctn_task import CTNTask


class LCMFTNTask(CTNTask):
    def build_models(self) -> tuple[keras.Model, keras.Model]:
        """Created inside the strategy scope by the trainer."""
        if self.use_vgg:
            self.vgg = losses.vgg19_features(self.loss.vgg_weights)
        return LCMFTN(self.config.model.preset, name="lcmftn"), PatchDiscriminator(name="discriminator")

    def split(self, batch: dict):
        """(generator inputs, discriminator condition, truth): LCMFTN reads line art, not distance fields."""
        inputs, condition, truth = super().split(batch)
        return {key: inputs[key] for key in INPUT_KEYS}, condition, truth

    def generator_terms(self, outputs: dict, truth, fake_logits) -> dict:
        """Weighted per-example adversarial, L1 (and with VGG weights, perceptual and style) terms."""
        return self.image_terms(outputs["color"], truth, fake_logits)
