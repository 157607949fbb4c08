"""`lineart-color data moji` end to end, including bad input and interrupted runs."""

import subprocess
import sys

import numpy as np
import pytest

from lineart_color.cli import main
from lineart_color.data import openmoji
from lineart_color.data.shots import list_dataset, read_shot


def _leftovers(parent, name):
    return [path.name for path in parent.iterdir() if path.name.startswith(f".{name}.partial")]


def test_moji_writes_validated_shots(tmp_path, capsys):
    out = tmp_path / "val_shots"
    code = main(["data", "moji", str(out), "--split", "val", "--shots", "2", "--frames", "3", "--size", "40", "--seed", "4"])
    assert code == 0
    shots = [read_shot(path) for path in list_dataset(out)]
    assert [shot.path.name for shot in shots] == ["shot_0000", "shot_0001"]
    assert all(shot.size == (40, 40) and len(shot.keyframes) == 3 for shot in shots)
    assert "2/2 shots" in capsys.readouterr().err  # progress is shown
    assert not _leftovers(tmp_path, "val_shots")


def test_moji_evaluation_layout(tmp_path):
    out = tmp_path / "eval"
    assert main(["data", "moji", str(out), "--split", "val", "--shots", "1", "--frames", "4", "--size", "32",
                 "--keyframes", "0,-1"]) == 0
    shot = read_shot(out / "shot_0000")
    assert shot.keyframes == ("0000", "0003") and shot.truth_files is not None


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--split", "test"], "--split test is reserved"),
        (["--split", "tran"], "--split must be train or val, got 'tran'"),
        (["--keyframes", "9"], "--keyframes: keyframe 9 is outside"),
        (["--size", "8"], "--size must be at least 16"),
        (["--size", "20000"], "--size must be at most 4096 pixels"),
        (["--frames", "1"], "--frames must be at least 2"),
    ],
)
def test_moji_bad_flags_exit_2_and_write_nothing(tmp_path, capsys, extra, message):
    out = tmp_path / "out"
    assert main(["data", "moji", str(out), "--shots", "1", "--frames", "3", *extra]) == 2
    error = capsys.readouterr().err.strip()
    assert message in error and len(error.splitlines()) == 1
    assert not out.exists() and not _leftovers(tmp_path, "out")


def test_non_numeric_flag_is_an_argparse_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as caught:
        main(["data", "moji", str(tmp_path / "o"), "--shots", "many"])
    assert caught.value.code == 2
    assert "--shots" in capsys.readouterr().err


def test_existing_output_is_refused_and_kept(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    assert main(["data", "moji", str(out), "--shots", "1"]) == 2
    assert "not empty" in capsys.readouterr().err
    assert [path.name for path in out.iterdir()] == ["keep.txt"]


def test_failure_midway_leaves_nothing(tmp_path, monkeypatch):
    calls = []

    def write_then_fail(folder, shot, keyframes=None):
        calls.append(folder)
        if len(calls) == 2:
            raise KeyboardInterrupt
        folder.mkdir(parents=True)

    monkeypatch.setattr(openmoji, "write_moji_shot", write_then_fail)
    out = tmp_path / "out"
    assert main(["data", "moji", str(out), "--shots", "3", "--size", "32"]) == 130
    assert len(calls) == 2 and not out.exists() and not _leftovers(tmp_path, "out")


def test_module_entry_point_runs(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "lineart_color", "data", "moji", str(tmp_path / "o"), "--split", "test"],
        capture_output=True, text=True,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "lineart-color: error: --split test is reserved for independent evaluation; use train or val"
    )


def test_moji_motion_zero_stands_still_and_too_much_is_refused(tmp_path, capsys):
    out = tmp_path / "still"
    assert main(["data", "moji", str(out), "--shots", "1", "--frames", "3", "--size", "32", "--motion", "0"]) == 0
    shot = read_shot(out / "shot_0000")
    assert (shot.color("0000") == shot.color("0002")).all()
    assert main(["data", "moji", str(tmp_path / "far"), "--shots", "1", "--motion", "11"]) == 2
    assert "--motion must be at most 10" in capsys.readouterr().err


def test_turn_and_cross_write_the_shots_the_renderer_draws_with_them(tmp_path, capsys):
    from lineart_color.data import openmoji

    out = tmp_path / "turn"
    assert main(["data", "moji", str(out), "--split", "val", "--shots", "1", "--frames", "4", "--size", "48",
                 "--seed", "3", "--turn", "90", "--cross"]) == 0
    drawn = openmoji.MojiShot.sample(openmoji.shot_rng(3, 0), openmoji.emoji_codes("val"), 4, 48, turn=90.0, cross=True)
    np.testing.assert_allclose(read_shot(out / "shot_0000").color("0003"), drawn.render(3)[0], atol=1 / 255)
    capsys.readouterr()
    assert main(["data", "moji", str(tmp_path / "far"), "--shots", "1", "--turn", "181"]) == 2
    error = capsys.readouterr().err.strip()
    assert "--turn must be at most 180 degrees" in error and len(error.splitlines()) == 1


def test_a_negative_seed_is_refused_naming_the_flag(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["data", "moji", str(tmp_path / "neg"), "--shots", "1", "--seed", "-1"])
    assert exit_info.value.code == 2 and not (tmp_path / "neg").exists()
    assert "argument --seed: must be 0 or more, got -1" in capsys.readouterr().err


def test_help_does_not_offer_the_reserved_test_split(capsys):
    with pytest.raises(SystemExit):
        main(["data", "moji", "--help"])
    help_text = capsys.readouterr().out
    assert "--split {train,val}" in help_text and "test" not in help_text.split("--split", 1)[1].split("\n  --")[0]
