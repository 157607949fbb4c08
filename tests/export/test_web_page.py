"""The web page in headless Debian Chromium (playwright-core), served by `lineart-color serve`."""

import contextlib
import io
import json
import shutil
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from export_helpers import HEIGHT, WIDTH, copy_bundle, network_inputs, python_colour, run_node, write_shot
from lineart_color.cli import main
from lineart_color.data.images import to_uint8
from lineart_color.commands.serve import make_server

DRIVER = Path(__file__).with_name("page_driver.mjs")


@contextlib.contextmanager
def serving(bundle):
    server = make_server(bundle, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


def _png(path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB")).astype(int)


def _expected_png(networks, line, keys) -> np.ndarray:
    """What `colorize` writes for one frame: the network's colour with the line art laid over it as ink."""
    return to_uint8(python_colour({"ctn": networks["ctn"]}, network_inputs(line, keys))[0]).astype(int)


@pytest.mark.slow
def test_page_colours_uploaded_and_dropped_files_like_python(fixed_bundle, networks, shot, tmp_path):
    keys = [(shot["color0"], shot["line0"]), (shot["color2"], shot["line2"])]
    out = tmp_path / "download.png"
    with serving(fixed_bundle) as url:
        report = json.loads(run_node(DRIVER, "single", url, out, shot["line1"], *keys[0], *keys[1]))
    assert report["backend"] == "wasm" and report["seconds"][0] > 0
    difference = np.abs(_png(out) - _expected_png(networks, shot["line1"], keys))
    assert difference.max() <= 1  # a rounding step of 8-bit output at most


@pytest.fixture(scope="module")
def long_shot(networks, tmp_path_factory):
    """A 4-frame shot (keyframes 0 and 3, so frame 2's nearer keyframe is the later one) and what
    Python's `colorize` writes for it with the same network."""
    folder = tmp_path_factory.mktemp("long_shot") / "walk"
    write_shot(folder, HEIGHT, WIDTH, frames=4)
    python_out = folder.parent / "python_out"
    assert main(["colorize", str(folder), "--out", str(python_out), "--method", "ctn",
                 "--model", str(networks["ctn_run"])]) == 0
    return folder, python_out


def _assert_like_colorize(frames: dict[str, np.ndarray], python_out):
    """Every frame of the shot, within one 8-bit level of `colorize`; keyframes exact; line cores black
    ink (this network copies no keyframe pixel)."""
    assert sorted(frames) == sorted(p.name for p in python_out.iterdir())
    for name, frame in frames.items():
        expected = _png(python_out / name)
        assert frame.shape == expected.shape
        assert np.abs(frame - expected).max() <= 1, name
    for name in ("0000.png", "0003.png"):  # keyframes pass through as painted
        assert np.array_equal(frames[name], _png(python_out / name)), name
    line = np.asarray(Image.open(python_out.parent / "walk" / "line" / "0002.png").convert("L"))
    cores = line == 0
    assert cores.any() and np.all(frames["0002.png"][cores] == 0)


def _zip_frames(zip_file) -> dict[str, np.ndarray]:
    with zipfile.ZipFile(zip_file) as archive:
        assert archive.testzip() is None  # every CRC checks
        return {name: np.asarray(Image.open(io.BytesIO(archive.read(name))).convert("RGB")).astype(int)
                for name in archive.namelist()}


@pytest.mark.slow
@pytest.mark.parametrize("pick", ["folder", "files"])
def test_page_colours_a_whole_shot_into_a_zip_like_colorize(fixed_bundle, long_shot, pick, tmp_path):
    """The whole-shot panel: a picked shot folder, or line art picked and keyframes dropped."""
    folder, python_out = long_shot
    out = tmp_path / "download.zip"
    with serving(fixed_bundle) as url:
        report = json.loads(run_node(DRIVER, "zip", url, out, folder, "--pick", pick))
    named = {"folder": "walk_color.zip", "files": "shot_color.zip"}  # loose files carry no folder name
    assert report["zipName"] == named[pick] and report["status"].startswith("Coloured 4 frames")
    _assert_like_colorize(_zip_frames(out), python_out)


@pytest.mark.slow
def test_cancelling_a_whole_shot_offers_no_zip(fixed_bundle, long_shot, tmp_path):
    folder, _ = long_shot
    with serving(fixed_bundle) as url:
        report = json.loads(run_node(DRIVER, "zip", url, tmp_path / "none.zip", folder, "--cancel-after", "1"))
    assert report["zipOffered"] is False and report["status"].startswith("Cancelled after")
    assert not (tmp_path / "none.zip").exists()


@pytest.mark.slow
def test_page_colours_a_whole_shot_through_the_electron_bridge(fixed_bundle, long_shot, tmp_path):
    """Electron's shot-folder mode, with a stand-in for its preload bridge, saves what `colorize` writes."""
    folder, python_out = long_shot
    served = copy_bundle(fixed_bundle, tmp_path / "served")
    shutil.copytree(folder, served / "shot")
    out = tmp_path / "saved"
    out.mkdir()
    with serving(served) as url:
        run_node(DRIVER, "shot", url, out, f"{url}model/shot/", "0000", "0001", "0002", "0003")
    _assert_like_colorize({p.name: _png(p) for p in out.iterdir()}, python_out)
