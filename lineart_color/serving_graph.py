"""The serving function that `export` writes: line art and references in, colour out.

    colorize(line [B, H, W, 1], ref_color [B, K, H, W, 3], ref_line [B, K, H, W, 1]) -> {"color": [B, H, W, 3]}

All values are float32 in [0, 1]; line art is grey, dark lines on white paper; H and W are
multiples of 8; K >= 1 painted keyframes of the same shot. Distance fields are computed
inside the graph (data/distance_graph.py), so clients send only images. With a temporal
network the colour network's output is refined in the window (first reference, output,
last reference), as colorize's ctn+tcn method does; with one reference it stands on both sides.

The network is the Colour Transform Network (ctn) or the correspondence colourer (corr),
which takes the images alone and computes its own distance fields. A reference-free network
(the self-attention U-Net, MemoPainter) has the line art as its only input:

    colorize(line [B, H, W, 1]) -> {"color": [B, H, W, 3]}

The target's line art is laid over the colour as a cel's ink layer (layers/ink.lay_lines),
as the last step of the graph: anti-aliased lines darken the paint under them, and line
cores are black ink. A network that copies keyframe pixels (`carries_line_colour`, the
correspondence colourer) draws the lines itself, with the keyframes' carried ink colour.

`colorize` runs this same function, so what it writes is what the export computes.
"""

from __future__ import annotations

import tensorflow as tf

from lineart_color.data.distance_graph import distance_field_graph
from lineart_color.layers.ink import lay_lines

SIGNATURE_NAME = "colorize"
OUTPUT_NAME = "color"


def input_signature(height: int | None, width: int | None, priors: bool = False,
                    references: bool = True) -> list[tf.TensorSpec]:
    """Batch and reference count are always free; H and W are fixed, or free when None. With priors,
    a fourth input: the classical optical flow's warps to each keyframe [B, K, P, H, W, 3]. Without
    references (a reference-free network), the line art alone."""
    specs = [tf.TensorSpec((None, height, width, 1), tf.float32, name="line")]
    if not references:
        return specs
    specs += [
        tf.TensorSpec((None, None, height, width, 3), tf.float32, name="ref_color"),
        tf.TensorSpec((None, None, height, width, 1), tf.float32, name="ref_line"),
    ]
    if priors:
        specs.append(tf.TensorSpec((None, None, None, height, width, 3), tf.float32, name="priors"))
    return specs


def needs_priors(network) -> bool:
    """True for a correspondence colourer without a matcher: it chooses among the classical
    optical flow's warps (flow.ShotMotion.priors), which OpenCV computes outside the graph."""
    return getattr(network, "own_flow", True) is False


def takes_references(network) -> bool:
    """False for a network that colours line art alone (no keyframe): its signature is `line` only."""
    return getattr(network, "takes_references", True)


def reference_distance_fields(ref_line):
    """[B, K, H, W, 1] -> distance fields of the same shape (references are folded into the batch)."""
    shape = tf.shape(ref_line)
    folded = tf.reshape(ref_line, tf.concat([[-1], shape[2:]], axis=0))
    return tf.reshape(distance_field_graph(folded), shape)


def temporal_window(color, line, ref_color, ref_line):
    """The temporal network's input [B, 3, H, W, 4]: (first reference, target, last reference)."""
    frame = lambda c, l: tf.concat([c, l], axis=-1)
    return tf.stack([frame(ref_color[:, 0], ref_line[:, 0]), frame(color, line),
                     frame(ref_color[:, -1], ref_line[:, -1])], axis=1)


def network_inputs(network, line, ref_color, ref_line, priors=None) -> dict:
    """The network's input dict: the images, plus distance fields for a network that takes them,
    plus prior candidate warps when given (the correspondence colourer's classical flows)."""
    inputs = {"line": line, "ref_color": ref_color, "ref_line": ref_line}
    if getattr(network, "takes_distance_fields", True):
        inputs.update(distance=distance_field_graph(line), ref_distance=reference_distance_fields(ref_line))
    if priors is not None:
        inputs["priors"] = priors
    return inputs


def carries_line_colour(network) -> bool:
    """True for a network that copies keyframe pixels and draws the target's lines itself, as ink of
    the keyframes' line colour (the correspondence colourer)."""
    return getattr(network, "carries_line_colour", False)


def make_colorize_fn(color_network, temporal_network=None, lines: bool = True):
    """The endpoint function; both networks run in inference mode. With `lines` (what colorize
    writes by default and export always), the target's line art is laid over the colour as ink.

    The exported signature has the three images, and priors [B, K, P, H, W, 3] for a network
    that needs them (needs_priors): the classical optical flow and its cost, which OpenCV
    computes outside the graph. `colorize` passes priors to every correspondence colourer.
    A reference-free network's function takes the line art alone.
    """
    if not takes_references(color_network):
        if temporal_network is not None:
            raise ValueError("the temporal network refines a colouring from keyframes; this network takes none")
        def colorize_line_only(line):
            color = color_network({"line": line}, training=False)["color"]
            return {OUTPUT_NAME: lay_lines(color, line, False) if lines else color}

        return colorize_line_only

    def colorize(line, ref_color, ref_line, priors=None):
        inputs = network_inputs(color_network, line, ref_color, ref_line, priors)
        color = color_network(inputs, training=False)["color"]
        if temporal_network is not None:
            window = temporal_window(color, line, ref_color, ref_line)
            color = temporal_network(window, training=False)[:, 1]
        if lines and not carries_line_colour(color_network):  # one that carries keyframe ink draws its own lines
            color = lay_lines(color, line, False)
        return {OUTPUT_NAME: color}

    return colorize
