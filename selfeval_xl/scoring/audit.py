"""The audit checks of SPEC §3.10 on a scored table: 共性 rows present, 申报得分 against
分值 and 核定得分, a missing 偏差原因, 分值 sums per 一级指标 and in total, 申报总分 against
the rows and the total. A part of the scorer."""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING

from selfeval_xl.reading import contract as L
from selfeval_xl.reading.rows import IndicatorRow
from selfeval_xl.reading.values import normalize_text
from selfeval_xl.rounding import fmt_num, round_half_up
from selfeval_xl.scoring.context import ScoringContext, level1_of, level1_sums
from selfeval_xl.scoring.plan import M_NA
from selfeval_xl.scoring.scorecard import ScoredRow

if TYPE_CHECKING:
    from selfeval_xl.scoring.plan import RowPlan

# what people type in 偏差原因 when they give none: it asks for the reason all the same
_NO_REASON = {"无", "/", "／", "—", "——", "-", "－", "无偏差", "不适用", "暂无"}


# warnings that a value is probably mistyped: the row is to be corrected, not explained
SLIP_CODES = ("percent-scale", "target-percent-scale", "unit-mismatch", "operator-conflict")


def gives_reason(text: object) -> bool:
    """A 偏差原因 that says something (``无`` or ``/`` under a lost point says nothing)."""
    if type(text) is str:
        return _says_something(text)
    return bool(text) and normalize_text(text) not in _NO_REASON


@functools.lru_cache(maxsize=4096)
def _says_something(text: str) -> bool:  # remembered: the same few words fill most tables
    return bool(text) and normalize_text(text) not in _NO_REASON


