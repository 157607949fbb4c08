"""Pick the tf.distribute strategy for this machine."""

from __future__ import annotations

import os

import tensorflow as tf

from lineart_color.training.config import STRATEGIES


def _tpu_strategy():
    """A TPUStrategy when this looks like a TPU host (Colab or Cloud TPU), else None."""
    if not (os.environ.get("TPU_NAME") or os.environ.get("COLAB_TPU_ADDR") or os.path.exists("/dev/accel0")):
        return None
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        return tf.distribute.TPUStrategy(resolver)
    except (ValueError, RuntimeError, tf.errors.OpError):
        return None


def choose_strategy(kind: str = "auto") -> tf.distribute.Strategy:
    """auto: TPU if present, multi-worker via TF_CONFIG, several GPUs -> Mirrored, else default.

    "mirrored" forces MirroredStrategy over every visible device of the best kind (several
    logical CPUs in tests); "default" forces the single-device default strategy.
    """
    if kind not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}, got {kind!r}")
    if kind == "default":
        return tf.distribute.get_strategy()
    if kind == "mirrored":
        devices = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU")
        return tf.distribute.MirroredStrategy([device.name for device in devices])
    tpu = _tpu_strategy()
    if tpu is not None:
        return tpu
    if "TF_CONFIG" in os.environ:
        return tf.distribute.MultiWorkerMirroredStrategy()
    if len(tf.config.list_logical_devices("GPU")) > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()
