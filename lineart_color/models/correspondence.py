"""The correspondence colourer: match the target's line art to each keyframe, then copy the
keyframes' own paint. It learns matching and choosing, never painting.

Two forms (presets): with a matcher ("small", "tiny"), which finds its own flow to each
keyframe beside any prior warps; and without one ("choice", "choice-tiny"), which chooses
among the prior warps alone and needs them.

Inputs (a dict, float in [0, 1], H and W multiples of 8, any K >= 1 keyframes):
    line         [B, H, W, 1]        target line art, dark on white
    ref_color    [B, K, H, W, 3]     keyframe colour
    ref_line     [B, K, H, W, 1]     keyframe line art
    priors       [B, K, P, H, W, 3]  P more candidate warps to each keyframe (optional with a
                                     matcher), each as (dx, dy, cost): the classical optical flow,
                                     direct and chained, with the flow colourer's cost of it, and
                                     with `region_priors` each closed region moved as a whole (the
                                     match colourer's warps; flow.ShotMotion.priors)
Outputs (a dict), with n candidates a keyframe (1 + P with a matcher, else P), C = K * n,
keyframe-major:
    color        [B, H, W, 3]        the target coloured with keyframe pixels (exact paints)
    flows        [B, C, H, W, 2]     (dx, dy) px: target pixel p shows what the keyframe shows at p + flow;
                                     with a matcher, each keyframe's first candidate is its own flow
    choice       [B, H, W, C]        how much each candidate is trusted at each pixel (softmax)
    drawn        [B, C, H, W, 3]     the target as each candidate draws it (for training)
    levels     [flow at 1/8, 1/4, 1/2], each [B*K, h, w, 2] in that level's pixels (matcher only)
    match      (query [B*K, Q, C], keys [B*K, N, C]) of the global match (matcher only)

How:
1. The matcher: one shared encoder turns line art and its distance field (computed in the
   graph, as export needs) into features at 1/2, 1/4 and 1/8. A global match at 1/8
   compares every target cell with every cell of each keyframe (cosine similarity, a softmax
   per keyframe); the expected position is a coarse flow that can span the whole frame.
   Coarse to fine, at 1/4 and 1/2, a local correlation around the warped keyframe features
   corrects it; the flow at 1/2 is upsampled to full size.
2. Candidates: the matcher's flow to each keyframe, and the prior warps given. Each one
   carries its keyframe to the target: the paint (lines taken out, so no keyframe line lands
   on paint) sampled at the nearest pixel, the target's lines laid over it.
3. Every candidate has a cost, lower is better: the flow colourer's own for a prior warp;
   for the matcher's flow, its distance fields' disagreement plus a learned offset. The
   choice (CandidateChooser) is -cost times a learned scale plus a learned correction, which
   judges all candidates together from what each one carries (candidate_features). The
   correction starts at zero, so the untrained choice is the flow colourer's; training learns
   where the hand-made cost is wrong.
4. The most trusted candidate's drawing wins at each pixel: keyframe pixels, never a blend.

Matching and choosing (steps 1 to 3) run at a working size of at most `work_pixels` (frames
within it run at their own size, exactly as before); the choice comes back to full size
bilinear and step 4 copies keyframe pixels at full size, along the priors' own full-size flows
(the matcher's scaled up). So a 1920x1080 frame costs about what a frame of the working size
does, plus the full-size copy.
"""

from __future__ import annotations

import keras
from keras import ops

from lineart_color.data.distance_graph import distance_field_graph
from lineart_color.layers.batch_fold import fold_into_batch, unfold_from_batch
from lineart_color.layers import ink
from lineart_color.layers.conv_block import ConvBlock
from lineart_color.layers.similarity_transform import map_query_chunks
from lineart_color.layers.warp import (local_correlation, paint_under_lines, pixel_grid, resample, sample_bilinear,
                                       sample_nearest, upsample_bilinear_2x)
from lineart_color.models.presets import SizeFreeWeights

