"""Correspondence at the grain of shapes (lineart_color/segments.py): regions matched whole, with one motion."""

import numpy as np

from drawings import turned_sign
from lineart_color import metrics, segments
from lineart_color.colorizers import FlowWarp, colorize_shot
from lineart_color.data.shots import frame_names, read_shot, write_shot


def test_a_region_moved_by_a_known_similarity_is_matched_and_its_motion_recovered():
    _, target_line = turned_sign(0.0, centre=(44.0, 50.0))
    _, key_line = turned_sign(35.0, centre=(52.0, 44.0))
    target, key = segments.Layout.of(target_line), segments.Layout.of(key_line)
    sign = target.labels[50, 34]  # inside the sign, left of its middle
    matrix, score, matched = segments.best_fit(target, sign, key, [], np.random.default_rng(0))
    assert matched == key.labels[44, 52] and score > 0.9
    angle = np.rad2deg(np.arctan2(matrix[1, 0], matrix[0, 0]))
    assert abs(angle - 35.0) <= 2.0
    # the true map: p -> key centre + R(35) (p - target centre)
    truth = segments.similarity(35.0, 1.0, np.array([44.0, 50.0]), np.array([52.0, 44.0]))
    corners = np.array([[14.0, 35.0], [74.0, 65.0], [44.0, 50.0]])
    assert np.abs(segments.apply(matrix, corners) - segments.apply(truth, corners)).max() <= 2.0


def test_a_cel_turned_60_degrees_between_keyframes_is_carried_whole(tmp_path):
    angles = np.linspace(0.0, 60.0, 5)
    # large enough that the paint boundary's anti-aliased row is a small share of the paint
    frames = [turned_sign(angle, size=192, centre=(96.0, 96.0), half=(60.0, 30.0)) for angle in angles]
    names = frame_names(len(frames))
    colours = [colour for colour, _ in frames]
    folder = write_shot(tmp_path / "sign", names, [line for _, line in frames],
                        {names[0]: colours[0], names[-1]: colours[-1]}, colours)
    shot = read_shot(folder)
    scores = {}
    for colorizer in (FlowWarp(), FlowWarp(shapes=True)):
        out = colorize_shot(shot, colorizer)
        counts = np.array([metrics.flat_accuracy_counts(out[name], shot.truth(name), shot.line(name))
                           for name in names[1:-1]])
        scores[colorizer.name] = counts[:, 0].sum() / counts[:, 1].sum()
    assert scores["match"] >= 0.98, scores
    assert scores["match"] > scores["flow"], scores  # the flow alone cannot follow the turn
