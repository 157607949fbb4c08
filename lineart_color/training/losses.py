"""Losses, as pure functions returning one value per example ([B]).

Per-example values let a training step written from one replica's view scale them with
`tf.nn.compute_average_loss(..., global_batch_size=...)`. Adversarial losses accept
patch-shaped logits [B, h, w, 1].
"""

from __future__ import annotations

from typing import Sequence

import keras
from keras import ops

ADVERSARIAL = ("hinge", "bce")
# VGG19 layers for the perceptual and style terms (relu outputs of each block's first conv).
VGG_LAYERS = ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1")


def _per_example_mean(x):
    return ops.mean(ops.reshape(ops.cast(x, "float32"), (ops.shape(x)[0], -1)), axis=1)


def l1_loss(prediction, target):
    """Mean absolute error per example."""
    return _per_example_mean(ops.abs(ops.cast(prediction, "float32") - ops.cast(target, "float32")))


def bce_generator_loss(fake_logits):
    """Non-saturating GAN loss: -log sigmoid(D(fake))."""
    return _per_example_mean(ops.softplus(-fake_logits))


def bce_discriminator_loss(real_logits, fake_logits):
    return _per_example_mean(ops.softplus(-real_logits)) + _per_example_mean(ops.softplus(fake_logits))


def hinge_generator_loss(fake_logits):
    return _per_example_mean(-fake_logits)


def hinge_discriminator_loss(real_logits, fake_logits):
    return _per_example_mean(ops.relu(1.0 - real_logits)) + _per_example_mean(ops.relu(1.0 + fake_logits))


def generator_adversarial_loss(kind: str, fake_logits):
    if kind not in ADVERSARIAL:
        raise ValueError(f"adversarial loss must be one of {ADVERSARIAL}, got {kind!r}")
    return hinge_generator_loss(fake_logits) if kind == "hinge" else bce_generator_loss(fake_logits)


def discriminator_adversarial_loss(kind: str, real_logits, fake_logits):
    if kind not in ADVERSARIAL:
        raise ValueError(f"adversarial loss must be one of {ADVERSARIAL}, got {kind!r}")
    if kind == "hinge":
        return hinge_discriminator_loss(real_logits, fake_logits)
    return bce_discriminator_loss(real_logits, fake_logits)


def gram_matrix(features):
    """[B, H, W, C] -> [B, C, C], normalised by H*W*C."""
    features = ops.cast(features, "float32")
    shape = ops.shape(features)
    flat = ops.reshape(features, (shape[0], -1, shape[3]))
    size = ops.cast(shape[1] * shape[2] * shape[3], "float32")
    return ops.einsum("bnc,bnd->bcd", flat, flat) / size


def frozen_features(backbone: keras.Model, layers: Sequence[str], name: str) -> keras.Model:
    """A frozen feature extractor over a keras.applications backbone: colour in [0, 1] -> the named
    layers' activations, with Keras's "caffe" preprocessing (RGB -> BGR, minus the ImageNet mean,
    in 0..255), which VGG19 and ResNet-50 share."""
    backbone.trainable = False
    images = keras.Input((None, None, 3))
    bgr = ops.flip(images * 255.0, axis=-1) - ops.convert_to_tensor([103.939, 116.779, 123.68])
    extractor = keras.Model(backbone.input, [backbone.get_layer(layer).output for layer in layers])
    return keras.Model(images, extractor(bgr), name=name)


def vgg19_features(weights_path: str | None = None, layers: Sequence[str] = VGG_LAYERS) -> keras.Model:
    """A frozen VGG19 feature extractor: colour in [0, 1] -> list of layer activations.

    ImageNet weights are loaded from a local file when given (nothing is downloaded);
    otherwise the network keeps its initial weights (tests use this).
    """
    vgg = keras.applications.VGG19(include_top=False, weights=None)
    if weights_path is not None:
        load_backbone_weights(vgg, weights_path, "VGG19", "loss.vgg_weights")
    return frozen_features(vgg, layers, "vgg19_features")


