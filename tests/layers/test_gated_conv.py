import subprocess
import sys

import keras
import numpy as np
import pytest

from lineart_color.layers import GatedConv, GatedUpConv


@pytest.mark.parametrize("batch, frames", [(1, 1), (2, 3), (3, 5)])
def test_shapes_for_any_batch_and_frame_count(batch, frames):
    x = np.random.default_rng(0).random((batch, frames, 12, 20, 4)).astype(np.float32)
    assert GatedConv(6)(x).shape == (batch, frames, 12, 20, 6)
    assert GatedConv(6, strides=2)(x).shape == (batch, frames, 6, 10, 6)
    assert GatedConv(6, dilation_rate=4)(x).shape == (batch, frames, 12, 20, 6)
    assert GatedUpConv(3)(x).shape == (batch, frames, 24, 40, 3)


def test_gate_scales_the_leaky_feature():
    layer = GatedConv(2, kernel_size=1, temporal_shift=False, spectral=False)
    x = np.ones((1, 1, 1, 1, 2), np.float32)
    layer(x)
    layer.feature_conv.set_weights([np.array([[[[1.0, -1.0], [1.0, -1.0]]]]), np.zeros(2)])
    layer.gate_conv.set_weights([np.zeros((1, 1, 2, 2)), np.array([0.0, np.log(3.0)])])
    # features (2, -2) -> LeakyReLU (2, -0.4); gates sigmoid(0) = 0.5, sigmoid(log 3) = 0.75
    np.testing.assert_allclose(np.asarray(layer(x))[0, 0, 0, 0], [1.0, -0.3], atol=1e-6)


def test_neighbouring_frames_reach_each_frame():
    layer = GatedConv(4, kernel_size=1)
    x = np.zeros((1, 3, 4, 4, 8), np.float32)
    base = np.asarray(layer(x))
    x[:, 2] = 1.0  # change only the last frame
    changed = np.abs(np.asarray(layer(x)) - base).max(axis=(0, 2, 3, 4))
    assert changed[1] > 0 and changed[0] == 0  # frame 1 sees frame 2 through the shift; frame 0 does not


def test_a_clone_from_the_config_behaves_the_same():
    x = np.random.default_rng(0).random((1, 3, 8, 8, 4)).astype(np.float32)
    for layer in (GatedConv(5, 3, 2, temporal_shift=False, name="g"), GatedUpConv(7, name="u")):
        y = np.asarray(layer(x))
        clone = type(layer).from_config(layer.get_config())
        clone(x)
        clone.set_weights(layer.get_weights())  # fails if a dropped key changed the weights' shapes
        np.testing.assert_allclose(np.asarray(clone(x)), y, atol=1e-6)  # or the strides, shift, ...
    with pytest.raises(ValueError, match="both"):
        GatedConv(4, strides=2, dilation_rate=2)


EXPORT_CHECK = """
import sys, numpy as np, tensorflow as tf
loaded = tf.saved_model.load(sys.argv[1])
x = np.load(sys.argv[2])
np.testing.assert_allclose(loaded.serve(x).numpy(), np.load(sys.argv[3]), atol=1e-5)
print("ok", loaded.serve(np.zeros((5, 2, 8, 12, 3), np.float32)).shape)
"""


def test_save_reload_and_exported_signature_with_unknown_batch(tmp_path):
    inputs = keras.Input((None, None, None, 3))
    x = GatedConv(4, name="down")(inputs)
    outputs = GatedUpConv(2, name="up")(GatedConv(4, strides=2, name="stride")(x))
    model = keras.Model(inputs, outputs)
    video = np.random.default_rng(1).random((2, 3, 8, 12, 3)).astype(np.float32)
    expected = np.asarray(model(video))
    model.save(tmp_path / "m.keras")
    np.testing.assert_allclose(np.asarray(keras.saving.load_model(tmp_path / "m.keras")(video)), expected, atol=1e-6)
    model.export(tmp_path / "saved", verbose=False)
    np.save(tmp_path / "x.npy", video)
    np.save(tmp_path / "y.npy", expected)
    result = subprocess.run([sys.executable, "-c", EXPORT_CHECK, str(tmp_path / "saved"), str(tmp_path / "x.npy"),
                             str(tmp_path / "y.npy")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "ok (5, 2, 8, 12, 2)" in result.stdout
