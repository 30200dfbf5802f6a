"""The template's sheets where a unit states its facts: 基本信息, 预算执行 and (部门整体支出) 部门整体数据."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from selfeval_xl.outputs import pagesetup as P
from selfeval_xl.outputs.template_style import Formats, checked, protect
from selfeval_xl.reading import contract as L
from selfeval_xl.rules.ruleset import RuleSet

if TYPE_CHECKING:  # XlsxWriter loads when a template is written, not with the command line
    import xlsxwriter

_INFO_NOTES = {
    L.INFO_KIND: ("必填", "项目支出 或 部门整体支出"),
    L.INFO_YEAR: ("必填", "如 2022"),
    L.INFO_UNIT: ("必填", "单位全称"),
    L.INFO_UNIT_CODE: ("选填", "预算编码；汇总表以它为键"),
    L.INFO_PARENT: ("选填", "主管部门全称"),
    L.INFO_PROJECT: ("项目支出必填", "与预算批复一致的项目名称"),
    L.INFO_AMOUNT_UNIT: ("选填", "万元（默认）或 元"),
    L.INFO_GOAL: ("选填", "年初设定的年度总体目标"),
    L.INFO_ACHIEVED: ("选填", "年度总体目标的实际完成情况"),
    L.INFO_CLAIMED_TOTAL: ("选填", "本单位自评的总分"),
    L.INFO_CONTACT: ("选填", ""),
    L.INFO_PHONE: ("选填", ""),
}


def info_sheet(wb: xlsxwriter.Workbook, f: Formats, rules: RuleSet, values: Mapping[str, Any]) -> None:
    ws = wb.add_worksheet(L.SHEET_INFO)
    money_message = (
        "预算执行表" + ("和部门整体数据表" if rules.data_items else "") + "中金额的单位；写了元、万元的数按所写单位换算"
    )
    headers = ("项目", "内容", "填写说明")
    rows = [
        (label, values.get(label), f"{_INFO_NOTES[label][0]}；{_INFO_NOTES[label][1]}".rstrip("；"))
        for label in L.INFO_LABELS
    ]
    widths = P.widths_from(rows, headers, {"内容": 40})
    P.print_xlsxwriter(ws, widths, "")
    P.fit_rows(ws, [headers, *rows], widths, first=0)
    ws.write_row(0, 0, headers, f.header)
    for i, label in enumerate(L.INFO_LABELS, 1):
        need, hint = _INFO_NOTES[label]
        ws.write_string(i, 0, label, f.label)
        value = values.get(label)
        if label == L.INFO_YEAR and isinstance(value, int):
            ws.write_number(i, 1, value, f.input)
        elif value is None:
            ws.write_blank(
                i,
                1,
                None,
                f.input_text if label in (L.INFO_UNIT_CODE, L.INFO_PHONE) else f.input,
            )
        else:
            ws.write_string(i, 1, str(value), f.input_text)
        ws.write_string(i, 2, f"{need}；{hint}" if hint else need, f.note)
        if label == L.INFO_KIND:
            checked(
                ws.data_validation(
                    i,
                    1,
                    i,
                    1,
                    {
                        "validate": "list",
                        "source": list(L.KINDS),
                        "input_title": "评价类型",
                        "input_message": "选择 项目支出 或 部门整体支出",
                    },
                ),
                "评价类型 list",
            )
        elif label == L.INFO_AMOUNT_UNIT:
            checked(
                ws.data_validation(
                    i,
                    1,
                    i,
                    1,
                    {
                        "validate": "list",
                        "source": list(L.AMOUNT_UNITS),
                        "input_title": "金额单位",
                        "input_message": money_message,
                    },
                ),
                "金额单位 list",
            )
        elif label == L.INFO_YEAR:
            checked(
                ws.data_validation(
                    i,
                    1,
                    i,
                    1,
                    {
                        "validate": "integer",
                        "criteria": "between",
                        "minimum": 1990,  # the years parse_year accepts
                        "maximum": 2100,
                        "input_title": "评价年度",
                        "input_message": "四位年份，如 2022",
                        # a warning, not a stop: 2022年 and 2022年度 are read as 2022 too
                        "error_type": "warning",
                        "error_message": "请填写四位年份",
                    },
                ),
                "评价年度 check",
            )
    ws.freeze_panes(1, 0)
    protect(ws)


def budget_sheet(wb: xlsxwriter.Workbook, f: Formats) -> None:
    ws = wb.add_worksheet(L.SHEET_BUDGET)
    headers = (*L.BUDGET_HEADERS, L.B_RATE_DISPLAY)
    amounts = {h: 16 for h, _ in L.BUDGET_AMOUNTS}
    widths = P.widths_from([(c,) for c in L.BUDGET_ROWS], headers, {**amounts, L.B_RATE_DISPLAY: 10})
    P.print_xlsxwriter(ws, widths, "")
    P.fit_rows(ws, [headers], widths, first=0)
    ws.write_row(0, 0, headers, f.header)
    for i, cat in enumerate(L.BUDGET_ROWS, 1):
        ws.write_string(i, 0, cat, f.label)
        for c in (1, 2, 3):
            ws.write_blank(i, c, None, f.money)
        excel_row = i + 1
        # display only: scores never read it (SPEC §3, EXCEL-NOTES "formula caches")
        ws.write_formula(
            i,
            4,
            f'=IF(N(C{excel_row})>0,D{excel_row}/C{excel_row},"")',
            f.owned_pct,
            "",
        )
    checked(
        ws.data_validation(
            1,
            1,
            len(L.BUDGET_ROWS),
            3,
            {
                "validate": "decimal",
                "criteria": ">=",
                "value": 0,
                "input_title": "金额",
                "input_message": "填写数字（单位见基本信息的金额单位，默认万元）；年度资金总额可不填，按分项合计",
                "error_type": "warning",
                "error_message": "金额应为不小于 0 的数字",
            },
        ),
        "amount check",
    )
    ws.freeze_panes(1, 1)
    protect(ws)


def dept_data_sheet(wb: xlsxwriter.Workbook, f: Formats, rules: RuleSet) -> None:
    """部门整体数据 (SPEC §2.3): exactly the items the rule set's formulas need."""
    ws = wb.add_worksheet(L.SHEET_DEPT_DATA)
    headers = (*L.DEPT_DATA_HEADERS, "计量单位", "说明")
    rows = []
    for item in rules.data_items:
        users = [c.name for c in rules.common if item.name in c.formula.names]
        note = item.note + (f"（用于：{'、'.join(users)}）" if users else "")
        rows.append((item.name, None, "金额单位" if item.money else item.unit, note))
    widths = P.widths_from(rows, headers, {L.D_VALUE: 16}, cap=44)
    P.print_xlsxwriter(ws, widths, "")
    P.fit_rows(ws, [headers, *rows], widths, first=0)
    ws.write_row(0, 0, headers, f.header)
    counts = [item.count for item in rules.data_items]
    for i, (item, row, count) in enumerate(zip(rules.data_items, rows, counts, strict=True), 1):
        ws.write_string(i, 0, item.name, f.label)
        ws.write_blank(i, 1, None, f.money if item.money else f.count if count else f.number)
        ws.write_string(i, 2, row[2], f.note)
        ws.write_string(i, 3, row[3], f.note)
    first = 1
    for count, run in itertools.groupby(counts):  # each run of counts or of other items, in order
        last = first + len(list(run)) - 1
        what = "人数等计数，填写整数" if count else "填写数字"
        checked(
            ws.data_validation(
                first,
                1,
                last,
                1,
                {
                    "validate": "integer" if count else "decimal",
                    "criteria": ">=",
                    "value": 0,
                    "input_title": "数值",
                    "input_message": f"{what}，没有的填 0，不要空着"
                    + ("" if count else "；金额单位见基本信息（默认万元）"),
                    "error_type": "warning",
                    "error_message": "应为不小于 0 的整数" if count else "应为不小于 0 的数字",
                },
            ),
            "dept data check",
        )
        first = last + 1
    ws.freeze_panes(1, 1)
    protect(ws)
