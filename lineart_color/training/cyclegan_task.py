"""What training the CycleGAN line extractor means (models/cyclegan.py).

Data: the Colour Transform Network's triplet batches, target frames only, made unpaired: each
example's line art is taken with the colour frame of the next example in the batch (another
shot, another drawing), so no colour frame is ever seen beside its own lines.
- Each generator learns from the PatchGAN of its output domain (models/discriminators.
  DomainDiscriminators) and from cycle consistency (loss.cycle_weight, 10 as in the paper).
- The discriminators learn to tell real line drawings and colour frames from generated ones.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from lineart_color.models.cyclegan import CycleGAN
from lineart_color.models.discriminators import DomainDiscriminators
from lineart_color.training import losses
from lineart_color.training.ctn_task import TARGET, CTNTask


class CycleGANTask(CTNTask):
    def build_models(self) -> tuple[keras.Model, keras.Model]:
        """Created inside the strategy scope by the trainer."""
        return CycleGAN(self.config.model.preset, name="cyclegan"), DomainDiscriminators(name="discriminators")

    def split(self, batch: dict):
        """(generator inputs, no condition, the real (line, colour) the discriminators see): unpaired."""
        line = batch["line"][:, TARGET]
        colour = tf.roll(batch["color"][:, TARGET], shift=1, axis=0)  # another example's frame
        return {"line": line, "color": colour}, line, (line, colour)

    @staticmethod
    def judged(outputs: dict):
        return outputs["line"], outputs["color"]

    @staticmethod
    def judge(discriminator: keras.Model, condition, image, training: bool):
        """Unconditional: unpaired data has no line art that belongs to a colour frame."""
        return discriminator(image, training=training)

    @staticmethod
    def progress_values(values: dict) -> dict:
        return {"g": values["generator"], "d": values["discriminator"], "cycle": values["cycle"]}

    def generator_terms(self, outputs: dict, truth, fake_logits) -> dict:
        """Weighted per-example adversarial (both generators) and cycle-consistency terms."""
        line, colour = truth
        return {
            "adversarial": self.loss.adversarial_weight * losses.generator_adversarial_loss(self.loss.adversarial,
                                                                                            fake_logits),
            "cycle": self.loss.cycle_weight * losses.cycle_loss(line, colour, outputs["cycled_line"],
                                                                outputs["cycled_color"]),
        }

    def sample_rows(self, batch: dict, outputs: dict, count: int = 2) -> list[np.ndarray]:
        """colour frame | extracted lines | its cycle, and line art | painted | its cycle."""
        from lineart_color.training.summaries import image_row

        inputs, _, _ = self.split(batch)
        rows = []
        for i in range(min(count, int(inputs["line"].shape[0]))):
            rows.append(image_row([np.asarray(inputs["color"][i]), np.asarray(outputs["line"][i]),
                                   np.asarray(outputs["cycled_color"][i])]))
            rows.append(image_row([np.asarray(inputs["line"][i]), np.asarray(outputs["color"][i]),
                                   np.asarray(outputs["cycled_line"][i])]))
        return rows
