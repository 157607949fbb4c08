import numpy as np
import pytest

from lineart_color.layers import LearnableTemporalShift, temporal_taps


def _numbered(batch, frames, channels):
    """x[b, t, 0, 0, c] = 100 * b + 10 * (t + 1) + c: every value says where it came from."""
    b, t, c = np.meshgrid(np.arange(batch), np.arange(frames), np.arange(channels), indexing="ij")
    return (100 * b + 10 * (t + 1) + c).astype(np.float32)[:, :, None, None, :]


def test_kernels_move_channels_exactly_one_frame_at_initialisation():
    x = _numbered(batch=2, frames=3, channels=8)  # fraction 0.25: channels 0-1 backward, 2-3 forward
    y = np.asarray(LearnableTemporalShift(0.25)(x))[:, :, 0, 0, :]
    x = x[:, :, 0, 0, :]
    np.testing.assert_array_equal(y[:, :2, :2], x[:, 1:, :2])  # frame t takes frame t+1's channels
    np.testing.assert_array_equal(y[:, 2, :2], 0.0)  # nothing after the last frame
    np.testing.assert_array_equal(y[:, 1:, 2:4], x[:, :2, 2:4])  # frame t takes frame t-1's channels
    np.testing.assert_array_equal(y[:, 0, 2:4], 0.0)
    np.testing.assert_array_equal(y[..., 4:], x[..., 4:])  # the rest pass through


def test_a_single_frame_and_the_kernels_are_learnable():
    layer = LearnableTemporalShift(0.5)
    x = _numbered(1, 1, 4)
    np.testing.assert_array_equal(np.asarray(layer(x)), 0.0)  # both groups shift in zeros
    assert {w.name for w in layer.trainable_weights} == {"backward_kernel", "forward_kernel"}
    taps = np.asarray(temporal_taps(_numbered(1, 3, 1), np.array([[0.5], [1.0], [0.25]], np.float32)))
    np.testing.assert_allclose(taps[0, :, 0, 0, 0], [10 + 0.25 * 20, 0.5 * 10 + 20 + 0.25 * 30, 0.5 * 20 + 30])


def test_config_and_bad_arguments():
    layer = LearnableTemporalShift(0.125, name="shift")
    assert LearnableTemporalShift.from_config(layer.get_config()).fraction == 0.125
    with pytest.raises(ValueError, match="fraction"):
        LearnableTemporalShift(0.75)
    with pytest.raises(ValueError, match="at least 2 channels"):
        LearnableTemporalShift(0.5)(np.zeros((1, 2, 1, 1, 1), np.float32))
