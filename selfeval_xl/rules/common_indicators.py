"""部门整体支出 共性指标 (SPEC §3.11): their 实际完成值 computed from 部门整体数据 and the budget,
and the check that a template's rule-owned cells were not changed (their scoring methods are rule
kinds, in ``rule_kinds``). Used by ``scoring``; pure, problems go through ``report``."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Protocol

from selfeval_xl.reading import contract as L
from selfeval_xl.reading.cells import no_amount_mark
from selfeval_xl.reading.rows import IndicatorRow
from selfeval_xl.reading.values import (
    BLANK,
    CURRENCY_SCALE,
    LE,
    LT,
    NUMBER,
    Value,
    money_unit,
    parse_value,
    scaled_unit,
    without_yen,
)
from selfeval_xl.reading.workbook_data import WorkbookData
from selfeval_xl.rounding import fmt_num, fmt_pct
from selfeval_xl.rules.formula import MissingValue, ZeroDenominator, item_key
from selfeval_xl.rules.ruleset import BUDGET_NAMES, Common, RuleSet

Report = Callable[..., None]  # report(sheet, cell, code, **fields)
BOTH_ZERO = "，分子分母均为 0"  # said after the formula of a 共性指标 whose data are 0 ÷ 0


class BudgetFigures(Protocol):
    """年度资金总额 in 万元 (``scoring.scorecard.Budget``), as the formulas read it."""

    initial: float | None
    adjusted: float | None
    executed: float | None


_BUDGET_KEYS = {item_key(k): v for k, v in BUDGET_NAMES.items()}


def budget_item(data: WorkbookData, name: str) -> tuple[str, str, str | None] | None:
    """A formula name that is a 预算执行 figure (全年预算数, 全年执行数 …): its ``Budget`` attribute,
    its column header and its cell on the 年度资金总额 line (None without that line or column);
    None for a 部门整体数据 item."""
    attr = _BUDGET_KEYS.get(item_key(name))
    if attr is None:
        return None
    header = next(h for h, a in L.BUDGET_AMOUNTS if a == attr)
    total, col = data.budget.get(L.B_TOTAL), data.budget_columns.get(header)
    return attr, header, f"{col}{total.row}" if total and col else None


class DeptData:
    """Looks formula names up in 部门整体数据 (or the budget), in 万元 for amounts, and reports
    each missing, blank, non-numeric or negative item once, at its cell."""

    def __init__(self, data: WorkbookData, rules: RuleSet, budget: BudgetFigures, report: Report):
        self.data, self.rules, self.budget, self.report = data, rules, budget, report
        self.items = {item_key(d.name): d for d in rules.data_items}
        self.reported: set[str] = set()
        self.not_applicable: set[str] = set()  # keys of 共性指标 whose data say they do not apply (0 ÷ 0)
        self.marks: dict[str, str] = {}  # item key → the "none" mark typed for it (—, /, 无), read as 0
        self.zero_told: str | None = None  # the cell a zero denominator of the row computed was told at

    def value(self, name: str) -> float | None:
        key = item_key(name)
        if key in _BUDGET_KEYS:
            return getattr(self.budget, _BUDGET_KEYS[key])
        entry = self.data.dept_data.get(key)
        if entry is None or entry.value.kind == BLANK:
            return None
        v: Value = entry.value
        item = self.items.get(key)
        if (mark := no_amount_mark(v.raw)) is not None:
            heads = item is not None and item.count and item.unit == "人"  # (辆, 个 may be none)
            return self._none_mark(key, entry.name, entry.cell, mark, heads)
        money = item is not None and item.money
        if money and isinstance(v.raw, str) and (bare := without_yen(v.raw)) is not None:
            v = parse_value(bare)  # ￥50万, as on 预算执行 (parse_amount)
        unit = money_unit(v.unit) if money else v.unit  # 120万 is 120万元
        if (
            v.kind != NUMBER
            or v.operator is not None
            or v.approx  # 约20人, 200余人: a figure is exact (as a score is, ``points_number``)
            or v.number is None
            or (money and unit and unit not in CURRENCY_SCALE)  # 5.2% or 12人 where an amount belongs
            or (not money and (unit == "%" or money_unit(unit) in CURRENCY_SCALE))  # 30% or 28万元 people
        ):
            self._once(key, entry.cell, "not-a-number", field=entry.name, value=entry.value.display)
            return None
        if v.number < 0:  # every item is a count or an amount (预算调整数: Σ|调整|), as the template asks
            self._once(key, entry.cell, "negative-data", field=entry.name, value=entry.value.display)
            return None
        if not money:
            count = v.number * scaled_unit(unit)[1]  # 1.2万人 is 12000
            if item is not None and item.count and abs(count - round(count)) > 1e-9:
                # 在职人数 19.5: people come whole. A usable number, so scored as typed (a 0.5 for a
                # part-timer is plausible), but told at the cell: 195 or 20 may have been meant
                self._once(
                    key, entry.cell, "fractional-count", field=entry.name, value=entry.value.display, unit=item.unit
                )
            return count
        if unit in CURRENCY_SCALE:
            return v.number * CURRENCY_SCALE[unit] / CURRENCY_SCALE["万元"]
        return v.number * self.data.amount_scale

    def _none_mark(self, key: str, name: str, cell: str, mark: str, heads: bool) -> float | None:
        """A "none" mark (—, /, 无, 不适用) typed for an item. For an amount it means what the template
        asks to be typed as 0 (no 政府采购, no 预算调整, no “三公” last year): read as 0, told at the
        cell, and the zero rules decide the rows (0 ÷ 0 where more is better: not applicable and
        rescaled, or an error under na_points = "error"; 0 ÷ 0 where less is better: 0%; x ÷ 0
        where less is better: 0 分, warned). Reading it as "the row does not apply" instead would
        drop a 预算调整数 无 (0%, full marks) from the total, and let 上年“三公” — escape the 0 that
        a typed 0 gets. A head count (in 人) has no "none": a department always has 编制 and staff."""
        if heads:
            self._once(key, cell, "data-count-none", field=name, value=mark)
            return None
        self.marks[key] = mark  # told by ``compute`` once the row's outcome is known
        return 0.0

    def is_amount(self, name: str) -> bool:
        """Whether a formula name is an amount (read in 万元): a budget figure or a money item."""
        key = item_key(name)
        return key in _BUDGET_KEYS or ((item := self.items.get(key)) is not None and item.money)

    def _once(self, key: str, cell: str, code: str, **fields: str) -> None:
        """Report a data item's problem at its cell, once however many formulas use it."""
        if key not in self.reported:
            self.reported.add(key)
            self.report(L.SHEET_DEPT_DATA, cell, code, **fields)

    def _missing(self, name: str, common: Common) -> None:
        """Say once, at its cell, that an item the formula needs is blank or absent (a typed one
        that is not a usable number was said by ``value``)."""
        key = item_key(name)
        if key in self.reported:
            return
        self.reported.add(key)
        sheet, cell = self.cell_of(name)
        if _said_by_budget(name):
            return  # (a 全年预算数 blank or 0 is budget-missing at the same cell: one error a cell)
        if (mark := self._budget_mark(name)) is not None:
            # 年初预算数 “—” on the 年度资金总额 line: typed, so not “未填写”; an amount is wanted
            self.report(sheet, cell, "budget-no-amount", field=f"{L.B_TOTAL}{name}", value=mark, indicator=common.name)
        elif key in self.data.dept_data or key in _BUDGET_KEYS:
            if cell is None or not self.data.cell_has_error(sheet, cell):  # (one error a cell)
                self.report(sheet, cell, "missing-value", field=name)
        elif cell is None:  # no 部门整体数据 sheet at all: said once, not once an item
            if "" not in self.reported:
                self.reported.add("")
                self.report(sheet, None, "data-sheet-missing")
        else:  # no row of it at all: said at the sheet's 数值 header
            self.report(sheet, cell, "data-item-missing", item=name, indicator=common.name)

    def _budget_mark(self, name: str) -> str | None:
        """The mark (—, /, 无) typed for a 预算执行 figure on the 年度资金总额 line, if any."""
        budget, total = budget_item(self.data, name), self.data.budget.get(L.B_TOTAL)
        return total.typed.get(budget[0]) if budget is not None and total is not None else None

    def cell_of(self, name: str) -> tuple[str, str | None]:
        if (budget := budget_item(self.data, name)) is not None:
            return L.SHEET_BUDGET, budget[2]
        entry = self.data.dept_data.get(item_key(name))
        return L.SHEET_DEPT_DATA, entry.cell if entry else self.data.dept_data_header

    def compute(self, common: Common) -> tuple[float | None, str]:
        """(the indicator in percent, the formula with its inputs) or (None, why not)."""
        self.zero_told = None
        out = self._compute(common)
        for name in common.formula.names:
            # each "none" mark read as 0, told once at its cell (cell and item named), unless the
            # row's zero-denominator problem was told there: it quotes the mark already
            key = item_key(name)
            if key in self.marks and key not in self.reported:
                self.reported.add(key)
                entry = self.data.dept_data[key]
                if entry.cell != self.zero_told:
                    self.report(
                        L.SHEET_DEPT_DATA, entry.cell, "data-none-mark", field=entry.name, value=self.marks[key]
                    )
        return out

    def _compute(self, common: Common) -> tuple[float | None, str]:
        values: dict[str, float | str] = {}  # as shown: amounts in the workbook's 金额单位, as typed there

        def lookup(name: str) -> float | None:
            v = self.value(name)
            if v is not None:
                shown = v / self.data.amount_scale if self.is_amount(name) else v
                values[name] = self.marks.get(item_key(name), shown)  # a mark shown as typed
            return v

        # every item the formula names, each unusable one said at its cell: not only the first
        # the evaluation reaches (the unit would fix that one and only then hear of the next)
        missing = [name for name in common.formula.names if lookup(name) is None]
        for name in missing:
            self._missing(name, common)
        try:
            if missing:
                raise MissingValue(missing[0])
            result = common.formula.evaluate(lookup) * 100
        except MissingValue as exc:
            entry = self.data.dept_data.get(item_key(exc.name))
            if entry is not None and entry.value.kind != BLANK:  # typed, but not a usable number
                return None, f"{exc.name}填写有误，无法计算，计 0 分"
            return None, f"缺少{exc.name}，无法计算，计 0 分"
        except ZeroDenominator as exc:
            less_is_better = common.operator in (LE, LT)
            item = "、".join(exc.names)
            sheet, cell = self.cell_of(exc.names[0])  # where a zero denominator is told
            if _said_by_budget(exc.names[0]):
                cell = None  # 全年预算数 0: budget-missing at its cell already, the row still scores 0
            if exc.top and exc.numerator == 0 and less_is_better:
                # 0 ÷ 0 where less is better: nothing spent of nothing, 0 this year as last (持平)
                return 0.0, f"{common.formula.show(values)}，分子分母均为 0，按 0% 计"
            if exc.top and exc.numerator == 0 and self.rules.na_points == "rescale":
                # 0 ÷ 0 where more is better: nothing planned, nothing done (no 政府采购 at all): the
                # data are right and say the indicator does not apply; an error here was one the
                # unit could not correct. Left out like any not-applicable row (SPEC §3.13)
                self.not_applicable.add(common.key)
                return None, f"{common.formula.show(values)}{BOTH_ZERO}"
            mark = self.marks.get(item_key(exc.names[0]))
            zero = f"填的是“{mark}”（按 0 计）" if mark else "为 0"
            if exc.top and exc.numerator > 0 and less_is_better:
                # x ÷ 0 where less is better (“三公” grown from 0 last year, spent with 0 budgeted):
                # beyond any ceiling, as every method scores it at the limit: 0, told (a budget
                # left at 0 by mistake is then corrected), not an error the data cannot clear
                shown = common.formula.show(values)
                if cell is not None:
                    self.zero_told = cell
                    self.report(
                        sheet, cell, "zero-base-exceeded", indicator=common.name, item=item, shown=shown, zero=zero
                    )
                return None, f"{shown}，分母为 0 而分子不为 0，超出目标无法按百分比计，计 0 分"
            if cell is not None:
                self.zero_told = cell
                self.report(sheet, cell, "zero-denominator", indicator=common.name, item=item, zero=zero)
            return None, f"分母{item}{zero}，无法计算，计 0 分"
        return result, common.formula.show(values)


