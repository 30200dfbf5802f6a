"""Three value readings found wrong in review (audit 79), each scored by hand before the tool
ran, on real workbooks (the conftest base form; the official single-sheet form for ``convert``):

1. ``convert`` of an official form whose 项目资金 amount cannot be read (``约100万元``): carried into
   the template's cell as typed, so that scoring the template reports it there as scoring the
   form does (it was left blank without a word); a formula with no result is told when converting;
2. mixed bare scales (``≥1万`` against ``0.5亿``): compared in one scale (it compared 0.5 with 1);
3. a date inside prose against a date target (``已于2024年3月完成验收``): that date, on time or late
   (it was judged by its words, 完成 → 达成, however late); two dates are left to a reviewer."""

from __future__ import annotations

import openpyxl
from click.testing import CliRunner
from official_form import Typed, build_official

from selfeval_xl import score_file
from selfeval_xl.cli import cli
from selfeval_xl.outputs.convert import form_to_template
from selfeval_xl.rules.ruleset import load_rules

# --- 1. convert carries an unreadable amount over --------------------------------------------------

FORM_ROWS = [
    dict(l1="产出指标", l2="数量指标", name="新建道路里程", target="≥10公里", actual="10公里", points=50, score=50),
    dict(
        l1="效益指标",
        l2="社会效益指标",
        name="出行条件改善",
        target="达成年度指标",
        actual="达成年度指标",
        points=30,
        score=30,
    ),
    dict(l1="满意度指标", l2="服务对象满意度指标", name="群众满意度", target="≥90%", actual="96%", points=10, score=10),
]


def _errors(card):
    return [(p.code, p.where.sheet, p.where.cell, p.message) for p in card.errors]


def test_convert_carries_an_unreadable_amount_into_its_cell(tmp_path):
    # the form's 项目资金 D6:F9 (年初预算数, 全年预算数, 全年执行数), 年度资金总额 on row 6 and
    # 当年财政拨款 on row 7: 全年预算数 of 年度资金总额 (E6) 约100万元, 全年执行数 of 当年财政拨款 (F7) 九十
    budget = {"年度资金总额": (100, "约100万元", 90), "当年财政拨款": (100, 100, "九十")}
    form = build_official(tmp_path / "form.xlsx", FORM_ROWS, budget, budget_score=(10, 9))
    assert [(c, cell) for c, _, cell, _ in _errors(score_file(form).card)] == [
        ("not-a-number", "E6"),
        ("not-a-number", "F7"),
    ]
    out = tmp_path / "模板.xlsx"
    _, n, lost = form_to_template(form, out, load_rules())
    assert (n, lost) == (3, [])
    # the template's 预算执行: 资金类别 | 年初预算数 | 全年预算数 | 全年执行数 from A1, 年度资金总额 on
    # row 2 and 当年财政拨款 on row 3: the texts as typed, in C2 and D3
    ws = openpyxl.load_workbook(out)["预算执行"]
    assert [c.value for c in ws[2][:4]] == ["年度资金总额", 100, "约100万元", 90]
    assert [c.value for c in ws[3][:4]] == ["当年财政拨款", 100, 100, "九十"]
    card = score_file(out).card
    assert [e for e in _errors(card) if e[1] == "预算执行"] == [
        ("not-a-number", "预算执行", "C2", "年度资金总额全年预算数“约100万元”无法识别为数值"),
        ("not-a-number", "预算执行", "D3", "当年财政拨款全年执行数“九十”无法识别为数值"),
    ]
    # no rate without 全年预算数 of the total: the 预算执行率 line 0 of 10, as on the form
    assert next(r.score for r in card.records if r.name == "预算执行率") == 0
    assert card.status == "needs-correction"


def test_convert_carries_an_unreadable_score_over(tmp_path):
    # 分值 十 (G13, the first indicator row) and 申报得分 约9分 (H15, the third): what was typed, not
    # blank (which the template would report as 分值未填写, the form as “十”无法识别为数值)
    rows = [dict(FORM_ROWS[0], points="十"), FORM_ROWS[1], dict(FORM_ROWS[2], score="约9分")]
    budget = {"年度资金总额": (100, 100, 90), "当年财政拨款": (100, 100, 90)}
    form = build_official(tmp_path / "form.xlsx", rows, budget, budget_score=(10, 9))
    out = tmp_path / "模板.xlsx"
    form_to_template(form, out, load_rules())
    # the template's indicator rows: 预算执行率 on row 2, then the form's three from row 3
    messages = [(e[2], e[3]) for e in _errors(score_file(out).card) if e[1] == "绩效指标"]
    assert ("I3", "分值“十”无法识别为数值") in messages
    assert ("J5", "申报得分“约9分”无法识别为数值") in messages


def test_convert_tells_a_formula_with_no_result(tmp_path):
    # E6 =SUM(E7:E9) never calculated: nothing to carry (its references are the form's), so the
    # command says so, naming the form's cell, and the template's C2 is left blank
    budget = {"年度资金总额": (100, Typed("=SUM(E7:E9)", formula=True), 90), "当年财政拨款": (100, 100, 90)}
    form = build_official(tmp_path / "form.xlsx", FORM_ROWS, budget, budget_score=(10, 9))
    out = tmp_path / "模板.xlsx"
    result = CliRunner().invoke(cli, ["convert", str(form), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "注意：自评表!E6（年度资金总额全年预算数）是公式但没有计算结果，未转入模板" in result.stderr
    assert openpyxl.load_workbook(out)["预算执行"]["C2"].value is None
