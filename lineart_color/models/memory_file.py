"""MemoPainter memory files: a studio's painted frames, remembered for shots that have no keyframe.

    lineart-color memory build SHOTS --model RUN --out studio.memory

A memory file is an .npz archive holding a format name and version, the slots' keys, colour
features and ages, and a fingerprint of the query network that made the keys: keys mean
nothing to another network, so loading checks it, as loading a model file checks its kind.
Writing is staged (a temporary file renamed into place), so no half-written file is left.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

import numpy as np

from lineart_color.errors import UserError

FORMAT, VERSION = "lineart-color-memory", 1
STATE = ("keys", "values", "ages")


def query_fingerprint(network) -> str:
    """sha256 of the weights that make MemoPainter's keys (its query network's)."""
    digest = hashlib.sha256()
    for weight in network.query_weights:
        digest.update(np.ascontiguousarray(weight.numpy(), np.float32).tobytes())
    return digest.hexdigest()


def require_memory(network, flag: str = "--model") -> None:
    """Refuse a MemoPainter trained without a memory (mode gan): it has nothing to remember with."""
    if network.mode == "gan":
        raise UserError(f"{flag}: this MemoPainter was trained without a memory (mode gan)")


def fill_memory(network, frames, progress=None) -> int:
    """Write (line [H, W, 1], colour feature) pairs into the network's memory, emptied first, with
    its own write rule (layers/colour_memory.py); returns how many were written."""
    network.memory.clear()
    count = 0
    for line, feature in frames:
        network.memory.write(network.query(line[None]), feature[None])
        count += 1
        if progress is not None:
            progress.advance()
    return count


def save_memory(path: Path, network, frames: int) -> None:
    state = {name: getattr(network.memory, name).numpy() for name in STATE}
    temporary = path.with_name(f".{path.name}.partial")
    try:
        with open(temporary, "wb") as file:
            np.savez(file, format=FORMAT, version=VERSION, fingerprint=query_fingerprint(network), frames=frames, **state)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def load_memory(path: str | Path, network, flag: str = "--memory") -> int:
    """Put a memory file's slots into the network's memory; returns how many frames made it."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: no such memory file ({flag} takes a file from `lineart-color memory build`)")
    if not zipfile.is_zipfile(path):
        raise UserError(f"{path}: not a memory file (not an .npz archive)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            stored = {name: archive[name] for name in archive.files}
    except (OSError, ValueError) as error:
        raise UserError(f"{path}: not a readable memory file ({error})") from None
    if str(stored.get("format")) != FORMAT:
        raise UserError(f"{path}: not a memory file (no {FORMAT!r} format mark)")
    if int(stored["version"]) != VERSION:
        raise UserError(f"{path}: memory format version {int(stored['version'])}; this version reads {VERSION}")
    if str(stored["fingerprint"]) != query_fingerprint(network):
        raise UserError(f"{path}: made with another network's query encoder; rebuild it with this --model")
    for name in STATE:
        variable = getattr(network.memory, name)
        if tuple(stored[name].shape) != tuple(variable.shape):
            raise UserError(f"{path}: {name} has shape {stored[name].shape}, the network's memory {tuple(variable.shape)}")
        variable.assign(stored[name])
    return int(stored["frames"])
