"""`lineart-color evaluate`: figures against the truth, baselines, JSON, and bad input."""

import json
import shutil

import numpy as np
import pytest

from lineart_color.cli import main
from lineart_color.data.images import read_image, write_image

from test_colorize import box_shot


def copy_truth(shot, out):
    shutil.copytree(shot / "truth", out)
    return out


def test_perfect_prediction_and_both_baselines(tmp_path, capsys):
    shot = box_shot(tmp_path / "shot", width=56, step=3)
    pred = copy_truth(shot, tmp_path / "perfect")
    report = tmp_path / "scores.json"
    assert main(["evaluate", str(shot), str(pred), "--baseline", "nearest", "--baseline", "bucket",
                 "--baseline", "flow", "--json", str(report)]) == 0
    table = capsys.readouterr().out
    assert "perfect" in table and "nearest" in table and "bucket" in table
    scores = json.loads(report.read_text())
    assert scores["perfect"]["frames"] == 3  # 5 frames, 2 of them keyframes
    assert scores["perfect"]["flat_accuracy"] == 1.0 and scores["perfect"]["psnr"] == 100.0  # capped, not inf
    assert scores["truth"]["psnr"] == 100.0  # the truth's own row: a perfect frame, as the README says
    assert scores["perfect"]["flicker"] == pytest.approx(scores["truth"]["flicker"])
    assert scores["bucket"]["flat_accuracy"] == 1.0  # 3 px motion: the paint bucket finds every region
    assert 0.0 < scores["nearest"]["flat_accuracy"] < 1.0  # the copied boxes sit 3-6 px off
    assert scores["nearest"]["psnr"] < 40
    assert scores["flow"]["flat_accuracy"] == 1.0  # the flow follows the boxes and carries their paint


def test_a_wrong_colour_is_scored_by_hand(tmp_path):
    shot = box_shot(tmp_path / "shot", frames=3, keyframes=(0, 2))
    pred = copy_truth(shot, tmp_path / "pred")
    truth = np.asarray(__import__("PIL.Image").Image.open(pred / "0001.png"), np.float32) / 255
    red = np.all(np.abs(truth - [0.9, 0.1, 0.1]) < 0.01, axis=-1)
    truth[red] = (0.1, 0.9, 0.1)  # the red box painted green: half of the painted pixels wrong
    write_image(pred / "0001.png", truth)
    report = tmp_path / "s.json"
    assert main(["evaluate", str(shot), str(pred), "--json", str(report)]) == 0
    # each box has 12x12 inside pixels, of which the 8x8 further than 2 px from the outline are scored
    assert json.loads(report.read_text())["pred"]["flat_accuracy"] == pytest.approx(0.5)


def test_region_ceiling_counts_paint_boundaries_without_a_line(tmp_path):
    shot = box_shot(tmp_path / "shot", frames=5, keyframes=(0, 4))
    report = tmp_path / "s.json"
    assert main(["evaluate", str(shot), "--baseline", "region-ceiling", "--json", str(report)]) == 0
    assert json.loads(report.read_text())["region-ceiling"]["flat_accuracy"] == 1.0  # one paint per region
    truth = np.asarray(__import__("PIL.Image").Image.open(shot / "truth" / "0001.png"), np.float32) / 255
    truth[9:21, 5:10] = (0.1, 0.9, 0.1)  # 5 of the red box's 12 inside columns green, with no line between
    write_image(shot / "truth" / "0001.png", truth)
    assert main(["evaluate", str(shot), "--baseline", "region-ceiling", "--json", str(report)]) == 0
    # The region keeps its majority paint, red. Scored: the 8x8 inner pixels of each box in 3
    # frames (384); in frame 0001 the inner columns 7-9 of the red box (24 pixels) are green.
    assert json.loads(report.read_text())["region-ceiling"]["flat_accuracy"] == pytest.approx(360 / 384)


