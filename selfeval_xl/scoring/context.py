"""What every part of the scorer shares while it scores one workbook: the workbook's data, the
rule set, the problems found so far (each at its cell) and the rows set aside on the way. The
base class of the scorer's parts (budget, resolution, qualitative rules, audit checks)."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from selfeval_xl.errors import Problem
from selfeval_xl.reading import contract as L
from selfeval_xl.reading.workbook_data import WorkbookData
from selfeval_xl.rounding import round_half_up
from selfeval_xl.rules.ruleset import RuleSet

if TYPE_CHECKING:  # (the scorecard imports the scorer's parts)
    from selfeval_xl.scoring.scorecard import ScoredRow

# Problems are listed in the order of the workbook's sheets (then row, column).
PROBLEM_SHEET_ORDER = (L.SHEET_INFO, L.SHEET_BUDGET, L.SHEET_DEPT_DATA, L.SHEET_INDICATORS)

# Labels as matched (``normalize_label``: NFKC and three regex passes), remembered per text: a
# table repeats its 一级/二级指标 on every row and a district's tables repeat each other's.
label = functools.lru_cache(maxsize=16384)(L.normalize_label)
level1_of = functools.lru_cache(maxsize=4096)(L.canonical_level1)


def level1_sums(
    rows: Iterable[ScoredRow], score_of: Callable[[ScoredRow], float | None]
) -> dict[str, tuple[float, float]]:
    """By 一级指标 (``level1_of``), in the order first met: Σ 分值 and Σ score of the rows that
    ``score_of`` counts (None: the row is left out), each rounded half up; a 一级指标 none of whose
    rows count: 分值 0, score nan. The 核定 小计 (``audit.level_checks``) and the 复核 ones
    (``review.reviewed_subtotals``) are this sum with their own ``score_of``."""
    sums: dict[str, list[float]] = {}
    for r in rows:
        acc = sums.setdefault(level1_of(r.level1), [0.0, math.nan])
        x = score_of(r)
        if x is None:
            continue
        acc[0] += 0.0 if math.isnan(r.points) else r.points
        acc[1] = (0.0 if math.isnan(acc[1]) else acc[1]) + (0.0 if math.isnan(x) else x)
    return {name: (round_half_up(p), round_half_up(s)) for name, (p, s) in sums.items()}


class ScoringContext:
    def __init__(self, data: WorkbookData, rules: RuleSet):
        self.data = data
        self.rules = rules
        self.problems: list[Problem] = list(data.problems)
        self.sheet = data.sheet(L.SHEET_INDICATORS)
        self.cols = data.columns
        self.review_rows: set[int] = set()  # rows awaiting a person's judgment (SPEC §3.6)
        # rows whose actual is probably mistyped (0.98 against 95%): the warning says so, and
        # nothing that follows from the slip (申报≠核定, 偏差原因, 申报总分) is asked on top
        self.suspect_rows: set[int] = set()
        # rows whose 申报得分 was already reported as outside its 定性 band (one problem per claim)
        self.band_rows: set[int] = set()
        # 共性指标 (by key) → the row it was first found on: one listed again scores nothing
        self.common_rows: dict[str, int] = {}
        # rows that list a 共性指标 again (common-twice): their 分值 are the duplicate's, not a slip
        self.common_twice: set[int] = set()

    # problems -------------------------------------------------------------------------
    def add(self, sheet: str, cell: str | None, code: str, **fields: Any) -> None:
        self.problems.append(Problem.at(self.data.file, sheet, cell, code, **fields))

    def add_at(self, sheet: str, cell: str | None, code: str, **fields: Any) -> None:
        """Like ``add`` with the contract's sheet name (mapped to the workbook's own)."""
        self.add(self.data.sheet(sheet), cell, code, **fields)

    def add_row(self, row: int, header: str, code: str, **fields: Any) -> None:
        self.add(self.sheet, self.data.indicator_cell(row, header), code, **fields)

    def already_bad(self, row: int, header: str) -> bool:
        if (row, header) in self.data.cell_overrides:  # the form's 预算执行率 line, in its 项目资金 block
            return self.data.cell_has_error(L.SHEET_INDICATORS, self.data.cell_overrides[(row, header)])
        letter = self.cols.get(header)
        return bool(letter) and self.data.cell_has_error(L.SHEET_INDICATORS, f"{letter}{row}")

    # rows -----------------------------------------------------------------------------
    def is_budget_row(self, level1: str, name: str) -> bool:
        ind = self.rules.budget_indicator
        return level1_of(level1) == ind or L.is_label(name, ind)
