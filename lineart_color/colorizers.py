"""The ways a shot's frames get coloured from its keyframes.

Every colourer answers `colour_frames(shot, names)` with (name, colour) pairs for frames
that have no keyframe; `colorize_shot` passes the keyframes through unchanged, adds the
rest, and lays each frame's line art over its colour as ink (layers/ink.lay_lines), unless
the colourer did (`lays_lines`: the networks inside the serving graph; `flow` and `match`,
and the correspondence network, draw the lines themselves with the keyframes' carried ink).
A colourer whose line cores are keyframe pixels (`carries_line_colour`) keeps their colour in
the ink when lines are laid after it (after `--flat`/`--snap`). Each frame is
coloured from the nearest keyframe before it and after it
(`Shot.nearest_keyframes`; one is enough).

    NearestKeyframe    copy the nearest keyframe (a floor)
    PaintBucket        classical region matching (regions.py; a floor, and useful alone)
    FlowWarp           keyframe paints carried along dense optical flow (flow.py; the
                       strongest floor)
    NetworkColorizer   a network through the serving graph: the Colour Transform Network
                       (optionally refined by the Temporal Constraint Network), or the
                       correspondence colourer
    ReferenceFreeColorizer  a network that needs no keyframe, through the same graph: the
                       self-attention U-Net, MemoPainter
    OnPalette(c, s)    any colourer, then onto the keyframes' paints: one per closed
                       region ("flat") or per pixel where close ("snap")
    TruthColours       evaluation only: the truth itself; flattened, it is the ceiling of
                       every one-paint-per-region method (the bucket, --flat)
"""

from __future__ import annotations

from typing import Iterator, Protocol, Sequence

import numpy as np

from lineart_color import flow, regions
from lineart_color.data.shots import Shot
from lineart_color.progress import Progress

MULTIPLE = 8  # the colour network needs H and W divisible by 8
BATCH_PIXELS = 1024 * 1024  # a network call holds at most this many pixels (or one frame)


class Colorizer(Protocol):
    name: str
    keyframes_needed: int  # at least this many keyframes in a shot (MemoPainter's: none)
    lays_lines: bool  # its output already has the line art laid as ink (the serving graph's networks)
    carries_line_colour: bool  # its line cores are keyframe pixels, whose colour the ink keeps

    def colour_frames(self, shot: Shot, names: Sequence[str]) -> Iterator[tuple[str, np.ndarray]]: ...


def colorize_shot(shot: Shot, colorizer: Colorizer, progress: Progress | None = None,
                  lines: bool = True) -> dict[str, np.ndarray]:
    """Every frame of the shot, name -> [H, W, 3]: keyframes unchanged, the rest coloured; with
    `lines` (what colorize writes by default) each coloured frame's line art laid over it as ink."""
    shot.require_keyframes(colorizer.keyframes_needed)
    colours = {name: shot.color(name) for name in shot.keyframes}
    todo = [name for name in shot.names if name not in colours]
    lay = lines and not colorizer.lays_lines
    for name, colour in colorizer.colour_frames(shot, todo):
        if lay:
            colour = with_lines(colour, shot.line(name), colorizer.carries_line_colour)
        colours[name] = np.clip(colour, 0.0, 1.0).astype(np.float32)
        if progress is not None:
            progress.advance()
    return {name: colours[name] for name in shot.names}


def with_lines(colour: np.ndarray, line: np.ndarray, ink_colour: bool) -> np.ndarray:
    """[H, W, 3]: one frame's colour with its line art laid as ink: the serving graph's own step (ink.lay_lines)."""
    from lineart_color.layers.ink import lay_lines

    laid = lay_lines(np.asarray(colour, np.float32)[None], np.asarray(line, np.float32)[None, ..., None], ink_colour)
    return np.asarray(laid)[0]


def keyframes_nearest_first(shot: Shot, name: str) -> list[str]:
    """The frame's nearest keyframes before and after it, the nearer in time first (the earlier on a tie)."""
    position = shot.names.index(name)
    return sorted(shot.nearest_keyframes(name), key=lambda key: abs(shot.names.index(key) - position))


