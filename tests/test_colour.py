"""Quantised CIELAB ab distributions (MemoPainter's colour feature)."""

import numpy as np

from lineart_color.colour import AB_BINS, AB_RANGE, AB_STEP, ab_distribution, rgb_to_lab


def _bin_of(rgb):
    a, b = rgb_to_lab(np.array(rgb, np.float64))[1:]
    return int((a + AB_RANGE) // AB_STEP) * AB_BINS + int((b + AB_RANGE) // AB_STEP)


def test_each_pixel_counts_in_its_own_bin_and_the_mask_picks_pixels():
    image = np.zeros((2, 2, 3))
    image[0] = [1.0, 0.0, 0.0]  # two red pixels
    image[1] = [0.0, 0.0, 1.0]  # two blue ones
    hard = ab_distribution(image, smoothing=0)
    assert hard.shape == (AB_BINS**2,) and hard.sum() == 1.0
    assert hard[_bin_of([1, 0, 0])] == 0.5 and hard[_bin_of([0, 0, 1])] == 0.5
    only_red = ab_distribution(image, np.array([[True, True], [False, False]]), smoothing=0)
    assert only_red[_bin_of([1, 0, 0])] == 1.0
    nothing = ab_distribution(image, np.zeros((2, 2), bool), smoothing=0)
    neutral = int(AB_RANGE // AB_STEP) * (AB_BINS + 1)  # the bin of a = b = 0
    assert nothing[neutral] == 1.0  # no paint: all on the neutral bin


def test_the_soft_histogram_keeps_its_mass_and_its_peak():
    red = np.zeros((3, 3, 3))
    red[..., 0] = 1.0
    soft = ab_distribution(red)
    assert abs(soft.sum() - 1.0) < 1e-6 and int(np.argmax(soft)) == _bin_of([1, 0, 0])
    assert 0.1 < soft.max() < 1.0 and np.count_nonzero(soft > 1e-3) >= 5  # spread to the neighbours
