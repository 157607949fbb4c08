"""`lineart-color colorize` end to end on tiny shots, with every bad input it must refuse."""

import numpy as np
import pytest
from PIL import Image

from lineart_color.cli import main
from lineart_color.data.images import read_image, write_image
from lineart_color.data.shots import frame_names, write_shot
from drawings import two_boxes


@pytest.fixture(scope="module")
def model_files(tmp_path_factory):
    """Untrained small colour and temporal networks saved as .keras files."""
    import keras

    from lineart_color.models.color_transform import ColorTransformNetwork
    from lineart_color.models.temporal import TemporalConstraintNetwork

    keras.utils.set_random_seed(0)
    folder = tmp_path_factory.mktemp("models")
    ctn = ColorTransformNetwork("small", name="ctn").ensure_built()
    ctn.save(folder / "ctn.keras")
    tcn = TemporalConstraintNetwork("small", name="tcn")
    tcn(np.zeros((1, 3, 16, 16, 4), np.float32))
    tcn.delta_scale.assign(0.5)  # a fresh network's correction is 0; switch it on so the refinement shows
    tcn.save(folder / "tcn.keras")
    (folder / "broken.keras").write_text("not a model")
    return folder


def box_shot(folder, frames=5, keyframes=(0, 4), height=30, width=44, step=1):
    """Two outlined boxes moving right by `step` px a frame; truth for every frame."""
    names = frame_names(frames)
    pairs = [two_boxes(height, width, left_a=3 + step * t, left_b=24 + step * t) for t in range(frames)]
    colours = {names[i]: pairs[i][1] for i in keyframes}
    return write_shot(folder, names, [line for line, _ in pairs], colours, [colour for _, colour in pairs])


def written(out):
    return sorted(path.name for path in out.iterdir())


def leftovers(parent):
    return [path.name for path in parent.iterdir() if ".partial" in path.name]


def test_nearest_copies_keyframes_and_fills_every_frame(tmp_path, capsys):
    shot, out = box_shot(tmp_path / "shot"), tmp_path / "out"
    assert main(["colorize", str(shot), "--out", str(out), "--method", "nearest", "--no-keep-lines"]) == 0
    assert written(out) == [f"{name}.png" for name in frame_names(5)]
    np.testing.assert_array_equal(read_image(out / "0001.png"), read_image(shot / "color" / "0000.png"))
    np.testing.assert_array_equal(read_image(out / "0003.png"), read_image(shot / "color" / "0004.png"))
    assert "3/3 frames" in capsys.readouterr().err  # progress over the frames to colour


@pytest.mark.parametrize("method", ["bucket", "nearest"])
def test_flat_and_bucket_recover_the_known_answer(tmp_path, method):
    """Boxes move 1 px a frame: each region's one right colour is known, and --flat must find it."""
    shot, out = box_shot(tmp_path / "shot"), tmp_path / "out"
    assert main(["colorize", str(shot), "--out", str(out), "--method", method, "--flat"]) == 0
    for name in frame_names(5):
        line = read_image(shot / "line" / f"{name}.png", "L")
        inside = line > 0.5
        np.testing.assert_allclose(read_image(out / f"{name}.png")[inside],
                                   read_image(shot / "truth" / f"{name}.png")[inside], atol=1 / 255)


@pytest.mark.slow
def test_network_colours_any_frame_size_and_keeps_keyframes(tmp_path, model_files):
    shot = box_shot(tmp_path / "shot", frames=4, keyframes=(0,), height=27, width=45)  # not multiples of 8
    out = tmp_path / "out"
    assert main(["colorize", str(shot), "--out", str(out), "--method", "ctn",
                 "--model", str(model_files / "ctn.keras"), "--batch-size", "2"]) == 0
    frames = [read_image(out / f"{name}.png") for name in frame_names(4)]
    assert all(frame.shape == (27, 45, 3) for frame in frames)
    np.testing.assert_array_equal(frames[0], read_image(shot / "color" / "0000.png"))