def keyframe_pairs(shot: Shot, name: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """[(line, colour)] of the frame's nearest keyframes, the nearer in time first."""
    return [(shot.line(key), shot.color(key)) for key in keyframes_nearest_first(shot, name)]


class NearestKeyframe:
    """Copy the keyframe nearest in time (the earlier one on a tie)."""

    name = "nearest"
    keyframes_needed = 1
    lays_lines = carries_line_colour = False  # it copies the keyframe's lines, not the target's

    def colour_frames(self, shot: Shot, names: Sequence[str]) -> Iterator[tuple[str, np.ndarray]]:
        for name in names:
            yield name, shot.color(keyframes_nearest_first(shot, name)[0])


class PaintBucket:
    """Fill each closed region with the colour of the best-matching keyframe region."""

    name = "bucket"
    keyframes_needed = 1
    lays_lines = carries_line_colour = False

    def colour_frames(self, shot: Shot, names: Sequence[str]) -> Iterator[tuple[str, np.ndarray]]:
        for name in names:
            yield name, regions.paint_bucket(shot.line(name), keyframe_pairs(shot, name))


def shot_motion(shot: Shot, shapes: bool = False, references: Sequence["Reference"] = ()) -> flow.ShotMotion:
    """The optical flows between a shot's frames: line images now, each flow when first asked, shared by all
    frames; with `shapes` also each region moved as a whole (segments.py); `references` join as frames
    outside the shot's order (reached directly, never chained)."""
    lines = {name: shot.line(name) for name in shot.names}
    lines.update({reference.name: reference.line for reference in references})
    return flow.ShotMotion(lines, shot.names, shapes=shapes)


class Reference:
    """A painted frame from outside the shot (a model sheet, the last shot's keyframes) that colourers
    may copy paint from: its line art and colour, named so it cannot clash with a frame of the shot."""

    def __init__(self, source: Shot, name: str):
        self.name = f"{source.path.name}/{name}"
        self.line, self.colour = source.line(name), source.color(name)


def require_reference_size(source: Shot, shot: Shot) -> None:
    """A UserError unless the reference shot's frames have `shot`'s size (no frame is read)."""
    from lineart_color.data.shots import COLOR_DIR
    from lineart_color.errors import UserError

    if source.size != shot.size:
        raise UserError(f"{source.path / COLOR_DIR}: references are {source.size[0]}x{source.size[1]}, the shot "
                        f"{shot.path.name} is {shot.size[0]}x{shot.size[1]}")


def references_of(source: Shot, shot: Shot) -> list[Reference]:
    """Every painted frame of `source` as a reference for `shot` (same frame size, else a UserError)."""
    require_reference_size(source, shot)
    return [Reference(source, name) for name in source.keyframes]


class FlowWarp:
    """Carry the keyframes' own paints along dense optical flow to the target (flow.py).

    With `shapes` ("match"), also along each closed region's own motion as a whole (segments.py),
    from every keyframe of the shot (nearest first) and from every painted frame of `reference`
    shots; without, from the nearest keyframe before and after, along the flow only (the floor)."""

    keyframes_needed = 1
    # It lays the target's lines itself, as it carries the keyframes' paint and ink (flow.drawn):
    # laying them again from its own output would only blur which paint lies under an edge.
    lays_lines, carries_line_colour = True, True

    def __init__(self, shapes: bool = False, references: Sequence[Shot] = ()):
        self.shapes, self.references = shapes, list(references)
        self.name = "match" if shapes else "flow"

    def sources(self, shot: Shot, name: str) -> list[str]:
        """The keyframes a frame is coloured from, the nearest in time first."""
        if not self.shapes:
            return list(shot.nearest_keyframes(name))
        position = shot.names.index(name)
        return sorted(shot.keyframes, key=lambda key: abs(shot.names.index(key) - position))

    def candidates(self, shot: Shot):
        """A function name -> (motion, [flow.Candidate]): every warp a frame may be coloured along,
        sharing the shot's flows and each source's preparation between frames."""
        references = {reference.name: reference for source in self.references
                      for reference in references_of(source, shot)}
        motion = shot_motion(shot, self.shapes, list(references.values()))
        prepared: dict[str, flow.Keyframe] = {}  # each source is prepared (and its colour read) once per shot

        def of(name: str) -> tuple[flow.ShotMotion, list[flow.Candidate]]:
            found = []
            for key in self.sources(shot, name) + list(references):
                if key not in prepared:
                    colour = references[key].colour if key in references else shot.color(key)
                    prepared[key] = flow.Keyframe.of(motion.lines[key], colour, motion.full_size_image(key))
                found += motion.candidates(name, prepared[key], key)
            return motion, found

        return of

    def colour_frames(self, shot: Shot, names: Sequence[str]) -> Iterator[tuple[str, np.ndarray]]:
        candidates_of = self.candidates(shot)
        for name in names:
            motion, candidates = candidates_of(name)
            yield name, flow.colour_from_candidates(motion.lines[name], candidates, motion.full_size_image(name),
                                                    fill_hidden=self.shapes)


class OnPalette:
    """Another colourer's output brought onto the keyframes' paints.

    "flat": one paint per closed region (regions.flatten), clean cel colour;
    "snap": each pixel near a paint takes it (regions.snap_to_paints), keeping paint
    boundaries that have no line.
    """

    STYLES = {"flat": regions.flatten, "snap": regions.snap_to_paints}
    keyframes_needed = 1  # the palette is the keyframes' paints
    lays_lines = False  # the palette step repaints lines' edges: they are laid again after it

    def __init__(self, inner: Colorizer, style: str = "flat"):
        if style not in self.STYLES:
            raise ValueError(f"style must be one of {sorted(self.STYLES)}, got {style!r}")
        self.inner, self.style = inner, style
        self.name = f"{inner.name}+{style}"
        self.carries_line_colour = inner.carries_line_colour  # line cores keep the inner colourer's pixels

    def colour_frames(self, shot: Shot, names: Sequence[str]) -> Iterator[tuple[str, np.ndarray]]:
        for name, colour in self.inner.colour_frames(shot, names):
            palette = regions.keyframe_palette(keyframe_pairs(shot, name))
            yield name, self.STYLES[self.style](colour, shot.line(name), palette)


class TruthColours:
    """The shot's own truth (evaluation only: a reference point, never a colourer)."""

    name = "truth"
    keyframes_needed = 0
    lays_lines, carries_line_colour = False, True

    def colour_frames(self, shot: Shot, names: Sequence[str]) -> Iterator[tuple[str, np.ndarray]]:
        for name in names:
            yield name, shot.truth(name)


# -- the networks ------------------------------------------------------------------------

def pad_to_multiple(image: np.ndarray, multiple: int = MULTIPLE, pad_value: float = 1.0) -> np.ndarray:
    """Pad [..., H, W, C] at the bottom and right up to multiples of `multiple` (white paper by default)."""
    height, width = image.shape[-3:-1]
    pad = [(0, 0)] * (image.ndim - 3) + [(0, -height % multiple), (0, -width % multiple), (0, 0)]
    return np.pad(image, pad, constant_values=pad_value)


def compiled(serving_fn, jit: bool = False):
    """The serving function as a tf.function, traced once for any frame size (eager Keras calls are
    several times slower on CPU); with `jit`, compiled by XLA as well, once per concrete size."""
    import tensorflow as tf

    return tf.function(serving_fn, reduce_retracing=True, jit_compile=jit)


def frames_per_call(batch_size: int, height: int, width: int) -> int:
    """batch_size, lowered for large frames so a network call holds at most about BATCH_PIXELS
    pixels (one frame at least): the networks' memory grows with pixels, the colour network's
    attention faster (4 frames of 1024x1024 took 10 GB)."""
    return max(1, min(batch_size, BATCH_PIXELS // max(1, height * width)))


def colour_in_batches(shot: Shot, names: Sequence[str], batch_size: int,
                      colour_batch) -> Iterator[tuple[str, np.ndarray]]:
    """(name, colour) of each frame, from `colour_batch(batch names)` -> padded colours [B, H', W', 3],
    called on at most frames_per_call frames at a time; each colour cropped back to the shot's size."""
    height, width = shot.size[1], shot.size[0]
    step = frames_per_call(batch_size, height, width)
    for start in range(0, len(names), step):
        batch = names[start : start + step]
        for name, colour in zip(batch, colour_batch(batch)):
            yield name, colour[:height, :width]


class FrameInputs:
    """One frame's inputs to the serving graph, padded: line [H, W, 1], its keyframes' colour and
    line art, and with a ShotMotion the classical prior warps to each keyframe [K, P, H, W, 3]."""

    def __init__(self, shot: Shot, name: str, motion: flow.ShotMotion | None = None):
        keys = list(shot.nearest_keyframes(name))
        keys = keys * 2 if len(keys) == 1 else keys  # the networks are indifferent to a repeated reference
        self.line = pad_to_multiple(shot.line(name)[..., None])
        self.ref_color = np.stack([pad_to_multiple(shot.color(key)) for key in keys])
        self.ref_line = np.stack([pad_to_multiple(shot.line(key)[..., None]) for key in keys])
        self.priors = None
        if motion is not None:  # padding gets zero flow and cost: paper stays where it is
            self.priors = np.stack([pad_to_multiple(motion.priors(name, key), pad_value=0.0) for key in keys])


def stack_inputs(frames: Sequence[FrameInputs]) -> list[np.ndarray]:
    """[line, ref_color, ref_line(, priors when the frames carry them)] batches: the serving graph's arguments."""
    keys = ("line", "ref_color", "ref_line") + (("priors",) if frames[0].priors is not None else ())
    return [np.stack([getattr(frame, key) for frame in frames]).astype(np.float32) for key in keys]


class NetworkColorizer:
    """A network (the Colour Transform Network, optionally refined by the Temporal Constraint
    Network, or the correspondence colourer) run through the serving graph that `export` writes.

    With priors=True (the correspondence colourer) each frame also gets the classical optical
    flows to its keyframes, direct and chained, with their costs (flow.ShotMotion.priors), as
    candidates the network chooses among beside its own; for a network trained with
    `region_priors`, also each closed region moved as a whole, as `match` carries it.
    """

    keyframes_needed = 1

    def __init__(self, color_network, temporal_network=None, batch_size: int = 4, name: str | None = None,
                 priors: bool = False, lines: bool = True, jit: bool = False):
        from lineart_color.serving_graph import OUTPUT_NAME, carries_line_colour, make_colorize_fn

        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.batch_size, self.priors = batch_size, priors
        self.region_priors = bool(getattr(color_network, "region_priors", False))
        self.name = name or ("ctn+tcn" if temporal_network is not None else "ctn")
        self.lays_lines, self.carries_line_colour = lines, carries_line_colour(color_network)
        colorize = make_colorize_fn(color_network, temporal_network, lines)
        self._colorize = compiled(lambda *inputs: colorize(*inputs)[OUTPUT_NAME], jit)

    def colour_batch(self, inputs: Sequence[np.ndarray]) -> np.ndarray:
        """[B, H, W, 3] from padded [line, ref_color, ref_line(, priors)] batches (stack_inputs)."""
        return np.asarray(self._colorize(*inputs))

    def colour_frames(self, shot: Shot, names: Sequence[str]) -> Iterator[tuple[str, np.ndarray]]:
        motion = shot_motion(shot, shapes=self.region_priors) if self.priors else None
        colour_batch = lambda batch: self.colour_batch(stack_inputs([FrameInputs(shot, name, motion) for name in batch]))
        return colour_in_batches(shot, names, self.batch_size, colour_batch)


class ReferenceFreeColorizer:
    """A network that colours line art alone, no keyframe needed (the self-attention U-Net,
    MemoPainter), run through the serving graph that `export` writes (its signature is `line`)."""

    keyframes_needed = 0
    carries_line_colour = False

    def __init__(self, network, batch_size: int = 4, name: str = "sa-unet", lines: bool = True, jit: bool = False):
        from lineart_color.serving_graph import OUTPUT_NAME, make_colorize_fn

        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.batch_size, self.name, self.lays_lines = batch_size, name, lines
        colorize = make_colorize_fn(network, lines=lines)
        self._colorize = compiled(lambda line: colorize(line)[OUTPUT_NAME], jit)

    def colour_frames(self, shot: Shot, names: Sequence[str]) -> Iterator[tuple[str, np.ndarray]]:
        lines = lambda batch: np.stack([pad_to_multiple(shot.line(name)[..., None]) for name in batch])
        return colour_in_batches(shot, names, self.batch_size, lambda batch: np.asarray(self._colorize(lines(batch))))
