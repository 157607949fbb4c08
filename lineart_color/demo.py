"""`make demo` (`python -m lineart_color.demo`): what the project can do today, end to end.

Renders OpenMoji val shots in the evaluation layout (keyframes first and last), shows each
shot's colour, line art, line art re-extracted from colour (XDoG), and distance field in a
contact sheet and GIFs, draws a batch of training triplets through the tf.data pipeline,
and says which parts are not built yet.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import numpy as np

from lineart_color.cli import positive_int, run_guarded
from lineart_color.data import openmoji
from lineart_color.data.distance import distance_field
from lineart_color.data.lineart import extract_lines
from lineart_color.data.shots import list_dataset, read_shot
from lineart_color.data.staging import staged_output_dir
from lineart_color.progress import Progress
from lineart_color.quiet import import_tensorflow
from lineart_color.visualize import contact_sheet, write_gif

NOT_YET = (
    ("colorize with a bundled trained model (the network and `train` exist; nothing is trained yet)", "issue 5"),
    ("a trained temporal network and its measured effect (the network and stage-2 training exist)", "issue 4"),
    ("evaluate against the nearest-keyframe and paint-bucket baselines", "issue 5"),
    ("export to SavedModel / TF.js and the browser page", "issue 6"),
)


def write_shot_pictures(shot_dir: Path, pictures: Path) -> None:
    """Contact sheet (colour | line | XDoG from colour | distance field) and GIFs for one shot."""
    shot = read_shot(shot_dir)
    colors = [shot.truth(name) for name in shot.names]
    lines = [shot.line(name) for name in shot.names]
    extracted = [extract_lines(color, "xdog") for color in colors]
    fields = [distance_field(line) for line in lines]
    sheet = contact_sheet(
        [colors, lines, extracted, fields],
        ["colour (keyframes: first, last)", "line art", "XDoG lines from colour", "distance field"],
    )
    sheet.save(pictures / f"{shot_dir.name}_sheet.png")
    write_gif(colors, pictures / f"{shot_dir.name}_color.gif")
    write_gif(lines, pictures / f"{shot_dir.name}_line.gif")


def write_triplet_batch(pictures: Path) -> float:
    """Draw one batch of training triplets from OpenMoji on the fly; returns seconds taken."""
    from lineart_color.data.pipeline import TripletConfig, triplet_dataset

    started = time.monotonic()
    batch = next(iter(triplet_dataset("moji", 4, TripletConfig(height=192, width=256, seed=0))))
    rows = [
        [*batch["color"][i].numpy(), *batch["line"][i].numpy(), *batch["distance"][i].numpy()]
        for i in range(4)
    ]
    contact_sheet(rows, [f"triplet {i}: colour x3 | line x3 | distance x3" for i in range(4)]).save(
        pictures / "training_triplets.png"
    )
    return time.monotonic() - started


def run(args: argparse.Namespace) -> None:
    out = Path(args.out)
    stage_target = out.with_name(out.name + ".new")
    shutil.rmtree(stage_target, ignore_errors=True)
    with staged_output_dir(stage_target) as stage:
        shots_dir, pictures = stage / "shots", stage / "pictures"
        pictures.mkdir()
        codes = openmoji.emoji_codes("val")
        print(f"rendering {args.shots} OpenMoji val shots of {args.frames} frames at {args.size}px")
        with Progress(args.shots, "shots") as progress:
            for index in range(args.shots):
                shot = openmoji.MojiShot.sample(openmoji.shot_rng(args.seed, index), codes, args.frames, args.size)
                openmoji.write_moji_shot(shots_dir / f"shot_{index:04d}", shot, keyframes=[0, args.frames - 1])
                progress.advance()
        for shot_dir in list_dataset(shots_dir):
            write_shot_pictures(shot_dir, pictures)
        seconds = write_triplet_batch(pictures)
        print(f"drew a batch of 4 training triplets (moji, on the fly) in {seconds:.1f}s")
    shutil.rmtree(out, ignore_errors=True)  # the demo's own folder from an earlier run
    stage_target.rename(out)
    print(f"\nshots (line/, color/ keyframes, truth/): {out / 'shots'}")
    print(f"contact sheets and GIFs:                  {out / 'pictures'}")
    print("\ntrain the Colour Transform Network: lineart-color train --run-dir runs/ctn --data moji")
    print("\nnot yet built:")
    for what, where in NOT_YET:
        print(f"  - {what}: {where}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lineart_color.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="demo_output", help="folder for the demo's files (replaced each run)")
    parser.add_argument("--shots", type=positive_int, default=3)
    parser.add_argument("--frames", type=positive_int, default=8)
    parser.add_argument("--size", type=positive_int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    import_tensorflow()
    return run_guarded(run, args, parser.prog)


if __name__ == "__main__":
    sys.exit(main())
