"""Pick the tf.distribute strategy for this machine."""

from __future__ import annotations

import os

import tensorflow as tf

from lineart_color.errors import UserError
from lineart_color.training.config import STRATEGIES


def tpu_signs() -> list[str]:
    """What says this is a TPU host (Colab's or Cloud TPU's): its environment variables and a TPU
    VM's accelerator device. Read before any resolver is made: on a machine that is not a cloud
    VM, TPUClusterResolver() may probe a cloud metadata address."""
    signs = [name for name in ("TPU_NAME", "COLAB_TPU_ADDR") if os.environ.get(name)]
    return signs + (["/dev/accel0"] if os.path.exists("/dev/accel0") else [])


def _tpu_strategy(required: bool = False):
    """A TPUStrategy on a TPU host, else None; with `required`, UserError instead of None."""
    if not tpu_signs():
        if required:
            raise UserError("--strategy tpu: no TPU here (neither TPU_NAME nor COLAB_TPU_ADDR is set, "
                            "and there is no /dev/accel0)")
        return None
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        return tf.distribute.TPUStrategy(resolver)
    except (ValueError, RuntimeError, tf.errors.OpError) as error:
        if required:
            first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
            raise UserError(f"--strategy tpu: this looks like a TPU host ({', '.join(tpu_signs())}) "
                            f"but its TPU could not be reached: {first_line}") from None
        return None


def accelerator() -> str:
    """"tpu", "gpu" or "cpu": what this machine trains on, as `--strategy auto` would find it
    (from the environment for a TPU, so nothing is probed)."""
    if tpu_signs():
        return "tpu"
    return "gpu" if tf.config.list_physical_devices("GPU") else "cpu"


def choose_strategy(kind: str = "auto") -> tf.distribute.Strategy:
    """auto: TPU if present, multi-worker via TF_CONFIG, several GPUs -> Mirrored, else default.

    "mirrored" forces MirroredStrategy over every visible device of the best kind (several
    logical CPUs in tests); "default" forces the single-device default strategy; "tpu" forces
    TPUStrategy and is refused (UserError) where there is no TPU.
    """
    if kind not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}, got {kind!r}")
    if kind == "default":
        return tf.distribute.get_strategy()
    if kind == "tpu":
        return _tpu_strategy(required=True)
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


def worker_role(strategy: tf.distribute.Strategy) -> tuple[str, bool]:
    """(a name for this worker, whether it is the chief that writes the run directory).

    Outside multi-worker training there is one worker, and it is the chief. With TF_CONFIG the
    chief is the "chief" task, or worker 0 when the cluster has none.
    """
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return "worker-0", True
    jobs = resolver.cluster_spec().as_dict()
    chief = resolver.task_type == "chief" or ("chief" not in jobs and resolver.task_type == "worker"
                                              and resolver.task_id == 0)
    return f"{resolver.task_type}-{resolver.task_id}", chief
