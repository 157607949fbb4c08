"""Every model kind's training step compiles with XLA (`train --jit`): what a TPU requires,
checked on the CPU. ctn's is in test_training.py (with bfloat16), memo's in test_memo_training.py."""

import numpy as np
import pytest

from lineart_color.models.color_transform import ColorTransformNetwork
from lineart_color.training.config import PRESETS
from lineart_color.training.gan_trainer import GANTrainer
from lineart_color.training.tasks import make_task

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("preset", ["tcn-tiny", "corr-tiny", "lcmftn-tiny", "sa-unet-tiny", "cyclegan-tiny"])
def test_a_step_compiles_with_xla_and_trains(tmp_path, preset):
    config = PRESETS[preset]()
    config.run.jit = True
    if config.model.name == "tcn":  # stage two runs behind a finished colour network
        (tmp_path / "ctn").mkdir()
        ColorTransformNetwork("small").ensure_built().save(tmp_path / "ctn" / "generator.keras")
        config.model.ctn_run = str(tmp_path / "ctn")
    trainer = GANTrainer(config.validate(), make_task(config), tmp_path / "run", strategy="default")
    assert trainer.config.run.jit
    batch = next(iter(trainer._dataset(start=0)))
    before = [v.numpy() for v in trainer.generator.trainable_variables]
    values = trainer.train_step(batch)
    assert trainer._step_fn._jit_compile  # the step ran as one XLA cluster (tf.function's own record)
    assert values and all(np.isfinite(float(value)) for value in values.values())
    assert any(not np.array_equal(a, v.numpy()) for a, v in zip(before, trainer.generator.trainable_variables))
