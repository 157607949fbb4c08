import keras
import numpy as np
import pytest

from lineart_color.layers.self_attention import SelfAttention2D


def _layer(x, gamma=0.7, chunk_size=4096):
    keras.utils.set_random_seed(3)
    layer = SelfAttention2D(reduction=2, chunk_size=chunk_size)
    layer(x)
    layer.gamma.assign(gamma)  # starts at 0, the identity: switch the attention on
    return layer


def test_permuting_positions_permutes_the_output():
    # a hand-made 2 x 3 map of 4 channels, each position distinct
    x = np.array([[[[1, 0, 0, 2], [0, 1, 0, 0], [0, 0, 1, -1]],
                   [[2, 2, 0, 0], [-1, 0, 3, 1], [0.5, 0.5, 0.5, 0.5]]]], np.float32)
    layer = _layer(x)
    out = np.asarray(layer(x)).reshape(6, 4)
    assert not np.allclose(out, x.reshape(6, 4))  # the attention does something
    order = np.array([4, 0, 5, 2, 1, 3])
    permuted = x.reshape(6, 4)[order].reshape(1, 2, 3, 4)
    np.testing.assert_allclose(np.asarray(layer(permuted)).reshape(6, 4), out[order], atol=1e-5)
    # the same positions as one row of six: the layout does not matter either
    np.testing.assert_allclose(np.asarray(layer(x.reshape(1, 1, 6, 4))).reshape(6, 4), out, atol=1e-5)


def test_starts_as_the_identity_and_chunks_change_nothing():
    x = np.random.default_rng(0).standard_normal((2, 6, 5, 8)).astype(np.float32)
    fresh = SelfAttention2D()
    np.testing.assert_array_equal(np.asarray(fresh(x)), x)
    whole, chunked = _layer(x, chunk_size=4096), _layer(x, chunk_size=7)
    np.testing.assert_allclose(np.asarray(chunked(x)), np.asarray(whole(x)), atol=1e-5)


def test_every_weight_gets_a_gradient_in_training():
    import tensorflow as tf

    x = tf.constant(np.random.default_rng(1).standard_normal((1, 4, 4, 8)).astype(np.float32))
    layer = _layer(x)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x, training=True) ** 2)
    grads = tape.gradient(loss, layer.trainable_weights)
    assert all(g is not None and float(tf.reduce_max(tf.abs(g))) > 0 for g in grads)


def test_bad_arguments_and_config():
    with pytest.raises(ValueError, match="reduction and chunk_size"):
        SelfAttention2D(reduction=0)
    layer = SelfAttention2D.from_config(SelfAttention2D(reduction=4, chunk_size=64).get_config())
    assert (layer.reduction, layer.chunk_size) == (4, 64)
