"""Pure scoring: (WorkbookData, RuleSet) → Scorecard, following SPEC §3. No file I/O.

Each indicator row is first *resolved* into a ``RowPlan`` (which rule applies, target and actual
in one unit), then scored row by row: a computed row by its rule kind from ``rules.rule_kinds``, a
定性 or date row by the qualitative rules. The table is then audited (claims, reasons, sums).
Every finding is a ``Problem`` with its cell."""

from __future__ import annotations

import math

from selfeval_xl.errors import Problem, problem_title
from selfeval_xl.ooxml.grid import split_cell
from selfeval_xl.reading import contract as L
from selfeval_xl.reading.review_columns import Review
from selfeval_xl.reading.rows import IndicatorRow
from selfeval_xl.reading.values import BLANK, LE, LT, Value, unit_factor
from selfeval_xl.reading.workbook_data import WorkbookData
from selfeval_xl.rounding import fmt_num, fmt_pct, round_half_up
from selfeval_xl.rules import common_indicators as CM
from selfeval_xl.rules import rule_kinds
from selfeval_xl.rules.rule_kinds import KINDS, Case, RuleKind
from selfeval_xl.rules.ruleset import RuleSet
from selfeval_xl.scoring.audit import AuditChecks, gives_reason
from selfeval_xl.scoring.budget import BudgetFigures
from selfeval_xl.scoring.context import PROBLEM_SHEET_ORDER
from selfeval_xl.scoring.plan import KIND_MISMATCH, M_DATE, M_INVALID, M_JUDGED, M_NA, M_QUAL, Resolver, RowPlan
from selfeval_xl.scoring.qualitative import QualitativeRules
from selfeval_xl.scoring.review import apply_review, carry_review, dropped_review, other_year_review, settle_review
from selfeval_xl.scoring.scorecard import Budget, Scorecard, ScoredRow
from selfeval_xl.scoring.verdict import BLANK_CODE

__all__ = ["PROBLEM_SHEET_ORDER", "Scorecard", "score"]

_KINDS = dict(KINDS)  # a plain dict: looked up on every row
# where the error that leaves a row unscored is (``unscored_note``), in the order they are checked
_CAUSE_HEADERS = (L.I_OPERATOR, L.I_TARGET, L.I_ACTUAL, L.I_POINTS)
_QUOTED = 8  # a typed value longer than this is cut (…) in a row's 评分说明


# An input error in a few characters, by code: {field} the cell's field, {typed} what was typed
# there, quoted (empty when nothing was)
_SHORT_CAUSES = {
    "missing-value": "{field}未填写",
    "not-a-number": "{field}{typed}不是数值",
    "out-of-range": "{field}{typed}超出范围",
    "formula-no-cache": "{field}是没有计算结果的公式",
    "bad-operator": "指标性质{typed}无法识别",
    "bad-points": "分值{typed}不大于 0",
    "target-not-comparable": "实际完成值{typed}不是日期",
}


def short_cause(p: Problem) -> str:
    """An input error in a few characters, for the 评分说明 cell of the row it leaves unscored
    (the column wraps: the full message is in the problem list): 实际完成值“完成”不是数值."""
    template = _SHORT_CAUSES.get(p.code)
    if template is None:
        return problem_title(p.code)
    field, value = str(p.fields.get("field") or ""), str(p.fields.get("value") or "")
    typed = f"“{value if len(value) <= _QUOTED else value[: _QUOTED - 1] + '…'}”" if value else ""
    return template.format(field=field, typed=typed)


