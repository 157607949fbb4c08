"""`lineart-color`: one console script, a subcommand per tool.

User mistakes (UserError) print one line naming the file or flag and exit with code 2;
Ctrl-C exits with 130. Each subcommand's module registers its own parser.
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable, Sequence

from lineart_color import __version__
from lineart_color.errors import UserError

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def non_negative_float(text: str) -> float:
    """argparse type: a number >= 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value >= 0.0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def run_guarded(command: Callable[[argparse.Namespace], None], args: argparse.Namespace, prog: str) -> int:
    """Run a subcommand, turning user errors and interrupts into one line and an exit code."""
    try:
        command(args)
    except UserError as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return 0


def add_command(commands, name: str, help: str, add_arguments: Callable[[argparse.ArgumentParser], None],
                run: Callable[[argparse.Namespace], None]) -> None:
    """Register a tool as a `lineart-color` subcommand."""
    parser = commands.add_parser(name, help=help)
    add_arguments(parser)
    parser.set_defaults(run=run)


def standalone_main(module: str, doc: str, add_arguments: Callable[[argparse.ArgumentParser], None],
                    run: Callable[[argparse.Namespace], None], argv: Sequence[str] | None = None) -> int:
    """`python -m lineart_color.<module>`: the same tool without the subcommand."""
    parser = argparse.ArgumentParser(prog=f"python -m lineart_color.{module}", description=doc.splitlines()[0])
    add_arguments(parser)
    return run_guarded(run, parser.parse_args(argv), parser.prog)


def build_parser() -> argparse.ArgumentParser:
    from lineart_color import colorize, evaluate, train
    from lineart_color import export, serve
    from lineart_color.data import cli as data_cli

    parser = argparse.ArgumentParser(
        prog="lineart-color",
        description="Colour line-art animation from a few painted keyframes.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    data_cli.add_parser(commands)
    train.add_parser(commands)
    colorize.add_parser(commands)
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
