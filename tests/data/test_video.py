"""video_to_shots on a tiny hand-made mp4 of three scenes, and the `data video` command."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from lineart_color.cli import main
from lineart_color.data import video as video_module
from lineart_color.data.shots import read_shot
from lineart_color.data.video import (
    VideoOptions,
    color_histogram,
    even_size,
    histogram_distance,
    split_shots,
    video_to_shots,
)
from lineart_color.errors import UserError

WIDTH, HEIGHT, FPS = 96, 64, 10
WHITE, YELLOW, GREEN = (1.0, 1.0, 1.0), (1.0, 1.0, 0.0), (0.0, 0.6, 0.0)

# (background RGB, frame count) of each scene, in order; 28 frames in all.
SCENES = [(WHITE, 9), (YELLOW, 7), (GREEN, 12)]


def scene_frame(scene: int, t: int) -> tuple[np.ndarray, np.ndarray]:
    """(RGB uint8 frame, boolean mask of the moving shape) for frame t of a scene."""
    background, _ = SCENES[scene]
    rgb = np.empty((HEIGHT, WIDTH, 3), np.uint8)
    rgb[:] = np.round(np.array(background) * 255)
    ys, xs = np.mgrid[:HEIGHT, :WIDTH]
    if scene == 0:  # red disc moving right
        mask = (xs - (20 + 4 * t)) ** 2 + (ys - 32) ** 2 <= 12**2
        rgb[mask] = (255, 0, 0)
    elif scene == 1:  # blue rectangle moving down-right
        mask = (xs >= 10 + 5 * t) & (xs < 40 + 5 * t) & (ys >= 8 + 2 * t) & (ys < 30 + 2 * t)
        rgb[mask] = (0, 0, 255)
    else:  # black vertical bar moving right
        mask = (xs >= 8 + 6 * t) & (xs < 12 + 6 * t) & (ys >= 6) & (ys < 58)
        rgb[mask] = (0, 0, 0)
    return rgb, mask


def all_frames() -> list[tuple[np.ndarray, np.ndarray]]:
    return [scene_frame(scene, t) for scene, (_, count) in enumerate(SCENES) for t in range(count)]


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    path = tmp_path_factory.mktemp("video") / "scenes.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), FPS, (WIDTH, HEIGHT))
    assert writer.isOpened(), "this OpenCV cannot write mp4v"
    for rgb, _ in all_frames():
        writer.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    writer.release()
    return path


def shot_lengths(paths) -> list[int]:
    return [len(read_shot(path).names) for path in paths]


def background(color: np.ndarray) -> np.ndarray:
    """Median colour: the background, since it covers most of every frame."""
    return np.median(color.reshape(-1, 3), axis=0)


# --- pure pieces -------------------------------------------------------------------------


def test_histogram_is_normalised_and_distance_spans_zero_to_one():
    white, black = np.ones((8, 12, 3), np.float32), np.zeros((8, 12, 3), np.float32)
    assert color_histogram(white).sum() == pytest.approx(1.0)  # white (1.0) falls in a bin
    assert histogram_distance(color_histogram(white), color_histogram(white)) == 0.0
    assert histogram_distance(color_histogram(white), color_histogram(black)) == pytest.approx(1.0)
    half = white.copy()
    half[:, :6] = 0.0
    assert histogram_distance(color_histogram(half), color_histogram(white)) == pytest.approx(0.5)


def test_split_shots_cuts_above_threshold_only():
    distances = [0.0, 0.1, 0.9, 0.2, 0.35, 0.36, 0.0, 0.0]
    pieces = list(split_shots(zip(distances, range(8)), threshold=0.35, min_length=1, max_length=64))
    assert pieces == [[0, 1], [2, 3, 4], [5, 6, 7]]  # 0.35 itself does not cut


def test_split_shots_splits_long_and_drops_short():
    distances = [0.0] * 10 + [1.0] + [0.0] * 2 + [1.0] + [0.0] * 5  # shots of 10, 3 and 6 items
    pieces = list(split_shots(zip(distances, range(19)), threshold=0.5, min_length=3, max_length=4))
    # 10 -> 4, 4, (2 dropped); 3 -> 3; 6 -> 4, (2 dropped)
    assert pieces == [[0, 1, 2, 3], [4, 5, 6, 7], [10, 11, 12], [13, 14, 15, 16]]


def test_even_size_keeps_aspect_and_rounds_to_even():
    assert even_size(96, 64, 32) == (48, 32)
    assert even_size(64, 96, 40) == (40, 60)
    assert even_size(96, 64, 33) == (50, 34)  # 49.5 and 33 round up to even


def test_options_refuse_nonsense():
    with pytest.raises(ValueError):
        VideoOptions(min_length=10, max_length=5)
    with pytest.raises(ValueError):
        VideoOptions(lines="crayon")


# --- the video ---------------------------------------------------------------------------


def test_three_scenes_become_three_shots(video, tmp_path):
    out = tmp_path / "out"
    paths = video_to_shots(video, out, VideoOptions())
    assert [path.name for path in paths] == ["shot_0000", "shot_0001", "shot_0002"]
    assert sorted(out.iterdir()) == paths
    assert shot_lengths(paths) == [count for _, count in SCENES]

    frames = iter(all_frames())
    for path, (expected_background, _) in zip(paths, SCENES):
        shot = read_shot(path)
        assert shot.keyframes == shot.names  # every frame has its colour
        assert shot.size == (WIDTH, HEIGHT)
        for name in shot.names:
            color, line = shot.color(name), shot.line(name)
            assert np.abs(background(color) - expected_background).max() < 0.08
            assert line.shape == color.shape[:2]
            _, mask = next(frames)
            dark = line < 0.5
            assert line.mean() > 0.8 and dark.sum() >= 20  # white paper with some lines
            # Lines sit on the shape's outline, give or take compression blur.
            edge = cv2.dilate(mask.astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
            edge &= ~(cv2.erode(mask.astype(np.uint8), np.ones((7, 7), np.uint8)) > 0)
            assert dark[edge].sum() >= 0.95 * dark.sum()


def test_stride_keeps_every_other_frame(video, tmp_path):
    # Frames 0, 2, 4, ... are kept: scenes of 9, 7, 12 frames keep 5, 3 (frames 10, 12, 14), 6.
    paths = video_to_shots(video, tmp_path / "out", VideoOptions(stride=2, min_length=2))
    assert shot_lengths(paths) == [5, 3, 6]


def test_size_sets_the_shorter_side(video, tmp_path):
    paths = video_to_shots(video, tmp_path / "out", VideoOptions(size=40))
    assert len(paths) == 3
    for path in paths:
        shot = read_shot(path)
        assert shot.size == (60, 40)
        assert shot.line(shot.names[0]).shape == (40, 60)


def test_max_length_splits_and_drops_short_tails(video, tmp_path):
    paths = video_to_shots(video, tmp_path / "out", VideoOptions(min_length=3, max_length=5))
    # 9 -> 5, 4; 7 -> 5, (2 dropped); 12 -> 5, 5, (2 dropped)
    assert shot_lengths(paths) == [5, 4, 5, 5, 5]
    assert [path.name for path in paths] == [f"shot_{index:04d}" for index in range(5)]


def test_min_length_drops_a_short_scene(video, tmp_path):
    paths = video_to_shots(video, tmp_path / "out", VideoOptions(min_length=8))
    assert shot_lengths(paths) == [9, 12]
    last = read_shot(paths[1])
    assert np.abs(background(last.color(last.names[0])) - GREEN).max() < 0.08


def test_no_surviving_shot_leaves_nothing(video, tmp_path):
    with pytest.raises(UserError, match="--min-length"):
        video_to_shots(video, tmp_path / "out", VideoOptions(min_length=13))
    assert list(tmp_path.iterdir()) == []


# --- the command -------------------------------------------------------------------------


def test_cli_writes_shots(video, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["data", "video", str(video), str(out), "--lines", "highpass", "--binary", "--size", "32"])
    assert code == 0
    assert "wrote 3 shots" in capsys.readouterr().out
    shot = read_shot(out / "shot_0002")
    assert shot.size == (48, 32)
    assert set(np.unique(shot.line(shot.names[0]))) <= {0.0, 1.0}


def _expect_cli_error(args, tmp_path, capsys, *fragments):
    assert main(["data", "video", *map(str, args)]) == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    for fragment in fragments:
        assert fragment in error, error
    assert [entry for entry in tmp_path.iterdir() if ".partial-" in entry.name] == []
    return error


def test_cli_missing_input(tmp_path, capsys):
    missing = tmp_path / "missing.mp4"
    _expect_cli_error([missing, tmp_path / "out"], tmp_path, capsys, str(missing), "no such file")
    assert not (tmp_path / "out").exists()


def test_cli_not_a_video(tmp_path, capsys):
    garbage = tmp_path / "x.mp4"
    garbage.write_bytes(b"this is not a video at all\n" * 40)
    _expect_cli_error([garbage, tmp_path / "out"], tmp_path, capsys, str(garbage), "cannot be opened as a video")
    assert not (tmp_path / "out").exists()


def test_cli_non_empty_out(video, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    _expect_cli_error([video, out], tmp_path, capsys, str(out), "not empty")
    assert [entry.name for entry in out.iterdir()] == ["keep.txt"]


def test_cli_no_shot_long_enough(video, tmp_path, capsys):
    error = _expect_cli_error([video, tmp_path / "out", "--min-length", "13"], tmp_path, capsys, str(video))
    assert "--min-length" in error and "--threshold" in error
    assert not (tmp_path / "out").exists()


def test_video_without_frames_leaves_nothing(video, tmp_path, monkeypatch):
    # OpenCV will not open an mp4 with no frames, so stand in a reader that yields none.
    monkeypatch.setattr(video_module, "read_frames", lambda *args: iter(()))
    with pytest.raises(UserError, match="no frames"):
        video_to_shots(video, tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("flags, message", [(["--threshold", "2"], "argument --threshold: must be between 0 and 1"),
                                            (["--size", "20000"], "--size must be at most 4320 pixels")])
def test_cli_meaningless_threshold_and_oversized_frames_are_refused(video, tmp_path, capsys, flags, message):
    from lineart_color.cli import main

    try:
        code = main(["data", "video", str(video), str(tmp_path / "out"), *flags])
    except SystemExit as stop:  # argparse's own flag errors
        code = stop.code
    assert code == 2 and message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_learned_lines_come_from_the_line_model(video, tmp_path, capsys):
    import keras

    from lineart_color.commands.data import line_extractor
    from lineart_color.models.cyclegan import CycleGAN

    keras.utils.set_random_seed(7)
    network = CycleGAN(paint_widths=(8, 16), scan_widths=(8, 16)).ensure_built()
    model = tmp_path / "lines.keras"
    network.save(model)
    out = tmp_path / "out"
    assert main(["data", "video", str(video), str(out), "--lines", "learned", "--line-model", str(model),
                 "--size", "32"]) == 0
    shot = read_shot(out / "shot_0000")
    name = shot.names[1]
    expected = line_extractor(network)(shot.color(name))  # from the 8-bit frame, so within a few levels
    assert np.abs(shot.line(name) - expected).max() < 0.05
    _expect_cli_error([video, tmp_path / "x", "--line-model", model], tmp_path, capsys,
                      "--line-model: only with --lines learned")
    _expect_cli_error([video, tmp_path / "y", "--lines", "learned", "--line-model", tmp_path / "none.keras"],
                      tmp_path, capsys, "none.keras", "no such model file")
