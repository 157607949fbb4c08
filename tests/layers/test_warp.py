"""Sampling along a flow, local correlation and paint under lines, checked on hand-made tensors."""

import numpy as np
import pytest

from lineart_color.layers import warp


def ramp(batch=2, height=5, width=7, channels=3):
    return np.arange(batch * height * width * channels, dtype=np.float32).reshape(batch, height, width, channels)


def test_nearest_sampling_moves_by_whole_pixels_and_clamps_at_the_edge():
    image, flow = ramp(), np.zeros((2, 5, 7, 2), np.float32)
    flow[..., 0], flow[..., 1] = 2.2, -1.0  # two right (rounded), one up
    out = np.asarray(warp.sample_nearest(image, flow))
    np.testing.assert_array_equal(out[:, 1:, :5], image[:, :4, 2:])
    np.testing.assert_array_equal(out[:, 0, :5], image[:, 0, 2:])  # above the top: clamped to row 0
    np.testing.assert_array_equal(out[:, 1:, 5:], image[:, :4, 6:7].repeat(2, axis=2))  # past the right edge


def test_bilinear_sampling_interpolates_between_pixels():
    image, flow = ramp(), np.zeros((2, 5, 7, 2), np.float32)
    flow[..., 0], flow[..., 1] = 0.25, 0.5
    out = np.asarray(warp.sample_bilinear(image, flow))
    # the ramp is linear in x (step 3) and y (step 21): value + 0.25 * 3 + 0.5 * 21 inside
    np.testing.assert_allclose(out[:, :4, :6], image[:, :4, :6] + 0.75 + 10.5, rtol=1e-6)


def test_local_correlation_peaks_at_the_true_shift():
    rng = np.random.default_rng(0)
    target = rng.standard_normal((1, 12, 12, 64)).astype(np.float32)  # many channels: chance matches stay small
    source = np.roll(target, shift=(1, -2), axis=(1, 2))
    scores = np.asarray(warp.local_correlation(target, source, radius=2))
    assert scores.shape == (1, 12, 12, 25)
    # source[y + 1, x - 2] == target[y, x], so the best offset is dy = +1, dx = -2
    best = scores[0, 4:8, 4:8].argmax(axis=-1)
    assert np.all(best == (1 + 2) * 5 + (-2 + 2))
    np.testing.assert_allclose(scores[0, 5, 5, 12], (target[0, 5, 5] * source[0, 5, 5]).mean(), rtol=1e-5)


def test_paint_grows_under_a_line_without_mixing_paints():
    line = np.ones((1, 6, 9, 1), np.float32)
    line[0, :, 3:6] = 0.0  # a 3 px vertical line between red and green paint
    colour = np.zeros((1, 6, 9, 3), np.float32)
    colour[0, :, :3] = (1, 0, 0)
    colour[0, :, 6:] = (0, 1, 0)
    out = np.asarray(warp.paint_under_lines(colour, line, steps=2))
    np.testing.assert_array_equal(out[0, :, 3], np.tile([1, 0, 0], (6, 1)))  # one step from red
    np.testing.assert_array_equal(out[0, :, 5], np.tile([0, 1, 0], (6, 1)))
    assert set(map(tuple, out[0, :, 4])) <= {(1.0, 0.0, 0.0), (0.0, 1.0, 0.0)}  # a paint, never a blend
    shallow = np.asarray(warp.paint_under_lines(colour, line, steps=1))
    np.testing.assert_array_equal(shallow[0, :, 4], 0.0)  # two deep: one step leaves the line's own colour


def test_bad_radius():
    with pytest.raises(ValueError, match="radius"):
        warp.local_correlation(ramp(), ramp(), radius=-1)


def test_upsampling_equals_tf_image_resize_bilinear():
    import tensorflow as tf

    image = ramp(batch=2, height=3, width=5, channels=2) ** 1.5  # not linear, so the weights matter
    expected = tf.image.resize(image, (6, 10), method="bilinear").numpy()
    np.testing.assert_allclose(np.asarray(warp.upsample_bilinear_2x(image)), expected, rtol=1e-5)
