"""`make demo` (`python -m lineart_color.commands.demo`): the main job, end to end, on fresh OpenMoji val shots.

Renders val-split shots with keyframes first and last, colours them with the default
colourer (`match`: the keyframes' paints carried along optical flow and along each closed
region's own motion), the learned correspondence colourer and the paper's Colour Transform
Network (as is and snapped to the keyframes' paints), writes per-frame PNGs, a contact sheet (line | output | truth) and
an animated GIF per shot, and prints the evaluation table beside the floors: copying the
nearest keyframe, the classical paint bucket, and optical flow.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

from lineart_color.commands.common import positive_int, run_guarded, seed_number


def render_val_shots(folder: Path, count: int, frames: int, size: int, seed: int) -> None:
    from lineart_color.data import openmoji
    from lineart_color.progress import Progress

    codes = openmoji.emoji_codes("val")
    folder.mkdir(parents=True)
    print(f"rendering {count} OpenMoji val shots of {frames} frames at {size}px (keyframes: first and last)")
    with Progress(count, "shots") as progress:
        for index in range(count):
            shot = openmoji.MojiShot.sample(openmoji.shot_rng(seed, index), codes, frames, size)
            openmoji.write_moji_shot(folder / f"shot_{index:04d}", shot, keyframes=[0, frames - 1])
            progress.advance()


def demo_methods() -> dict:
    """name -> colourer: the default (match), the bundled networks (those that ship) and the floors."""
    from lineart_color.commands.colorize import DEFAULT_METHOD, make_colorizer
    from lineart_color.models.files import BUNDLED

    methods = {DEFAULT_METHOD: make_colorizer(DEFAULT_METHOD)}
    if BUNDLED["corr"].is_file():
        methods["corr"] = make_colorizer("corr")
    methods.update({"ctn": make_colorizer("ctn"), "ctn+snap": make_colorizer("ctn", snap=True)})
    if BUNDLED["tcn"].is_file():
        methods["ctn+tcn"] = make_colorizer("ctn+tcn")
    for floor in ("nearest", "bucket", "flow"):
        methods[floor] = make_colorizer(floor)
    return methods


def write_pictures(shot, colours: dict, folder: Path) -> None:
    """Frames as PNGs, a contact sheet (line | output | truth) and a GIF of the output."""
    from lineart_color.data.images import write_image
    from lineart_color.visualize import contact_sheet, write_gif

    frames = folder / shot.path.name
    frames.mkdir(parents=True)
    for name, colour in colours.items():
        write_image(frames / f"{name}.png", colour)
    rows = [[shot.line(name) for name in shot.names], list(colours.values()),
            [shot.truth(name) for name in shot.names]]
    sheet = contact_sheet(rows, ["line art", f"output ({folder.name}); keyframes first and last", "truth"])
    sheet.save(folder / f"{shot.path.name}_sheet.png")
    write_gif(list(colours.values()), folder / f"{shot.path.name}.gif")


def run(args: argparse.Namespace) -> None:
    from lineart_color.colorizers import colorize_shot
    from lineart_color.data.shots import list_dataset, read_shot
    from lineart_color.data.staging import staged_output_dir
    from lineart_color.commands.evaluate import evaluate, format_table
    from lineart_color.progress import Progress

    started = time.monotonic()
    out = Path(args.out)
    stage_target = out.with_name(out.name + ".new")
    shutil.rmtree(stage_target, ignore_errors=True)
    methods = demo_methods()
    with staged_output_dir(stage_target) as stage:
        render_val_shots(stage / "shots", args.shots, args.frames, args.size, args.seed)
        shots = [read_shot(path) for path in list_dataset(stage / "shots")]
        outputs = {method: {} for method in methods}
        todo = sum(len(shot.names) - len(shot.keyframes) for shot in shots) * len(methods)
        print(f"colouring with: {', '.join(methods)}")
        with Progress(todo, "frames") as progress:
            for method, colorizer in methods.items():
                for shot in shots:
                    outputs[method][shot.path.name] = colorize_shot(shot, colorizer, progress)
        for method in methods:
            for shot in shots:
                write_pictures(shot, outputs[method][shot.path.name], stage / "colored" / method)
        results = evaluate(shots, {method: (lambda shot, m=method: outputs[m][shot.path.name]) for method in methods})
    shutil.rmtree(out, ignore_errors=True)  # the demo's own folder from an earlier run
    stage_target.rename(out)
    scored = sum(len(shot.names) - len(shot.keyframes) for shot in shots)
    print(f"\n{len(shots)} val shots, {args.frames} frames at {args.size}px, keyframes first and last; "
          f"{scored} in-between frames scored (a small sample: the README's table rests on 24 shots a set)")
    print(format_table(results))
    print(f"\nshots (line/, color/ keyframes, truth/): {out / 'shots'}")
    print(f"coloured frames, contact sheets, GIFs:   {out / 'colored'}/<method>/")
    print(f"e.g. {out / 'colored' / 'flow' / (shots[0].path.name + '_sheet.png')}")
    print(f"the demo took {time.monotonic() - started:.0f} s")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lineart_color.commands.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="demo_output", help="folder for the demo's files (replaced each run)")
    parser.add_argument("--shots", type=positive_int, default=6)
    parser.add_argument("--frames", type=positive_int, default=8)
    parser.add_argument("--size", type=positive_int, default=256)
    parser.add_argument("--seed", type=seed_number, default=1000)
    args = parser.parse_args(argv)
    from lineart_color.quiet import import_tensorflow

    import_tensorflow()
    return run_guarded(run, args, parser.prog)


if __name__ == "__main__":
    sys.exit(main())
