import cv2
import numpy as np
import pytest
import tensorflow as tf

from lineart_color.data.distance import distance_field
from lineart_color.data.distance_graph import distance_field_graph

# H and W unknown while tracing (a --dynamic export: a while loop), or known (a fixed size: unrolled).
_dynamic = tf.function(distance_field_graph, input_signature=[tf.TensorSpec((None, None, None, 1), tf.float32)])
_fixed = tf.function(distance_field_graph)


def _in_graph(*lines: np.ndarray, static: bool = False) -> np.ndarray:
    batch = tf.constant(np.stack(lines)[..., None].astype(np.float32))
    return (_fixed if static else _dynamic)(batch).numpy()[..., 0]


@pytest.mark.parametrize("static", [False, True])
def test_hand_computed_field(static):
    line = np.ones((8, 16), np.float32)
    line[2, 3] = 0.0  # one line pixel; scale = 0.25 * 8 = 2 px
    field = _in_graph(line, static=static)[0]
    assert field[2, 3] == 0.0
    assert field[2, 4] == pytest.approx(0.5)
    assert field[3, 4] == pytest.approx(np.sqrt(2) / 2)
    assert field[0, 3] == 1.0 and field[2, 9] == 1.0  # 2 px and 6 px away: at and beyond the reach


def test_a_known_size_is_unrolled_and_an_unknown_one_loops():
    op_types = lambda traced, spec: {op.type for op in traced.get_concrete_function(spec).graph.get_operations()}
    assert not {"While", "StatelessWhile"} & op_types(_fixed, tf.TensorSpec((2, 16, 24, 1), tf.float32))
    assert {"While", "StatelessWhile"} & op_types(_dynamic, tf.TensorSpec((None, None, None, 1), tf.float32))


def test_no_lines_gives_all_ones():
    assert np.all(_in_graph(np.full((16, 24), 0.6, np.float32)) == 1.0)


@pytest.mark.parametrize("static", [False, True])
def test_matches_scipy_on_drawn_line_art(static):
    ring = np.ones((48, 64), np.float32)
    cv2.circle(ring, (40, 20), 12, 0.0, thickness=1)
    box = np.ones((48, 64), np.float32)
    cv2.rectangle(box, (3, 5), (20, 44), 0.2, thickness=2)
    corner = np.ones((48, 64), np.float32)
    corner[47, 0] = 0.0  # the farthest pixels lie beyond the reach in both axes
    expected = np.stack([distance_field(line) for line in (ring, box, corner)])
    np.testing.assert_allclose(_in_graph(ring, box, corner, static=static), expected, atol=1e-6, rtol=0)


@pytest.mark.parametrize("static", [False, True])
# Bands (a quarter of the shorter side, floored) of 10, 12 and 6 px, and of 8 = 2^3 (reach 8.5) and 7, where
# the column pass's doubling steps (1, 2, 4, ...) just reach the band.
@pytest.mark.parametrize("height, width, density", [(40, 56, 0.002), (64, 48, 0.02), (24, 104, 0.2),
                                                    (34, 90, 0.004), (28, 70, 0.004)])
def test_matches_scipy_on_random_line_art(height, width, density, static):
    rng = np.random.default_rng(height * width)
    lines = [np.where(rng.random((height, width)) < density, rng.random((height, width)) * 0.5, 1.0)
             for _ in range(3)]
    lines[1][:, ::7] = 0.49  # just below the threshold counts as line
    expected = np.stack([distance_field(line) for line in lines])
    np.testing.assert_allclose(_in_graph(*lines, static=static), expected, atol=1e-6, rtol=0)


def test_reach_is_checked():
    with pytest.raises(ValueError, match="reach"):
        distance_field_graph(tf.ones((1, 8, 8, 1)), reach=1.5)
