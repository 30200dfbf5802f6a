"""The result of scoring one workbook: ``Scorecard`` (rows, subtotals, total, grade, claims,
problems), ``ScoredRow`` (one indicator as scored) and ``Budget`` (年度资金总额 and its execution
rate), with the JSON of SPEC §4.3: this module is the one place that names its keys
(``ScorecardJson``, ``IndicatorJson``)."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, TypedDict

from selfeval_xl.errors import HasProblems, Problem
from selfeval_xl.reading import contract as L
from selfeval_xl.rounding import round_half_up
from selfeval_xl.scoring.verdict import has_grade, status_of

if TYPE_CHECKING:
    import pandas as pd  # loads in ~0.4 s; only the DataFrame view needs it

    # annotations only: a scorecard's JSON, its keys and the outcomes that carry it (the front
    # door of `selfeval score`) need neither the reader nor the rule-set parser
    from selfeval_xl.reading.workbook_data import WorkbookData
    from selfeval_xl.rules.ruleset import RuleSet


@dataclass
class Budget:
    """年度资金总额 in 万元 and its execution rate (percent, unrounded)."""

    initial: float | None = None
    adjusted: float | None = None
    executed: float | None = None
    rate: float | None = None

    def as_dict(self) -> BudgetJson:
        r = lambda v: None if v is None else round_half_up(v, 6)  # noqa: E731
        return BudgetJson(
            initial=r(self.initial),
            adjusted=r(self.adjusted),
            executed=r(self.executed),
            rate=None if self.rate is None else round_half_up(self.rate, 2),
        )


@dataclass(slots=True)
class ScoredRow:
    """One indicator as scored: what 评分结果, the JSON, the reports and 汇总 show of it. Numbers
    are ``nan`` where there is none (a blank 申报得分, a not-applicable row's score)."""

    row: int  # the Excel row of the indicator (its cells are cited by it)
    level1: str
    level2: str
    name: str
    operator: str  # 指标性质 as scored ("" when none applies)
    target_text: str  # 指标值 as typed
    actual_text: str  # 实际完成值 as shown (computed for 预算执行率 and 共性 rows)
    unit: str  # the unit the row was scored in
    points: float  # 分值 (the rule set's for a 共性 row)
    score: float  # 核定得分, rounded
    claimed: float  # 申报得分
    rate: float  # 完成率, percent, rounded
    note: str  # 评分说明
    method: str  # the rule kind (``rules.rule_kinds``) or the scorer's own: qual, date, na, judged, invalid
    diff: float  # 申报得分 − 核定得分; none for a row with an input error (``Scorecard.errored``)
    reviewed: float | None = None  # 复核得分 from an earlier 评分结果 (SPEC §4.4)
    review_note: str | None = None  # 复核意见 likewise, as text
    review_cells: tuple[object, object] | None = None  # the reviewer's two cells exactly as read

    def as_json(self) -> IndicatorJson:
        """The row in the JSON of SPEC §4.3 (a dict literal: ``IndicatorJson(...)`` makes the
        same dict, keys in the same order, through a call with keywords; ~60 rows a workbook)."""
        return {
            "level1": self.level1,
            "level2": self.level2,
            "name": self.name,
            "operator": self.operator,
            "target": self.target_text,
            "actual": self.actual_text,
            "unit": self.unit,
            "points": _none(self.points),
            "score": _none(self.score),
            "claimed": _none(self.claimed),
            "reviewed": _none(self.reviewed),
            "review_note": self.review_note,
            "rate": _none(self.rate),
            "note": self.note,
        }


# The DataFrame view's columns: the fields of ``ScoredRow`` but ``row`` (its index) and the 复核 ones.
ROW_COLUMNS = tuple(f.name for f in fields(ScoredRow) if f.name != "row" and not f.name.startswith("review"))


# --- the JSON of SPEC §4.3 (contract: these keys, in this order) ------------------------------
class BudgetJson(TypedDict):
    initial: float | None
    adjusted: float | None
    executed: float | None
    rate: float | None


class IndicatorJson(TypedDict):
    level1: str
    level2: str
    name: str
    operator: str
    target: str
    actual: str
    unit: str
    points: float | None
    score: float | None
    claimed: float | None
    reviewed: float | None
    review_note: str | None
    rate: float | None
    note: str


class ScorecardJson(TypedDict):
    file: str
    kind: str | None
    year: Any
    unit: Any
    unit_code: Any
    project: Any
    status: str | None
    total: float | None
    grade: str | None
    claimed_total: float | None
    reviewed_total: float | None
    budget: BudgetJson | None
    indicators: list[IndicatorJson]
    problems: list[dict[str, Any]]


# Not a key of the JSON: what the summary's 指标明细 is handed beside it (``FileOutcome.as_dict``
# with ``for_summary``), the positions in ``indicators`` of the rows with an input error, whose
# 得分差异 (申报 − 核定, which the JSON leaves to its reader) is none, as in 评分结果.
ERRORED_KEY = "_errored"


def unscored_json(file: str) -> ScorecardJson:
    """The JSON object of a file that could not be scored: every key present, null or empty."""
    return ScorecardJson(
        file=file,
        kind=None,
        year=None,
        unit=None,
        unit_code=None,
        project=None,
        status=None,
        total=None,
        grade=None,
        claimed_total=None,
        reviewed_total=None,
        budget=None,
        indicators=[],
        problems=[],
    )


@dataclass
class Scorecard(HasProblems):
    """The result for one workbook. ``records`` holds one ``ScoredRow`` per indicator; ``rows``
    is the same as a DataFrame (columns ``ROW_COLUMNS``, indexed by the Excel row).

    The verdict (SPEC §3.12): ``status`` (a ``verdict`` constant) and ``grade``, None when the
    status has no grade (needs-correction, blank). ``total`` is the computed 核定总分 (暂算
    when the status is needs-correction); ``reviewed_total`` the 复核总分 when a reviewer gave
    复核得分; ``final_total`` the one that grades and ranks. ``settle()`` recomputes status and
    grade after problems or ``reviewed_total`` change."""

    data: WorkbookData
    rules: RuleSet
    records: list[ScoredRow]
    subtotals: list[tuple[str, float, float]]  # (一级指标, 分值, 核定得分)
    total: float
    grade: str | None
    claimed_total: float | None
    budget: Budget
    problems: list[Problem] = field(default_factory=list)
    status: str = ""
    reviewed_total: float | None = None
    blank: bool = False  # no 实际完成值 in any 个性 row and no 全年执行数
    # the Excel rows of the indicator rows with an input error (an error at one of their cells, or
    # unscorable): their 得分差异 is none, it follows from the error (SPEC §3.12)
    errored: frozenset[int] = frozenset()

    @property
    def reviewer_errors(self) -> list[Problem]:
        """The errors in the 评分结果 sheet: a reviewer's 复核得分 typed wrong, the bureau's to
        correct (the file waits as 待更正 all the same), not the unit's."""
        return [p for p in self.errors if p.where.sheet == L.SHEET_RESULTS]

    @property
    def unit_errors(self) -> list[Problem]:
        """The errors the unit corrects: all but ``reviewer_errors``."""
        return [p for p in self.errors if p.where.sheet != L.SHEET_RESULTS]

    @property
    def final_total(self) -> float:
        """复核总分 where a reviewer gave one, else 核定总分."""
        return self.reviewed_total if self.reviewed_total is not None else self.total

    def settle(self) -> Scorecard:
        """Decide ``status`` and ``grade`` from the problems, ``blank`` and ``reviewed_total``."""
        self.status = status_of(self.problems, self.blank, self.reviewed_total is not None)
        self.grade = self.rules.grade(self.final_total) if has_grade(self.status) else None
        return self

    @functools.cached_property
    def rows(self) -> pd.DataFrame:
        import pandas as pd

        index = pd.Index([r.row for r in self.records], name="excel_row", dtype="int64")
        values = [[getattr(r, c) for c in ROW_COLUMNS] for r in self.records]
        return pd.DataFrame(values, index=index, columns=list(ROW_COLUMNS))

    def as_dict(self) -> ScorecardJson:
        """The JSON object of SPEC §4.3."""
        info = self.data.info
        return ScorecardJson(
            file=self.data.file,
            kind=self.data.kind,
            year=self.data.year,
            unit=info.get(L.INFO_UNIT),
            unit_code=info.get(L.INFO_UNIT_CODE),
            project=info.get(L.INFO_PROJECT),
            status=self.status,
            total=self.total,
            grade=self.grade,
            claimed_total=self.claimed_total,
            reviewed_total=self.reviewed_total,
            budget=self.budget.as_dict(),
            indicators=[r.as_json() for r in self.records],
            problems=[p.as_dict() for p in self.problems],
        )


def _none(x: float | None) -> float | None:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return x
