"""What scoring one file gives a batch: ``FileOutcome`` (a scorecard, or why there is none),
its picklable summary ``Scored``, and the ``Tally`` a batch keeps instead of the outcomes."""

from __future__ import annotations

import pickle
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
        )

    def all_problems(self) -> list[Problem]:
        """The problems (unpacked here if they came packed)."""
        if self.problems is None:
            self.problems = pickle.loads(self._packed_problems) if self._packed_problems else []
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

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        obj = self.obj
        if obj is not None and self._packed is None and obj["indicators"]:
            # the problems go as ``problems`` (FileOutcome.as_dict makes their dicts again)
            state["obj"] = {k: v for k, v in obj.items() if k not in ("indicators", "problems")}
            state["_packed"] = pickle.dumps(obj["indicators"], protocol=pickle.HIGHEST_PROTOCOL)
        if self.problems:
            state["problems"] = None
            state["_packed_problems"] = pickle.dumps(self.problems, protocol=pickle.HIGHEST_PROTOCOL)
        return state


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

    def as_dict(self, indicators: bool = True, problems: bool = True) -> dict[str, Any]:
        """The JSON object of SPEC §4.3 (all keys present, null for an unscored file); without
        ``indicators`` (a summary that has them rendered already), no ``indicators`` key;
        without ``problems`` (ditto), ``problems`` only for an unscored file."""
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
        return obj

    @property
    def has_errors(self) -> bool:
        return self.counts()[0] > 0


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
    others: int = 0  # files in a scored folder that are not workbooks (listed, not scored)

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

    def add_other(self) -> None:
        self.files += 1
        self.others += 1

    @property
    def unreadable(self) -> int:
        return self.files - self.scored - self.others
