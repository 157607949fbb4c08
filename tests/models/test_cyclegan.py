import numpy as np
import pytest

from lineart_color.commands.data import line_extractor
from lineart_color.models.cyclegan import CycleGAN, translate
from lineart_color.models.discriminators import DomainDiscriminators
from lineart_color.training.losses import cycle_loss

TINY = {"paint_widths": (8, 16), "scan_widths": (8, 16, 32)}


def _images(seed=0, size=16):
    rng = np.random.default_rng(seed)
    return rng.random((2, size, size, 1)).astype(np.float32), rng.random((2, size, size, 3)).astype(np.float32)


def test_the_cycle_loss_is_zero_for_identity_generators_and_not_for_learned_ones():
    line, colour = _images()
    identity = lambda images: images
    outputs = translate(identity, identity, line, colour)
    np.testing.assert_array_equal(np.asarray(cycle_loss(line, colour, outputs["cycled_line"],
                                                        outputs["cycled_color"])), [0.0, 0.0])
    network = CycleGAN(**TINY)
    outputs = network({"line": line, "color": colour})
    loss = np.asarray(cycle_loss(line, colour, outputs["cycled_line"], outputs["cycled_color"]))
    assert loss.shape == (2,) and np.all(loss > 0.01)


def test_both_directions_have_their_domain_s_shapes():
    line, colour = _images(1)
    outputs = CycleGAN(**TINY)({"line": line, "color": colour})
    assert outputs["color"].shape == (2, 16, 16, 3) and outputs["cycled_color"].shape == (2, 16, 16, 3)
    assert outputs["line"].shape == (2, 16, 16, 1) and outputs["cycled_line"].shape == (2, 16, 16, 1)
    logits = DomainDiscriminators((8, 16, 32))((outputs["line"], outputs["color"]))
    assert logits.shape == (2, 4, 4, 2)  # one channel per judge


def test_the_line_extractor_takes_any_frame_size_and_survives_saving(tmp_path):
    from lineart_color.models.files import load_network

    network = CycleGAN(**TINY).ensure_built()
    network.save(tmp_path / "lines.keras")
    loaded = load_network(tmp_path / "lines.keras", "cyclegan")
    frame = np.random.default_rng(2).random((21, 30, 3)).astype(np.float32)
    line = line_extractor(loaded)(frame)
    assert line.shape == (21, 30) and line.min() >= 0.0 and line.max() <= 1.0
    np.testing.assert_allclose(line, line_extractor(network)(frame), atol=1e-6)
    with pytest.raises(ValueError, match="preset must be one of"):
        CycleGAN("paper")
