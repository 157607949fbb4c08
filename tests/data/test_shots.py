import shutil

import pytest
from PIL import Image

from lineart_color.data.shots import list_dataset, natural_key, read_shot
from lineart_color.errors import UserError


def test_reads_a_valid_shot(make_shot):
    shot = read_shot(make_shot(frames=4, keyframes=[0, 3], truth=True))
    assert shot.names == ("0000", "0001", "0002", "0003")
    assert shot.keyframes == ("0000", "0003")
    assert shot.size == (56, 40)
    assert shot.line("0001").shape == (40, 56)
    assert shot.color("0003").shape == (40, 56, 3)
    assert shot.truth("0002").shape == (40, 56, 3)


def test_frames_sort_naturally(tmp_path):
    (tmp_path / "s" / "line").mkdir(parents=True)
    for name in ("10", "2", "1"):
        Image.new("L", (8, 8), 255).save(tmp_path / "s" / "line" / f"{name}.png")
    assert read_shot(tmp_path / "s").names == ("1", "2", "10")
    assert sorted(["a10", "a9"], key=natural_key) == ["a9", "a10"]


def _expect_error(path, *fragments):
    with pytest.raises(UserError) as caught:
        read_shot(path)
    message = str(caught.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, message
    return message


def test_missing_shot_folder(tmp_path):
    _expect_error(tmp_path / "nope", str(tmp_path / "nope"), "no such shot folder")


def test_missing_line_folder(tmp_path):
    (tmp_path / "s" / "color").mkdir(parents=True)
    _expect_error(tmp_path / "s", str(tmp_path / "s" / "line"), "missing folder")


def test_no_frames(tmp_path):
    (tmp_path / "s" / "line").mkdir(parents=True)
    (tmp_path / "s" / "line" / "notes.txt").write_text("not a frame")
    _expect_error(tmp_path / "s", "no frames")


def test_colour_frame_without_line_art(make_shot):
    path = make_shot(frames=3)
    (path / "line" / "0002.png").unlink()
    _expect_error(path, str(path / "color" / "0002.png"), "no line art")


def test_truth_missing_a_frame(make_shot):
    path = make_shot(frames=3, keyframes=[0], truth=True)
    (path / "truth" / "0001.png").unlink()
    _expect_error(path, str(path / "truth" / "0001.png"), "missing ground truth")


def test_mismatched_sizes(make_shot):
    path = make_shot(frames=3)
    Image.new("RGB", (30, 20), "white").save(path / "color" / "0001.png")
    _expect_error(path, str(path / "color" / "0001.png"), "30x20", "56x40")


def test_corrupt_image(make_shot):
    path = make_shot(frames=3)
    (path / "line" / "0001.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    _expect_error(path, str(path / "line" / "0001.png"), "not a readable image")


def test_a_truncated_image_is_found_by_the_shot_check(make_shot):
    path = make_shot(frames=3)
    data = (path / "color" / "0001.png").read_bytes()
    (path / "color" / "0001.png").write_bytes(data[: len(data) // 2])  # the header is intact
    with pytest.raises(UserError, match="0001.png: not a readable image"):
        read_shot(path)


def test_wrong_mode(make_shot):
    path = make_shot(frames=2)
    (path / "line" / "0001.png").unlink()
    Image.new("CMYK", (56, 40)).save(path / "line" / "0001.jpg")
    shot = read_shot(path)
    with pytest.raises(UserError, match=r"0001.jpg: unsupported image mode 'CMYK'"):
        shot.line("0001")


def test_two_files_for_one_frame(make_shot):
    path = make_shot(frames=2)
    shutil.copy(path / "line" / "0001.png", path / "line" / "0001.jpg")
    _expect_error(path, "two files for frame '0001'")


def test_a_pipe_or_folder_named_like_a_frame_is_refused_without_waiting(make_shot):
    import os

    path = make_shot(frames=2)
    (path / "line" / "0001.png").unlink()
    os.mkfifo(path / "line" / "0001.png")  # opening it to read would wait for a writer forever
    _expect_error(path, "0001.png: not a regular image file")
    (path / "line" / "0001.png").unlink()
    (path / "line" / "0001.png").mkdir()
    _expect_error(path, "0001.png: not a regular image file")


def test_require_keyframes(make_shot):
    shot = read_shot(make_shot(frames=3, keyframes=[]))
    with pytest.raises(UserError, match="needs at least 1 coloured frame"):
        shot.require_keyframes()


def test_list_dataset(tmp_path, make_shot):
    first, second = make_shot(), make_shot()
    assert list_dataset(tmp_path) == [first, second]
    assert list_dataset(first) == [first]
    with pytest.raises(UserError, match="no shot folders"):
        list_dataset(first / "line")
    with pytest.raises(UserError, match="no such dataset folder"):
        list_dataset(tmp_path / "missing")
