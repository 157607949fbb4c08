"""The web page in headless Debian Chromium (playwright-core), served by `lineart-color serve`."""

import contextlib
import json
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from export_helpers import copy_bundle, network_inputs, python_colour, run_node
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


@pytest.mark.slow
def test_page_colours_a_whole_shot_through_the_electron_bridge(fixed_bundle, networks, shot, tmp_path):
    """Electron's shot-folder mode, with a stand-in for its preload bridge."""
    served = copy_bundle(fixed_bundle, tmp_path / "served")
    for name, file in shot.items():
        target = served / "shot" / file.parent.name / file.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(file.read_bytes())
    out = tmp_path / "saved"
    out.mkdir()
    with serving(served) as url:
        run_node(DRIVER, "shot", url, out, f"{url}model/shot/", "0000", "0001", "0002")
    assert sorted(p.name for p in out.iterdir()) == ["0000.png", "0001.png", "0002.png"]
    nearest = {"0000": ["0"], "0001": ["0", "2"], "0002": ["2"]}  # nearest keyframes before and after
    for name, key_frames in nearest.items():
        keys = [(shot[f"color{k}"], shot[f"line{k}"]) for k in key_frames]
        expected = _expected_png(networks, shot[f"line{name[-1]}"], keys)
        assert np.abs(_png(out / f"{name}.png") - expected).max() <= 1
