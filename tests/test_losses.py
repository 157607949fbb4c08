import numpy as np
import pytest

from lineart_color.training import losses


def test_adversarial_losses_by_hand():
    zeros = np.zeros((2, 3, 3, 1), np.float32)
    np.testing.assert_allclose(losses.bce_generator_loss(zeros), [np.log(2)] * 2, rtol=1e-6)
    np.testing.assert_allclose(losses.bce_discriminator_loss(zeros, zeros), [2 * np.log(2)] * 2, rtol=1e-6)
    np.testing.assert_allclose(losses.hinge_discriminator_loss(zeros + 1, zeros - 1), [0.0, 0.0])
    np.testing.assert_allclose(losses.hinge_discriminator_loss(zeros, zeros), [2.0, 2.0])
    np.testing.assert_allclose(losses.hinge_generator_loss(zeros + 0.5), [-0.5, -0.5])
    with pytest.raises(ValueError, match="adversarial"):
        losses.generator_adversarial_loss("wgan", zeros)


def test_l1_is_per_example():
    prediction = np.zeros((2, 2, 2, 3), np.float32)
    target = np.stack([np.zeros((2, 2, 3)), np.full((2, 2, 3), 0.5)]).astype(np.float32)
    np.testing.assert_allclose(losses.l1_loss(prediction, target), [0.0, 0.5])


def test_gram_matrix_by_hand():
    features = np.array([1.0, 2.0, 3.0, 4.0], np.float32).reshape(1, 1, 2, 2)  # positions (1,2), (3,4)
    expected = np.array([[1 + 9, 2 + 12], [2 + 12, 4 + 16]]) / 4.0
    np.testing.assert_allclose(np.asarray(losses.gram_matrix(features))[0], expected)


def test_vgg_losses_zero_for_identical_and_positive_otherwise():
    vgg = losses.vgg19_features(None)
    rng = np.random.default_rng(0)
    a, b = rng.random((2, 32, 48, 3)).astype(np.float32), rng.random((2, 32, 48, 3)).astype(np.float32)
    features_a, features_b = vgg(a), vgg(b)
    assert len(features_a) == len(losses.VGG_LAYERS)
    np.testing.assert_allclose(losses.perceptual_loss(features_a, features_a), [0, 0])
    assert np.all(np.asarray(losses.perceptual_loss(features_a, features_b)) > 0)
    assert np.all(np.asarray(losses.style_loss(features_a, features_b)) > 0)


def test_downsampling_by_pooling_equals_area_resize():
    image = np.random.default_rng(1).random((2, 16, 24, 3)).astype(np.float32)
    like = np.zeros((2, 2, 3, 3), np.float32)
    pooled = np.asarray(losses.downsample_to(image, like))
    np.testing.assert_allclose(pooled, image.reshape(2, 2, 8, 3, 8, 3).mean(axis=(2, 4)), atol=1e-6)
    odd = np.zeros((2, 3, 5, 3), np.float32)  # not a whole factor: area resize
    assert losses.downsample_to(image, odd).shape == (2, 3, 5, 3)


def test_latent_constraint_against_the_downsampled_target():
    target = np.zeros((1, 16, 16, 3), np.float32)
    target[:, :8] = 1.0  # top half white
    exact = np.zeros((1, 2, 2, 3), np.float32)
    exact[:, :1] = 1.0
    np.testing.assert_allclose(losses.latent_constraint_loss([exact, exact], target), [0.0], atol=1e-6)
    np.testing.assert_allclose(losses.latent_constraint_loss([exact, 1 - exact], target), [1.0], atol=1e-6)


def test_threshold_triplet_loss_by_hand():
    from lineart_color.training.losses import threshold_triplet_loss

    keys = np.array([[1, 0], [0, 1], [0.6, 0.8]], np.float32)
    stored = np.array([[0.5, 0.5], [1, 0], [0.5, 0.5]], np.float32)
    query = np.array([[0.8, 0.6], [0.8, 0.6]], np.float32)
    truth = np.array([[1, 0], [0.5, 0.5]], np.float32)
    loss = np.asarray(threshold_triplet_loss(query, keys, stored, truth, threshold=0.1, margin=0.1))
    # query 0: the positive is slot 1 (its colours; similarity 0.6), the nearest negative slot 2
    # (0.96): 0.96 - 0.6 + 0.1. Query 1: the positive is slot 2 (0.96), the negative slot 1 (0.6).
    np.testing.assert_allclose(loss, [0.46, 0.0], atol=1e-6)
    # no negative in memory: nothing to push away
    alone = threshold_triplet_loss(query[:1], keys[1:2], stored[1:2], truth[:1], threshold=0.1)
    assert float(alone[0]) == 0.0
