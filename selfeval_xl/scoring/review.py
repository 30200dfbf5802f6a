"""Applying a reviewer's entries (复核, SPEC §4.1/§4.4): match the 复核得分 | 复核意见 read from an
earlier 评分结果 to the new scorecard's indicator rows by 一级/二级/三级指标, check them, and compute
复核总分 = Σ(复核得分 where given, else 核定得分). An entry whose indicator no longer exists is
reported and kept on a row of its own, never dropped silently."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from selfeval_xl.errors import Problem
from selfeval_xl.ooxml.grid import split_cell
from selfeval_xl.ooxml.sheet_xml import clean_text
from selfeval_xl.reading import contract as L
from selfeval_xl.reading.review_columns import Key, Review, ReviewEntry, row_key
from selfeval_xl.reading.values import cell_text, normalize_text, parse_points
from selfeval_xl.rounding import fmt_num, round_half_up
from selfeval_xl.scoring.context import level1_sums
from selfeval_xl.scoring.plan import M_NA
from selfeval_xl.scoring.verdict import AWAITING_NOTE, NEEDS_REVIEW, REVIEW_CODE, REVIEWED

if TYPE_CHECKING:  # scorecard imports the scorer's modules
    from selfeval_xl.scoring.scorecard import Scorecard, ScoredRow


def parse_review_score(value: object) -> float | None:
    """A 复核得分 as a number, read as a 申报得分 is (``parse_points``): a number cell, or text
    such as ``8``, ``8分``, ``８分``, ``8.5 分``, after dropping one leading ``=`` (the = sign typed
    before a number, or a formula with no saved result as the formula bar shows it, SPEC §3.13);
    None when it is no score (``约8分``, ``8分以上``, ``8%``, ``八分``, a 是/否 cell)."""
    if isinstance(value, str):
        value = normalize_text(value).removeprefix("=")
    try:
        return parse_points(value)
    except ValueError:
        return None


def apply_review(card: Scorecard, review: Review, cell_of: Callable[[int], str]) -> list[Problem]:
    """Attach ``review`` to ``card``'s records (their ``reviewed``, ``review_note`` and
    ``review_cells``, the two cells as read) and return its problems. ``cell_of(i)`` is the
    复核得分 cell of record ``i`` in the new results sheet (orphans follow the records). Sets
    ``card.reviewed_total`` when at least one 复核得分 is a valid number."""
    problems: list[Problem] = []
    file, sheet = card.data.file, L.SHEET_RESULTS
    review.orphans = []
    for i, entry in _matched(card, review):
        if i is None:  # the indicator is gone (renamed or deleted) since the last scoring
            review.orphans.append(entry)
            where = cell_of(len(card.records) + len(review.orphans) - 1)
            what = "／".join(x for x in (entry.level1, entry.level2, entry.name) if x)
            problems.append(Problem.at(file, sheet, where, "review-orphan", indicator=what))
            continue
        r = card.records[i]
        r.review_cells = (entry.score, entry.note)
        r.review_note = None if entry.note is None else cell_text(entry.note)
        if entry.score is None:
            continue
        number = parse_review_score(entry.score)
        points = r.points
        # compared as it counts and shows, rounded to 2 decimals (10.004 on a 10-point row is
        # 10.00, within its points; 10.005 is 10.01, over them)
        if number is None:
            problems.append(Problem.at(file, sheet, cell_of(i), "review-not-a-number", value=cell_text(entry.score)))
        elif (shown := round_half_up(number)) < 0 or (not math.isnan(points) and shown > round_half_up(points) + 1e-9):
            problems.append(
                Problem.at(
                    file, sheet, cell_of(i), "review-out-of-range", value=fmt_num(number), points=fmt_num(points)
                )
            )
        else:
            r.reviewed = shown
            if r.method == M_NA:  # left out of the 核定总分; the reviewer judged it applicable
                problems.append(_brought_back(r, file, cell_of(i)))
            if (changes := _changed_since(entry, r)) is not None:
                problems.append(
                    Problem.at(file, sheet, cell_of(i), "review-changed", changes=changes, score=cell_text(entry.score))
                )
    card.reviewed_total = reviewed_total(card.records, card.rules.total_points)
    return problems


def _brought_back(r: ScoredRow, file: str, cell: str) -> Problem:
    """A 复核得分 on a not-applicable row (marked “/”, 不适用 …, or a 共性 row whose data are
    0 ÷ 0): the reviewer judged the indicator applicable (a unit may mark a failed indicator “/”
    to escape its deduction), so it counts in the 复核总分 with its 分值; said at the entry and in
    the row's 评分说明, which keeps what it said (the 核定总分 still leaves the row out)."""
    score, points = fmt_num(r.reviewed), fmt_num(r.points)
    if not r.note.endswith(REVIEW_BACK_END):
        r.note = f"{r.note}；复核得分 {score}{REVIEW_BACK_END}"
    return Problem.at(file, L.SHEET_RESULTS, cell, "review-not-applicable", score=score, points=points)


