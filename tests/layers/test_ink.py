"""The ink layer (lineart_color/layers/ink.py): line art laid over paint as a cel is composited."""

import numpy as np

from lineart_color.layers import ink


def _frame(core=(0.0, 0.0, 0.0)):
    """Red paint with a vertical line: a core column of grey 0 (ink `core`) and faint columns beside it."""
    paint = np.zeros((1, 7, 9, 3), np.float32)
    paint[..., 0] = 0.9
    line = np.ones((1, 7, 9, 1), np.float32)
    line[:, :, 4] = 0.0
    line[:, :, 3] = line[:, :, 5] = 0.6
    inks = np.broadcast_to(np.asarray(core, np.float32), paint.shape)
    return paint, line, np.asarray(ink.composite(paint, inks, line))


def test_a_tinted_line_keeps_its_colour_and_its_edges_blend_it_into_the_paint():
    paint, line, frame = _frame(core=(0.1, 0.5, 0.1))
    laid = np.asarray(ink.lay_lines(frame, line, ink_colour=True))
    np.testing.assert_allclose(laid, frame, atol=1e-5)  # the frame is already paint under ink: unchanged
    np.testing.assert_allclose(laid[0, 3, 4], (0.1, 0.5, 0.1), atol=1e-5)
    np.testing.assert_allclose(laid[0, 3, 3], 0.6 * paint[0, 3, 3] + 0.4 * np.array([0.1, 0.5, 0.1]), atol=1e-5)


def test_black_ink_darkens_whatever_the_colourer_put_on_the_line():
    paint, line, _ = _frame()
    guess = paint.copy()
    guess[:, :, 3:6] = 0.7  # a colourer's grey smear along the line
    laid = np.asarray(ink.lay_lines(guess, line, ink_colour=False))
    np.testing.assert_allclose(laid[0, :, 4], 0.0, atol=1e-6)  # the core is the artist's black
    np.testing.assert_allclose(laid[0, :, 3], np.tile([0.54, 0.0, 0.0], (7, 1)), atol=1e-6)  # red under the edge
    np.testing.assert_allclose(laid[0, :, :3], paint[0, :, :3])  # clean paint as it was
