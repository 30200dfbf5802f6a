"""How one indicator row is to be scored (SPEC §3): ``RowPlan`` says which rule kind applies and
holds the target and actual in one unit; ``Resolver`` makes it from the typed row, reporting what
keeps the row from being scored (a missing actual, a text where a number belongs). A part of the
scorer."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from selfeval_xl.reading import contract as L
from selfeval_xl.reading.rows import IndicatorRow
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
    SCALE_WORDS,
    TEXT,
    Value,
    normalize_text,
    scaled_unit,
    unit_factor,
)
from selfeval_xl.reading.workbook_data import BAD_OPERATOR
from selfeval_xl.rounding import differs_by_more, fmt_num, fmt_pct
from selfeval_xl.rules import common_indicators as CM
from selfeval_xl.rules import rule_kinds
from selfeval_xl.rules.ruleset import Common
from selfeval_xl.scoring.context import ScoringContext, label, level1_of
from selfeval_xl.scoring.qualitative import NONE_ANSWERS, prose_date
from selfeval_xl.scoring.scorecard import Budget

# The scorer's own methods, for rows no computed rule kind (``rules.rule_kinds``) scores.
M_QUAL = "qual"  # judged by its words (SPEC §3.6)
M_DATE = "date"  # a date against a deadline (SPEC §3.7)
M_NA = "na"  # a not-applicable row that still carries points, left out of the total (SPEC §3.13)
M_JUDGED = "judged"  # only 分值 and 申报得分, nothing measured: a person judges it (``judged_only``)
M_INVALID = "invalid"  # cannot be scored: 0 points, the reason reported at its cell
KIND_MISMATCH = "kind-mismatch"  # the file's 评价类型 is not the rule set's (added by the batch)

# what a 一级 / 二级指标 of the measured part says (产出指标, 项目产出, 社会效益指标, 服务对象满意度):
# its rows have a 指标值 and a 实际完成值, whatever a form prints beside them
_MEASURED = ("产出", "效益", "满意")

# what answers a target of 0 (安全事故 ≤0起 → 无 / 没有 / 未发生): the none answers the
# qualitative rules take as one, but 否, which answers a yes/no question, not how many
_ZERO_WORDS = NONE_ANSWERS - {"否"}


def _bare_scale_unit(scale: str, unit: str) -> str:
    """The unit a bare ``万``/``亿`` stands for against ``unit``: 万 of its money (48万 against
    ≤500000元 is 48万元), of its plain unit (1.2万 against ≥10000人 is 1.2万人, against ≥5万人
    too); itself against no unit or a rate (1.2万 against 95% is no count of percent)."""
    if unit in CURRENCY_SCALE:
        return scale + "元"
    if not unit or unit in ("%", "‰") or unit in SCALE_WORDS:  # (1.2万 against ≥1万: both in 万)
        return scale
    return scale + scaled_unit(unit)[0]


def _scale_of(unit: str) -> float:
    """How many a unit's 万 or 亿 counts: 万人 and 万 alone 10000, 亿人次 10^8, 人 (and 万元) 1."""
    return SCALE_WORDS.get(unit) or scaled_unit(unit)[1]


@dataclass(slots=True)
class RowPlan:
    """The rule for one row: a kind name from ``rules.rule_kinds`` or one of the ``M_*`` above."""

    method: str = M_INVALID
    target: float = math.nan
    actual: float = math.nan
    operator: str = ""
    unit: str = ""  # the unit target and actual are compared in
    note: str | None = None  # 评分说明 of a row that cannot be scored
    points: float | None = None  # a 共性 row scores on the rule set's 分值
    common: Common | None = None  # the 共性指标 the row is
    shown: str = ""  # a 共性 row: its formula with the inputs (or why it cannot be computed)
    actual_date: dt.date | None = None  # a date row's 实际完成值 (or the one date in its sentence)
    # how the actual was read, as said: put into the target's unit (36小时按 1.5天 计), or the
    # date taken from a sentence (实际完成值中的日期按 2024-03-31 计)
    converted: str = ""


# how an operator scores a number: up (正向: ≥ and >), down (反向: ≤ and <), or = (which scores
# as ≥ does, but for a warning past the target)
_FAMILY = {GE: "up", GT: "up", LE: "down", LT: "down", EQ: "="}


