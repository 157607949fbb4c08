"""Stage 2: the temporal network trains behind a frozen colour network."""

import numpy as np
import pytest

from lineart_color.cli import main
from lineart_color.models.color_transform import ColorTransformNetwork
from lineart_color.training.config import PRESETS
from lineart_color.training.gan_trainer import GANTrainer
from lineart_color.training.tcn_task import TCNTask


@pytest.fixture
def ctn_run(tmp_path):
    """A colour-network run directory as `train` leaves it (the weights need not be trained here)."""
    run = tmp_path / "ctn_run"
    run.mkdir()
    ColorTransformNetwork("small").ensure_built().save(run / "generator.keras")
    return run


@pytest.mark.slow
def test_stage_two_steps_change_only_the_temporal_network(tmp_path, ctn_run):
    config = PRESETS["tcn-tiny"]()
    config.model.ctn_run = str(ctn_run)
    trainer = GANTrainer(config.validate(), TCNTask(config), tmp_path / "tcn", strategy="default")
    frozen = trainer.task.color_network
    assert not frozen.trainable_variables
    colour_before = [v.numpy() for v in frozen.weights]
    temporal_before = [v.numpy() for v in trainer.generator.trainable_variables]
    batch = next(iter(trainer._dataset(start=0)))
    for _ in range(2):
        values = trainer.train_step(batch)
    assert set(values) == {"generator", "discriminator", "adversarial", "l1"}
    assert all(np.array_equal(a, v.numpy()) for a, v in zip(colour_before, frozen.weights))
    moved = [not np.array_equal(a, v.numpy()) for a, v in zip(temporal_before, trainer.generator.trainable_variables)]
    assert all(moved)
    refined = trainer.task.generate(trainer.generator, trainer.task.split(batch)[0], training=False)
    assert refined["color"].shape == (2, 3, 32, 32, 3) and refined["refined"].shape == (2, 32, 32, 3)
    assert len(trainer.task.sample_rows(batch, refined)) == 2


@pytest.mark.parametrize("extra, message", [
    ([], "--ctn: training the temporal network needs"),
    (["--ctn", "nowhere"], "nowhere: no generator.keras here"),
])
def test_stage_two_needs_a_finished_colour_network(tmp_path, capsys, extra, message):
    assert main(["train", "--run-dir", str(tmp_path / "run"), "--preset", "tcn-tiny", *extra]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "run").exists()
