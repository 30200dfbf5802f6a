"""Scoring many files: score each one (catching per file, never stopping), write it back, and
summarise the batch, in this process or a pool of workers.

``FileOutcome``, ``Scored``, ``Tally`` (``outcome``) and ``find_workbooks`` (``discover``) are
re-exported here for callers of the batch API."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from selfeval_xl._fs import commit, new_temp, remove_stale, shown
from selfeval_xl.discover import find_files, find_workbooks, is_candidate
from selfeval_xl.duplicates import Duplicates
from selfeval_xl.errors import Problem, RuleSetError, SelfevalError
from selfeval_xl.outcome import FileOutcome, Scored, Tally
from selfeval_xl.outputs.previous_year import PreviousYear
from selfeval_xl.outputs.summary import SummaryWriter, render
from selfeval_xl.outputs.writeback import result_path, write_back
from selfeval_xl.pool import supervised
from selfeval_xl.reading import contract as L
from selfeval_xl.reading.layouts import LAYOUT_NAMES, read_workbook
from selfeval_xl.reading.review_columns import read_review
from selfeval_xl.reading.workbook_data import WorkbookData
from selfeval_xl.rules.ruleset import RuleSet, bundled, load_rules
from selfeval_xl.scoring.scorer import PROBLEM_SHEET_ORDER, score


class RuleBook:
    """The rule set for each file (each loaded once)."""

    def __init__(self, rules: RuleSet | None = None):
        self.fixed = rules
        self._cache: dict[str, RuleSet] = {}
        self._ids = bundled()

    def for_data(self, data: WorkbookData) -> RuleSet:
        """--rules if given; else the bundled rule set the template was made with (``_meta``
        ruleset_id); else the bundled default for the workbook's kind."""
        if self.fixed is not None:
            return self.fixed
        made_with = data.meta.get("ruleset_id", "")
        key = made_with if made_with in self._ids else data.kind or L.KIND_PROJECT
        if key not in self._cache:
            self._cache[key] = load_rules(self._ids[key]) if key in self._ids else load_rules(None, key)
        return self._cache[key]


def score_file(
    path: Path,
    display: str | None = None,
    rulebook: RuleBook | None = None,
    debug: bool = False,
    layout: str = "auto",
    review_from: Path | None = None,
) -> FileOutcome:
    """Read and score one file; an unreadable file becomes an outcome with ``error``. A bug of
    ours met in one file is reported for that file (``internal-error``) and the batch goes on;
    ``debug`` lets it raise with its traceback instead. ``review_from``: the file the results
    will be written to, when that is not ``path`` (a side file, an ``--out-dir`` copy); its
    复核 entries count when ``path`` itself has none."""
    rulebook = rulebook or RuleBook()
    display = display or path.name
    try:
        return _score_file(path, display, rulebook, layout, review_from)
    except MemoryError:  # past a worker's memory budget (pool.MEMORY_BYTES)
        problem = Problem.at(display, None, None, "too-large", detail="处理时内存超出限制")
        return FileOutcome(path, display, error=problem)
    except Exception as exc:
        if debug:
            raise
        return FileOutcome(
            path,
            display,
            error=Problem.at(display, None, None, "internal-error", detail=f"{type(exc).__name__}: {exc}"[:200]),
        )


LAYOUTS = LAYOUT_NAMES  # auto | template | form (--layout)


