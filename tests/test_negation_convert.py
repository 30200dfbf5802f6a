"""Two verdict defects found in review (audit 80), each worked out by hand before the tool ran, on
real workbooks (the conftest base form; the official single-sheet form for ``convert``):

1. a negation separated from its band word by a time or manner phrase (``未能在2023年12月31日前
   完成``, ``不能在规定时间内完成``, ``未按计划时间完成验收``) was 达成, full marks, for its 完成:
   it is now 未达成 (0), while a negation of another clause (``按时完成，未发生安全事故``,
   ``未发生安全事故按时完成``) leaves the 完成 achieved, and one whose reach is not known
   (``未能在资金到位后完成``) goes to a reviewer;
2. ``convert`` carried a 指标值 / 实际完成值 / 分值 / 申报得分 that is a formula with no result over
   as a blank without a word; it now tells it, naming the form's cell, as it does a 项目资金 amount
   (a constant typed as a formula, ``=100%``, is text and is carried as such)."""

from __future__ import annotations

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import base_rows, row
from official_form import Typed, build_official, three_rows

from selfeval_xl import score_file
from selfeval_xl.cli import cli
from selfeval_xl.outputs.convert import form_to_template
from selfeval_xl.rules.ruleset import load_rules

R = "已说明原因"  # a 偏差原因 given, so that a row below its points asks for none
T = 3  # the slot of base_rows() replaced: 产出指标 / 时效指标, 5 points
TEXT, DATE = "按期完成", "2023年12月31日前"  # the two kinds of target of a 时效指标 row (评价年度 2023)

# --- 1. a negation reaching over a time or manner phrase -----------------------------------------

# (指标值, 实际完成值, expected 核定得分 of 5, expected status). No 申报得分 is typed: 未达成 with no
# claim is 0 (the band's default 0%), 达成 is 5 (100%), and a row a reviewer judges counts 0 until then
# (暂计 0 分: no claim to count).
CASES = [
    # the negation governs 完成 across the phrase: 未达成 → 0 (each was 达成 → 5)
    (TEXT, "未能在2023年12月31日前完成", 0, "final"),
    (TEXT, "不能在规定时间内完成", 0, "final"),
    (TEXT, "未按计划时间完成验收", 0, "final"),
    (TEXT, "未在合同约定工期内完成", 0, "final"),
    (TEXT, "未能年底前完成", 0, "final"),
    (TEXT, "尚未按计划完成", 0, "final"),
    (TEXT, "没有能够在规定的时间内完成", 0, "final"),
    (TEXT, "无法在规定期限内完成", 0, "final"),
    (TEXT, "没有按期完成", 0, "final"),  # (already so: 按期 was the one phrase it reached over)
    (TEXT, "未能3个月内完成", 0, "final"),
    (TEXT, "未能按合同约定的时间节点在2023年12月31日前完成", 0, "final"),  # two phrases, 按… and 在…前
    # a date target: the words say 未达成, so the on-time date beside them is not left to a reviewer
    # any more (was 待复核: 含日期，又有“未”字样) → 0
    (DATE, "未能在2023年12月31日前完成", 0, "final"),
    (DATE, "未按计划时间完成验收", 0, "final"),  # no date in it: by its words (was 达成 → 5)
    # "not fully" across a phrase: 部分达成 or 未达成, a person judges (was 达成 → 5)
    (TEXT, "未能于年底前全部完成", 0, "needs-review"),
    (DATE, "未能于2023年12月31日前全部完成", 0, "needs-review"),
    # 在 / 按 after the negation, then no time phrase: whose action is denied is not guessed
    (TEXT, "未能在资金到位后完成", 0, "needs-review"),
    (TEXT, "未在检查中发现问题按时完成", 0, "needs-review"),
    (TEXT, "未能在项目实施方案确定的时间节点内完成", 0, "needs-review"),  # 项目实施方案确定: no time word
    # the negation is another clause's: 完成 stays 达成 → 5
    (TEXT, "按时完成，未发生安全事故", 5, "final"),
    (TEXT, "未超出预算，按期完成", 5, "final"),
    (TEXT, "无延期，已完成", 5, "final"),
    (TEXT, "未发生安全事故按时完成", 5, "final"),  # no punctuation: 发生安全事故 is no time phrase
    (TEXT, "未超预算、按期完成", 5, "final"),  # (the 、 is dropped from the text matched)
    (TEXT, "在合同未到期前完成", 5, "final"),  # 未到期前: before it expired
    (TEXT, "不仅按时完成", 5, "final"),
    (TEXT, "未满3个月完成", 5, "final"),  # in under 3 months: 未满 is no negation of 完成
    (TEXT, "不超过规定时间完成", 5, "final"),
    (DATE, "按时完成，未超出预算", 5, "final"),  # no date in it: by its words
]