class _Scorer(BudgetFigures, Resolver, QualitativeRules, AuditChecks):
    # the first error at each cell of the indicator sheet (``unscored_note``), taken from
    # ``problems[:_indexed]``
    _errors_at: dict[str, Problem]
    _indexed: int = 0

    def run(self) -> Scorecard:
        self._errors_at = {}
        data, rules = self.data, self.rules
        budget = self.budget()
        self.dept = CM.DeptData(data, rules, budget, self.add_at)
        records = data.records
        self.keep_common_rows(records)
        plans = {row: self.resolve(row, r, budget) for row, r in records.items()}
        self.common_checks(plans)
        out = [self.score_row(row, r, plans[row], budget) for row, r in records.items()]
        # one problem per mistake (SPEC §3.12): a row with an input error, or one awaiting a
        # person's judgment, gets no 申报≠核定 / 偏差原因 warning; a total made provisional by
        # such rows is not compared with the 申报总分
        errored = self.errored_rows(out)
        left_out = {r.row for r in out if r.method == M_NA}
        settled = {r.row for r in out} - errored - self.review_rows - left_out - self.suspect_rows
        self.row_checks(out, records, settled)
        # nor a 得分差异 (申报 − 核定): it would follow from the error as that warning would, and
        # read as an over-claim. Found again: a 申报得分 over its 分值, just reported, is such an error
        in_error = frozenset(self.errored_rows(out))
        for r in out:
            if r.row in in_error:
                r.diff = math.nan
        total = self.total(out)
        points_known = not any(math.isnan(r.points) for r in out)
        subtotals = self.level_checks(out, check=points_known)
        # any error makes the total provisional (待更正): a 申报总分 is not compared with it
        provisional = any(p.is_error for p in self.problems)
        claimed_total = self.claim_checks(out, total, compare=not provisional and not self.suspect_rows)
        problems = sorted(self.problems, key=lambda p: p.sort_key(PROBLEM_SHEET_ORDER))
        wrong_rules = any(p.code == KIND_MISMATCH for p in self.data.problems)
        if wrong_rules:
            # the rule set is for the other 评价类型: what it finds in the rows (实际完成值未填写 on
            # every computed 共性 row, …) follows from that one error; only the reader's own stay
            problems = sorted(self.data.problems, key=lambda p: p.sort_key(PROBLEM_SHEET_ORDER))
        blank = not wrong_rules and self.is_blank(out)
        if blank:  # an unfilled form: one problem saying so, not a list of its empty cells
            problems = [self.blank_problem(out)]
        card = Scorecard(
            data, rules, out, subtotals, total, None, claimed_total, budget, problems, blank=blank, errored=in_error
        )
        return card.settle()

    def errored_rows(self, rows: list[ScoredRow]) -> set[int]:
        """Indicator rows with an error: reported at one of their cells, or unscorable."""
        bad = {r.row for r in rows if r.method == M_INVALID or math.isnan(r.points)}
        for p in self.problems:
            if p.is_error and p.where.sheet == self.sheet and (at := split_cell(p.where.cell)) is not None:
                bad.add(at[1])
        return bad

    def total(self, rows: list[ScoredRow]) -> float:
        """Σ row scores; with not-applicable rows left out, rescaled to the full points
        (Σ scores × 100 ÷ Σ applicable 分值), each such row warned at its 分值 cell."""
        scored = sum(r.score for r in rows if r.method != M_NA)
        left_out = [r for r in rows if r.method == M_NA]
        if not left_out:
            return round_half_up(scored)
        applicable = sum(r.points for r in rows if r.method != M_NA and not math.isnan(r.points))
        total = round_half_up(scored * self.rules.total_points / applicable) if applicable > 0 else 0.0
        for r in left_out:
            # a 共性 row is left out only when its data say so (0 ÷ 0), whatever mark was typed
            common = self.rules.common_for(r.name) if self.rules.common else None
            self.add_row(
                r.row,
                L.I_POINTS,
                "common-not-applicable" if common is not None else "not-applicable-rescaled",
                **({"indicator": r.name} if common is not None else {"mark": self.data.records[r.row].na}),
                points=fmt_num(r.points),
                applicable=fmt_num(round_half_up(applicable)),
                scored=fmt_num(round_half_up(scored)),
                full=fmt_num(self.rules.total_points),
                total=fmt_num(total),
            )
        return total

    def is_blank(self, rows: list[ScoredRow]) -> bool:
        """No 实际完成值 in any 个性 row (nor a cell there that failed to read) and no 全年执行数
        (0 counts as none: budget systems export unfilled forms with 0.00 there)."""
        if any(b.executed for b in self.data.budget.values()):
            return False
        for r in filter(self.is_own, rows):
            cell = self.data.indicator_cell(r.row, L.I_ACTUAL)
            if self.data.records[r.row].actual.kind != BLANK or self.data.cell_has_error(L.SHEET_INDICATORS, cell):
                return False
        return True

    def is_own(self, r: ScoredRow) -> bool:
        """A 个性 row: not the 预算执行率 line, not a 共性指标, not marked not applicable."""
        if self.data.records[r.row].na or self.is_budget_row(r.level1, r.name):
            return False
        return not (self.rules.common and self.rules.common_for(r.name))

    def blank_problem(self, rows: list[ScoredRow]) -> Problem:
        """At the first 个性 row's 实际完成值; with no 个性 row typed yet (a blank template: only the
        rule set's rows carry a name), at the first row below the header that holds no indicator
        read, where the first 个性指标 goes (H3 under a template's 预算执行率 row)."""
        own = [r.row for r in rows if self.is_own(r)]
        if own:
            first = own[0]
        else:
            first = self.data.indicator_header_row + 1
            while first in self.data.records:
                first += 1
        return Problem.at(self.data.file, self.sheet, self.data.indicator_cell(first, L.I_ACTUAL), BLANK_CODE)

    def score_row(self, row: int, r: IndicatorRow, plan: RowPlan, budget: Budget) -> ScoredRow:
        """One indicator's score, note and completion rate (SPEC §3)."""
        method, t, a = plan.method, plan.target, plan.actual
        p = float(r.points if plan.points is None else plan.points)  # 共性 rows score on the rule set's points
        kind = _KINDS.get(method)
        score, note = 0.0, ""
        if method == M_NA:
            why = plan.shown if plan.common is not None else f"“{r.na}”"
            score, note = math.nan, f"不适用（{why}），不计分，总分按适用指标分值折算"
        elif math.isnan(p):
            if not self.already_bad(row, L.I_POINTS):
                self.add_row(row, L.I_POINTS, "missing-value", field=L.I_POINTS)
            note = self.unscored_note(row, (L.I_POINTS, *_CAUSE_HEADERS))
        elif method == M_QUAL:
            score, note = self.score_qualitative(row, r, p)
        elif method == M_DATE:
            score, note = self.score_date(row, r, plan, p)
        elif method == M_JUDGED:
            what = "本行只有分值和申报得分，没有指标值和实际完成值"
            score, note = self.awaiting(row, r, p, what, "没有指标值和实际完成值")
        elif kind is not None and kind.compares and _times_apart(plan.unit or "", r.actual.unit or r.unit):
            # ≤3个月 against 80天, ≤5个工作日 against 4天: no exact conversion (a month is 28 to 31
            # days); compared as typed, the score would mean nothing: a person judges
            what = f"指标值“{r.target.display}”与实际完成值“{r.actual.display}”的时间单位不能准确换算"
            score, note = self.awaiting(row, r, p, what, "指标值与实际完成值的时间单位不能准确换算")
            kind = None  # (no 完成率)
        elif kind is not None and not math.isnan(a):
            case = Case(p, t, a, plan.operator, self.rules, plan.unit or "", plan.common)
            score = kind.score(case)
            note = self.numeric_checks(row, r, kind, case, score)
            if plan.converted:
                note = f"{plan.converted}；{note}"
        else:
            note = plan.note or self.unscored_note(row, _CAUSE_HEADERS)
        score = score if math.isnan(score) else round_half_up(score) + 0.0  # (+ 0.0: 0, never −0.0)
        if plan.common is not None or (kind is not None and kind.rate_is_actual):
            rate = a
        elif kind is not None and t != 0 and not math.isnan(t):
            rate = _rate(plan.operator or "", t, a)
        else:
            rate = math.nan
        claimed = r.claimed
        return ScoredRow(
            row=row,
            level1=r.level1,
            level2=r.level2,
            name=r.name,
            operator=plan.operator or "",
            target_text=r.target.display,
            actual_text=_actual_text(r.actual, plan, budget),
            unit=plan.unit or "",
            points=p,
            score=score,
            claimed=claimed,
            rate=round_half_up(rate) + 0.0,  # (0 ÷ −5: 0, never −0.0)
            note=note,
            method=method,
            diff=round_half_up(claimed - score),
        )

    def unscored_note(self, row: int, headers: tuple[str, ...]) -> str:
        """The 评分说明 of a row that cannot be scored: the row's own error in a few characters
        (实际完成值“完成”不是数值，计 0 分), the first found at ``headers``' cells in their order;
        the full message stays in the problem list."""
        index = self._errors_at
        for p in self.problems[self._indexed :]:
            if p.is_error and p.where.sheet == self.sheet and p.where.cell:
                index.setdefault(p.where.cell, p)
        self._indexed = len(self.problems)
        for h in headers:
            if (found := index.get(self.data.indicator_cell(row, h))) is not None:
                return f"{short_cause(found)}，计 0 分"
        return "无法评分，计 0 分"

    def numeric_checks(self, row: int, r: IndicatorRow, kind: RuleKind, case: Case, score: float) -> str:
        """The warnings on a computed row (a mistyped scale or unit, the kind's own) and its 评分说明."""
        if not kind.compares:
            return kind.explain(case, score)
        t, a, op, unit = case.target, case.actual, case.operator, case.unit
        actual: Value = r.actual
        if case.common is not None:
            pass  # a 共性 rate computed from 部门整体数据: no typed scale or unit to have slipped
        elif (rate := _rate_unit(unit, r.unit)) and t > 1 and 0 < a <= 1 and not _is_rate(actual.unit or ""):
            # a fraction typed for a rate: 0.98 against ≥95%, 0.003 against ≥5‰ (0.003 = 3‰)
            # (a rate typed with its unit, 8‰ against ≥2%, is 0.8% as typed: no slip to ask about)
            self.add_row(
                row,
                L.I_ACTUAL,
                "percent-scale",
                value=fmt_num(a),
                suggest=fmt_num(a * _RATE_SCALE[rate]),
                target=fmt_num(t),
                unit=rate,
            )
            self.suspect_rows.add(row)
        elif not unit and (typed := actual.unit or "") in _RATE_SCALE and 0 < t <= 1 < a:
            # the mirror slip: 95% typed as 0.95 (or 100% as 1) in a General target cell, the
            # actual 98%: not "实际完成值为指标值的 10316%" and a deviation, but the question
            suggest = fmt_num(t * _RATE_SCALE[typed])
            kind_zh = "百分数" if typed == "%" else "千分数"
            self.add_row(
                row, L.I_TARGET, "target-percent-scale", value=fmt_num(t), suggest=suggest, unit=typed, kind=kind_zh
            )
            self.suspect_rows.add(row)
            return f"{op}：实际 {fmt_num(a)}{typed}，指标 {fmt_num(t)}（是否应为 {suggest}{typed}？）"
        elif _percent_against_count(unit, actual):
            # ≥95% against 98人: a rate and a count. Compared by their numbers, but flagged
            self.add_row(row, L.I_ACTUAL, "unit-mismatch", target_unit=unit, actual_unit=actual.unit)
            self.suspect_rows.add(row)
        if kind.check is not None:
            # a row far above its target needs a reason (SPEC §3.5): asked for while there is none,
            # and not asked again once the unit has given it (the warning stays: the target's level)
            ask = "（偏差原因已说明）" if gives_reason(r.reason) else "，请在偏差原因中说明"

            def warn(code: str, **fields: str) -> None:
                self.add_row(row, L.I_ACTUAL, code, **(fields | {"ask": ask} if "ask" in fields else fields))

            kind.check(case, warn)
        return kind.explain(case, score)


