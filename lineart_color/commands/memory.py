"""`lineart-color memory build`: fill a MemoPainter memory from painted frames.

    lineart-color memory build shots/earlier --model runs/memo --out studio.memory

Every frame of SHOTS (a shot folder, or a folder of them) that has a colour frame in color/ is
remembered: its line art's key from the network's query encoder, its paint's colour feature
(training/memo_task.colour_feature). `colorize --method memo --model RUN --memory FILE` then
colours shots that have no keyframe at all.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from lineart_color.commands.common import standalone_main
from lineart_color.errors import UserError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("shots", type=Path, metavar="SHOTS", help="a shot folder, or a folder of shot folders")
    parser.add_argument("--model", required=True, metavar="PATH",
                        help="the MemoPainter network (.keras file or training run directory) whose keys to store")
    parser.add_argument("--out", type=Path, required=True, metavar="FILE", help="the memory file to write")


def painted_frames(shots):
    """(line [H, W, 1], colour feature) of every painted frame, padded to a multiple of 8."""
    from lineart_color.colorizers import pad_to_multiple
    from lineart_color.training.memo_task import colour_feature

    for shot in shots:
        for name in shot.keyframes:
            line = shot.line(name)[..., None]
            yield pad_to_multiple(line), colour_feature(shot.color(name), line)


def run(args: argparse.Namespace) -> None:
    from lineart_color.data.shots import list_dataset, read_shot
    from lineart_color.models.files import load_network
    from lineart_color.models.memory_file import fill_memory, require_memory, save_memory
    from lineart_color.progress import Progress
    from lineart_color.quiet import import_tensorflow

    shots = [read_shot(folder) for folder in list_dataset(args.shots)]
    total = sum(len(shot.keyframes) for shot in shots)
    if not total:
        raise UserError(f"{args.shots}: no painted frames (color/) to remember")
    if args.out.is_dir():
        raise UserError(f"--out {args.out}: is a folder; give a file name")
    if not args.out.parent.is_dir():
        raise UserError(f"--out {args.out}: no such folder {args.out.parent}")
    if args.out.exists():  # as every other command's OUT: never overwritten
        raise UserError(f"--out {args.out}: already exists; remove it or give a new file name")
    if not os.access(args.out.parent, os.W_OK):  # before the work, not after it
        raise UserError(f"--out {args.out}: cannot write in {args.out.parent}")
    import_tensorflow()
    network = load_network(args.model, "memo", "--model")
    require_memory(network)
    with Progress(total, "frames") as progress:
        written = fill_memory(network, painted_frames(shots), progress)
    try:
        save_memory(args.out, network, written)
    except OSError as error:  # a read-only or full disk: save_memory leaves no partial file
        raise UserError(f"--out {args.out}: cannot write the memory ({error.strerror})") from None
    print(f"remembered {written} painted frames of {len(shots)} shot(s) in {args.out} "
          f"({network.memory.slots} slots)")


def add_parser(commands) -> None:
    memory = commands.add_parser("memory", help="MemoPainter memories of painted frames")
    kinds = memory.add_subparsers(dest="memory_command", required=True, metavar="ACTION")
    build = kinds.add_parser("build", help="fill a memory from painted frames, for colorize --method memo")
    add_arguments(build)
    build.set_defaults(run=run)


def main(argv=None) -> int:
    return standalone_main("memory", __doc__, add_arguments, run, argv)


if __name__ == "__main__":
    sys.exit(main())
