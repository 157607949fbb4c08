"""All-or-nothing output folders: parents made, usual permissions, signals and stale stages cleaned."""

import argparse
import os
import signal
import subprocess
import sys
import time

import pytest

from lineart_color.commands.common import run_guarded
from lineart_color.data.staging import staged_output_dir
from lineart_color.errors import UserError


def _leftovers(folder):
    return [path.name for path in folder.iterdir() if ".partial-" in path.name]


def test_missing_parents_are_made_and_the_folder_gets_the_umask_permissions(tmp_path):
    out = tmp_path / "coloured" / "shot_0003"
    with staged_output_dir(out) as stage:
        (stage / "0000.png").write_bytes(b"x")
    assert (out / "0000.png").read_bytes() == b"x"
    mask = os.umask(0)
    os.umask(mask)
    assert out.stat().st_mode & 0o777 == 0o777 & ~mask  # not mkdtemp's 0700


def test_a_symlinked_out_is_refused(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with pytest.raises(UserError, match="symbolic link"):
        with staged_output_dir(tmp_path / "link"):
            pass


def test_stale_stages_of_dead_processes_are_cleared_and_live_ones_kept(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".out.partial-{dead.pid}-abc"
    live = tmp_path / ".out.partial-1-def"  # init is always alive
    other = tmp_path / f".other.partial-{dead.pid}-ghi"  # another OUT's: not ours to judge
    for folder in (stale, live, other):
        folder.mkdir()
    with staged_output_dir(tmp_path / "out"):
        pass
    assert sorted(_leftovers(tmp_path)) == sorted([live.name, other.name])


@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_sigterm_and_sighup_clean_up_as_ctrl_c_does(tmp_path, capsys, signum, code):
    out, before = tmp_path / "out", signal.getsignal(signum)

    def command(args):
        with staged_output_dir(out) as stage:
            (stage / "half.png").write_bytes(b"x")
            os.kill(os.getpid(), signum)
            time.sleep(5)  # the signal interrupts this
            pytest.fail("the signal did not stop the command")

    assert run_guarded(command, argparse.Namespace(), "prog") == code
    assert f"stopped by {signal.Signals(signum).name}" in capsys.readouterr().err
    assert not out.exists() and _leftovers(tmp_path) == []
    assert signal.getsignal(signum) == before  # the command's handler is gone again


def test_a_signal_that_surfaces_as_a_library_s_own_error_still_stops_cleanly(tmp_path, capsys):
    out = tmp_path / "out"

    def command(args):
        with staged_output_dir(out) as stage:
            (stage / "half.png").write_bytes(b"x")
            try:
                os.kill(os.getpid(), signal.SIGHUP)
                time.sleep(5)
            except KeyboardInterrupt:  # as cairo does: its write callback fails, it raises its own error
                raise OSError("cairo returned CAIRO_STATUS_WRITE_ERROR") from None

    assert run_guarded(command, argparse.Namespace(), "prog") == 129
    assert capsys.readouterr().err.strip() == "prog: stopped by SIGHUP"
    assert not out.exists() and _leftovers(tmp_path) == []


def test_a_second_run_to_the_same_out_is_refused_at_once_and_leaves_nothing(tmp_path):
    out = tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", f"""
import sys, time
from lineart_color.data.staging import staged_output_dir
with staged_output_dir({str(out)!r}) as stage:
    (stage / "first.png").write_bytes(b"1")
    print("holding", flush=True)
    sys.stdin.readline()
"""], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "holding"
    with pytest.raises(UserError, match="another run is writing OUT now"):
        with staged_output_dir(out) as stage:
            (stage / "second.png").write_bytes(b"2")
    assert len(_leftovers(tmp_path)) == 1  # the first run's stage only
    holder.communicate("\n", timeout=60)
    assert holder.returncode == 0
    assert sorted(path.name for path in out.iterdir()) == ["first.png"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out"]  # no stage, no lock file left


def test_a_dead_run_s_stage_is_cleared_even_when_out_is_already_full(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "done.png").write_bytes(b"x")
    (tmp_path / f".out.partial-{dead.pid}-abc").mkdir()  # a run that lost a race, then died
    with pytest.raises(UserError, match="already exists and is not empty"):
        with staged_output_dir(tmp_path / "out"):
            pass
    assert _leftovers(tmp_path) == []


def test_a_stop_signal_ends_a_command_stuck_in_one_library_call(tmp_path, monkeypatch):
    """A main thread inside one long C call never runs Python's handler until the call returns: the
    watcher exits the process with the signal's code after the grace period all the same."""
    script = f"""
import argparse, sys
import numpy as np
from lineart_color.commands import common
common.STUCK_GRACE = 1.0
def command(args):
    square = np.ones((3000, 3000))
    print("busy", flush=True)
    np.einsum("ij,jk->ik", square, square, optimize=False)  # a minute in one C loop, no bytecode between
sys.exit(common.run_guarded(command, argparse.Namespace(), "prog"))
"""
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "busy"
    time.sleep(0.5)  # well inside the C loop by now
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 143 and time.monotonic() - started < 30
    assert "prog: stopped by SIGTERM (busy in a library call for 1 s; exiting without clean-up)" in err
