"""``selfeval convert``: a standard 自评表 form turned into our template, for next year."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any

from selfeval_xl.errors import UnreadableWorkbook
from selfeval_xl.outputs.fill import fill_workbook
from selfeval_xl.outputs.template import generate_template
from selfeval_xl.reading import contract as L
from selfeval_xl.reading.layouts import read_workbook
from selfeval_xl.reading.workbook_data import WorkbookData
from selfeval_xl.rules.ruleset import RuleSet

# what the form's reader reports at a cell it read but could not take as a number, keeping what
# was typed (``value``): 约100万元, 九十, 1e24
_UNREAD_CODES = ("not-a-number", "out-of-range")


def _cell_text(v: Any) -> Any:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return v


def _in_wan(amount: float, scale: float) -> float:
    """``amount`` times ``scale`` (what turns the form's unit into 万元), without the float noise
    of the product (1110.6 × 0.1 is 111.06000000000002): a 万元 amount has at most 6 decimals (1分 is 0.000001万元)."""
    return round(amount * scale, 6)


def _unread(data: WorkbookData) -> tuple[dict[str, Any], set[str]]:
    """The form's cells that hold what is no number (``约100万元``), by cell, with what was typed
    there; and the cells that hold a formula with no result, whose value cannot be carried."""
    typed: dict[str, Any] = {}
    formulas: set[str] = set()
    for p in data.problems:
        if p.where.cell is None:
            continue
        if p.code in _UNREAD_CODES and p.fields.get("value") not in (None, ""):
            typed.setdefault(p.where.cell, p.fields["value"])
        elif p.code == "formula-no-cache":
            formulas.add(p.where.cell)
    return typed, formulas


def _formula_lost(where: str, what: str, sheet: str, place: str) -> str:
    """What ``convert`` says of a form's cell (``where``, holding ``what``) that is a formula with
    no result: not carried, and where in the template (``sheet``, ``place``) to type it instead."""
    return (
        f"{where}（{what}）是公式但没有计算结果，未转入模板："
        f"请在 Excel/WPS 中打开并保存自评表后重新转换，或在模板“{sheet}”表{place}填写"
    )


def form_to_template(form: Path, out: Path, rules: RuleSet) -> tuple[Path, int, list[str]]:
    """Write ``out`` (a filled template) from the form in ``form``; returns it, the number of
    indicator rows carried over and what could not be carried (in Chinese, for the person
    converting: a 项目资金 amount, a 指标值 / 实际完成值 or a 分值 / 申报得分 that is a formula with
    no result, at its cell of the form).

    A cell the form's reader could not take as a number (an amount ``约100万元``, a 分值 ``十``)
    is carried over as typed, not left blank: scoring the template then reports it at its cell
    as scoring the form does, where a blank would say nothing (an amount) or 未填写 (a 分值)."""
    data = read_workbook(form, layout="form")
    if data is None:  # one of our own outputs
        raise UnreadableWorkbook.at(form.name, None, None, "no-form")
    typed, formulas = _unread(data)
    info = {k: v for k, v in data.info.items() if k in L.INFO_LABELS}
    # a form's 项目资金 in 千元 is no 金额单位 the template takes (万元 or 元): its amounts go over
    # in 万元 (1,234千元 → 123.4), as scoring the form itself counts them
    per_wan = info.get(L.INFO_AMOUNT_UNIT) not in (None, *L.AMOUNT_UNITS)
    if per_wan:
        info[L.INFO_AMOUNT_UNIT] = "万元"
    budget, lost = {}, []
    columns = data.budget_columns
    for cat, line in data.budget.items():
        amounts = []
        for header, attr in L.BUDGET_AMOUNTS:
            value = getattr(line, attr)
            column = columns.get(header)
            if header == L.B_INITIAL and column == columns.get(L.B_ADJUSTED):
                column = None  # a form without 年初预算数 (the reader stands 全年预算数 in for it)
            cell = f"{column}{line.row}" if column else None
            if value is not None and per_wan:
                value = _in_wan(value, data.amount_scale)
            elif value is None and cell in typed:
                value = typed[cell]
            elif value is None and cell in formulas:
                lost.append(
                    _formula_lost(
                        f"{data.sheet(L.SHEET_BUDGET)}!{cell}", f"{cat}{header}", L.SHEET_BUDGET, f"{cat}一行的{header}"
                    )
                )
            amounts.append(value)
        budget[cat] = tuple(amounts)
    rows, owned = [], {}
    indicators = data.sheet(L.SHEET_INDICATORS)
    for row, rec in data.records.items():

        def score_cell(header: str, number: float, row: int = row) -> Any:
            """A 分值 / 申报得分 as read, or as typed when it was no number (``十``, ``约8分``)."""
            if math.isnan(number):
                return typed.get(data.indicator_cell(row, header))
            return number

        def carried(header: str, value: Any, row: int = row, name: str = rec.name) -> Any:
            """``value`` for the template's cell under ``header``; a blank where the form's
            cell is a formula with no result is told (``=SUM(…)`` never calculated: its value is
            not known, and the template's blank would say only 未填写). A constant typed as a
            formula (``=100%``) was read as that text (SPEC §3.13) and is carried as such."""
            cell = data.indicator_cell(row, header)
            if value is None and cell in formulas:
                which = f"三级指标“{name}”" if name else f"第{row}行"
                lost.append(
                    _formula_lost(
                        f"{indicators}!{cell}", f"{which}的{header}", L.SHEET_INDICATORS, f"{which}一行的{header}"
                    )
                )
            return value

        if rec.name == rules.budget_indicator:
            if (claimed := carried(L.I_CLAIMED, score_cell(L.I_CLAIMED, rec.claimed))) is not None:
                owned[rules.budget_indicator] = {L.I_CLAIMED: claimed}
            continue
        rows.append(
            {
                L.I_LEVEL1: L.canonical_level1(rec.level1),
                L.I_LEVEL2: rec.level2,
                L.I_NAME: rec.name,
                L.I_OPERATOR: rec.operator or None,
                L.I_TARGET: carried(L.I_TARGET, rec.target.display or None),
                L.I_UNIT: rec.unit or None,
                L.I_ACTUAL: carried(L.I_ACTUAL, rec.actual.display or None),
                L.I_POINTS: carried(L.I_POINTS, _cell_text(score_cell(L.I_POINTS, rec.points))),
                L.I_CLAIMED: carried(L.I_CLAIMED, _cell_text(score_cell(L.I_CLAIMED, rec.claimed))),
                L.I_REASON: rec.reason or None,
            }
        )
    with tempfile.TemporaryDirectory() as tmp:
        template = generate_template(Path(tmp) / "t.xlsx", rules)
        fill_workbook(template, out, info, budget, rows, owned=owned, ours=True)
    return out, len(rows), lost