# how a not-applicable row's 评分说明 ends when a reviewer scored it
REVIEW_BACK_END = "，计入复核总分"


def _changed_since(entry: ReviewEntry, r: ScoredRow) -> str | None:
    """What the unit changed in the row since the reviewer judged it: its 指标值, 实际完成值 and
    分值 as the sheet the entry was typed into showed them against those the new sheet shows
    (spaces and full-width forms aside), said as “实际完成值“80%”改为“95%””; None when nothing
    changed or the sheet did not show them."""
    if entry.seen is None:
        return None
    target, actual, points = entry.seen
    said = [
        f"{header}“{old}”改为“{new}”"
        for header, old, new in ((L.I_TARGET, target, r.target_text), (L.I_ACTUAL, actual, r.actual_text))
        if normalize_text(old) != normalize_text(clean_text(new))
    ]
    if points is not None and not math.isnan(r.points) and abs(points - r.points) > 1e-9:
        said.append(f"{L.I_POINTS}“{fmt_num(points)}”改为“{fmt_num(r.points)}”")
    return "，".join(said) or None


def other_year_review(card: Scorecard, review: Review) -> Problem:
    """The warning for entries written for another 评价年度 than the workbook's (last year's file
    reused): not applied, not carried; said at the results sheet's title line, which names the
    year."""
    return Problem.at(
        card.data.file,
        L.SHEET_RESULTS,
        f"A{L.RESULT_TITLE_ROWS}",
        "review-other-year",
        old=review.year,
        year=card.data.year,
        n=len(review.entries),
    )


def dropped_review(card: Scorecard, review: Review) -> Problem:
    """The warning for what a reviewer typed outside the 复核 cells of indicator rows (a 小计
    row's, a column the user added): the results sheet is written anew without it; said at the
    first such cell, naming a few."""
    cells = review.dropped
    shown = "、".join(cells[:5]) + (" 等" if len(cells) > 5 else "")
    return Problem.at(card.data.file, L.SHEET_RESULTS, cells[0], "review-dropped", cells=shown, n=len(cells))


def carry_review(card: Scorecard, review: Review) -> None:
    """An unfilled form's entries (its 实际完成值 cleared after a review): kept on their rows
    (or rows of their own) as they were typed, so that they are written back and count again
    once the form is filled; nothing is checked or counted, and the file stays 未填写."""
    review.orphans = []
    for i, entry in _matched(card, review):
        if i is None:
            review.orphans.append(entry)
        else:
            card.records[i].review_cells = (entry.score, entry.note)


