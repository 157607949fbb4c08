"""The TF.js bundles run in Node with pure @tensorflow/tfjs (export/tools/colorize_node.mjs)."""

import json

import numpy as np
import pytest

from export_helpers import (EXPORT_ROOT, HEIGHT, WIDTH, network_inputs, python_colour, run_node, with_distance_fields,
                            write_shot)

RUNNER = EXPORT_ROOT / "tools" / "colorize_node.mjs"


def _node_colour(bundle, line, keys, tmp_path, backend="cpu"):
    raw = tmp_path / f"{backend}.f32"
    files = [line, *[f for pair in keys for f in pair]]
    report = json.loads(run_node(RUNNER, bundle, *files, "--out", tmp_path / f"{backend}.png", "--raw", raw,
                                 "--backend", backend))
    assert report["backend"] == backend
    return np.fromfile(raw, np.float32)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["cpu", "wasm"])
def test_fixed_float32_bundle_matches_python(fixed_bundle, networks, shot, tmp_path, backend):
    keys = [(shot["color0"], shot["line0"]), (shot["color2"], shot["line2"])]
    expected = python_colour({"ctn": networks["ctn"]}, network_inputs(shot["line1"], keys))[0]
    colour = _node_colour(fixed_bundle, shot["line1"], keys, tmp_path, backend).reshape(HEIGHT, WIDTH, 3)
    assert np.abs(colour - expected).max() < 1e-3


@pytest.mark.slow
def test_dynamic_float16_temporal_bundle_pads_any_size_and_stays_close(dynamic_bundle, networks, tmp_path,
                                                                       record_property):
    files = write_shot(tmp_path / "shot", 43, 58)  # not multiples of 8: the runner pads with white paper
    keys = [(files["color0"], files["line0"])]
    inputs = network_inputs(files["line1"], keys)
    pad = lambda image: np.pad(image, [(0, 0)] * (image.ndim - 3) + [(0, 5), (0, 6), (0, 0)], constant_values=1.0)
    padded = with_distance_fields({key: pad(inputs[key]) for key in ("line", "ref_color", "ref_line")})
    expected = python_colour(networks, padded)[0, :43, :58]
    colour = _node_colour(dynamic_bundle, files["line1"], keys, tmp_path).reshape(43, 58, 3)
    error = float(np.abs(colour - expected).max())
    record_property("float16_max_abs_error", error)
    print(f"float16 bundle: max abs error {error:.2e} against the float32 Keras networks")
    assert error < 2e-2


@pytest.mark.slow
def test_a_reference_free_bundle_colours_line_art_alone(tmp_path):
    """The self-attention U-Net's bundle takes the line art only, in Node as in Python."""
    import keras

    from lineart_color.cli import main
    from lineart_color.data.images import read_image
    from lineart_color.layers.self_attention import SelfAttention2D
    from lineart_color.models.sa_unet import SAUNet

    keras.utils.set_random_seed(8)
    network = SAUNet("small", widths=(8, 16, 32, 64)).ensure_built()
    for layer in network.unet._flatten_layers():
        if isinstance(layer, SelfAttention2D):
            layer.gamma.assign(0.5)  # attention switched on
    network.save(tmp_path / "sa.keras")
    assert main(["export", "--model", str(tmp_path / "sa.keras"), "--out", str(tmp_path / "bundle"),
                 "--size", f"{WIDTH}x{HEIGHT}"]) == 0
    manifest = json.loads((tmp_path / "bundle" / "manifest.json").read_text())
    assert set(manifest["inputs"]) == {"line"} and manifest["references"]["min"] == 0
    files = write_shot(tmp_path / "shot", HEIGHT, WIDTH)
    raw = tmp_path / "out.f32"
    run_node(RUNNER, tmp_path / "bundle", files["line1"], "--out", tmp_path / "out.png", "--raw", raw)
    expected = python_colour({"ctn": network}, {"line": read_image(files["line1"], "L")[None, ..., None]})[0]
    assert np.abs(np.fromfile(raw, np.float32).reshape(HEIGHT, WIDTH, 3) - expected).max() < 1e-3
