"""tf.data input for the correspondence colourer: frames with their true motion.

Every element is one target frame of a rendered cel shot (data/openmoji.py) with its two
keyframes, the first and last frame of the shot, as `colorize` sees a shot:

    line       [H, W, 1]     target line art
    color      [H, W, 3]     target colour (the truth; never a model input)
    ref_line   [2, H, W, 1]  keyframe line art
    ref_color  [2, H, W, 3]  keyframe colour
    flow       [2, H, W, 2]  true (dx, dy) from each target pixel to the same drawing point in the keyframe
    visible    [2, H, W, 1]  1 where that point is seen in the keyframe (not hidden, not outside)
    priors     [2, P, H, W, 3]  the classical optical flow to each keyframe, direct and chained
                             through the frames between, with its warp cost (flow.ShotMotion.priors,
                             as colorize computes it); with `shapes` (P = 3) also each closed
                             region moved as a whole, as the match colourer carries it (segments.py)

The renderer knows every cel's transform and depth order, so correspondence and visibility
are exact (MojiShot.correspondence). The amount of motion is drawn per shot, from gentle to
several times the default, so the network meets both small and large motion. Randomness is
keyed on (seed, element index): a seed fixes the stream, and resume continues it exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import tensorflow as tf

from lineart_color.data import openmoji
from lineart_color.data.stream import SINGLE, per_replica_batch, pipeline_indices
from lineart_color.errors import FieldError
from lineart_color.flow import ShotMotion

KEYFRAMES = 2
PRIORS = 2  # classical candidate warps a keyframe: direct and chained
REGION_PRIORS = 3  # with shapes: direct, chained, and the regions moved as wholes


def prior_count(shapes: bool) -> int:
    return REGION_PRIORS if shapes else PRIORS


@dataclass(frozen=True)
class MotionDataConfig:
    size: int = 256
    frames: int = 8  # keyframes are frame 0 and frame frames - 1
    min_motion: float = 0.5
    max_motion: float = 4.0
    source: str = "moji"  # a cel source of openmoji.CEL_SOURCES, or several joined by "+" (one a shot, at random)
    seed: int = 0
    shapes: bool = False  # priors include each closed region moved as a whole (the match colourer's warps)
    turn: float = 0.0  # each shot's cels turn up to a drawn angle from 0 to this many degrees (MojiShot.sample)
    cross: float = 0.0  # the share of shots whose first two cels pass through each other

    def __post_init__(self):
        if self.size < 16 or self.size % 8:
            raise FieldError("size", f"size must be a multiple of 8, at least 16, got {self.size}")
        if self.frames < 3:
            raise FieldError("frames", f"frames must be at least 3 (two keyframes and a target), got {self.frames}")
        if not set(self.sources) <= set(openmoji.CEL_SOURCES):
            raise FieldError("source", f"source must be one of {openmoji.CEL_SOURCES} or several joined by +, got {self.source!r}")
        if not 0.0 <= self.turn <= 180.0:
            raise FieldError("turn", f"turn must be from 0 to 180 degrees, got {self.turn}")
        if not 0.0 <= self.cross <= 1.0:
            raise FieldError("cross", f"cross must be a share from 0 to 1, got {self.cross}")
        if not 0.0 <= self.min_motion <= self.max_motion:
            raise FieldError("min_motion", f"need 0 <= min_motion <= max_motion, got {self.min_motion}, {self.max_motion}")

    @property
    def sources(self) -> list[str]:
        return self.source.split("+")


def _sample_shot(config: MotionDataConfig, rng: np.random.Generator) -> openmoji.MojiShot:
    """One training shot: its motion scale, (with several sources) its source, and (when asked) its
    turn and whether its cels cross, drawn from rng (no draw for what is not asked, so a config
    without them gives the same shots as before they existed)."""
    motion = float(rng.uniform(config.min_motion, config.max_motion))
    sources = config.sources
    source = sources[int(rng.integers(len(sources)))] if len(sources) > 1 else sources[0]
    turn = float(rng.uniform(0.0, config.turn)) if config.turn > 0 else 0.0
    cross = bool(rng.random() < config.cross) if config.cross > 0 else False
    drawings = openmoji.drawing_ids(source, "train")
    return openmoji.MojiShot.sample(rng, drawings, config.frames, config.size, motion=motion, source=source,
                                    turn=turn, cross=cross)


def _examples(shot: openmoji.MojiShot, targets: list[int], shapes: bool) -> list[dict[str, np.ndarray]]:
    """Each target frame of a rendered shot with its keyframes (the first and last frame), the true
    motion and the classical prior warps (module docstring); the shot's flows are computed once."""
    frames = shot.frames
    keys = (0, frames - 1)
    colours, lines = shot.render_all()
    names = [str(t) for t in range(frames)]
    motion = ShotMotion(dict(zip(names, lines)), names, shapes=shapes)
    examples = []
    for target in targets:
        truths = [shot.correspondence(target, key) for key in keys]
        examples.append({
            "line": lines[target][..., None],
            "color": colours[target],
            "ref_line": np.stack([lines[key] for key in keys])[..., None],
            "ref_color": np.stack([colours[key] for key in keys]),
            "flow": np.stack([truth.flow for truth in truths]),
            "visible": np.stack([truth.visible for truth in truths]).astype(np.float32)[..., None],
            "priors": np.stack([motion.priors(names[target], names[key]) for key in keys]),
        })
    return examples


