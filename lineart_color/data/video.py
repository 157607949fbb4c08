"""Video to shot folders: cut a video at colour jumps, write each shot's frames and their line art.

Frames are streamed: at most one shot piece (max_length frames) is held in memory at a time.
Output goes through a staged folder, so a failed run leaves no OUT behind.
"""

from __future__ import annotations

import itertools
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, TypeVar

import cv2
import numpy as np

from lineart_color.data.lineart import METHODS, binarize, extract_lines
from lineart_color.data.shots import frame_names, write_shot
from lineart_color.data.staging import staged_output_dir
from lineart_color.errors import UserError
from lineart_color.progress import Progress

T = TypeVar("T")

LEARNED = "learned"  # line art from a trained extractor (VideoOptions.extractor)
HISTOGRAM_BINS = 8  # per channel, so 512 joint RGB bins: coarse enough to ignore compression noise


@dataclass(frozen=True)
class VideoOptions:
    """How to cut a video into shots; lengths count kept frames (after stride)."""

    threshold: float = 0.35  # histogram distance between neighbouring kept frames that starts a new shot
    min_length: int = 4  # shorter shots (and trailing pieces) are dropped
    max_length: int = 64  # longer shots are split into pieces of at most this many frames
    stride: int = 1  # keep every Nth frame
    size: int | None = None  # shorter side in pixels after resizing; None keeps the video's size
    lines: str = "xdog"  # line extraction method, one of lineart.METHODS, or LEARNED
    binary: bool = False  # binarise the line art
    # lines=LEARNED: colour frame [H, W, 3] -> line art [H, W], both in [0, 1] (a trained network's,
    # e.g. commands/data.line_extractor; data imports no network)
    extractor: Callable[[np.ndarray], np.ndarray] | None = None

    def __post_init__(self) -> None:
        # Programmer errors: the CLI checks these flags itself and reports them as UserError.
        if not 0.0 <= self.threshold:
            raise ValueError(f"threshold must be >= 0, got {self.threshold}")
        if not 1 <= self.min_length <= self.max_length:
            raise ValueError(f"need 1 <= min_length <= max_length, got {self.min_length}, {self.max_length}")
        if self.stride < 1 or (self.size is not None and self.size < 1):
            raise ValueError(f"stride and size must be >= 1, got {self.stride}, {self.size}")
        if self.lines not in (*METHODS, LEARNED):
            raise ValueError(f"lines must be one of {(*METHODS, LEARNED)}, got {self.lines!r}")
        if (self.lines == LEARNED) != (self.extractor is not None):
            raise ValueError(f"an extractor goes with lines={LEARNED!r}, and only with it")

    def line_art(self, frame: np.ndarray) -> np.ndarray:
        """A colour frame's line art [H, W] in [0, 1], dark lines on white, by the chosen method."""
        if self.extractor is None:
            return extract_lines(frame, self.lines, self.binary)
        line = np.asarray(self.extractor(frame), np.float32)
        return binarize(line) if self.binary else line


# --- shot detection (pure) ---------------------------------------------------------------


def color_histogram(frame_rgb: np.ndarray) -> np.ndarray:
    """Joint RGB histogram of a float [0, 1] frame, 8x8x8 bins, summing to 1."""
    frame = np.ascontiguousarray(frame_rgb, dtype=np.float32)
    # The upper range is nudged past 1 because calcHist excludes it, and white is 1.0.
    histogram = cv2.calcHist([frame], [0, 1, 2], None, [HISTOGRAM_BINS] * 3, [0.0, 1.0 + 1e-6] * 3)
    return (histogram / max(float(histogram.sum()), 1.0)).astype(np.float32)


