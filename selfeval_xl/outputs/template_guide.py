"""The template's 填写说明 sheet: how to fill it in, the rule set's points, and one worked example."""

from __future__ import annotations

from typing import TYPE_CHECKING

from selfeval_xl.outputs import pagesetup as P
from selfeval_xl.outputs.template_style import Formats
from selfeval_xl.reading import contract as L
from selfeval_xl.rules.ruleset import RuleSet

if TYPE_CHECKING:  # XlsxWriter loads when a template is written, not with the command line
    import xlsxwriter

_TITLE = "预算绩效自评表填写说明"
_EXAMPLE_HEAD = "填写示例（一个数量指标）："
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


def _pct(share: float) -> str:
    return f"{share * 100:g}%"


def guide_lines(rules: RuleSet) -> list[str]:
    """The numbered steps of 说明, each worded from ``rules`` where the rule set decides (points,
    bands, the over-achievement ratio, not-applicable rows): what the scorer will do, said first."""
    achieved, partial, failed = rules.bands
    scale = "、".join("/".join(s) for s in rules.scales)
    over = _pct(rules.over_achievement)
    parts = (
        []
        if rules.budget_level1 in {lv.name for lv in rules.level1}
        else [f"{rules.budget_indicator} {rules.budget_points:g}"]
    )
    parts += [f"{lv.name} {lv.points:g}" for lv in rules.level1]
    money_sheets = "“预算执行”“部门整体数据”两表" if rules.data_items else "“预算执行”表"
    steps = [
        "在“基本信息”表 B 列填写评价类型、评价年度、单位名称等；标“必填”的不能空着。"
        f"金额单位（万元或元，默认万元）用于{money_sheets}的金额。",
        "在“预算执行”表填写各资金类别的年初预算数、全年预算数、全年执行数。"
        "“年度资金总额”可以不填，系统按分项合计；没有的资金类别空着或填 0；“执行率”列自动计算，仅供查看。",
        "在“绩效指标”表每行填一个三级指标。灰色的“预算执行率”行由规则集设定，实际完成值由系统按预算执行表计算"
        "（全年执行数 ÷ 全年预算数），不用填写。",
        "指标性质可选 ≥ > = ≤ < 定性；不填时按指标值中的符号判断（如“≥95%”），只写数字表示“=”，"
        f"{rules.cost_level2}下只写数字表示“≤”，文字表示定性。指标性质和指标值里的符号不一致时，按指标性质一列评分并提示核对。",
        "指标值、实际完成值可以带单位和符号，如“≥95%”“≤10天”“200余人”“2,329.64万元”“2022年12月31日前”；"
        "单位不同的（如 元 与 万元、小时 与 天）换算成指标值的单位再比较。",
        f"定性指标的实际完成值填写：{achieved.label} / {partial.label} / {failed.label}"
        "（或 完成/基本完成/未完成、实现/基本实现/未实现）。"
        f"指标值写成等级的（如“好”“优”），实际完成值写同一序列的等级（{scale}）："
        "与指标值相同或更高为达成，低一级为部分达成，再低为未达成；写成一句描述的交复核人员判断。",
        "申报得分是本单位自评的得分，不能超过分值。定量指标：≥ 指标未达到时得 分值 × 实际 ÷ 指标，"
        f"{_reverse(rules)}。"
        f"定性指标：{achieved.label} {_pct(achieved.low)}–{_pct(achieved.high)}、"
        f"{partial.label} {_pct(partial.low)}–{_pct(partial.high)}、{failed.label} 低于 {_pct(failed.high)}（占分值），"
        f"申报得分在该档范围内按申报得分，否则按 {_pct(achieved.default)}、{_pct(partial.default)}、"
        f"{_pct(failed.default)} 计。",
        "实际完成值未达到指标值（得分低于分值）时，必须在“偏差原因分析及改进措施”中说明原因；"
        f"实际完成值达到指标值的 {over} 及以上时，也请说明（指标值可能设置偏低）。只写“无”“/”的等于没写。",
        _na_line(rules),
        f"分值合计应为 {rules.total_points:g}：{' + '.join(parts)}（规则集：{rules.title}）。",
        "不需要的行可以删除，也可以插入新行；工作表已保护，不能合并单元格，一级、二级指标请在每一行都填写。",
    ]
    if rules.common:
        steps.append(
            "部门整体支出：灰色的共性指标行（分值、指标性质、指标值、评分方法）由规则集设定，不能修改或删除；"
            "其实际完成值由系统按“部门整体数据”表计算，请在该表如实填写各数据项（人数填人数，金额按金额单位）。"
        )
        steps.append(_zero_line(rules))
    return [f"{i}. {text}" for i, text in enumerate(steps, 1)]


def _reverse(rules: RuleSet) -> str:
    if rules.reverse_method == "linear":
        return "≤ 指标超出时得 分值 × (1 − (实际 − 指标) ÷ 指标)，超出一倍得 0"
    return "≤ 指标超出时得 分值 × 指标 ÷ 实际"


def _na_line(rules: RuleSet) -> str:
    if rules.na_points == "rescale":
        return (
            "本年度不适用的指标：指标值、实际完成值填“/”（或“—”“不适用”），分值照填；该行不计分，"
            "总分按适用指标的分值折算（适用指标分值 90、得分 81 时，总分 81 × 100 ÷ 90 = 90）。"
        )
    return "不适用的指标不能保留分值：标为“/”“不适用”而有分值的行是错误，请删除该行并调整其他指标的分值。"


def _zero_line(rules: RuleSet) -> str:
    na = (
        "该指标不适用，不计分，总分按适用指标折算"
        if rules.na_points == "rescale"
        else "是错误（规则集不允许不适用的指标）"
    )
    return (
        "部门整体数据每项都要填写，没有的填 0（空着是错误）。分母为 0 时："
        "越小越好的指标（如“三公”经费控制率）分子也是 0 的得满分，分子不是 0 的计 0 分；"
        f"越大越好的指标（如政府采购执行率）分子也是 0 的{na}，分子不是 0 的是错误，计 0 分。"
    )


def guide_sheet(wb: xlsxwriter.Workbook, f: Formats, rules: RuleSet) -> None:
    ws = wb.add_worksheet(L.SHEET_GUIDE)
    widths = P.widths_from([_EXAMPLE], L.INDICATOR_HEADERS, {L.I_NAME: 10, L.I_REASON: 24}, cap=24)
    P.print_xlsxwriter(ws, widths, "")
    ws.repeat_rows(0, 0)
    ws.set_row(0, P.row_height(1, 14) + 4)
    ws.write(0, 0, _TITLE, f.title)
    lines = ["", *guide_lines(rules), "", _EXAMPLE_HEAD]
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
