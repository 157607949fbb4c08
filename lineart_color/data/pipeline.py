"""tf.data training input: (reference, target, reference) frame triplets from shots.

Every element is a dict of float32 tensors, frames on axis 0 in the order
(reference before, target, reference after):

    line      [3, H, W, 1]  line art, dark lines on white
    distance  [3, H, W, 1]  distance field of the line art (in the graph: data/distance_graph.py, as
                            colorize and export compute it)
    color     [3, H, W, 3]  colour

Sources: a dataset folder (shots whose color/ holds every frame used for training) or
"moji", which renders OpenMoji shots of the train split on the fly. The same random
resize/crop/flip is applied to all three frames. Randomness is stateless and keyed on
(seed, element index), so a seed fixes the stream whatever the parallelism.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tensorflow as tf

from lineart_color.data import openmoji
from lineart_color.data.distance import DEFAULT_REACH
from lineart_color.data.distance_graph import distance_field_graph
from lineart_color.data.lineart import LUMA
from lineart_color.data.shots import list_dataset, read_shot
from lineart_color.data.stream import SINGLE, per_replica_batch, pipeline_indices
from lineart_color.errors import UserError

MOJI = "moji"
TRIPLET = 3


@dataclass(frozen=True)
class TripletConfig:
    """How triplets are drawn and augmented."""

    height: int = 256
    width: int = 256
    min_spacing: int = 1  # frames between target and each reference
    max_spacing: int = 4
    max_zoom: float = 1.5  # frames are scaled to cover the crop, times a zoom in [1, max_zoom]
    flip: bool = True
    reach: float = DEFAULT_REACH  # distance-field normalisation
    moji_size: int = 256  # side of on-the-fly moji frames before augmentation
    seed: int = 0

    def __post_init__(self):
        if self.height < 8 or self.width < 8:
            raise ValueError(f"crop must be at least 8x8, got {self.height}x{self.width}")
        if not 1 <= self.min_spacing <= self.max_spacing:
            raise ValueError(f"need 1 <= min_spacing <= max_spacing, got {self.min_spacing}, {self.max_spacing}")
        if self.max_zoom < 1.0:
            raise ValueError(f"max_zoom must be >= 1, got {self.max_zoom}")


def _element_seed(seed: int, index: tf.Tensor, stream: int) -> tf.Tensor:
    """A stateless seed pair for one element and one use ('stream') of randomness."""
    return tf.stack([tf.cast(seed, tf.int64) * 1000003 + tf.cast(stream, tf.int64), tf.cast(index, tf.int64)])


def _uniform_int(seed: tf.Tensor, low: tf.Tensor, high: tf.Tensor) -> tf.Tensor:
    """An integer uniform in [low, high] (inclusive), from a stateless seed."""
    low, high = tf.cast(low, tf.int32), tf.cast(high, tf.int32)
    return tf.random.stateless_uniform([], seed, minval=low, maxval=high + 1, dtype=tf.int32)


# -- decoding, matching lineart_color.data.images.read_image ---------------------------

def decode_frame(data: tf.Tensor) -> tf.Tensor:
    """Encoded PNG/JPEG -> [H, W, 3] float32 RGB in [0, 1], transparency composited onto white."""
    image = tf.io.decode_image(data, channels=0, dtype=tf.float32, expand_animations=False)
    channels = tf.shape(image)[-1]

    def flatten(colour: tf.Tensor, alpha: tf.Tensor) -> tf.Tensor:
        return colour * alpha + (1.0 - alpha)

    branches = [
        lambda: tf.tile(image[..., :1], [1, 1, 3]),  # grey
        lambda: tf.tile(flatten(image[..., :1], image[..., 1:2]), [1, 1, 3]),  # grey + alpha
        lambda: image[..., :3],  # RGB
        lambda: flatten(image[..., :3], image[..., 3:4]),  # RGBA
    ]
    rgb = tf.switch_case(channels - 1, branches)
    rgb.set_shape([None, None, 3])
    return rgb


def to_grey(rgb: tf.Tensor) -> tf.Tensor:
    """[..., 3] -> [..., 1] with the BT.601 weights (lineart.LUMA), as PIL's "L" conversion."""
    return tf.reduce_sum(rgb * tf.constant(LUMA), axis=-1, keepdims=True)


