"""The motion cache: rendered training shots with their true motion and flows, made once, read many times."""

import numpy as np
import pytest

from lineart_color.cli import main
from lineart_color.data.correspondence_data import FIELDS, MotionDataConfig, shot_examples
from lineart_color.data.motion_cache import MotionCache, cached_motion_dataset, mirrored
from lineart_color.errors import UserError
from lineart_color.flow import ShotMotion, resize_flow


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    out = tmp_path_factory.mktemp("motion") / "cache"
    assert main(["data", "motion", str(out), "--shots", "2", "--size", "32", "--seed", "4"]) == 0
    return out


def test_the_cache_holds_every_in_between_frame_of_each_shot_as_rendered(cache):
    loaded = MotionCache(cache)
    assert len(loaded) == 2 * 6 and loaded.config.size == 32 and loaded.config.seed == 4
    rendered = shot_examples(MotionDataConfig(size=32, seed=4), 1)
    for target in (0, 5):
        stored = loaded.example(6 + target)
        assert set(stored) == set(FIELDS)
        for name in FIELDS:  # images as bytes, flows as float16
            tolerance = 0.51 / 255 if name in ("line", "color", "ref_line", "ref_color", "visible") else 0.05
            np.testing.assert_allclose(stored[name], rendered[target][name], atol=tolerance, err_msg=name)


def test_the_stream_is_fixed_by_its_seed_and_mirrors_and_crops(cache):
    loaded = MotionCache(cache)
    first = loaded.element(3, seed=1, size=24)
    assert first["line"].shape == (24, 24, 1) and first["priors"].shape == (2, 2, 24, 24, 3)
    for name in FIELDS:
        np.testing.assert_array_equal(first[name], loaded.element(3, seed=1, size=24)[name])
    # each epoch visits every example once
    seen = {loaded.element(i, seed=1)["color"].tobytes() for i in range(12)}
    assert len(seen) == 12
    with pytest.raises(UserError, match="--size: a motion cache of 32 px frames"):
        loaded.element(0, seed=1, size=40)


def test_a_mirrored_example_flips_the_images_and_the_horizontal_motion():
    example = {"line": np.arange(6, dtype=np.float32).reshape(1, 3, 2, 1) * np.ones((2, 1, 1, 1)),
               "flow": np.array([3.0, -2.0], np.float32) * np.ones((2, 3, 2, 2), np.float32),
               "priors": np.array([1.0, 2.0, 0.5], np.float32) * np.ones((2, 2, 3, 2, 3), np.float32)}
    flipped = mirrored(example)
    np.testing.assert_array_equal(flipped["line"][0, :, :, 0], example["line"][0, :, ::-1, 0])
    np.testing.assert_array_equal(flipped["flow"][..., 0], -3.0)
    np.testing.assert_array_equal(flipped["flow"][..., 1], -2.0)
    np.testing.assert_array_equal(flipped["priors"][..., 0], -1.0)  # a prior's dx; its dy and cost stay
    np.testing.assert_array_equal(flipped["priors"][..., 1:], example["priors"][..., 1:])


def test_the_dataset_batches_cache_windows(cache):
    batch = next(iter(cached_motion_dataset(cache, 3, start_index=5, seed=2, size=16)))
    assert batch["priors"].shape == (3, 2, 2, 16, 16, 3) and batch["color"].shape == (3, 16, 16, 3)


@pytest.mark.parametrize("flags, message", [
    (["--source", "moji+paint"], "--source: source must be one of"),
    (["--size", "36"], "--size: size must be a multiple of 8"),
    (["--min-motion", "3", "--max-motion", "2"], "--min-motion: need 0 <= min_motion <= max_motion"),
    (["--turn", "200"], "--turn: turn must be from 0 to 180 degrees"),
])
def test_bad_motion_flags_fail_in_one_line_naming_the_flag(tmp_path, capsys, flags, message):
    assert main(["data", "motion", str(tmp_path / "a"), *flags]) == 2
    error = capsys.readouterr().err.strip()
    assert message in error and len(error.splitlines()) == 1
    assert not (tmp_path / "a").exists()


def test_a_folder_that_is_no_motion_cache_is_refused(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "motion.json").write_text("{}")
    with pytest.raises(UserError, match="not a readable motion cache"):
        MotionCache(tmp_path / "b")


def test_a_cache_made_with_shapes_holds_match_s_region_warps_as_a_third_prior(tmp_path):
    out = tmp_path / "regions"
    assert main(["data", "motion", str(out), "--shots", "1", "--size", "48", "--seed", "2", "--shapes",
                 "--turn", "90", "--cross", "1"]) == 0
    loaded = MotionCache(out)
    assert loaded.config.shapes and loaded.config.turn == 90 and loaded.config.cross == 1
    shot = loaded.shot(0)
    lines = {str(t): shot["lines"][t].astype(np.float32) / 255 for t in range(8)}
    motion = ShotMotion(lines, [str(t) for t in range(8)], shapes=True)
    for target, key in ((1, 0), (3, 7), (6, 7)):  # (6, 7): neighbours, whose chained warp is the direct one
        priors = motion.priors(str(target), str(key))
        assert priors.shape == (3, 48, 48, 3)
        np.testing.assert_allclose(shot["priors"][target - 1, 0 if key == 0 else 1], priors, atol=0.05)
        region_forward = resize_flow(motion.regions(str(target), str(key))[0], 48, 48)
        np.testing.assert_allclose(priors[2, ..., :2], region_forward, atol=1e-4)
    batch = next(iter(cached_motion_dataset(out, 2, size=32)))
    assert batch["priors"].shape == (2, 2, 3, 32, 32, 3)


def test_a_damaged_or_missing_shot_file_is_named(cache, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(cache, copy)
    (copy / "shot_00001.npz").write_bytes((copy / "shot_00001.npz").read_bytes()[:1000])
    loaded = MotionCache(copy)
    loaded.example(0)  # the first shot is whole
    with pytest.raises(UserError, match="shot_00001.npz: a damaged motion cache shot"):
        loaded.example(6)
    (copy / "shot_00001.npz").unlink()
    with pytest.raises(UserError, match="lacks 1 shot file"):
        MotionCache(copy)


def test_making_a_cache_prints_no_tensorflow_start_up_noise(tmp_path):
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "lineart_color", "data", "motion", str(tmp_path / "m"),
                             "--shots", "1", "--size", "16"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    noise = [line for line in result.stderr.splitlines() if line.startswith(("W0000", "E0000", "WARNING: All log"))]
    assert noise == []
