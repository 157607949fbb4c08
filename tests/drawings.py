"""Hand-made line art with known answers, shared by several test files."""

import numpy as np


def two_boxes(height=30, width=44, left_a=3, left_b=24, gap_in_b=False):
    """Line art of two 14x14 outlined boxes and their flat colours (red, blue) on white."""
    line = np.ones((height, width), np.float32)
    colour = np.ones((height, width, 3), np.float32)
    for left, paint in ((left_a, (0.9, 0.1, 0.1)), (left_b, (0.1, 0.2, 0.9))):
        colour[8:22, left:left + 14] = paint
        for image in (line, colour):
            image[8:22, left] = 0.0
            image[8:22, left + 13] = 0.0
            image[8, left:left + 14] = 0.0
            image[21, left:left + 14] = 0.0
    if gap_in_b:
        line[14:16, left_b] = 1.0  # a 2 px break in the second box's outline
    return line, colour


def box_frame(height: int, width: int, top: int, left: int, side: int, colour=(0.9, 0.2, 0.1)):
    """A filled square with a 2 px black outline on white: (colour [H, W, 3], line [H, W])."""
    color = np.ones((height, width, 3), np.float32)
    line = np.ones((height, width), np.float32)
    color[top : top + side, left : left + side] = colour
    for image in (color, line):
        image[top : top + side, left : left + 2] = 0.0
        image[top : top + side, left + side - 2 : left + side] = 0.0
        image[top : top + 2, left : left + side] = 0.0
        image[top + side - 2 : top + side, left : left + side] = 0.0
    return color, line


def turned_sign(angle: float, size: int = 96, centre=(48.0, 48.0), half=(30.0, 15.0)):
    """A rectangular sign turned by `angle` degrees about `centre`, outlined in black, painted red
    above and blue below a paint boundary that has no line (as a sign's text and stripes are
    paint, not line): (colour [H, W, 3], line [H, W]), anti-aliased (drawn at 4x, then shrunk)."""
    import cv2

    scale = 4
    theta = np.deg2rad(angle)
    rotation = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    place = lambda corners: np.rint((np.asarray(corners) @ rotation.T + centre) * scale).astype(np.int32)
    (w, h) = half
    big = size * scale
    colour = np.full((big, big, 3), 255, np.uint8)
    cv2.fillPoly(colour, [place([(-w, -h), (w, -h), (w, 0), (-w, 0)])], (230, 40, 30))
    cv2.fillPoly(colour, [place([(-w, 0), (w, 0), (w, h), (-w, h)])], (40, 60, 220))
    line = np.full((big, big), 255, np.uint8)
    outline = place([(-w, -h), (w, -h), (w, h), (-w, h)])
    for image, ink in ((line, 0), (colour, (0, 0, 0))):
        cv2.polylines(image, [outline], True, ink, thickness=2 * scale)
    shrink = lambda image: cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA).astype(np.float32) / 255
    return shrink(colour), shrink(line)
