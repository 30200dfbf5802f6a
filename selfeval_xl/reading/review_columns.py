"""The reviewer's entries (复核, SPEC §4.1/§4.4): read the 复核得分 | 复核意见 cells of an existing
评分结果 sheet, match them to the new scorecard's indicator rows by 一级/二级/三级指标, check them,
and compute 复核总分 = Σ(复核得分 where given, else 核定得分).

The cells are carried into the new results sheet exactly as the reviewer left them (a number
stays that number, text stays that text), so they survive any number of reruns; an entry whose
indicator no longer exists is reported and kept on a row of its own, never dropped silently."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from selfeval_xl.errors import Problem
from selfeval_xl.ooxml.package import Book, Grid, open_book
from selfeval_xl.reading import contract as L
from selfeval_xl.reading.headers import find_header
from selfeval_xl.reading.values import cell_text
from selfeval_xl.rounding import fmt_num, round_half_up
from selfeval_xl.scoring.verdict import NEEDS_REVIEW, REVIEW_CODE, REVIEWED

if TYPE_CHECKING:  # scorecard imports reader, which imports this module
    from selfeval_xl.scoring.scorecard import Scorecard, ScoredRow

HEADER_SEARCH_ROWS = 20  # the header sits below a title block of a few rows
SUBTOTAL = "小计"
_STOP_LABELS = {L.R_TOTAL, L.PROBLEM_HEADERS[0]}  # the label block and the problem list end the table
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_CELL_ROW = re.compile(r"[A-Z]+(\d+)")

Key = tuple[str, str, str]


@dataclass(frozen=True)
class ReviewEntry:
    """One row of an old 评分结果 that carries a 复核得分 or a 复核意见: the indicator it
    belongs to and the two cells' values exactly as read (number, text, or None)."""

    level1: str
    level2: str
    name: str
    score: object
    note: object

    @property
    def key(self) -> Key:
        return row_key(self.level1, self.level2, self.name)


@dataclass
class Review:
    """The entries found in one workbook's 评分结果, and (after ``apply_review``) the ones
    whose indicator row no longer exists."""

    entries: list[ReviewEntry] = field(default_factory=list)
    orphans: list[ReviewEntry] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.entries)


def row_key(level1: object, level2: object, name: object) -> Key:
    """How a 复核 entry finds its indicator: the three names as a person would compare them."""
    return (L.canonical_level1(level1), L.normalize_label(level2), L.normalize_label(name))


# --- reading ----------------------------------------------------------------------------------
def read_review_sheet(book: Book) -> Review:
    """The 复核 entries of the workbook's 评分结果 sheet (none when it has no such sheet, or
    one written before the 复核 columns existed). Headers are found by text."""
    if L.SHEET_RESULTS not in book.sheet_names:
        return Review()
    grid = book.sheet(L.SHEET_RESULTS)
    found = find_header(grid, (L.I_LEVEL1, L.I_LEVEL2, L.I_NAME, *L.REVIEW_HEADERS), None, HEADER_SEARCH_ROWS)
    if found is None:
        return Review()
    header_row, cols = found
    entries = []
    last_row = grid.max_row
    for row in range(header_row + 1, last_row + 1):
        first = grid.value(row, 0)
        if L.normalize_label(first) in _STOP_LABELS:
            break
        score, note = (_value(grid, row, cols[h]) for h in L.REVIEW_HEADERS)
        if score is None and note is None:
            continue
        level1, level2, name = (cell_text(grid.value(row, cols[h])) for h in (L.I_LEVEL1, L.I_LEVEL2, L.I_NAME))
        if level2 == SUBTOTAL or not (level1 or name):
            continue
        entries.append(ReviewEntry(level1, level2, name, score, note))
    return Review(entries)


def read_review(path: Path, display: str | None = None) -> Review:
    """The 复核 entries of the 评分结果 in the workbook at ``path`` (for a side file or an
    ``--out-dir`` copy that a reviewer filled in). Raises ``SelfevalError`` when unreadable."""
    return read_review_sheet(open_book(path, display))


def _value(grid: Grid, row: int, col: int) -> object:
    """A cell as the reviewer left it; blank (or only spaces) is None."""
    cell = grid.get(row, col)
    if cell is None:
        return None
    v = cell.value
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if isinstance(v, float) and v.is_integer():
        return int(v)  # written back as 8, not 8.0
    return v