def test_a_dataset_reads_pred_per_shot(tmp_path, capsys):
    dataset = tmp_path / "shots"
    for name in ("a", "b"):
        box_shot(dataset / name, frames=3, keyframes=(0,))
        copy_truth(dataset / name, tmp_path / "pred" / name)
    assert main(["evaluate", str(dataset), str(tmp_path / "pred"), "--json", "-"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out[out.index("{"):])["pred"]["frames"] == 4


@pytest.mark.parametrize("damage, message", [
    (lambda shot, pred: (pred / "0001.png").unlink(), "0001.png: missing prediction for frame '0001'"),
    (lambda shot, pred: write_image(pred / "0002.png", np.ones((5, 5, 3))), "0002.png: size 5x5 differs"),
    (lambda shot, pred: shutil.rmtree(shot / "truth"), "missing folder (evaluation needs every frame's truth)"),
    (lambda shot, pred: shutil.rmtree(pred), "no such prediction folder"),
])
def test_bad_input_fails_with_one_line(tmp_path, capsys, damage, message):
    shot = box_shot(tmp_path / "shot")
    pred = copy_truth(shot, tmp_path / "pred")
    damage(shot, pred)
    assert main(["evaluate", str(shot), str(pred), "--json", str(tmp_path / "s.json")]) == 2
    error = capsys.readouterr().err.strip()
    assert message in error and len(error.splitlines()) == 1
    assert not (tmp_path / "s.json").exists()


def test_nothing_to_score_is_a_flag_error(tmp_path, capsys):
    shot = box_shot(tmp_path / "shot")
    assert main(["evaluate", str(shot)]) == 2
    assert "PRED: give a folder" in capsys.readouterr().err


def test_json_to_stdout_is_the_json_alone(tmp_path, capsys):
    shot = box_shot(tmp_path / "shot", frames=3, keyframes=(0, 2))
    assert main(["evaluate", str(shot), "--baseline", "nearest", "--json", "-"]) == 0
    captured = capsys.readouterr()
    assert set(json.loads(captured.out)) == {"nearest", "truth"}  # parses: nothing else on stdout
    assert "nearest" in captured.err  # the table went to stderr


@pytest.mark.parametrize("where, message", [("missing/s.json", "does not exist"), ("folder", "is a folder")])
def test_an_unwritable_json_is_refused_before_scoring(tmp_path, capsys, monkeypatch, where, message):
    import lineart_color.commands.evaluate as evaluate_module

    shot = box_shot(tmp_path / "shot", frames=3, keyframes=(0, 2))
    (tmp_path / "folder").mkdir()
    monkeypatch.setattr(evaluate_module, "evaluate", lambda *a: pytest.fail("scored before checking --json"))
    assert main(["evaluate", str(shot), "--baseline", "nearest", "--json", str(tmp_path / where)]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_a_full_disk_while_writing_json_is_one_line_and_leaves_nothing(tmp_path, capsys, monkeypatch):
    import errno
    from pathlib import Path

    shot = box_shot(tmp_path / "shot", frames=3, keyframes=(0, 2))
    (tmp_path / "out").mkdir()

    def disk_full(self, *args, **kwargs):
        self.open("w").close()  # the file is created, then the disk fills
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_text", disk_full)
    assert main(["evaluate", str(shot), "--baseline", "nearest", "--json", str(tmp_path / "out" / "s.json")]) == 2
    assert "No space left on device" in capsys.readouterr().err
    assert list((tmp_path / "out").iterdir()) == []


def test_one_perfect_frame_does_not_make_the_mean_psnr_infinite(tmp_path):
    shot = box_shot(tmp_path / "shot", frames=4, keyframes=(0, 3))
    pred = copy_truth(shot, tmp_path / "pred")
    truth = np.asarray(__import__("PIL.Image").Image.open(pred / "0002.png"), np.float32) / 255
    write_image(pred / "0002.png", np.clip(truth + 0.1, 0, 1))  # frame 1 stays perfect
    report = tmp_path / "s.json"
    assert main(["evaluate", str(shot), str(pred), "--json", str(report)]) == 0
    psnr = json.loads(report.read_text())["pred"]["psnr"]
    assert 50.0 < psnr < 70.0  # the mean of 100 dB and about 20-30 dB


@pytest.mark.parametrize("pred_name, flags", [("flow", ["--baseline", "flow"]), ("mine", ["--name", "nearest", "--baseline", "nearest"])])
def test_a_pred_named_like_a_baseline_is_refused(tmp_path, capsys, pred_name, flags):
    shot = box_shot(tmp_path / "shot", frames=3, keyframes=(0, 2))
    pred = copy_truth(shot, tmp_path / pred_name)
    assert main(["evaluate", str(shot), str(pred), *flags]) == 2
    assert "is also the name of a row of the table" in capsys.readouterr().err


def test_the_row_is_named_after_the_colourer_colorize_recorded(tmp_path):
    shot = box_shot(tmp_path / "shot", width=56, step=3)
    for method in ("match", "flow"):
        assert main(["colorize", str(shot), "--out", str(tmp_path / f"out_{method}"), "--method", method]) == 0
    report = tmp_path / "s.json"
    assert main(["evaluate", str(shot), str(tmp_path / "out_match"), "--json", str(report)]) == 0
    assert set(json.loads(report.read_text())) == {"match", "truth"}  # not the folder "out_match"
    # a colourer named like a baseline row keeps its folder beside it instead of being refused
    assert main(["evaluate", str(shot), str(tmp_path / "out_flow"), "--baseline", "flow", "--json", str(report)]) == 0
    scores = json.loads(report.read_text())
    assert set(scores) == {"flow (out_flow)", "flow", "truth"}
    assert scores["flow (out_flow)"]["flat_accuracy"] == pytest.approx(scores["flow"]["flat_accuracy"], abs=0.01)


def test_frames_from_two_colourers_are_named_by_their_folder(tmp_path):
    shot = box_shot(tmp_path / "shot", width=56, step=3)
    out = tmp_path / "mixed"
    assert main(["colorize", str(shot), "--out", str(out), "--method", "match"]) == 0
    frame = sorted(out.glob("*.png"))[1]
    write_image(frame, read_image(frame), made_by="nearest")  # the same pixels, said to come from another colourer
    report = tmp_path / "s.json"
    assert main(["evaluate", str(shot), str(out), "--json", str(report)]) == 0
    assert set(json.loads(report.read_text())) == {"mixed", "truth"}
