import numpy as np
import pytest

from lineart_color.layers import AdaIN, AdaINResidualBlock, adaptive_instance_norm, instance_moments


def test_moments_by_hand():
    x = np.array([1.0, 2.0, 3.0, 4.0], np.float32).reshape(1, 2, 2, 1)
    mean, std = instance_moments(x, epsilon=0.0)
    assert float(mean[0, 0, 0, 0]) == pytest.approx(2.5)
    assert float(std[0, 0, 0, 0]) == pytest.approx(np.sqrt(1.25))


def test_output_takes_the_given_statistics():
    x = np.random.default_rng(0).normal(3.0, 2.0, (2, 5, 7, 4)).astype(np.float32)
    scale = np.array([[1.0, 2.0, 0.5, 3.0], [2.0, 1.0, 1.0, 1.0]], np.float32)
    shift = np.array([[0.0, -1.0, 4.0, 2.0], [1.0, 1.0, 1.0, 1.0]], np.float32)
    y = np.asarray(adaptive_instance_norm(x, scale, shift, epsilon=0.0))
    np.testing.assert_allclose(y.mean(axis=(1, 2)), shift, atol=1e-5)
    np.testing.assert_allclose(y.std(axis=(1, 2)), scale, atol=1e-4)


def test_fresh_layer_is_instance_norm_and_round_trips():
    layer = AdaIN(name="adain")
    x = np.random.default_rng(1).normal(5.0, 3.0, (3, 6, 10, 8)).astype(np.float32)
    style = np.random.default_rng(2).normal(size=(3, 16)).astype(np.float32)
    y = np.asarray(layer([x, style]))
    np.testing.assert_allclose(y.mean(axis=(1, 2)), 0.0, atol=1e-4)
    np.testing.assert_allclose(y.std(axis=(1, 2)), 1.0, atol=1e-3)
    clone = AdaIN.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


def test_residual_block_shapes_and_config():
    block = AdaINResidualBlock(8, name="block")
    x = np.random.default_rng(3).normal(size=(2, 5, 9, 8)).astype(np.float32)
    style = np.ones((2, 12), np.float32)
    assert block([x, style]).shape == (2, 5, 9, 8)
    assert AdaINResidualBlock.from_config(block.get_config()).filters == 8
    with pytest.raises(ValueError, match="4 channels"):
        AdaINResidualBlock(8)([np.zeros((1, 4, 4, 4), np.float32), style[:1]])
    with pytest.raises(ValueError, match="filters"):
        AdaINResidualBlock(0)
