"""What a run leaves for people to look at: TensorBoard scalars and image grids,
a JSON-lines loss history that survives resumes, and a PNG plot of the loss curves."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Sequence

import numpy as np
import tensorflow as tf


def append_json_line(path: Path, record: dict) -> None:
    """Add one JSON object as a line at the end of a JSON-lines file (strict JSON: no NaN)."""
    with Path(path).open("a") as file:
        file.write(json.dumps(record, allow_nan=False) + "\n")


class LossHistory:
    """RUN/history.jsonl: one {"step": ..., name: value, ...} per logged step."""

    def __init__(self, path: Path):
        self.path = path

    def truncate_after(self, step: int) -> None:
        """Forget entries written after the checkpoint a resumed run restarts from."""
        kept = [entry for entry in self.read() if entry["step"] <= step]
        self.path.write_text("".join(json.dumps(entry) + "\n" for entry in kept))

    def append(self, step: int, values: dict[str, float]) -> None:
        # JSON has no NaN or infinity: a non-finite value is written as null, so every line stays JSON
        finite = {name: value if math.isfinite(value) else None for name, value in values.items()}
        append_json_line(self.path, {"step": step, **finite})

    def read(self) -> list[dict]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text().splitlines() if line.strip()]


def plot_losses(history: Sequence[dict], path: Path) -> None:
    """One panel per loss term against the step."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = sorted({key for entry in history for key in entry if key not in ("step", "images_per_s")})
    if not names:
        return
    figure, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 2.8), squeeze=False)
    for axis, name in zip(axes[0], names):
        points = [(entry["step"], entry[name]) for entry in history if name in entry]
        axis.plot(*zip(*points), linewidth=1)
        axis.set_title(name)
        axis.set_xlabel("step")
    figure.tight_layout()
    figure.savefig(path, dpi=80)
    plt.close(figure)


def image_row(images: Sequence[np.ndarray]) -> np.ndarray:
    """Equal-height [H, W, C] images (C = 1 or 3) side by side as one RGB image."""
    rgb = [np.repeat(image, 3, axis=-1) if image.shape[-1] == 1 else image for image in images]
    return np.concatenate(rgb, axis=1).clip(0.0, 1.0)


def write_scalars(writer, step: int, values: dict[str, float]) -> None:
    with writer.as_default(step=step):
        for name, value in values.items():
            tf.summary.scalar(name, value)


def write_image_grid(writer, step: int, rows: Sequence[np.ndarray], name: str = "samples") -> None:
    with writer.as_default(step=step):
        tf.summary.image(name, np.stack(rows), max_outputs=len(rows))
