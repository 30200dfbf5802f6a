"""The benchmark script keeps working (tiny N; it prints figures, nothing is asserted about time)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def bench(script: str, *args: str) -> str:
    """What ``benchmarks/<script>`` prints, run on tiny inputs (a failed run fails the test)."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return done.stdout


def test_bench_pipeline_runs_and_prints_every_figure():
    out = bench("bench_pipeline.py", "--n", "20", "--peer-n", "4", "--made-by", "openpyxl", "--rounds", "2")
    for label in (
        "floor (inflate)",
        "floor (inflate + parse)",
        "read + validate + score",
        "openpyxl pipeline (peer)",
        "start-up: selfeval --version",
        "selfeval score --jobs 1",
        "selfeval score --jobs 2",
        "selfeval score again -j 1",
        "per core:",
        "== summary",
        "projection: 100,000 workbooks on 16 cores",
    ):
        assert label in out, label
    assert "× floor+parse" in out and "× faster than openpyxl" in out and "peak RSS" in out
    assert "all processes" in out and "the --jobs 1 run's for the same work" in out
    assert "best of 2 interleaved rounds" in out


def test_bench_phases_finds_every_phase_it_times():
    """Each phase it wraps still exists (a renamed function fails here, not in a reader's hands)
    and is called on a real run."""
    out = bench("bench_phases.py", "--n", "3", "--made-by", "openpyxl", "--split")
    for label in ("whole run, in process", "read", "score", "write back", "summary: write the workbook at the end"):
        assert label in out, label
    # the split's two row counts are the ones asked for (a sample keeps at least its own rows)
    found = re.search(r"split: [\d.]+ ms/wb at (\d+) rows, [\d.]+ at (\d+) → fixed -?[\d.]+ ms per workbook", out)
    assert found is not None, out
    assert int(found.group(1)) < 20 and 110 <= int(found.group(2)) <= 130


def test_bench_instructions_counts_a_worker_per_workbook():
    """The instruction count (valgrind) runs on the benchmark's workbooks and prints a count per
    workbook for this checkout (a broken worker snippet would exit with valgrind's stderr)."""
    if shutil.which("valgrind") is None:
        pytest.skip("valgrind is not installed")
    out = bench("bench_instructions.py", "--k", "1", "--made-by", "openpyxl")
    found = re.search(r"openpyxl\s+\S+\s+([\d.]+) M instructions per workbook", out)
    assert found is not None, out
    assert float(found.group(1)) > 1  # a workbook read, scored and written back is millions of instructions
