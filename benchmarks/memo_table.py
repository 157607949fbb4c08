"""MemoPainter on val shots that have no keyframe, beside the nearest remembered frame.

    python benchmarks/memo_table.py runs/val_moji runs/val_clipart --model runs/memo \\
        --json benchmarks/figures/val_memo.json

For each SET (the evaluation layout: truth/ for every frame, keyframes in color/): the memory
holds the painted keyframes of every shot in the set (`memory build SET`): the same drawings
in other poses and places, as a studio's earlier shots of a character. Every other frame is
then coloured with no keyframe of its own:
- memo: MemoPainter with that memory (`colorize --method memo --memory`);
- floor "nearest remembered": a copy of the remembered painted frame whose line art is most
  like the target's (cosine similarity of 32 x 32 distance fields).
Prints one markdown table per set (frames, PSNR, SSIM, flat acc, seconds per frame).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from no_keyframe_scores import print_table, score_method


def _looks(line: np.ndarray) -> np.ndarray:
    """A line drawing's look for the floor: its distance field at 32 x 32, unit length."""
    import cv2

    from lineart_color.data.distance import distance_field

    small = cv2.resize(distance_field(line), (32, 32), interpolation=cv2.INTER_AREA).ravel()
    return small / (np.linalg.norm(small) + 1e-12)


def nearest_remembered(shots) -> dict:
    """shot name -> {frame: copy of the most alike remembered painted frame}."""
    remembered = [(_looks(shot.line(name)), shot.color(name)) for shot in shots for name in shot.keyframes]
    looks = np.stack([look for look, _ in remembered])
    outputs = {}
    for shot in shots:
        frames = {}
        for name in shot.names:
            if name not in shot.keyframes:
                frames[name] = remembered[int(np.argmax(looks @ _looks(shot.line(name))))][1]
        outputs[shot.path.name] = frames
    return outputs


def memo_outputs(shots, network) -> dict:
    from lineart_color.colorizers import ReferenceFreeColorizer
    from lineart_color.commands.memory import painted_frames
    from lineart_color.models.memory_file import fill_memory

    fill_memory(network, painted_frames(shots))
    colorizer = ReferenceFreeColorizer(network, name="memo")
    return {shot.path.name: dict(colorizer.colour_frames(shot, [n for n in shot.names if n not in shot.keyframes]))
            for shot in shots}


def score_set(folder: Path, network) -> dict:
    from lineart_color.commands.evaluate import read_truth_shots

    shots, _ = read_truth_shots(folder)
    results = {}
    for method, make in (("memo", lambda: memo_outputs(shots, network)),
                         ("nearest remembered", lambda: nearest_remembered(shots))):
        results[method], _ = score_method(shots, method, make)
        print(f"  {folder.name}: {method} done", flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", type=Path, metavar="SET")
    parser.add_argument("--model", required=True, help="the MemoPainter network (.keras file or run directory)")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    from lineart_color.models.files import load_network
    from lineart_color.quiet import import_tensorflow

    import_tensorflow()
    network = load_network(args.model, "memo")
    everything = {}
    for folder in args.sets:
        everything[folder.name] = results = score_set(folder, network)
        print_table(folder.name, results, "memo")
    if args.json:
        args.json.write_text(json.dumps(everything, indent=1))


if __name__ == "__main__":
    main()
