"""The template's 绩效指标 sheet: the rule set's own rows (locked, grey), the indicator skeleton, free rows for the
unit's own indicators, and the drop-downs and checks on them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from selfeval_xl.outputs import pagesetup as P
from selfeval_xl.outputs.template_style import Formats, checked, protect
from selfeval_xl.reading import contract as L
from selfeval_xl.rules.ruleset import RuleSet

if TYPE_CHECKING:  # XlsxWriter loads when a template is written, not with the command line
    import xlsxwriter

EXTRA_ROWS = 40  # unlocked, formatted rows after the skeleton for the unit's own indicators


def indicators_sheet(wb: xlsxwriter.Workbook, f: Formats, rules: RuleSet) -> None:
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
                ws.write_number(r, ci[h], v, f.owned_points if h == L.I_POINTS else f.owned)
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
            ws.write_string(r, ci[L.I_LEVEL1], lv.name, f.spare)
            ws.write_string(r, ci[L.I_LEVEL2], lv2, f.spare)
            if L.I_SOURCE in ci:
                ws.write_string(r, ci[L.I_SOURCE], L.SOURCE_OWN, f.spare)
            for h in cols:
                if h not in (L.I_LEVEL1, L.I_LEVEL2, L.I_SOURCE):
                    ws.write_blank(r, ci[h], None, _spare_format(f, h))
            r += 1
    last = r + EXTRA_ROWS
    for rr in range(r, last):
        for h in cols:
            ws.write_blank(rr, ci[h], None, _spare_format(f, h))
    # the skeleton's and the spare rows are ruled while they hold something (the whole row, as
    # the rule set's rows above): a skeleton row a filled workbook cleared or a spare row left
    # empty does not print
    end, top = L.col_letter(len(cols) - 1), first_free + 1
    rule = {"type": "formula", "criteria": f"=COUNTA($A{top}:${end}{top})>0", "format": f.ruled}
    checked(ws.conditional_format(first_free, 0, last - 1, len(cols) - 1, rule), "the free rows' lines")
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
                "input_message": "实际完成情况，如 96%、8天、200余人、2022年11月20日；定性指标填 达成年度指标 / 部分达成年度指标并具有一定效果 / "
                "未达成年度指标且效果较差，指标值是等级（好、优）的填同一序列的等级；本年度不适用填 /",
            },
        ),
        (
            L.I_POINTS,
            {
                "validate": "decimal",
                "criteria": ">",
                "value": 0,
                "input_title": "分值",
                "input_message": f"该指标的分值，所有行合计 {rules.total_points:g}；不适用的指标分值照填",
                # a warning, not a stop: the scorer reads 10分 and full-width digits as well
                "error_type": "warning",
                "error_message": "分值应为大于 0 的数字",
            },
        ),
        (
            L.I_CLAIMED,
            {
                "validate": "decimal",
                "criteria": "between",
                "minimum": 0,
                "maximum": f"=${L.col_letter(ci[L.I_POINTS])}2",  # this row's 分值: relative to row 2, where it starts
                "input_title": "申报得分",
                "input_message": "本单位自评得分，不超过分值（超过是错误）",
                "error_type": "warning",
                "error_message": "申报得分应在 0 到该行分值之间",
            },
        ),
        (
            L.I_REASON,
            {
                "validate": "any",
                "input_title": "偏差原因分析及改进措施",
                "input_message": "实际完成值未达到指标值（得分低于分值）时必填；达到指标值的 "
                f"{rules.over_achievement * 100:g}% 及以上时也请说明。只写“无”“/”的等于没写",
            },
        ),
    ]
    for header, opts in dv:
        c = ci[header]
        # 申报得分 and 偏差原因 are the unit's on the rule set's rows too
        top = 1 if header in (L.I_CLAIMED, L.I_REASON) else first_free
        checked(ws.data_validation(top, c, last + 200, c, opts), f"{header} validation")
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, last - 1, len(cols) - 1)
    P.print_xlsxwriter(ws, widths[:printed], "", columns_only=True)
    protect(ws)


# Typed as text so that what people type stays what they typed: "=100%" is the "=" operator,
# not a formula; "0.95" is not silently re-shown as a date or a number (SPEC §3.13).
TEXT_COLUMNS = (L.I_TARGET, L.I_UNIT, L.I_ACTUAL)


def _spare_format(f: Formats, header: str) -> Any:
    """A free row's cell format: 分值 and 申报得分 as numbers with two decimals, the text columns as
    text, no lines of its own (the conditional format draws them on a row that holds something)."""
    if header in (L.I_POINTS, L.I_CLAIMED):
        return f.spare_number
    return f.spare_text if header in TEXT_COLUMNS else f.spare
