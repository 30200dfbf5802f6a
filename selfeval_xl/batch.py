"""Scoring many files: find the workbooks, score each one, catch per file, never stop."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from . import layout as L
from .errors import Problem, RuleSetError, SelfevalError
from .reader import read_workbook
from .rules import RuleSet, load_rules
from .scoring import Scorecard, score
from .xlsx import WORKBOOK_EXTENSIONS

RESULT_SUFFIX = ".评分结果.xlsx"
SUMMARY_NAME = "汇总.xlsx"


@dataclass
class FileOutcome:
    """One file's result: a scorecard, or the reason it could not be scored."""

    path: Path
    display: str
    card: Scorecard | None = None
    error: Problem | None = None

    @property
    def problems(self) -> list[Problem]:
        if self.error is not None:
            return [self.error]
        return self.card.problems if self.card else []

    @property
    def has_errors(self) -> bool:
        return self.error is not None or any(p.is_error for p in self.problems)


def is_candidate(path: Path) -> bool:
    """A workbook to score: not a lock file, hidden file, temp file or one of our outputs."""
    name = path.name
    return (
        path.suffix.lower() in WORKBOOK_EXTENSIONS
        and not name.startswith(("~$", "."))
        and not name.endswith(RESULT_SUFFIX)
        and name != SUMMARY_NAME
    )


def find_workbooks(paths: Iterable[Path]) -> list[tuple[Path, str]]:
    """Files to score with their display names (relative to the folder they were found in)."""
    found: list[tuple[Path, str]] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                rel = f.relative_to(p)
                if any(part.startswith(".") for part in rel.parts[:-1]):
                    continue
                if f.is_file() and is_candidate(f):
                    found.append((f, rel.as_posix()))
        else:
            found.append((p, p.name))
    return found


class RuleBook:
    """The rule set for each file: the one given with --rules, else the bundled one for the
    workbook's kind (loaded once)."""

    def __init__(self, rules: RuleSet | None = None):
        self.fixed = rules
        self._cache: dict[str, RuleSet] = {}

    def for_kind(self, kind: str | None) -> RuleSet:
        if self.fixed is not None:
            return self.fixed
        kind = kind or L.KIND_PROJECT
        if kind not in self._cache:
            self._cache[kind] = load_rules(None, kind)
        return self._cache[kind]


def score_file(path: Path, display: str | None = None, rulebook: RuleBook | None = None) -> FileOutcome:
    """Read and score one file; an unreadable file becomes an outcome with ``error``."""
    rulebook = rulebook or RuleBook()
    display = display or path.name
    try:
        data = read_workbook(path, display)
        try:
            rules = rulebook.for_kind(data.kind)
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


def score_paths(paths: Iterable[Path], rules: RuleSet | None = None) -> Iterator[FileOutcome]:
    """Score every workbook under ``paths``, one outcome per file, in a stable order."""
    rulebook = RuleBook(rules)
    for path, display in find_workbooks(paths):
        yield score_file(path, display, rulebook)
