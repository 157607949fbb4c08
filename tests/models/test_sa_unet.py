import numpy as np
import pytest

from lineart_color.layers.unet import UNet
from lineart_color.models.discriminators import PatchDiscriminator
from lineart_color.models.files import load_network
from lineart_color.layers.self_attention import SelfAttention2D
from lineart_color.models.sa_unet import SAUNet

TINY = (8, 16, 32, 64)


@pytest.mark.parametrize("height, width", [(32, 40), (24, 64)])
def test_paints_any_size_that_is_a_multiple_of_eight(height, width):
    network = SAUNet(widths=TINY)
    line = np.random.default_rng(0).random((2, height, width, 1)).astype(np.float32)
    color = np.asarray(network({"line": line})["color"])
    assert color.shape == (2, height, width, 3)
    assert color.min() >= 0.0 and color.max() <= 1.0
    assert network.size_multiple == 8


def test_attention_sits_at_the_quarter_size_stage_and_the_discriminator_has_its_own():
    unet = UNet(TINY, attention_at=(4,))
    assert list(unet.attention) == [2]  # level 2 of widths: 1/4 size
    with pytest.raises(ValueError, match="attention_at"):
        UNet(TINY, attention_at=(3,))
    discriminator = PatchDiscriminator((8, 16, 32), attention_after=1)
    logits = discriminator([np.ones((1, 32, 32, 1), np.float32), np.ones((1, 32, 32, 3), np.float32)])
    assert logits.shape == (1, 8, 8, 1) and discriminator.attention is not None
    with pytest.raises(ValueError, match="attention_after"):
        PatchDiscriminator((8, 16), attention_after=2)


def test_preset_sizes_and_a_saved_file_gives_the_same_colours(tmp_path):
    network = SAUNet("small", widths=TINY).ensure_built()
    assert network.get_config()["widths"] == TINY and network.get_config()["attention_at"] == (4,)
    for layer in network.unet._flatten_layers():
        if isinstance(layer, SelfAttention2D):
            layer.gamma.assign(0.3)
    network.save(tmp_path / "sa.keras")
    loaded = load_network(tmp_path / "sa.keras", "sa-unet")
    line = np.random.default_rng(1).random((1, 16, 24, 1)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(loaded({"line": line})["color"]),
                               np.asarray(network({"line": line})["color"]), atol=1e-6)
    with pytest.raises(ValueError, match="preset must be one of"):
        SAUNet("huge")
