"""The CycleGAN line extractor: unpaired batches, training steps, and its lines in `data video`."""

import numpy as np
import pytest

from lineart_color.cli import main
from lineart_color.models.files import load_network
from lineart_color.training.config import PRESETS
from lineart_color.training.cyclegan_task import CycleGANTask
from lineart_color.training.gan_trainer import GANTrainer

pytestmark = pytest.mark.slow


def test_batches_are_unpaired_and_two_steps_change_every_weight(tmp_path):
    config = PRESETS["cyclegan-tiny"]()
    trainer = GANTrainer(config.validate(), CycleGANTask(config), tmp_path, strategy="default")
    batch = next(iter(trainer._dataset(start=0)))
    inputs, _, (real_line, real_colour) = trainer.task.split(batch)
    # each line drawing goes with another example's colour frame, never its own
    np.testing.assert_array_equal(inputs["color"].numpy(), batch["color"][:, 1].numpy()[::-1])
    assert real_line is inputs["line"] and real_colour is inputs["color"]
    models = (trainer.generator, trainer.discriminator)
    before = [[v.numpy() for v in model.trainable_variables] for model in models]
    values = [trainer.train_step(batch) for _ in range(2)]
    assert set(values[0]) == {"generator", "discriminator", "adversarial", "cycle"}
    assert values[0]["cycle"] > 0
    for model, old in zip(models, before):
        unchanged = [v.path for a, v in zip(old, model.trainable_variables) if np.array_equal(a, v.numpy())]
        assert unchanged == []


def test_train_then_resume_to_more_steps(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", "--run-dir", str(run), "--preset", "cyclegan-tiny", "--steps", "2"]) == 0
    assert main(["train", "--run-dir", str(run), "--steps", "3"]) == 0
    assert "resuming" in capsys.readouterr().out
    assert load_network(run, "cyclegan").preset == "small"
