"""Where the time of one `selfeval score` goes, phase by phase (issue 17). Prints numbers;
asserts nothing.

    python benchmarks/bench_phases.py --n 100 [--made-by office]

Runs `selfeval score --jobs 1 --debug` in this process (no worker pool, so that every phase
is seen) on the same workbooks `bench_pipeline.py` makes (``--rows``: ≈ that many indicator rows
each instead of ≈60), with each phase's function wrapped
in a CPU-time counter (``time.process_time``: less disturbed than wall time when other work
shares the cores). Phases nest (the indented ones are part of the line above), so the
column does not add up to the total. The worker pool itself costs what
`bench_pipeline.py`'s --jobs 1 figure adds to this one (and `--pool` below measures a pool
round trip with no work).

``--split`` also runs the whole pipeline, unwrapped, on workbooks of ≈10 and ≈120 indicator rows
and solves CPU = fixed + rows × per-row: what a workbook costs however short, and what each
indicator row adds (at ≈60 rows the two were about even: the fixed cost is half the work)."""

from __future__ import annotations

import argparse
import collections
import contextlib
import functools
import importlib
import io
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

# (module, attribute, label): the label's indent says which phase it is part of
PHASES = (
    ("selfeval_xl.reading.layouts", "read_workbook", "read"),
    ("selfeval_xl.ooxml.package", "open_book", "  open the zip, workbook, styles, shared strings"),
    ("selfeval_xl.ooxml.xlsx_book", "XlsxBook._sheet", "  parse sheets into grids"),
    ("selfeval_xl.reading.indicator_table", "read_indicator_table", "  indicator rows (without the parse)"),
    ("selfeval_xl.reading.values", "parse_value", "    parse_value"),
    ("selfeval_xl.reading.review_columns", "read_review_sheet", "  review columns of an earlier 评分结果"),
    ("selfeval_xl.file_scoring", "score", "score"),
    ("selfeval_xl.outputs.writeback", "write_back", "write back"),
    ("selfeval_xl.outputs.writeback", "results_sheet", "  results sheet content"),
    ("selfeval_xl.outputs.results_sheet", "_lay_out", "    widths, heights, page setup"),
    ("selfeval_xl.outputs.writeback", "_results_sheet_name", "  is a 评分结果 ours (ownership)"),
    ("selfeval_xl.ooxml.sheet_writer", "put_sheet", "  sheet and bookkeeping parts"),
    ("selfeval_xl.ooxml.sheet_xml", "sheet_xml", "    sheet XML"),
    ("selfeval_xl.ooxml.styles", "StyleSheet.id", "    styles interned"),
    ("selfeval_xl.ooxml.zip_package", "Package.save", "  zip copy"),
    ("selfeval_xl.file_scoring", "render", "summary rows rendered (worker side)"),
    ("selfeval_xl.outputs.summary", "SummaryWriter.add", "summary: add a workbook (parent side)"),
    ("selfeval_xl.outputs.summary", "SummaryWriter.close", "summary: write the workbook at the end"),
)


def _wrap(spent: dict[str, float], calls: collections.Counter, module: str, attr: str, label: str) -> None:
    owner = importlib.import_module(module)
    *path, name = attr.split(".")
    for part in path:
        owner = getattr(owner, part)
    fn = getattr(owner, name)

    @functools.wraps(fn)
    def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
        t = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[label] += time.process_time() - t
            calls[label] += 1

    setattr(owner, name, timed)
    if not path:  # a module-level function: also where other modules imported it by name
        for mod in list(sys.modules.values()):
            if getattr(mod, "__name__", "").startswith("selfeval_xl") and getattr(mod, name, None) is fn:
                setattr(mod, name, timed)


def pool_round_trip(n: int = 1000) -> float:
    """ms per file for the supervised pool at --jobs 1 with no work at all (fork, pipe, pickle)."""
    from selfeval_xl.outcome import FileOutcome
    from selfeval_xl.pool import supervised

    files = [(Path(f"/nonexistent/{i}.xlsx"), f"{i}.xlsx") for i in range(n)]
    t = time.perf_counter()
    for _ in supervised(files, 1, lambda p, d: FileOutcome(p, d, skipped=True)):
        pass
    return (time.perf_counter() - t) / n * 1000


