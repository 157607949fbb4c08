"""A small progress bar on stderr: redrawn in place on a terminal, a line per tenth in logs."""

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

    def __init__(self, total: int | None, unit: str, stream: TextIO | None = None, width: int = 30,
                 unknown_every: int = 100):
        self.total = None if total is None else max(int(total), 1)
        self.unit, self.width, self.unknown_every = unit, width, unknown_every
        self.stream = stream if stream is not None else sys.stderr
        self.done = 0
        self.started = time.monotonic()
        self._interactive = getattr(self.stream, "isatty", lambda: False)()
        self._last_tenth = -1

    def advance(self, count: int = 1, **figures: float) -> None:
        self.done += count
        if self.total is None:
            tenth = self.done // self.unknown_every  # in logs: a line every `unknown_every` units
        else:
            self.done = min(self.done, self.total)
            tenth = self.done * 10 // self.total
        if self._interactive:
            self.stream.write("\r" + self._line(figures))
        elif tenth != self._last_tenth:
            self.stream.write(self._line(figures) + "\n")
        self._last_tenth = tenth
        self.stream.flush()

    def _line(self, figures: dict[str, float]) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        extra = "".join(f" {name}={value:.4g}" for name, value in figures.items())
        if self.total is None:
            return f"{self.done} {self.unit} {self.done / elapsed:.2f}/s{extra}"
        filled = self.width * self.done // self.total
        bar = "#" * filled + "." * (self.width - filled)
        return f"[{bar}] {self.done}/{self.total} {self.unit} {self.done / elapsed:.2f}/s{extra}"

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc_info) -> None:
        if self._interactive:
            self.stream.write("\n")
            self.stream.flush()
