"""What scoring one file gives a batch: ``FileOutcome`` (a scorecard, or why there is none),
its picklable summary ``Scored``, and the ``Tally`` a batch keeps instead of the outcomes."""

from __future__ import annotations

import functools
import pickle
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from selfeval_xl._fs import shown
from selfeval_xl.duplicates import Identity, Where, identity
from selfeval_xl.errors import HasProblems, Problem
from selfeval_xl.scoring.verdict import is_ranked

if TYPE_CHECKING:
    from selfeval_xl.outputs.summary import Rendered
    from selfeval_xl.scoring.scorecard import Scorecard, ScorecardJson


@dataclass
class Scored:
    """What a batch keeps of a scorecard: small and picklable (no workbook data, no frames),
    so it can come back from a worker process and be dropped once summarised.

    Pickled (from a worker to the batch), the JSON object's indicators and the problems travel
    as packed blobs, unpacked only when asked for (``json()``, ``all_problems()``: ``--json``,
    ``--verbose`` and the web page do; the console lines, the counts and the summary, whose
    rows the worker rendered, do not, ``n_errors`` and ``n_problems`` count them): ~60 small
    dicts a workbook were a third of the batch's per-file work, a file's problems up to as much
    again."""

    total: float
    grade: str | None  # None for needs-correction and blank (SPEC §3.12)
    claimed_total: float | None
    grade_labels: tuple[str, ...]
    subtotals: list[tuple[str, float, float]]
    problems: list[Problem] | None  # None while packed (``all_problems()`` unpacks them)
    obj: ScorecardJson | None  # the SPEC §4.3 JSON object (None once summarised)
    status: str = ""  # a ``verdict`` status
    reviewed_total: float | None = None
    identity: tuple[Identity, Where] | None = None  # which submission this is (duplicates)
    n_rows: int = 0  # its indicator rows (what an outcome waiting in the pool weighs)
    n_errors: int = 0  # of its problems, errors
    n_problems: int = 0
    # the positions in ``obj["indicators"]`` of the rows with an input error, whose 得分差异 is
    # none (``Scorecard.errored``): not in the JSON, which has no such key; the summary's
    # 指标明细 is told by ``FileOutcome.as_dict(for_summary=True)``
    errored: tuple[int, ...] = ()
    _packed: bytes | None = field(default=None, repr=False, compare=False)  # obj's indicators, pickled
    _packed_problems: bytes | None = field(default=None, repr=False, compare=False)

    @classmethod
    def of(cls, card: Scorecard) -> Scored:
        return cls(
            card.total,
            card.grade,
            card.claimed_total,
            card.rules.grade_labels,
            card.subtotals,
            card.problems,
            card.as_dict(),
            card.status,
            card.reviewed_total,
            identity(card),
            len(card.records),
            sum(p.is_error for p in card.problems),
            len(card.problems),
            tuple(i for i, r in enumerate(card.records) if r.row in card.errored) if card.errored else (),
        )

    def all_problems(self) -> list[Problem]:
        """The problems (unpacked here if they came packed)."""
        if self.problems is None:
            packed = self._packed_problems
            self.problems = [Problem.from_flat(flat) for flat in pickle.loads(packed)] if packed else []
            self._packed_problems = None
        return self.problems

    def json(self) -> ScorecardJson | None:
        """The JSON object with its indicators (unpacked here if they came packed)."""
        if self._packed is not None and self.obj is not None:
            self.obj["indicators"] = pickle.loads(self._packed)
            self._packed = None
        return self.obj

    def head(self) -> dict[str, Any] | None:
        """The JSON object's keys but its indicators (as they are: no unpacking)."""
        if self.obj is None:
            return None
        return {k: v for k, v in self.obj.items() if k != "indicators"}

    def __reduce__(self) -> tuple[Any, ...]:
        return (_scored_from_wire, self.wire())

    def wire(self) -> tuple[Any, ...]:
        """This summary as one flat tuple of plain values (``_scored_from_wire`` makes it again):
        pickled as itself, field names, the JSON object's usual keys and the classes of its
        parts would travel, and be looked up and set one by one, with every file."""
        obj: Mapping[str, Any] | None = self.obj
        packed, problems, packed_problems = self._packed, self.problems, self._packed_problems
        if obj is not None and packed is None and obj["indicators"]:
            # the problems go as ``problems`` (FileOutcome.as_dict makes their dicts again)
            packed = pickle.dumps(obj["indicators"], protocol=pickle.HIGHEST_PROTOCOL)
            obj = {k: v for k, v in obj.items() if k not in ("indicators", "problems")}
        if problems:
            packed_problems = pickle.dumps([p.flat() for p in problems], protocol=pickle.HIGHEST_PROTOCOL)
            problems = None
        identity = self.identity
        return (
            self.total,
            self.grade,
            self.claimed_total,
            self.grade_labels,
            self.subtotals,
            problems,
            _obj_to_wire(obj),
            self.status,
            self.reviewed_total,
            None if identity is None else (identity[0], identity[1].sheet, identity[1].cell),
            self.n_rows,
            self.n_errors,
            self.n_problems,
            self.errored,
            packed,
            packed_problems,
        )


