"""The identity check (DESIGN.md): colouring a keyframe's own line art against it returns the keyframe."""

import pytest

from lineart_color import metrics
from lineart_color.commands.colorize import DEFAULT_METHOD, make_colorizer
from lineart_color.data import openmoji
from lineart_color.data.shots import read_shot


@pytest.fixture(scope="module")
def val_shots(tmp_path_factory):
    folder = tmp_path_factory.mktemp("identity")
    codes = openmoji.emoji_codes("val")
    paths = []
    for index in range(6):
        shot = openmoji.MojiShot.sample(openmoji.shot_rng(11, index), codes, 4, 128, motion=3.0)
        paths.append(openmoji.write_moji_shot(folder / f"shot_{index}", shot, keyframes=[0, 3]))
    return [read_shot(path) for path in paths]


@pytest.mark.parametrize("method", sorted({DEFAULT_METHOD, "flow", "match", "corr"}))
def test_a_keyframe_coloured_against_itself_is_the_keyframe(val_shots, method):
    colorizer = make_colorizer(method)
    for shot in val_shots:
        for key in shot.keyframes:
            (name, colour), = colorizer.colour_frames(shot, [key])
            assert shot.nearest_keyframes(key) == (key,)
            accuracy = metrics.flat_accuracy(colour, shot.color(key), shot.line(key))
            assert accuracy >= 0.999, (shot.path.name, key, accuracy)