def _matched(card: Scorecard, review: Review) -> Iterator[tuple[int | None, ReviewEntry]]:
    """Each entry with the index of the record it belongs to, by 一级/二级/三级指标; None when
    there is no such row (left). Of rows sharing those names, an entry goes first to the one that
    shows what the entry's sheet showed beside it (指标值, 实际完成值, 分值: the reviewer may have
    sorted 评分结果, the unit reordered its rows), the rest the n-th entry to the n-th free row."""
    by_key: dict[Key, list[int]] = {}
    for i, r in enumerate(card.records):
        by_key.setdefault(row_key(r.level1, r.level2, r.name), []).append(i)
    place: dict[int, int] = {}  # entry → record
    taken: set[int] = set()
    for n, entry in enumerate(review.entries):
        rows = by_key.get(entry.key, [])
        if len(rows) > 1 and entry.seen is not None:
            same = next((i for i in rows if i not in taken and _changed_since(entry, card.records[i]) is None), None)
            if same is not None:
                place[n] = same
                taken.add(same)
    for n, entry in enumerate(review.entries):
        if n not in place:
            free = next((i for i in by_key.get(entry.key, []) if i not in taken), None)
            if free is None:
                yield None, entry
                continue
            place[n] = free
            taken.add(free)
        yield place[n], entry


def settle_review(card: Scorecard) -> None:
    """The verdict after a review (SPEC §3.12, §4.4): a row that awaited judgment and now has a
    valid 复核得分 has been judged, so its ``needs-review`` warning goes; the file is
    ``reviewed`` only when no row still awaits judgment (else it stays ``needs-review``, its
    grade provisional on the 复核总分)."""
    judged = {r.row for r in card.records if r.reviewed is not None}
    sheet = card.data.sheet(L.SHEET_INDICATORS)

    def judged_now(p: Problem) -> bool:
        at = split_cell(p.where.cell)
        return p.code == REVIEW_CODE and p.where.sheet == sheet and at is not None and at[1] in judged

    card.problems = [p for p in card.problems if not judged_now(p)]
    for r in card.records:
        if r.reviewed is not None and r.note.startswith(AWAITING_NOTE):
            # its 评分说明 no longer says it awaits a reviewer: what it said stays, as before the review
            r.note = f"已复核，复核得分 {fmt_num(r.reviewed)}；复核前：{r.note[len(AWAITING_NOTE) :]}"
    card.settle()
    if card.status == REVIEWED and any(p.code == REVIEW_CODE for p in card.problems):
        card.status = NEEDS_REVIEW


def reviewed_total(records: list[ScoredRow], full_points: float) -> float | None:
    """复核总分 = Σ(复核得分 where given, else 核定得分), each row already rounded (SPEC §3.8);
    None when no row has a valid 复核得分. A row left out of the 核定总分 (not applicable, no
    score) stays out unless a reviewer scored it: then it counts, its 分值 too (the reviewer judged
    it applicable); with rows still left out the sum is rescaled to the full points as the
    核定总分 is (Σ × 100 ÷ Σ 分值 of the rows counted)."""
    if not any(r.reviewed is not None for r in records):
        return None
    kept = [r for r in records if r.reviewed is not None or not _nan(r.score)]
    scored = sum(r.reviewed if r.reviewed is not None else r.score for r in kept)
    if len(kept) == len(records):
        return round_half_up(scored)
    applicable = sum(r.points for r in kept if not _nan(r.points))
    return round_half_up(scored * full_points / applicable) if applicable > 0 else 0.0


def reviewed_subtotals(records: list[ScoredRow]) -> dict[str, tuple[float, float]]:
    """By 一级指标 (as ``audit.level_checks`` names them): the 分值 and the score the 复核总分 is
    made of, each row's 复核得分 where given, else its 核定得分. A not-applicable row is in them
    only when a reviewer scored it (``reviewed_total``), so a 一级指标's 复核后得分 never exceeds
    its 复核后分值; one whose rows are all still left out: 分值 0, score nan."""
    return level1_sums(
        records, lambda r: r.reviewed if r.reviewed is not None else None if r.method == M_NA else r.score
    )


def brought_back(records: list[ScoredRow]) -> list[ScoredRow]:
    """The not-applicable rows (left out of the 核定总分) that a reviewer scored: they count in
    the 复核总分."""
    return [r for r in records if r.method == M_NA and r.reviewed is not None]


def _nan(x: object) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))