@functools.cache
def _wire_keys() -> tuple[tuple[str, ...], int, tuple[str, ...]]:
    """The keys of a scored file's JSON object without its indicators and problems, where its
    budget is among them, and the budget's keys, in the order ``Scorecard.as_dict`` makes
    them: sent as their values alone."""
    from selfeval_xl.scoring.scorecard import BudgetJson, ScorecardJson  # loaded with the engine

    head = tuple(k for k in ScorecardJson.__annotations__ if k not in ("indicators", "problems"))
    return head, head.index("budget"), tuple(BudgetJson.__annotations__)


def _obj_to_wire(obj: Mapping[str, Any] | None) -> Any:
    if obj is None:
        return None
    head, at, budget_keys = _wire_keys()
    if tuple(obj) != head:
        return obj  # as it is (one with its indicators still in)
    values = list(obj.values())
    budget = values[at]
    if isinstance(budget, dict) and tuple(budget) == budget_keys:
        values[at] = tuple(budget.values())
    return tuple(values)


def _obj_from_wire(wire: Any) -> Any:
    if not isinstance(wire, tuple):
        return wire
    head, at, budget_keys = _wire_keys()
    obj = dict(zip(head, wire))  # noqa: B905 - made from the same keys (_obj_to_wire)
    if isinstance(wire[at], tuple):
        obj["budget"] = dict(zip(budget_keys, wire[at]))  # noqa: B905
    return obj


def _scored_from_wire(
    total: float,
    grade: str | None,
    claimed_total: float | None,
    grade_labels: tuple[str, ...],
    subtotals: list[tuple[str, float, float]],
    problems: list[Problem] | None,
    obj: Any,
    status: str,
    reviewed_total: float | None,
    found: tuple[Identity, str | None, str | None] | None,
    n_rows: int,
    n_errors: int,
    n_problems: int,
    errored: tuple[int, ...],
    packed: bytes | None,
    packed_problems: bytes | None,
) -> Scored:
    return Scored(
        total,
        grade,
        claimed_total,
        grade_labels,
        subtotals,
        problems,
        _obj_from_wire(obj),
        status,
        reviewed_total,
        None if found is None else (found[0], Where(found[1], found[2])),
        n_rows,
        n_errors,
        n_problems,
        errored,
        packed,
        packed_problems,
    )


