"""Run a command as a child with a time limit, and measure that child's own peak memory."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    peak_mb: float  # the child's own peak RSS (not every child the test process ever waited for)


def run_measured(args: list[str], timeout: float = 60, **kwargs) -> Run:  # type: ignore[no-untyped-def]
    """Run ``args`` (a new process group), kill the whole group past ``timeout`` and fail;
    ``os.wait4`` gives this child's rusage alone."""
    with (
        open(os.devnull, "rb") as stdin,
        __import__("tempfile").TemporaryFile() as out,
        __import__("tempfile").TemporaryFile() as err,
    ):
        proc = subprocess.Popen(args, stdin=stdin, stdout=out, stderr=err, start_new_session=True, **kwargs)
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                os.killpg(proc.pid, signal.SIGKILL)
                os.wait4(proc.pid, 0)
                raise AssertionError(f"{args[:4]} still running after {timeout} s")
            time.sleep(0.02)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(proc.returncode, out.read().decode(), err.read().decode(), usage.ru_maxrss / 1024)


def selfeval(*args: str) -> list[str]:
    return [sys.executable, "-m", "selfeval_xl", *args]
