"""Scoring many files: score each one (catching per file, never stopping), write it back, and
summarise the batch, in this process or a pool of workers.

The front door of ``selfeval score``: finding the files, the summary, the counts. The engine
that scores one file (``file_scoring``: reading, scoring, write-back, rule sets, the worker
pool) loads only once there is a file to score, so an empty folder and every command's start-up
do without it.

``FileOutcome``, ``Scored``, ``Tally`` (``outcome``), ``find_workbooks`` (``discover``) and
``RuleBook``, ``score_file`` (``file_scoring``, on first use) are re-exported here for callers
of the batch API."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import importlib
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from selfeval_xl._fs import commit, new_temp, remove_stale
from selfeval_xl.discover import find_files, find_workbooks, is_candidate
from selfeval_xl.duplicates import Duplicates
from selfeval_xl.errors import Problem
from selfeval_xl.outcome import FileOutcome, Scored, Tally
from selfeval_xl.outputs.result_files import result_path
from selfeval_xl.outputs.summary import SummaryWriter

if TYPE_CHECKING:
    from selfeval_xl.file_scoring import RuleBook, score_file
    from selfeval_xl.outputs.previous_year import PreviousYear
    from selfeval_xl.rules.ruleset import RuleSet


def score_paths(
    paths: Iterable[Path],
    rules: RuleSet | None = None,
    debug: bool = False,
    layout: str = "auto",
    isolate: bool = False,
) -> Iterator[FileOutcome]:
    """Score every workbook under ``paths``, one outcome per file, in a stable order (nothing
    is written). Duplicates across the files are for the caller to find (``Duplicates``).
    ``isolate``: in supervised worker processes, each file under the time and memory budget
    (outcomes then come slim: their scorecards summarised)."""
    files = find_workbooks(paths)
    if files:
        from selfeval_xl.file_scoring import score_each  # the engine, once there is a file (as ``_outcomes``)

        yield from score_each(files, rules, debug, layout, isolate)


def scored_at_now() -> str:
    """评分时间 for the results: now, or ``SOURCE_DATE_EPOCH`` for reproducible output."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch and epoch.isdigit() else dt.datetime.now()
    return when.strftime("%Y-%m-%d %H:%M")


@dataclass
class BatchOptions:
    """What ``selfeval score`` does besides scoring."""

    write_back: bool = True
    out_dir: Path | None = None
    summary: Path | None = None  # None: no summary workbook
    rules: RuleSet | None = None
    scored_at: str = field(default_factory=scored_at_now)
    jobs: int = 1  # worker processes; 0 = one per core
    render_summary: bool = False  # set by run_batch: workers pre-render the summary's long rows
    debug: bool = False  # let internal errors raise (with a traceback) instead of reporting them
    layout: str = "auto"  # auto | template | form
    isolate: bool = False  # score in supervised worker processes even for few files (the CLI does)
    previous: PreviousYear | None = None  # last year's summary (--previous), for the summary only
    refused: tuple[Problem, ...] = ()  # files sent but refused before the batch (the page's uploads): 未评分文件


@dataclass
class BatchResult:
    tally: Tally
    summary: Path | None  # None when none was asked for or it could not be written
    detail_csv: Path | None = None
    duplicates: dict[str, Problem] = field(default_factory=dict)  # file → its duplicate warning
    others: list[str] = field(default_factory=list)  # files in the folders that are not workbooks
    summary_error: OSError | None = None  # why the summary could not be written


