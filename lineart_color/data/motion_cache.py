"""A motion cache: rendered training shots with their true motion and classical flows, kept on disk.

Rendering a shot and computing its optical flows costs about 0.6 s of CPU at 256 px, far more
than a training step of the correspondence colourer's choice. A cache made once by
`lineart-color data motion` lets training run thousands of steps an hour on this CPU.

Layout: OUT/motion.json (the MotionDataConfig it was made with and the shot count) and one
OUT/shot_NNNNN.npz a shot, holding every in-between frame of the shot (its keyframes are the
first and last frame), as correspondence_data.shot_examples gives them:

    lines   uint8   [F, H, W]        line art of every frame
    colours uint8   [F, H, W, 3]     colour of every frame
    flow    float16 [F-2, 2, H, W, 2]  true motion of each in-between frame to each keyframe
    visible uint8   [F-2, 2, H, W]   where it is seen in that keyframe
    priors  float16 [F-2, 2, P, H, W, 3]  the classical warps with their cost (flow.ShotMotion.priors;
                                     P = 3 with the regions moved as wholes, when made with shapes)

Training reads the cache in a fixed shuffled order per epoch keyed on (seed, epoch), with
random left-right mirroring, so a run resumes exactly where it stopped.
"""

from __future__ import annotations

import dataclasses
import json
import zipfile
from pathlib import Path

import numpy as np

from lineart_color.data.correspondence_data import MotionDataConfig, prior_count, shot_examples, stream_dataset
from lineart_color.data.stream import SINGLE
from lineart_color.errors import UserError

INDEX_FILE = "motion.json"


def _to_bytes(image: np.ndarray) -> np.ndarray:
    return np.rint(np.clip(image, 0.0, 1.0) * 255).astype(np.uint8)


def shot_arrays(config: MotionDataConfig, index: int) -> dict[str, np.ndarray]:
    """Shot `index` of the stream in the cache's compact form (module docstring)."""
    examples = shot_examples(config, index)
    first, last = examples[0], examples[-1]
    lines = [first["ref_line"][0]] + [example["line"] for example in examples] + [last["ref_line"][1]]
    colours = [first["ref_color"][0]] + [example["color"] for example in examples] + [last["ref_color"][1]]
    stack = lambda name: np.stack([example[name] for example in examples])
    return {"lines": _to_bytes(np.stack(lines)[..., 0]), "colours": _to_bytes(np.stack(colours)),
            "flow": stack("flow").astype(np.float16), "visible": _to_bytes(stack("visible")[..., 0]),
            "priors": stack("priors").astype(np.float16)}


def write_motion_cache(folder: Path, config: MotionDataConfig, shots: int, progress=None) -> None:
    """Write `shots` shots of the stream into `folder` (an empty folder the caller stages)."""
    for index in range(shots):
        np.savez(folder / f"shot_{index:05d}.npz", **shot_arrays(config, index))
        if progress is not None:
            progress.advance()
    record = {"config": dataclasses.asdict(config), "shots": shots}
    (folder / INDEX_FILE).write_text(json.dumps(record, indent=2) + "\n")


def is_motion_cache(path: str | Path) -> bool:
    return (Path(path) / INDEX_FILE).is_file()


