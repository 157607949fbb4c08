"""Line extraction against true line art: precision and recall within 2 px, pooled over val frames.

    python benchmarks/line_table.py runs/val_moji runs/val_clipart --line-model runs/cyclegan1 \\
        --json benchmarks/figures/line_extraction.json

Each SET is a dataset of shot folders with truth/ (the colour frames) and line/ (their true
line art: OpenMoji's own line layer; Open Clip Art's drawing with every paint made white).
Each method extracts lines from the colour frames: xdog and highpass (data/lineart.py) and,
with --line-model, the learned CycleGAN scan generator. Prints one markdown table per set
(frames, precision, recall, seconds per frame); --sheet writes a contact sheet of each set's
first frames (colour | each method | true line art).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np


def score(shots, extract, limit: int) -> dict:
    from lineart_color.metrics import line_match_counts

    totals, frames, seconds = np.zeros(4, np.int64), 0, 0.0
    for shot in shots:
        for name in shot.names[:limit]:
            started = time.perf_counter()
            line = extract(shot.truth(name))
            seconds += time.perf_counter() - started
            totals += line_match_counts(line, shot.line(name))
            frames += 1
    hits, found, recovered, expected = totals
    return {"frames": frames, "precision": hits / max(found, 1), "recall": recovered / max(expected, 1),
            "seconds_per_frame": seconds / max(frames, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", type=Path, metavar="SET")
    parser.add_argument("--line-model", default=None, help="the CycleGAN line extractor (.keras file or run directory)")
    parser.add_argument("--frames-per-shot", type=int, default=4, help="score the first N frames of each shot")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--sheet", type=Path, default=None, help="write a contact sheet PNG here")
    args = parser.parse_args()
    from lineart_color.commands.evaluate import read_truth_shots
    from lineart_color.data.lineart import METHODS, extract_lines

    methods = {method: (lambda frame, method=method: extract_lines(frame, method)) for method in METHODS}
    if args.line_model:
        from lineart_color.commands.data import learned_extractor

        methods["learned"] = learned_extractor(args.line_model)
    everything, sheet_rows, labels = {}, [], []
    for folder in args.sets:
        shots, _ = read_truth_shots(folder)
        for shot in shots[:2]:
            colour = shot.truth(shot.names[0])
            sheet_rows.append([colour, *[extract(colour) for extract in methods.values()], shot.line(shot.names[0])])
            labels.append(f"{folder.name}/{shot.path.name}: colour | {' | '.join(methods)} | true lines")
        everything[folder.name] = rows = {name: score(shots, extract, args.frames_per_shot)
                                          for name, extract in methods.items()}
        print(f"\n**{folder.name}**\n\n| method | frames | precision | recall | s/frame |\n|---|---:|---:|---:|---:|")
        for name, row in rows.items():
            print(f"| {name} | {row['frames']} | {row['precision']:.3f} | {row['recall']:.3f} | "
                  f"{row['seconds_per_frame']:.3f} |")
    if args.json:
        args.json.write_text(json.dumps(everything, indent=1))
    if args.sheet:
        from lineart_color.visualize import contact_sheet

        contact_sheet(sheet_rows, labels).save(args.sheet)


if __name__ == "__main__":
    main()