def _conflict(column: str, written: str | None) -> bool:
    """Whether the 指标性质 column's operator and the one written in the 指标值 score a number
    differently: ≥ against ≤, or = against ≤ (= against ≥ scores alike)."""
    pair = {_FAMILY.get(column), _FAMILY.get(written or "")}
    return None not in pair and len(pair) == 2 and "down" in pair


class Resolver(ScoringContext):
    dept: CM.DeptData  # 部门整体数据 for the 共性 formulas (set when the table is scored)

    def keep_common_rows(self, records: dict[int, IndicatorRow]) -> None:
        """For a 共性指标 listed more than once, the row that stays the rule set's (``common_rows``):
        the one its 指标来源 marks 共性, else the one under the rule set's 一级/二级指标, else the
        first. A 个性 copy typed above the template's own row is the one to delete, not the
        template's row (which would be scored as the copy and blamed)."""
        if not self.rules.common:
            return
        listed: dict[str, list[tuple[int, IndicatorRow, Common]]] = {}
        for row, r in records.items():
            if (common := self.rules.common_for(r.name)) is not None:
                listed.setdefault(common.key, []).append((row, r, common))
        for key, rows in listed.items():
            if len(rows) < 2:
                continue
            marked = [row for row, r, _ in rows if r.source == L.SOURCE_COMMON]
            placed = [
                row
                for row, r, c in rows
                if level1_of(r.level1) == level1_of(c.level1)
                and label(r.level2) == label(c.level2)
                and r.source != L.SOURCE_OWN
            ]
            self.common_rows[key] = (marked or placed or [rows[0][0]])[0]

    def resolve(self, row: int, r: IndicatorRow, budget: Budget) -> RowPlan:
        """Decide the rule for one row; returns method, target, actual, operator, unit and notes."""
        target: Value = r.target
        actual: Value = r.actual
        out = RowPlan(unit=r.unit)
        # a 共性 row is the rule set's, computed from 部门整体数据: a “/” or 不适用 typed in it does not
        # take it out of the total (that would rescale away a deduction the data call for)
        common = self.rules.common_for(r.name) if self.rules.common else None
        if common is not None:
            first = self.common_rows.setdefault(common.key, row)
            if first == row:
                return self.resolve_common(row, r, common)
            # listed again (as a 个性 row, say, above or below the rule set's row: keep_common_rows):
            # scored from the same data it would earn the same points twice, in place of an
            # indicator of the department's own duties
            where = self.data.indicator_cell(first, L.I_NAME)
            self.add_row(row, L.I_NAME, "common-twice", name=common.name, first=where)
            self.common_twice.add(row)
            out.note = f"共性指标“{common.name}”重复列出，计 0 分"
            return out
        if r.na and self.rules.na_points == "rescale":
            out.method = M_NA
            return out
        if r.na:
            self.add_row(row, L.I_POINTS, "not-applicable-points", mark=r.na, points=fmt_num(r.points))
            out.note = "标为不适用但有分值，计 0 分"
            return out
        if self.is_budget_row(r.level1, r.name):
            out.method, out.operator, out.target, out.unit = rule_kinds.BUDGET, GE, self.rules.budget_target, "%"
            if budget.rate is None:
                out.method = M_INVALID
                missing = L.B_ADJUSTED if not budget.adjusted else L.B_EXECUTED
                out.note = f"{missing}缺失或有误，无法计算预算执行率"
                return out
            out.actual = budget.rate
            if actual.kind == NUMBER and actual.number is not None:
                filled = actual.number
                # (exactly 0.01 apart is within 0.01: 90.51% typed for 90.5%, SPEC §2.4)
                tol = self.rules.rate_tolerance
                if differs_by_more(filled, budget.rate, tol) and differs_by_more(filled * 100, budget.rate, tol):
                    self.add_row(
                        row,
                        L.I_ACTUAL,
                        "budget-rate-mismatch",
                        claimed=actual.display,
                        computed=fmt_pct(budget.rate),
                    )
            return out
        op = r.operator
        if op == BAD_OPERATOR:  # reported by the reader
            return out
        if op in ("", QUAL) and self.judged_only(row, r):
            out.method = M_JUDGED
            return out
        if target.kind == NUMBER and _conflict(op, target.operator):
            # ≤ chosen, ≥95% typed (or = against ≤5天): the column decides (SPEC §2.4), but the two
            # score differently and the score turns on which is meant (a date target is "on or
            # before" whatever the column says: no conflict there)
            self.add_row(row, L.I_OPERATOR, "operator-conflict", column=r.operator_text or op, target=target.display)
            self.suspect_rows.add(row)
        if op == "" and target.kind in (NUMBER, DATE):
            # the operator written in the 指标值 (≥95%, 2023年12月31日前); a text target keeps its
            # words: 达到预期 / 不低于上年 is no "≥ a number" but text, i.e. 定性
            op = target.operator or ""
        if target.kind == DATE and op != QUAL:
            out.method, out.operator = M_DATE, LE
            return self._need_actual(row, actual, out, date=True, target_text=target.display, deadline=target.date)
        if target.kind == NUMBER and op != QUAL:
            if op == "":
                op = LE if label(r.level2) == self.rules.cost_level2 else EQ
            out.method, out.operator = rule_kinds.for_operator(op).name, op
            out.target = math.nan if target.number is None else target.number
            out.unit = target.unit or r.unit
            if out.unit in SCALE_WORDS:
                # ≥1万 against 12000人 (or 计量单位 人): 1万人, as ≥1万人 would be; ≤50万 against
                # 480000元: 50万元 (the mirror of a bare 1.2万 in 实际完成值, ``_bare_scale_unit``)
                # (≥0.5亿 against 5500万 with 计量单位 人: 亿人, the actual's bare 万 saying no unit)
                other = actual.unit if actual.kind == NUMBER and actual.unit else ""
                if other in SCALE_WORDS and r.unit:
                    other = r.unit
                out.unit = _bare_scale_unit(out.unit, other or r.unit)
            return self._need_actual(row, actual, out, date=False, typed_unit=r.unit)
        if op in ("", QUAL):
            if actual.kind == BLANK:
                if not self.already_bad(row, L.I_ACTUAL):
                    self.add_row(row, L.I_ACTUAL, "missing-value", field=L.I_ACTUAL)
                return out
            if target.kind == BLANK and actual.kind == NUMBER and op == "":
                self.add_row(row, L.I_TARGET, "missing-value", field=L.I_TARGET)
                return out
            out.method, out.operator = M_QUAL, QUAL
            return out
        # a numeric operator with a text or blank target
        out.operator = op
        if target.kind == BLANK:
            if not self.already_bad(row, L.I_TARGET):
                self.add_row(row, L.I_TARGET, "missing-value", field=L.I_TARGET)
        else:
            self.add_row(row, L.I_TARGET, "not-a-number", field=L.I_TARGET, value=target.display)
        return out

    def judged_only(self, row: int, r: IndicatorRow) -> bool:
        """A row judged, not measured: neither 指标值 nor 实际完成值, 分值 > 0 and a 申报得分 within
        them, outside 产出 / 效益 / 满意度 (the 项目决策 / 项目管理 rows of 湖北's single-sheet forms,
        决策依据 2 分 得 2 分, have no place for values). Like free text (SPEC §3.6) it awaits a
        reviewer, counting its 申报得分 until then: there is nothing for the unit to correct. With
        either value filled, no claim, a claim over the 分值, or under 产出 / 效益 / 满意度 (measured
        by definition: 工程质量合格 with no values is unfilled), the row stays the error it was
        (实际完成值未填写)."""
        if r.target.kind != BLANK or r.actual.kind != BLANK:
            return False
        if any(w in label(r.level1) or w in label(r.level2) for w in _MEASURED):
            return False
        p, c = r.points, r.claimed
        if math.isnan(p) or p <= 0 or math.isnan(c) or not 0 <= c <= p + 1e-9:
            return False
        # a cell that failed to read (#N/A, a formula with no cached value) is blank here: its error stands
        return not any(self.already_bad(row, h) for h in (L.I_TARGET, L.I_ACTUAL, L.I_CLAIMED, L.I_POINTS))

    def resolve_common(self, row: int, r: IndicatorRow, common: Common) -> RowPlan:
        """A 共性 row: the rule set's points and method, 实际完成值 computed from the data."""
        CM.check_row(common, r, row, self.cols, self.add_at)
        a, shown = self.dept.compute(common)
        out = RowPlan(
            target=common.target,
            operator=common.operator,
            unit="%",
            points=common.points,
            common=common,
            shown=shown,
        )
        if a is None:
            out.note = shown
            if common.key in self.dept.not_applicable:
                out.method = M_NA
            return out
        out.actual, out.method = a, common.kind.name
        actual: Value = r.actual
        tol = self.rules.rate_tolerance
        if actual.kind == NUMBER and actual.number is not None:
            differs = differs_by_more(actual.number, a, tol) and differs_by_more(actual.number * 100, a, tol)
        else:  # typed “/” or 不适用 there: the row still counts, by the data
            differs = r.na is not None and actual.kind != BLANK and actual.display.strip() == r.na
        if differs:
            self.add_row(
                row,
                L.I_ACTUAL,
                "computed-mismatch",
                indicator=common.name,
                claimed=actual.display,
                computed=fmt_pct(a),
            )
        return out

    def _need_actual(
        self,
        row: int,
        actual: Value,
        out: RowPlan,
        date: bool,
        target_text: str = "",
        typed_unit: str = "",
        deadline: dt.date | None = None,
    ) -> RowPlan:
        """The actual the row is scored on (``out.actual`` or its date), in the target's unit: a
        number with no unit of its own is in the row's 计量单位 (``typed_unit``); against a date
        ``deadline``, the one date in a text (``prose_date``)."""
        if actual.kind == BLANK:
            if not self.already_bad(row, L.I_ACTUAL):
                self.add_row(row, L.I_ACTUAL, "missing-value", field=L.I_ACTUAL)
            out.method = M_INVALID
        elif date:
            if actual.kind == DATE:
                out.actual_date = actual.date
            elif actual.kind == TEXT:
                # the one date in a sentence (已于2024年3月完成验收: late, whatever its 完成 says);
                # else 按时完成 / 在规定时间内完成: judged by words (or, with dates that cannot be
                # taken at their word, by a person: ``score_qualitative``)
                found = prose_date(actual, deadline, self.data.year)[0] if deadline else None
                if found is None:
                    out.method = M_QUAL
                else:
                    out.actual_date = found
                    out.converted = f"实际完成值中的日期按 {found.isoformat()} 计"
            else:
                self.add_row(
                    row,
                    L.I_ACTUAL,
                    "target-not-comparable",
                    target=target_text or "日期",
                    value=actual.display,
                    detail="指标值是日期，实际完成值应为日期",
                )
                out.method = M_INVALID
        elif actual.kind == TEXT and out.target == 0 and normalize_text(actual.text) in _ZERO_WORDS:
            out.actual = 0.0  # 安全事故 ≤0起 → 无: nothing happened, as intended
        elif actual.kind == NUMBER and actual.number is not None:
            a = actual.number
            typed = unit = actual.unit or typed_unit  # (计量单位 元, 指标值 ≥10万元, 实际 95000: 9.5万元)
            if unit in SCALE_WORDS:
                unit = _bare_scale_unit(unit, out.unit)
            if unit in SCALE_WORDS and not out.unit:  # 1.2万 against ≥10000, no unit on either side
                a *= SCALE_WORDS[unit]
                out.converted = f"{fmt_num(actual.number)}{typed}按 {fmt_num(a)} 计"
            elif unit in SCALE_WORDS and out.unit in SCALE_WORDS and unit != out.unit:
                # both bare, in two scales: 0.5亿 against ≥1万 is 5000万 (it compared 0.5 with 1)
                a *= SCALE_WORDS[unit] / SCALE_WORDS[out.unit]
                out.converted = f"{fmt_num(actual.number)}{typed}按 {fmt_num(a)}{out.unit} 计"
            elif (factor := unit_factor(unit, out.unit)) not in (None, 1.0):  # (天 and 日: the same)
                a *= factor
                out.converted = f"{fmt_num(actual.number)}{typed}按 {fmt_num(a)}{out.unit} 计"
            elif not actual.unit and _scale_of(out.unit) > 1 and 0 < out.target * 1000 <= a:
                # a bare 46000 against ≥5万人 (or ≥5万) is the count itself (as 4.6 would be 4.6万人):
                # a bare number a thousand times the target's is not in its 万 or 亿, whether or not
                # the 计量单位 column repeats the target's unit
                a /= _scale_of(out.unit)
                out.converted = f"{fmt_num(actual.number)}按 {fmt_num(a)}{out.unit} 计"
            out.actual = a
        else:
            self.add_row(row, L.I_ACTUAL, "not-a-number", field=L.I_ACTUAL, value=actual.display)
            out.method = M_INVALID
        return out
