"""Blank (or prefilled) input templates, written with XlsxWriter from a rule set (SPEC §2)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import xlsxwriter

from selfeval_xl._fs import atomic_write
from selfeval_xl.ooxml.ownership import stamp
from selfeval_xl.outputs import pagesetup as P
from selfeval_xl.reading import contract as L
from selfeval_xl.rules.ruleset import RuleSet

TEMPLATE_VERSION = "1"
EXTRA_ROWS = 40  # unlocked, formatted rows after the skeleton for the unit's own indicators
FONT = {"font_name": "宋体", "font_size": 11}

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

_GUIDE = [
    "预算绩效自评表填写说明",
    "",
    "1. 在“基本信息”表 B 列填写评价类型、评价年度、单位名称等；标“必填”的不能空着。",
    "2. 在“预算执行”表填写各资金类别的年初预算数、全年预算数、全年执行数（单位见基本信息中的金额单位，默认万元）。"
    "“年度资金总额”可以不填，系统按分项合计；“执行率”列自动计算，仅供查看。",
    "3. 在“绩效指标”表每行填一个三级指标。灰色的“预算执行率”行由规则集设定，实际完成值由系统按预算执行表计算，不用填写。",
    "4. 指标性质可选 ≥ > = ≤ < 定性；不填时按指标值中的符号判断（如“≥95%”），成本指标下只写数字表示“≤”。",
    "5. 指标值、实际完成值可以带单位和符号，如“≥95%”“≤10天”“200余人”“2,329.64万元”“2022年12月31日前”。"
    "定性指标的实际完成值填写：达成年度指标 / 部分达成年度指标并具有一定效果 / 未达成年度指标且效果较差（或 完成/基本完成/未完成、好/较好/一般）。",
    "6. 申报得分填写本单位自评的得分；得分低于分值时，请在“偏差原因分析及改进措施”中说明原因。",
    "8. 不需要的行可以删除，也可以插入新行；工作表已保护，不能合并单元格，一级、二级指标请在每一行都填写。",
    "",
    "填写示例（一个数量指标）：",
]
_EXAMPLE = (
    "产出指标",
    "数量指标",
    "培训人数",
    "≥",
    "200",
    "人",
    "200余人",
    "10",
    "10",
    "",
)


def generate_template(
    path: Path | str,
    rules: RuleSet,
    prefill: Mapping[str, Any] | None = None,
) -> Path:
    """Write a template for ``rules.kind`` to ``path`` (atomically); ``prefill`` fills
    基本信息 values by label."""
    path = Path(path)
    values = {L.INFO_KIND: rules.kind, L.INFO_AMOUNT_UNIT: "万元", **(prefill or {})}

    def write(tmp: Path) -> None:
        _write(tmp, rules, values)
        stamp(tmp)  # ours until someone saves it: then never replaced (ownership)

    atomic_write(path, write)
    return path


def _write(tmp: Path, rules: RuleSet, values: Mapping[str, Any]) -> None:
    wb = xlsxwriter.Workbook(
        str(tmp),
        {
            "default_format_properties": FONT,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    f = _Formats(wb)
    unit, project = values.get(L.INFO_UNIT), values.get(L.INFO_PROJECT)
    whose = (str(unit or ""), str(project or "")) if unit else (f"预算绩效自评表（{rules.kind}）",)
    _guide(wb, f, rules)
    _info(wb, f, rules, values)
    _budget(wb, f)
    if rules.data_items:
        _dept_data(wb, f, rules)
    _indicators(wb, f, rules)
    for ws in wb.worksheets():
        # a blank template does not know its unit yet: its file name (&F) stands in for it
        ws.set_footer(P.footer_text(*whose, ws.name, codes="" if unit else "&F"), {"margin": P.MARGIN_HF})
    _meta(wb, f, rules)
    wb.close()


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook):
        base = dict(FONT, border=1, valign="vcenter")
        self.title = wb.add_format(dict(FONT, bold=True, font_size=14))
        self.text = wb.add_format(dict(FONT, text_wrap=True, valign="top"))
        self.header = wb.add_format(
            dict(
                base,
                bold=True,
                bg_color="#D9E1F2",
                align="center",
                text_wrap=True,
                locked=True,
            )
        )
        self.label = wb.add_format(dict(base, bold=True, bg_color="#F2F2F2", locked=True))
        self.note = wb.add_format(dict(base, font_color="#595959", locked=True, text_wrap=True))
        self.input = wb.add_format(dict(base, locked=False, text_wrap=True))
        self.input_text = wb.add_format(dict(base, locked=False, text_wrap=True, num_format="@"))
        self.money = wb.add_format(dict(base, locked=False, num_format="#,##0.00"))
        self.number = wb.add_format(dict(base, locked=False, num_format="0.00"))
        self.owned = wb.add_format(dict(base, locked=True, bg_color="#EDEDED", text_wrap=True))
        self.owned_pct = wb.add_format(dict(base, locked=True, bg_color="#EDEDED", num_format="0.00%"))


def _protect(ws: Any) -> None:
    # Locked cells are the rule set's; people may still add, delete and format rows.
    ws.protect(
        "",
        {
            "insert_rows": True,
            "delete_rows": True,
            "format_cells": True,
            "format_columns": True,
            "format_rows": True,
            "autofilter": True,
            "sort": True,
        },
    )


def _check(result: int, what: str) -> None:
    # XlsxWriter returns -1/-2 (with only a warning) when it silently skips a validation.
    if result not in (0, None):
        raise RuntimeError(f"template: {what} was not written (xlsxwriter returned {result})")


def _points_line(rules: RuleSet) -> str:
    parts = (
        []
        if rules.budget_level1 in {lv.name for lv in rules.level1}
        else [f"{rules.budget_indicator} {rules.budget_points:g}"]
    )
    parts += [f"{lv.name} {lv.points:g}" for lv in rules.level1]
    return f"7. 分值合计应为 {rules.total_points:g}：{' + '.join(parts)}（规则集：{rules.label}）。"


def _guide(wb: xlsxwriter.Workbook, f: _Formats, rules: RuleSet) -> None:
    ws = wb.add_worksheet(L.SHEET_GUIDE)
    widths = P.widths_from([_EXAMPLE], L.INDICATOR_HEADERS, {L.I_NAME: 10, L.I_REASON: 16}, cap=20)
    P.print_xlsxwriter(ws, widths, "")
    ws.repeat_rows(0, 0)
    ws.set_row(0, P.row_height(1, 14) + 4)
    ws.write(0, 0, _GUIDE[0], f.title)
    lines = [*_GUIDE[1:-3], _points_line(rules), _GUIDE[-3]]
    if rules.common:
        lines.append(
            "9. 部门整体支出：灰色的共性指标行（分值、指标性质、指标值、评分方法）由规则集设定，不能修改或删除；"
            "其实际完成值由系统按“部门整体数据”表计算，请在该表如实填写各数据项。"
        )
    lines += _GUIDE[-2:]
    for i, line in enumerate(lines, 1):
        if line:  # each point on its own merged line across the page, wrapped, never cut
            ws.merge_range(i, 0, i, len(widths) - 1, line, f.text)
            ws.set_row(i, P.row_height(P.lines_needed(line, sum(widths))))
    r = len(lines) + 2
    P.fit_rows(ws, [L.INDICATOR_HEADERS, _EXAMPLE], widths, first=r)
    for c, h in enumerate(L.INDICATOR_HEADERS):
        ws.write(r, c, h, f.header)
    for c, v in enumerate(_EXAMPLE):
        ws.write_string(r + 1, c, v, f.note)
    ws.merge_range(
        r + 3,
        0,
        r + 3,
        len(widths) - 1,
        "示例说明：指标值 ≥200 人，实际完成 200余人（按 200 计），200 ≥ 200，得满分 10 分。",
        f.text,
    )


def _info(wb: xlsxwriter.Workbook, f: _Formats, rules: RuleSet, values: Mapping[str, Any]) -> None:
    ws = wb.add_worksheet(L.SHEET_INFO)
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
            _check(
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
            _check(
                ws.data_validation(
                    i,
                    1,
                    i,
                    1,
                    {
                        "validate": "list",
                        "source": list(L.AMOUNT_UNITS),
                        "input_title": "金额单位",
                        "input_message": "预算执行表金额的单位",
                    },
                ),
                "金额单位 list",
            )
        elif label == L.INFO_YEAR:
            _check(
                ws.data_validation(
                    i,
                    1,
                    i,
                    1,
                    {
                        "validate": "integer",
                        "criteria": "between",
                        "minimum": 2000,
                        "maximum": 2100,
                        "input_title": "评价年度",
                        "input_message": "四位年份，如 2022",
                        "error_message": "请填写四位年份",
                    },
                ),
                "评价年度 check",
            )
    ws.freeze_panes(1, 0)
    _protect(ws)


def _budget(wb: xlsxwriter.Workbook, f: _Formats) -> None:
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
    _check(
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
    _protect(ws)


def _dept_data(wb: xlsxwriter.Workbook, f: _Formats, rules: RuleSet) -> None:
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
    for i, (item, row) in enumerate(zip(rules.data_items, rows, strict=True), 1):
        ws.write_string(i, 0, item.name, f.label)
        ws.write_blank(i, 1, None, f.money if item.money else f.number)
        ws.write_string(i, 2, row[2], f.note)
        ws.write_string(i, 3, row[3], f.note)
    _check(
        ws.data_validation(
            1,
            1,
            len(rules.data_items),
            1,
            {
                "validate": "decimal",
                "criteria": ">=",
                "value": 0,
                "input_title": "数值",
                "input_message": "填写数字；金额单位见基本信息（默认万元）",
                "error_type": "warning",
                "error_message": "应为不小于 0 的数字",
            },
        ),
        "dept data check",
    )
    ws.freeze_panes(1, 1)
    _protect(ws)


def _indicators(wb: xlsxwriter.Workbook, f: _Formats, rules: RuleSet) -> None:
    ws = wb.add_worksheet(L.SHEET_INDICATORS)
    cols = L.INDICATOR_TEMPLATE_COLUMNS + ((L.I_SOURCE, L.I_METHOD) if rules.common else ())
    ws.write_row(0, 0, cols, f.header)
    ci = {h: i for i, h in enumerate(cols)}
    # the rule set's own row: 预算执行率
    owned_rows = [
        (
            rules.budget_level1,
            rules.budget_level2,
            rules.budget_indicator,
            "≥",
            rules.budget_target,
            rules.budget_points,
            "预算执行率 = 全年执行数 ÷ 全年预算数；分值 × min(执行率, 100%)",
            "由系统按“预算执行”表计算：全年执行数 ÷ 全年预算数。",
        )
    ] + [
        (
            c.level1,
            c.level2,
            c.name,
            c.operator,
            c.target,
            c.points,
            c.describe(),
            f"由系统按“部门整体数据”计算：{c.formula.text}",
        )
        for c in rules.common
    ]
    order = [lv.name for lv in rules.level1]
    owned_rows.sort(key=lambda o: order.index(o[0]) if o[0] in order else -1)  # stable: budget row first
    skeleton = [(lv.name, lv2) for lv in rules.level1 for lv2 in (lv.level2 or ("",))]
    shown = [
        {L.I_LEVEL1: o[0], L.I_LEVEL2: o[1], L.I_NAME: o[2], L.I_TARGET: f"≥{o[4]:g}%", L.I_METHOD: o[6]}
        for o in owned_rows
    ] + [{L.I_LEVEL1: a, L.I_LEVEL2: b} for a, b in skeleton]
    table = [tuple(d.get(h) for h in cols) for d in shown]
    floors = {L.I_NAME: 20, L.I_TARGET: 12, L.I_ACTUAL: 14, L.I_CLAIMED: 6, L.I_REASON: 24, L.I_LEVEL2: 12}
    widths = P.widths_from(table, cols, floors, cap=28)
    # 指标来源 and 评分方法 (rule-set text, locked) are for the screen: the printed form stops
    # at 偏差原因, which keeps it one A4 width at a legible size
    printed = len(L.INDICATOR_TEMPLATE_COLUMNS)
    budget = P.width_units(True, 0.8) * 0.97
    widths[:printed] = P.fit_widths(widths[:printed], budget, [cols.index(h) for h in (L.I_NAME, L.I_REASON)], floor=20)
    for c in range(printed, len(cols)):
        ws.set_column(c, c, widths[c])
    P.fit_rows(ws, [cols, *table], widths, first=0)
    r = 1
    for lv1, lv2, name, op, target, points, method, how in owned_rows:
        row = {
            L.I_SEQ: r,
            L.I_LEVEL1: lv1,
            L.I_LEVEL2: lv2,
            L.I_NAME: name,
            L.I_OPERATOR: op,
            L.I_TARGET: f"{op if rules.common and name != rules.budget_indicator else ''}{target:g}%",
            L.I_UNIT: "%",
            L.I_ACTUAL: "",
            L.I_POINTS: points,
            L.I_SOURCE: L.SOURCE_COMMON,
            L.I_METHOD: method,
        }
        for h in cols:
            v = row.get(h)
            if h in (L.I_CLAIMED, L.I_REASON):
                ws.write_blank(r, ci[h], None, f.input)
            elif isinstance(v, int | float):
                ws.write_number(r, ci[h], v, f.owned)
            else:
                ws.write_string(r, ci[h], v or "", f.owned)
        ws.write_comment(r, ci[L.I_ACTUAL], how)
        r += 1
    first_free = r
    owned_level1 = {c.level1 for c in rules.common} | {rules.budget_level1}
    for lv in rules.level1:
        if lv.name in owned_level1:
            continue
        for lv2 in lv.level2 or ("",):
            ws.write_string(r, ci[L.I_LEVEL1], lv.name, f.input)
            ws.write_string(r, ci[L.I_LEVEL2], lv2, f.input)
            if L.I_SOURCE in ci:
                ws.write_string(r, ci[L.I_SOURCE], L.SOURCE_OWN, f.input)
            for h in cols:
                if h not in (L.I_LEVEL1, L.I_LEVEL2, L.I_SOURCE):
                    ws.write_blank(r, ci[h], None, _input_format(f, h))
            r += 1
    last = r + EXTRA_ROWS
    for rr in range(r, last):
        for h in cols:
            ws.write_blank(rr, ci[h], None, _input_format(f, h))
    own_levels = [lv for lv in rules.level1 if lv.name not in owned_level1]
    level2_all = [x for lv in own_levels for x in lv.level2]
    dv = [
        (
            L.I_OPERATOR,
            {
                "validate": "list",
                "source": ["≥", ">", "=", "≤", "<", "定性"],
                "input_title": "指标性质",
                "input_message": "≥ 越大越好；≤ 越小越好（如成本）；= 等于；定性 用文字评价。不填时按指标值中的符号判断。",
                "error_type": "warning",
            },
        ),
        (
            L.I_LEVEL1,
            {
                "validate": "list",
                "source": [lv.name for lv in own_levels],
                "input_title": "一级指标",
                "input_message": "产出指标、效益指标或满意度指标",
                "error_type": "warning",
            },
        ),
        (
            L.I_LEVEL2,
            {
                "validate": "list",
                "source": level2_all,
                "input_title": "二级指标",
                "input_message": "如 数量指标、质量指标、时效指标、成本指标",
                "error_type": "warning",
            },
        ),
        (
            L.I_TARGET,
            {
                "validate": "any",
                "input_title": "指标值",
                "input_message": "年初设定的目标，如 ≥95%、≤10天、200人、2022年12月31日前、达成年度指标",
            },
        ),
        (
            L.I_ACTUAL,
            {
                "validate": "any",
                "input_title": "实际完成值",
                "input_message": "实际完成情况，如 96%、8天、200余人、2022年11月20日；定性指标填 达成年度指标 / 部分达成年度指标并具有一定效果 / 未达成年度指标且效果较差",
            },
        ),
        (
            L.I_POINTS,
            {
                "validate": "decimal",
                "criteria": ">",
                "value": 0,
                "input_title": "分值",
                "input_message": "该指标的分值，所有行合计 100",
                "error_message": "分值应为大于 0 的数字",
            },
        ),
        (
            L.I_CLAIMED,
            {
                "validate": "decimal",
                "criteria": ">=",
                "value": 0,
                "input_title": "申报得分",
                "input_message": "本单位自评得分，不超过分值",
                "error_message": "申报得分应为不小于 0 的数字",
            },
        ),
    ]
    for header, opts in dv:
        c = ci[header]
        _check(ws.data_validation(first_free, c, last + 200, c, opts), f"{header} validation")
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, last - 1, len(cols) - 1)
    P.print_xlsxwriter(ws, widths[:printed], "", columns_only=True)
    _protect(ws)


# Typed as text so that what people type stays what they typed: "=100%" is the "=" operator,
# not a formula; "0.95" is not silently re-shown as a date or a number (SPEC §3.13).
TEXT_COLUMNS = (L.I_TARGET, L.I_UNIT, L.I_ACTUAL)


def _input_format(f: _Formats, header: str) -> Any:
    if header in (L.I_POINTS, L.I_CLAIMED):
        return f.number
    return f.input_text if header in TEXT_COLUMNS else f.input


def _meta(wb: xlsxwriter.Workbook, f: _Formats, rules: RuleSet) -> None:
    ws = wb.add_worksheet(L.SHEET_META)
    rows = (
        ("ruleset_id", rules.id),
        ("ruleset_name", rules.name),
        ("ruleset_version", rules.version),
        ("kind", rules.kind),
        ("template_version", TEMPLATE_VERSION),
        ("common_fingerprint", rules.fingerprint),
    )
    for i, (k, v) in enumerate(rows):
        ws.write_string(i, 0, k)
        ws.write_string(i, 1, v)
    ws.hide()