def test_large_frames_go_to_the_network_fewer_at_a_time(tmp_path, model_files, monkeypatch):
    from lineart_color import colorizers

    assert colorizers.frames_per_call(4, 256, 256) == 4
    assert colorizers.frames_per_call(4, 1024, 1024) == 1 and colorizers.frames_per_call(4, 1080, 1920) == 1
    assert colorizers.frames_per_call(4, 512, 512) == 4 and colorizers.frames_per_call(4, 600, 600) == 2
    monkeypatch.setattr(colorizers, "BATCH_PIXELS", 2 * 32 * 48)  # room for two 27x45 frames padded to 32x48
    calls = []
    colour_batch = colorizers.NetworkColorizer.colour_batch
    monkeypatch.setattr(colorizers.NetworkColorizer, "colour_batch",
                        lambda self, inputs: calls.append(len(inputs[0])) or colour_batch(self, inputs))
    shot = box_shot(tmp_path / "shot", frames=6, keyframes=(0,), height=27, width=45)
    assert main(["colorize", str(shot), "--out", str(tmp_path / "out"), "--method", "ctn",
                 "--model", str(model_files / "ctn.keras"), "--batch-size", "4"]) == 0
    assert calls == [2, 2, 1]


@pytest.mark.slow
def test_temporal_refinement_and_a_dataset_of_shots(tmp_path, model_files):
    dataset = tmp_path / "shots"
    box_shot(dataset / "a", frames=3, keyframes=(0, 2), height=32, width=48)
    box_shot(dataset / "b", frames=4, keyframes=(1,), height=24, width=48)
    out = tmp_path / "out"
    assert main(["colorize", str(dataset), "--out", str(out), "--method", "ctn+tcn", "--no-keep-lines",
                 "--model", str(model_files / "ctn.keras"), "--temporal", str(model_files / "tcn.keras")]) == 0
    assert written(out / "a") == ["0000.png", "0001.png", "0002.png"]
    assert read_image(out / "b" / "0003.png").shape == (24, 48, 3)
    # each written frame is the serving graph of both networks on that frame's inputs (keyframe 1 twice)
    from lineart_color.colorizers import FrameInputs, stack_inputs
    from lineart_color.data.shots import read_shot
    from lineart_color.models.files import load_network
    from lineart_color.serving_graph import OUTPUT_NAME, make_colorize_fn

    graph = make_colorize_fn(load_network(model_files / "ctn.keras", "ctn"), load_network(model_files / "tcn.keras", "tcn"),
                             lines=False)  # as --no-keep-lines
    for shot_name, frame, size in (("b", "0003", (24, 48)), ("a", "0001", (32, 48))):
        inputs = stack_inputs([FrameInputs(read_shot(dataset / shot_name), frame)])
        expected = np.clip(np.asarray(graph(*inputs)[OUTPUT_NAME])[0, : size[0], : size[1]], 0, 1)
        np.testing.assert_allclose(read_image(out / shot_name / f"{frame}.png"), expected, atol=1 / 255 + 1e-6)


def test_the_network_sees_the_nearest_keyframe_before_and_after(tmp_path):
    from lineart_color.colorizers import FrameInputs
    from lineart_color.data.shots import read_shot

    shot = read_shot(box_shot(tmp_path / "shot", frames=7, keyframes=(1, 5), height=24, width=48))
    assert shot.nearest_keyframes("0000") == ("0001",)
    assert shot.nearest_keyframes("0003") == ("0001", "0005")
    assert shot.nearest_keyframes("0005") == ("0005",)
    inputs = FrameInputs(shot, "0006")  # only a keyframe before: it is given twice
    np.testing.assert_array_equal(inputs.ref_color[0], inputs.ref_color[1])
    assert inputs.line.shape == (24, 48, 1) and inputs.ref_line.shape == (2, 24, 48, 1)


def corrupt_png(shot):
    (shot / "line" / "0002.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")


def resized_line(shot):
    write_image(shot / "line" / "0001.png", np.ones((10, 10)))


