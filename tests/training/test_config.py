import argparse
import json
import re

import pytest

from lineart_color.errors import UserError
from lineart_color.commands.train import add_arguments, resolve_config
from lineart_color.training.config import PRESETS, TrainConfig


def _args(*argv):
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(list(argv))


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_presets_are_valid(name, tmp_path):
    config = PRESETS[name]()
    if config.model.name == "tcn":  # stage 2 also needs the colour network's run directory
        with pytest.raises(UserError, match="--ctn"):
            config.validate()
        (tmp_path / "generator.keras").write_bytes(b"")
        config.model.ctn_run = str(tmp_path)
    config.validate()
    assert TrainConfig.from_json(config.to_json()) == config


def test_flags_and_set_override_typed_fields(tmp_path):
    config = resolve_config(_args("--run-dir", str(tmp_path / "r"), "--preset", "ctn-paper", "--size", "64",
                                  "--jit", "--set", "loss.l1_weight=20", "--set", "loss.vgg_weights=none",
                                  "--set", "run.jit=false"))
    assert config.model.preset == "paper"
    assert (config.data.height, config.data.width) == (64, 64)
    assert config.loss.l1_weight == 20.0 and isinstance(config.loss.l1_weight, float)
    assert config.loss.vgg_weights is None
    assert config.run.jit is False  # --set comes after the flags


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--size", "60"], "data.height: expected a multiple of 8"),
        (["--set", "loss.l1_weight=lots"], "--set loss.l1_weight: expected a float, got 'lots'"),
        (["--set", "loss.nothing=1"], "--set loss.nothing: no such config field"),
        (["--set", "run.jit"], "expected SECTION.FIELD=VALUE"),
        (["--set", "run.jit=maybe"], "--set run.jit: expected a bool"),
        (["--vgg-weights", "/no/such.h5"], "/no/such.h5: no such VGG19 weights file"),
        (["--set", "loss.adversarial=wgan"], "loss.adversarial: expected one of"),
        (["--set", "loss.l1_weight=nan"], "--set loss.l1_weight: expected a finite number, got 'nan'"),
        (["--set", "optimizer.generator_lr=inf"], "--set optimizer.generator_lr: expected a finite number"),
        (["--set", "loss.style_weight=-1"], "loss.style_weight: expected 0 or more, got -1.0"),
        (["--set", "optimizer.generator_lr=0"], "optimizer.generator_lr: expected above 0, got 0.0"),
        (["--set", "optimizer.beta_1=1"], "optimizer.beta_1: expected in [0, 1), got 1.0"),
        (["--set", "run.checkpoint_every=0"], "run.checkpoint_every: expected at least 1, got 0"),
        (["--set", "data.max_spacing=0"], "data.max_spacing: expected at least data.min_spacing, got 0"),
        (["--set", "data.seed=-1"], "data.seed: expected 0 or more, got -1"),
        (["--size", "100000"], "data.height: expected at most 4096 px, got 100000"),
        (["--batch-size", "100000"], "data.batch_size: expected at most 67,108,864 pixels a batch"),
    ],
)
def test_bad_values_name_the_field(tmp_path, argv, message):
    with pytest.raises(UserError, match=re.escape(message)):
        resolve_config(_args("--run-dir", str(tmp_path / "r"), *argv))