def load_backbone_weights(model: keras.Model, weights_path: str, name: str, field: str) -> None:
    """A local weights file into a keras.applications backbone, or a UserError naming the file."""
    from lineart_color.errors import UserError

    try:
        model.load_weights(weights_path)
    except Exception as error:  # Keras and h5py raise many types for a file of the wrong kind
        reason = str(error).splitlines()[0][:160] if str(error) else type(error).__name__
        raise UserError(f"{weights_path}: not {name} weights for include_top=False ({field}: {reason})") from None


# ResNet-50 stages for the "anime" perceptual term (the last block of stages 2, 3 and 4).
RESNET_LAYERS = ("conv2_block3_out", "conv3_block4_out", "conv4_block6_out")


def resnet50_features(weights_path: str, layers: Sequence[str] = RESNET_LAYERS) -> keras.Model:
    """A frozen ResNet-50 feature extractor for the "anime loss": colour in [0, 1] -> layer activations.

    One reproduction measures colour against a ResNet-50 trained to tag Danbooru illustrations.
    Those weights cannot be downloaded here, so they come from a local Keras weights file for
    keras.applications.ResNet50(include_top=False) (a converted checkpoint), with Keras's
    "caffe" preprocessing, as VGG19's.
    """
    resnet = keras.applications.ResNet50(include_top=False, weights=None)
    load_backbone_weights(resnet, weights_path, "ResNet-50", "loss.anime_weights")
    return frozen_features(resnet, layers, "resnet50_features")


def cycle_loss(line, colour, cycled_line, cycled_colour):
    """CycleGAN's cycle consistency, per example: L1 of each domain's images against their trip
    through both generators (models/cyclegan.translate), summed over the two domains."""
    return l1_loss(cycled_line, line) + l1_loss(cycled_colour, colour)


def perceptual_loss(prediction_features, target_features):
    """Sum over layers of the mean absolute feature difference, per example."""
    return sum(l1_loss(p, t) for p, t in zip(prediction_features, target_features))


def style_loss(prediction_features, target_features):
    """Sum over layers of the mean absolute Gram-matrix difference, per example."""
    return sum(l1_loss(gram_matrix(p), gram_matrix(t)) for p, t in zip(prediction_features, target_features))


def downsample_to(image, like):
    """Area-downsample image [B, H, W, C] to the spatial size of `like`.

    For a whole-number factor (known shapes) this is average pooling, which XLA compiles;
    otherwise an area resize.
    """
    image = ops.cast(image, "float32")
    height, small = image.shape[1], like.shape[1]
    width, narrow = image.shape[2], like.shape[2]
    if None not in (height, small, width, narrow) and height % small == 0 and width % narrow == 0:
        factor = (height // small, width // narrow)
        return ops.average_pool(image, pool_size=factor, strides=factor, padding="valid")
    return ops.image.resize(image, ops.shape(like)[1:3], interpolation="area")


def latent_constraint_loss(auxiliary_outputs, target):
    """L1 between each auxiliary colour output and the target downsampled to its size, summed."""
    return sum(l1_loss(auxiliary, downsample_to(target, auxiliary)) for auxiliary in auxiliary_outputs)


def threshold_triplet_loss(query, keys, stored_values, truth_values, threshold: float, margin: float = 0.1):
    """MemoPainter's threshold triplet loss, per example.

    query [B, D] and keys [M, D] are unit vectors, stored_values [M, V] the memory's colour
    features, truth_values [B, V] each query's own. A slot is a positive when its feature is
    within `threshold` of the query's (KL divergence), else a negative. With the most similar
    positive p and the most similar negative n: max(q.n - q.p + margin, 0); 0 where the memory
    holds no positive or no negative for the query.
    """
    from lineart_color.layers.colour_memory import kl_divergence

    similarities = ops.matmul(ops.cast(query, "float32"), ops.transpose(ops.cast(keys, "float32")))  # [B, M]
    positive = kl_divergence(truth_values[:, None, :], stored_values[None, :, :]) < threshold
    lowest = -1e9
    best_positive = ops.max(ops.where(positive, similarities, lowest), axis=-1)
    best_negative = ops.max(ops.where(positive, lowest, similarities), axis=-1)
    both = ops.any(positive, axis=-1) & ops.any(ops.logical_not(positive), axis=-1)
    return ops.where(both, ops.relu(best_negative - best_positive + margin), 0.0)
