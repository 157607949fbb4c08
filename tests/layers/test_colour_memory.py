"""MemoPainter's colour memory: retrieval and the paper's write rule."""

import numpy as np
import pytest

from lineart_color.layers.colour_memory import ColourMemory, kl_divergence


def _memory(**settings):
    memory = ColourMemory(**{"slots": 4, "key_dim": 2, "bins": 3, "top_k": 2, "threshold": 0.1, **settings})
    memory.build()
    return memory


def test_a_stored_item_comes_back_for_its_own_key():
    memory = _memory()
    keys = np.array([[1, 0], [0, 1], [0.6, 0.8]], np.float32)
    values = np.eye(3, dtype=np.float32)
    memory.write(keys, values)
    similarities, retrieved, slots = (np.asarray(x) for x in memory(keys))
    np.testing.assert_allclose(similarities[:, 0], 1.0, atol=1e-6)
    np.testing.assert_array_equal(retrieved[:, 0], values)
    assert len(set(slots[:, 0])) == 3


def test_a_close_colour_joins_its_slot_and_a_new_one_takes_the_oldest():
    memory = _memory(slots=3)
    memory.write(np.array([[1, 0], [0, 1]], np.float32), np.array([[1, 0, 0], [0, 1, 0]], np.float32))
    # Same colours as slot 0, a nearby key: it joins slot 0 (key pulled toward it, age 0).
    memory.write(np.array([[1, 1]], np.float32), np.array([[1, 0, 0]], np.float32))
    np.testing.assert_allclose(memory.keys.numpy()[0], [np.cos(np.pi / 8), np.sin(np.pi / 8)], atol=1e-6)
    np.testing.assert_array_equal(memory.ages.numpy()[:2], [0, 1])
    # Another colour: it fills the empty slot, then a further one replaces the oldest (slot 1).
    memory.write(np.array([[-1, 0]], np.float32), np.array([[0, 0, 1]], np.float32))
    memory.write(np.array([[0, -1]], np.float32), np.array([[0.5, 0, 0.5]], np.float32))
    np.testing.assert_allclose(memory.keys.numpy()[1:], [[0, -1], [-1, 0]], atol=1e-6)
    np.testing.assert_allclose(memory.values.numpy()[1], [0.5, 0, 0.5])


def test_kl_divergence_by_hand():
    assert float(kl_divergence(np.array([0.5, 0.5]), np.array([0.25, 0.75]))) == pytest.approx(
        0.5 * np.log(2) + 0.5 * np.log(2 / 3), abs=1e-6)


def test_clear_empties_every_slot():
    memory = _memory()
    memory.write(np.array([[1, 0]], np.float32), np.array([[1, 0, 0]], np.float32))
    memory.clear()
    assert not memory.keys.numpy().any() and (memory.ages.numpy() > 1e8).all()
