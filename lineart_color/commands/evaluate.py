"""`lineart-color evaluate SHOTS [PRED] [--baseline nearest|bucket|flow|region-ceiling]`: score coloured frames against the truth.

    lineart-color evaluate shots/val coloured/val --baseline nearest --baseline bucket --json scores.json

SHOTS is a shot folder or a dataset whose shots have truth/. PRED holds the coloured frames
as `colorize` writes them (PRED/<frame>.png for one shot, PRED/<shot>/<frame>.png for a
dataset). Each --baseline adds a row computed on the spot; `region-ceiling` is the truth
flattened to one keyframe paint per closed region, the best that any region-filling method
(the paint bucket, `colorize --flat`) can score on this line art. Frames that are
keyframes are not scored. Figures (DESIGN.md): PSNR and SSIM on RGB; flat-region accuracy, the share of
painted pixels within deltaE76 10 of the truth, pooled over frames; line-zone accuracy, the same
on the pixels within 2 px of a line (halos, lost line colour); and flicker, the mean
colour change between consecutive frames where the line art stands still (beside the
truth's own, which real motion sets).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lineart_color import metrics
from lineart_color.commands.common import add_command, add_max_pixels, apply_max_pixels, standalone_main
from lineart_color.errors import UserError

BASELINES = ("nearest", "bucket", "flow", "region-ceiling")
PSNR_CAP = 100.0  # dB a perfect frame counts as in the mean (its own PSNR is infinite)


@dataclass
class MethodScores:
    """Running totals for one method over many shots."""

    psnr: list[float] = field(default_factory=list)
    ssim: list[float] = field(default_factory=list)
    right: int = 0
    painted: int = 0
    line_right: int = 0
    line_zone: int = 0
    flicker: list[float] = field(default_factory=list)

    def add_shot(self, shot, colours: dict[str, np.ndarray]) -> None:
        for name in shot.names:
            if name in shot.color_files:
                continue
            truth, output = shot.truth(name), colours[name]
            self.psnr.append(min(metrics.psnr(output, truth), PSNR_CAP))
            self.ssim.append(metrics.ssim(output, truth))
            right, painted = metrics.flat_accuracy_counts(output, truth, shot.line(name))
            self.right += right
            self.painted += painted
            right, zone = metrics.line_zone_counts(output, truth, shot.line(name))
            self.line_right += right
            self.line_zone += zone
        lines = [shot.line(name) for name in shot.names]
        self.flicker.append(metrics.temporal_change([colours[name] for name in shot.names], lines))

    def summary(self) -> dict[str, float]:
        mean = lambda values: float(np.mean(values)) if len(values) else float("nan")
        return {
            "frames": len(self.psnr),
            "psnr": mean(self.psnr),  # perfect frames count as PSNR_CAP, so one cannot make the mean inf
            "ssim": mean(self.ssim),
            "flat_accuracy": self.right / self.painted if self.painted else float("nan"),
            "line_zone_accuracy": self.line_right / self.line_zone if self.line_zone else float("nan"),
            "flicker": float(np.nanmean(self.flicker)) if not np.all(np.isnan(self.flicker)) else float("nan"),
        }


def read_predictions(shot, folder: Path) -> dict[str, np.ndarray]:
    """The predicted colour of every frame of a shot, checked against the shot's names and size."""
    from lineart_color.data.images import image_size, read_image
    from lineart_color.data.shots import list_frames

    if not folder.is_dir():
        raise UserError(f"{folder}: no such prediction folder (expected the output of colorize)")
    files = list_frames(folder)
    colours = {}
    for name in shot.names:
        if name not in files:
            raise UserError(f"{folder / (name + '.png')}: missing prediction for frame {name!r}")
        if image_size(files[name]) != shot.size:
            found = image_size(files[name])
            raise UserError(f"{files[name]}: size {found[0]}x{found[1]} differs from the shot's "
                            f"{shot.size[0]}x{shot.size[1]}")
        colours[name] = read_image(files[name], "RGB")
    return colours


def prediction_name(pred: Path, folders: list[Path], rows_taken) -> str:
    """The table's row for PRED: the colourer `colorize` recorded in its frames when all of
    them agree (with the folder beside it if a baseline row has that name), else the folder's name."""
    from lineart_color.data.images import made_by
    from lineart_color.data.shots import list_frames

    makers = {made_by(path) for folder in folders for path in list_frames(folder).values()}
    if len(makers) != 1 or None in makers:
        return pred.name
    maker = makers.pop()
    return f"{maker} ({pred.name})" if maker in rows_taken else maker


def read_truth_shots(path: Path) -> tuple[list, bool]:
    """Validated shots with truth/ and at least one keyframe; and whether SHOTS is a single shot."""
    from lineart_color.data.shots import LINE_DIR, TRUTH_DIR, list_dataset, read_shot

    shots = [read_shot(folder) for folder in list_dataset(path)]
    for shot in shots:
        if shot.truth_files is None:
            raise UserError(f"{shot.path / TRUTH_DIR}: missing folder (evaluation needs every frame's truth)")
        shot.require_keyframes(1)
    return shots, (path / LINE_DIR).is_dir()


