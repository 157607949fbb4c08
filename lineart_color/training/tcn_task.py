"""Stage 2: training the Temporal Constraint Network behind a frozen Colour Transform Network.

Each training triplet (reference before, target, reference after) becomes a window whose
target frame holds the colour network's output and whose references hold their true
colour; the temporal network refines the window, and the losses judge the refined target
(L1 and friends) and the whole window (the temporal discriminator sees flicker)."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
from keras import ops

from lineart_color.models.discriminators import TemporalPatchDiscriminator
from lineart_color.models.temporal import TemporalConstraintNetwork
from lineart_color.training.config import TrainConfig
from lineart_color.training.ctn_task import TARGET, CTNTask


def load_frozen(path: Path) -> keras.Model:
    model = keras.saving.load_model(path)
    model.trainable = False
    return model


class TCNTask(CTNTask):
    def __init__(self, config: TrainConfig):
        super().__init__(config)
        self.color_network = None

    def build_models(self) -> tuple[keras.Model, keras.Model]:
        if self.use_vgg:
            super().build_models()  # only for the VGG feature extractor
        self.color_network = load_frozen(Path(self.config.model.ctn_run) / "generator.keras")
        widths = (64, 128, 256, 256) if self.config.model.preset == "paper" else (32, 64, 128, 128)
        return (TemporalConstraintNetwork(self.config.model.preset, name="temporal_constraint_network"),
                TemporalPatchDiscriminator(widths, name="temporal_discriminator"))

    def split(self, batch: dict):
        """(window [B, 3, H, W, 4] with the colour network's target, line window, true colour window)."""
        ctn_inputs, _, _ = super().split(batch)
        generated = ops.stop_gradient(self.color_network(ctn_inputs, training=False)["color"])
        colors = batch["color"]
        window_colors = ops.concatenate([colors[:, :TARGET], generated[:, None], colors[:, TARGET + 1:]], axis=1)
        window = ops.concatenate([window_colors, batch["line"]], axis=-1)
        return window, batch["line"], colors

    def generate(self, generator: keras.Model, window, training: bool) -> dict:
        """The refined target, and the window the discriminator judges: true references around it."""
        refined = generator(window, training=training)[:, TARGET]
        fake_window = ops.concatenate([window[:, :TARGET, ..., :3], refined[:, None], window[:, TARGET + 1:, ..., :3]],
                                      axis=1)
        return {"color": fake_window, "refined": refined, "generated": window[:, TARGET, ..., :3]}

    def generator_terms(self, outputs: dict, truth, fake_logits) -> dict:
        return self.image_terms(outputs["refined"], truth[:, TARGET], fake_logits)

    def sample_rows(self, batch: dict, outputs: dict, count: int = 2) -> list[np.ndarray]:
        """line | colour network output | refined | truth."""
        from lineart_color.training.summaries import image_row

        rows = []
        for i in range(min(count, int(outputs["refined"].shape[0]))):
            rows.append(image_row([np.asarray(batch["line"][i, TARGET]), np.asarray(outputs["generated"][i]),
                                   np.asarray(outputs["refined"][i]), np.asarray(batch["color"][i, TARGET])]))
        return rows

