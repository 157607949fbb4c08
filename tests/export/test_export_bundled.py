"""The bundled network itself exports: its SavedModel and its TF.js bundle agree with Keras, in float32."""

import json

import numpy as np
import pytest

from export_helpers import EXPORT_ROOT, HEIGHT, WIDTH, network_inputs, python_colour, run_node, with_distance_fields
from lineart_color.commands.export import export
from lineart_color.models.files import load_network
from test_export import _case, _run_fresh

RUNNER = EXPORT_ROOT / "tools" / "colorize_node.mjs"


@pytest.fixture(scope="module")
def bundled(tmp_path_factory):
    out = tmp_path_factory.mktemp("bundled") / "bundle"
    manifest = export(None, out, size=(HEIGHT, WIDTH))  # no --model: the bundled network
    return load_network(None, "ctn"), out, manifest


@pytest.mark.slow
def test_the_bundled_network_s_saved_model_matches_keras(bundled, tmp_path):
    network, bundle, manifest = bundled
    assert manifest["model"]["kind"] == "ctn"
    assert network.dtype_policy.name == "float32"  # saved float32: inputs are not rounded to bfloat16
    case = _case(HEIGHT, WIDTH, 2, seed=8)
    results = _run_fresh(bundle, {"case": case}, tmp_path)
    expected = python_colour({"ctn": network}, with_distance_fields(case))
    assert np.abs(results["case/colorize"] - expected).max() < 1e-4


@pytest.mark.slow
def test_the_bundled_network_s_tfjs_bundle_runs_in_node_like_keras(bundled, shot, tmp_path):
    network, bundle, _ = bundled
    graph = (bundle / "tfjs" / "model.json").read_text()
    assert "bfloat16" not in graph.lower()  # TF.js has no bfloat16 kernels
    keys = [(shot["color0"], shot["line0"]), (shot["color2"], shot["line2"])]
    expected = python_colour({"ctn": network}, network_inputs(shot["line1"], keys))[0]
    raw = tmp_path / "node.f32"
    report = json.loads(run_node(RUNNER, bundle, shot["line1"], *[f for pair in keys for f in pair],
                                 "--out", tmp_path / "node.png", "--raw", raw, "--backend", "cpu"))
    assert report["backend"] == "cpu"
    colour = np.fromfile(raw, np.float32).reshape(HEIGHT, WIDTH, 3)
    assert np.abs(colour - expected).max() < 1e-3
