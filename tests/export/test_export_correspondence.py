"""The correspondence colourer exports like the paper's network: SavedModel and TF.js agree with Keras."""

import json
import subprocess

import keras
import numpy as np
import pytest

from export_helpers import EXPORT_ROOT, network_inputs, python_colour, run_node, write_shot
from lineart_color.commands.export import export
from lineart_color.models.correspondence import CorrespondenceNetwork
from test_export import _case, _run_fresh

RUNNER = EXPORT_ROOT / "tools" / "colorize_node.mjs"


@pytest.fixture(scope="module")
def corr(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corr")
    keras.utils.set_random_seed(2)
    # a working size below most cases' frames, so the exports also choose small and copy at full size
    network = CorrespondenceNetwork.from_preset("tiny", work_pixels=24 * 32).ensure_built()
    network.save(folder / "corr.keras")
    export(folder / "corr.keras", folder / "bundle", size=None)
    return network, folder / "bundle"


def keras_colour(network, inputs):
    """The network in memory with the graph's ink step (export_helpers.python_colour)."""
    return python_colour({"ctn": network}, {key: inputs[key] for key in ("line", "ref_color", "ref_line")})


@pytest.mark.slow
def test_saved_model_matches_keras_in_a_fresh_process(corr, tmp_path):
    network, bundle = corr
    cases = {"two_refs": _case(40, 56, 2, seed=4), "one_ref": _case(32, 24, 1, seed=5)}
    results = _run_fresh(bundle, cases, tmp_path)
    for name, case in cases.items():
        expected = keras_colour(network, case)
        same = np.abs(results[f"{name}/colorize"] - expected).max(axis=-1) < 1e-4
        assert same.mean() > 0.999, same.mean()  # hard choices: a tie may fall the other way at a pixel
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["model"]["kind"] == "corr" and manifest["input_size"] is None


@pytest.mark.slow
def test_tfjs_bundle_runs_in_node_and_agrees_with_keras(corr, tmp_path):
    network, bundle = corr
    files = write_shot(tmp_path / "shot", 48, 64)
    keys = [(files["color0"], files["line0"]), (files["color2"], files["line2"])]
    expected = keras_colour(network, network_inputs(files["line1"], keys))[0]
    raw = tmp_path / "node.f32"
    run_node(RUNNER, bundle, files["line1"], *[f for pair in keys for f in pair], "--out", tmp_path / "node.png",
             "--raw", raw, "--backend", "cpu")
    colour = np.fromfile(raw, np.float32).reshape(48, 64, 3)
    same = np.abs(colour - expected).max(axis=-1) < 2e-3
    assert same.mean() > 0.99, same.mean()


@pytest.fixture(scope="module")
def chooser(tmp_path_factory):
    """A correspondence colourer without a matcher, its learned correction switched on."""
    folder = tmp_path_factory.mktemp("choice")
    keras.utils.set_random_seed(3)
    network = CorrespondenceNetwork.from_preset("choice-tiny").ensure_built()
    kernel = network.chooser.correction.kernel
    kernel.assign(np.random.default_rng(3).normal(0.0, 0.5, kernel.shape))
    network.save(folder / "choice.keras")
    manifest = export(folder / "choice.keras", folder / "bundle", size=None)
    return network, folder / "bundle", manifest


@pytest.mark.slow
def test_a_colourer_choosing_among_optical_flows_exports_with_their_warps_as_an_input(chooser, tmp_path):
    network, bundle, manifest = chooser
    assert set(manifest["inputs"]) == {"line", "ref_color", "ref_line", "priors"}
    rng = np.random.default_rng(7)
    case = _case(40, 56, 2, seed=6)
    case["priors"] = np.concatenate([rng.normal(0, 3, (1, 2, 2, 40, 56, 2)), rng.uniform(0, 0.5, (1, 2, 2, 40, 56, 1))],
                                    axis=-1).astype(np.float32)
    results = _run_fresh(bundle, {"case": case}, tmp_path)
    expected = python_colour({"ctn": network}, case)
    same = np.abs(results["case/colorize"] - expected).max(axis=-1) < 1e-4
    assert same.mean() > 0.999, same.mean()


@pytest.mark.slow
def test_the_page_s_code_refuses_a_bundle_that_needs_optical_flow(chooser, tmp_path):
    _, bundle, _ = chooser
    files = write_shot(tmp_path / "shot", 48, 64)
    result = subprocess.run(["node", str(RUNNER), str(bundle), str(files["line1"]), str(files["color0"]),
                             str(files["line0"]), "--out", str(tmp_path / "node.png"), "--backend", "cpu"],
                            cwd=EXPORT_ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    assert "needs the optical flow's warps as an input" in result.stderr
    assert not (tmp_path / "node.png").exists()
