"""The contact sheet of a colourer's hardest shot in a val set (lowest flat accuracy).

    python benchmarks/hardest_shot.py runs/val_moji3 --method flow \\
        --out benchmarks/figures/hardest_moji3_flow_sheet.png

Rows: line art, the colourer's output (keyframes first and last), the truth. Prints every
shot's flat accuracy, lowest first.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("set", type=Path, metavar="SET", help="a dataset in the evaluation layout")
    parser.add_argument("--method", default="flow", help="a colorize method (default flow)")
    parser.add_argument("--model", default=None, help="the network, for a network method")
    parser.add_argument("--out", type=Path, required=True, help="the PNG to write")
    args = parser.parse_args()

    from lineart_color.commands.colorize import make_colorizer
    from lineart_color.colorizers import colorize_shot
    from lineart_color.commands.evaluate import evaluate, read_truth_shots
    from lineart_color.visualize import contact_sheet

    shots, _ = read_truth_shots(args.set)
    colorizer = make_colorizer(args.method, model=args.model)
    scored = []
    for shot in shots:
        colours = colorize_shot(shot, colorizer)
        accuracy = evaluate([shot], {args.method: lambda _: colours})[args.method]["flat_accuracy"]
        scored.append((accuracy, shot, colours))
    scored.sort(key=lambda item: item[0])
    for accuracy, shot, _ in scored:
        print(f"{shot.path.name} {accuracy:.3f}")
    accuracy, shot, colours = scored[0]
    rows = [[shot.line(name) for name in shot.names], [colours[name] for name in shot.names],
            [shot.truth(name) for name in shot.names]]
    labels = ["line art", f"{args.method} (flat acc {accuracy:.3f}); keyframes first and last", "truth"]
    contact_sheet(rows, labels).save(args.out)
    print(f"hardest: {shot.path.name} ({accuracy:.3f}) -> {args.out}")


if __name__ == "__main__":
    main()
