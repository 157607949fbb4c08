"""Shared fixtures: tiny, non-square shots written by hand."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest

from drawings import box_frame
from lineart_color.data.shots import frame_names, write_shot


@pytest.fixture
def make_shot(tmp_path):
    """make_shot(frames=5, height=40, width=56, keyframes=None) -> path of a moving-box shot.

    keyframes=None gives colour for every frame (training layout).
    """
    counter = iter(range(1000))

    def make(frames: int = 5, height: int = 40, width: int = 56, keyframes=None, truth: bool = False):
        names = frame_names(frames)
        pairs = [box_frame(height, width, 6, 4 + 3 * t, 20) for t in range(frames)]
        colors = [c for c, _ in pairs]
        lines = [l for _, l in pairs]
        chosen = range(frames) if keyframes is None else keyframes
        folder = tmp_path / f"shot_{next(counter)}"
        return write_shot(folder, names, lines, {names[i]: colors[i] for i in chosen}, colors if truth else None)

    return make


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist (`--dist loadgroup`), every export test runs on one worker: they share
    session fixtures that export networks, which would otherwise be built once per worker."""
    for item in items:
        if "export" in item.path.relative_to(config.rootpath).parts[:2]:
            item.add_marker(pytest.mark.xdist_group("export"))
