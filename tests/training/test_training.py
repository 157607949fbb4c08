"""Real training steps: weights change, the small preset overfits, a killed run resumes
exactly, and two replicas under MirroredStrategy match one device."""

import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from lineart_color.errors import UserError
from lineart_color.models.files import load_network
from lineart_color.commands.train import main as train_main
from lineart_color.training.config import PRESETS
from lineart_color.training.ctn_task import CTNTask
from lineart_color.training.gan_trainer import GANTrainer

pytestmark = pytest.mark.slow


def _weights(model):
    return [v.numpy() for v in model.trainable_variables]


def test_steps_change_all_weights_and_the_small_preset_overfits(tmp_path):
    config = PRESETS["ctn-tiny"]()
    config.data.height = config.data.width = 48
    config.optimizer.generator_lr = 5e-4  # at the default 1e-4 the same fit takes several hundred steps
    trainer = GANTrainer(config, CTNTask(config), tmp_path, strategy="default")
    batch = next(iter(trainer._dataset(start=0)))
    before_g, before_d = _weights(trainer.generator), _weights(trainer.discriminator)
    # Two steps: AdaIN's style projections start at zero (a fresh block is instance norm), so
    # the style embedder first receives a gradient in step 2.
    l1 = [trainer.train_step(batch)["l1"] / config.loss.l1_weight for _ in range(2)]
    unchanged = lambda before, model: [v.path for a, v in zip(before, model.trainable_variables)
                                        if np.array_equal(a, v.numpy())]
    assert unchanged(before_g, trainer.generator) == []
    # With the hinge loss the logit bias's gradient is exactly -1 + 1 = 0 while every patch's
    # margin is active; every kernel must move.
    assert [path for path in unchanged(before_d, trainer.discriminator) if path.endswith("kernel")] == []
    for _ in range(118):
        l1.append(trainer.train_step(batch)["l1"] / config.loss.l1_weight)
    # Stated bound: on one fixed batch of 2 triplets at 48 px (seed 0, G lr 5e-4, GAN loss on),
    # mean |output - truth| falls from 0.51 to below 0.12 within 120 steps (measured: 0.07).
    assert np.mean(l1[-5:]) < 0.12 and np.mean(l1[-5:]) < 0.5 * l1[0], l1[::10]
    assert int(trainer.step.numpy()) == 120


def _checkpoint_tensors(run_dir: Path, step: int) -> dict:
    """Every variable a checkpoint holds (both networks, both optimizers' slots, the step), by name."""
    reader = tf.train.load_checkpoint(str(run_dir / "checkpoints" / f"ckpt-{step}"))
    return {name: reader.get_tensor(name) for name in reader.get_variable_to_shape_map()
            if name != "_CHECKPOINTABLE_OBJECT_GRAPH"}


