import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from export_helpers import HEIGHT, WIDTH, drawn_frame, python_colour, with_distance_fields
from lineart_color.commands.export import main as export_main

# Loads the SavedModel with TensorFlow alone (no lineart_color, no Keras model classes), as TF
# Serving would, runs every named signature and saves what each returned.
FRESH_PROCESS = textwrap.dedent("""
    import sys
    import numpy as np
    import tensorflow as tf

    model, inputs, out = sys.argv[1:]
    loaded = tf.saved_model.load(model)
    data = np.load(inputs)
    results = {}
    for case in sorted({key.split("/")[0] for key in data.files}):
        names = [key.split("/", 1)[1] for key in data.files if key.startswith(case + "/")]
        feed = {name: tf.constant(data[f"{case}/{name}"]) for name in names}
        for signature in ("colorize", "serving_default"):
            results[f"{case}/{signature}"] = loaded.signatures[signature](**feed)["color"].numpy()
    np.savez(out, **results)
""")


def _case(height, width, refs, seed):
    """Signature inputs: drawn line art for the target and random-ish references."""
    rng = np.random.default_rng(seed)
    frames = [drawn_frame(height, width, t) for t in range(refs + 1)]
    line = frames[-1][1][None, ..., None]
    ref_color = np.stack([c * rng.uniform(0.5, 1.0, 3).astype(np.float32) for c, _ in frames[:refs]])[None]
    ref_line = np.stack([l for _, l in frames[:refs]])[None, ..., None]
    return {"line": line, "ref_color": ref_color, "ref_line": ref_line}


def _run_fresh(bundle, cases, tmp_path):
    inputs = tmp_path / "inputs.npz"
    np.savez(inputs, **{f"{name}/{key}": value for name, case in cases.items() for key, value in case.items()})
    subprocess.run([sys.executable, "-c", FRESH_PROCESS, str(bundle / "saved_model"), str(inputs),
                    str(tmp_path / "out.npz")], check=True, capture_output=True)
    return np.load(tmp_path / "out.npz")


@pytest.mark.slow
def test_fixed_size_saved_model_matches_keras_in_a_fresh_process(fixed_bundle, networks, tmp_path):
    cases = {"two_refs": _case(HEIGHT, WIDTH, 2, seed=0), "one_ref": _case(HEIGHT, WIDTH, 1, seed=1)}
    results = _run_fresh(fixed_bundle, cases, tmp_path)
    for name, case in cases.items():
        expected = python_colour({"ctn": networks["ctn"]}, with_distance_fields(case))
        for signature in ("colorize", "serving_default"):
            assert np.abs(results[f"{name}/{signature}"] - expected).max() < 1e-4


@pytest.mark.slow
def test_dynamic_temporal_saved_model_matches_keras_at_two_sizes(dynamic_bundle, networks, tmp_path):
    cases = {"small": _case(40, 56, 2, seed=2), "tall": _case(72, 32, 1, seed=3)}
    results = _run_fresh(dynamic_bundle, cases, tmp_path)
    for name, case in cases.items():
        expected = python_colour(networks, with_distance_fields(case))
        assert results[f"{name}/colorize"].shape == expected.shape
        assert np.abs(results[f"{name}/colorize"] - expected).max() < 1e-4


@pytest.mark.slow
def test_manifest_describes_each_bundle(fixed_bundle, dynamic_bundle):
    fixed = json.loads((fixed_bundle / "manifest.json").read_text())
    assert fixed["model"] == {"kind": "ctn", "ctn_preset": "small", "tcn_preset": None}
    assert fixed["input_size"] == {"height": HEIGHT, "width": WIDTH}
    assert fixed["inputs"]["ref_color"]["shape"] == [None, None, HEIGHT, WIDTH, 3]
    assert all(spec["range"] == [0.0, 1.0] for spec in (*fixed["inputs"].values(), fixed["outputs"]["color"]))
    assert fixed["signature"] == "colorize" and fixed["lineart_color_version"]
    tfjs_bytes = sum(f.stat().st_size for f in (fixed_bundle / "tfjs").iterdir())
    assert fixed["tfjs"] == {**fixed["tfjs"], "bytes": tfjs_bytes, "weights": "float32", "path": "tfjs/model.json"}
    dynamic = json.loads((dynamic_bundle / "manifest.json").read_text())
    assert dynamic["model"]["kind"] == "ctn+tcn" and dynamic["model"]["tcn_preset"] == "small"
    assert dynamic["input_size"] is None and dynamic["inputs"]["line"]["shape"] == [None, None, None, 1]
    assert dynamic["tfjs"]["weights"] == "float16"


