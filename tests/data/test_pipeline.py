import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from lineart_color.data.distance import distance_field
from lineart_color.data.images import read_image
from lineart_color.data.pipeline import TripletConfig, decode_frame, to_grey, triplet_dataset
from lineart_color.data.shots import frame_names, write_shot
from lineart_color.errors import UserError

SMALL = TripletConfig(height=24, width=40, max_spacing=2, moji_size=48, seed=3)


def _first(source, batch_size=2, config=SMALL):
    return {key: value.numpy() for key, value in next(iter(triplet_dataset(source, batch_size, config))).items()}


def _numbered_shot(folder, frames, height=30, width=50):
    """Flat grey frames whose brightness encodes the frame number: t / 20."""
    names = frame_names(frames)
    colors = [np.full((height, width, 3), t / 20, np.float32) for t in range(frames)]
    lines = [np.ones((height, width), np.float32) for _ in range(frames)]
    return write_shot(folder, names, lines, dict(zip(names, colors)))


@pytest.mark.parametrize("source", ["folder", "moji"])
def test_batches_have_the_documented_shapes(tmp_path, make_shot, source):
    if source == "folder":
        make_shot(frames=5)
        source = tmp_path
    batch = _first(source, batch_size=3)
    assert batch["line"].shape == (3, 3, 24, 40, 1)
    assert batch["distance"].shape == (3, 3, 24, 40, 1)
    assert batch["color"].shape == (3, 3, 24, 40, 3)
    for value in batch.values():
        assert value.dtype == np.float32 and value.min() >= 0.0 and value.max() <= 1.0
    assert (batch["line"] < 0.5).any()


@pytest.mark.parametrize("source", ["folder", "moji"])
def test_same_seed_same_stream_other_seed_differs(tmp_path, make_shot, source):
    if source == "folder":
        make_shot(frames=6)
        source = tmp_path
    first, again = _first(source), _first(source)
    other = _first(source, config=TripletConfig(height=24, width=40, max_spacing=2, moji_size=48, seed=4))
    for key in first:
        np.testing.assert_array_equal(first[key], again[key])
    assert any(not np.array_equal(first[key], other[key]) for key in first)


def test_augmentation_is_identical_across_frames_and_channels(tmp_path):
    color = np.ones((44, 70, 3), np.float32)
    color[8:30, 10:25] = (0.9, 0.3, 0.1)  # a drawing away from the centre, so flips and crops show
    color[12:14, 10:60] = 0.0
    line = color @ np.array([0.299, 0.587, 0.114], np.float32)  # line art = grey of the colour frame
    names = frame_names(4)
    write_shot(tmp_path / "still", names, [line] * 4, {name: color for name in names})
    config = TripletConfig(height=32, width=48, max_spacing=2, max_zoom=1.6, seed=1)
    for batch in triplet_dataset(tmp_path, 4, config).take(2):
        colors, lines = batch["color"].numpy(), batch["line"].numpy()
        np.testing.assert_allclose(colors[:, 0], colors[:, 1], atol=1e-6)  # every frame moved alike
        np.testing.assert_allclose(colors[:, 2], colors[:, 1], atol=1e-6)
        # Resizing is linear, so if line and colour were cropped and flipped alike, line = grey(colour).
        np.testing.assert_allclose(lines, to_grey(colors).numpy(), atol=2 / 255)
        assert colors.std() > 0.1


def test_distance_is_the_field_of_the_augmented_line(tmp_path, make_shot):
    make_shot(frames=5)
    batch = _first(tmp_path)
    for line, field in zip(batch["line"].reshape(-1, 24, 40), batch["distance"].reshape(-1, 24, 40)):
        np.testing.assert_allclose(field, distance_field(line, SMALL.reach), atol=1e-6)


def test_triplets_are_ordered_and_spaced(tmp_path):
    _numbered_shot(tmp_path / "numbers", frames=12)
    config = TripletConfig(height=16, width=16, min_spacing=1, max_spacing=3, seed=0)
    batch = next(iter(triplet_dataset(tmp_path, 64, config)))
    frame = np.rint(batch["color"].numpy()[..., 0].mean(axis=(2, 3)) * 20).astype(int)  # [64, 3]
    before, target, after = frame[:, 0], frame[:, 1], frame[:, 2]
    assert np.all((1 <= target - before) & (target - before <= 3))
    assert np.all((1 <= after - target) & (after - target <= 3))
    assert before.min() == 0 and after.max() == 11  # the whole shot is used
    assert len(set(target)) >= 8


def test_any_shot_resolution(tmp_path):
    _numbered_shot(tmp_path / "small", frames=3, height=10, width=14)  # smaller than the crop
    _numbered_shot(tmp_path / "wide", frames=3, height=120, width=300)
    batch = _first(tmp_path, batch_size=8)
    assert batch["color"].shape == (8, 3, 24, 40, 3)


def test_too_short_shots_are_refused(tmp_path, make_shot):
    make_shot(frames=2)
    with pytest.raises(UserError, match="no shot has 3 or more coloured frames"):
        triplet_dataset(tmp_path, 1, SMALL)


def test_bad_config_is_refused():
    with pytest.raises(ValueError, match="min_spacing"):
        TripletConfig(min_spacing=3, max_spacing=2)
    with pytest.raises(ValueError, match="batch_size"):
        triplet_dataset("moji", 0)


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P", "L", "I;16", "RGB-jpeg"])
def test_graph_decoding_matches_read_image(tmp_path, mode):
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (9, 13, 4), dtype=np.uint8)
    path = tmp_path / ("f.jpg" if mode == "RGB-jpeg" else "f.png")
    if mode == "I;16":
        Image.fromarray((pixels[..., 0].astype(np.uint16) * 257)).save(path)
    elif mode == "RGB-jpeg":
        Image.fromarray(pixels[..., :3], "RGB").save(path, quality=95)
    elif mode == "P":
        Image.fromarray(pixels[..., :3], "RGB").convert("P").save(path)
    else:
        Image.fromarray(pixels, "RGBA").convert(mode).save(path)
    decoded = decode_frame(tf.io.read_file(str(path))).numpy()
    tolerance = (8 if mode == "RGB-jpeg" else 1.5) / 255  # libjpeg builds differ in their IDCT
    np.testing.assert_allclose(decoded, read_image(path), atol=tolerance)
    np.testing.assert_allclose(to_grey(decoded).numpy()[..., 0], read_image(path, "L"), atol=tolerance)
