"""Training the correspondence colourer: true motion in, supervised matching, no discriminator."""

import numpy as np
import pytest

from lineart_color.cli import main
from lineart_color.data.correspondence_data import MotionDataConfig, motion_example
from lineart_color.models.files import load_network
from lineart_color.models.correspondence import CorrespondenceNetwork
from lineart_color.training.config import PRESETS
from lineart_color.training.correspondence_task import CorrespondenceTask
from lineart_color.training.gan_trainer import GANTrainer


def test_a_motion_example_carries_the_true_colour_along_its_flow():
    example = motion_example(MotionDataConfig(size=64, seed=3), 5)
    assert example["line"].shape == (64, 64, 1) and example["flow"].shape == (2, 64, 64, 2)
    # Sampling each keyframe's colour at the true flow gives the target's colour where visible
    # (away from edges, where sub-pixel rounding may pick the neighbour).
    ys, xs = np.mgrid[:64, :64]
    for key in range(2):
        flow, seen = example["flow"][key], example["visible"][key, ..., 0] > 0
        tx = np.clip(np.rint(xs + flow[..., 0]), 0, 63).astype(int)
        ty = np.clip(np.rint(ys + flow[..., 1]), 0, 63).astype(int)
        carried = example["ref_color"][key][ty, tx]
        close = np.abs(carried - example["color"]).max(axis=-1) < 0.1
        assert close[seen].mean() > 0.8
    assert motion_example(MotionDataConfig(size=64, seed=3), 5)["flow"].tobytes() == example["flow"].tobytes()
    # the classical warps come with the flow colourer's own cost of them
    assert example["priors"].shape == (2, 2, 64, 64, 3) and example["priors"][..., 2].min() >= 0.0


def test_a_mixed_source_draws_each_shot_from_one_of_them(monkeypatch):
    from lineart_color.data import openmoji

    asked, ids, renderer = [], openmoji.drawing_ids, openmoji.cel_renderer
    # clipart stands in for itself with moji drawings, so the test needs no Debian package
    monkeypatch.setattr(openmoji, "drawing_ids", lambda source, split: asked.append(source) or ids("moji", split))
    monkeypatch.setattr(openmoji, "cel_renderer", lambda source: renderer("moji"))
    for index in range(8):
        motion_example(MotionDataConfig(size=32, source="moji+clipart"), index)
    assert set(asked) == {"moji", "clipart"}
    with pytest.raises(ValueError, match="source must be one of"):
        MotionDataConfig(source="moji+paint")


@pytest.mark.slow
def test_steps_change_every_weight_and_reduce_the_loss(tmp_path):
    config = PRESETS["corr-tiny"]().validate()
    trainer = GANTrainer(config, CorrespondenceTask(config), tmp_path, strategy="default")
    assert trainer.discriminator is None
    batch = next(iter(trainer._dataset(start=0)))
    before = [v.numpy() for v in trainer.generator.trainable_variables]
    losses = [trainer.train_step(batch) for _ in range(30)]
    assert set(losses[0]) == {"generator", "match", "flow", "choice"}
    unchanged = [v.path for a, v in zip(before, trainer.generator.trainable_variables) if np.array_equal(a, v.numpy())]
    # the own flows start distrusted (offset 2 on top of their cost), and the bounded choice loss
    # gives no gradient where a candidate is saturated out, so the offset moves only once they compete
    assert unchanged in ([], ["correspondence_network/chooser/own_offset"])
    # one fixed batch: 30 steps at lr 1e-4 must cut the flow error (measured: by about half)
    assert np.mean([l["flow"] for l in losses[-3:]]) < 0.8 * losses[0]["flow"]


