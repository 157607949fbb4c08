"""All-or-nothing output folders: work is written beside OUT and moved into place at the end."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

from lineart_color.errors import UserError


def check_output_dir(out: str | os.PathLike, flag: str = "OUT") -> Path:
    """Refuse an OUT that exists with content, or whose nearest existing ancestor cannot be
    written (missing parent folders are created when the work is done, as users expect)."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UserError(f"{out}: {flag} exists and is not a folder")
    if out.is_symlink():
        raise UserError(f"{out}: {flag} is a symbolic link; give the folder itself")
    if out.is_dir() and any(out.iterdir()):
        raise UserError(f"{out}: {flag} already exists and is not empty; choose a new folder")
    ancestor = nearest_existing(out.absolute().parent)
    if not ancestor.is_dir():
        raise UserError(f"{out}: {flag}'s parent {ancestor} is a file, not a folder")
    if not os.access(ancestor, os.W_OK):
        raise UserError(f"{out}: cannot write to {ancestor}, where {flag} would be made")
    return out


# Faults of the disk under OUT (full, over quota, read-only, failing, file too large): one line, not a traceback.
WRITE_FAULTS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO, errno.EFBIG}
PARTIAL = ".{name}.partial-{pid}-"  # a staging folder's name: OUT's name and the process that owns it


def nearest_existing(path: Path) -> Path:
    """path, or its nearest ancestor that exists: where a folder that is missing would be made."""
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _owner_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def clear_stale_stages(out: Path) -> None:
    """Remove staging folders of OUT left by processes that no longer run (SIGKILL, power loss)."""
    prefix = f".{out.name}.partial-"
    for stage in out.absolute().parent.glob(f"{prefix}*"):
        pid = stage.name[len(prefix):].split("-", 1)[0]
        if stage.is_dir() and not stage.is_symlink() and pid.isdigit() and not _owner_alive(int(pid)):
            shutil.rmtree(stage, ignore_errors=True)


def _make_parents(out: Path, flag: str) -> Path:
    parent = out.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(f"{out}: cannot make {flag}'s parent folder {parent} ({error.strerror})") from None
    return parent


@contextlib.contextmanager
def output_lock(out: Path, flag: str = "OUT") -> Iterator[None]:
    """Hold OUT's lock (a hidden .NAME.lock beside it, removed after) for the block, or refuse at once in
    one line when another run holds it. The lock is the kernel's (flock): it dies with its process."""
    path = out.absolute().parent / f".{out.name}.lock"
    while True:
        try:
            handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise UserError(f"{out}: cannot write beside {flag} ({error.strerror})") from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            raise UserError(f"{out}: another run is writing {flag} now; wait for it to end or choose a new folder") from None
        try:
            if os.stat(path).st_ino == os.fstat(handle).st_ino:
                break
        except FileNotFoundError:
            pass
        os.close(handle)  # the run that held it removed the file meanwhile: lock the file there now
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        os.close(handle)


@contextlib.contextmanager
def staged_output_dir(out: str | os.PathLike, flag: str = "OUT") -> Iterator[Path]:
    """Yield a temporary folder beside OUT; on success it becomes OUT, on any error it is removed.

    So an interrupted or failed command leaves no half-written OUT behind. Missing parent
    folders of OUT are made; the folder gets the usual permissions (umask), not mkdtemp's 0700.
    A second run to the same OUT while one works is refused at once (output_lock), and stages
    that dead runs left are cleared before OUT is judged.
    """
    out = Path(out)
    if out.absolute().parent.is_dir():
        clear_stale_stages(out)
    out = check_output_dir(out, flag)
    parent = _make_parents(out, flag)
    with output_lock(out, flag):
        check_output_dir(out, flag)  # a run that held the lock may have finished OUT meanwhile
        try:
            stage = Path(tempfile.mkdtemp(prefix=PARTIAL.format(name=out.name, pid=os.getpid()), dir=parent))
        except OSError as error:
            raise UserError(f"{out}: cannot write beside {flag} ({error.strerror})") from None
        try:
            stage.chmod(0o777 & ~_umask())
            yield stage
            if out.is_dir():
                out.rmdir()  # empty, checked above
            os.replace(stage, out)
        except OSError as error:
            shutil.rmtree(stage, ignore_errors=True)
            if error.errno in WRITE_FAULTS:
                raise UserError(f"{out}: writing {flag} failed ({error.strerror}); nothing was kept") from None
            if error.errno in (errno.ENOTEMPTY, errno.EEXIST):  # someone wrote OUT by another way meanwhile
                raise UserError(f"{out}: {flag} was filled by something else meanwhile; nothing of this run was kept") from None
            raise
        except BaseException:
            shutil.rmtree(stage, ignore_errors=True)
            raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
