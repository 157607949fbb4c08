import numpy as np
import pytest

from lineart_color.metrics import temporal_change


def test_still_frames_have_no_change():
    color, line = np.random.default_rng(0).random((6, 8, 3)), np.ones((6, 8))
    assert temporal_change([color] * 3, [line] * 3) == 0.0


def test_flicker_on_static_pixels_is_measured_and_moving_lines_are_ignored():
    lines = [np.ones((4, 4)), np.ones((4, 4))]
    lines[1][0, :] = 0.0  # the top row's drawing changed: those pixels are not static
    first = np.zeros((4, 4, 3))
    second = np.zeros((4, 4, 3))
    second[0, :] = 1.0  # changes only where the line changed: ignored
    second[1:, :, 0] = 0.3  # the static 12 pixels change red by 0.3: mean over RGB 0.1
    assert temporal_change([first, second], lines) == pytest.approx(0.1)


def test_no_static_pixels_and_bad_input():
    assert np.isnan(temporal_change([np.zeros((2, 2, 3))] * 2, [np.zeros((2, 2)), np.ones((2, 2))]))
    with pytest.raises(ValueError, match="2 colour frames and 1 line"):
        temporal_change([np.zeros((2, 2, 3))] * 2, [np.zeros((2, 2))])