def evaluate(shots: list, predictions: dict[str, callable]) -> dict[str, dict[str, float]]:
    """method -> summary, for methods given as callables shot -> {name: colour}; plus the truth's flicker."""
    from lineart_color.progress import Progress

    totals = {method: MethodScores() for method in predictions}
    truth_flicker = []
    with Progress(len(shots) * len(predictions), "shot scores") as progress:
        for shot in shots:
            for method, predict in predictions.items():
                totals[method].add_shot(shot, predict(shot))
                progress.advance()
            lines = [shot.line(name) for name in shot.names]
            truth_flicker.append(metrics.temporal_change([shot.truth(name) for name in shot.names], lines))
    results = {method: scores.summary() for method, scores in totals.items()}
    results["truth"] = {"frames": results[next(iter(results))]["frames"] if results else 0,
                        "psnr": PSNR_CAP, "ssim": 1.0, "flat_accuracy": 1.0, "line_zone_accuracy": 1.0,
                        "flicker": float(np.nanmean(truth_flicker)) if truth_flicker else float("nan")}
    return results


def format_table(results: dict[str, dict[str, float]]) -> str:
    width = max(12, *(len(name) for name in results))
    lines = [f"{'method':<{width}} {'frames':>6} {'PSNR':>7} {'SSIM':>6} {'flat acc':>8} {'line acc':>8} "
             f"{'flicker':>8}"]
    for name, row in results.items():
        lines.append(f"{name:<{width}} {row['frames']:>6d} {row['psnr']:>7.2f} {row['ssim']:>6.3f} "
                     f"{row['flat_accuracy']:>8.3f} {row['line_zone_accuracy']:>8.3f} {row['flicker']:>8.4f}")
    return "\n".join(lines)


def write_json(results: dict, destination: str) -> None:
    finite = {method: {key: value if math.isfinite(value) else None for key, value in row.items()}
              for method, row in results.items()}  # JSON has no inf or NaN: they become null
    text = json.dumps(finite, indent=2, sort_keys=True)
    if destination == "-":
        print(text)
        return
    path = check_json_destination(destination)
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_text(text + "\n")
        partial.replace(path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise UserError(f"--json {destination}: cannot write it ({error.strerror})") from None


def check_json_destination(destination: str) -> Path:
    """Refuse a --json FILE that cannot be written, before the evaluation starts."""
    path = Path(destination)
    folder = path.absolute().parent
    if not folder.is_dir():
        raise UserError(f"--json {destination}: folder {folder} does not exist")
    if path.is_dir():
        raise UserError(f"--json {destination}: is a folder; give a file name")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UserError(f"--json {destination}: cannot write there")
    return path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("shots", type=Path, metavar="SHOTS", help="a shot folder or dataset with truth/")
    parser.add_argument("pred", type=Path, nargs="?", metavar="PRED", help="the coloured frames (colorize's OUT)")
    parser.add_argument("--baseline", action="append", choices=BASELINES, default=[],
                        help="also score a baseline: nearest (copy the nearest keyframe), bucket (paint bucket), "
                             "flow (keyframe paints carried along optical flow: the strongest floor), or region-ceiling (the truth flattened to one paint per region: the best any "
                             "region-filling method can do); repeatable")
    parser.add_argument("--name", default=None, help="the table's name for PRED (default: the colourer colorize recorded in its frames, "
                             "else its folder name)")
    add_max_pixels(parser)
    parser.add_argument("--json", default=None, metavar="FILE", help="also write the figures as JSON (- for stdout, which then holds the JSON alone; "
                             "the table goes to stderr)")


def run(args: argparse.Namespace) -> None:
    from lineart_color import colorizers

    if args.pred is None and not args.baseline:
        raise UserError("PRED: give a folder of coloured frames, or at least one --baseline")
    if args.json and args.json != "-":
        check_json_destination(args.json)
    apply_max_pixels(args)
    shots, single = read_truth_shots(args.shots)
    predictions = {}
    if args.pred is not None:
        folder_of = (lambda shot: args.pred) if single else (lambda shot: args.pred / shot.path.name)
        for shot in shots:  # check every prediction file before scoring anything
            read_predictions(shot, folder_of(shot))
        rows_taken = (*args.baseline, "truth")
        name = args.name or prediction_name(args.pred, [folder_of(shot) for shot in shots], rows_taken)
        if name in rows_taken:
            flag = "--name" if args.name else "PRED"
            raise UserError(f"{flag}: {name!r} is also the name of a row of the table; give another with --name")
        predictions[name] = lambda shot: read_predictions(shot, folder_of(shot))
    makers = {"nearest": colorizers.NearestKeyframe, "bucket": colorizers.PaintBucket, "flow": colorizers.FlowWarp,
              "region-ceiling": lambda: colorizers.OnPalette(colorizers.TruthColours(), "flat")}
    for baseline in dict.fromkeys(args.baseline):
        colorizer = makers[baseline]()
        predictions[baseline] = lambda shot, colorizer=colorizer: colorizers.colorize_shot(shot, colorizer)
    results = evaluate(shots, predictions)
    table = sys.stderr if args.json == "-" else sys.stdout  # with --json -, stdout is the JSON alone
    print(f"{len(shots)} shot(s); keyframes are not scored; flat acc: painted pixels within deltaE 10 of the truth; "
          f"line acc: the same within 2 px of a line", file=table)
    print(format_table(results), file=table)
    if args.json:
        write_json(results, args.json)


def add_parser(commands) -> None:
    add_command(commands, "evaluate", "score coloured frames (and baselines) against the truth", add_arguments, run)


def main(argv=None) -> int:
    return standalone_main("evaluate", __doc__, add_arguments, run, argv)


if __name__ == "__main__":
    sys.exit(main())