class AuditChecks(ScoringContext):
    def common_checks(self, plans: dict[int, RowPlan]) -> None:
        """Every 共性 row the rule set owns must be present; the template must be this rule set's."""
        rules, data = self.rules, self.data
        if not rules.common:
            return
        present = {plan.common.key for plan in plans.values() if plan.common is not None}
        header = f"{self.cols.get(L.I_NAME, 'A')}{data.indicator_header_row}"
        for c in rules.common:
            if c.key not in present:
                self.add(self.sheet, header, "common-missing", name=c.name, points=fmt_num(c.points))
        made = data.meta.get("common_fingerprint")
        if made and made != rules.fingerprint:
            self.add_at(
                L.SHEET_META, None, "template-outdated", made=data.meta.get("ruleset_name", made), ruleset=rules.label
            )

    def row_checks(self, rows: list[ScoredRow], records: dict[int, IndicatorRow], settled: set[int]) -> None:
        """申报得分 > 分值 on any row (a mistake of its own); 申报≠核定 and a missing 偏差原因 only
        on ``settled`` rows (no error, nothing awaiting judgment, not left out)."""
        tol = self.rules.claim_tolerance
        for r in rows:
            row, p, s, c = r.row, r.points, r.score, r.claimed
            if math.isnan(p):
                continue
            # a claim over the points is a mistake of its own, on any row (unless it only
            # follows a changed 分值 cell, which is an error already; settled rows have none)
            over = not math.isnan(c) and c > p + 1e-9
            if over and not self.claim_follows_bad_points(row, c):
                self.add_row(row, L.I_CLAIMED, "claim-over-points", claimed=fmt_num(c), points=fmt_num(p))
            if row not in settled:
                continue
            if not over and not math.isnan(c) and abs(c - s) > tol + 1e-9 and row not in self.band_rows:
                self.add_row(
                    row,
                    L.I_CLAIMED,
                    "score-mismatch",
                    claimed=fmt_num(c),
                    score=fmt_num(s),
                    diff=fmt_num(round_half_up(c - s)),
                )
            if s < p - 0.005 and not gives_reason(records[row].reason) and self.has_reason_cell(row):
                self.add_row(
                    row,
                    L.I_REASON if L.I_REASON in self.cols else L.I_ACTUAL,
                    "missing-reason",
                    score=fmt_num(s),
                    points=fmt_num(p),
                )

    def has_reason_cell(self, row: int) -> bool:
        """Whether the row has a 偏差原因 cell to fill. The official form's 预算执行率 line lives in
        its 项目资金 block (cells placed by ``cell_overrides``), which has none: no reason is asked
        for there (the underspend shows as 执行率 and score; the report draft asks for its reason)."""
        overrides = self.data.cell_overrides
        placed = (row, L.I_ACTUAL) in overrides or (row, L.I_CLAIMED) in overrides
        return not placed or (row, L.I_REASON) in overrides

    def claim_follows_bad_points(self, row: int, claimed: float) -> bool:
        """The row's 分值 cell carries an error (a 共性 row's 分值 changed) and the claim is within
        the 分值 typed there: the claim follows that one mistake and is not reported again."""
        cell = self.data.indicator_cell(row, L.I_POINTS)
        if not any(p.is_error and p.where.sheet == self.sheet and p.where.cell == cell for p in self.problems):
            return False
        typed = self.data.records[row].points
        return math.isnan(typed) or claimed <= typed + 1e-9

    def level_checks(self, rows: list[ScoredRow], check: bool = True) -> list[tuple[str, float, float]]:
        """Subtotals per 一级指标 as shown (评分结果's 小计, the report's table, 汇总's columns): the
        applicable rows' 分值 and scores, a not-applicable row (left out of the total) in neither,
        so that a 小计 reads as the rescaled total does (15 of 15, not 15 of 30 for an indicator that
        did not apply); a 一级指标 whose rows are all left out: 分值 0, score nan (none). With
        ``check``, every row's 分值 (the left-out ones too: the form's 分值 still make 100) against
        the rule set (skipped while a 分值 is in error: the sums would only repeat that error)."""
        rules = self.rules
        shown = level1_sums(rows, lambda r: None if r.method == M_NA else r.score)
        subtotals = [(name, pts, sc) for name, (pts, sc) in shown.items()]
        if not check:
            return subtotals
        sums: dict[str, float] = {}  # 一级指标 → Σ 分值 of every row (the left-out ones too)
        first_row: dict[str, int] = {}
        for r in rows:
            name = level1_of(r.level1)
            sums[name] = sums.get(name, 0.0) + (0.0 if math.isnan(r.points) else r.points)
            first_row.setdefault(name, r.row)
        header_cell = f"{self.cols.get(L.I_POINTS, 'A')}{self.data.indicator_header_row}"
        points_total = round_half_up(sum(sums.values()))
        if abs(points_total - rules.total_points) > 1e-9:
            # the total is wrong: that one error says it; the 一级指标 sums would only repeat it
            deleted = {p.fields["name"] for p in self.problems if p.code == "common-missing"}
            missing = sum(c.points for c in rules.common if c.name in deleted)
            if self.data.budget_unread and not any(self.is_budget_row(r.level1, r.name) for r in rows):
                missing += rules.budget_points  # (the form's 预算执行率 line went with its unread header)
            # over by exactly the rows that list a 共性指标 again (common-twice says to delete them)
            extra = sum(r.points for r in rows if r.row in self.common_twice and not math.isnan(r.points))
            if (missing or extra) and abs(points_total + missing - extra - rules.total_points) <= 1e-9:
                # short by exactly the deleted 共性 rows ("缺少共性指标" says it) or the 预算执行率 line of
                # an unread 项目资金 header (budget-header-missing says it), over by the repeated ones
                return subtotals
            self.add(
                self.sheet,
                header_cell,
                "points-total",
                total=fmt_num(points_total),
                expected=fmt_num(rules.total_points),
                why=self.cut_table_note(),
            )
            return subtotals
        expected = {lv.name: lv.points for lv in rules.level1}
        if rules.budget_level1 not in expected:
            expected[rules.budget_level1] = rules.budget_points
        actual = {name: round_half_up(pts) for name, pts in sums.items()}
        sat = next((lv.name for lv in rules.level1 if lv.name == L.LEVEL1_SATISFACTION), None)
        why = {}
        if sat and sat not in actual and rules.satisfaction_fallback in expected:
            # SPEC §3.10: with no 满意度 rows its points may sit in 产出; a unit told "应为 60"
            # where the rule says 产出 50 is told why
            own, moved = expected[rules.satisfaction_fallback], expected.pop(sat)
            expected[rules.satisfaction_fallback] = own + moved
            why[rules.satisfaction_fallback] = f"（{fmt_num(own)} 分，加上没有{sat}时并入的 {fmt_num(moved)} 分）"
        for name in list(expected) + [n for n in actual if n not in expected]:
            got, want = actual.get(name, 0.0), expected.get(name, 0.0)
            cell = f"{self.cols[L.I_LEVEL1]}{first_row[name]}" if name in first_row else header_cell
            if name not in expected:  # a name the rule set does not know: say which it knows
                names = "、".join(f"{n}（{fmt_num(p)} 分）" for n, p in expected.items())
                self.add(self.sheet, cell, "unknown-level1", level1=name, total=fmt_num(got), expected=names)
            elif abs(got - want) > 1e-9:
                self.add(
                    self.sheet,
                    cell,
                    "level1-points",
                    level1=name,
                    total=fmt_num(got),
                    expected=fmt_num(want),
                    why=why.get(name, ""),
                )
        return subtotals

    def cut_table_note(self) -> str:
        """Why the 分值 fall short when a blank row ended the table early (``rows-after-blank``):
        the fix is to delete that row, not to change a 分值."""
        cut = next((p for p in self.data.problems if p.code == "rows-after-blank"), None)
        if cut is None:
            return ""
        return (
            f"（第 {cut.fields['blank']} 行整行空白，其下 {cut.fields['n']} 行指标未读取、未计入；删掉空行后重新评分）"
        )

    def claim_checks(self, rows: list[ScoredRow], total: float, compare: bool = True) -> float | None:
        data = self.data
        claimed_rows = [r.claimed for r in rows if not math.isnan(r.claimed)]
        row_sum = round_half_up(sum(claimed_rows)) if claimed_rows else None
        # Σ申报得分 is only comparable when every row carries a claim (often the 预算执行率
        # row is left blank because its score is computed).
        complete = len(claimed_rows) == len(rows)
        claimed_total = data.info.get(L.INFO_CLAIMED_TOTAL)
        cell = data.info_cells.get(L.INFO_CLAIMED_TOTAL)
        sheet = data.sheet(L.SHEET_INFO)
        tol = self.rules.claim_tolerance
        # rows left below a blank row (``rows-after-blank``) are not read: their claims are missing
        # from the sum for that reason alone, said already (one problem, not two)
        cut = any(p.code == "rows-after-blank" for p in data.problems)
        if (
            claimed_total is not None
            and complete
            and not cut
            and row_sum is not None
            and abs(claimed_total - row_sum) > tol + 1e-9
        ):
            self.add(
                sheet,
                cell,
                "claimed-total-sum",
                claimed=fmt_num(claimed_total),
                rows=fmt_num(row_sum),
            )
        if claimed_total is None:
            # no 申报总分: the rows' claims stand for it only when every row carries one, or every
            # row but the 预算执行率 line (whose score is computed: it counts at its 核定得分)
            unclaimed = [r for r in rows if math.isnan(r.claimed)]
            if not unclaimed:
                claimed_total = row_sum
            elif all(self.is_budget_row(r.level1, r.name) for r in unclaimed) and row_sum is not None:
                claimed_total = round_half_up(row_sum + sum(r.score for r in unclaimed))
            cell = None
        if compare and claimed_total is not None and abs(claimed_total - total) > tol + 1e-9:
            self.add(
                sheet if cell else self.sheet,
                cell or f"{self.cols.get(L.I_CLAIMED, 'A')}{data.indicator_header_row}",
                "claimed-total-mismatch",
                claimed=fmt_num(claimed_total),
                total=fmt_num(total),
                diff=fmt_num(round_half_up(claimed_total - total)),
            )
        if compare:
            self.grade_check(total)
        return claimed_total

    def grade_check(self, total: float) -> None:
        """The grade a form states for itself (自评等级 | 优) against the grade of the 核定总分: a
        claim like the 申报总分, told at its cell when they differ (优秀 and 优 are the same grade;
        a rule set whose labels are none of 优/良/中/差 is not compared)."""
        stated = self.data.info.get(L.INFO_CLAIMED_GRADE)
        ours = self.rules.grade(total)
        mine = L.canonical_grade(ours)
        if stated is None or mine is None or L.canonical_grade(stated) == mine:
            return
        cell = self.data.info_cells.get(L.INFO_CLAIMED_GRADE)
        self.add(
            self.data.sheet(L.SHEET_INFO),
            cell,
            "claimed-grade-mismatch",
            claimed=stated,
            total=fmt_num(total),
            grade=ours,
        )
