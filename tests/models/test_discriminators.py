import numpy as np
import pytest

from lineart_color.models.discriminators import PatchDiscriminator


def test_patch_logits_shape_and_config():
    model = PatchDiscriminator((8, 16, 32))
    logits = model([np.zeros((3, 32, 48, 1), np.float32), np.zeros((3, 32, 48, 3), np.float32)])
    assert logits.shape == (3, 8, 12, 1) and logits.dtype == "float32"
    assert PatchDiscriminator.from_config(model.get_config()).widths == (8, 16, 32)
    with pytest.raises(ValueError, match="two widths"):
        PatchDiscriminator((8,))


def test_conditioned_on_line_art():
    model = PatchDiscriminator((8, 16))
    color = np.random.default_rng(0).random((1, 16, 16, 3)).astype(np.float32)
    a = model([np.zeros((1, 16, 16, 1), np.float32), color])
    b = model([np.ones((1, 16, 16, 1), np.float32), color])
    assert np.abs(np.asarray(a) - np.asarray(b)).max() > 1e-4
