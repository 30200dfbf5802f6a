"""Pure scoring: (WorkbookData, RuleSet) → Scorecard, following SPEC §3. No file I/O.

Each indicator row is first *resolved* (which rule applies, target and actual in one unit),
then scored row by row in plain Python (pandas only builds the optional ``Scorecard.rows``
view: for tables of tens of rows its per-call overhead cost more than the arithmetic). Every
finding is a ``Problem`` with its cell."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from selfeval_xl.errors import Problem
from selfeval_xl.outputs.results_sheet import review_cell
from selfeval_xl.reading import contract as L
from selfeval_xl.reading.review_columns import apply_review, settle_review
from selfeval_xl.reading.rows import IndicatorRow
from selfeval_xl.reading.template_layout import BAD_OPERATOR, WorkbookData
from selfeval_xl.reading.values import (
    BLANK,
    CURRENCY_SCALE,
    DATE,
    EQ,
    GE,
    GT,
    LE,
    LT,
    NUMBER,
    QUAL,
    TEXT,
    Value,
    normalize_text,
)
from selfeval_xl.rounding import fmt_num, fmt_pct, round_half_up
from selfeval_xl.rules import common_indicators as CM
from selfeval_xl.rules.ruleset import RuleSet
from selfeval_xl.scoring.audit import AuditChecks
from selfeval_xl.scoring.qualitative import QualitativeRules
from selfeval_xl.scoring.scorecard import Budget, Scorecard
from selfeval_xl.scoring.verdict import BLANK_CODE

# Resolved scoring methods.
M_GE, M_LE, M_EQ, M_BUDGET, M_QUAL, M_DATE, M_INVALID = (
    "ge",
    "le",
    "eq",
    "budget",
    "qual",
    "date",
    "invalid",
)
M_COMMON = "common"  # a 共性指标 under a step or bands method (ratio ones use M_GE/M_LE)
M_NA = "na"  # a not-applicable row that still carries points, left out of the total (SPEC §3.13)
KIND_MISMATCH = "kind-mismatch"  # the file's 评价类型 is not the rule set's (added by the batch)
_NUMERIC_METHOD = {GE: M_GE, GT: M_GE, LE: M_LE, LT: M_LE, EQ: M_EQ}


# Problems are listed in the order of the workbook's sheets (then row, column).
PROBLEM_SHEET_ORDER = (L.SHEET_INFO, L.SHEET_BUDGET, L.SHEET_DEPT_DATA, L.SHEET_INDICATORS)


# --- numeric rules (SPEC §3.1–3.4), one row at a time -------------------------------------
def _score_ge(p: float, t: float, a: float, rules: RuleSet) -> float:
    if t == 0:
        return p if a >= 0 else 0.0
    return p if a >= t else p * max(a, 0.0) / t


def _score_le(p: float, t: float, a: float, rules: RuleSet) -> float:
    if t == 0:
        return p if a <= 0 else 0.0
    if a <= t:
        return p
    if rules.reverse_method == "linear":
        return p * max(0.0, 1 - (a - t) / t)
    return p * t / a if a else 0.0


def _score_eq(p: float, t: float, a: float, rules: RuleSet) -> float:
    if t == 0:
        return p if a <= 0 else 0.0
    equal = abs(a - t) <= rules.equal_tolerance * max(abs(t), abs(a))
    return p if equal or a > t else p * max(a, 0.0) / t


def _score_budget(p: float, t: float, a: float, rules: RuleSet) -> float:
    return p * min(max(a, 0.0) / 100, 1.0)


NUMERIC_RULES: dict[str, Callable[[float, float, float, RuleSet], float]] = {
    M_GE: _score_ge,
    M_LE: _score_le,
    M_EQ: _score_eq,
    M_BUDGET: _score_budget,
}


# --- the scorer --------------------------------------------------------------------------
class _Scorer(QualitativeRules, AuditChecks):
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

    # budget ---------------------------------------------------------------------------
    def budget(self) -> Budget:
        data, rules = self.data, self.rules
        sheet = data.sheet(L.SHEET_BUDGET)
        cols = data.budget_columns
        total = data.budget.get(L.B_TOTAL)
        parts = [data.budget[c] for c in L.BUDGET_ROWS[1:] if c in data.budget]
        figures: dict[str, float | None] = {}
        header_row = data.budget_header_row

        def at_header(header: str) -> str | None:
            """With no 年度资金总额 line, a budget problem points at its column's header in the
            sheet where that line belongs (never at a form's title row)."""
            return f"{cols[header]}{header_row}" if header in cols and header_row else None

        for header, attr in L.BUDGET_AMOUNTS:
            value = getattr(total, attr) if total else None
            filled = [getattr(p, attr) for p in parts if getattr(p, attr) is not None]
            cell = f"{cols[header]}{total.row}" if total and header in cols else None
            if filled and sum(filled) and not value and not (cell and data.cell_has_error(L.SHEET_BUDGET, cell)):
                value = sum(filled)
                self.add(
                    sheet,
                    cell or at_header(header),
                    "budget-total-rebuilt",
                    column=header,
                    value=fmt_num(value),
                )
            elif filled and value is not None and abs(value - sum(filled)) > rules.sum_tolerance / data.amount_scale:
                self.add(
                    sheet,
                    cell,
                    "budget-total-mismatch",
                    column=header,
                    total=fmt_num(value),
                    parts=fmt_num(sum(filled)),
                )
            figures[attr] = value
        scale = data.amount_scale
        b = Budget(*(None if figures[k] is None else figures[k] * scale for _, k in L.BUDGET_AMOUNTS))
        # (a standard form may have no 项目资金 block at all: no columns, the problem names the sheet)
        if total is not None:
            adjusted_cell = f"{cols[L.B_ADJUSTED]}{total.row}" if L.B_ADJUSTED in cols else None
        else:
            adjusted_cell = at_header(L.B_ADJUSTED)
        if total is None and not parts:
            self.add(sheet, at_header(L.B_CATEGORY) or adjusted_cell, "budget-line-missing")
        elif not figures["adjusted"]:
            if not data.cell_has_error(L.SHEET_BUDGET, adjusted_cell):
                self.add(sheet, adjusted_cell, "budget-missing")
        else:
            b.rate = (figures["executed"] or 0.0) / figures["adjusted"] * 100
            cache = data.budget_rate_cache
            if cache is not None and abs(cache[1] - b.rate) > rules.rate_tolerance:
                self.add(
                    sheet,
                    cache[0],
                    "formula-cache-mismatch",
                    field=L.B_RATE_DISPLAY,
                    cached=fmt_pct(cache[1]),
                    computed=fmt_pct(b.rate),
                )
            if b.rate > 100 + 1e-9:
                executed_cell = (
                    f"{cols[L.B_EXECUTED]}{total.row}" if total and L.B_EXECUTED in cols else at_header(L.B_EXECUTED)
                )
                self.add(sheet, executed_cell, "budget-over-executed", rate=fmt_pct(b.rate))
        return b

    # resolution -----------------------------------------------------------------------
    def is_budget_row(self, level1: str, name: str) -> bool:
        ind = self.rules.budget_indicator
        return L.canonical_level1(level1) == ind or L.normalize_label(name) == ind

    def resolve(self, row: int, r: IndicatorRow, budget: Budget) -> dict[str, Any]:
        """Decide the rule for one row; returns method, t, a, operator, unit and notes."""
        target: Value = r.target
        actual: Value = r.actual
        out: dict[str, Any] = {
            "method": M_INVALID,
            "t": math.nan,
            "a": math.nan,
            "op": "",
            "eff_unit": r.unit,
        }
        if r.na and self.rules.na_points == "rescale":
            out["method"] = M_NA
            return out
        if r.na:
            self.add_row(row, L.I_POINTS, "not-applicable-points", mark=r.na, points=fmt_num(r.points))
            out["note"] = "标为不适用但有分值，计 0 分"
            return out
        if self.is_budget_row(r.level1, r.name):
            out.update(method=M_BUDGET, op=GE, t=self.rules.budget_target, eff_unit="%")
            if budget.rate is None:
                out["method"] = M_INVALID
                out["note"] = "全年预算数缺失，无法计算预算执行率"
                return out
            out["a"] = budget.rate
            if actual.kind == NUMBER and actual.number is not None:
                filled = actual.number
                if (
                    abs(filled - budget.rate) > self.rules.rate_tolerance
                    and abs(filled * 100 - budget.rate) > self.rules.rate_tolerance
                ):
                    self.add_row(
                        row,
                        L.I_ACTUAL,
                        "budget-rate-mismatch",
                        claimed=actual.display,
                        computed=fmt_pct(budget.rate),
                    )
            return out
        common = self.rules.common_for(r.name) if self.rules.common else None
        if common is not None:
            return self.resolve_common(row, r, common)
        op = r.operator
        if op == BAD_OPERATOR:  # reported by the reader
            return out
        if op == "":
            op = target.operator or ""
        if target.kind == DATE and op != QUAL:
            out.update(method=M_DATE, op=LE)
            return self._need_actual(row, actual, out, date=True)
        if target.kind == NUMBER and op != QUAL:
            if op == "":
                op = LE if L.normalize_label(r.level2) == self.rules.cost_level2 else EQ
            out.update(method=_NUMERIC_METHOD[op], op=op, t=target.number)
            out["eff_unit"] = target.unit or r.unit
            return self._need_actual(row, actual, out, date=False)
        if op in ("", QUAL):
            if actual.kind == BLANK:
                if not self.already_bad(row, L.I_ACTUAL):
                    self.add_row(row, L.I_ACTUAL, "missing-value", field=L.I_ACTUAL)
                return out
            if target.kind == BLANK and actual.kind == NUMBER and op == "":
                self.add_row(row, L.I_TARGET, "missing-value", field=L.I_TARGET)
                return out
            out.update(method=M_QUAL, op=QUAL)
            return out
        # a numeric operator with a text or blank target
        out["op"] = op
        if target.kind == BLANK:
            if not self.already_bad(row, L.I_TARGET):
                self.add_row(row, L.I_TARGET, "missing-value", field=L.I_TARGET)
        else:
            self.add_row(row, L.I_TARGET, "not-a-number", field=L.I_TARGET, value=target.display)
        return out

    def resolve_common(self, row: int, r: IndicatorRow, common: Any) -> dict[str, Any]:
        """A 共性 row: the rule set's points and method, 实际完成值 computed from the data."""
        CM.check_row(common, r, row, self.cols, self.add_at)
        a, shown = self.dept.compute(common)
        out: dict[str, Any] = {
            "method": M_INVALID,
            "t": common.target,
            "a": math.nan,
            "op": common.operator,
            "eff_unit": "%",
            "points": common.points,
            "common": common,
            "shown": shown,
        }
        if a is None:
            out["note"] = shown
            return out
        out.update(a=a, method=_NUMERIC_METHOD[common.operator] if common.method == "ratio" else M_COMMON)
        actual: Value = r.actual
        tol = self.rules.rate_tolerance
        if actual.kind == NUMBER and actual.number is not None:
            if abs(actual.number - a) > tol and abs(actual.number * 100 - a) > tol:
                self.add_row(
                    row,
                    L.I_ACTUAL,
                    "computed-mismatch",
                    indicator=common.name,
                    claimed=actual.display,
                    computed=fmt_pct(a),
                )
        return out

    def _need_actual(self, row: int, actual: Value, out: dict[str, Any], date: bool) -> dict[str, Any]:
        if actual.kind == BLANK:
            if not self.already_bad(row, L.I_ACTUAL):
                self.add_row(row, L.I_ACTUAL, "missing-value", field=L.I_ACTUAL)
            out["method"] = M_INVALID
        elif date:
            if actual.kind == DATE:
                out["a_date"] = actual.date
            elif actual.kind == TEXT:
                out["method"] = M_QUAL  # 按时完成 / 在规定时间内完成: judged by words
            else:
                self.add_row(
                    row,
                    L.I_ACTUAL,
                    "target-not-comparable",
                    target="日期",
                    value=actual.display,
                    detail="指标值是日期，实际完成值应为日期",
                )
                out["method"] = M_INVALID
        elif actual.kind == TEXT and out["t"] == 0 and normalize_text(actual.text) in _ZERO_WORDS:
            out["a"] = 0.0  # 安全事故 ≤0起 → 无: nothing happened, as intended
        elif actual.kind == NUMBER:
            a = actual.number
            t_unit, a_unit = out["eff_unit"], actual.unit
            if t_unit in CURRENCY_SCALE and a_unit in CURRENCY_SCALE and t_unit != a_unit:
                a = a * CURRENCY_SCALE[a_unit] / CURRENCY_SCALE[t_unit]
            out["a"] = a
        else:
            self.add_row(row, L.I_ACTUAL, "not-a-number", field=L.I_ACTUAL, value=actual.display)
            out["method"] = M_INVALID
        return out

    # the whole table --------------------------------------------------------------------
    def run(self) -> Scorecard:
        data, rules = self.data, self.rules
        budget = self.budget()
        self.dept = CM.DeptData(data, rules, budget, self.add_at)
        records = data.records
        plans = {row: self.resolve(row, r, budget) for row, r in records.items()}
        self.common_checks(plans)
        out = [self.score_row(row, r, plans[row], budget) for row, r in records.items()]
        # one problem per mistake (SPEC §3.12): a row with an input error, or one awaiting a
        # person's judgment, gets no 申报≠核定 / 偏差原因 warning; a total made provisional by
        # such rows is not compared with the 申报总分
        errored = self.errored_rows(out)
        left_out = {r["row"] for r in out if r["method"] == M_NA}
        settled = {r["row"] for r in out} - errored - self.review_rows - left_out - self.suspect_rows
        self.row_checks(out, records, settled)
        total = self.total(out)
        points_known = not any(math.isnan(r["points"]) for r in out)
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
        card = Scorecard(data, rules, out, subtotals, total, None, claimed_total, budget, problems, blank=blank)
        return card.settle()

    def errored_rows(self, rows: list[dict[str, Any]]) -> set[int]:
        """Indicator rows with an error: reported at one of their cells, or unscorable."""
        bad = {r["row"] for r in rows if r["method"] == M_INVALID or math.isnan(r["points"])}
        for p in self.problems:
            if p.is_error and p.where.sheet == self.sheet and (m := re.fullmatch(r"[A-Z]+(\d+)", p.where.cell or "")):
                bad.add(int(m.group(1)))
        return bad

    def total(self, rows: list[dict[str, Any]]) -> float:
        """Σ row scores; with not-applicable rows left out, rescaled to the full points
        (Σ scores × 100 ÷ Σ applicable 分值), each such row warned at its 分值 cell."""
        scored = sum(r["score"] for r in rows if r["method"] != M_NA)
        left_out = [r for r in rows if r["method"] == M_NA]
        if not left_out:
            return round_half_up(scored)
        applicable = sum(r["points"] for r in rows if r["method"] != M_NA and not math.isnan(r["points"]))
        total = round_half_up(scored * self.rules.total_points / applicable) if applicable > 0 else 0.0
        for r in left_out:
            self.add_row(
                r["row"],
                L.I_POINTS,
                "not-applicable-rescaled",
                mark=self.data.records[r["row"]].na,
                points=fmt_num(r["points"]),
                applicable=fmt_num(round_half_up(applicable)),
                scored=fmt_num(round_half_up(scored)),
                full=fmt_num(self.rules.total_points),
                total=fmt_num(total),
            )
        return total

    def is_blank(self, rows: list[dict[str, Any]]) -> bool:
        """No 实际完成值 in any 个性 row (nor a cell there that failed to read) and no 全年执行数
        (0 counts as none: budget systems export unfilled forms with 0.00 there)."""
        if any(b.executed for b in self.data.budget.values()):
            return False
        for r in filter(self.is_own, rows):
            cell = self.data.indicator_cell(r["row"], L.I_ACTUAL)
            if self.data.records[r["row"]].actual.kind != BLANK or self.data.cell_has_error(L.SHEET_INDICATORS, cell):
                return False
        return True

    def is_own(self, r: dict[str, Any]) -> bool:
        """A 个性 row: not the 预算执行率 line, not a 共性指标, not marked not applicable."""
        if self.data.records[r["row"]].na or self.is_budget_row(r["level1"], r["name"]):
            return False
        return not (self.rules.common and self.rules.common_for(r["name"]))

    def blank_problem(self, rows: list[dict[str, Any]]) -> Problem:
        """At the first 个性 row's 实际完成值; with no 个性 row typed yet (a blank template: only the
        rule set's rows carry a name), at the first row below the header that holds no indicator
        read, where the first 个性指标 goes (H3 under a template's 预算执行率 row)."""
        own = [r["row"] for r in rows if self.is_own(r)]
        if own:
            first = own[0]
        else:
            first = self.data.indicator_header_row + 1
            while first in self.data.records:
                first += 1
        return Problem.at(self.data.file, self.sheet, self.data.indicator_cell(first, L.I_ACTUAL), BLANK_CODE)

    def score_row(self, row: int, r: IndicatorRow, plan: dict[str, Any], budget: Budget) -> dict[str, Any]:
        """One indicator's score, note and completion rate (SPEC §3)."""
        method, t, a = plan["method"], plan["t"], plan["a"]
        p = float(plan.get("points", r.points))  # 共性 rows score on the rule set's points
        score, note = 0.0, ""
        if method == M_NA:
            score, note = math.nan, f"不适用（“{r.na}”），不计分，总分按适用指标分值折算"
        elif math.isnan(p):
            if not self.already_bad(row, L.I_POINTS):
                self.add_row(row, L.I_POINTS, "missing-value", field=L.I_POINTS)
        elif method == M_QUAL:
            score, note = self.score_qualitative(row, r, p)
        elif method == M_DATE:
            score, note = self.score_date(row, r, plan, p)
        elif method == M_COMMON:
            score, note = CM.score(plan["common"], a)
        elif method in NUMERIC_RULES and not math.isnan(a):
            score = NUMERIC_RULES[method](p, t, a, self.rules)
            note = self.numeric_checks(row, r, plan, p, score)
        else:
            note = plan.get("note", "无法评分，计 0 分")
        score = score if math.isnan(score) else round_half_up(score)
        if method == M_BUDGET or "common" in plan:
            rate = a
        elif method in NUMERIC_RULES and t != 0 and not math.isnan(t):
            rate = a / t * 100
        else:
            rate = math.nan
        claimed = r.claimed
        return {
            "row": row,
            "level1": r.level1,
            "level2": r.level2,
            "name": r.name,
            "operator": plan["op"] or "",
            "target_text": r.target.display,
            "actual_text": _actual_text(r.actual, plan, budget),
            "unit": plan["eff_unit"] or "",
            "points": p,
            "score": score,
            "claimed": claimed,
            "rate": round_half_up(rate),
            "note": note,
            "method": method,
            "diff": round_half_up(claimed - score),
        }

    def numeric_checks(self, row: int, r: IndicatorRow, out: dict[str, Any], p: float, score: float) -> str:
        t, a, method, op = out["t"], out["a"], out["method"], out["op"]
        if method == M_BUDGET:
            return f"预算执行率 {fmt_pct(a)}，{fmt_num(p)} × min({fmt_pct(a)}, 100%)"
        actual: Value = r.actual
        if (out["eff_unit"] == "%" or r.unit == "%") and t > 1 and 0 < a <= 1 and actual.unit != "%":
            self.add_row(
                row,
                L.I_ACTUAL,
                "percent-scale",
                value=fmt_num(a),
                suggest=fmt_num(a * 100),
                target=fmt_num(t),
            )
            self.suspect_rows.add(row)
        elif not out["eff_unit"] and actual.unit == "%" and 0 < t <= 1 < a:
            # the mirror slip: 95% typed as 0.95 (or 100% as 1) in a General target cell, the
            # actual 98%: not "实际完成值为指标值的 10316%" and a deviation, but the question
            self.add_row(row, L.I_TARGET, "target-percent-scale", value=fmt_num(t), suggest=fmt_num(t * 100))
            self.suspect_rows.add(row)
            return f"{op}：实际 {fmt_num(a)}%，指标 {fmt_num(t)}（是否应为 {fmt_num(t * 100)}%？）"
        elif _percent_against_count(out["eff_unit"], actual):
            # ≥95% against 98人: a rate and a count; compared by their numbers, but flagged
            self.add_row(row, L.I_ACTUAL, "unit-mismatch", target_unit=out["eff_unit"], actual_unit=actual.unit)
            self.suspect_rows.add(row)
        if method in (M_GE, M_EQ) and t > 0 and a >= self.rules.over_achievement * t * (1 - 1e-12):
            self.add_row(
                row,
                L.I_ACTUAL,
                "over-achievement",
                ratio=fmt_pct(a / t * 100),
                limit=fmt_pct(self.rules.over_achievement * 100),
            )
        if method == M_EQ and a > t and abs(a - t) > self.rules.equal_tolerance * max(abs(a), abs(t)):
            unit = out["eff_unit"] or ""  # 98% 超过 95%, not 98 超过 95
            self.add_row(row, L.I_ACTUAL, "equal-exceeded", actual=fmt_num(a) + unit, target=fmt_num(t) + unit)
        if score >= p - 1e-9:
            return f"{op}：实际 {fmt_num(a)}，指标 {fmt_num(t)}，得满分"
        if method == M_LE and self.rules.reverse_method == "ratio":
            return f"{op}：{fmt_num(p)} × {fmt_num(t)} ÷ {fmt_num(a)}"
        if method == M_LE:
            return f"{op}：{fmt_num(p)} × (1 − ({fmt_num(a)} − {fmt_num(t)}) ÷ {fmt_num(t)})"
        return f"{op}：{fmt_num(p)} × {fmt_num(max(a, 0))} ÷ {fmt_num(t)}"


def _percent_against_count(target_unit: str, actual: Value) -> bool:
    """One side a percentage, the other a named unit that is not one (人, 个, 万元)."""
    a_unit = actual.unit or ""
    return bool(target_unit and a_unit) and ("%" in target_unit) != ("%" in a_unit)


_ZERO_WORDS = {"无", "零", "没有", "未发生", "无发生"}


def _actual_text(v: Value, plan: dict[str, Any], budget: Budget) -> str:
    if "common" in plan:
        return CM.actual_text(None if math.isnan(plan["a"]) else plan["a"], plan["shown"])
    if plan.get("method") == M_BUDGET and budget.rate is not None:
        return fmt_pct(budget.rate)
    return v.display


def score(data: WorkbookData, rules: RuleSet) -> Scorecard:
    """Score one workbook's data under a rule set (SPEC §3), with a reviewer's 复核 entries
    from an earlier 评分结果 when there are any (SPEC §4.4)."""
    card = _Scorer(data, rules).run()
    if data.review and not card.blank:  # an unfilled form stays 未填写 whatever was typed beside it
        found = apply_review(card, data.review, review_cell)
        card.problems = sorted(card.problems + found, key=lambda p: p.sort_key(PROBLEM_SHEET_ORDER))
        settle_review(card)
    return card
