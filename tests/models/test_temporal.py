import keras
import numpy as np
import pytest

from lineart_color.models.discriminators import TemporalPatchDiscriminator
from lineart_color.models.temporal import PRESETS, TemporalConstraintNetwork


@pytest.fixture(scope="module")
def small():
    """A small network as training leaves it: its correction switched on (a fresh one's scale is 0)."""
    model = TemporalConstraintNetwork("small").ensure_built()
    model.delta_scale.assign(0.7)
    return model


def test_a_fresh_network_returns_its_input_colour():
    window = np.random.default_rng(3).random((2, 3, 16, 24, 4)).astype(np.float32)
    fresh = TemporalConstraintNetwork("small")
    np.testing.assert_array_equal(np.asarray(fresh(window)), window[..., :3])


@pytest.mark.parametrize("batch, frames, height, width", [(1, 1, 16, 24), (2, 3, 24, 16), (1, 5, 32, 40)])
def test_shapes_for_any_window(small, batch, frames, height, width):
    window = np.random.default_rng(0).random((batch, frames, height, width, 4)).astype(np.float32)
    out = np.asarray(small(window))
    assert out.shape == (batch, frames, height, width, 3)
    assert out.min() >= 0.0 and out.max() <= 1.0


def test_neighbouring_frames_change_the_target(small):
    window = np.random.default_rng(1).random((1, 3, 16, 16, 4)).astype(np.float32)
    other = window.copy()
    other[:, 0] = 1.0 - other[:, 0]
    assert np.abs(np.asarray(small(window))[:, 1] - np.asarray(small(other))[:, 1]).max() > 1e-5


def test_config_round_trip_and_save_reload(small, tmp_path):
    assert TemporalConstraintNetwork.from_config(small.get_config()).ensure_built().count_params() == small.count_params()
    small.save(tmp_path / "tcn.keras")
    reloaded = keras.saving.load_model(tmp_path / "tcn.keras")
    window = np.random.default_rng(2).random((2, 3, 16, 24, 4)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(reloaded(window)), np.asarray(small(window)), atol=1e-6)
    assert PRESETS["paper"].widths == (64, 128, 256)
    with pytest.raises(ValueError, match="preset"):
        TemporalConstraintNetwork("large")


def test_temporal_discriminator_shapes_and_config():
    model = TemporalPatchDiscriminator((8, 16))
    logits = model([np.zeros((2, 3, 16, 32, 1), np.float32), np.zeros((2, 3, 16, 32, 3), np.float32)])
    assert logits.shape == (2, 3, 4, 8, 1)
    assert TemporalPatchDiscriminator.from_config(model.get_config()).widths == (8, 16)


def test_a_saved_network_keeps_its_sizes_when_the_preset_table_changes(tmp_path, monkeypatch):
    import lineart_color.models.temporal as tcn_module

    network = TemporalConstraintNetwork("small", widths=(8, 16, 16), dilations=(2,)).ensure_built()
    assert network.get_config()["widths"] == (8, 16, 16) and network.get_config()["dilations"] == (2,)
    network.save(tmp_path / "tcn.keras")
    monkeypatch.setitem(tcn_module.PRESETS, "small", tcn_module.TCNPreset((4, 4, 4), (2, 4)))
    reloaded = keras.saving.load_model(tmp_path / "tcn.keras")
    assert reloaded.resolved == network.resolved and reloaded.count_params() == network.count_params()
    assert TemporalConstraintNetwork.from_config({"preset": "paper"}).resolved == PRESETS["paper"]  # name-only files
