"""Line art laid over paint as a cel's ink layer is: stateless `keras.ops` maths, the same in
`colorize`, the SavedModel and the browser.

A finished frame is paint under ink: frame = paint * grey + ink * (1 - grey), where grey is
the line art (1 on paper, 0 at a line's core) and ink the line's colour (black, or the tint
of a colour-trace line). So an anti-aliased line pixel darkens the paint under it instead of
pasting grey over it, and a line's core is the ink itself.

    lay_lines(colour, line, ink_colour)   any colouring -> the frame with the target's lines laid as ink
    paint_of(frame, line)                 the paint under a frame's lines (studio's paint layer)

Images are [N, H, W, C] float in [0, 1]; line art is [N, H, W, 1].
"""

from __future__ import annotations

from keras import ops

# Pixels this light are paint, untouched by any line (the rest is ink over paint, however faint).
CLEAN_GREY = 0.98
# A line's core: the ink's own colour is read only where the line covers at least half the pixel.
INK_CORE_GREY = 0.5
# Paint continues this many pixels under a line (thicker line cores keep their own colour as paint).
PAINT_STEPS = 6
# A line's colour spreads this many pixels from its core to the line's anti-aliased edge.
INK_STEPS = 2
_NEIGHBOURS = ((-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (-1, 1), (1, -1), (1, 1))


def spread(colour, known, steps: int):
    """(colour, known) after `steps` rounds in which every unknown pixel takes the colour of a known
    neighbour (the first in a fixed order), so colours grow into the unknown without mixing.
    known is [N, H, W, 1] float 0/1."""
    border = [[0, 0], [1, 1], [1, 1], [0, 0]]
    for _ in range(steps):
        # one padded copy of each a round; every neighbour is a window of it
        shape = ops.shape(colour)
        padded_colour, padded_known = ops.pad(colour, border), ops.pad(known, border)
        window = lambda padded, dy, dx: ops.slice(padded, [0, 1 + dy, 1 + dx, 0],
                                                  [shape[0], shape[1], shape[2], padded.shape[-1]])
        new_colour, new_known = colour, known
        for dy, dx in _NEIGHBOURS:
            take = (1.0 - new_known) * window(padded_known, dy, dx)  # unknown here, known there
            new_colour = ops.where(take > 0.5, window(padded_colour, dy, dx), new_colour)
            new_known = new_known + take
        colour, known = new_colour, new_known
    return colour, known


def paint_of(colour, line, steps: int = PAINT_STEPS):
    """[N, H, W, 3]: the paint under the line art: clean pixels' own colour, continued under the lines."""
    return spread(colour, ops.cast(line >= CLEAN_GREY, colour.dtype), steps)[0]


def ink_of(colour, line, paint, steps: int = INK_STEPS):
    """[N, H, W, 3]: the ink's colour, read at line cores (frame = paint * grey + ink * (1 - grey),
    solved for ink) and spread to the lines' edges; black where no core is near."""
    cover = 1.0 - line
    core = ops.cast(line < INK_CORE_GREY, colour.dtype)
    solved = ops.clip((colour - paint * line) / ops.maximum(cover, 1.0 - INK_CORE_GREY), 0.0, 1.0)
    ink, known = spread(solved * core, core, steps)
    return ink * known


def composite(paint, ink, line):
    """The ink layer over the paint: paint * grey + ink * (1 - grey)."""
    return paint * line + ink * (1.0 - line)


def lay_lines(colour, line, ink_colour: bool):
    """[N, H, W, 3]: `colour` with the target's line art laid over its paint as ink.

    ink_colour: the colouring's line cores carry the keyframes' line colour (a colourer that copies
    keyframe pixels), and the ink keeps it; else the ink is black (the artist's own grey lines).
    Clean pixels (grey >= CLEAN_GREY) keep `colour` as it is, up to the multiply.
    """
    colour, line = ops.cast(colour, "float32"), ops.cast(line, "float32")
    paint = paint_of(colour, line)
    ink = ink_of(colour, line, paint) if ink_colour else ops.zeros_like(paint)
    return composite(paint, ink, line)