def test_a_killed_run_resumes_from_its_checkpoint_with_identical_state(tmp_path):
    killed = tmp_path / "killed"
    command = [sys.executable, "-m", "lineart_color.commands.train", "--run-dir", str(killed), "--preset", "ctn-tiny",
               "--steps", "1000", "--set", "run.checkpoint_every=2"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 600
        while not list(killed.glob("checkpoints/ckpt-*.index")):
            assert process.poll() is None and time.monotonic() < deadline, "training never checkpointed"
            time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    saved = max(int(p.name.split("-")[1].split(".")[0]) for p in killed.glob("checkpoints/ckpt-*.index"))
    target = saved + 2

    assert train_main(["--run-dir", str(killed), "--steps", str(target)]) == 0  # resumes by default
    straight = tmp_path / "straight"
    assert train_main(["--run-dir", str(straight), "--preset", "ctn-tiny", "--steps", str(target),
                       "--set", "run.checkpoint_every=2"]) == 0

    resumed, uninterrupted = _checkpoint_tensors(killed, target), _checkpoint_tensors(straight, target)
    assert resumed.keys() == uninterrupted.keys() and len(resumed) > 100
    for name, value in uninterrupted.items():
        np.testing.assert_allclose(resumed[name], value, atol=1e-6, err_msg=name)
    steps = [json.loads(line)["step"] for line in (killed / "history.jsonl").read_text().splitlines()]
    assert steps == sorted(set(steps)) and steps[-1] == target  # no step logged twice
    for name in ("config.json", "losses.png", "generator.keras"):
        assert (killed / name).is_file()
    assert list((killed / "tensorboard").glob("events.out.tfevents.*"))
    reloaded = keras.saving.load_model(killed / "generator.keras")
    assert reloaded.preset == "small"


MIRRORED_SCRIPT = textwrap.dedent("""
    import sys
    import numpy as np
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from lineart_color.training.config import PRESETS
    from lineart_color.training.ctn_task import CTNTask
    from lineart_color.training.gan_trainer import GANTrainer

    results = {}
    for kind in ("mirrored", "default"):
        config = PRESETS["ctn-tiny"]()
        trainer = GANTrainer(config, CTNTask(config), sys.argv[1] + "/" + kind, strategy=kind)
        batches = trainer.distributed_batches(start_step=0)
        losses = [trainer.train_step(next(batches)) for _ in range(2)]
        results[kind] = (trainer.strategy.num_replicas_in_sync, losses,
                         [v.numpy() for v in trainer.generator.trainable_variables + trainer.discriminator.trainable_variables])
    assert results["mirrored"][0] == 2 and results["default"][0] == 1
    for a, b in zip(results["mirrored"][1], results["default"][1]):
        for name in a:
            assert abs(a[name] - b[name]) < 1e-4 * max(1.0, abs(b[name])), (name, a[name], b[name])
    differences = np.concatenate([np.abs(a - b).ravel() for a, b in zip(results["mirrored"][2], results["default"][2])])
    # Adam moves each weight by about +-lr whatever the gradient's size, so where a gradient is
    # ~0 the sign can differ from float noise: at most 2 * steps * lr (D's lr 4e-4) apart.
    # Measured: median 1.5e-7, 99th percentile 8.8e-6, mean 8e-7. Adam hides a wrong loss
    # scale from the weights, which is why the losses themselves are compared above.
    assert differences.max() <= 2 * 2 * 4e-4 + 1e-6, differences.max()
    assert np.quantile(differences, 0.99) < 3e-5 and differences.mean() < 3e-6
    print("max weight difference", differences.max())
""")


def test_mirrored_strategy_on_two_cpus_matches_one_device(tmp_path):
    result = subprocess.run([sys.executable, "-c", MIRRORED_SCRIPT, str(tmp_path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "max weight difference" in result.stdout


@pytest.mark.parametrize("precision, jit", [("float16", False), ("bfloat16", True)])
def test_mixed_precision_and_xla_steps_train(tmp_path, precision, jit):
    config = PRESETS["ctn-tiny"]()
    config.run.mixed_precision, config.run.jit = precision, jit
    try:
        trainer = GANTrainer(config, CTNTask(config), tmp_path, strategy="default")
        assert trainer.generator.dtype_policy.compute_dtype == precision
        batch = next(iter(trainer._dataset(start=0)))
        before = _weights(trainer.generator)
        values = [trainer.train_step(batch) for _ in range(2)]
        assert all(np.isfinite(v) for step in values for v in step.values())
        assert all(not np.array_equal(a, b) for a, b in zip(before, _weights(trainer.generator)))
        assert trainer.generator(trainer.task.split(batch)[0])["color"].dtype == "float32"
        trainer.finish()  # the saved network is float32: mixed precision stays a training-time choice
        saved = load_network(tmp_path / "generator.keras", "ctn")  # loads in float32 under any global policy
        assert saved.dtype_policy.name == "float32"
        assert {layer.dtype_policy.name for layer in saved._flatten_layers()} == {"float32"}
        inputs = trainer.task.split(batch)[0]
        # the same weights; the trainer's copy rounds activations to 16 bits on the way
        difference = np.abs(np.asarray(saved(inputs)["color"]) - np.asarray(trainer.generator(inputs)["color"]))
        assert difference.mean() < 0.01 and difference.max() < 0.2
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_init_from_starts_a_new_run_from_a_trained_generator(tmp_path):
    config = PRESETS["ctn-tiny"]()
    source = GANTrainer(config, CTNTask(config), tmp_path / "source", strategy="default")
    source.train_step(next(iter(source._dataset(start=0))))
    source.generator.save(tmp_path / "trained.keras")

    config = PRESETS["ctn-tiny"]()
    config.data.seed = 1  # different initial weights, so a copy is visible
    fresh = GANTrainer(config, CTNTask(config), tmp_path / "fresh", strategy="default")
    assert not all(np.array_equal(a, b) for a, b in zip(source.generator.get_weights(), fresh.generator.get_weights()))
    config.model.init_from = str(tmp_path / "trained.keras")
    tuned = GANTrainer(config, CTNTask(config), tmp_path / "tuned", strategy="default")
    (tmp_path / "tuned").mkdir()  # train.py makes the run directory before the loop starts
    assert tuned.restore() == 0
    for a, b in zip(source.generator.get_weights(), tuned.generator.get_weights()):
        np.testing.assert_array_equal(a, b)  # every weight, spectral norm's vectors included


def test_init_from_refuses_the_wrong_kind_of_network(tmp_path):
    from lineart_color.models.temporal import TemporalConstraintNetwork

    TemporalConstraintNetwork("small").ensure_built().save(tmp_path / "temporal.keras")
    config = PRESETS["ctn-tiny"]()
    config.model.init_from = str(tmp_path / "temporal.keras")
    with pytest.raises(UserError, match="temporal.keras: holds a TemporalConstraintNetwork"):
        GANTrainer(config, CTNTask(config), tmp_path / "run", strategy="default")


def test_a_bad_init_from_file_leaves_no_run_behind(tmp_path, capsys):
    from lineart_color.cli import main

    garbage = tmp_path / "garbage.keras"
    garbage.write_bytes(b"not a zip")
    run = tmp_path / "run"
    assert main(["train", "--run-dir", str(run), "--preset", "ctn-tiny", "--init-from", str(garbage)]) == 2
    assert "garbage.keras" in capsys.readouterr().err
    assert not run.exists()  # so the next run is not refused as an existing one


def test_a_diverging_run_stops_at_the_first_non_finite_loss_and_saves_nothing(tmp_path, capsys):
    from lineart_color.cli import main

    run = tmp_path / "run"
    assert main(["train", "--run-dir", str(run), "--preset", "ctn-tiny", "--steps", "6",
                 "--set", "run.checkpoint_every=1", "--set", "optimizer.generator_lr=1e308"]) == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert any(broken in error for broken in ("loss is nan", "loss is inf", "holds NaN or infinity")), error
    assert "training stopped and saved nothing" in error
    assert not (run / "generator.keras").exists()
    for line in (run / "history.jsonl").read_text().splitlines():
        json.loads(line)  # every line is JSON (no bare NaN)
    step = int(error.split(": step ")[1].split(":")[0])
    saved = tf.train.get_checkpoint_state(str(run / "checkpoints"))
    assert saved is None or int(saved.model_checkpoint_path.rsplit("-", 1)[1]) < step  # only finite steps kept


def test_a_network_with_non_finite_weights_is_refused_at_load(tmp_path):
    from lineart_color.models.color_transform import ColorTransformNetwork

    network = ColorTransformNetwork("small").ensure_built()
    weight = network.weights[3]
    weight.assign(np.full(weight.shape, np.nan, np.float32))
    network.save(tmp_path / "nan.keras")
    with pytest.raises(UserError, match="nan.keras: weight .* holds NaN or infinity"):
        load_network(tmp_path / "nan.keras", "ctn")


def test_a_non_finite_loss_names_its_step_and_term(tmp_path):
    config = PRESETS["ctn-tiny"]()
    trainer = GANTrainer(config, CTNTask(config), tmp_path / "run", strategy="default")
    trainer._require_finite({"l1": 0.5, "adversarial": 1.0}, 3)  # finite: nothing happens
    with pytest.raises(UserError, match=r"step 3: the adversarial loss is inf; training stopped and saved nothing"):
        trainer._require_finite({"l1": 0.5, "adversarial": float("inf")}, 3)


def test_resume_skips_a_damaged_newest_checkpoint_and_names_every_damage(tmp_path, capsys):
    from lineart_color.cli import main

    run = tmp_path / "run"
    assert main(["train", "--run-dir", str(run), "--preset", "ctn-tiny", "--steps", "4",
                 "--set", "run.checkpoint_every=2"]) == 0
    data = lambda number: next((run / "checkpoints").glob(f"ckpt-{number}.data-*"))
    data(4).write_bytes(data(4).read_bytes()[:100])  # cut short, as a full disk or a crash leaves it
    capsys.readouterr()
    assert main(["train", "--run-dir", str(run), "--steps", "6"]) == 0
    captured = capsys.readouterr()
    assert "checkpoint ckpt-4 is damaged" in captured.err and "resuming from ckpt-2" in captured.err
    assert "resuming" in captured.out and "from step 2" in captured.out
    assert int(tf.train.load_checkpoint(str(run / "checkpoints" / "ckpt-6")).get_tensor("step/.ATTRIBUTES/VARIABLE_VALUE")) == 6
    # every checkpoint damaged: one line, nothing trained
    for index in (run / "checkpoints").glob("ckpt-*.index"):
        index.write_bytes(b"garbage")
    assert main(["train", "--run-dir", str(run), "--steps", "8"]) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert "every checkpoint is damaged" in error[-1]
    # a damaged config.json: one line
    (run / "config.json").write_text('{"model": {"name": "ct')
    assert main(["train", "--run-dir", str(run), "--steps", "8"]) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and "config.json: damaged, not a JSON training config" in error[0]


def test_a_vgg_weights_file_that_is_no_weights_is_one_line_and_no_run(tmp_path, capsys):
    from lineart_color.cli import main

    bad = tmp_path / "vgg.weights.h5"
    bad.write_text("not weights")
    run = tmp_path / "run"
    assert main(["train", "--run-dir", str(run), "--preset", "ctn-tiny", "--vgg-weights", str(bad)]) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and f"{bad}: not VGG19 weights" in error[0]
    assert not run.exists()