def _score_file(
    path: Path, display: str, rulebook: RuleBook, layout: str = "auto", review_from: Path | None = None
) -> FileOutcome:
    try:
        data = read_workbook(path, display, layout)
        if data is None:  # one of our own summaries, put in the folder under another name
            return FileOutcome(path, display, skipped=True)
        if not data.review and review_from is not None and review_from != path and review_from.exists():
            try:
                data.review = read_review(review_from, display)
            except SelfevalError as exc:  # it will be replaced: say that its entries are lost
                data.problems.append(
                    Problem.at(
                        display, None, None, "review-unreadable", target=review_from.name, detail=exc.problem.message
                    )
                )
        try:
            rules = rulebook.for_data(data)
        except RuleSetError as exc:
            return FileOutcome(
                path,
                display,
                error=Problem.at(
                    display, data.sheet(L.SHEET_INFO), data.info_cells.get(L.INFO_KIND), "no-ruleset", detail=str(exc)
                ),
            )
        if data.kind and data.kind != rules.kind:
            data.add(
                L.SHEET_INFO,
                data.info_cells.get(L.INFO_KIND),
                "kind-mismatch",
                value=data.kind,
                ruleset=rules.name,
                expected=rules.kind,
            )
        return FileOutcome(path, display, card=score(data, rules))
    except SelfevalError as exc:
        return FileOutcome(path, display, error=exc.problem)


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
    rulebook = RuleBook(rules)
    files = find_workbooks(paths)
    if isolate and not debug and files:
        jobs = max(1, min(os.cpu_count() or 1, len(files) // FILES_PER_WORKER))

        def process(path: Path, display: str) -> FileOutcome:
            return score_file(path, display, rulebook, debug, layout).slim()

        yield from supervised(files, jobs, process)
        return
    for path, display in files:
        yield score_file(path, display, rulebook, debug, layout)


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
    options = dataclasses.replace(options, previous=None)  # last year's table stays here, not in the workers
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
            summary.call(
                "add",
                outcome.as_dict(indicators=outcome.rendered is None),
                result.subtotals if result else [],
                result.grade_labels if result else (),
                outcome.written or outcome.path,
                outcome.rendered,
                outcome.as_dict,  # the indicators too, for rows past Excel's last (the CSV)
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
        for path, display in others:
            tally.add_other()
            summary.call("add_other", display, path.suffix)
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


FILES_PER_WORKER = 8  # below this many files per process, a pool costs more than it saves


def _outcomes(
    files: list[tuple[Path, str]], options: BatchOptions, extra: dict[str, Problem] | None = None
) -> Iterator[FileOutcome]:
    """Slim outcomes in file order: in this process, or from supervised workers (each file
    under a time and memory budget, a dying worker replaced; see ``pool``). ``extra``: a
    problem only the whole run could find (a duplicate), by file, added to its scorecard."""
    jobs = max(1, min(options.jobs or os.cpu_count() or 1, len(files) // FILES_PER_WORKER))
    rulebook = RuleBook(options.rules)
    if options.debug or not files or (jobs == 1 and not options.isolate):
        for path, display in files:
            yield _process(path, display, rulebook, options, extra)
        return
    yield from supervised(files, jobs, functools.partial(_process, rulebook=rulebook, options=options, extra=extra))


def _process(
    path: Path, display: str, rulebook: RuleBook, options: BatchOptions, extra: dict[str, Problem] | None = None
) -> FileOutcome:
    review_from = result_path(path, display, options.out_dir) if options.write_back else None
    outcome = score_file(path, display, rulebook, options.debug, options.layout, review_from)
    card = outcome.card
    if extra and display in extra and card is not None:
        card.problems = sorted([*card.problems, extra[display]], key=lambda p: p.sort_key(PROBLEM_SHEET_ORDER))
        card.settle()
    if options.write_back and outcome.card is not None:
        try:
            outcome.written, outcome.write_problem = write_back(
                outcome.card, path, display, options.scored_at, options.out_dir
            )
        except MemoryError:  # past the worker's memory budget: the file is untouched (atomic)
            outcome.write_problem = Problem.at(
                display, None, None, "write-failed", target=shown(path.name), detail="内存超出限制"
            )
        except Exception as exc:  # a bug of ours: the file is untouched (atomic), the batch goes on
            if options.debug:
                raise
            detail = f"{type(exc).__name__}: {exc}"[:200]
            outcome.write_problem = Problem.at(display, None, None, "internal-error", detail=detail)
    outcome.slim()
    if options.render_summary and not outcome.skipped:
        outcome.rendered = render(outcome.as_dict())
    return outcome


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