def _rate(operator: str, t: float, a: float) -> float:
    """完成率 (percent) of a computed row, read as the score reads it: above 100 better than the
    target, below 100 short of it. Actual ÷ target, but for a ceiling (≤ 5天, ≤ 100万元) target ÷
    actual: 120万元 against ≤100万元 is 83.33% (10 × 100 ÷ 120 = 8.33 points), not 120%, which
    reads as over-achieved; none for an actual of 0 (nothing spent, no incident: no ratio). A
    cut (≤ −5%) is actual ÷ target as its score is: −3% is 60% of it."""
    if operator in (LE, LT) and t > 0:
        return t / a * 100 if a > 0 else math.nan
    return a / t * 100


def _percent_against_count(target_unit: str, actual: Value) -> bool:
    """One side a rate (%, ‰), the other a named unit that is not one (人, 个, 万元)."""
    a_unit = actual.unit or ""
    return bool(target_unit and a_unit) and _is_rate(target_unit) != _is_rate(a_unit)


# a rate's unit → how many of it make 1: a fraction typed for 98% is 0.98, for 3‰ 0.003
_RATE_SCALE = {"%": 100, "‰": 1000}


def _rate_unit(unit: str, column_unit: str | None) -> str | None:
    """The rate (%, ‰) a row's target is in, by its own unit or else its 计量单位 column."""
    for u in (unit, column_unit):
        if u in _RATE_SCALE:
            return u
    return None


