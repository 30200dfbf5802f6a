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


# A small launcher forks the command and reports its rusage from os.wait4. Measured straight
# from the test process, a child's peak would include the test process's own memory at the
# moment of fork (Linux keeps the pre-exec high-water mark), which grows as the suite runs.
_LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as fh:
    fh.write(str(usage.ru_maxrss))
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
"""


def run_measured(args: list[str], timeout: float = 60, **kwargs) -> Run:  # type: ignore[no-untyped-def]
    """Run ``args`` (a new process group), kill the whole group past ``timeout`` and fail;
    the peak is this command's (and its workers') alone."""
    import shutil
    import tempfile

    exe = shutil.which(args[0]) or args[0]
    with (
        open(os.devnull, "rb") as stdin,
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile("r", suffix=".peak") as peak,
    ):
        launch = [sys.executable, "-c", _LAUNCHER, peak.name, exe, *args[1:]]
        proc = subprocess.Popen(launch, stdin=stdin, stdout=out, stderr=err, start_new_session=True, **kwargs)
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
        with open(peak.name) as fh:
            peak_kb = int(fh.read() or 0)
        return Run(proc.returncode, out.read().decode(), err.read().decode(), peak_kb / 1024)


def selfeval(*args: str) -> list[str]:
    return [sys.executable, "-m", "selfeval_xl", *args]
