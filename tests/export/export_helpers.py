"""Helpers of the export tests: a drawn shot, the Keras reference colour, running Node scripts."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import cv2
import numpy as np

from lineart_color.data.distance import distance_field
from lineart_color.data.images import read_image, write_image

REPO = Path(__file__).resolve().parents[2]
EXPORT_ROOT = REPO / "export"
HEIGHT, WIDTH = 48, 64  # the fixed export's size: small and not square


def drawn_frame(height: int, width: int, t: int):
    """A disc and a box moving apart, outlined in black on white: (colour [H, W, 3], line [H, W])."""
    colour = np.ones((height, width, 3), np.float32)
    centre = (width // 4 + 2 * t, height // 2)
    corner = (width // 2 + 3 * t, height // 5)
    far = (corner[0] + width // 4, corner[1] + height // 2)
    cv2.circle(colour, centre, height // 4, (0.95, 0.75, 0.2), -1)
    cv2.rectangle(colour, corner, far, (0.2, 0.4, 0.9), -1)
    line = np.ones((height, width), np.float32)
    for image, ink in ((colour, (0.0, 0.0, 0.0)), (line, 0.0)):
        cv2.circle(image, centre, height // 4, ink, 1)
        cv2.rectangle(image, corner, far, ink, 1)
    return colour, line


def write_shot(folder: Path, height: int, width: int, frames: int = 3) -> dict[str, Path]:
    """SHOT/line/000t.png for every frame, SHOT/color/ for the first and last; returns the file paths."""
    files = {}
    for part in ("line", "color"):
        (folder / part).mkdir(parents=True)
    for t in range(frames):
        colour, line = drawn_frame(height, width, t)
        files[f"line{t}"] = folder / "line" / f"000{t}.png"
        write_image(files[f"line{t}"], line)
        if t in (0, frames - 1):
            files[f"color{t}"] = folder / "color" / f"000{t}.png"
            write_image(files[f"color{t}"], colour)
    return files


def with_distance_fields(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Signature inputs (line, ref_color, ref_line) -> the colour network's, fields from scipy."""
    fields = lambda lines: np.stack([distance_field(line[..., 0]) for line in lines])[..., None]
    return {**inputs, "distance": fields(inputs["line"]),
            "ref_distance": np.stack([fields(refs) for refs in inputs["ref_line"]])}


def network_inputs(line_file, key_files) -> dict[str, np.ndarray]:
    """The colour network's inputs from files, read as lineart_color reads them (batch of one)."""
    return with_distance_fields({
        "line": read_image(line_file, "L")[None, ..., None],
        "ref_color": np.stack([read_image(colour) for colour, _ in key_files])[None],
        "ref_line": np.stack([read_image(line, "L") for _, line in key_files])[None, ..., None],
    })


def python_colour(networks, inputs: dict[str, np.ndarray]) -> np.ndarray:
    """The Keras networks' colour [B, H, W, 3] with the line art laid as ink (the graph's last step,
    for a network that does not draw its lines itself): the reference every export is held to."""
    from lineart_color.layers.ink import lay_lines
    from lineart_color.serving_graph import carries_line_colour

    colour = np.asarray(networks["ctn"](inputs, training=False)["color"])
    if networks.get("tcn") is not None:
        window = np.stack([
            np.concatenate([inputs["ref_color"][:, 0], inputs["ref_line"][:, 0]], -1),
            np.concatenate([colour, inputs["line"]], -1),
            np.concatenate([inputs["ref_color"][:, -1], inputs["ref_line"][:, -1]], -1),
        ], axis=1)
        colour = np.asarray(networks["tcn"](window, training=False))[:, 1]
    if carries_line_colour(networks["ctn"]):  # it draws its lines itself
        return colour
    return np.asarray(lay_lines(colour, inputs["line"], False))


def run_node(script: Path, *args, timeout: float = 300) -> str:
    """Run a Node script from export/ (so its packages resolve); fail with its stderr."""
    result = subprocess.run(["node", str(script), *map(str, args)], cwd=EXPORT_ROOT, capture_output=True,
                            text=True, timeout=timeout)
    assert result.returncode == 0, f"{script.name} failed:\n{result.stdout}\n{result.stderr}"
    return (result.stdout.strip().splitlines() or [""])[-1]


def copy_bundle(bundle: Path, out: Path) -> Path:
    """A copy of the parts a browser needs (manifest.json, tfjs/), to add test files beside them."""
    out.mkdir(parents=True)
    shutil.copy(bundle / "manifest.json", out)
    shutil.copytree(bundle / "tfjs", out / "tfjs")
    return out