def run_batch(
    paths: Iterable[Path],
    options: BatchOptions,
    on_start: Callable[[int], None] | None = None,
    on_outcome: Callable[[FileOutcome], None] | None = None,
) -> BatchResult:
    """Score, write back and summarise every workbook under ``paths``, with ``options.jobs``
    worker processes. Each file is written atomically as soon as it is scored; outcomes arrive
    in file order and are summarised and dropped one by one, so memory does not grow with the
    number of files; the summary appears only when the whole batch is done (an interrupted batch
    leaves no summary and no half-written file)."""
    paths = list(paths)
    exclude = [p for p in (options.out_dir, options.summary) if p is not None]
    files, others = find_files(paths, exclude)
    # where this run writes: temp files a killed run of ours left there are removed first
    folders = {path.parent for path, _ in files}
    if options.out_dir is not None:
        folders |= {result_path(path, display, options.out_dir).parent for path, display in files}
    if options.summary is not None:
        folders.add(options.summary.parent)
    remove_stale(folders)
    if on_start:
        on_start(len(files))
    tally = Tally()
    duplicates = Duplicates()
    found: dict[str, Problem] = {}
    unwritten: set[str] = set()
    summary = _Summary(options.summary, options.previous)
    if summary.writer is not None:
        options = dataclasses.replace(options, render_summary=True)
    refused = options.refused
    # last year's table and the refused uploads stay here, not in the workers
    options = dataclasses.replace(options, previous=None, refused=())
    try:
        for outcome in _outcomes(files, options):
            if on_outcome:
                on_outcome(outcome)
            if outcome.skipped:
                continue
            tally.add(outcome)
            result = outcome.result
            if result is not None:
                duplicates.add(result.identity, outcome.display, outcome.path)
            if outcome.write_problem is not None and outcome.written is None:
                unwritten.add(outcome.display)  # not to be written later either (counted as such)
            rendered = outcome.rendered is not None  # (its rows: what the JSON's lists are needed for)
            summary.call(
                "add",
                outcome.as_dict(indicators=not rendered, problems=not rendered, for_summary=True),
                result.subtotals if result else [],
                result.grade_labels if result else (),
                outcome.written or outcome.path,
                outcome.rendered,
                outcome.as_dict,  # the indicators too, for rows past Excel's last (the CSV)
                outcome.counts(),
            )
            outcome.rendered = None
            if result is not None:
                result.obj = None
        again: list[tuple[Path, str]] = []
        for display, (path, problem) in duplicates.problems().items():
            found[display] = problem
            summary.call("add_problem", problem)
            if options.write_back and display not in unwritten:
                again.append((path, display))
        # each duplicate's 评分结果 is written again to say so, in the workers as before
        for _ in _outcomes(again, dataclasses.replace(options, render_summary=False), found):
            pass
        for _, display in others:
            tally.add_other(display)
            summary.call("add_other", display)
        for problem in refused:
            summary.call("add_unscored", problem)
        summary.close()
    except BaseException:
        summary.abort()
        raise
    finally:
        remove_stale(folders)  # a worker of this run ended mid-write (over its budget)
    done = summary.error is None and options.summary is not None
    return BatchResult(
        tally,
        options.summary if done else None,
        summary.csv_path if done else None,
        found,
        [display for _, display in others],
        summary_error=summary.error,
    )


class _Summary:
    """The summary being written, or why it cannot be (a full disk, a read-only folder): then
    it is given up, its temp parts removed, and the batch goes on scoring and writing back."""

    def __init__(self, path: Path | None, previous: PreviousYear | None = None):
        self.path = path
        self.writer: SummaryWriter | None = None
        self.tmp: Path | None = None
        self.error: OSError | None = None
        self.csv_path: Path | None = None
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.tmp = new_temp(path)
            self.writer = SummaryWriter(self.tmp, path, previous)
        except OSError as exc:
            self.fail(exc)

    def call(self, method: str, *args: object) -> None:
        if self.writer is not None:
            try:
                getattr(self.writer, method)(*args)
            except OSError as exc:
                self.fail(exc)

    def close(self) -> None:
        if self.writer is not None and self.tmp is not None and self.path is not None:
            try:
                self.writer.close()
                commit(self.tmp, self.path)
                self.csv_path = self.writer.csv_path
            except OSError as exc:
                if self.writer.csv_path is not None:  # moved into place before the summary failed
                    self.writer.csv_path.unlink(missing_ok=True)
                self.fail(exc)

    def fail(self, exc: OSError) -> None:
        self.error = exc
        self.abort()

    def abort(self) -> None:
        if self.writer is not None:
            with contextlib.suppress(OSError):
                self.writer.abort()
            self.writer = None
        if self.tmp is not None:
            with contextlib.suppress(OSError):
                self.tmp.unlink()
            self.tmp = None


def _outcomes(
    files: list[tuple[Path, str]], options: BatchOptions, extra: dict[str, Problem] | None = None
) -> Iterator[FileOutcome]:
    """``file_scoring.outcomes``: each file scored, written back and its summary rows rendered."""
    if not files:
        return
    # here, not at the top: the engine (reading, scoring, write-back, rule sets, the worker pool)
    # loads once there is a file to score, not for an empty folder or a command's start-up
    from selfeval_xl.file_scoring import outcomes

    yield from outcomes(files, options, extra)


__all__ = [
    "BatchOptions",
    "BatchResult",
    "FileOutcome",
    "RuleBook",
    "Scored",
    "Tally",
    "find_workbooks",
    "is_candidate",
    "run_batch",
    "score_file",
    "score_paths",
]


def __getattr__(name: str) -> Any:
    """``RuleBook`` and ``score_file``, the batch API's per-file half, from ``file_scoring`` on
    first use (importing them here would load the engine with the front door)."""
    if name in ("RuleBook", "score_file"):
        return getattr(importlib.import_module("selfeval_xl.file_scoring"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