def histogram_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Total variation distance between two normalised histograms: 0 identical, 1 disjoint."""
    return float(np.clip(0.5 * np.abs(np.asarray(a) - np.asarray(b)).sum(), 0.0, 1.0))


def split_shots(
    steps: Iterable[tuple[float, T]], threshold: float, min_length: int, max_length: int
) -> Iterator[list[T]]:
    """Group a stream of (distance to the previous item, item) into shot pieces.

    A shot starts where the distance exceeds threshold (the first item's distance is ignored).
    A piece closes at a shot start or on reaching max_length, so long shots become consecutive
    pieces; pieces shorter than min_length (short shots, short tails) are dropped.
    """
    piece: list[T] = []
    for distance, item in steps:
        if piece and (distance > threshold or len(piece) == max_length):
            if len(piece) >= min_length:
                yield piece
            piece = []
        piece.append(item)
    if len(piece) >= min_length:
        yield piece


def with_distances(frames: Iterable[np.ndarray]) -> Iterator[tuple[float, np.ndarray]]:
    """(histogram distance to the previous frame, frame); 0 for the first frame."""
    previous = None
    for frame in frames:
        histogram = color_histogram(frame)
        yield (0.0 if previous is None else histogram_distance(previous, histogram)), frame
        previous = histogram


# --- reading -----------------------------------------------------------------------------


def even_size(width: int, height: int, shorter: int) -> tuple[int, int]:
    """(width, height) scaled so the shorter side is `shorter`, each rounded to the nearest even number.

    Even sides keep the frames friendly to video codecs; halves round up, and no side is below 2.
    """
    scale = shorter / min(width, height)
    return tuple(max(2, 2 * math.floor(side * scale / 2 + 0.5)) for side in (width, height))


def open_video(path: Path) -> cv2.VideoCapture:
    """Open a video for reading, or fail with a UserError naming the file."""
    if not path.exists():
        raise UserError(f"{path}: no such file")
    if not path.is_file():
        raise UserError(f"{path}: not a file (expected a video file)")
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        capture.release()
        raise UserError(f"{path}: cannot be opened as a video (unknown format or corrupt file)")
    return capture


def read_frames(capture: cv2.VideoCapture, stride: int = 1, size: int | None = None) -> Iterator[np.ndarray]:
    """Every stride-th frame (0, stride, 2*stride, ...) as RGB float32 in [0, 1], optionally resized."""
    for index in itertools.count():
        if not capture.grab():  # grab without decoding to RGB, so skipped frames cost less
            return
        if index % stride:
            continue
        ok, bgr = capture.retrieve()
        if not ok:
            return
        if size is not None:
            target = even_size(bgr.shape[1], bgr.shape[0], size)
            if target != (bgr.shape[1], bgr.shape[0]):
                bgr = cv2.resize(bgr, target, interpolation=cv2.INTER_AREA)
        yield cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0


def kept_frame_count(capture: cv2.VideoCapture, stride: int) -> int | None:
    """Frames read_frames will yield, from the container's count; None when the video does not say."""
    total = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
    return -(-total // stride) if total > 0 else None


# --- progress ----------------------------------------------------------------------------


def advancing(items: Iterable[T], progress: Progress) -> Iterator[T]:
    """Pass items through, advancing progress as each one is taken."""
    for item in items:
        progress.advance()
        yield item


# --- writing -----------------------------------------------------------------------------


def write_video_shot(folder: Path, frames: list[np.ndarray], options: VideoOptions) -> Path:
    """One shot folder: the frames as colour and their extracted line art."""
    names = frame_names(len(frames))
    lines = [options.line_art(frame) for frame in frames]
    return write_shot(folder, names, lines, dict(zip(names, frames)))


def video_to_shots(
    video: str | os.PathLike, out: str | os.PathLike, options: VideoOptions = VideoOptions()
) -> list[Path]:
    """Cut a video into shot folders OUT/shot_0000, shot_0001, ...; returns their paths.

    Raises UserError, leaving no OUT, when the video is missing, unreadable or empty, when OUT
    is not a new or empty folder, or when no shot is at least min_length frames long.
    """
    video, out = Path(video), Path(out)
    capture = open_video(video)
    try:
        frames = read_frames(capture, options.stride, options.size)
        first = next(frames, None)  # checked before staging, so an empty video touches nothing
        if first is None:
            raise UserError(f"{video}: no frames could be decoded")
        frames = itertools.chain([first], frames)
        names: list[str] = []
        total = kept_frame_count(capture, options.stride)
        with staged_output_dir(out) as stage, Progress(total, "frames") as progress:
            steps = with_distances(advancing(frames, progress))
            for piece in split_shots(steps, options.threshold, options.min_length, options.max_length):
                names.append(f"shot_{len(names):04d}")
                write_video_shot(stage / names[-1], piece, options)
            if not names:
                raise UserError(
                    f"{video}: no shot of at least {options.min_length} frames found; "
                    "try a lower --min-length, a higher --threshold or a lower --stride"
                )
    finally:
        capture.release()
    return [out / name for name in names]
