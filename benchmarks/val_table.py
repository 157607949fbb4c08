"""The README's quality table: every colourer and every floor on every val set, side by side.

    python benchmarks/val_table.py runs/val_moji runs/val_moji3 runs/val_clipart \\
        --methods ctn ctn+snap --json benchmarks/figures/val_table.json
    python benchmarks/val_table.py runs/val_moji runs/val_moji3 runs/val_clipart \\
        --methods corr --json benchmarks/figures/val_table.json --update

Each SET is a dataset in the evaluation layout (truth/ for every frame, keyframes in color/),
e.g. from `lineart-color data moji SET --split val --keyframes 0,-1`. Methods are colorize's
(`ctn+snap` is `--method ctn --snap`; `match:no-lines` is `--method match --no-keep-lines`;
`--model` gives the network), and the floors nearest, bucket and flow.
Frames are scored as colorize writes them by default (line art laid as ink). Prints one markdown
table per set (frames, PSNR, SSIM, flat acc, line-zone acc, flicker, seconds per frame)
and, with --json, writes every figure.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

FLOORS = ("nearest", "bucket", "flow")


RAW = ":no-lines"  # a method name ending so is scored as --no-keep-lines writes it


def make(method: str, model: str | None = None):
    from lineart_color.commands.colorize import NETWORK_KINDS, make_colorizer

    method, lines = method.removesuffix(RAW), not method.endswith(RAW)
    base, _, palette = method.partition("+")
    model = model if base in NETWORK_KINDS else None
    if palette in ("snap", "flat"):
        return make_colorizer(base, model=model, snap=palette == "snap", flat=palette == "flat", lines=lines)
    return make_colorizer(method, model=model, lines=lines)


def score_set(folder: Path, methods: list[str], floors: list[str], model: str | None = None) -> dict:
    from lineart_color.colorizers import colorize_shot
    from lineart_color.commands.evaluate import evaluate, read_truth_shots

    shots, _ = read_truth_shots(folder)
    results = {}
    for method in [*methods, *floors]:
        colorizer = make(method, model)
        outputs, started = {}, time.perf_counter()
        for shot in shots:
            outputs[shot.path.name] = colorize_shot(shot, colorizer, lines=not method.endswith(RAW))
        seconds = time.perf_counter() - started
        row = evaluate(shots, {method: lambda shot: outputs[shot.path.name]})[method]
        row["seconds_per_frame"] = seconds / max(row["frames"], 1)
        results[method] = row
        print(f"  {folder.name}: {method} done", flush=True)
    return results


def markdown(name: str, results: dict) -> str:
    lines = [f"**{name}**", "", "| method | frames | PSNR | SSIM | flat acc | line acc | flicker | s/frame |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for method, row in results.items():
        label = f"floor: {method}" if method in FLOORS else method
        lines.append(f"| {label} | {row['frames']} | {row['psnr']:.2f} | {row['ssim']:.3f} | "
                     f"{row['flat_accuracy']:.3f} | {row['line_zone_accuracy']:.3f} | {row['flicker']:.4f} | "
                     f"{row['seconds_per_frame']:.3f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", type=Path, metavar="SET")
    parser.add_argument("--methods", nargs="*", default=["ctn", "ctn+snap"])
    parser.add_argument("--floors", nargs="*", default=list(FLOORS), choices=FLOORS)
    parser.add_argument("--model", default=None, help="the network for the network methods (default: the bundled one)")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--update", action="store_true",
                        help="keep the other methods' figures already in --json (a network method with its own --model)")
    args = parser.parse_args()
    from lineart_color.quiet import import_tensorflow

    import_tensorflow()
    everything = {}
    for folder in args.sets:
        everything[folder.name] = score_set(folder, args.methods, args.floors, args.model)
        print(markdown(folder.name, everything[folder.name]) + "\n", flush=True)
    if args.json:
        if args.update and args.json.exists():
            kept = json.loads(args.json.read_text())
            everything = {name: {**kept.get(name, {}), **rows} for name, rows in {**kept, **everything}.items()}
        args.json.write_text(json.dumps(everything, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
