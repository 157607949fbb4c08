"""Training LCMFTN with the shared trainer, then colouring a shot with it."""

import numpy as np
import pytest

from lineart_color.cli import main
from lineart_color.models.files import load_network
from lineart_color.models.lcmftn import LCMFTN
from lineart_color.training.config import PRESETS
from lineart_color.training.gan_trainer import GANTrainer
from lineart_color.training.lcmftn_task import LCMFTNTask

pytestmark = pytest.mark.slow


def test_two_steps_change_every_generator_weight(tmp_path):
    config = PRESETS["lcmftn-tiny"]()
    trainer = GANTrainer(config.validate(), LCMFTNTask(config), tmp_path, strategy="default")
    assert isinstance(trainer.generator, LCMFTN)
    batch = next(iter(trainer._dataset(start=0)))
    before = [v.numpy() for v in trainer.generator.trainable_variables]
    values = [trainer.train_step(batch) for _ in range(2)]
    assert set(values[0]) == {"generator", "discriminator", "adversarial", "l1"}  # no latent-constraint heads
    unchanged = [v.path for a, v in zip(before, trainer.generator.trainable_variables) if np.array_equal(a, v.numpy())]
    assert unchanged == []  # the CMFT blocks' scale and locality learn too


def test_train_then_colorize_a_shot_with_lcmftn(tmp_path, make_shot, capsys):
    run = tmp_path / "run"
    assert main(["train", "--run-dir", str(run), "--preset", "lcmftn-tiny"]) == 0
    assert load_network(run, "lcmftn").preset == "small"
    shot = make_shot(frames=4, height=32, width=40, keyframes=(0, 3))
    out = tmp_path / "out"
    assert main(["colorize", str(shot), "--out", str(out), "--method", "lcmftn", "--model", str(run)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["0000.png", "0001.png", "0002.png", "0003.png"]
    capsys.readouterr()
    # a network of another kind is refused in one line
    assert main(["colorize", str(shot), "--out", str(tmp_path / "x"), "--method", "ctn", "--model", str(run)]) == 2
    assert "holds a LCMFTN, but --model needs a Colour Transform Network" in capsys.readouterr().err