def _read_index(folder: Path) -> tuple[MotionDataConfig, int]:
    """(the MotionDataConfig the cache was made with, its shot count), or a UserError when unreadable."""
    try:
        record = json.loads((folder / INDEX_FILE).read_text())
        return MotionDataConfig(**record["config"]), int(record["shots"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise UserError(f"{folder}: not a readable motion cache ({error}); make one with `lineart-color data motion`") from None


def cache_config(folder: str | Path) -> MotionDataConfig:
    """The MotionDataConfig a motion cache was made with (a UserError when its index is unreadable)."""
    return _read_index(Path(folder))[0]


class MotionCache:
    """A motion cache: every (shot, in-between frame) is one example. Shots are read from disk as
    examples ask for them (about 20 MB a shot at 256 px with --shapes; a cache of hundreds of
    shots would not fit in memory beside training, and the system's file cache keeps them warm)."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.config, shots = _read_index(self.folder)
        self.paths = [self.folder / f"shot_{index:05d}.npz" for index in range(shots)]
        if not self.paths:
            raise UserError(f"{self.folder}: the motion cache holds no shots")
        missing = [path.name for path in self.paths if not path.is_file()]
        if missing:
            raise UserError(f"{self.folder}: the motion cache lacks {len(missing)} shot file(s), first {missing[0]}")
        self.per_shot = self.config.frames - 2

    def __len__(self) -> int:
        return len(self.paths) * self.per_shot

    def shot(self, index: int) -> dict[str, np.ndarray]:
        """Shot `index`'s arrays (module docstring), read from its file."""
        path = self.paths[index]
        try:
            with np.load(path) as stored:
                return {name: stored[name] for name in stored.files}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
            raise UserError(f"{path}: a damaged motion cache shot ({error}); make the cache again") from None

    def example(self, position: int, mirror: bool = False) -> dict[str, np.ndarray]:
        """Example `position` (shot-major) as float32 arrays of the correspondence_data layout."""
        shot, target = self.shot(position // self.per_shot), position % self.per_shot
        frames = [target + 1, 0, len(shot["lines"]) - 1]  # the target, then its keyframes (first and last)
        lines = shot["lines"][frames].astype(np.float32) / 255.0  # only the frames used: this runs every step
        colours = shot["colours"][frames].astype(np.float32) / 255.0
        example = {"line": lines[0][..., None], "color": colours[0],
                   "ref_line": lines[1:][..., None], "ref_color": colours[1:],
                   "flow": shot["flow"][target].astype(np.float32),
                   "visible": shot["visible"][target].astype(np.float32)[..., None] / 255.0,
                   "priors": shot["priors"][target].astype(np.float32)}
        return mirrored(example) if mirror else example

    def window(self, size: int | None) -> int:
        """The side of the training windows: `size`, or whole frames for None; refused when the cache cannot give it."""
        frame = self.config.size
        size = frame if size is None else size
        if not 16 <= size <= frame:
            raise UserError(f"--size: a motion cache of {frame} px frames trains at 16 to {frame} px, got {size}")
        return size

    def element(self, index: int, seed: int, size: int | None = None) -> dict[str, np.ndarray]:
        """Element `index` of the endless training stream: epoch by epoch, each in its own order,
        mirrored at random and cut to a random `size` x `size` window (default: whole frames)."""
        epoch, step = divmod(index, len(self))
        order = np.random.default_rng([seed, epoch]).permutation(len(self))
        rng = np.random.default_rng([seed, epoch, step])
        size = self.window(size)
        example = self.example(int(order[step]), mirror=bool(rng.integers(2)))
        top, left = (int(rng.integers(self.config.size - size + 1)) for _ in range(2))
        return {name: value[..., top : top + size, left : left + size, :] for name, value in example.items()}


def mirrored(example: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The example seen in a mirror (left-right): images flipped, horizontal motion negated."""
    flipped = {name: np.ascontiguousarray(np.flip(value, axis=-2)) for name, value in example.items()}
    for name in ("flow", "priors"):
        flipped[name][..., 0] *= -1.0
    return flipped


def cached_motion_dataset(folder: str | Path, batch_size: int, start_index: int = 0, seed: int = 0,
                          size: int | None = None, context=SINGLE):
    """Batches of a motion cache's examples, `size` px windows (default: whole frames), from element
    `start_index` on (for exact resume); `context` as for stream_dataset."""
    cache = MotionCache(folder)
    size = cache.window(size)  # a size the cache cannot give fails here, before training starts
    return stream_dataset(lambda index: cache.element(index, seed, size), size, batch_size, start_index, context,
                          prior_count(cache.config.shapes))