def run_cpu(files: list[Path], summary: Path, rounds: int = 3) -> float:
    """Best-of-``rounds`` CPU seconds of an in-process ``selfeval score --jobs 1`` over copies of
    ``files`` (scoring writes into them)."""
    from selfeval_xl.cli import cli

    best = float("inf")
    for k in range(rounds):
        work = summary.parent / f"round{k}"
        shutil.copytree(files[0].parent, work)
        t = time.process_time()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            with contextlib.suppress(SystemExit):
                cli(["score", str(work), "--summary", str(summary), "--jobs", "1", "--debug"], prog_name="selfeval")
        best = min(best, time.process_time() - t)
        shutil.rmtree(work)
    return best


def split(n: int, made_by: str) -> None:
    """Print the fixed CPU per workbook and the CPU per indicator row (two row counts, a line)."""
    from bench_pipeline import make_inputs

    from selfeval_xl.reading.layouts import read_workbook

    points = []
    with tempfile.TemporaryDirectory() as tmp:
        for rows in (10, 120):
            files = make_inputs(Path(tmp) / f"in{rows}", n, made_by, rows=rows)
            found = sum(len(read_workbook(f).records) for f in files) / len(files)
            points.append((found, run_cpu(files, Path(tmp) / f"汇总{rows}.xlsx") / len(files) * 1000))
    (r1, c1), (r2, c2) = points
    per_row = (c2 - c1) / (r2 - r1)
    print(
        f"split: {c1:.2f} ms/wb at {r1:.0f} rows, {c2:.2f} at {r2:.0f} → fixed {c1 - per_row * r1:.2f} ms per "
        f"workbook + {per_row * 1000:.0f} µs per indicator row"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100, help="number of workbooks (default 100)")
    ap.add_argument("--made-by", choices=("openpyxl", "xlsxwriter", "office"), default="openpyxl")
    ap.add_argument("--rows", type=int, default=60, help="≈ indicator rows per workbook (default 60)")
    ap.add_argument("--pool", action="store_true", help="also time a pool round trip with no work")
    ap.add_argument("--split", action="store_true", help="also split CPU into per workbook and per row")
    args = ap.parse_args()

    t = time.process_time()
    from selfeval_xl.cli import cli

    imported = time.process_time() - t
    from bench_pipeline import make_inputs

    if args.split:  # (before the phases are wrapped)
        split(args.n, args.made_by)

    spent: dict[str, float] = collections.defaultdict(float)
    calls: collections.Counter = collections.Counter()
    for module, _, _ in PHASES:
        importlib.import_module(module)  # all loaded first, so that every importer is patched
    for module, attr, label in PHASES:
        _wrap(spent, calls, module, attr, label)
    with tempfile.TemporaryDirectory() as tmp:
        files = make_inputs(Path(tmp) / "in", args.n, args.made_by, rows=args.rows)
        t = time.process_time()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            with contextlib.suppress(SystemExit):
                cli(
                    ["score", str(files[0].parent), "--summary", f"{tmp}/汇总.xlsx", "--jobs", "1", "--debug"],
                    prog_name="selfeval",
                )
        total = time.process_time() - t
    n = len(files)
    print(
        f"inputs written by {args.made_by}: {n} workbooks; CPU ms per workbook (import {imported * 1000:.0f} ms once)"
    )
    print(f"{'whole run, in process':<52}{total / n * 1000:8.2f}")
    for _, _, label in PHASES:
        if calls[label]:
            print(f"{label:<52}{spent[label] / n * 1000:8.2f}   ({calls[label]} calls)")
    if args.pool:
        print(f"{'pool round trip, no work (wall)':<52}{pool_round_trip():8.2f}")


if __name__ == "__main__":
    main()
