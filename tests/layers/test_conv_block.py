import numpy as np
import pytest

from lineart_color.layers import ConvBlock, Encoder, StyleEmbedder, UpsampleBlock


def test_spectral_norm_divides_by_the_top_singular_value():
    # A 1x1 convolution from 2 to 2 channels with kernel [[1, 1], [1, 1]]: top singular value 2.
    block = ConvBlock(2, kernel_size=1, norm="none", activation=None, spectral=True)
    x = np.array([[[[1.0, 0.0]]]], np.float32)
    block(x)
    block.conv.layer.kernel.assign(np.ones((1, 1, 2, 2), np.float32))
    for _ in range(10):  # power iterations run in training mode
        y = block(x, training=True)
    np.testing.assert_allclose(np.asarray(y)[0, 0, 0], [0.5, 0.5], atol=1e-4)
    np.testing.assert_allclose(np.asarray(block(x, training=False))[0, 0, 0], [0.5, 0.5], atol=1e-4)


def test_shapes_and_config_round_trip():
    block = ConvBlock(6, 4, 2, name="down")
    assert block(np.zeros((3, 10, 14, 2), np.float32)).shape == (3, 5, 7, 6)
    x = np.random.default_rng(0).random((3, 10, 14, 2)).astype(np.float32)
    clone = ConvBlock.from_config(block.get_config())
    clone(x)
    clone.set_weights(block.get_weights())  # kernel size, strides, norm and activation all survive the config
    np.testing.assert_allclose(np.asarray(clone(x)), np.asarray(block(x)), atol=1e-6)
    up = UpsampleBlock(5)
    assert up(np.zeros((1, 3, 4, 2), np.float32)).shape == (1, 6, 8, 5)
    assert UpsampleBlock.from_config(up.get_config()).filters == 5
    with pytest.raises(ValueError, match="norm"):
        ConvBlock(4, norm="batch")


def test_encoder_returns_every_stage():
    encoder = Encoder((4, 6, 8))
    features = encoder(np.zeros((2, 16, 24, 1), np.float32))
    assert [tuple(f.shape) for f in features] == [(2, 8, 12, 4), (2, 4, 6, 6), (2, 2, 3, 8)]
    assert Encoder.from_config(encoder.get_config()).widths == (4, 6, 8)


def test_style_embedder_is_independent_of_size_and_reference_count():
    embedder = StyleEmbedder((4, 8), style_dim=6)
    image = np.random.default_rng(0).random((1, 1, 32, 48, 4)).astype(np.float32)
    one = np.asarray(embedder(image))
    assert one.shape == (1, 6)
    # The same reference twice averages to the same style; a larger frame still works.
    np.testing.assert_allclose(np.asarray(embedder(np.concatenate([image, image], axis=1))), one, atol=1e-5)
    assert embedder(np.zeros((2, 3, 64, 40, 4), np.float32)).shape == (2, 6)


@pytest.mark.parametrize("dynamic", [False, True])
@pytest.mark.parametrize("factor", [1, 2, 4])
def test_nearest_upsampling_repeats_each_pixel_and_exports_no_tile(dynamic, factor):
    """Equal to np.repeat, with H and W known or not; and no Tile op in its graph (repeat's op,
    which TF.js's wasm backend runs element by element)."""
    import tensorflow as tf

    from lineart_color.layers.upsample_block import upsample_nearest

    x = np.random.default_rng(0).random((2, 5, 7, 3)).astype(np.float32)
    spec = tf.TensorSpec((None, None, None, 3) if dynamic else x.shape, tf.float32)
    traced = tf.function(lambda t: upsample_nearest(t, factor), input_signature=[spec]).get_concrete_function()
    expected = np.repeat(np.repeat(x, factor, 1), factor, 2)
    np.testing.assert_array_equal(traced(tf.constant(x)).numpy(), expected)
    assert not {node.op for node in traced.graph.as_graph_def().node} & {"Tile", "BroadcastTo"}
