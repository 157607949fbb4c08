"""MemoPainter: training steps, a memory built from painted shots, and a shot with no keyframe coloured."""

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from lineart_color.cli import main
from lineart_color.models.memopainter import MemoPainter
from lineart_color.training.config import PRESETS
from lineart_color.training.gan_trainer import GANTrainer
from lineart_color.training.memo_task import MemoTask

pytestmark = pytest.mark.slow


def test_steps_change_every_weight_and_fill_the_memory(tmp_path):
    config = PRESETS["memo-tiny"]()
    trainer = GANTrainer(config.validate(), MemoTask(config), tmp_path, strategy="default")
    batch = next(iter(trainer._dataset(start=0)))
    inputs, _, _ = trainer.task.split(batch)
    network, memory = trainer.generator, trainer.generator.memory
    # A memory where each frame's nearest slot holds the other frame's colours and its own
    # colours lie opposite: the triplet loss is active and must teach the query network.
    key = network.query(inputs["line"])
    memory.write(key, inputs["colour_feature"][::-1])
    memory.write(-key, inputs["colour_feature"])
    assert int((memory.ages.numpy() < 1e8).sum()) == 4
    before = [v.numpy() for v in network.trainable_variables]
    values = [trainer.train_step(batch) for _ in range(2)]
    assert values[0]["triplet"] > 0.5  # active: up to cos(near) - cos(opposite) + margin = 2.1 a frame
    assert {"integrator", "l1", "adversarial"} <= set(values[0])
    unchanged = [v.path for a, v in zip(before, network.trainable_variables) if np.array_equal(a, v.numpy())]
    assert unchanged == []
    # each step's frames joined their own slots (same colours, same key) or took new ones
    assert 4 <= int((memory.ages.numpy() < 1e8).sum()) <= 6


def test_train_build_a_memory_and_colour_a_shot_with_no_keyframe(tmp_path, make_shot, capsys, monkeypatch):
    run = tmp_path / "run"
    assert main(["train", "--run-dir", str(run), "--preset", "memo-tiny"]) == 0
    painted = make_shot(frames=3, height=32, width=40, keyframes=(0, 1, 2))
    memory = tmp_path / "studio.memory"
    assert main(["memory", "build", str(painted), "--model", str(run), "--out", str(memory)]) == 0
    assert "remembered 3 painted frames" in capsys.readouterr().out
    # an existing file is never overwritten, and an unwritable place is refused before any work
    before = memory.read_bytes()
    assert main(["memory", "build", str(painted), "--model", str(run), "--out", str(memory)]) == 2
    assert "already exists" in capsys.readouterr().err and memory.read_bytes() == before
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: mode != os.W_OK and real_access(path, mode)
                        if Path(path) == locked else real_access(path, mode))
    assert main(["memory", "build", str(painted), "--model", str(run), "--out", str(locked / "m.memory")]) == 2
    monkeypatch.undo()
    error = capsys.readouterr().err.strip()
    assert f"cannot write in {locked}" in error and len(error.splitlines()) == 1 and not list(locked.iterdir())

    bare = make_shot(frames=3, height=32, width=40, keyframes=(0,))
    shutil.rmtree(bare / "color")  # no painted frame at all
    out = tmp_path / "out"
    assert main(["colorize", str(bare), "--out", str(out), "--method", "memo", "--model", str(run),
                 "--memory", str(memory)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["0000.png", "0001.png", "0002.png"]

    # a memory made by another network's query encoder is refused in one line, nothing written
    other = tmp_path / "other.keras"
    MemoPainter("small").ensure_built().save(other)
    capsys.readouterr()
    assert main(["colorize", str(bare), "--out", str(tmp_path / "x"), "--method", "memo", "--model", str(other),
                 "--memory", str(memory)]) == 2
    assert "made with another network's query encoder" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
    # keyframe methods still need a keyframe
    assert main(["colorize", str(bare), "--out", str(tmp_path / "y"), "--method", "flow"]) == 2


def test_a_file_that_is_no_memory_is_refused(tmp_path):
    from lineart_color.errors import UserError
    from lineart_color.models.memory_file import load_memory

    network = MemoPainter("small", mode="memory").ensure_built()
    np.savez(tmp_path / "not.npz", something=np.zeros(3))
    with pytest.raises(UserError, match="not a memory file"):
        load_memory(tmp_path / "not.npz", network)
    (tmp_path / "text.memory").write_text("hello")
    with pytest.raises(UserError, match="not an .npz archive"):
        load_memory(tmp_path / "text.memory", network)


def test_a_step_compiles_with_xla(tmp_path):
    """`train --jit` (and a TPU) needs every op of the step in XLA: the query's pooling to its key
    grid once used TF's antialiased resize, which has no XLA kernel."""
    config = PRESETS["memo-tiny"]()
    config.run.jit = True
    trainer = GANTrainer(config.validate(), MemoTask(config), tmp_path, strategy="default")
    batch = next(iter(trainer._dataset(start=0)))
    values = trainer.train_step(batch)
    assert all(np.isfinite(float(value)) for value in values.values())


def test_the_key_grid_pooling_is_tf_s_antialiased_resize():
    import tensorflow as tf

    from lineart_color.models.memopainter import pool_to_grid

    rng = np.random.default_rng(0)
    for height, width in ((4, 4), (3, 5), (13, 32), (1, 7)):  # shrinking, growing, both at once
        features = rng.normal(size=(2, height, width, 5)).astype(np.float32)
        expected = tf.image.resize(features, (4, 4), "bilinear", antialias=True).numpy()
        np.testing.assert_allclose(np.asarray(pool_to_grid(features, 4)), expected, atol=1e-6)