@pytest.mark.slow
def test_float16_weights_take_half_the_bytes(fixed_bundle, dynamic_bundle):
    def weights(bundle):
        """(shard bytes, bytes the same weights take as float32, stored dtypes)."""
        manifest = json.loads((bundle / "tfjs" / "model.json").read_text())["weightsManifest"]
        shards = sum((bundle / "tfjs" / p).stat().st_size for group in manifest for p in group["paths"])
        specs = [w for group in manifest for w in group["weights"]]
        as_float32 = sum(4 * int(np.prod(w["shape"])) for w in specs)
        return shards, as_float32, {w.get("quantization", {}).get("dtype", w["dtype"]) for w in specs}

    f32_bytes, f32_expected, f32_types = weights(fixed_bundle)
    f16_bytes, f16_as_float32, f16_types = weights(dynamic_bundle)
    assert f32_bytes == f32_expected and "float16" not in f32_types
    assert "float16" in f16_types and f16_bytes == pytest.approx(f16_as_float32 / 2, rel=0.01)


def _export_error(capsys, *argv):
    code = export_main(list(map(str, argv)))
    lines = capsys.readouterr().err.strip().splitlines()
    return code, lines[-1]


@pytest.mark.parametrize("flags, expected", [
    (["--size", "63"], "argument --size: width and height must be positive multiples of 8"),
    (["--size", "64x"], "argument --size: expected S or WxH"),
    (["--size", "80000"], "argument --size: width and height must be at most 4096"),
    (["--size", "64", "--dynamic"], "argument --dynamic: not allowed with argument --size"),
])
def test_bad_flags_exit_2_with_one_line(flags, expected, tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        export_main(["--model", str(tmp_path), "--out", str(tmp_path / "out"), *flags])
    assert stop.value.code == 2
    assert expected in capsys.readouterr().err


def test_bad_model_files_exit_2_naming_the_file(networks, tmp_path, capsys):
    junk = tmp_path / "junk.keras"
    junk.write_text("not a model")
    out = tmp_path / "out"
    cases = [
        (["--model", tmp_path / "missing.keras"], "missing.keras"),
        (["--model", junk], "junk.keras"),
        (["--model", tmp_path], "generator.keras"),  # a folder that is no training run
        (["--model", networks["tcn_file"]], "holds a TemporalConstraintNetwork"),
        (["--model", networks["ctn_run"], "--temporal", networks["ctn_run"]], "holds a ColorTransformNetwork"),
    ]
    for flags, named in cases:
        code, line = _export_error(capsys, *flags, "--out", out)
        assert code == 2 and line.startswith("python -m lineart_color.commands.export: error: ") and named in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["junk.keras"]  # nothing written


def test_existing_output_folder_is_refused(networks, tmp_path, capsys):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("mine")
    code, line = _export_error(capsys, "--model", networks["ctn_run"], "--out", tmp_path / "out")
    assert code == 2 and "--out already exists and is not empty" in line
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["keep.txt"]


def test_export_and_serve_are_lineart_color_subcommands(tmp_path, capsys):
    from lineart_color.cli import main as cli_main

    with pytest.raises(SystemExit) as stop:
        cli_main(["export", "--model", str(tmp_path), "--out", str(tmp_path / "out"), "--size", "7"])
    assert stop.value.code == 2 and "lineart-color export: error: argument --size" in capsys.readouterr().err
    assert cli_main(["serve", str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith(f"lineart-color: error: {tmp_path}: DIR: no manifest.json")


def test_a_full_disk_is_one_line_and_leaves_nothing(networks, tmp_path, capsys, monkeypatch):
    import tensorflow as tf

    import lineart_color.commands.export as export_module

    def disk_full(color_network, temporal_network, size, path):
        path.mkdir(parents=True)
        (path / "saved_model.pb").write_bytes(b"half")
        raise tf.errors.ResourceExhaustedError(None, None, f"{path}/variables; No space left on device")

    monkeypatch.setattr(export_module, "write_saved_model", disk_full)
    code, line = _export_error(capsys, "--model", networks["ctn_run"], "--out", tmp_path / "out")
    assert code == 2 and line.endswith("writing --out failed (No space left on device); nothing was kept")
    assert not (tmp_path / "out").exists() and not [p for p in tmp_path.iterdir() if ".partial-" in p.name]
