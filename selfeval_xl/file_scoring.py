"""Scoring one file of a batch: the rule set for it (``RuleBook``), reading and scoring it
(``score_file``), and what a batch does with each file (score, write back, render its summary
rows), in this process or in supervised workers (``outcomes``).

This is the engine the front door (``batch``, ``selfeval score``) loads once it has a file to
score: the reading, scoring and write-back stack, the rule-set parser and the worker pool."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from selfeval_xl._fs import shown
from selfeval_xl.errors import Problem, RuleSetError, SelfevalError
from selfeval_xl.outcome import FileOutcome
from selfeval_xl.outputs.result_files import result_path
from selfeval_xl.outputs.summary import render
from selfeval_xl.outputs.writeback import write_back
from selfeval_xl.pool import supervised
from selfeval_xl.reading import contract as L
from selfeval_xl.reading.layouts import read_workbook
from selfeval_xl.reading.review_columns import read_review
from selfeval_xl.reading.workbook_data import WorkbookData
from selfeval_xl.rules.ruleset import RuleSet, bundled, load_rules
from selfeval_xl.scoring.scorer import PROBLEM_SHEET_ORDER, score

if TYPE_CHECKING:
    from selfeval_xl.batch import BatchOptions


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
    keep_package: bool = False,
) -> FileOutcome:
    """Read and score one file; an unreadable file becomes an outcome with ``error``. A bug of
    ours met in one file is reported for that file (``internal-error``) and the batch goes on;
    ``debug`` lets it raise with its traceback instead. ``review_from``: the file the results
    will be written to, when that is not ``path`` (a side file, an ``--out-dir`` copy); its
    复核 entries count when ``path`` itself has none. ``keep_package``: the file as read stays
    with the scorecard's data for the write-back (``read_workbook``)."""
    rulebook = rulebook or RuleBook()
    display = display or path.name
    try:
        return _score_file(path, display, rulebook, layout, review_from, keep_package)
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


def _score_file(
    path: Path,
    display: str,
    rulebook: RuleBook,
    layout: str = "auto",
    review_from: Path | None = None,
    keep_package: bool = False,
) -> FileOutcome:
    try:
        data = read_workbook(path, display, layout, keep_package)
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


def _process(
    path: Path, display: str, rulebook: RuleBook, options: BatchOptions, extra: dict[str, Problem] | None = None
) -> FileOutcome:
    review_from = result_path(path, display, options.out_dir) if options.write_back else None
    # written back, the file is copied from the reading of it that was scored (one reading)
    outcome = score_file(path, display, rulebook, options.debug, options.layout, review_from, options.write_back)
    card = outcome.card
    if extra and display in extra and card is not None:
        card.problems = sorted([*card.problems, extra[display]], key=lambda p: p.sort_key(PROBLEM_SHEET_ORDER))
        card.settle()
    if options.write_back and card is not None:
        try:
            outcome.written, outcome.write_problem = write_back(card, path, display, options.scored_at, options.out_dir)
        except MemoryError:  # past the worker's memory budget: the file is untouched (atomic)
            outcome.write_problem = Problem.at(
                display, None, None, "write-failed", target=shown(path.name), detail="内存超出限制"
            )
        except Exception as exc:  # a bug of ours: the file is untouched (atomic), the batch goes on
            if options.debug:
                raise
            detail = f"{type(exc).__name__}: {exc}"[:200]
            outcome.write_problem = Problem.at(display, None, None, "internal-error", detail=detail)
    if card is not None:
        card.data.package = None  # (the file's bytes: not kept past its write-back)
    outcome.slim()
    if options.render_summary and not outcome.skipped:
        outcome.rendered = render(outcome.as_dict(for_summary=True))
    return outcome


FILES_PER_WORKER = 8  # below this many files per process, a pool costs more than it saves


def score_each(
    files: list[tuple[Path, str]], rules: RuleSet | None, debug: bool, layout: str, isolate: bool
) -> Iterator[FileOutcome]:
    """What ``batch.score_paths`` yields for the files it found: one outcome per file, in
    order, nothing written; ``isolate``: in supervised workers, outcomes slim."""
    rulebook = RuleBook(rules)
    if isolate and not debug and files:
        jobs = max(1, min(os.cpu_count() or 1, len(files) // FILES_PER_WORKER))

        def process(path: Path, display: str) -> FileOutcome:
            return score_file(path, display, rulebook, debug, layout).slim()

        yield from supervised(files, jobs, process)
        return
    for path, display in files:
        yield score_file(path, display, rulebook, debug, layout)


def outcomes(
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