DOWNSAMPLING = 8
# Matching and choosing run on at most about this many pixels a frame (512 x 512); the paint
# chosen is copied at full size. A 1920x1080 frame is chosen at 688x392. On 1024 px val shots a
# choice at this size scored as one at full size (flat accuracy 0.9742 against 0.9737) in
# 57 % of the time and 2.2 GB less memory.
WORK_PIXELS = 1 << 18
LINE_THRESHOLD = 0.5  # line pixels: grey below this (data/distance.py)

# Named configs; a saved model stores the resolved values, not the name.
PRESETS = {
    "small": {"widths": (24, 48, 96), "match_dim": 64, "radius": 3, "fill_steps": 6, "choice_width": 32},
    "tiny": {"widths": (8, 16, 16), "match_dim": 16, "radius": 1, "fill_steps": 2, "choice_width": 8},
    # no matcher: a learned choice among the classical optical flow's warps
    "choice": {"own_flow": False, "fill_steps": 6, "choice_width": 32},
    "choice-tiny": {"own_flow": False, "fill_steps": 2, "choice_width": 8},
}


def _conv(filters: int, strides: int = 1, activation="leaky_relu", name=None, dilation: int = 1) -> ConvBlock:
    return ConvBlock(filters, 3, strides, norm="none", activation=activation, spectral=False, dilation=dilation, name=name)


def _per_reference(x, refs):
    """[B, H, W, C] -> [B*K, H, W, C]: the target repeated once per keyframe."""
    shape = ops.shape(x)
    return ops.reshape(ops.repeat(x[:, None], refs, axis=1), (-1, shape[1], shape[2], x.shape[-1]))


def _candidates(own, priors):
    """Each keyframe's candidate warps: the network's own flow (when it has a matcher), then the P
    prior warps given for it: (flows [B*K, n, H, W, 2], the priors' costs [B*K, n, H, W, 1] with 0
    for the own flow, or None without priors)."""
    if priors is None:
        return own[:, None], None
    shape = ops.shape(priors)  # [B, K, P, H, W, 3]
    priors = ops.reshape(ops.cast(priors, "float32"), (-1, shape[2], shape[3], shape[4], 3))
    if own is None:
        return priors[..., :2], priors[..., 2:]
    own = own[:, None]
    costs = ops.concatenate([ops.zeros_like(own[..., :1]), priors[..., 2:]], axis=1)
    return ops.concatenate([own, priors[..., :2]], axis=1), costs


def working_size(height, width, pixels: int = WORK_PIXELS):
    """The size (multiples of 8, the frame's shape) the choice runs at: the frame's own when it
    has at most `pixels` pixels, else scaled down to about that many. Tensors in, tensors out."""
    area = ops.cast(height, "float32") * ops.cast(width, "float32")
    shrink = ops.maximum(1.0, ops.sqrt(area / float(pixels)))
    to_eighths = lambda n: ops.cast(ops.ceil(ops.cast(n, "float32") / shrink / DOWNSAMPLING) * DOWNSAMPLING, "int32")
    return to_eighths(height), to_eighths(width)


