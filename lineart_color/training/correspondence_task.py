"""What training the correspondence colourer means: supervised matching, no discriminator.

The renderer gives the true motion and visibility of every pixel (data/correspondence_data.py),
so the network is taught where each part of the drawing went, not what colour to paint:

- match: at 1/8, the log-likelihood of the true keyframe cell under the global match's
  softmax, for target cells whose drawing point is seen in that keyframe;
- flow: at every level, the end-point error against the true flow (in full-size pixels,
  divided by 8), on pixels seen in the keyframe;
- choice: 1 - the probability the choice head puts on candidates (the network's own
  flow and the classical prior flows, to each keyframe) whose drawing of the target (the
  keyframe's paint carried by that flow, the target's lines over it) is the truth's colour
  at that painted pixel (pixels where none is right teach nothing). A network without a
  matcher (preset "choice") learns this term alone.

Terms are per example, weighted by loss.match_weight, loss.flow_weight and loss.choice_weight.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from lineart_color.layers.batch_fold import fold_into_batch
from lineart_color.layers.warp import pixel_grid
from lineart_color.models.correspondence import DOWNSAMPLING, LINE_THRESHOLD, CorrespondenceNetwork
from lineart_color.training.config import TrainConfig

SEEN = 0.99  # a pooled cell counts as seen when this share of its pixels is
RIGHT_COLOUR = 0.1  # a carried paint is right when every channel is this close to the truth


def _pool(x, factor: int):
    return ops.average_pool(x, factor, factor, padding="valid") if factor > 1 else x


def _masked_mean(values, mask, batch):
    """Per example [B]: the mean of values over mask, [B*K, ...] laid out example-major."""
    values = ops.reshape(values * mask, (batch, -1))
    mask = ops.reshape(mask, (batch, -1))
    return ops.sum(values, axis=1) / ops.maximum(ops.sum(mask, axis=1), 1.0)


class CorrespondenceTask:
    def __init__(self, config: TrainConfig):
        self.config = config
        self.loss = config.loss
        self.network = None

    def build_models(self):
        """The network and no discriminator (created inside the strategy scope by the trainer)."""
        self.network = CorrespondenceNetwork.from_preset(self.config.model.preset, name="correspondence_network",
                                                         region_priors=self.motion_config().shapes)
        return self.network, None

    def motion_config(self):
        """The MotionDataConfig of the training frames: a motion cache's own, else the stream's from the run's
        data config (its priors' kinds decide the network's region_priors)."""
        from lineart_color.data.correspondence_data import MotionDataConfig
        from lineart_color.data.motion_cache import cache_config, is_motion_cache

        data = self.config.data
        if is_motion_cache(data.source):
            return cache_config(data.source)
        return MotionDataConfig(size=data.height, min_motion=data.min_motion, max_motion=data.max_motion,
                                source=data.source, seed=data.seed)

    def dataset(self, global_batch: int, start_index: int, context: tf.distribute.InputContext):
        """This input pipeline's batches of frames with true motion, from element `start_index` on."""
        from lineart_color.data.correspondence_data import motion_dataset
        from lineart_color.data.motion_cache import cached_motion_dataset, is_motion_cache

        data = self.config.data
        if is_motion_cache(data.source):
            return cached_motion_dataset(data.source, global_batch, start_index, data.seed, data.height, context)
        return motion_dataset(self.motion_config(), global_batch, start_index, context)

    @staticmethod
    def progress_values(values: dict) -> dict:
        return {"loss": values["generator"], "flow": values["flow"], "choice": values["choice"]}

    def split(self, batch: dict):
        inputs = {name: batch[name] for name in ("line", "ref_line", "ref_color", "priors")}
        return inputs, None, batch

    def generate(self, network: keras.Model, inputs: dict, training: bool) -> dict:
        return network(inputs, training=training)

    def generator_terms(self, outputs: dict, truth: dict, fake_logits=None) -> dict:
        choice = self.loss.choice_weight * self.choice_term(outputs, truth)
        if "levels" not in outputs:  # no matcher: the network only chooses
            return {"match": ops.zeros_like(choice), "flow": ops.zeros_like(choice), "choice": choice}
        return {"match": self.loss.match_weight * self.match_term(outputs, truth),
                "flow": self.loss.flow_weight * self.flow_term(outputs, truth), "choice": choice}

    def match_term(self, outputs, truth):
        batch = ops.shape(truth["line"])[0]
        flow, visible = fold_into_batch(truth["flow"]), fold_into_batch(truth["visible"])
        cells = _pool(flow, DOWNSAMPLING) / DOWNSAMPLING
        seen = ops.cast(_pool(visible, DOWNSAMPLING) >= SEEN, "float32")
        shape = ops.shape(cells)
        height, width = shape[1], shape[2]
        position = ops.round(pixel_grid(height, width)[None] + cells)
        inside = ops.cast((position[..., 0] >= 0) & (position[..., 0] <= ops.cast(width - 1, "float32"))
                          & (position[..., 1] >= 0) & (position[..., 1] <= ops.cast(height - 1, "float32")), "float32")
        index = ops.cast(ops.clip(position[..., 1], 0, ops.cast(height - 1, "float32")) * ops.cast(width, "float32")
                         + ops.clip(position[..., 0], 0, ops.cast(width - 1, "float32")), "int32")
        query, keys = outputs["match"]
        likelihood = self.network.global_match.log_likelihood(query, keys, ops.reshape(index, (ops.shape(index)[0], -1)))
        mask = ops.reshape(seen[..., 0] * inside, ops.shape(likelihood))
        return _masked_mean(-likelihood, mask, batch)

    def flow_term(self, outputs, truth):
        batch = ops.shape(truth["line"])[0]
        flow, visible = fold_into_batch(truth["flow"]), fold_into_batch(truth["visible"])
        total = 0.0
        for level in outputs["levels"]:
            factor = int(truth["line"].shape[1]) // int(level.shape[1])
            target = _pool(flow, factor)
            seen = ops.cast(_pool(visible, factor) >= SEEN, "float32")
            error = ops.sqrt(ops.sum(ops.square(level * factor - target), axis=-1, keepdims=True) + 1e-6)
            total = total + _masked_mean(error / DOWNSAMPLING, seen, batch)
        return total

    def choice_term(self, outputs, truth):
        """1 - the trust put on candidates whose drawing of the target is the truth's colour: the
        expected share of pixels the choice gets wrong. Bounded per pixel, so pixels where every
        cue points to a wrong warp cannot outweigh the many near ties. (The log of that trust
        did: trained with it, the choice hedged on those pixels and flipped near ties, and picked
        a right warp on 0.898-0.928 of contested training pixels where its starting cost got 0.935.)"""
        batch = ops.shape(truth["line"])[0]
        drawn = ops.stop_gradient(outputs["drawn"])  # [B, C, H, W, 3]: the target as each candidate draws it
        right = ops.cast(ops.max(ops.abs(drawn - truth["color"][:, None]), axis=-1) < RIGHT_COLOUR, "float32")
        right = ops.transpose(right, (0, 2, 3, 1))  # [B, H, W, C]
        trusted = ops.sum(outputs["choice"] * right, axis=-1)
        teaches = ops.cast((ops.max(right, axis=-1) > 0) & (truth["line"][..., 0] >= LINE_THRESHOLD), "float32")
        return _masked_mean(1.0 - trusted, teaches, batch)

    def sample_rows(self, batch: dict, outputs: dict, count: int = 2) -> list[np.ndarray]:
        """line | keyframes | output | truth."""
        from lineart_color.training.summaries import image_row

        rows = []
        for i in range(min(count, int(batch["line"].shape[0]))):
            refs = [np.asarray(batch["ref_color"][i, k]) for k in range(int(batch["ref_color"].shape[1]))]
            rows.append(image_row([np.asarray(batch["line"][i]), *refs, np.asarray(outputs["color"][i]),
                                   np.asarray(batch["color"][i])]))
        return rows
