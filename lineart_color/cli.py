"""`lineart-color`: one console script, a subcommand per tool (lineart_color/commands/).

User mistakes print one line naming the file or flag and exit with code 2; Ctrl-C exits with
130, SIGTERM and SIGHUP with 143 and 129 (commands/common.py).
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from lineart_color import __version__
from lineart_color.commands.common import run_guarded


def build_parser() -> argparse.ArgumentParser:
    from lineart_color.commands import colorize, data, evaluate, export, memory, recolor, serve, train

    parser = argparse.ArgumentParser(
        prog="lineart-color",
        description="Colour line-art animation from a few painted keyframes.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    data.add_parser(commands)
    train.add_parser(commands)
    colorize.add_parser(commands)
    recolor.add_parser(commands)
    memory.add_parser(commands)
    evaluate.add_parser(commands)
    export.add_parser(commands)
    serve.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return run_guarded(args.run, args, parser.prog)


if __name__ == "__main__":
    sys.exit(main())