def test_existing_run_keeps_its_config_and_only_steps_may_change(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    saved = PRESETS["ctn-tiny"]()
    (run / "config.json").write_text(saved.to_json())
    config = resolve_config(_args("--run-dir", str(run), "--steps", "10"))
    assert config.run.steps == 10 and config.data == saved.data
    assert resolve_config(_args("--run-dir", str(run), "--size", "32")).data.height == 32  # same value: fine
    with pytest.raises(UserError, match="--size: .* existing run with data.height=32"):
        resolve_config(_args("--run-dir", str(run), "--size", "64"))
    with pytest.raises(UserError, match="--preset"):
        resolve_config(_args("--run-dir", str(run), "--preset", "ctn-paper"))
    (run / "config.json").write_text(json.dumps({"model": {"colour": 1}}))
    with pytest.raises(UserError, match="not a training config"):
        resolve_config(_args("--run-dir", str(run)))


def test_bad_training_data_exits_2_and_writes_nothing(tmp_path, make_shot, capsys):
    from lineart_color.cli import main

    shot = make_shot(frames=4)
    (shot / "color" / "0002.png").write_bytes(b"not a png")
    run_dir = tmp_path / "run"
    assert main(["train", "--run-dir", str(run_dir), "--preset", "ctn-tiny", "--data", str(tmp_path)]) == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("lineart-color: error: ") and str(shot / "color" / "0002.png") in error
    assert not run_dir.exists()


def test_init_from_must_name_a_model(tmp_path):
    with pytest.raises(UserError, match="nothing.keras: no such model file"):
        resolve_config(_args("--run-dir", str(tmp_path / "r"), "--init-from", str(tmp_path / "nothing.keras")))
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "generator.keras").write_bytes(b"")
    config = resolve_config(_args("--run-dir", str(tmp_path / "r"), "--init-from", str(tmp_path / "run")))
    assert config.model.init_from == str(tmp_path / "run")


def test_a_run_dir_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(UserError, match=re.escape("notes.txt: is a file, not a folder")):
        resolve_config(_args("--run-dir", str(tmp_path / "notes.txt")))
    with pytest.raises(UserError, match=re.escape("notes.txt is a file, not a folder")):
        resolve_config(_args("--run-dir", str(tmp_path / "notes.txt" / "run")))
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_a_tpu_strategy_where_there_is_none_is_one_line_and_writes_nothing(tmp_path, make_shot, capsys, monkeypatch):
    """Decided from the environment alone: no resolver is made, so nothing probes a cloud address."""
    import tensorflow as tf

    from lineart_color.cli import main
    from lineart_color.training import strategy

    for name in ("TPU_NAME", "COLAB_TPU_ADDR"):
        monkeypatch.delenv(name, raising=False)
    exists = strategy.os.path.exists
    monkeypatch.setattr(strategy.os.path, "exists", lambda path: path != "/dev/accel0" and exists(path))
    assert strategy.tpu_signs() == []

    def no_resolver(*args, **kwargs):
        raise AssertionError("a TPU resolver was made on a machine with no sign of a TPU")

    monkeypatch.setattr(tf.distribute.cluster_resolver, "TPUClusterResolver", no_resolver)
    make_shot(frames=4)
    run_dir = tmp_path / "run"
    assert main(["train", "--run-dir", str(run_dir), "--preset", "ctn-tiny", "--data", str(tmp_path),
                 "--strategy", "tpu", "--steps", "1"]) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert error[-1].startswith("lineart-color: error: --strategy tpu: no TPU here")
    assert not run_dir.exists()
    assert strategy.choose_strategy("auto").num_replicas_in_sync == 1  # auto falls through to this CPU
    assert strategy.accelerator() == "cpu"  # what the training notebook asks
    monkeypatch.setenv("COLAB_TPU_ADDR", "10.0.0.2:8470")
    assert strategy.accelerator() == "tpu"  # from the environment alone: no resolver is made


def test_every_start_and_resume_records_its_strategy_and_replicas(tmp_path, make_shot):
    import json

    from lineart_color.cli import main

    make_shot(frames=4)
    run_dir = tmp_path / "run"
    common = ["train", "--run-dir", str(run_dir), "--size", "32", "--batch-size", "2"]
    assert main([*common, "--preset", "ctn-tiny", "--data", str(tmp_path), "--steps", "1"]) == 0
    assert main([*common, "--steps", "2", "--strategy", "default"]) == 0
    sessions = [json.loads(line) for line in (run_dir / "sessions.jsonl").read_text().splitlines()]
    assert [(s["step"], s["requested"], s["replicas"]) for s in sessions] == [(0, "auto", 1), (1, "default", 1)]
    assert sessions[0]["strategy"].endswith("Strategy") and sessions[0]["mixed_precision"] == "float32"
