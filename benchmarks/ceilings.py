"""What copying keyframe pixels can reach on a rendered val set: two ceilings beside the colourers.

    python benchmarks/ceilings.py runs/val_moji3 --source moji --motion 3 --json benchmarks/figures/ceilings.json

SET must be what `lineart-color data moji|clipart SET --split val --shots N --seed S --keyframes 0,-1
--motion M [--turn D --cross]` wrote; the same flags here re-render its shots' true motion (the renderer knows every
cel's transform), and the frames are checked against SET's truth. Two rows, four figures each
(PSNR, SSIM, flat acc, line-zone acc), frames drawn as `match` draws them (keyframe paint and ink
carried, the target's lines laid over them as ink):

- true motion: every pixel copies the keyframe pixel the renderer says it is (the nearest keyframe
  that shows it; the nearest keyframe where none does);
- perfect choice: every pixel takes, among the default colourer's candidate warps (`match`: direct,
  chained and region warps to every keyframe), the one whose drawing is nearest the truth.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np


def true_motion_colour(shot, moji_shot, name: str, keys: list, prepared: dict) -> np.ndarray:
    """The frame copied along the renderer's own correspondence to the keyframes, nearest first."""
    from lineart_color import flow

    target = shot.names.index(name)
    paint = ink = None
    seen = np.zeros(shot.line(name).shape, bool)
    for key in keys:
        truth = moji_shot.correspondence(target, shot.names.index(key))
        candidate_paint, candidate_ink = flow.carried(flow.Candidate(prepared[key], truth.flow, truth.flow))
        take = truth.visible & ~seen if paint is not None else np.ones_like(seen)
        paint = candidate_paint if paint is None else np.where(take[..., None], candidate_paint, paint)
        ink = candidate_ink if ink is None else np.where(take[..., None], candidate_ink, ink)
        seen |= truth.visible
    return flow.drawn(paint, ink, shot.line(name))


def perfect_choice_colour(shot, candidates, name: str) -> np.ndarray:
    """Per pixel, the candidate drawing nearest the truth (CIELAB deltaE76)."""
    from lineart_color import flow
    from lineart_color.colour import delta_e

    truth, line = shot.truth(name), shot.line(name)
    best, best_error = None, None
    for candidate in candidates:
        drawing = flow.drawn(*flow.carried(candidate), line)
        error = delta_e(drawing.reshape(-1, 3), truth.reshape(-1, 3)).reshape(line.shape)
        if best is None:
            best, best_error = drawing, error
            continue
        better = error < best_error
        best = np.where(better[..., None], drawing, best)
        best_error = np.where(better, error, best_error)
    return best


def ceilings(folder: Path, source: str, motion: float, seed: int, turn: float = 0.0, cross: bool = False) -> dict:
    from lineart_color import flow
    from lineart_color.colorizers import FlowWarp
    from lineart_color.commands.evaluate import evaluate, read_truth_shots
    from lineart_color.data import openmoji

    shots, _ = read_truth_shots(folder)
    drawings = openmoji.drawing_ids(source, "val")
    outputs = {"true motion": {}, "perfect choice": {}}
    match = FlowWarp(shapes=True)
    for shot in shots:
        index, size = int(shot.path.name.rsplit("_", 1)[-1]), shot.size[0]  # data moji names shot_NNNN
        moji_shot = openmoji.MojiShot.sample(openmoji.shot_rng(seed, index), drawings, len(shot.names), size,
                                             motion=motion, source=source, turn=turn, cross=cross)
        rendered = moji_shot.render_all()[0]
        # the same shot: a few anti-aliased pixels may differ (cairosvg), a whole other shot would not
        if np.abs(rendered[-1] - shot.truth(shot.names[-1])).mean() > 1 / 255:
            raise SystemExit(f"{shot.path}: not shot {index} of --source {source} --motion {motion} --seed {seed}")
        candidates_of = match.candidates(shot)
        true, perfect, prepared = {}, {}, {}
        for name in shot.names:
            if name in shot.keyframes:
                true[name] = perfect[name] = shot.color(name)
                continue
            _, candidates = candidates_of(name)
            keys = match.sources(shot, name)
            for key in keys:
                if key not in prepared:
                    prepared[key] = flow.Keyframe.of(shot.line(key), shot.color(key))
            true[name] = true_motion_colour(shot, moji_shot, name, keys, prepared)  # lines laid as match lays them
            perfect[name] = perfect_choice_colour(shot, candidates, name)
        outputs["true motion"][shot.path.name], outputs["perfect choice"][shot.path.name] = true, perfect
        print(f"  {folder.name}: {shot.path.name} done", flush=True)
    results = evaluate(shots, {row: (lambda shot, row=row: outputs[row][shot.path.name]) for row in outputs})
    results.pop("truth")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("set", type=Path, metavar="SET")
    parser.add_argument("--source", choices=("moji", "clipart"), default="moji")
    parser.add_argument("--motion", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--turn", type=float, default=0.0, help="as data moji --turn")
    parser.add_argument("--cross", action="store_true", help="as data moji --cross")
    parser.add_argument("--json", type=Path, default=None, help="add the rows under SET's name to this JSON file")
    args = parser.parse_args()
    from lineart_color.quiet import import_tensorflow

    import_tensorflow()
    results = ceilings(args.set, args.source, args.motion, args.seed, args.turn, args.cross)
    for row, figures in results.items():
        print(f"{row}: PSNR {figures['psnr']:.2f}  SSIM {figures['ssim']:.3f}  flat acc {figures['flat_accuracy']:.3f}  "
              f"line acc {figures['line_zone_accuracy']:.3f}")
    if args.json:
        everything = json.loads(args.json.read_text()) if args.json.exists() else {}
        everything[args.set.name] = results
        args.json.write_text(json.dumps(everything, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
