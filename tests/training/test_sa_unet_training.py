"""The reference-free self-attention U-Net: growing sizes, training steps, and a shot with no keyframe coloured."""

import shutil

import numpy as np
import pytest

from lineart_color.cli import main
from lineart_color.errors import UserError
from lineart_color.models.files import load_network
from lineart_color.training.config import PRESETS
from lineart_color.training.gan_trainer import GANTrainer
from lineart_color.training.sa_unet_task import SAUNetTask

pytestmark = pytest.mark.slow


def _sizes_and_lines(task, start, count):
    from lineart_color.data.stream import SINGLE

    batches = list(task.dataset(2, start * 2, SINGLE).take(count))
    return [int(b["line"].shape[2]) for b in batches], [b["line"].numpy() for b in batches]


def test_crops_grow_by_stage_and_a_resumed_stream_sees_the_same_batches():
    config = PRESETS["sa-unet-tiny"]()
    config.data.stages = "16:2,24:3"
    task = SAUNetTask(config.validate())
    sizes, lines = _sizes_and_lines(task, 0, 5)
    assert sizes == [16, 16, 24, 32, 32]
    for start in (1, 2, 3):  # resuming inside each stage and at its boundaries
        resumed_sizes, resumed = _sizes_and_lines(task, start, 5 - start)
        assert resumed_sizes == sizes[start:]
        for a, b in zip(resumed, lines[start:]):
            np.testing.assert_array_equal(a, b)


def test_bad_stages_are_refused_naming_the_field():
    for stages, name in (("64", "data.stages"), ("60:10", "data.stages"), ("64:10,128:5", "data.stages")):
        config = PRESETS["sa-unet-tiny"]()
        config.data.stages = stages
        with pytest.raises(UserError, match=name):
            config.validate()
    config = PRESETS["ctn-tiny"]()
    config.data.stages = "16:2"
    with pytest.raises(UserError, match="only the sa-unet"):
        config.validate()


def test_two_steps_change_every_weight_and_grey_drawings_darken_the_truth(tmp_path):
    config = PRESETS["sa-unet-tiny"]()
    config.model.grey = True
    trainer = GANTrainer(config.validate(), SAUNetTask(config), tmp_path, strategy="default")
    batch = next(iter(trainer._dataset(start=0)))
    inputs, condition, truth = trainer.task.split(batch)
    grey, line = inputs["line"].numpy(), batch["line"][:, 1].numpy()
    assert np.all(grey <= line + 1e-6) and grey.shape == line.shape and condition is inputs["line"]
    painted = (line[..., 0] > 0.99) & (truth.numpy().max(axis=-1) < 0.9)
    assert painted.any() and np.all(grey[..., 0][painted] < 0.95)  # paint shows as grey, not paper
    models = (trainer.generator, trainer.discriminator)
    before = [[v.numpy() for v in model.trainable_variables] for model in models]
    values = [trainer.train_step(batch) for _ in range(2)]
    assert set(values[0]) == {"generator", "discriminator", "adversarial", "l1"}  # no VGG file: no perceptual
    unchanged = [v.path for model, old in zip(models, before) for a, v in zip(old, model.trainable_variables)
                 if np.array_equal(a, v.numpy())]
    # the attention learns too, once its gate has opened in the first step. The last bias of a
    # hinge discriminator gets no gradient while every logit is inside the margin (-1 + 1 = 0).
    assert unchanged in ([], ["discriminator/to_logits/spectral_conv/conv/bias"])


def test_train_then_colour_a_shot_with_no_keyframe(tmp_path, make_shot, capsys):
    run = tmp_path / "run"
    assert main(["train", "--run-dir", str(run), "--preset", "sa-unet-tiny"]) == 0
    assert load_network(run, "sa-unet").preset == "small"
    shot = make_shot(frames=3, height=32, width=44, keyframes=(0,))
    shutil.rmtree(shot / "color")
    out = tmp_path / "out"
    assert main(["colorize", str(shot), "--out", str(out), "--method", "sa-unet", "--model", str(run)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["0000.png", "0001.png", "0002.png"]
    capsys.readouterr()
    assert main(["colorize", str(shot), "--out", str(tmp_path / "x"), "--method", "sa-unet", "--model", str(run),
                 "--flat"]) == 2
    assert "--method sa-unet uses no keyframe" in capsys.readouterr().err


def test_the_anime_term_reads_a_local_resnet_file_and_measures_the_colour(tmp_path):
    import keras

    keras.utils.set_random_seed(9)
    resnet = keras.applications.ResNet50(include_top=False, weights=None)
    weights = tmp_path / "danbooru_resnet50.weights.h5"
    resnet.save_weights(weights)  # stands in for a converted Danbooru checkpoint
    config = PRESETS["sa-unet-tiny"]()
    config.loss.anime_weights = str(weights)
    task = SAUNetTask(config.validate())
    task.build_models()
    truth = np.random.default_rng(0).random((2, 32, 32, 3)).astype(np.float32)
    logits = np.zeros((2, 4, 4, 1), np.float32)
    same = task.generator_terms({"color": truth}, truth, logits)
    other = task.generator_terms({"color": truth[::-1].copy()}, truth, logits)
    assert set(same) == {"adversarial", "l1", "anime"}
    np.testing.assert_allclose(np.asarray(same["anime"]), 0.0, atol=1e-6)
    assert np.all(np.asarray(other["anime"]) > 0)
    config.loss.anime_weights = str(tmp_path / "missing.h5")
    with pytest.raises(UserError, match="missing.h5: no such ResNet-50 weights file"):
        config.validate()
