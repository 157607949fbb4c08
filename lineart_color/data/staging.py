"""All-or-nothing output folders: work is written beside OUT and moved into place at the end."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

from lineart_color.errors import UserError


def check_output_dir(out: str | os.PathLike, flag: str = "OUT") -> Path:
    """Refuse an OUT that exists with content or whose parent cannot be written."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UserError(f"{out}: {flag} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()):
        raise UserError(f"{out}: {flag} already exists and is not empty; choose a new folder")
    parent = out.resolve().parent
    if parent.exists() and not parent.is_dir():
        raise UserError(f"{out}: {flag}'s parent {parent} is a file, not a folder")
    if not parent.is_dir():
        raise UserError(f"{out}: {flag}'s parent folder {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise UserError(f"{out}: cannot write to {flag}'s parent folder {parent}")
    return out


@contextlib.contextmanager
def staged_output_dir(out: str | os.PathLike, flag: str = "OUT") -> Iterator[Path]:
    """Yield a temporary folder beside OUT; on success it becomes OUT, on any error it is removed.

    So an interrupted or failed command leaves no half-written OUT behind.
    """
    out = check_output_dir(out, flag)
    try:
        stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.resolve().parent))
    except OSError as error:
        raise UserError(f"{out}: cannot write beside {flag} ({error.strerror})") from None
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    if out.is_dir():
        out.rmdir()  # empty, checked above
    os.replace(stage, out)