@pytest.mark.slow
def test_train_then_colorize_with_the_trained_network(tmp_path, make_shot, capfd):
    run = tmp_path / "run"
    assert main(["train", "--run-dir", str(run), "--preset", "corr-tiny"]) == 0
    out, err = capfd.readouterr()  # at the file descriptors, where TensorFlow's C++ logs go
    assert "training corr (preset corr-tiny; its network: corr preset 'tiny') on moji" in out
    assert "remapper failed" not in err
    network = load_network(run, "corr")
    assert network.radius == 1
    shot = make_shot(frames=4, height=32, width=40, keyframes=(0, 3))
    out = tmp_path / "out"
    assert main(["colorize", str(shot), "--out", str(out), "--method", "corr", "--model", str(run)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["0000.png", "0001.png", "0002.png", "0003.png"]


def test_shot_folders_are_refused_as_a_motion_source(tmp_path):
    from lineart_color.errors import UserError

    config = PRESETS["corr-tiny"]()
    config.data.source = str(tmp_path)
    with pytest.raises(UserError, match="data.source: the correspondence colourer learns from rendered motion"):
        config.validate()


@pytest.mark.slow
def test_init_from_a_run_copies_every_matching_weight_and_leaves_reshaped_ones_fresh(tmp_path, capsys):
    config = PRESETS["corr-tiny"]()
    source = GANTrainer(config, CorrespondenceTask(config), tmp_path / "source", strategy="default")
    source.train_step(next(iter(source._dataset(start=0))))
    source.manager.save(checkpoint_number=1)  # a run still training: a checkpoint, no generator.keras

    config = PRESETS["corr-tiny"]()
    config.data.seed = 1  # other initial weights, so a copy shows
    config.model.init_from = str(tmp_path / "source")
    tuned = GANTrainer(config.validate(), CorrespondenceTask(config), tmp_path / "tuned", strategy="default")
    (tmp_path / "tuned").mkdir()
    assert tuned.restore() == 0
    for a, b in zip(source.generator.weights, tuned.generator.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert "51 of 51 weights copied" in capsys.readouterr().out

    wider = CorrespondenceNetwork(widths=(8, 16, 16), match_dim=16, radius=2, fill_steps=2, choice_width=8,
                                  name="correspondence_network").ensure_built()
    wider.save(tmp_path / "wider.keras")  # radius 2: the refiners' first convs see more correlation channels
    config.model.init_from = str(tmp_path / "wider.keras")
    again = GANTrainer(config, CorrespondenceTask(config), tmp_path / "again", strategy="default")
    (tmp_path / "again").mkdir()
    again.restore()
    report = capsys.readouterr().out
    assert "49 of 51 weights copied" in report  # the two refiners' first kernels: their biases keep their shape
    assert "refine_1/conv_a/conv/kernel" in report and "refine_0/conv_a/conv/kernel" in report


@pytest.mark.slow
def test_the_choice_alone_learns_from_a_motion_cache(motion_cache, tmp_path):
    config = PRESETS["corr-choice-tiny"]()
    config.data.source = str(motion_cache)
    trainer = GANTrainer(config.validate(), CorrespondenceTask(config), tmp_path, strategy="default")
    batch = next(iter(trainer._dataset(start=0)))
    before = [v.numpy() for v in trainer.generator.trainable_variables]
    losses = [trainer.train_step(batch) for _ in range(30)]
    assert losses[0]["match"] == 0.0 and losses[0]["flow"] == 0.0  # no matcher: choosing is all it learns
    unchanged = [v.path for a, v in zip(before, trainer.generator.trainable_variables) if np.array_equal(a, v.numpy())]
    assert unchanged == ["correspondence_network/chooser/own_offset"]  # there are no own flows to charge
    assert np.mean([l["choice"] for l in losses[-3:]]) < losses[0]["choice"]


@pytest.mark.slow
def test_train_the_choice_from_a_cache_then_colorize(motion_cache, tmp_path, make_shot):
    run = tmp_path / "run"
    assert main(["train", "--run-dir", str(run), "--preset", "corr-choice-tiny", "--data", str(motion_cache)]) == 0
    assert load_network(run, "corr").own_flow is False
    shot = make_shot(frames=4, height=32, width=40, keyframes=(0, 3))
    out = tmp_path / "out"
    assert main(["colorize", str(shot), "--out", str(out), "--method", "corr", "--model", str(run)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["0000.png", "0001.png", "0002.png", "0003.png"]