def _is_rate(unit: str) -> bool:
    return "%" in unit or "‰" in unit


# units of time (each also written with 个: 个月, 个工作日); those ``unit_factor`` converts exactly
# (小时, 天, 周 among themselves; 月, 季度, 年 among themselves) are compared converted
_TIME_UNITS = frozenset(("分钟", "小时", "天", "日", "周", "星期", "月", "季度", "年", "工作日"))


def _times_apart(target_unit: str, actual_unit: str) -> bool:
    """Two different units of time that do not convert exactly (个月 and 天, 天 and 工作日); one
    written with and without 个 (个工作日 and 工作日) is one unit."""
    t, a = target_unit.removeprefix("个"), actual_unit.removeprefix("个")
    return t != a and t in _TIME_UNITS and a in _TIME_UNITS and unit_factor(actual_unit, target_unit) is None


def _actual_text(v: Value, plan: RowPlan, budget: Budget) -> str:
    if plan.common is not None:
        return CM.actual_text(None if math.isnan(plan.actual) else plan.actual, plan.shown, plan.method == M_NA)
    if plan.method == rule_kinds.BUDGET and budget.rate is not None:
        return fmt_pct(budget.rate)
    return v.display


def score(data: WorkbookData, rules: RuleSet) -> Scorecard:
    """Score one workbook's data under a rule set (SPEC §3), with a reviewer's 复核 entries
    from an earlier 评分结果 when there are any (SPEC §4.4)."""
    card = _Scorer(data, rules).run()
    review = data.review
    found: list[Problem] = []
    if review.dropped:  # what a rerun cannot keep (said once): the sheet is written anew whatever
        found.append(dropped_review(card, review))  # its year or the form's state
    if review and data.year is not None and review.year not in (None, data.year):
        # a workbook of an earlier year reused (its 评分结果 and that year's review with it): that
        # reviewer's entries are not this year's judgment (not carried, said once)
        found.append(other_year_review(card, review))
        review = Review()
    if review and card.blank:  # an unfilled form stays 未填写 whatever was typed beside it
        carry_review(card, review)  # (its entries kept for when it is filled again)
    elif review:
        found += apply_review(card, review, L.review_cell)
    if found or review:
        card.problems = sorted(card.problems + found, key=lambda p: p.sort_key(PROBLEM_SHEET_ORDER))
        if review and not card.blank:
            settle_review(card)
        else:
            card.settle()
    return card
