import numpy as np
import pytest
from scipy import ndimage

from lineart_color.data import openmoji
from lineart_color.data.openmoji import CelMotion, MojiShot
from lineart_color.data.shots import read_shot


def test_split_rule_by_code():
    # crc32(code) % 10: 0 -> test, 1 -> val, else train (DESIGN.md); values fixed here so a change shows.
    assert [openmoji.split_of(code) for code in ("1F600", "1F47D", "E000", "2764")] == ["train", "val", "test", "train"]


def test_splits_partition_all_emoji():
    splits = {name: set(openmoji.emoji_codes(name)) for name in openmoji.SPLITS}
    everything = {path.stem for path in openmoji.svg_dir().glob("*.svg")}
    assert set.union(*splits.values()) == everything
    assert not (splits["train"] & splits["val"]) and not (splits["train"] & splits["test"])
    assert not (splits["val"] & splits["test"])
    assert 0.08 < len(splits["test"]) / len(everything) < 0.12
    assert 0.08 < len(splits["val"]) / len(everything) < 0.12


def _still(code: str, scale: float, center=(0.5, 0.5)) -> CelMotion:
    return CelMotion(code, center, (0.0, 0.0), 0.0, 0.0, scale, 1.0)


def test_cel_in_front_hides_the_lines_behind_it():
    back, front = _still("1F600", 0.9), _still("1F7E6", 0.5)  # a face behind a smaller blue square
    both_color, both_line = MojiShot((back, front), 1, 96).render(0)
    front_color, front_line = MojiShot((front,), 1, 96).render(0)
    _, back_line = MojiShot((back,), 1, 96).render(0)
    painted = ndimage.binary_fill_holes(np.abs(front_color - 1.0).max(axis=-1) > 0.05)
    covered = ndimage.binary_erosion(painted, iterations=2)  # the front cel minus its antialiased rim
    np.testing.assert_allclose(both_line[covered], front_line[covered], atol=0.02)
    assert (back_line[covered] < 0.5).sum() > 20  # there were back lines there to hide
    outside = ~covered & (back_line < 0.5)
    assert outside.sum() > 50 and (both_line[outside] < 0.5).mean() > 0.95  # visible back lines remain
    np.testing.assert_allclose(both_color[covered], front_color[covered], atol=0.02)


def test_visible_lines_are_dark_in_the_colour_frame():
    shot = MojiShot.sample(openmoji.shot_rng(3, 0), openmoji.emoji_codes("val"), 3, 128)
    for t in range(3):
        color, line = shot.render(t)
        on_line = line < 0.2
        assert on_line.sum() > 100
        assert (color[on_line].mean(axis=-1) < 0.35).mean() > 0.95


def test_shots_are_deterministic_and_move():
    codes = openmoji.emoji_codes("train")
    first = MojiShot.sample(openmoji.shot_rng(7, 2), codes, 5, 64)
    again = MojiShot.sample(openmoji.shot_rng(7, 2), codes, 5, 64)
    other = MojiShot.sample(openmoji.shot_rng(7, 3), codes, 5, 64)
    assert first == again and first != other
    colors, lines = first.render_all()
    np.testing.assert_array_equal(colors[0], again.render(0)[0])
    assert len(colors) == len(lines) == 5
    assert np.abs(colors[0] - colors[4]).max() > 0.5  # the cels moved


def test_keyframe_indices():
    assert openmoji.keyframe_indices("0,-1", 8) == [0, 7]
    assert openmoji.keyframe_indices("3,3,0", 8) == [0, 3]
    with pytest.raises(ValueError, match="outside"):
        openmoji.keyframe_indices("8", 8)
    with pytest.raises(ValueError, match="comma-separated"):
        openmoji.keyframe_indices("first", 8)


def test_write_shot_in_evaluation_layout(tmp_path):
    shot = MojiShot.sample(openmoji.shot_rng(0, 0), openmoji.emoji_codes("val"), 4, 48)
    folder = openmoji.write_moji_shot(tmp_path / "s", shot, keyframes=[0, 3])
    written = read_shot(folder)
    assert written.names == ("0000", "0001", "0002", "0003")
    assert written.keyframes == ("0000", "0003")
    assert written.size == (48, 48)
    np.testing.assert_allclose(written.truth("0003"), written.color("0003"))