class _Resize:
    """Between a frame's full size and the working size that matching and choosing run at.

    Line art and paint go down (bilinear for line art, so thin lines stay; nearest for paint,
    flows and costs, so every value is one that was given); the chooser's logits come up
    bilinear and the matcher's flows bilinear and scaled. With `identity` every step is a no-op.
    """

    def __init__(self, size, work_size, identity: bool):
        self.size, self.work_size, self.identity = size, work_size, identity
        ratio = lambda a, b: ops.cast(a, "float32") / ops.cast(b, "float32")
        self.shrink = ops.stack([ratio(work_size[1], size[1]), ratio(work_size[0], size[0])])  # (x, y)
        # a frame within the working size skips every resampling at run time (it would be exact, but costs)
        self.same = ops.logical_and(ops.equal(work_size[0], size[0]), ops.equal(work_size[1], size[1]))

    def _unless_same(self, x, resized):
        return x if self.identity else ops.cond(self.same, lambda: x, resized)

    @classmethod
    def at_working_size(cls, height, width, pixels: int, identity: bool) -> "_Resize":
        return cls((height, width), working_size(height, width, pixels), identity)

    def down(self, x, bilinear: bool = False):
        return self._unless_same(x, lambda: resample(x, *self.work_size, bilinear))

    def down_priors(self, priors):
        """[B, K, P, H, W, (dx, dy, cost)] -> the same at the working size, the flows in its pixels."""
        if priors is None:
            return None
        priors = ops.cast(priors, "float32")

        def shrunk():
            shape = ops.shape(priors)
            small = resample(ops.reshape(priors, (-1, shape[3], shape[4], 3)), *self.work_size)
            small = small * ops.concatenate([self.shrink, ops.ones((1,))], axis=0)
            return ops.reshape(small, (shape[0], shape[1], shape[2], self.work_size[0], self.work_size[1], 3))

        return self._unless_same(priors, shrunk)

    def up(self, x):
        return self._unless_same(x, lambda: resample(x, *self.size, bilinear=True))

    def up_flow(self, flow):
        return self._unless_same(flow, lambda: resample(flow, *self.size, bilinear=True) / self.shrink)


def _first_largest(x):
    """One-hot [..., C] of the largest value on the last axis, the first on a tie.

    As one_hot(argmax) without argmax: Keras's argmax bitcasts to find -0.0, which TF.js lacks.
    """
    last = len(x.shape) - 1  # a positive axis: TF.js's cumsum mis-shapes axis -1
    largest = ops.cast(x >= ops.max(x, axis=last, keepdims=True), "float32")
    return largest * ops.cast(ops.equal(ops.cumsum(largest, axis=last), 1.0), "float32")


def _upsample_flow(flow):
    """A flow at one level -> the next finer level (twice the size, twice the pixels)."""
    return 2.0 * upsample_bilinear_2x(flow)


@keras.saving.register_keras_serializable(package="lineart_color")
class PyramidEncoder(keras.layers.Layer):
    """[N, H, W, 2] -> features at 1/2, 1/4, 1/8 (a stride-2 3x3 conv and a 3x3 conv a level)."""

    def __init__(self, widths=(24, 48, 96), **kwargs):
        super().__init__(**kwargs)
        if len(widths) != 3 or min(widths) < 1:
            raise ValueError(f"widths must be three positive numbers, got {widths}")
        self.widths = tuple(int(w) for w in widths)
        self.stages = [[_conv(w, 2, name=f"level{i}_a"), _conv(w, name=f"level{i}_b")]
                       for i, w in enumerate(self.widths)]

    def build(self, input_shape):
        shape = input_shape
        for stage in self.stages:
            for block in stage:
                block.build(shape)
                shape = block.compute_output_shape(shape)

    def call(self, x):
        features = []
        for first, second in self.stages:
            x = second(first(x))
            features.append(x)
        return features

    def get_config(self):
        return {**super().get_config(), "widths": self.widths}


