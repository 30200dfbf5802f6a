"""Reading cells the way every layout does: a formula without a cached result is reported at its
cell, blanks are blanks, merged ranges fill their hidden cells, a formula that is only a constant
(``=100%``) reads as that text, a 分值/得分 cell reads as a number or is reported, and a 资金类别
row's amounts are read in the workbook's unit."""

from __future__ import annotations

import math
import re

from selfeval_xl.ooxml.package import Cell, Grid
from selfeval_xl.reading import contract as L
from selfeval_xl.reading.values import BLANK, parse_amount, parse_value, points_number
from selfeval_xl.reading.workbook_data import BudgetRow, WorkbookData


def cell_value(data: WorkbookData, sheet: str, grid: Grid, row: int, col: int, field_name: str) -> Cell | None:
    """The cell, after reporting a formula that has no cached result (its value is then None)."""
    cell = grid.get(row, col)
    if cell is not None and cell.formula_without_cache:
        data.add(sheet, L.cell_name(row, col), "formula-no-cache", field=field_name)
        return None
    return cell


def number_cell(data: WorkbookData, sheet: str, grid: Grid, row: int, col: int | None, field: str) -> float:
    """A 分值 / 得分 / 总分 cell as the indicator rows read theirs: ``10``, ``9.85分``, ``１０``;
    NaN when blank. Text that is no number (``十``) and a formula never calculated are reported
    at the cell, never taken silently as "not filled"."""
    if col is None:
        return math.nan
    cell = cell_value(data, sheet, grid, row, col, field)
    if cell is None:
        return math.nan
    v = parse_value(cell.value, percent_format=cell.percent)
    if v.kind == BLANK:
        return math.nan
    if (number := points_number(v)) is not None:
        return number
    data.add(sheet, L.cell_name(row, col), "not-a-number", field=field, value=v.display)
    return math.nan


def budget_row(data: WorkbookData, grid: Grid, row: int, category: str, cols: dict[str, int]) -> BudgetRow:
    """The 资金类别 row ``category`` at ``row``: 年初预算数, 全年预算数 and 全年执行数 from the
    columns in ``cols`` that exist, in the workbook's 金额单位; a cell that is no amount is
    reported and left blank, a "no money" mark (—, /, 无) left blank and kept in ``typed``."""
    entry = BudgetRow(category, row)
    for header, attr in L.BUDGET_AMOUNTS:
        if header not in cols:
            continue
        cell = cell_value(data, L.SHEET_BUDGET, grid, row, cols[header], header)
        if cell is None:
            continue
        if (mark := no_amount_mark(cell.value)) is not None:
            entry.typed[attr] = mark
            continue  # (—, /: a line with no money, such as no 上年结转资金)
        try:
            amount = parse_amount(cell.value, cell.percent, data.info.get(L.INFO_AMOUNT_UNIT) or "万元")
        except ValueError:
            data.add(
                L.SHEET_BUDGET,
                L.cell_name(row, cols[header]),
                "not-a-number",
                field=f"{category}{header}",
                value=cell.value,
            )
            continue
        setattr(entry, attr, amount)
    return entry


def unlisted_amounts(data: WorkbookData, grid: Grid, row: int, cols: dict[str, int]) -> dict[str, float]:
    """The amounts of a 项目资金 line whose label is none of ours (其中：中央财政资金), by attribute,
    for the check of the total only: read quietly (a cell that is no amount is left out, not
    reported: the line is not scored)."""
    found: dict[str, float] = {}
    for header, attr in L.BUDGET_AMOUNTS:
        cell = grid.get(row, cols[header]) if header in cols else None
        if cell is None or cell.value is None:
            continue
        try:
            amount = parse_amount(cell.value, cell.percent, data.info.get(L.INFO_AMOUNT_UNIT) or "万元")
        except (TypeError, ValueError):
            continue
        if amount is not None:
            found[attr] = amount
    return found


# what people type for "none" where an amount belongs (a 项目资金 line with no money, no 政府采购 on
# 部门整体数据): a mark that says so, not an unreadable amount
NO_AMOUNT = frozenset({"/", "／", "—", "——", "-", "－", "--", "无", "不适用", "不涉及", "无此项", "未发生"})


def no_amount_mark(value: object) -> str | None:
    """The "none" mark typed in a cell (``—``, ``/``, ``无``, ``不适用`` …), stripped; None otherwise."""
    if isinstance(value, str) and (mark := value.strip()) in NO_AMOUNT:
        return mark
    return None


def merge_fill(grid: Grid, cols: list[int], first_row: int) -> dict[tuple[int, int], object]:
    """Values that merged ranges put into the given columns' hidden cells."""
    filled: dict[tuple[int, int], object] = {}
    if not grid.merges:
        return filled  # (most sheets: no need to find the last row)
    # Clipped to the rows that hold anything (a merge down to row 1,048,576 adds nothing below
    # them), and a budget of one fill per (row, column): merges that overlap past it are invalid
    # anyway, and ignoring them keeps a "merge bomb" from costing more than the table.
    last = grid.max_row
    budget = max(0, last - first_row + 1) * len(cols)
    for r1, c1, r2, c2 in grid.merges:
        r2 = min(r2, last)
        if r2 < first_row:
            continue
        top = grid.value(r1, c1)
        for c in cols:
            if c1 <= c <= c2:
                span = range(max(r1, first_row), r2 + 1)
                budget -= len(span)
                if budget < 0:
                    return filled
                for r in span:
                    filled[(r, c)] = top
    return filled


# A formula that is only a constant (=100%, =8, =0件, =72890元): the "=" operator typed into a
# General cell, read as that text (SPEC §3.13). Cell references, names and functions start with
# a letter or $, so they never match.
_CONSTANT_FORMULA = re.compile(
    r"\s*[+-]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)\s*%?\s*(?:[^\s\d=+\-*/^&<>(),:;!$\"'\[\]{}#@]"
    r"[^\s=+\-*/^&<>(),:;!$\"'\[\]{}#@]*)?\s*"
)


def constant_formula_text(formula: str | None) -> str | None:
    """``=100%`` for a formula ``100%`` (with or without the leading ``=``); None otherwise."""
    if formula is None:
        return None
    body = formula.strip().removeprefix("=")
    return "=" + body.strip() if body and _CONSTANT_FORMULA.fullmatch(body) else None


def formula_of(grid: Grid, row: int, col: int) -> str | None:
    cell = grid.get(row, col)
    return None if cell is None else cell.formula
