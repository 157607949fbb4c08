import cv2
import numpy as np
import pytest

from lineart_color.data.distance import distance_field, line_mask


def test_hand_computed_field():
    line = np.ones((5, 8), np.float32)
    line[2, 3] = 0.0  # one line pixel
    field = distance_field(line, reach=0.5)  # scale = 0.5 * shorter side 5 = 2.5 px
    assert field[2, 3] == 0.0
    assert field[2, 4] == pytest.approx(1 / 2.5)
    assert field[0, 3] == pytest.approx(2 / 2.5)
    assert field[3, 4] == pytest.approx(np.sqrt(2) / 2.5)
    assert field[2, 7] == 1.0  # 4 px away: beyond the reach, clipped
    assert field.dtype == np.float32 and field.shape == (5, 8)


def test_no_lines_gives_all_ones():
    assert np.all(distance_field(np.ones((6, 9))) == 1.0)


def test_grey_threshold_and_channel_axis():
    line = np.full((4, 4, 1), 0.7, np.float32)
    assert not line_mask(line).any()
    assert line_mask(line, threshold=0.8).all()


def _ring(side: int) -> np.ndarray:
    line = np.ones((side, side), np.float32)
    cv2.circle(line, (side // 2, side // 3), side // 4, 0.0, thickness=max(1, side // 64))
    return line


def test_field_is_resolution_independent():
    small = distance_field(_ring(128))
    large = distance_field(_ring(512))
    shrunk = cv2.resize(large, (128, 128), interpolation=cv2.INTER_AREA)
    assert np.abs(shrunk - small).mean() < 0.01
    # Without normalisation the raw distances would differ by 4x.
    assert small.mean() > 0.1


def test_reach_is_checked():
    with pytest.raises(ValueError, match="reach"):
        distance_field(np.ones((3, 3)), reach=0.0)