@keras.saving.register_keras_serializable(package="lineart_color")
class GlobalMatch(keras.layers.Layer):
    """Coarse flow from all-pairs matching: [target [N, h, w, C], keyframe [N, h, w, C]] ->
    (flow [N, h, w, 2] in cells, log evidence [N, h, w, 1], query, keys).

    Cosine similarity of projected features times a learned scale; softmax over the keyframe's
    cells; the flow is the expected cell minus the target cell. The log evidence (logsumexp of
    the scores) says how well the keyframe explains each target cell. Queries are chunked, so
    memory stays bounded for large frames.
    """

    def __init__(self, dim: int = 64, chunk_size: int = 2048, **kwargs):
        super().__init__(**kwargs)
        if dim < 1 or chunk_size < 1:
            raise ValueError(f"dim and chunk_size must be >= 1, got {dim}, {chunk_size}")
        self.dim, self.chunk_size = dim, chunk_size
        self.project = keras.layers.Conv2D(dim, 1, name="project")

    def build(self, input_shape):
        self.project.build(input_shape[0])
        self.log_scale = self.add_weight(shape=(), initializer=keras.initializers.Constant(2.3), name="log_scale")

    def embed(self, features):
        """[N, h, w, C] -> [N, h*w, dim], unit length."""
        x = ops.cast(self.project(features), "float32")
        x = ops.reshape(x, (ops.shape(x)[0], -1, self.dim))
        return x / ops.sqrt(ops.sum(x * x, axis=-1, keepdims=True) + 1e-6)

    def call(self, inputs):
        target, key = inputs
        shape = ops.shape(target)
        height, width = shape[1], shape[2]
        query, keys = self.embed(target), self.embed(key)
        scale = ops.exp(self.log_scale)
        positions = ops.reshape(pixel_grid(height, width), (1, -1, 2))  # [1, N, 2]
        keys_t = ops.transpose(keys, (0, 2, 1))

        def match(query_chunk):
            scores = ops.matmul(query_chunk, keys_t) * scale  # [N, chunk, cells]
            evidence = ops.logsumexp(scores, axis=-1, keepdims=True)
            weights = ops.exp(scores - evidence)
            expected = ops.matmul(weights, ops.broadcast_to(positions, (ops.shape(keys)[0], ops.shape(keys)[1], 2)))
            return ops.concatenate([expected, evidence], axis=-1)

        result = ops.reshape(map_query_chunks(match, query, self.chunk_size, query.dtype), (-1, height, width, 3))
        flow = result[..., :2] - pixel_grid(height, width)[None]
        return flow, result[..., 2:], query, keys

    def log_likelihood(self, query, keys, index):
        """log p(target cell q matches keyframe cell index[q]) under the per-keyframe softmax, [N, Q].

        For training only (it holds all Q x cells scores at once).
        """
        scale = ops.exp(self.log_scale)
        chosen = ops.take_along_axis(keys, ops.repeat(index[..., None], self.dim, axis=-1), axis=1)
        chosen_score = ops.sum(query * chosen, axis=-1) * scale
        evidence = ops.logsumexp(ops.matmul(query, ops.transpose(keys, (0, 2, 1))) * scale, axis=-1)
        return chosen_score - evidence

    def get_config(self):
        return {**super().get_config(), "dim": self.dim, "chunk_size": self.chunk_size}


