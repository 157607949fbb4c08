import keras
import numpy as np

from lineart_color.layers.spectral import SpectralNormalization


def _pair(seed):
    """Keras's layer and ours around equal convolutions, with equal power-iteration vectors."""
    x = np.random.default_rng(seed).normal(size=(2, 8, 8, 3)).astype(np.float32)
    keras.utils.set_random_seed(seed)
    theirs = keras.layers.SpectralNormalization(keras.layers.Conv2D(5, 3, padding="same"))
    ours = SpectralNormalization(keras.layers.Conv2D(5, 3, padding="same"))
    theirs.build(x.shape), ours.build(x.shape)
    for mine, reference in zip(ours.weights, theirs.weights):
        mine.assign(reference)
    return x, theirs, ours


def test_training_calls_update_weights_and_outputs_as_keras_does():
    x, theirs, ours = _pair(0)
    for _ in range(3):
        np.testing.assert_allclose(np.asarray(ours(x, training=True)), np.asarray(theirs(x, training=True)),
                                   rtol=1e-5, atol=1e-6)
    for mine, reference in zip(ours.weights, theirs.weights):
        np.testing.assert_allclose(mine.numpy(), reference.numpy(), rtol=1e-5, atol=1e-7)
    # and the normalisation happened: the largest singular value is now 1
    kernel = ours.kernel.numpy().reshape(-1, 5)
    assert abs(np.linalg.svd(kernel, compute_uv=False)[0] - 1.0) < 0.05


def test_inference_leaves_the_weights_alone_and_an_all_zero_kernel_stays_zero():
    x, _, ours = _pair(1)
    before = [w.numpy() for w in ours.weights]
    ours(x, training=False)
    assert all(np.array_equal(a, w.numpy()) for a, w in zip(before, ours.weights))
    ours.kernel.assign(np.zeros(ours.kernel.shape, np.float32))
    vector_u = ours.vector_u.numpy()
    output = np.asarray(ours(x, training=True))
    assert np.isfinite(output).all() and not ours.kernel.numpy().any()
    np.testing.assert_array_equal(ours.vector_u.numpy(), vector_u)
