"""The page's whole-shot reading (export/web/shot.js), run in Node: which files make a shot, the
one-line errors for ones that do not, and which keyframes colour each frame."""

import json
from pathlib import Path

import pytest

from export_helpers import run_node

CALL = Path(__file__).with_name("call_module.mjs")


def _call(module: str, function: str, *args):
    return json.loads(run_node(CALL, module, function, json.dumps(args)))


def _entries(*paths):
    """What the page hands shotFromFiles: relative paths, and files (only their names are read here)."""
    return [{"path": path, "file": {"name": path.rsplit("/", 1)[-1]}} for path in paths]


def test_a_picked_folder_gives_its_frames_and_keyframes_in_natural_order():
    shot = _call("shot.js", "shotFromFiles", _entries(
        "walk/line/10.png", "walk/line/2.png", "walk/line/1.jpg", "walk/color/1.png", "walk/color/10.png",
        "walk/truth/2.png", "walk/line/.DS_Store", "walk/notes.txt", "walk/line/readme.txt"))["result"]
    assert shot["name"] == "walk"
    assert shot["frames"] == ["1", "2", "10"] and shot["keyframes"] == ["1", "10"]
    assert sorted(shot["files"]) == ["color/1", "color/10", "line/1", "line/10", "line/2"]  # truth/ is not read


def test_files_picked_per_kind_make_a_shot_named_shot():
    shot = _call("shot.js", "shotFromFiles", _entries("line/0000.png", "line/0001.png", "color/0000.png"))["result"]
    assert (shot["name"], shot["frames"], shot["keyframes"]) == ("shot", ["0000", "0001"], ["0000"])


@pytest.mark.parametrize("paths, message", [
    (["s/line/0000.png", "s/color/0005.png"], "color/0005.png: a keyframe with no line art (expected line/0005.png)"),
    (["a/line/0000.png", "b/line/0000.png"], "files from several shots (a, b): choose one shot folder"),
    (["s/line/0000.png", "s/line/0000.jpg"], "s/line/0000.jpg: a second file for frame 0000 in line/"),
    (["s/color/0000.png", "s/truth/0000.png"], "no line art: a shot folder holds line/"),
    ([], "no line art: a shot folder holds line/"),
])
def test_a_files_set_that_is_not_a_shot_is_refused_in_one_line(paths, message):
    error = _call("shot.js", "shotFromFiles", _entries(*paths))["error"]
    assert error.startswith(message) and "\n" not in error


@pytest.mark.parametrize("target, expected", [
    ("0000", ["0000"]),  # a keyframe itself
    ("0001", ["0000", "0003"]),  # nearer before
    ("0002", ["0003", "0000"]),  # nearer after: it goes first, as Python's keyframes_nearest_first
    ("0005", ["0003"]),  # after the last keyframe
])
def test_nearest_keyframes_come_nearer_first(target, expected):
    frames = ["0000", "0001", "0002", "0003", "0004", "0005"]
    assert _call("colorize.js", "nearestKeyframes", frames, ["0003", "0000"], target)["result"] == expected


def test_on_a_tie_the_earlier_keyframe_goes_first():
    frames = ["0", "1", "2"]
    assert _call("colorize.js", "nearestKeyframes", frames, ["2", "0"], "1")["result"] == ["0", "2"]
