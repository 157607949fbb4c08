import keras
import numpy as np
import pytest

from drawings import box_frame
from lineart_color.models.memopainter import BINS, MODES, MemoPainter


def _lines(seed, batch=2, height=32, width=40):
    return np.random.default_rng(seed).random((batch, height, width, 1)).astype(np.float32)


@pytest.mark.parametrize("mode", MODES)
def test_every_mode_paints_any_size_and_has_only_its_parts(mode):
    network = MemoPainter("small", mode=mode).ensure_built()
    outputs = network({"line": _lines(0, height=24, width=56)})
    assert outputs["color"].shape == (2, 24, 56, 3) and outputs["feature"].shape == (2, BINS)
    colour = np.asarray(outputs["color"])
    assert colour.min() >= 0.0 and colour.max() <= 1.0
    assert hasattr(network, "memory") == (mode != "gan")
    assert hasattr(network, "integrator") == (mode == "memory+integrator")


def test_the_colour_feature_decides_the_paint():
    network = MemoPainter("small", mode="memory").ensure_built()
    line = _lines(1, batch=1)
    red, blue = np.zeros((1, BINS), np.float32), np.zeros((1, BINS), np.float32)
    red[0, 100], blue[0, 300] = 1.0, 1.0
    # AdaIN's projections start at zero; give them weights, as training does
    for block in network.blocks:
        for adain in (block.adain_1, block.adain_2):
            adain.to_shift.kernel.assign(np.random.default_rng(2).normal(0, 0.1, adain.to_shift.kernel.shape))
    paint = lambda feature: np.asarray(network({"line": line, "colour_feature": feature})["color"])
    assert np.abs(paint(red) - paint(blue)).max() > 1e-3


def test_retrieval_gives_back_a_stored_frame_s_feature_for_its_own_line_art():
    network = MemoPainter("small", mode="memory").ensure_built()
    lines = _lines(3, batch=3)
    features = np.eye(BINS, dtype=np.float32)[[7, 70, 170]]
    network.memory.write(network.query(lines), features)
    np.testing.assert_array_equal(np.asarray(network({"line": lines})["feature"]), features)


def test_config_keeps_sizes_and_the_memory_survives_save_and_reload(tmp_path):
    network = MemoPainter("small", mode="memory+integrator", slots=16, key_dim=8, threshold=0.3).ensure_built()
    config = network.get_config()
    assert (config["slots"], config["key_dim"], config["threshold"], config["mode"]) == (16, 8, 0.3, "memory+integrator")
    lines = _lines(4, batch=2)
    network.memory.write(network.query(lines), np.eye(BINS, dtype=np.float32)[[1, 2]])
    network.save(tmp_path / "memo.keras")
    reloaded = keras.saving.load_model(tmp_path / "memo.keras")
    np.testing.assert_array_equal(reloaded.memory.values.numpy(), network.memory.values.numpy())
    np.testing.assert_allclose(np.asarray(reloaded({"line": lines})["color"]),
                               np.asarray(network({"line": lines})["color"]), atol=1e-6)


def test_bad_mode_and_preset():
    with pytest.raises(ValueError, match="mode must be one of"):
        MemoPainter("small", mode="magic")
    with pytest.raises(ValueError, match="preset must be one of"):
        MemoPainter("huge")


def _boxes():
    """Eight different drawings: outlined squares at different places and sizes, 64 x 64."""
    places = [(2, 2, 20), (30, 30, 30), (5, 40, 16), (40, 4, 22), (10, 10, 44), (20, 2, 12), (2, 30, 28), (34, 20, 26)]
    return np.stack([box_frame(64, 64, top, left, side)[1] for top, left, side in places])[..., None]


def _mean_cosine(keys):
    keys = np.asarray(keys)
    cosines = keys @ keys.T
    return (cosines.sum() - np.trace(cosines)) / (len(keys) * (len(keys) - 1))


def test_training_keys_are_centred_over_the_batch_and_inference_keys_do_not_depend_on_it():
    """Keys collapsed to one direction in training (cosine 0.995 between any two drawings), where
    the triplet loss has no gradient; centred over the batch, n unit keys average -1/(n-1)."""
    network = MemoPainter("small", mode="memory").ensure_built()
    lines = _boxes()
    assert abs(_mean_cosine(network.query(lines, training=True)) + 1 / 7) < 0.03
    # at inference the moving statistics centre them: a drawing's key is its own, whatever the batch
    alone = np.asarray(network.query(lines[:1]))
    np.testing.assert_allclose(np.asarray(network.query(lines))[:1], alone, atol=1e-5)
