"""The template's 填写说明 sheet: how to fill it in, the rule set's points, and one worked example."""

from __future__ import annotations

from typing import TYPE_CHECKING

from selfeval_xl.outputs import pagesetup as P
from selfeval_xl.outputs.template_style import Formats
from selfeval_xl.reading import contract as L
from selfeval_xl.rules.ruleset import RuleSet

if TYPE_CHECKING:  # XlsxWriter loads when a template is written, not with the command line
    import xlsxwriter

_GUIDE = [
    "预算绩效自评表填写说明",
    "",
    "1. 在“基本信息”表 B 列填写评价类型、评价年度、单位名称等；标“必填”的不能空着。",
    "2. 在“预算执行”表填写各资金类别的年初预算数、全年预算数、全年执行数（单位见基本信息中的金额单位，默认万元）。"
    "“年度资金总额”可以不填，系统按分项合计；“执行率”列自动计算，仅供查看。",
    "3. 在“绩效指标”表每行填一个三级指标。灰色的“预算执行率”行由规则集设定，实际完成值由系统按预算执行表计算，不用填写。",
    "4. 指标性质可选 ≥ > = ≤ < 定性；不填时按指标值中的符号判断（如“≥95%”），成本指标下只写数字表示“≤”。",
    "5. 指标值、实际完成值可以带单位和符号，如“≥95%”“≤10天”“200余人”“2,329.64万元”“2022年12月31日前”。"
    "定性指标的实际完成值填写：达成年度指标 / 部分达成年度指标并具有一定效果 / 未达成年度指标且效果较差（或 完成/基本完成/未完成、实现/基本实现/未实现、好/较好/一般、优/良/中/差）。",
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


def _points_line(rules: RuleSet) -> str:
    parts = (
        []
        if rules.budget_level1 in {lv.name for lv in rules.level1}
        else [f"{rules.budget_indicator} {rules.budget_points:g}"]
    )
    parts += [f"{lv.name} {lv.points:g}" for lv in rules.level1]
    return f"7. 分值合计应为 {rules.total_points:g}：{' + '.join(parts)}（规则集：{rules.title}）。"


def guide_sheet(wb: xlsxwriter.Workbook, f: Formats, rules: RuleSet) -> None:
    ws = wb.add_worksheet(L.SHEET_GUIDE)
    widths = P.widths_from([_EXAMPLE], L.INDICATOR_HEADERS, {L.I_NAME: 10, L.I_REASON: 24}, cap=24)
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
