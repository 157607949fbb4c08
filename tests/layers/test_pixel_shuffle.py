import numpy as np
import pytest
import tensorflow as tf

from lineart_color.layers.pixel_shuffle import PixelShuffle


@pytest.mark.parametrize("scale, shape", [(2, (2, 3, 5, 8)), (3, (1, 4, 2, 18)), (2, (1, 1, 1, 4))])
def test_equals_depth_to_space(scale, shape):
    x = np.random.default_rng(scale).standard_normal(shape).astype(np.float32)
    out = PixelShuffle(scale)(x)
    np.testing.assert_array_equal(np.asarray(out), tf.nn.depth_to_space(x, scale).numpy())
    assert PixelShuffle(scale).compute_output_shape((None, 3, None, shape[-1])) == (
        None, 3 * scale, None, shape[-1] // scale**2)


def test_channel_order_by_hand():
    x = np.arange(4, dtype=np.float32).reshape(1, 1, 1, 4)  # channels (i*2 + j) -> pixel (i, j)
    np.testing.assert_array_equal(np.asarray(PixelShuffle(2)(x))[0, ..., 0], [[0, 1], [2, 3]])


def test_bad_channels_and_config():
    with pytest.raises(ValueError, match="divisible by scale"):
        PixelShuffle(2)(np.zeros((1, 2, 2, 6), np.float32))
    with pytest.raises(ValueError, match="scale must be"):
        PixelShuffle(0)
    assert PixelShuffle.from_config(PixelShuffle(3).get_config()).scale == 3
