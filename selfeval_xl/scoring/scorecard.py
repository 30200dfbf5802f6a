"""The result of scoring one workbook: ``Scorecard`` (rows, subtotals, total, grade, claims,
problems) and ``Budget`` (年度资金总额 and its execution rate), with the JSON of SPEC §4.3."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from selfeval_xl.errors import HasProblems, Problem
from selfeval_xl.reading import contract as L
from selfeval_xl.reading.template_layout import WorkbookData
from selfeval_xl.rounding import round_half_up
from selfeval_xl.rules.ruleset import RuleSet
from selfeval_xl.scoring.verdict import has_grade, status_of

if TYPE_CHECKING:  # pandas loads in ~0.4 s; only the DataFrame view needs it
    import pandas as pd


@dataclass
class Budget:
    """年度资金总额 in 万元 and its execution rate (percent, unrounded)."""

    initial: float | None = None
    adjusted: float | None = None
    executed: float | None = None
    rate: float | None = None

    def as_dict(self) -> dict[str, Any]:
        r = lambda v: None if v is None else round_half_up(v, 6)  # noqa: E731
        return {
            "initial": r(self.initial),
            "adjusted": r(self.adjusted),
            "executed": r(self.executed),
            "rate": None if self.rate is None else round_half_up(self.rate, 2),
        }


ROW_COLUMNS = (
    "level1",
    "level2",
    "name",
    "operator",
    "target_text",
    "actual_text",
    "unit",
    "points",
    "score",
    "claimed",
    "rate",
    "note",
    "method",
    "diff",
)


@dataclass
class Scorecard(HasProblems):
    """The result for one workbook. ``records`` holds one dict per indicator (keys
    ``ROW_COLUMNS`` plus ``row``, the Excel row); ``rows`` is the same as a DataFrame.

    The verdict (SPEC §3.12): ``status`` (a ``verdict`` constant) and ``grade``, None when the
    status has no grade (needs-correction, blank). ``total`` is the computed 核定总分 (暂算
    when the status is needs-correction); ``reviewed_total`` the 复核总分 when a reviewer gave
    复核得分; ``final_total`` the one that grades and ranks. ``settle()`` recomputes status and
    grade after problems or ``reviewed_total`` change."""

    data: WorkbookData
    rules: RuleSet
    records: list[dict[str, Any]]
    subtotals: list[tuple[str, float, float]]  # (一级指标, 分值, 核定得分)
    total: float
    grade: str | None
    claimed_total: float | None
    budget: Budget
    problems: list[Problem] = field(default_factory=list)
    status: str = ""
    reviewed_total: float | None = None
    blank: bool = False  # no 实际完成值 in any 个性 row and no 全年执行数

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

        index = pd.Index([r["row"] for r in self.records], name="excel_row", dtype="int64")
        return pd.DataFrame([[r[c] for c in ROW_COLUMNS] for r in self.records], index=index, columns=list(ROW_COLUMNS))

    def as_dict(self) -> dict[str, Any]:
        """The JSON object of SPEC §4.3."""
        info = self.data.info
        return {
            "file": self.data.file,
            "kind": self.data.kind,
            "year": self.data.year,
            "unit": info.get(L.INFO_UNIT),
            "unit_code": info.get(L.INFO_UNIT_CODE),
            "project": info.get(L.INFO_PROJECT),
            "status": self.status,
            "total": self.total,
            "grade": self.grade,
            "claimed_total": self.claimed_total,
            "reviewed_total": self.reviewed_total,
            "budget": self.budget.as_dict(),
            "indicators": [
                {
                    "level1": r["level1"],
                    "level2": r["level2"],
                    "name": r["name"],
                    "operator": r["operator"],
                    "target": r["target_text"],
                    "actual": r["actual_text"],
                    "unit": r["unit"],
                    "points": _none(r["points"]),
                    "score": _none(r["score"]),
                    "claimed": _none(r["claimed"]),
                    "reviewed": _none(r.get("reviewed")),
                    "review_note": r.get("review_note"),
                    "rate": _none(r["rate"]),
                    "note": r["note"],
                }
                for r in self.records
            ],
            "problems": [p.as_dict() for p in self.problems],
        }


def _none(x: Any) -> Any:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return x