def motion_example(config: MotionDataConfig, index: int) -> dict[str, np.ndarray]:
    """Element `index` of the stream, as numpy arrays (see the module docstring)."""
    rng = np.random.default_rng([config.seed, index])
    shot = _sample_shot(config, rng)
    return _examples(shot, [int(rng.integers(1, config.frames - 1))], config.shapes)[0]


def shot_examples(config: MotionDataConfig, index: int) -> list[dict[str, np.ndarray]]:
    """Every in-between frame of shot `index` as a motion_example (what a motion cache stores)."""
    shot = _sample_shot(config, np.random.default_rng([config.seed, index]))
    return _examples(shot, list(range(1, config.frames - 1)), config.shapes)


FIELDS = ("line", "color", "ref_line", "ref_color", "flow", "visible", "priors")


def field_shapes(size: int, priors: int = PRIORS) -> dict[str, tuple[int, ...]]:
    """Every field's shape for square frames of `size` px and `priors` warps a keyframe (module docstring)."""
    return {"line": (size, size, 1), "color": (size, size, 3), "ref_line": (KEYFRAMES, size, size, 1),
            "ref_color": (KEYFRAMES, size, size, 3), "flow": (KEYFRAMES, size, size, 2),
            "visible": (KEYFRAMES, size, size, 1), "priors": (KEYFRAMES, priors, size, size, 3)}


def stream_dataset(element: Callable[[int], dict[str, np.ndarray]], size: int, batch_size: int,
                   start_index: int = 0, context: tf.distribute.InputContext = SINGLE,
                   priors: int = PRIORS) -> tf.data.Dataset:
    """Batches of element(index) for index = start_index, start_index + 1, ... (so resume is exact).

    batch_size is the global batch; under tf.distribute, `context` picks this input pipeline's
    share and the batches are per replica (data/stream.py).
    """
    shapes = field_shapes(size, priors)

    def load(index):
        example = element(int(index))
        return [example[name].astype(np.float32) for name in FIELDS]

    def to_dict(index):
        values = tf.numpy_function(load, [index], [tf.float32] * len(FIELDS))
        return {name: tf.ensure_shape(value, shapes[name]) for name, value in zip(FIELDS, values)}

    indices = pipeline_indices(start_index, batch_size, context)
    batches = indices.map(to_dict, num_parallel_calls=2, deterministic=True)
    return batches.batch(per_replica_batch(batch_size, context)).prefetch(2)


def motion_dataset(config: MotionDataConfig, batch_size: int, start_index: int = 0,
                   context: tf.distribute.InputContext = SINGLE) -> tf.data.Dataset:
    """Batches of motion_example elements, rendered on the fly, from element `start_index` on."""
    return stream_dataset(lambda index: motion_example(config, index), config.size, batch_size, start_index, context,
                          prior_count(config.shapes))
