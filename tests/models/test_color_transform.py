import numpy as np
import pytest
import tensorflow as tf
import keras

from lineart_color.models.color_transform import PRESETS, ColorTransformNetwork, dummy_inputs


@pytest.fixture(scope="module")
def small():
    return ColorTransformNetwork("small", chunk_size=64).ensure_built()


@pytest.mark.parametrize("batch, height, width, refs", [(1, 16, 24, 1), (3, 40, 24, 2), (2, 24, 56, 2)])
def test_shapes_at_non_square_sizes(small, batch, height, width, refs):
    outputs = small(dummy_inputs(batch, height, width, refs, seed=0))
    assert outputs["color"].shape == (batch, height, width, 3)
    assert outputs["aux_match"].shape == (batch, height // 8, width // 8, 3)
    assert outputs["aux_blocks"].shape == (batch, height // 8, width // 8, 3)
    color = np.asarray(outputs["color"])
    assert color.min() >= 0.0 and color.max() <= 1.0


def test_unknown_batch_size_and_frame_size_in_a_traced_signature(small):
    spec = lambda *shape: tf.TensorSpec(shape, tf.float32)
    signature = [{"line": spec(None, None, None, 1), "distance": spec(None, None, None, 1),
                  "ref_color": spec(None, None, None, None, 3), "ref_line": spec(None, None, None, None, 1),
                  "ref_distance": spec(None, None, None, None, 1)}]
    traced = tf.function(lambda x: small(x)["color"], input_signature=signature)
    assert traced(dummy_inputs(2, 32, 48, 2, seed=1)).shape == (2, 32, 48, 3)
    assert traced(dummy_inputs(1, 16, 16, 1, seed=1)).shape == (1, 16, 16, 3)


def test_references_matter(small):
    inputs = dummy_inputs(1, 32, 32, 2, seed=2)
    other = dict(inputs, ref_color=1.0 - inputs["ref_color"])
    assert np.abs(np.asarray(small(inputs)["color"]) - np.asarray(small(other)["color"])).max() > 1e-4


def test_config_round_trip_and_save_reload(small, tmp_path):
    clone = ColorTransformNetwork.from_config(small.get_config()).ensure_built()
    assert clone.count_params() == small.count_params()
    path = tmp_path / "ctn.keras"
    small.save(path)
    reloaded = keras.saving.load_model(path)
    inputs = dummy_inputs(2, 24, 32, 2, seed=3)
    np.testing.assert_allclose(np.asarray(reloaded(inputs)["color"]), np.asarray(small(inputs)["color"]), atol=1e-6)


def test_presets_and_bad_preset():
    assert PRESETS["paper"].encoder_widths == (64, 128, 256) and PRESETS["paper"].style_dim == 512
    assert PRESETS["paper"].blocks == 8
    with pytest.raises(ValueError, match="preset must be one of"):
        ColorTransformNetwork("huge")


def test_the_bundled_network_computes_in_float32_throughout():
    """Mixed precision is a training-time choice: no bfloat16 rounding of inputs at inference."""
    from lineart_color.models.files import load_network

    network = load_network(None, "ctn")
    assert {layer.dtype_policy.name for layer in network._flatten_layers()} == {"float32"}


def test_a_saved_network_keeps_its_sizes_when_the_preset_table_changes(tmp_path, monkeypatch):
    from dataclasses import replace

    import lineart_color.models.color_transform as ctn_module

    network = ColorTransformNetwork("small", blocks=2, key_dim=16).ensure_built()  # sizes beside the preset
    config = network.get_config()
    assert config["blocks"] == 2 and config["key_dim"] == 16 and config["encoder_widths"] == (32, 64, 128)
    network.save(tmp_path / "ctn.keras")
    # a later version makes "small" wider: the saved network must not change with it
    monkeypatch.setitem(ctn_module.PRESETS, "small", replace(PRESETS["small"], encoder_widths=(8, 16, 32), blocks=6))
    reloaded = keras.saving.load_model(tmp_path / "ctn.keras")
    assert reloaded.spec == network.spec and len(reloaded.blocks) == 2
    inputs = dummy_inputs(1, 16, 24, 2, seed=5)
    np.testing.assert_allclose(np.asarray(reloaded(inputs)["color"]), np.asarray(network(inputs)["color"]), atol=1e-6)


def test_a_file_that_holds_only_a_preset_name_still_loads():
    old = {"name": "color_transform_network", "trainable": True, "dtype": "float32", "preset": "small",
           "chunk_size": 4096}  # the bundled file's config before sizes were stored
    network = ColorTransformNetwork.from_config(old)
    assert network.spec == {**PRESETS["small"].__dict__}
