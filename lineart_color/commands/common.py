"""What every command shares, and nothing else: argument types, the frame-size limit flag, and
turning user errors and stop signals into one line and an exit code.

User mistakes (UserError) print one line naming the file or flag and exit with code 2;
Ctrl-C exits with 130, SIGTERM and SIGHUP (handled as Ctrl-C is) with 143 and 129.
A leaf: it imports no command, so every command can import it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
import time
from typing import Callable, Sequence

from lineart_color.errors import UserError

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


def _whole_number(text: str, minimum: int, rule: str) -> int:
    """An argparse type's body: `text` as an integer of at least `minimum` (`rule` says so when it is not)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"must be {rule}, got {value}")
    return value


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    return _whole_number(text, 1, "at least 1")


def seed_number(text: str) -> int:
    """argparse type: a random seed, a whole number >= 0 (numpy's generators take no negative seed)."""
    return _whole_number(text, 0, "0 or more")


def non_negative_float(text: str) -> float:
    """argparse type: a number >= 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value >= 0.0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP: handled as Ctrl-C is (partial output removed, training checkpointed)."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


_received: list[int] = []  # stop signals that arrived while a command ran


_handled_at: list[float] = []  # when the Python handler ran for each (time.monotonic)


def _raise_stopped(signum, frame):
    _received.append(signum)
    _handled_at.append(time.monotonic())
    raise Stopped(signum)


STUCK_GRACE = 10.0  # seconds a stop signal may wait for the main thread before the process exits anyway


def _watch_for_stuck_stops(read_end: int, prog: str) -> None:
    """Python runs a signal's handler only between bytecodes of the main thread. Busy inside one long
    library call (TensorFlow building a huge first batch), a process would ignore SIGTERM until the
    call returns. The wakeup fd tells this thread at once; if the handler has not run within
    STUCK_GRACE, the process exits with the signal's code, without clean-up (stale stages are
    cleared by the next run; training resumes from its last checkpoint)."""
    while True:
        try:
            byte = os.read(read_end, 1)
        except OSError:
            return
        if not byte or byte[0] == 0:  # closed, or the context's own "stop watching"
            return
        signum, arrived = byte[0], time.monotonic() - 1.0  # the handler may have run before this read
        if signum not in STOP_SIGNALS:
            continue
        handled = lambda: any(moment >= arrived for moment in _handled_at)
        deadline = time.monotonic() + STUCK_GRACE
        while not handled() and time.monotonic() < deadline:
            time.sleep(0.05)
        if not handled():
            os.write(2, f"{prog}: stopped by {signal.Signals(signum).name} (busy in a library call for "
                        f"{STUCK_GRACE:.0f} s; exiting without clean-up)\n".encode())
            os._exit(128 + signum)


@contextlib.contextmanager
def stop_signals_interrupt(prog: str = "lineart-color"):
    """While a command runs, `kill`, `timeout`, container stops (SIGTERM) and a closed terminal
    (SIGHUP) interrupt it like Ctrl-C, so its clean-up runs; a main thread stuck in one library
    call is stopped all the same (_watch_for_stuck_stops). Only the main thread can set handlers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _received.clear()
    _handled_at.clear()
    previous = {signum: signal.signal(signum, _raise_stopped) for signum in STOP_SIGNALS}
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    previous_fd = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    watcher = threading.Thread(target=_watch_for_stuck_stops, args=(read_end, prog), daemon=True)
    watcher.start()
    try:
        yield
    finally:
        signal.set_wakeup_fd(previous_fd)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        os.write(write_end, b"\0")  # wakes the watcher to end
        watcher.join(timeout=STUCK_GRACE + 1)
        os.close(write_end)
        os.close(read_end)


def add_max_pixels(parser: argparse.ArgumentParser) -> None:
    """--max-pixels: the largest frame a command reads (data.images refuses larger ones from their header)."""
    from lineart_color.data.images import DEFAULT_MAX_PIXELS

    parser.add_argument("--max-pixels", type=positive_int, default=DEFAULT_MAX_PIXELS, metavar="N",
                        help=f"refuse frames above N pixels before decoding them (default {DEFAULT_MAX_PIXELS}, "
                             "8192x8192)")


def apply_max_pixels(args: argparse.Namespace) -> None:
    from lineart_color.data.images import set_pixel_limit

    set_pixel_limit(args.max_pixels)


def run_guarded(command: Callable[[argparse.Namespace], None], args: argparse.Namespace, prog: str) -> int:
    """Run a subcommand, turning user errors and interrupts into one line and an exit code
    (2 for a user error, 130 for Ctrl-C, 128 + the signal for SIGTERM and SIGHUP)."""
    try:
        with stop_signals_interrupt(prog):
            command(args)
    except UserError as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return EXIT_USER_ERROR
    except Stopped as stop:
        print(f"{prog}: stopped by {stop}", file=sys.stderr)
        return 128 + stop.signum
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception:
        if not _received:
            raise
        # The signal's exception surfaced inside a C library (e.g. cairo rendering a drawing),
        # which turned it into its own error; the clean-up has run all the same.
        signum = _received[-1]
        print(f"{prog}: stopped by {signal.Signals(signum).name}", file=sys.stderr)
        return 128 + signum
    return 0


def add_command(commands, name: str, help: str, add_arguments: Callable[[argparse.ArgumentParser], None],
                run: Callable[[argparse.Namespace], None]) -> None:
    """Register a tool as a `lineart-color` subcommand."""
    parser = commands.add_parser(name, help=help)
    add_arguments(parser)
    parser.set_defaults(run=run)


def standalone_main(module: str, doc: str, add_arguments: Callable[[argparse.ArgumentParser], None],
                    run: Callable[[argparse.Namespace], None], argv: Sequence[str] | None = None) -> int:
    """`python -m lineart_color.commands.<module>`: the same tool without the subcommand."""
    parser = argparse.ArgumentParser(prog=f"python -m lineart_color.commands.{module}", description=doc.splitlines()[0])
    add_arguments(parser)
    return run_guarded(run, parser.parse_args(argv), parser.prog)