def truncated_pixels(shot):
    """A line frame whose header is fine and whose pixel data stops half-way."""
    data = (shot / "line" / "0003.png").read_bytes()
    (shot / "line" / "0003.png").write_bytes(data[: len(data) // 2])


def _chunk(kind: bytes, body: bytes) -> bytes:
    import struct
    import zlib

    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def decompression_bomb(shot):
    """A PNG of a few bytes whose header claims 60000x60000 pixels."""
    import struct
    import zlib

    header = _chunk(b"IHDR", struct.pack(">IIBBBBB", 60000, 60000, 8, 0, 0, 0, 0))
    (shot / "line" / "0001.png").write_bytes(b"\x89PNG\r\n\x1a\n" + header
                                             + _chunk(b"IDAT", zlib.compress(bytes(3000))) + _chunk(b"IEND", b""))


def no_keyframes(shot):
    for path in (shot / "color").iterdir():
        path.unlink()


@pytest.mark.parametrize("damage, message", [
    (no_keyframes, "needs at least 1 coloured frame"),
    (resized_line, "size 10x10 differs"),
    (corrupt_png, "0002.png: "),
    (truncated_pixels, "0003.png: not a readable image"),
    (decompression_bomb, "0001.png: 60000x60000 is 3,600,000,000 pixels, above the limit of 67,108,864 a frame"),
])
def test_bad_shots_fail_with_one_line_and_write_nothing(tmp_path, capsys, damage, message):
    shot = box_shot(tmp_path / "shot")
    damage(shot)
    # nearest reads no line art, yet the shot check decodes every frame
    assert main(["colorize", str(shot), "--out", str(tmp_path / "out"), "--method", "nearest"]) == 2
    error = capsys.readouterr().err.strip()
    assert message in error and len(error.splitlines()) == 1 and error.startswith("lineart-color: error:")
    assert not (tmp_path / "out").exists() and not leftovers(tmp_path)


def test_unwritable_or_used_out_is_refused(tmp_path, capsys):
    shot = box_shot(tmp_path / "shot")
    (tmp_path / "a_file").write_text("x")
    assert main(["colorize", str(shot), "--out", str(tmp_path / "a_file" / "out"), "--method", "bucket"]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "keep.txt").write_text("x")
    assert main(["colorize", str(shot), "--out", str(tmp_path / "used"), "--method", "bucket"]) == 2
    assert "already exists and is not empty" in capsys.readouterr().err
    assert written(tmp_path / "used") == ["keep.txt"]


@pytest.mark.parametrize("model, message", [
    ("broken.keras", "broken.keras: not a loadable Keras model file"),
    ("tcn.keras", "tcn.keras: holds a TemporalConstraintNetwork, but --model needs a Colour Transform Network"),
    ("missing.keras", "missing.keras: no such model file"),
])
def test_bad_model_files_are_refused_before_any_work(tmp_path, capsys, model_files, model, message):
    shot = box_shot(tmp_path / "shot")
    assert main(["colorize", str(shot), "--out", str(tmp_path / "out"), "--method", "ctn",
                 "--model", str(model_files / model)]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_model_file_with_a_huge_config_is_refused_before_it_is_read(tmp_path, capsys):
    import zipfile

    huge = tmp_path / "huge.keras"
    with zipfile.ZipFile(huge, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.json", " " * (20 * 1024 * 1024))  # 20 MB of spaces, 20 kB on disk
    shot = box_shot(tmp_path / "shot")
    assert main(["colorize", str(shot), "--out", str(tmp_path / "out"), "--method", "ctn", "--model", str(huge)]) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and "config.json is 20,971,520 bytes, far beyond any model's" in error[0]


def test_flag_mistakes(tmp_path, capsys):
    shot = box_shot(tmp_path / "shot")
    assert main(["colorize", str(shot), "--out", str(tmp_path / "o"), "--method", "bucket", "--model", "x"]) == 2
    assert "--method bucket uses no network" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["colorize", str(shot), "--out", str(tmp_path / "o"), "--method", "magic"])
    assert main(["colorize", str(tmp_path / "nowhere"), "--out", str(tmp_path / "o")]) == 2
    assert "nowhere: no such dataset folder" in capsys.readouterr().err
    assert main(["colorize", str(shot), "--out", str(tmp_path / "o"), "--method", "match", "--jit"]) == 2
    assert "--jit: --method match uses no network to compile" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_snap_keeps_exact_paints_and_excludes_flat(tmp_path, capsys):
    shot = box_shot(tmp_path / "shot")
    assert main(["colorize", str(shot), "--out", str(tmp_path / "snap"), "--method", "bucket", "--snap"]) == 0
    assert "with bucket+snap" in capsys.readouterr().out
    for name in frame_names(5):  # the bucket's output is already keyframe paint: snapping changes nothing
        np.testing.assert_allclose(read_image(tmp_path / "snap" / f"{name}.png"),
                                   read_image(shot / "truth" / f"{name}.png"), atol=1 / 255)
    with pytest.raises(SystemExit):
        main(["colorize", str(shot), "--out", str(tmp_path / "o"), "--flat", "--snap"])
    assert "not allowed with argument" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_a_grey_keyframe_png_is_read_as_colour(tmp_path):
    shot = box_shot(tmp_path / "shot")
    Image.open(shot / "color" / "0000.png").convert("L").save(shot / "color" / "0000.png")
    assert main(["colorize", str(shot), "--out", str(tmp_path / "out"), "--method", "nearest"]) == 0
    assert read_image(tmp_path / "out" / "0001.png").shape == (30, 44, 3)


def test_max_pixels_lowers_and_raises_the_frame_limit(tmp_path, capsys):
    shot = box_shot(tmp_path / "shot")  # 44x30 frames: 1320 pixels
    assert main(["colorize", str(shot), "--out", str(tmp_path / "a"), "--method", "nearest", "--max-pixels", "1319"]) == 2
    assert "44x30 is 1,320 pixels, above the limit of 1,319 a frame; --max-pixels raises it" in capsys.readouterr().err
    assert main(["colorize", str(shot), "--out", str(tmp_path / "b"), "--method", "nearest", "--max-pixels", "1320"]) == 0


def test_a_full_disk_is_one_line_and_leaves_nothing(tmp_path, capsys, monkeypatch):
    import errno

    import lineart_color.data.images as images_module

    shot = box_shot(tmp_path / "shot")
    written = []

    def fill_up(path, array, made_by=None):
        if written:
            raise OSError(errno.ENOSPC, "No space left on device")
        write_image(path, array, made_by)
        written.append(path)

    monkeypatch.setattr(images_module, "write_image", fill_up)  # colorize imports it when it runs
    assert main(["colorize", str(shot), "--out", str(tmp_path / "out"), "--method", "nearest"]) == 2
    error = capsys.readouterr().err.strip()  # progress lines, then the error
    assert error.splitlines()[-1].endswith("writing --out failed (No space left on device); nothing was kept")
    assert "Traceback" not in error and not (tmp_path / "out").exists() and not leftovers(tmp_path)


def test_the_bucket_takes_line_colour_from_the_nearer_keyframe(tmp_path):
    from lineart_color.colorizers import PaintBucket
    from lineart_color.data.shots import read_shot

    shot_path = box_shot(tmp_path / "shot", frames=5, keyframes=(0, 4))
    later = read_image(shot_path / "color" / "0004.png")
    lines = read_image(shot_path / "line" / "0004.png", "L") < 0.5
    later[lines] = (0.1, 0.1, 0.8)  # the later keyframe's lines are inked blue
    write_image(shot_path / "color" / "0004.png", later)
    shot = read_shot(shot_path)
    colours = dict(PaintBucket().colour_frames(shot, ["0001", "0003"]))
    near_first, near_last = (read_image(shot_path / "line" / f"{n}.png", "L") < 0.5 for n in ("0001", "0003"))
    assert np.all(colours["0003"][near_last][:, 2] > 0.7)  # nearer the blue-inked keyframe
    assert np.all(colours["0001"][near_first][:, 2] < 0.3)  # nearer the first one


def test_help_promises_only_what_ships(capsys):
    with pytest.raises(SystemExit):
        main(["colorize", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "trained (none ships)" in text  # --temporal: no temporal network is bundled
    assert "default: match, the best on val" in text


def test_match_takes_references_from_outside_the_shot(tmp_path, capsys):
    # the shot's only keyframe shows the boxes 12 px away; a model sheet shows them where the target has
    # them, its first box painted green: the sheet's paint is what explains the target best
    shot = box_shot(tmp_path / "shot", frames=3, keyframes=(0,), height=32, width=64, step=6)
    line, colour = two_boxes(32, 64, left_a=3 + 12, left_b=24 + 12)
    colour[np.isclose(colour, (0.9, 0.1, 0.1)).all(axis=-1)] = (0.1, 0.7, 0.2)
    sheet = write_shot(tmp_path / "sheet", ["pose"], [line], {"pose": colour})
    out = tmp_path / "out"
    assert main(["colorize", str(shot), "--out", str(out), "--method", "match", "--reference", str(sheet)]) == 0
    inside = read_image(out / "0002.png")[10:20, 17:25]  # box A's paint in frame 2
    assert np.mean(np.abs(inside - (0.1, 0.7, 0.2)).max(axis=-1) < 2 / 255) > 0.9
    for argv, expected in ((["--method", "flow", "--reference", str(sheet)], "--reference: only with --method match"),
                           (["--method", "match", "--reference", str(tmp_path)], "not a shot folder"),
                           (["--method", "match", "--reference",
                             str(box_shot(tmp_path / "big", frames=2, keyframes=(0,), height=40, width=64))],
                            "references are 64x40")):
        assert main(["colorize", str(shot), "--out", str(tmp_path / "refused"), *argv]) == 2
        assert expected in capsys.readouterr().err
        assert not (tmp_path / "refused").exists()


@pytest.mark.parametrize("size", [1, 8, 11])
@pytest.mark.parametrize("method", ["flow", "match"])
def test_frames_smaller_than_the_optical_flow_takes_are_coloured(tmp_path, size, method):
    """OpenCV's DIS refuses frames under 12 px (thumbnails, `data video --size 8`): they are padded for it."""
    names = frame_names(3)
    line = np.ones((size, size), np.float32)
    line[size // 2, : max(1, size // 2)] = 0.0
    colour = np.empty((size, size, 3), np.float32)
    colour[:] = (0.9, 0.2, 0.1)
    colour[line < 0.5] = 0.0
    shot = write_shot(tmp_path / "shot", names, [line] * 3, {names[0]: colour, names[2]: colour}, None)
    assert main(["colorize", str(shot), "--out", str(tmp_path / "out"), "--method", method]) == 0
    np.testing.assert_allclose(read_image(tmp_path / "out" / "0001.png"), colour, atol=1 / 255)


def test_the_bundled_chooser_is_given_match_s_region_warps():
    """The bundled corr network was trained on match's candidates (data motion --shapes): colorize must
    give it the same three warps a keyframe, or its learned places would be read wrong."""
    from lineart_color.commands.colorize import make_colorizer

    colourer = make_colorizer("corr")
    assert colourer.region_priors and colourer.priors


def test_xla_compiled_colouring_gives_the_same_frames(tmp_path):
    """--jit compiles the serving graph with XLA (as on a GPU); on this CPU it must colour as without."""
    from lineart_color.commands.colorize import make_colorizer

    assert make_colorizer("corr", jit=True)._colorize._jit_compile  # tf.function's own record of jit_compile
    shot = box_shot(tmp_path / "shot", width=56, step=3)
    for flags, out in (([], "plain"), (["--jit"], "xla")):
        assert main(["colorize", str(shot), "--out", str(tmp_path / out), "--method", "corr", *flags]) == 0
    for frame in sorted((tmp_path / "plain").glob("*.png")):
        plain, xla = read_image(frame), read_image(tmp_path / "xla" / frame.name)
        same = np.abs(plain - xla).max(axis=-1) <= 1 / 255
        assert same.mean() >= 0.999, (frame.name, same.mean())  # hard choices: a tie may fall the other way
