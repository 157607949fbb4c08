"""The shot-folder data contract (DESIGN.md).

    SHOT/line/NAME.png    every frame's line art (dark lines on white)
    SHOT/color/NAME.png   colour frames that exist (keyframes at inference, all for training)
    SHOT/truth/NAME.png   optional ground truth of every frame, for evaluation only

Same file name (stem) = same frame. Reading validates the whole structure and every
image header up front, so a bad shot fails before anything is written.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from lineart_color.data.images import IMAGE_SUFFIXES, image_size, read_image, write_image
from lineart_color.errors import UserError

LINE_DIR, COLOR_DIR, TRUTH_DIR = "line", "color", "truth"


def natural_key(name: str) -> list:
    """Sort key so that '2' < '10' (frame numbers written without zero padding)."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def list_frames(folder: Path) -> dict[str, Path]:
    """Frame stem -> file, for the image files in a folder (hidden files ignored)."""
    frames: dict[str, Path] = {}
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(".") or entry.suffix.lower() not in IMAGE_SUFFIXES:
            continue
        if entry.stem in frames:
            raise UserError(f"{entry}: two files for frame {entry.stem!r} ({frames[entry.stem].name})")
        if not entry.is_file():  # a folder, a pipe or a device named like a frame: opening a pipe would wait forever
            raise UserError(f"{entry}: not a regular image file")
        frames[entry.stem] = entry
    return dict(sorted(frames.items(), key=lambda item: natural_key(item[0])))


@dataclass(frozen=True)
class Shot:
    """A validated shot folder. Frames are read lazily, as float32 in [0, 1]."""

    path: Path
    names: tuple[str, ...]
    line_files: Mapping[str, Path]
    color_files: Mapping[str, Path]
    truth_files: Mapping[str, Path] | None
    size: tuple[int, int]  # (width, height)

    @property
    def keyframes(self) -> tuple[str, ...]:
        """Names of the frames that have a colour image, in frame order."""
        return tuple(name for name in self.names if name in self.color_files)

    def line(self, name: str) -> np.ndarray:
        """Line art of a frame, [H, W] grey."""
        return read_image(self.line_files[name], "L")

    def color(self, name: str) -> np.ndarray:
        """Colour of a frame that has one, [H, W, 3]."""
        return read_image(self.color_files[name], "RGB")

    def truth(self, name: str) -> np.ndarray:
        """Ground-truth colour of a frame, [H, W, 3]."""
        if self.truth_files is None:
            raise UserError(f"{self.path}: no {TRUTH_DIR}/ folder with ground truth")
        return read_image(self.truth_files[name], "RGB")

    def nearest_keyframes(self, name: str) -> tuple[str, ...]:
        """The nearest keyframe before `name` and the nearest after it (one when only one side has any).

        A keyframe's own nearest keyframe is itself. Raises UserError when the shot has none.
        """
        self.require_keyframes(1)
        position = self.names.index(name)
        order = {frame: index for index, frame in enumerate(self.names)}
        before = [key for key in self.keyframes if order[key] <= position]
        after = [key for key in self.keyframes if order[key] >= position]
        return tuple(dict.fromkeys(([before[-1]] if before else []) + ([after[0]] if after else [])))

    def require_keyframes(self, minimum: int = 1) -> None:
        """Fail clearly when the shot has fewer painted frames than a task needs."""
        if len(self.color_files) < minimum:
            raise UserError(
                f"{self.path / COLOR_DIR}: needs at least {minimum} coloured frame(s), "
                f"found {len(self.color_files)}"
            )


def _check_sizes(files: Sequence[Path], size: tuple[int, int], reference: Path) -> None:
    for file in files:  # every frame is decoded once here, whatever the method reads later
        found = image_size(file, decode=True)
        if found != size:
            raise UserError(
                f"{file}: size {found[0]}x{found[1]} differs from the shot's "
                f"{size[0]}x{size[1]} ({reference})"
            )


def read_shot(path: str | os.PathLike) -> Shot:
    """Validate a shot folder and return it. Raises UserError naming the first problem."""
    path = Path(path)
    if not path.is_dir():
        raise UserError(f"{path}: no such shot folder")
    line_dir = path / LINE_DIR
    if not line_dir.is_dir():
        raise UserError(f"{line_dir}: missing folder (a shot needs {LINE_DIR}/ with every frame's line art)")
    line_files = list_frames(line_dir)
    if not line_files:
        raise UserError(f"{line_dir}: no frames (expected {', '.join(IMAGE_SUFFIXES)} files)")

    color_dir = path / COLOR_DIR
    color_files = list_frames(color_dir) if color_dir.is_dir() else {}
    for name, file in color_files.items():
        if name not in line_files:
            raise UserError(f"{file}: no line art for this frame (expected {line_dir / (name + '.png')})")

    truth_dir = path / TRUTH_DIR
    truth_files = list_frames(truth_dir) if truth_dir.is_dir() else None
    if truth_files is not None:
        for name, file in truth_files.items():
            if name not in line_files:
                raise UserError(f"{file}: no line art for this frame (expected {line_dir / (name + '.png')})")
        for name in line_files:
            if name not in truth_files:
                raise UserError(f"{truth_dir / (name + '.png')}: missing ground truth for frame {name!r}")

    first = next(iter(line_files.values()))
    size = image_size(first)
    everything = [*line_files.values(), *color_files.values(), *(truth_files or {}).values()]
    _check_sizes(everything, size, first)
    return Shot(path, tuple(line_files), line_files, color_files, truth_files, size)


def list_dataset(root: str | os.PathLike) -> list[Path]:
    """Shot folders of a dataset (a folder of shot folders), in natural order.

    A single shot folder is accepted as a dataset of one shot.
    """
    root = Path(root)
    if not root.is_dir():
        raise UserError(f"{root}: no such dataset folder")
    if (root / LINE_DIR).is_dir():
        return [root]
    shots = sorted(
        (entry for entry in root.iterdir() if (entry / LINE_DIR).is_dir()),
        key=lambda entry: natural_key(entry.name),
    )
    if not shots:
        raise UserError(f"{root}: no shot folders (a dataset is a folder of shots, each with {LINE_DIR}/)")
    return shots


def write_shot(
    folder: str | os.PathLike,
    names: Sequence[str],
    lines: Sequence[np.ndarray],
    colors: Mapping[str, np.ndarray] | None = None,
    truths: Sequence[np.ndarray] | None = None,
) -> Path:
    """Write a shot folder: line art for every name, colour for the names given, optional truth."""
    folder = Path(folder)
    if len(names) != len(lines) or (truths is not None and len(truths) != len(names)):
        raise ValueError(f"got {len(names)} names, {len(lines)} lines, {None if truths is None else len(truths)} truths")
    (folder / LINE_DIR).mkdir(parents=True, exist_ok=True)
    for name, line in zip(names, lines):
        write_image(folder / LINE_DIR / f"{name}.png", line)
    if colors:
        (folder / COLOR_DIR).mkdir(exist_ok=True)
        for name, color in colors.items():
            write_image(folder / COLOR_DIR / f"{name}.png", color)
    if truths is not None:
        (folder / TRUTH_DIR).mkdir(exist_ok=True)
        for name, truth in zip(names, truths):
            write_image(folder / TRUTH_DIR / f"{name}.png", truth)
    return folder


def frame_names(count: int) -> list[str]:
    """Zero-padded frame names 0000, 0001, ... as written by this project's tools."""
    width = max(4, len(str(count - 1)))
    return [f"{index:0{width}d}" for index in range(count)]