# --- applying -----------------------------------------------------------------------------------
def parse_review_score(value: object) -> float | None:
    """A 复核得分 as a number: a number cell, or text that is only a number (全角 digits and
    spaces allowed); None when it is not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        s = unicodedata.normalize("NFKC", value).strip().replace(" ", "")
        if _NUMBER.fullmatch(s):
            return float(s)
    return None


def apply_review(card: Scorecard, review: Review, cell_of: Callable[[int], str]) -> list[Problem]:
    """Attach ``review`` to ``card``'s records (their ``reviewed``, ``review_note`` and
    ``review_cells``, the two cells as read) and return its problems. ``cell_of(i)`` is the
    复核得分 cell of record ``i`` in the new results sheet (orphans follow the records). Sets
    ``card.reviewed_total`` when at least one 复核得分 is a valid number."""
    by_key: dict[Key, list[int]] = {}
    for i, r in enumerate(card.records):
        by_key.setdefault(row_key(r.level1, r.level2, r.name), []).append(i)
    used: dict[Key, int] = {}
    problems: list[Problem] = []
    file, sheet = card.data.file, L.SHEET_RESULTS
    review.orphans = []
    for entry in review.entries:
        rows, k = by_key.get(entry.key, []), used.get(entry.key, 0)
        if k >= len(rows):  # the indicator is gone (renamed or deleted) since the last scoring
            review.orphans.append(entry)
            where = cell_of(len(card.records) + len(review.orphans) - 1)
            what = "／".join(x for x in (entry.level1, entry.level2, entry.name) if x)
            problems.append(Problem.at(file, sheet, where, "review-orphan", indicator=what))
            continue
        used[entry.key] = k + 1
        i = rows[k]
        r = card.records[i]
        r.review_cells = (entry.score, entry.note)
        r.review_note = None if entry.note is None else cell_text(entry.note)
        if entry.score is None:
            continue
        number = parse_review_score(entry.score)
        points = r.points
        if number is None:
            problems.append(Problem.at(file, sheet, cell_of(i), "review-not-a-number", value=cell_text(entry.score)))
        elif number < 0 or (not math.isnan(points) and number > points + 1e-9):
            problems.append(
                Problem.at(
                    file, sheet, cell_of(i), "review-out-of-range", value=fmt_num(number), points=fmt_num(points)
                )
            )
        else:
            r.reviewed = round_half_up(number)
    card.reviewed_total = reviewed_total(card.records, card.rules.total_points)
    return problems


def settle_review(card: Scorecard) -> None:
    """The verdict after a review (SPEC §3.12, §4.4): a row that awaited judgment and now has a
    valid 复核得分 has been judged, so its ``needs-review`` warning goes; the file is
    ``reviewed`` only when no row still awaits judgment (else it stays ``needs-review``, its
    grade provisional on the 复核总分)."""
    judged = {r.row for r in card.records if r.reviewed is not None}
    sheet = card.data.sheet(L.SHEET_INDICATORS)

    def judged_now(p: Problem) -> bool:
        m = _CELL_ROW.fullmatch(p.where.cell or "")
        return p.code == REVIEW_CODE and p.where.sheet == sheet and m is not None and int(m.group(1)) in judged

    card.problems = [p for p in card.problems if not judged_now(p)]
    card.settle()
    if card.status == REVIEWED and any(p.code == REVIEW_CODE for p in card.problems):
        card.status = NEEDS_REVIEW


def reviewed_total(records: list[ScoredRow], full_points: float) -> float | None:
    """复核总分 = Σ(复核得分 where given, else 核定得分), each row already rounded (SPEC §3.8);
    None when no row has a valid 复核得分. Rows left out of the 核定总分 (not applicable, no
    score) stay out, and the sum is rescaled to the full points as the 核定总分 is."""
    if not any(r.reviewed is not None for r in records):
        return None
    kept = [r for r in records if r.reviewed is not None or not _nan(r.score)]
    scored = sum(r.reviewed if r.reviewed is not None else r.score for r in kept)
    if len(kept) == len(records):
        return round_half_up(scored)
    applicable = sum(r.points for r in kept if not _nan(r.points))
    return round_half_up(scored * full_points / applicable) if applicable > 0 else 0.0


def _nan(x: object) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))
