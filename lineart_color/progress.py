"""A small progress bar on stderr: redrawn in place on a terminal; in logs, a line per tenth
at most every few seconds, at least every minute, and the last one always."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Count work done towards a total (None when unknown), with a rate and optional figures.

        with Progress(len(shots), "shots") as progress:
            for shot in shots:
                ...
                progress.advance()
    """

    LOG_GAP = 5.0  # seconds between log lines at least (but the last one)
    LOG_HEARTBEAT = 60.0  # seconds between log lines at most

    def __init__(self, total: int | None, unit: str, stream: TextIO | None = None, width: int = 30,
                 unknown_every: int = 100, clock=time.monotonic, start: int = 0):
        """`start`: units already done before (a resumed run counts on from its step, "5/6", not "1/2")."""
        self.total = None if total is None else max(int(total), 1)
        self.unit, self.width, self.unknown_every = unit, width, unknown_every
        self.stream = stream if stream is not None else sys.stderr
        self.done = self.start = int(start)
        self.clock = clock
        self.started = clock()
        self._interactive = getattr(self.stream, "isatty", lambda: False)()
        self._last_tenth = -1
        self._last_line = None  # when the last log line was written

    def advance(self, count: int = 1, **figures: float) -> None:
        self.done += count
        if self.total is None:
            tenth = self.done // self.unknown_every  # in logs: a line every `unknown_every` units
        else:
            self.done = min(self.done, self.total)
            tenth = self.done * 10 // self.total
        if self._interactive:
            self.stream.write("\r" + self._line(figures))
            self._last_tenth = tenth
        elif self._log_now(tenth):
            self.stream.write(self._line(figures) + "\n")
            self._last_tenth, self._last_line = tenth, self.clock()
        self.stream.flush()

    def _log_now(self, tenth: int) -> bool:
        """In a log: the first and the last update, a new tenth when LOG_GAP has passed, or LOG_HEARTBEAT."""
        if self._last_line is None or self.done == self.total:
            return True
        waited = self.clock() - self._last_line
        return (tenth != self._last_tenth and waited >= self.LOG_GAP) or waited >= self.LOG_HEARTBEAT

    def _line(self, figures: dict[str, float]) -> str:
        elapsed = max(self.clock() - self.started, 1e-9)
        extra = "".join(f" {name}={value:.4g}" for name, value in figures.items())
        if self.total is None:
            return f"{self.done} {self.unit} {(self.done - self.start) / elapsed:.2f}/s{extra}"
        filled = self.width * self.done // self.total
        bar = "#" * filled + "." * (self.width - filled)
        return f"[{bar}] {self.done}/{self.total} {self.unit} {(self.done - self.start) / elapsed:.2f}/s{extra}"

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc_info) -> None:
        if self._interactive:
            self.stream.write("\n")
            self.stream.flush()