@pytest.mark.parametrize(("target", "actual", "score", "status"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_a_negation_reaches_over_a_time_phrase(make_workbook, target, actual, score, status):
    rows = base_rows()
    rows[T] = row("产出指标", "时效指标", "验收及时性", target, actual, 5, reason=R)
    card = score_file(make_workbook(indicators=rows)).card
    got = next(r for r in card.records if r.name == "验收及时性")
    assert got.score == score, got.note
    assert card.status == status, [str(p) for p in card.problems]
    # the rest of base_rows is met in full (95 of the other points): only this row decides
    assert card.total == 95 + score
    review = [p.where.cell for p in card.problems if p.code == "needs-review"]
    assert review == (["H6"] if status == "needs-review" else [])  # the row's 实际完成值 (row 6)


def test_a_negated_row_says_its_band(make_workbook):
    rows = base_rows()
    rows[T] = row("产出指标", "时效指标", "验收及时性", TEXT, "不能在规定时间内完成", 5, reason=R)
    got = next(r for r in score_file(make_workbook(indicators=rows)).card.records if r.name == "验收及时性")
    assert got.note == "定性：判为“未达成年度指标且效果较差”，按 0% 计分"


# --- 2. convert tells a formula with no result in an indicator row ----------------------------------

BUDGET = {"年度资金总额": (100, 100, 90), "当年财政拨款": (100, 100, 90)}
NOTICE = "是公式但没有计算结果，未转入模板"


def _form_rows(changed):
    """Three rows, 50 + 30 + 10 points, with the cells ``changed`` by (row index, key)."""
    rows = three_rows()
    for (i, key), value in changed.items():
        rows[i][key] = value
    return rows


def _template_rows(out):
    ws = openpyxl.load_workbook(out)["绩效指标"]
    heads = [c.value for c in ws[1]]
    return {
        r[heads.index("三级指标")].value: {h: c for h, c in zip(heads, r, strict=True)} for r in ws.iter_rows(min_row=2)
    }


def test_convert_tells_a_target_or_actual_formula_with_no_result(tmp_path):
    # the form's indicator rows are 13–15, 指标值 in E and 实际完成值 in F: E13 =E20 and F14 =F20&""
    # never calculated (nothing to carry, their references are the form's); E15 =100% is the =
    # operator typed into a General cell, read as the text =100% (no formula problem): carried as
    # that text, not told
    rows = _form_rows(
        {
            (0, "target"): Typed("=E20", formula=True),
            (1, "actual"): Typed('=F20&""', formula=True),
            (2, "target"): Typed("=100%", formula=True),
        }
    )
    form = build_official(tmp_path / "form.xlsx", rows, BUDGET, budget_score=(10, 9))
    out = tmp_path / "模板.xlsx"
    _, n, lost = form_to_template(form, out, load_rules())
    assert n == 3
    assert lost == [
        "自评表!E13（三级指标“新建道路里程”的指标值）是公式但没有计算结果，未转入模板："
        "请在 Excel/WPS 中打开并保存自评表后重新转换，或在模板“绩效指标”表三级指标“新建道路里程”一行的指标值填写",
        "自评表!F14（三级指标“出行条件改善”的实际完成值）是公式但没有计算结果，未转入模板："
        "请在 Excel/WPS 中打开并保存自评表后重新转换，或在模板“绩效指标”表三级指标“出行条件改善”一行的实际完成值填写",
    ]
    got = _template_rows(out)
    assert got["新建道路里程"]["指标值"].value is None
    assert got["出行条件改善"]["实际完成值"].value is None
    typed = got["群众满意度"]["指标值"]
    assert (typed.value, typed.data_type) == ("=100%", "s")  # text, not a formula
    # scoring the template reads =100% as the form did: = 100% against 96%, 10 × 96 ÷ 100 = 9.6
    card = score_file(out).card
    assert next(r for r in card.records if r.name == "群众满意度").score == 9.6
    # and the two blanks are 未填写 there, as told
    missing = {p.where.cell for p in card.problems if p.code == "missing-value"}
    assert {got["新建道路里程"]["指标值"].coordinate, got["出行条件改善"]["实际完成值"].coordinate} <= missing


def test_convert_prints_a_points_formula_with_no_result(tmp_path):
    # G13 (分值) =G30 and H13 (申报得分) =H30 of 新建道路里程, and the 预算执行率 申报得分 I6
    # =SUM(I13:I15), none calculated: each told at its cell of the form by `selfeval convert`
    rows = _form_rows({(0, "points"): Typed("=G30", formula=True), (0, "score"): Typed("=H30", formula=True)})
    form = build_official(tmp_path / "form.xlsx", rows, BUDGET, budget_score=(10, Typed("=SUM(I13:I15)", formula=True)))
    out = tmp_path / "模板.xlsx"
    result = CliRunner().invoke(cli, ["convert", str(form), "-o", str(out)])
    assert result.exit_code == 0, result.output
    told = [line for line in result.stderr.splitlines() if NOTICE in line]
    assert told == [
        f"注意：自评表!I6（三级指标“预算执行率”的申报得分）{NOTICE}：请在 Excel/WPS 中打开并保存自评表后重新转换，"
        "或在模板“绩效指标”表三级指标“预算执行率”一行的申报得分填写",
        f"注意：自评表!G13（三级指标“新建道路里程”的分值）{NOTICE}：请在 Excel/WPS 中打开并保存自评表后重新转换，"
        "或在模板“绩效指标”表三级指标“新建道路里程”一行的分值填写",
        f"注意：自评表!H13（三级指标“新建道路里程”的申报得分）{NOTICE}：请在 Excel/WPS 中打开并保存自评表后重新转换，"
        "或在模板“绩效指标”表三级指标“新建道路里程”一行的申报得分填写",
    ]
    got = _template_rows(out)
    assert got["新建道路里程"]["分值"].value is None and got["新建道路里程"]["申报得分"].value is None
    assert got["预算执行率"]["申报得分"].value is None


def test_convert_tells_nothing_for_a_constant_actual(tmp_path):
    # F15 =96% typed as a formula: the text =96%, carried as typed; nothing to tell
    rows = _form_rows({(2, "actual"): Typed("=96%", formula=True)})
    form = build_official(tmp_path / "form.xlsx", rows, BUDGET, budget_score=(10, 9))
    out = tmp_path / "模板.xlsx"
    _, _, lost = form_to_template(form, out, load_rules())
    assert lost == []
    cell = _template_rows(out)["群众满意度"]["实际完成值"]
    assert (cell.value, cell.data_type) == ("=96%", "s")