def _said_by_budget(name: str) -> bool:
    """Whether a formula name is 全年预算数, which the budget check reports when blank or 0."""
    return _BUDGET_KEYS.get(item_key(name)) == "adjusted"


def check_row(common: Common, r: IndicatorRow, row: int, cols: dict[str, str], report: Report) -> None:
    """A 共性 row's rule-owned cells (分值, 指标性质, 指标值, 评分方法) must be as the rule set says."""

    def changed(header: str, value: str, expected: str) -> None:
        cell = f"{cols[header]}{row}" if header in cols else None
        report(
            L.SHEET_INDICATORS,
            cell,
            "common-changed",
            name=common.name,
            field=header,
            value=value or "（空）",
            expected=expected,
        )

    points = r.points
    if math.isnan(points) or abs(points - common.points) > 1e-9:
        changed(L.I_POINTS, "" if math.isnan(points) else fmt_num(points), fmt_num(common.points))
    op = r.operator or (r.target.operator or "")
    if op != common.operator:
        changed(L.I_OPERATOR, op, common.operator)
    target: Value = r.target
    if target.kind != NUMBER or target.number is None or abs(target.number - common.target) > 1e-9:
        changed(L.I_TARGET, target.display, f"{common.operator}{fmt_num(common.target)}%")
    if L.I_METHOD in cols and r.method and L.normalize_label(r.method) != L.normalize_label(common.describe()):
        changed(L.I_METHOD, r.method, common.describe())


def actual_text(a: float | None, shown: str, not_applicable: bool = False) -> str:
    """What the results show as 实际完成值: ``96.55%（在职人数 28 ÷ 编制人数 29）``; for a row whose
    data are 0 ÷ 0 (left out) ``不适用（政府采购实际金额 0 ÷ 政府采购预算数 0）``, so that the reader
    sees why, as a row marked “/” shows its mark."""
    if not_applicable:
        return f"不适用（{shown.removesuffix(BOTH_ZERO)}）"
    return f"{fmt_pct(a)}（{shown}）" if a is not None else ""