# -- augmentation and distance fields, shared by every source ------------------------

def augment(frames: tf.Tensor, index: tf.Tensor, config: TripletConfig) -> tf.Tensor:
    """Resize to cover the crop (times a random zoom), random crop, random flip.

    frames: [3, H, W, C]; the same transform is applied to every frame and channel.
    """
    seeds = [_element_seed(config.seed, index, stream) for stream in (10, 11, 12, 13)]
    size = tf.cast(tf.shape(frames)[1:3], tf.float32)
    crop = tf.constant([config.height, config.width], tf.float32)
    zoom = tf.random.stateless_uniform([], seeds[0], 1.0, config.max_zoom)
    scale = tf.reduce_max(crop / size) * zoom
    resized_hw = tf.maximum(tf.cast(tf.math.ceil(size * scale), tf.int32), tf.cast(crop, tf.int32))
    frames = tf.image.resize(frames, resized_hw, method="bilinear", antialias=True)
    top = _uniform_int(seeds[1], 0, resized_hw[0] - config.height)
    left = _uniform_int(seeds[2], 0, resized_hw[1] - config.width)
    frames = frames[:, top : top + config.height, left : left + config.width, :]
    if config.flip:
        flip = tf.random.stateless_uniform([], seeds[3]) < 0.5
        frames = tf.cond(flip, lambda: tf.reverse(frames, axis=[2]), lambda: frames)
    return tf.clip_by_value(frames, 0.0, 1.0)


def finish_triplet(color: tf.Tensor, line: tf.Tensor, index: tf.Tensor, config: TripletConfig) -> dict:
    """Augment a raw triplet identically across frames and add distance fields."""
    frames = augment(tf.concat([color, line], axis=-1), index, config)
    frames = tf.ensure_shape(frames, [TRIPLET, config.height, config.width, 4])
    color, line = frames[..., :3], frames[..., 3:]
    return {"line": line, "distance": distance_field_graph(line, config.reach), "color": color}


# -- sources ---------------------------------------------------------------------------

@dataclass(frozen=True)
class FolderIndex:
    """Flat tables of the frames usable for training: those with both line art and colour."""

    line_files: tuple[str, ...]
    color_files: tuple[str, ...]
    shot_starts: tuple[int, ...]  # first row of each shot in the flat tables
    shot_lengths: tuple[int, ...]

    @staticmethod
    def scan(root: str | os.PathLike, min_frames: int) -> "FolderIndex":
        lines, colors, starts, lengths = [], [], [], []
        for path in list_dataset(root):
            shot = read_shot(path)
            names = [name for name in shot.names if name in shot.color_files]
            if len(names) < min_frames:
                continue
            starts.append(len(lines))
            lengths.append(len(names))
            lines += [str(shot.line_files[name]) for name in names]
            colors += [str(shot.color_files[name]) for name in names]
        if not lengths:
            raise UserError(
                f"{root}: no shot has {min_frames} or more coloured frames "
                f"(training needs color/ for the frames of a triplet)"
            )
        return FolderIndex(tuple(lines), tuple(colors), tuple(starts), tuple(lengths))


def _sample_offsets(length: tf.Tensor, index: tf.Tensor, config: TripletConfig) -> tf.Tensor:
    """Frame positions (before, target, after) inside a shot of `length` frames."""
    spacing = config.min_spacing
    target = _uniform_int(_element_seed(config.seed, index, 1), spacing, length - 1 - spacing)
    before = _uniform_int(_element_seed(config.seed, index, 2), spacing, tf.minimum(config.max_spacing, target))
    after = _uniform_int(
        _element_seed(config.seed, index, 3), spacing, tf.minimum(config.max_spacing, length - 1 - target)
    )
    return tf.stack([target - before, target, target + after])


