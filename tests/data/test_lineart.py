import numpy as np
import pytest

from lineart_color.data import openmoji
from lineart_color.data.lineart import METHODS, binarize, extract_lines, to_grey
from lineart_color.metrics import line_match_counts


def _precision_recall(predicted: np.ndarray, truth: np.ndarray, tolerance: float = 2.0):
    """Share of predicted line pixels near a true one, and of true line pixels near a predicted one."""
    hits, found, recovered, expected = line_match_counts(predicted, truth, tolerance)
    return hits / found, recovered / expected


@pytest.mark.parametrize("method", METHODS)
def test_edge_between_two_flat_colours(method):
    image = np.zeros((40, 64, 3), np.float32)
    image[:, :30] = (1.0, 0.0, 0.0)  # red | blue, boundary between columns 29 and 30
    image[:, 30:] = (0.0, 0.0, 1.0)
    line = extract_lines(image, method)
    assert line.shape == (40, 64) and line.dtype == np.float32
    columns = np.nonzero((line < 0.5).any(axis=0))[0]
    assert columns.size > 0 and columns.min() >= 27 and columns.max() <= 32
    assert (line[:, 29:32] < 0.5).any(axis=1).all()  # the edge is found on every row
    assert np.all(line[:, :20] > 0.99) and np.all(line[:, 40:] > 0.99)  # flat colour stays white


@pytest.mark.parametrize("method", METHODS)
def test_black_outline_on_white(method):
    image = np.ones((48, 40, 3), np.float32)
    truth = np.ones((48, 40), np.float32)
    for target in (image, truth):
        target[10:12, 8:32] = 0.0
        target[30:32, 8:32] = 0.0
        target[10:32, 8:10] = 0.0
        target[10:32, 30:32] = 0.0
    precision, recall = _precision_recall(extract_lines(image, method), truth, tolerance=1.0)
    assert precision == 1.0 and recall == 1.0


@pytest.mark.parametrize("method", METHODS)
def test_flat_noisy_image_has_no_lines(method):
    image = 0.6 + 0.01 * np.random.default_rng(0).standard_normal((32, 48, 3)).astype(np.float32)
    assert (extract_lines(image, method) < 0.5).mean() == 0.0


@pytest.mark.parametrize("method, min_precision, min_recall", [("xdog", 0.93, 0.95), ("highpass", 0.93, 0.78)])
def test_recovers_openmoji_line_layer(method, min_precision, min_recall):
    """OpenMoji gives the true line art of each colour frame: extraction must find it."""
    scores = []
    for index in range(4):
        shot = openmoji.MojiShot.sample(openmoji.shot_rng(5, index), openmoji.emoji_codes("val"), 1, 192)
        color, line = shot.render(0)
        scores.append(_precision_recall(extract_lines(color, method), line))
    precision, recall = np.mean(scores, axis=0)
    assert precision >= min_precision and recall >= min_recall, (precision, recall)


def test_binarize_gives_pure_black_and_white():
    line = np.array([[0.1, 0.49], [0.5, 0.95]], np.float32)
    np.testing.assert_array_equal(binarize(line), [[0, 0], [1, 1]])
    image = np.random.default_rng(2).random((16, 16, 3)).astype(np.float32)
    assert set(np.unique(extract_lines(image, "xdog", binary=True))) <= {0.0, 1.0}


def test_bad_arguments():
    with pytest.raises(ValueError, match="method must be one of"):
        extract_lines(np.ones((4, 4, 3)), "canny")
    with pytest.raises(ValueError, match="expected"):
        to_grey(np.ones((4, 4, 2)))
