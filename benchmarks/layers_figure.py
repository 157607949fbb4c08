"""The README's composite example: a frame's paint layer, its line layer, and the two laid together.

    lineart-color colorize runs/val_clipart/shot_0000 --out /tmp/layered --flat --layers
    python benchmarks/layers_figure.py /tmp/layered 0003 benchmarks/figures/layers_composite.png

Transparent pixels are shown on a grey checkerboard, as paint programs show them.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image

CHECK = 8  # checkerboard square, px


def on_checkerboard(rgba: np.ndarray) -> np.ndarray:
    """[H, W, 4] uint8 -> [H, W, 3] float: composited over a light-grey checkerboard."""
    rows, cols = np.indices(rgba.shape[:2]) // CHECK
    board = np.where(((rows + cols) % 2)[..., None] == 0, 0.8, 0.95)
    alpha = rgba[..., 3:] / 255.0
    return rgba[..., :3] / 255.0 * alpha + board * (1 - alpha)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="a folder colorize --layers wrote")
    parser.add_argument("frame", help="the frame's name, e.g. 0003")
    parser.add_argument("figure", type=Path)
    args = parser.parse_args()
    from lineart_color.visualize import contact_sheet

    paint = np.asarray(Image.open(args.out / "paint" / f"{args.frame}.png").convert("RGBA"))
    line = np.asarray(Image.open(args.out / "line" / f"{args.frame}.png").convert("RGBA"))
    result = np.asarray(Image.open(args.out / f"{args.frame}.png").convert("RGB")) / 255.0
    sheet = contact_sheet([[on_checkerboard(paint), on_checkerboard(line), result]],
                          [f"{args.frame}: paint layer | line layer | the frame (line over paint)"])
    sheet.save(args.figure)


if __name__ == "__main__":
    main()
