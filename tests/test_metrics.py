import numpy as np
import pytest

from lineart_color import colour, metrics
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


def test_psnr_of_a_known_error():
    truth = np.zeros((4, 6, 3))
    assert metrics.psnr(truth + 0.1, truth) == pytest.approx(20.0)  # mse 0.01 -> 20 dB
    assert metrics.psnr(truth, truth) == float("inf")


def test_ssim_is_one_for_identical_images_and_drops_with_noise():
    image = np.random.default_rng(1).random((24, 20, 3))
    assert metrics.ssim(image, image) == pytest.approx(1.0)
    noisy = np.clip(image + np.random.default_rng(2).normal(0, 0.2, image.shape), 0, 1)
    assert metrics.ssim(noisy, image) < 0.9
    with pytest.raises(ValueError, match="shapes differ"):
        metrics.ssim(image, image[:, :10])


def test_lab_of_known_colours():
    # Reference values of sRGB white, black and pure red under D65.
    lab = colour.rgb_to_lab(np.array([[1.0, 1.0, 1.0], [0.0, 0.0, 0.0], [1.0, 0.0, 0.0]]))
    np.testing.assert_allclose(lab, [[100, 0, 0], [0, 0, 0], [53.24, 80.09, 67.20]], atol=0.02)


def test_flat_accuracy_counts_painted_pixels_only():
    # 12x12: a vertical line at column 5; truth paints the left side red, the right side white paper.
    line = np.ones((12, 12))
    line[:, 5] = 0.0
    truth = np.ones((12, 12, 3))
    truth[:, :5] = (1.0, 0.0, 0.0)
    mask = metrics.painted_mask(line, truth)
    assert mask.sum() == 12 * 3  # columns 0-2: more than 2 px from the line, not paper
    output = truth.copy()
    output[:6, :3] = (0.0, 0.0, 1.0)  # half of the painted pixels wrong
    output[:, 3:] = 0.5  # near the line or on paper: not scored
    assert metrics.flat_accuracy_counts(output, truth, line) == (18, 36)
    assert metrics.flat_accuracy(output, truth, line) == pytest.approx(0.5)
    assert np.isnan(metrics.flat_accuracy(output, np.ones((12, 12, 3)), line))  # all paper


def test_ssim_matches_scikit_image_s_gaussian_ssim():
    """Pinned to the reference implementation (Wang et al.'s settings: Gaussian sigma 1.5, population covariance)."""
    from skimage.metrics import structural_similarity

    rng = np.random.default_rng(3)
    truth = rng.random((40, 56, 3))
    for noise in (0.02, 0.1, 0.3):
        output = np.clip(truth + rng.normal(0, noise, truth.shape), 0, 1)
        reference, reference_map = structural_similarity(output, truth, channel_axis=-1, gaussian_weights=True,
                                                         sigma=1.5, use_sample_covariance=False, data_range=1.0,
                                                         full=True)
        ours = metrics.ssim_map(output, truth)
        # the same index at every pixel; scikit-image averages without a 5 px border, we average it all
        np.testing.assert_allclose(ours[5:-5, 5:-5], reference_map[5:-5, 5:-5], atol=1e-6)
        assert ours[5:-5, 5:-5].mean() == pytest.approx(reference, abs=1e-6)
        assert metrics.ssim(output, truth) == pytest.approx(ours.mean())


def test_lab_and_delta_e_match_scikit_image():
    from skimage.color import deltaE_cie76, rgb2lab

    rng = np.random.default_rng(4)
    a, b = rng.random((16, 16, 3)), rng.random((16, 16, 3))
    np.testing.assert_allclose(colour.rgb_to_lab(a), rgb2lab(a), atol=0.05)
    np.testing.assert_allclose(colour.delta_e(a, b), deltaE_cie76(rgb2lab(a), rgb2lab(b)), atol=0.1)


def test_line_zone_accuracy_sees_a_grey_halo_that_flat_accuracy_cannot():
    truth = np.zeros((20, 24, 3))
    truth[...] = (0.9, 0.1, 0.1)  # red paint everywhere
    line = np.ones((20, 24))
    line[10, :] = 0.5  # one faint line: the truth is the paint darkened under it
    truth[10] *= 0.5
    halo = truth.copy()
    halo[9:12] = 0.8  # grey pasted over the line and the rows beside it
    zone = metrics.line_zone_mask(line, truth)
    assert zone[8:13].all() and not zone[:8].any() and not zone[13:].any()  # within 2 px of the line
    assert metrics.flat_accuracy(halo, truth, line) == 1.0  # blind to it
    assert metrics.line_zone_accuracy(halo, truth, line) == pytest.approx(2 / 5)  # rows 8 and 12 of 8..12 right
    assert metrics.line_zone_accuracy(truth, truth, line) == 1.0
    paper = np.ones_like(truth)
    assert np.isnan(metrics.line_zone_accuracy(paper, paper, line))  # paper in the truth is not scored