@keras.saving.register_keras_serializable(package="lineart_color")
class FlowRefiner(keras.layers.Layer):
    """One coarse-to-fine level: [target features, keyframe features, flow from the level above]
    -> the flow at this level."""

    def __init__(self, width: int = 32, radius: int = 3, **kwargs):
        super().__init__(**kwargs)
        if width < 1 or radius < 0:
            raise ValueError(f"width must be >= 1 and radius >= 0, got {width}, {radius}")
        self.width, self.radius = width, radius
        self.blocks = [_conv(width, name="conv_a"), _conv(max(width // 2, 2), name="conv_b"),
                       _conv(2, activation=None, name="to_flow")]

    def build(self, input_shape):
        target_shape = input_shape[0]
        shape = (*target_shape[:-1], (2 * self.radius + 1) ** 2 + target_shape[-1] + 2)
        for block in self.blocks:
            block.build(shape)
            shape = block.compute_output_shape(shape)

    def call(self, inputs):
        target, key, coarse_flow = inputs
        flow = _upsample_flow(coarse_flow)
        correlation = local_correlation(target, sample_bilinear(key, flow), self.radius)
        size = ops.cast(ops.shape(target)[1], "float32")
        x = ops.concatenate([correlation, target, flow / size], axis=-1)
        for block in self.blocks:
            x = block(x)
        return flow + ops.cast(x, "float32")

    def get_config(self):
        return {**super().get_config(), "width": self.width, "radius": self.radius}


def _over_candidates(x, batch, count):
    """[B*C, h, w, F] per candidate -> the mean and the max over a target's C candidates, handed
    back to each candidate [B*C, h, w, 2F]: what the others say, whatever their number and order."""
    grouped = unfold_from_batch(x, batch, count)
    summary = ops.concatenate([ops.mean(grouped, axis=1, keepdims=True), ops.max(grouped, axis=1, keepdims=True)], axis=-1)
    return fold_into_batch(ops.repeat(summary, count, axis=1))


@keras.saving.register_keras_serializable(package="lineart_color")
class CandidateChooser(keras.layers.Layer):
    """How much to trust each candidate warp at each pixel, as a logit: -scale * cost + a correction.

    [features [B, C, H, W, F], cost [B, C, H, W, 1], own [1, C, 1, 1, 1]] -> logits [B, H, W, C].
    cost says how badly a warp explains the target (lower is better); `own` marks the network's
    own flows, which are charged a learned offset on top (they have no forward-backward check;
    it starts at 2, so they are first trusted only where every classical warp is badly off).

    The correction judges all of a target's candidates together, at full size, 1/2, 1/4 and 1/8:
    each candidate's features are encoded alone, and at every coarse level each candidate also
    sees the mean and the max of all candidates' encodings, so it can tell whether the others
    carry the same paint and which of them explains the neighbourhood better (the choice is
    relative). Dilated convolutions at 1/8 let it judge a whole part of the drawing (about 200 px
    around), where a warp that lost a part is wrong over an area and not at one pixel. Any number
    of candidates in any order works. Its last layer starts at zero: untrained, the chooser picks
    the cheapest warp as the flow colourer does, and training learns where that cost is wrong.
    """

    def __init__(self, width: int = 32, **kwargs):
        super().__init__(**kwargs)
        if width < 2:
            raise ValueError(f"width must be >= 2, got {width}")
        self.width = width
        half = max(width // 2, 1)
        self.encode = [_conv(half, name="full_a"), _conv(width, 2, name="half_a"), _conv(width, 2, name="quarter_a"),
                       _conv(width, 2, name="eighth_a")]
        self.eighth = [_conv(width, name=f"eighth_{rate}", dilation=rate) for rate in (1, 2, 4)]
        self.decode = [_conv(width, name="quarter_b"), _conv(half, name="half_b"), _conv(half, name="full_b")]
        self.correction = keras.layers.Conv2D(1, 3, padding="same", kernel_initializer="zeros", name="correction")

    def build(self, input_shape):
        shape = (None, None, None, input_shape[0][-1])
        encoded = []
        for block in self.encode:
            block.build(shape)
            shape = block.compute_output_shape(shape)
            encoded.append(shape[-1])
        for block in self.eighth:
            block.build((None, None, None, 3 * self.width))
        below = self.width
        for block, skip, context in zip(self.decode, encoded[2::-1], (True, True, False)):
            block.build((None, None, None, below + skip + (2 * skip if context else 0)))
            below = block.filters
        self.correction.build((None, None, None, below))
        self.log_scale = self.add_weight(shape=(), initializer=keras.initializers.Constant(3.0), name="log_scale")
        self.own_offset = self.add_weight(shape=(), initializer=keras.initializers.Constant(2.0), name="own_offset")

    def call(self, inputs):
        features, cost, own = inputs
        batch, count = ops.shape(features)[0], ops.shape(features)[1]
        cost = ops.cast(cost, "float32") + own * self.own_offset
        x, levels = fold_into_batch(features), []
        for block in self.encode:
            x = block(x)
            levels.append(x)
        for block in self.eighth:
            x = block(ops.concatenate([x, _over_candidates(x, batch, count)], axis=-1))
        for block, skip, context in zip(self.decode, levels[2::-1], (True, True, False)):
            parts = [upsample_bilinear_2x(x), skip] + ([_over_candidates(skip, batch, count)] if context else [])
            x = block(ops.concatenate(parts, axis=-1))
        correction = unfold_from_batch(ops.cast(self.correction(x), "float32"), batch, count)
        logits = correction - ops.exp(self.log_scale) * cost  # [B, C, H, W, 1]
        return ops.transpose(logits[..., 0], (0, 2, 3, 1))

    def get_config(self):
        return {**super().get_config(), "width": self.width}


@keras.saving.register_keras_serializable(package="lineart_color")
class CorrespondenceNetwork(SizeFreeWeights, keras.Model):
    takes_distance_fields = False  # it computes its own from the line art (serving_graph.network_inputs)
    carries_line_colour = True  # it draws the target's lines itself, as the keyframes' carried ink (carry)

    def __init__(self, widths=(24, 48, 96), match_dim: int = 64, radius: int = 3, fill_steps: int = 6,
                 chunk_size: int = 2048, own_flow: bool = True, choice_width: int = 32, region_priors: bool = False,
                 work_pixels: int = WORK_PIXELS, **kwargs):
        super().__init__(**kwargs)
        if fill_steps < 0:
            raise ValueError(f"fill_steps must be >= 0, got {fill_steps}")
        self.widths, self.match_dim, self.radius = tuple(int(w) for w in widths), match_dim, radius
        self.fill_steps, self.chunk_size = fill_steps, chunk_size
        self.own_flow, self.choice_width = bool(own_flow), choice_width
        # which prior warps it was trained to choose among: the colourer must give the same kinds,
        # in the same places (a candidate's place is one of the chooser's features)
        self.region_priors = bool(region_priors)
        if work_pixels < DOWNSAMPLING ** 2:
            raise ValueError(f"work_pixels must be >= {DOWNSAMPLING ** 2}, got {work_pixels}")
        self.work_pixels = int(work_pixels)
        if self.own_flow:  # the matcher: without it the network only chooses among the prior warps
            self.encoder = PyramidEncoder(self.widths, name="encoder")
            self.global_match = GlobalMatch(match_dim, chunk_size, name="global_match")
            self.refiners = [FlowRefiner(max(self.widths[level], 8), radius, name=f"refine_{level}")
                             for level in (1, 0)]
        self.chooser = CandidateChooser(choice_width, name="chooser")

    @classmethod
    def from_preset(cls, preset: str, **kwargs) -> "CorrespondenceNetwork":
        if preset not in PRESETS:
            raise ValueError(f"preset must be one of {sorted(PRESETS)}, got {preset!r}")
        return cls(**{**PRESETS[preset], **kwargs})

    def own_flows(self, line, distance, key_line, key_distance, refs):
        """The matcher: (flow to each keyframe at full size [B*K, H, W, 2], the flow at each level,
        the global match's (query, keys)). Keyframes come folded into the batch [B*K, ...]."""
        encode = lambda x, field: self.encoder(ops.concatenate([x, field], axis=-1) * 2.0 - 1.0)
        target = [_per_reference(f, refs) for f in encode(line, distance)]
        keys = encode(key_line, key_distance)
        coarse, _, query, key_cells = self.global_match([target[2], keys[2]])
        levels, flow = [coarse], coarse
        for refiner, level in zip(self.refiners, (1, 0)):
            flow = refiner([target[level], keys[level], flow])
            levels.append(flow)
        return _upsample_flow(flow), levels, (query, key_cells)

    def call(self, inputs, training=None):
        line = ops.cast(inputs["line"], "float32")
        ref_line, ref_color = ops.cast(inputs["ref_line"], "float32"), ops.cast(inputs["ref_color"], "float32")
        priors = inputs.get("priors")
        if priors is None and not self.own_flow:
            raise ValueError("this correspondence colourer chooses among prior warps and has no matcher: give priors")
        batch, refs = ops.shape(ref_color)[0], ops.shape(ref_color)[1]
        key_line, key_colour = fold_into_batch(ref_line), fold_into_batch(ref_color)
        size = ops.shape(line)
        # Matching and choosing run at the working size; the chosen keyframe pixels are copied at
        # full size. Training crops are far below it, so training skips the resampling.
        work = _Resize.at_working_size(size[1], size[2], self.work_pixels, identity=bool(training))
        work_line, work_key_line = work.down(line, bilinear=True), work.down(key_line, bilinear=True)
        # distance fields once, for the matcher and the chooser alike
        distance, key_distance = distance_field_graph(work_line), distance_field_graph(work_key_line)
        outputs, own = {}, None
        if self.own_flow:
            own, outputs["levels"], outputs["match"] = self.own_flows(work_line, distance, work_key_line, key_distance,
                                                                      refs)
        candidates, costs = _candidates(own, work.down_priors(priors))  # [B*K, n, h, w, 2] and [B*K, n, h, w, 1]
        count = ops.shape(candidates)[1]
        total = refs * count
        work_size = ops.shape(work_line)
        flows = ops.reshape(candidates, (-1, work_size[1], work_size[2], 2))  # [B*K*n, h, w, 2], keyframe-major
        for_target = lambda x: ops.repeat(x, total, axis=0)  # [B, ...] -> one a candidate
        for_key = lambda x: ops.repeat(x, count, axis=0)  # [B*K, ...] -> one a candidate
        # which candidates are the network's own flows (each keyframe's first), [1, C, 1, 1, 1]
        own_mask = ops.reshape(ops.cast(ops.equal(ops.arange(total) % count, 0), "float32") * float(self.own_flow),
                               (1, -1, 1, 1, 1))
        carried = self.carry(work_key_line, work.down(key_colour), flows, count)
        features, costs = self.candidate_features(for_target(work_line), for_target(distance), for_key(key_distance),
                                                  flows, carried, costs, own_mask, refs, count)
        logits = self.chooser([unfold_from_batch(features, batch, total), unfold_from_batch(costs, batch, total), own_mask])
        logits = work.up(logits)
        # each candidate's flow at full size: the priors as given, the matcher's scaled up
        full_flows, _ = _candidates(None if own is None else work.up_flow(own), priors)
        full_flows = ops.reshape(full_flows, (-1, size[1], size[2], 2))
        drawn = unfold_from_batch(self.draw(for_target(line), key_line, key_colour, full_flows, count), batch, total)
        outputs.update(flows=ops.reshape(full_flows, (batch, total, size[1], size[2], 2)),
                       choice=ops.softmax(logits, axis=-1), drawn=drawn)
        if not training:  # training supervises matching and choosing; only inference needs the picture
            best = _first_largest(logits)  # one keyframe's pixel, never a blend
            outputs["color"] = ops.sum(drawn * ops.transpose(best, (0, 3, 1, 2))[..., None], axis=1)
        return outputs

    def carry(self, key_line, colour, flows, count):
        """What the chooser reads of each candidate's keyframe carried to the target along its flow
        [B*K*n, h, w, 2]: its paint with lines taken out (so no keyframe line lands on paint), and
        where its lines lie. key_line and colour are one a keyframe."""
        repeat = lambda x: ops.repeat(x, count, axis=0)
        paint = sample_nearest(repeat(paint_under_lines(colour, key_line, self.fill_steps)), flows)
        key_on_line = sample_nearest(repeat(key_line), flows) < LINE_THRESHOLD
        return {"paint": paint, "key_on_line": ops.cast(key_on_line, "float32")}

    def draw(self, target_line, key_line, colour, flows, count):
        """The target as each candidate draws it, [B*K*n, H, W, 3]: the keyframe's clean paint carried
        along the flow, under the target's lines laid as ink, the ink being the keyframe's own line
        colour where a keyframe line is carried (layers/ink.py). target_line is one a candidate;
        key_line and colour one a keyframe."""
        clean = ink.paint_of(colour, key_line)
        carried = sample_nearest(ops.repeat(ops.concatenate([clean, ink.ink_of(colour, key_line, clean)], axis=-1),
                                            count, axis=0), flows)
        return ink.composite(carried[..., :3], carried[..., 3:], target_line)

    def candidate_features(self, target_line, target_distance, key_distance, flows, carried, costs, own_mask,
                           refs, count):
        """([B*K*n, H, W, F], costs [B*K*n, H, W, 1]): what the chooser knows of each candidate warp at
        each target pixel; every input is one a candidate, own_mask [1, C, 1, 1, 1].

        Its cost, and how much above the target's cheapest candidate it is; how far the distance
        fields disagree under it (as is and over a small window); whether a keyframe line lands
        here; the paint it carries and how many of the other candidates carry the same paint;
        its length; which keyframe and which kind of warp it is; and the target's line art and
        distance field. The own flows' cost is their distance fields' disagreement over a window
        (as flow.warp_cost's first part); they get the chooser's offset on top.
        """
        total = refs * count
        batch = ops.shape(flows)[0] // total
        mismatch = ops.abs(target_distance - sample_bilinear(key_distance, flows))
        own = fold_into_batch(ops.repeat(own_mask, batch, axis=0))  # [B*K*n, 1, 1, 1]
        own_cost = ops.average_pool(mismatch, 9, 1, padding="same")
        costs = ops.reshape(costs, ops.shape(own_cost)) if costs is not None else own_cost
        costs = ops.where(own > 0.5, own_cost, costs)
        grouped = lambda x: unfold_from_batch(x, batch, total)
        cheapest = fold_into_batch(ops.repeat(ops.min(grouped(costs), axis=1, keepdims=True), total, axis=1))
        paints = grouped(carried["paint"])  # [B, C, H, W, 3]
        same = ops.cast(ops.max(ops.abs(paints[:, :, None] - paints[:, None]), axis=-1) < 0.1, "float32")  # [B, C, C, H, W]
        agreement = fold_into_batch(((ops.sum(same, axis=2) - 1.0) / ops.maximum(ops.cast(total - 1, "float32"), 1.0))[..., None])
        size = ops.cast(ops.shape(target_line)[1], "float32")
        index = ops.arange(ops.shape(flows)[0]) % total  # the candidate's place among its target's
        place = lambda x, n: ops.ones_like(mismatch) * ops.reshape(x / ops.maximum(ops.cast(n - 1, "float32"), 1.0), (-1, 1, 1, 1))
        key_index = ops.cast(index // count, "float32")
        kind = ops.cast(index % count, "float32")
        return ops.concatenate([
            costs, costs - cheapest, mismatch * 10.0, ops.average_pool(mismatch, 5, 1, padding="same") * 10.0,
            carried["key_on_line"], carried["paint"] - 0.5, agreement,
            ops.sqrt(ops.sum(ops.square(flows), axis=-1, keepdims=True)) / size,
            place(key_index, refs), place(kind, count), own * ops.ones_like(mismatch),
            target_line - 0.5, target_distance], axis=-1), costs

    def ensure_built(self) -> "CorrespondenceNetwork":
        """Create every weight by a forward pass on a tiny input (weights do not depend on size or K)."""
        if not self.built:
            self(dummy_inputs(batch=1, height=16, width=16, refs=2, priors=0 if self.own_flow else 1))
        return self

    def get_config(self):
        return {**super().get_config(), "widths": self.widths, "match_dim": self.match_dim, "radius": self.radius,
                "fill_steps": self.fill_steps, "chunk_size": self.chunk_size, "own_flow": self.own_flow,
                "choice_width": self.choice_width, "region_priors": self.region_priors, "work_pixels": self.work_pixels}


def dummy_inputs(batch: int, height: int, width: int, refs: int, seed: int | None = None, priors: int = 0) -> dict:
    """Inputs of the right shapes (random in [0, 1] when a seed is given, else white paper), with
    `priors` prior warps a keyframe when asked (random, or zero flow and cost)."""
    import numpy as np

    rng = np.random.default_rng(seed) if seed is not None else None
    make = (lambda *s: rng.random(s, dtype=np.float32)) if rng else (lambda *s: np.ones(s, np.float32))
    inputs = {"line": make(batch, height, width, 1), "ref_color": make(batch, refs, height, width, 3),
              "ref_line": make(batch, refs, height, width, 1)}
    if priors:
        inputs["priors"] = (make(batch, refs, priors, height, width, 3) if rng else
                            np.zeros((batch, refs, priors, height, width, 3), np.float32))
    return inputs