def test_motion_scales_how_far_cels_move_and_nothing_else():
    codes = openmoji.emoji_codes("val")
    gentle = MojiShot.sample(openmoji.shot_rng(4, 1), codes, 8, 64)
    triple = MojiShot.sample(openmoji.shot_rng(4, 1), codes, 8, 64, motion=3.0)
    still = MojiShot.sample(openmoji.shot_rng(4, 1), codes, 8, 64, motion=0.0)
    for a, b, c in zip(gentle.cels, triple.cels, still.cels):
        assert a.code == b.code and a.center == b.center and a.angle == b.angle and a.scale == b.scale
        np.testing.assert_allclose(np.multiply(a.velocity, 3.0), b.velocity)
        assert b.spin == pytest.approx(3.0 * a.spin) and b.growth == pytest.approx(a.growth**3)
        assert c.velocity == (0.0, 0.0) and c.spin == 0.0 and c.growth == 1.0
    np.testing.assert_array_equal(still.render(0)[0], still.render(7)[0])
    with pytest.raises(ValueError, match="motion"):
        MojiShot.sample(openmoji.shot_rng(4, 1), codes, 8, 64, motion=-1.0)


def test_correspondence_of_a_sliding_square_by_hand():
    # A blue square (0.4 of the frame) slides right by 0.1 of the frame per frame on paper.
    square = CelMotion("1F7E6", (0.4, 0.5), (0.1, 0.0), 0.0, 0.0, 0.4, 1.0)
    shot = MojiShot((square,), 3, 64)
    truth = shot.correspondence(0, 2)
    on_cel = truth.layer == 0
    assert 200 < on_cel.sum() < 64 * 64 * 0.16  # the square's pixels (0.4 of the frame), nothing else
    np.testing.assert_allclose(truth.flow[on_cel], np.tile([12.8, 0.0], (on_cel.sum(), 1)), atol=1e-4)
    np.testing.assert_array_equal(truth.flow[~on_cel], 0.0)  # paper does not move
    interior = ndimage.binary_erosion(on_cel)  # the rim lands on sub-pixel positions: either answer is fair
    assert truth.visible[interior].all()  # nothing covers it and it stays inside the frame
    # paper is visible where frame 2 has paper too, hidden where the square has arrived
    layer_2, _ = shot.layers(2)
    np.testing.assert_array_equal(truth.visible[~on_cel], layer_2[~on_cel] == -1)
    assert truth.visible[on_cel].mean() > 0.9
    back = shot.correspondence(2, 0)
    np.testing.assert_allclose(back.flow[back.layer == 0], np.tile([-12.8, 0.0], ((back.layer == 0).sum(), 1)),
                               atol=1e-4)


def test_a_cel_sliding_under_another_is_hidden_where_it_goes_under():
    behind = CelMotion("1F7E6", (0.3, 0.5), (0.1, 0.0), 0.0, 0.0, 0.3, 1.0)  # moves right, under...
    front = CelMotion("1F7E5", (0.6, 0.5), (0.0, 0.0), 0.0, 0.0, 0.3, 1.0)  # ...a still square in front
    shot = MojiShot((behind, front), 3, 64)
    truth = shot.correspondence(0, 2)
    mine = truth.layer == 0
    landing = np.rint(np.argwhere(mine)[:, 1] + truth.flow[mine][:, 0]).astype(int)
    rows = np.argwhere(mine)[:, 0]
    layer_2, _ = shot.layers(2)
    covered = layer_2[rows, landing] == 1
    assert covered.sum() > 50 and (~covered).sum() > 50  # part of it goes under, part stays in view
    np.testing.assert_array_equal(truth.visible[mine], ~covered)
    assert truth.visible[truth.layer == 1].all()  # the still front square is seen in both frames


def test_turn_spins_every_cel_far_and_leaves_the_rest_of_the_shot_as_it_was():
    codes = openmoji.emoji_codes("val")
    plain = MojiShot.sample(openmoji.shot_rng(4, 1), codes, 8, 64)
    turned = MojiShot.sample(openmoji.shot_rng(4, 1), codes, 8, 64, turn=90.0)
    for a, b in zip(plain.cels, turned.cels):
        assert a.code == b.code and a.center == b.center and a.velocity == b.velocity and a.angle == b.angle
        assert 45.0 - 1e-6 <= abs(b.spin * 7) <= 90.0 + 1e-6  # half the turn to all of it, over 7 frame steps
    with pytest.raises(ValueError, match="turn"):
        MojiShot.sample(openmoji.shot_rng(4, 1), codes, 8, 64, turn=200.0)


def test_crossing_cels_swap_places_and_the_front_one_hides_the_back_one_mid_shot():
    codes = openmoji.emoji_codes("val")
    for index in range(4):
        shot = MojiShot.sample(openmoji.shot_rng(6, index), codes, 8, 96, cross=True)
        back, front = shot.cels[:2]
        start = lambda cel: np.array(cel.center)
        end = lambda cel: np.array(cel.center) + 7 * np.array(cel.velocity)
        np.testing.assert_allclose(end(back), start(front), atol=1e-9)
        np.testing.assert_allclose(end(front), start(back), atol=1e-9)
        owned = lambda t: (shot.layers(t)[0] == 0).sum()  # pixels where the back cel is seen
        assert owned(3.5) < 0.8 * min(owned(0), owned(7))  # they overlap in the middle
