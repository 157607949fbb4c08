"""The reference-free self-attention U-Net on val shots, beside the trivial floor: each closed
region painted the training set's most common paint.

    python benchmarks/reference_free_table.py runs/val_moji runs/val_clipart --model runs/saunet1 \\
        --train runs/data/train --json benchmarks/figures/val_sa_unet.json

For each SET (the evaluation layout: truth/ for every frame): every frame that is not a keyframe
is coloured from its line art alone, and scored as `evaluate` scores (PSNR, SSIM, flat acc).
- sa-unet: `colorize --method sa-unet`;
- floor "most common paint": every closed region of the line art (regions.label_regions) takes
  the paint that covers most area in the training shots (region medians over --train shots'
  first frames, on a 1/16 grid per channel); regions touching the frame's edge stay paper and
  lines keep the line art's grey, as they do in the truth.
Prints one markdown table per set; --sheet writes a contact sheet of the first in-between of
each set's first shots (line art | floor | sa-unet | truth).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

import numpy as np
from no_keyframe_scores import print_table, score_method

GRID = 16  # levels per channel when counting paints


def most_common_paint(train: Path, shots: int) -> np.ndarray:
    """The paint covering most area among inner regions of the first frame of `shots` training shots."""
    from lineart_color.data.shots import list_dataset, read_shot
    from lineart_color.metrics import PAPER_MIN_CHANNEL
    from lineart_color.regions import label_regions, region_medians
    from lineart_color.studio import border_regions

    area = Counter()
    for folder in list_dataset(train)[:shots]:
        shot = read_shot(folder)
        name = shot.keyframes[0]
        labels, count = label_regions(shot.line(name))
        medians = region_medians(labels, count, shot.color(name))
        sizes = np.bincount(labels.ravel(), minlength=count + 1)
        paper = set(border_regions(labels).tolist())
        for label in range(1, count + 1):
            if label not in paper and medians[label].min() < PAPER_MIN_CHANNEL:
                area[tuple(np.floor(medians[label] * GRID).clip(0, GRID - 1).astype(int))] += int(sizes[label])
    cell = np.array(area.most_common(1)[0][0])
    return ((cell + 0.5) / GRID).astype(np.float32)


def common_paint_frame(line: np.ndarray, paint: np.ndarray) -> np.ndarray:
    """Inner regions painted `paint`, regions touching the edge paper, lines their own grey."""
    from lineart_color.regions import label_regions
    from lineart_color.studio import border_regions

    labels, _ = label_regions(line)
    frame = np.broadcast_to(line[..., None], (*line.shape, 3)).copy()
    inner = (labels > 0) & ~np.isin(labels, border_regions(labels))
    frame[inner] = paint
    frame[(labels > 0) & ~inner] = 1.0
    return frame


SHEET_SHOTS = 3  # shots of each set in the contact sheet


def score_set(folder: Path, network, paint: np.ndarray, sheet_rows: list) -> dict:
    from lineart_color.colorizers import ReferenceFreeColorizer
    from lineart_color.commands.evaluate import read_truth_shots

    shots, _ = read_truth_shots(folder)
    colorizer = ReferenceFreeColorizer(network)
    methods = {
        "sa-unet": lambda shot, names: dict(colorizer.colour_frames(shot, names)),
        "most common paint": lambda shot, names: {n: common_paint_frame(shot.line(n), paint) for n in names},
    }
    results, sheet = {}, {}
    for method, colour in methods.items():
        make = lambda colour=colour: {shot.path.name: colour(shot, [n for n in shot.names if n not in shot.keyframes])
                                      for shot in shots}
        results[method], outputs = score_method(shots, method, make)
        sheet[method] = [next(iter(outputs[shot.path.name].values())) for shot in shots[:SHEET_SHOTS]]
    for index, shot in enumerate(shots[:SHEET_SHOTS]):
        name = next(n for n in shot.names if n not in shot.keyframes)
        sheet_rows.append(([shot.line(name), sheet["most common paint"][index], sheet["sa-unet"][index],
                            shot.truth(name)], f"{folder.name}/{shot.path.name}/{name}"))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", type=Path, metavar="SET")
    parser.add_argument("--model", required=True, help="the self-attention U-Net (.keras file or run directory)")
    parser.add_argument("--train", type=Path, required=True, help="training shots, for the floor's paint")
    parser.add_argument("--train-shots", type=int, default=300)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--sheet", type=Path, default=None, help="write a contact sheet PNG here")
    args = parser.parse_args()
    from lineart_color.models.files import load_network
    from lineart_color.quiet import import_tensorflow

    import_tensorflow()
    network = load_network(args.model, "sa-unet")
    paint = most_common_paint(args.train, args.train_shots)
    print(f"training set's most common paint: {np.round(paint * 255).astype(int).tolist()}")
    everything, sheet_rows = {"most_common_paint": paint.tolist()}, []
    for folder in args.sets:
        everything[folder.name] = results = score_set(folder, network, paint, sheet_rows)
        print_table(folder.name, results, "sa-unet")
    if args.json:
        args.json.write_text(json.dumps(everything, indent=1))
    if args.sheet:
        from lineart_color.visualize import contact_sheet

        contact_sheet([row for row, _ in sheet_rows], [label for _, label in sheet_rows]).save(args.sheet)


if __name__ == "__main__":
    main()