def folder_triplets(root: str | os.PathLike, config: TripletConfig, indices: tf.data.Dataset) -> tf.data.Dataset:
    """Unbatched triplets `indices` from a dataset folder. Shots are drawn in proportion to length."""
    index_table = FolderIndex.scan(root, min_frames=2 * config.min_spacing + 1)
    line_files = tf.constant(index_table.line_files)
    color_files = tf.constant(index_table.color_files)
    starts = tf.constant(index_table.shot_starts, tf.int32)
    lengths = tf.constant(index_table.shot_lengths, tf.int32)
    log_weights = tf.math.log(tf.cast(lengths, tf.float32))[None, :]

    def load(index: tf.Tensor) -> dict:
        shot = tf.random.stateless_categorical(log_weights, 1, _element_seed(config.seed, index, 0), dtype=tf.int32)[0, 0]
        rows = starts[shot] + _sample_offsets(lengths[shot], index, config)
        color = tf.stack([decode_frame(tf.io.read_file(color_files[row])) for row in tf.unstack(rows, TRIPLET)])
        line = tf.stack([to_grey(decode_frame(tf.io.read_file(line_files[row]))) for row in tf.unstack(rows, TRIPLET)])
        return finish_triplet(color, line, index, config)

    return indices.map(load, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)


def render_moji_triplet(seed: int, index: int, config: TripletConfig) -> tuple[np.ndarray, np.ndarray]:
    """Render the three frames of triplet `index` from a fresh random train-split shot."""
    rng = openmoji.shot_rng(seed, int(index))
    before = int(rng.integers(config.min_spacing, config.max_spacing + 1))
    after = int(rng.integers(config.min_spacing, config.max_spacing + 1))
    shot = openmoji.MojiShot.sample(rng, openmoji.emoji_codes("train"), before + after + 1, config.moji_size)
    frames = [shot.render(t) for t in (0, before, before + after)]
    color = np.stack([c for c, _ in frames]).astype(np.float32)
    line = np.stack([l for _, l in frames])[..., None].astype(np.float32)
    return color, line


def moji_triplets(config: TripletConfig, indices: tf.data.Dataset) -> tf.data.Dataset:
    """Unbatched triplets `indices` rendered on the fly from OpenMoji's train split."""

    def load(index: tf.Tensor) -> dict:
        color, line = tf.numpy_function(
            lambda i: render_moji_triplet(config.seed, i, config), [index], [tf.float32, tf.float32], stateful=False
        )
        side = config.moji_size
        color = tf.ensure_shape(color, [TRIPLET, side, side, 3])
        line = tf.ensure_shape(line, [TRIPLET, side, side, 1])
        return finish_triplet(color, line, index, config)

    return indices.map(load, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)


def triplet_dataset(source: str | os.PathLike, batch_size: int, config: TripletConfig = TripletConfig(),
                    start_index: int = 0, context: tf.distribute.InputContext = SINGLE) -> tf.data.Dataset:
    """Batched, prefetched, endless triplets from a dataset folder or "moji".

    Element i of the stream depends only on (seed, i); start_index skips ahead exactly, so a
    resumed training run sees the batches it would have seen without the interruption.
    batch_size is the global batch; under tf.distribute, `context` picks this input pipeline's
    share and the batches are per replica (data/stream.py).
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    indices = pipeline_indices(start_index, batch_size, context)
    if str(source) == MOJI:
        dataset = moji_triplets(config, indices)
    else:
        dataset = folder_triplets(Path(source), config, indices)
    return dataset.batch(per_replica_batch(batch_size, context), drop_remainder=True).prefetch(tf.data.AUTOTUNE)