@dataclass
class FileOutcome(HasProblems):
    """One file's result: a scorecard, or the reason it could not be scored. In a batch the
    scorecard itself is replaced by its ``Scored`` summary."""

    path: Path
    display: str
    card: Scorecard | None = None
    error: Problem | None = None
    written: Path | None = None  # the file that received the 评分结果 sheet
    write_problem: Problem | None = None  # why it was not written (locked, write failed)
    skipped: bool = False  # one of our own summaries, found in the input folder
    scored: Scored | None = None
    rendered: Rendered | None = None  # its summary rows, made in the worker process

    def __reduce__(self) -> tuple[Any, ...]:
        """From a worker (slim): one flat tuple, the path as text and ``written`` as ``True``
        when it is the file itself (the usual write-back), so no path's parts travel twice."""
        if self.card is not None:  # a whole scorecard (never sent by the batch): as it is
            return (_outcome_from_state, (self.__dict__.copy(),))
        written, scored, rendered = self.written, self.scored, self.rendered
        return (
            _outcome_from_wire,
            (
                str(self.path),
                self.display,
                True if written == self.path else None if written is None else str(written),
                self.error,
                self.write_problem,
                self.skipped,
                None if scored is None else scored.wire(),
                None if rendered is None else (*map(tuple, rendered[:2]), *rendered[2:]),
            ),
        )

    @property
    def result(self) -> Scored | None:
        if self.scored is None and self.card is not None:
            self.scored = Scored.of(self.card)
        return self.scored

    def slim(self) -> FileOutcome:
        """Drop the scorecard, keep its summary (what crosses a process boundary)."""
        self.result  # noqa: B018 - computes and keeps the summary
        self.card = None
        return self

    @property
    def problems(self) -> list[Problem]:
        if self.error is not None:
            found = [self.error]
        elif self.card is not None:
            found = self.card.problems
        else:
            found = self.scored.all_problems() if self.scored else []
        return found + ([self.write_problem] if self.write_problem else [])

    def counts(self) -> tuple[int, int]:
        """(errors, warnings) among ``problems``, without unpacking a summary's."""
        if self.error is not None or self.card is not None or self.scored is None:
            found = self.problems
            errors = sum(p.is_error for p in found)
            return errors, len(found) - errors
        extra = self.write_problem
        errors = self.scored.n_errors + (extra is not None and extra.is_error)
        return errors, self.scored.n_problems + (extra is not None) - errors

    def as_dict(self, indicators: bool = True, problems: bool = True, for_summary: bool = False) -> dict[str, Any]:
        """The JSON object of SPEC §4.3 (all keys present, null for an unscored file); without
        ``indicators`` (a summary that has them rendered already), no ``indicators`` key;
        without ``problems`` (ditto), ``problems`` only for an unscored file. ``for_summary``:
        for the summary's rows (never printed), with ``ERRORED_KEY``, the rows whose 得分差异 is
        none, where there are any."""
        result = self.result
        head = result.head() if result is not None and not indicators else None
        if head is not None:
            obj: dict[str, Any] = head
            obj["file"] = self.display
        elif result is not None and result.obj is not None:
            obj = dict(result.json() or {})
            obj["file"] = self.display
        else:
            from selfeval_xl.scoring.scorecard import unscored_json  # loaded with the engine

            obj = dict(unscored_json(self.display))
            if not indicators:
                del obj["indicators"]
        if problems or result is None:
            obj["problems"] = [p.as_dict() for p in self.problems]
        if for_summary and result is not None and result.errored:
            from selfeval_xl.scoring.scorecard import ERRORED_KEY

            obj[ERRORED_KEY] = result.errored
        return obj

    @property
    def has_errors(self) -> bool:
        return self.counts()[0] > 0


def _outcome_from_state(state: dict[str, Any]) -> FileOutcome:
    outcome = FileOutcome.__new__(FileOutcome)
    outcome.__dict__.update(state)
    return outcome


def _outcome_from_wire(
    path: str,
    display: str,
    written: bool | str | None,
    error: Problem | None,
    write_problem: Problem | None,
    skipped: bool,
    scored: tuple[Any, ...] | None,
    rendered: tuple[Any, ...] | None,
) -> FileOutcome:
    file = Path(path)
    if rendered is not None:  # made by a worker that rendered the summary's rows: loaded here
        from selfeval_xl.ooxml.deflate_pieces import Piece
        from selfeval_xl.outputs.summary_rows import Rendered

        rendered = Rendered(Piece(*rendered[0]), Piece(*rendered[1]), rendered[2], rendered[3])
    return FileOutcome(
        file,
        display,
        None,
        error,
        file if written is True else Path(written) if isinstance(written, str) else None,
        write_problem,
        skipped,
        None if scored is None else _scored_from_wire(*scored),
        rendered,
    )


@dataclass
class Tally:
    """Counts over a batch, kept instead of the outcomes themselves (memory stays flat)."""

    files: int = 0
    scored: int = 0
    with_errors: list[str] = field(default_factory=list)
    written: int = 0
    not_written: int = 0
    side_files: list[str] = field(default_factory=list)  # results written beside a non-.xlsx input
    statuses: dict[str, int] = field(default_factory=dict)  # verdict status → files
    grades: dict[str, int] = field(default_factory=dict)  # graded and ranked files only
    grade_order: tuple[str, ...] = ()
    others: int = 0  # files in a scored folder listed, not scored (not workbooks; results files alone)
    other_names: list[str] = field(default_factory=list)  # their names, for the closing line's counts

    def add(self, o: FileOutcome) -> None:
        self.files += 1
        if o.has_errors:
            self.with_errors.append(o.display)
        self.written += o.written is not None
        if o.written is not None and o.written.suffix.lower() == ".xlsx" and o.path.suffix.lower() != ".xlsx":
            self.side_files.append(shown(o.written.name))
        self.not_written += o.write_problem is not None and o.written is None
        result = o.result
        if result is not None:
            self.scored += 1
            self.statuses[result.status] = self.statuses.get(result.status, 0) + 1
            self.grade_order = self.grade_order or result.grade_labels
            if is_ranked(result.status) and result.grade is not None:
                self.grades[result.grade] = self.grades.get(result.grade, 0) + 1

    def add_other(self, display: str) -> None:
        self.files += 1
        self.others += 1
        self.other_names.append(display)

    @property
    def unreadable(self) -> int:
        return self.files - self.scored - self.others
