import numpy as np
import pytest

from lineart_color import regions

from drawings import two_boxes


def test_regions_of_closed_outlines():
    line, _ = two_boxes()
    labels, count = regions.label_regions(line, gap=0)
    assert count == 3  # paper, the inside of each box
    assert labels[0, 0] != labels[15, 10] != labels[15, 30]
    assert (labels[line < 0.5] == 0).all()


def test_gap_closing_keeps_a_broken_outline_closed():
    line, _ = two_boxes(gap_in_b=True)
    _, leaking = regions.label_regions(line, gap=0)
    labels, closed = regions.label_regions(line, gap=2)
    assert leaking == 2 and closed == 3
    assert labels[15, 30] != labels[0, 0]
    assert (labels[line >= 0.5] > 0).all()  # every non-line pixel went back to a region


def test_region_medians():
    labels = np.array([[1, 1, 2], [1, 0, 2]])
    image = np.zeros((2, 3, 3), np.float32)
    image[0, 0], image[0, 1], image[1, 0] = 0.2, 0.4, 0.9
    image[:, 2] = 0.7
    medians = regions.region_medians(labels, 2, image)
    np.testing.assert_allclose(medians[1:], [[0.4] * 3, [0.7] * 3])


def test_paint_bucket_follows_moving_regions():
    key_line, key_colour = two_boxes(left_a=3, left_b=24)
    target_line, target_truth = two_boxes(left_a=5, left_b=27)  # both boxes moved right
    coloured = regions.paint_bucket(target_line, [(key_line, key_colour)])
    inside = target_line > 0.5
    np.testing.assert_allclose(coloured[inside], target_truth[inside], atol=1e-6)


def test_palette_merges_repeated_colours():
    key_line, key_colour = two_boxes()
    palette = regions.keyframe_palette([(key_line, key_colour), (key_line, key_colour)])
    assert len(palette) == 3  # white, red, blue, once each
    np.testing.assert_allclose(sorted(map(tuple, palette)), sorted(map(tuple, regions.region_medians(
        *regions.label_regions(key_line), key_colour)[1:])), atol=1e-6)


def test_flatten_turns_a_noisy_prediction_into_clean_cel_colour():
    line, truth = two_boxes()
    noisy = np.clip(truth + np.random.default_rng(0).normal(0, 0.08, truth.shape), 0, 1).astype(np.float32)
    noisy[15, 15] = (0.1, 0.9, 0.1)  # a stray green pixel inside the red box
    flat = regions.flatten(noisy, line, regions.keyframe_palette([(line, truth)]))
    inside = line > 0.5
    np.testing.assert_allclose(flat[inside], truth[inside], atol=1e-6)
    np.testing.assert_array_equal(flat[~inside], noisy[~inside])  # line pixels keep the prediction


def test_flatten_takes_the_paint_most_pixels_vote_for():
    # One region: 40% red, 30% green, 30% blue. Channel medians would give black, a colour
    # no pixel has; the vote gives red.
    line = np.ones((10, 10), np.float32)
    prediction = np.zeros((10, 10, 3), np.float32)
    prediction.reshape(-1, 3)[:40, 0] = 1.0
    prediction.reshape(-1, 3)[40:70, 1] = 1.0
    prediction.reshape(-1, 3)[70:, 2] = 1.0
    palette = np.eye(3, dtype=np.float32)
    labels, count = regions.label_regions(line, gap=0)
    votes = regions.palette_votes(labels, count, prediction, palette)
    np.testing.assert_allclose(votes[1], [40, 30, 30], atol=1e-3)  # exact colours vote whole, for one paint
    np.testing.assert_allclose(regions.flatten(prediction, line, palette), np.broadcast_to([1.0, 0, 0], (10, 10, 3)))


def test_a_pixel_between_two_paints_splits_its_vote():
    palette = np.array([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]], np.float32)
    grey = np.full((1, 1, 3), 0.4663, np.float32)  # L* = 50: 50 deltaE from black and from white
    votes = regions.palette_votes(np.ones((1, 1), np.int32), 1, grey, palette)
    np.testing.assert_allclose(votes[1], [0.5, 0.5], atol=0.01)


def test_snap_moves_only_pixels_near_a_paint_and_keeps_lines():
    palette = np.array([[0.9, 0.1, 0.1], [0.1, 0.2, 0.9]], np.float32)
    prediction = np.array([[[0.85, 0.15, 0.12],   # a few deltaE from red: snaps to red
                            [0.1, 0.9, 0.1],      # green, far from both paints: kept
                            [0.15, 0.22, 0.85],   # near blue, but a line pixel: kept
                            [0.12, 0.2, 0.88]]],  # near blue: snaps to blue
                          np.float32)
    line = np.array([[1.0, 1.0, 0.0, 1.0]], np.float32)
    snapped = regions.snap_to_paints(prediction, line, palette)
    np.testing.assert_allclose(snapped[0, [0, 3]], palette[[0, 1]])
    np.testing.assert_array_equal(snapped[0, [1, 2]], prediction[0, [1, 2]])
    # a paint boundary without a line survives, where flatten would give the region one paint
    halves = np.concatenate([np.broadcast_to(palette[0], (4, 2, 3)), np.broadcast_to(palette[1], (4, 2, 3))], axis=1)
    np.testing.assert_array_equal(regions.snap_to_paints(halves, np.ones((4, 4)), palette), halves)
    assert len(np.unique(regions.flatten(halves, np.ones((4, 4)), palette).reshape(-1, 3), axis=0)) == 1


def test_paint_bucket_needs_a_keyframe():
    with pytest.raises(ValueError, match="at least one keyframe"):
        regions.paint_bucket(np.ones((8, 8)), [])


def test_region_medians_by_hand_and_white_for_a_label_without_pixels():
    from lineart_color.regions import region_medians

    labels = np.array([[0, 1, 1], [2, 2, 1]])
    image = np.random.default_rng(0).random((2, 3, 3)).astype(np.float32)
    medians = region_medians(labels, 3, image)
    np.testing.assert_allclose(medians[0], image[0, 0])
    np.testing.assert_allclose(medians[1], np.median(image[[0, 0, 1], [1, 2, 2]], axis=0))
    np.testing.assert_allclose(medians[2], np.median(image[1, :2], axis=0))
    np.testing.assert_array_equal(medians[3], 1.0)
