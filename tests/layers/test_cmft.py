"""LCMFTN's CMFT block: correlation over every position of every reference, chunked."""

import numpy as np
import pytest

from lineart_color.layers.cmft import CorrelationMatchingFeatureTransfer, grid_positions


def _inputs(seed, batch=2, refs=2, height=6, width=5, channels=8, values=3):
    rng = np.random.default_rng(seed)
    make = lambda *shape: rng.normal(size=shape).astype(np.float32)
    return [make(batch, height, width, channels), make(batch, height, width, channels),
            make(batch, refs, height, width, channels), make(batch, refs, height, width, channels),
            make(batch, refs, height, width, values)]


def test_a_reference_identical_to_the_target_gives_back_its_own_colour():
    target, semantic, _, _, colour = _inputs(0, refs=1)
    block = CorrelationMatchingFeatureTransfer()
    transferred, confidence = block([target, semantic, target[:, None], semantic[:, None], colour])
    np.testing.assert_allclose(np.asarray(transferred), colour[:, 0], atol=1e-3)
    assert np.asarray(confidence).min() > 0.99


def test_the_softmax_runs_over_every_position_of_every_reference():
    """The target is reference 1 turned upside down: each position's colour comes from the mirrored
    position of reference 1, not from reference 0 and not from its own position."""
    target, semantic, ref_sketch, ref_semantic, colour = _inputs(1, batch=1, refs=2)
    ref_sketch[:, 1], ref_semantic[:, 1] = target[:, ::-1], semantic[:, ::-1]
    block = CorrelationMatchingFeatureTransfer(scale=200.0, locality=1e-4)  # features decide, position hardly
    transferred, _ = block([target, semantic, ref_sketch, ref_semantic, colour])
    np.testing.assert_allclose(np.asarray(transferred)[0], colour[0, 1, ::-1], atol=1e-3)


def test_alike_positions_are_told_apart_by_distance():
    """Every position looks the same (a flat area): the nearest one, itself, carries most weight."""
    target, semantic, _, _, colour = _inputs(2, refs=1)
    flat = np.zeros_like(target) + 1.0
    transferred, confidence = CorrelationMatchingFeatureTransfer(locality=3.0)(
        [flat, flat, flat[:, None], flat[:, None], colour])
    # weights fall off as exp(-3 d^2): self 1, the 4 nearest e^-3 each, the diagonals e^-6
    interior = np.asarray(confidence)[:, 1:-1, 1:-1]
    expected_self = 1.0 / (1.0 + 4 * np.exp(-3.0) + 4 * np.exp(-6.0) + 4 * np.exp(-12.0) + 8 * np.exp(-15.0))
    np.testing.assert_allclose(interior, expected_self, atol=2e-3)


def test_chunks_change_nothing_and_a_batch_of_queries_is_independent():
    inputs = _inputs(3, height=7, width=9)
    whole = CorrelationMatchingFeatureTransfer(chunk_size=4096, name="a")
    chunked = CorrelationMatchingFeatureTransfer(chunk_size=5, name="b")
    a, _ = whole(inputs)
    chunked.build([x.shape for x in inputs])
    chunked.set_weights(whole.get_weights())
    b, _ = chunked(inputs)
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-5)
    single = whole([x[:1] for x in inputs])[0]
    np.testing.assert_allclose(np.asarray(single), np.asarray(a)[:1], atol=1e-5)


def test_grid_positions_are_row_major_and_centred():
    positions = np.asarray(grid_positions(2, 3))
    np.testing.assert_array_equal(positions, [[-0.5, -1], [-0.5, 0], [-0.5, 1], [0.5, -1], [0.5, 0], [0.5, 1]])


def test_config_keeps_every_setting():
    block = CorrelationMatchingFeatureTransfer(key_dim=4, scale=7.0, locality=0.5, chunk_size=9)
    clone = CorrelationMatchingFeatureTransfer.from_config(block.get_config())
    assert (clone.key_dim, clone.initial_scale, clone.initial_locality, clone.chunk_size) == (4, 7.0, 0.5, 9)
    with pytest.raises(ValueError, match="scale > 0"):
        CorrelationMatchingFeatureTransfer(scale=0.0)
