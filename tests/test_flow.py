"""The optical-flow colourer: motion recovered, exact keyframe paints, no keyframe line on paint."""

import numpy as np

from lineart_color import flow, metrics


def drawing(shift_x=0, shift_y=0, size=96):
    """A box with a diagonal stroke and a round patch: (line [H, W], colour [H, W, 3]), moved by (shift_x, shift_y)."""
    line = np.ones((size, size), np.float32)
    colour = np.ones((size, size, 3), np.float32)
    top, left, side = 24 + shift_y, 20 + shift_x, 44
    colour[top:top + side, left:left + side] = (0.9, 0.3, 0.2)
    ys, xs = np.mgrid[:size, :size]
    patch = (ys - top - 30) ** 2 + (xs - left - 12) ** 2 < 64
    colour[patch] = (0.2, 0.4, 0.9)
    rim = ((ys - top - 30) ** 2 + (xs - left - 12) ** 2 >= 64) & ((ys - top - 30) ** 2 + (xs - left - 12) ** 2 < 90)
    outline = np.zeros((size, size), bool)
    outline[top:top + side, [left, left + 1, left + side - 2, left + side - 1]] = True
    outline[[top, top + 1, top + side - 2, top + side - 1], left:left + side] = True
    stroke = (np.abs((ys - top) - (xs - left)) < 1.5) & (ys >= top) & (ys < top + 20) & (xs >= left)
    for mask in (outline, rim, stroke):
        line[mask] = 0.0
        colour[mask] = 0.0
    return line, colour


def test_dense_flow_recovers_a_pure_translation():
    line_0, _ = drawing()
    line_1, _ = drawing(shift_x=5, shift_y=3)
    motion = flow.dense_flow(flow.line_image(line_0), flow.line_image(line_1))
    inside = np.zeros(line_0.shape, bool)
    inside[28:64, 24:60] = True  # the box's inside in frame 0
    np.testing.assert_allclose(np.median(motion[inside], axis=0), [5.0, 3.0], atol=0.25)
    assert np.mean(np.linalg.norm(motion[inside] - [5.0, 3.0], axis=-1) < 1.0) > 0.9


def test_in_between_of_a_translation_gets_the_truth_with_keyframe_paints_only():
    keys = [flow.Keyframe.of(*drawing(0, 0)), flow.Keyframe.of(*drawing(10, 6))]
    line, truth = drawing(5, 3)
    out = flow.colour_from_keyframes(line, keys)
    assert metrics.flat_accuracy(out, truth, line) == 1.0
    painted = metrics.painted_mask(line, truth)
    key_colours = {tuple(c) for key in keys for c in key.colour.reshape(-1, 3)}
    assert {tuple(c) for c in out[painted]} <= key_colours  # every painted pixel is a keyframe pixel


def test_a_keyframe_line_never_lands_on_the_target_paint():
    # The keyframe has a diagonal stroke inside the box; the target is the same drawing without it.
    key_line, key_colour = drawing()
    plain_line, plain_colour = drawing()
    ys, xs = np.mgrid[:96, :96]
    stroke = (np.abs((ys - 24) - (xs - 20)) < 1.5) & (ys >= 30) & (ys < 44)  # away from the outline
    assert (key_line[stroke] == 0).all()
    line = np.where(stroke, 1.0, plain_line).astype(np.float32)
    out = flow.colour_from_keyframes(line, [flow.Keyframe.of(key_line, key_colour)])
    np.testing.assert_allclose(out[stroke], np.tile([0.9, 0.3, 0.2], (stroke.sum(), 1)), atol=1e-6)


def test_paint_under_lines_takes_the_nearest_paint():
    line, colour = drawing()
    paint = flow.paint_under_lines(colour, line)
    assert paint[line < 0.5].min(axis=-1).max() > 0.0 and (paint[line < 0.5].max(axis=-1) > 0.15).all()
    np.testing.assert_array_equal(paint[line >= 0.5], colour[line >= 0.5])


def test_a_part_no_keyframe_shows_takes_its_own_region_s_paint_never_across_a_line():
    # Two regions split by a vertical line at x = 14-15: A (left, red in the keyframe) and B (right, blue).
    line = np.ones((20, 30), np.float32)
    line[:, 14:16] = 0.0
    colour = np.ones((20, 30, 3), np.float32)
    colour[:, :14] = (0.9, 0.1, 0.1)
    colour[:, 16:] = (0.1, 0.2, 0.9)
    colour[:10, 0] = (0.1, 0.8, 0.1)  # the top of the keyframe's edge column is another paint
    colour[line < 0.5] = 0.0
    key = flow.Keyframe.of(line, colour)
    # The warp sends A's top half out of the keyframe's frame (a part it does not show): clamped
    # sampling would copy the green edge column there.
    forward = np.zeros((20, 30, 2), np.float32)
    forward[:10, :14, 0] = -20.0
    candidate = flow.Candidate(key, forward, np.zeros_like(forward))
    plain = flow.colour_from_candidates(line, [candidate])
    filled = flow.colour_from_candidates(line, [candidate], fill_hidden=True)
    assert np.allclose(plain[:10, :14], (0.1, 0.8, 0.1))
    # every hidden pixel takes A's paint from below, though B's blue is nearer to some of them across the line
    np.testing.assert_allclose(filled[:10, :14], np.tile((0.9, 0.1, 0.1), (10, 14, 1)), atol=1e-6)
    np.testing.assert_allclose(filled[:, 16:], plain[:, 16:])
    np.testing.assert_allclose(filled[10:], plain[10:])


def test_ink_carries_the_keyframe_s_line_colour_and_darkens_paint_at_anti_aliased_edges():
    line, colour = drawing()
    colour = colour.copy()
    colour[line == 0.0] = (0.6, 0.1, 0.5)  # a colour-trace line: purple ink
    out = flow.colour_from_keyframes(line, [flow.Keyframe.of(line, colour)])
    np.testing.assert_allclose(out[line == 0.0], np.tile((0.6, 0.1, 0.5), ((line == 0.0).sum(), 1)), atol=1e-5)
    faint = line.copy()
    faint[24:68, 40] = 0.5  # the target has a faint new stroke across the box's red paint
    out = flow.colour_from_keyframes(faint, [flow.Keyframe.of(line, colour)])
    np.testing.assert_allclose(out[30, 40], 0.5 * np.array([0.9, 0.3, 0.2]), atol=1e-5)  # dark red, not grey
