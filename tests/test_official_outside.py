"""An outside checker's official single-sheet forms (项目支出绩效自评表) varied the ways real forms
vary and not covered elsewhere: header wording, the 项目资金 block (其中：财政拨款 / 其他资金 lines,
执行率 printed as ``95%`` text or 0.95 in a General cell, amounts in 元), a merged 一级/二级 cell,
项目决策/项目管理 rows with only 分值 and 得分, 满意度 written with its name, dates and Chinese
numerals, a blank 得分 column, a typed 总分 that disagrees. Each goes through the real CLI
(``selfeval score --json``); the expected status, total, grade and problems were worked out by hand
before running it (arithmetic in the comments)."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from official_form import PrintedLine, build_official

from selfeval_xl.cli import cli


def _row(l1, l2, name, target, actual, points, score, reason=None) -> dict:
    return dict(l1=l1, l2=l2, name=name, target=target, actual=actual, points=points, score=score, reason=reason)


OUT = _row("产出指标", "数量指标", "培训人数", "≥100人", "100人", 50, 50)
EFF = _row("效益指标", "社会效益指标", "技能提升", "效果显著", "达成", 30, 30)
SAT = _row("满意度指标", "服务对象满意度指标", "学员满意度", "≥90%", "95%", 10, 10)
SHORT = _row("产出指标", "数量指标", "培训人数", "≥100人", "90人", 50, 45, "受汛期影响部分培训顺延")
FULL = {"年度资金总额": (100, 100, 100)}


def _edit(path: Path, fn) -> Path:
    wb = openpyxl.load_workbook(path)
    fn(wb.active)
    wb.save(path)
    return path


def _headers_reworded(path: Path) -> Path:
    # 指标值 / 全年实际值 / 自评得分 / 未完成原因 for 年度指标值 / 实际完成值 / 得分 / 偏差原因分析及改进措施
    renamed = {
        "年度指标值": "指标值",
        "实际完成值": "全年实际值",
        "得分": "自评得分",
        "偏差原因分析及改进措施": "未完成原因",
    }

    def fn(ws):
        for cell in ws[12]:
            cell.value = renamed.get(cell.value, cell.value)

    return _edit(path, fn)


def _satisfaction_merged_across(path: Path) -> Path:
    # the 满意度 row (15) prints 满意度指标 once over the 一级 and 二级 columns (B15:C15 merged)
    def fn(ws):
        ws["C15"] = None
        ws.merge_cells("B15:C15")

    return _edit(path, fn)


def f1(p):  # reworded headers; 50 × 90 ÷ 100 = 45 with a reason; 10 + 45 + 30 + 10 = 95 → 优
    return _headers_reworded(
        build_official(p, [SHORT, EFF, SAT], FULL, budget_score=(10, 10), total=95, agency="单位1")
    )


def f2(p):  # 元 block, 其中：财政拨款 / 其他资金 lines, 执行率 as text 95%: 1,900,000 ÷ 2,000,000 = 95%
    # → 10 × 95% = 9.5; 9.5 + 50 + 30 + 10 = 99.5 → 优; the text 95% agrees with the amounts
    lines = [
        PrintedLine("年度资金总额", (2000000, 2000000, 1900000), "95%"),
        PrintedLine("其中：财政拨款", (1500000, 1500000, 1450000)),
        PrintedLine("其他资金", (500000, 500000, 450000)),
    ]
    return build_official(p, [OUT, EFF, SAT], lines, budget_score=(10, 9.5), total=99.5, unit="元", agency="单位2")


def f3(p):  # 执行率 0.95 in a General cell (not a percent format): 95 ÷ 100 = 95%, agrees → 99.5
    lines = [PrintedLine("年度资金总额", (100, 100, 95), 0.95)]
    return build_official(p, [OUT, EFF, SAT], lines, budget_score=(10, 9.5), total=99.5, agency="单位3")


def f4(p):  # 满意度指标 merged over 一级 and 二级: still the 满意度 row → all full, 100
    return _satisfaction_merged_across(
        build_official(p, [OUT, EFF, SAT], FULL, budget_score=(10, 10), total=100, agency="单位4")
    )


def f5(p):  # 项目决策 5/5 and 项目管理 5/4 with only 分值 and 得分: 待复核 at their 实际完成值 (F13, F14),
    # counted at the claim; 10 + 5 + 4 + 40 + 30 + 10 = 99 → 优 (暂定); 产出 40 ≠ 50 and two
    # 一级指标 outside the rule set are warnings
    rows = [
        _row("项目决策", "决策依据", "决策依据", None, None, 5, 5),
        _row("项目管理", "资金管理", "资金使用合规性", None, None, 5, 4),
        {**OUT, "points": 40, "score": 40},
        EFF,
        SAT,
    ]
    return build_official(p, rows, FULL, budget_score=(10, 10), total=99, agency="单位5")


def f6(p):  # the same kind of row under 产出指标 is not 待复核: 实际完成值未填写 (error, F13), 0 points
    # → 10 + 0 + 40 + 30 + 10 = 90 暂算, no grade
    rows = [_row("产出指标", "质量指标", "工程质量", None, None, 10, 10), {**OUT, "points": 40, "score": 40}, EFF, SAT]
    return build_official(p, rows, FULL, budget_score=(10, 10), total=100, agency="单位6")


def f7(p):  # 满意度≥95% against 群众满意度98.5%: 98.5 ≥ 95 → full, 100
    sat = _row("满意度指标", "服务对象满意度指标", "群众满意度", "满意度≥95%", "群众满意度98.5%", 10, 10)
    return build_official(p, [OUT, EFF, sat], FULL, budget_score=(10, 10), total=100, agency="单位7")


def f8(p):  # (2023年度): 2023年12月底前 vs 2023年11月20日 on time 10; ≥三场 vs 4场 full 20 (4 ÷ 3 =
    # 133% ≥ 120%: over-achievement warning at F14); 两百人 vs 一百五十人: 20 × 150 ÷ 200 = 15 with a
    # reason; 10 + 10 + 20 + 15 + 30 + 10 = 95 → 优
    rows = [
        _row("产出指标", "时效指标", "项目完成时间", "2023年12月底前", "2023年11月20日", 10, 10),
        _row("产出指标", "数量指标", "培训场次", "≥三场", "4场", 20, 20),
        _row("产出指标", "数量指标", "受益人数", "两百人", "一百五十人", 20, 15, "部分人员外出务工"),
        EFF,
        SAT,
    ]
    return build_official(p, rows, FULL, budget_score=(10, 10), total=95, year=2023, agency="单位8")


def f9(p):  # no 得分 anywhere (the unit claimed nothing), 总分 blank: scored as computed, 100, no claim
    rows = [{**r, "score": None} for r in (OUT, EFF, SAT)]
    return build_official(p, rows, FULL, budget_score=(10, None), total=None, agency="单位9")


def f10(p):  # 总分 typed 98 over claims 10 + 45 + 30 + 10 = 95 = 核定: both total warnings at H16
    return build_official(p, [SHORT, EFF, SAT], FULL, budget_score=(10, 10), total=98, agency="单位10")


def f11(p):  # 一、产出指标（50分）… numbered 一级 with their points: the standard ones, 100
    rows = [
        {**OUT, "l1": "一、产出指标（50分）"},
        {**EFF, "l1": "二、效益指标（30分）"},
        {**SAT, "l1": "三、满意度指标（10分）"},
    ]
    return build_official(p, rows, FULL, budget_score=(10, 10), total=100, agency="单位11")


def f12(p):  # 执行率 printed as a plain 95 (no %): 95 ÷ 100 = 95%, agrees → 9.5; 9.5 + 90 = 99.5
    lines = [PrintedLine("年度资金总额", (100, 100, 95), 95)]
    return build_official(p, [OUT, EFF, SAT], lines, budget_score=(10, 9.5), total=99.5, agency="单位12")


def f13(p):  # 12月底前 with no year: the title's (2023年度) → 2023-12-31; 2023年12月28日 on time: 10 + 40 + 50
    rows = [
        _row("产出指标", "时效指标", "完成时间", "12月底前", "2023年12月28日", 10, 10),
        {**OUT, "points": 40, "score": 40},
    ]
    return build_official(p, [*rows, EFF, SAT], FULL, budget_score=(10, 10), total=100, year=2023, agency="单位13")


def f14(p):  # 总额 100 over 其中：财政拨款 80 + 其他资金 10 = 90: the three amounts of the total line (D6, E6,
    # F6) disagree with the parts (warnings); the rate is 100 ÷ 100 → 10, total 100
    lines = [
        PrintedLine("年度资金总额", (100, 100, 100)),
        PrintedLine("其中：财政拨款", (80, 80, 80)),
        PrintedLine("其他资金", (10, 10, 10)),
    ]
    return build_official(p, [OUT, EFF, SAT], lines, budget_score=(10, 10), total=100, agency="单位14")


def f15(p):  # 元 amounts typed as text with full-width thousands commas (1，000，000.00): 950,000 ÷
    # 1,000,000 = 95% → 9.5, 总分 typed as text 99.5
    amounts = ("1，000，000.00", "1，000，000.00", "950，000.00")
    lines = [PrintedLine("年度资金总额", amounts, "95.00%")]
    return build_official(
        p, [OUT, EFF, SAT], lines, budget_score=("10分", "9.5分"), total="99.5", unit="元", agency="单位15"
    )


def f16(p):  # 一级 typed on the first row of its group only, nothing merged (a form copied from a web
    # page): the blank 一级 of 合格率 is read as 产出 (产出 30 + 20 = 50: no 一级 warning); 满意度 actual
    # typed ≥95% → 95 ≥ 90 full; 100
    rows = [
        _row("产出指标", "数量指标", "培训人数", "≥100人", "100人", 30, 30),
        _row(None, "质量指标", "合格率", "≥95%", "98%", 20, 20),
        EFF,
        {**SAT, "actual": "≥95%"},
    ]
    return build_official(p, rows, FULL, budget_score=(10, 10), total=100, merge=False, agency="单位16")


CASES = [  # (builder, status, total, grade, claimed total, year, problems as (code, cell))
    (f1, "final", 95, "优", 95, 2022, []),
    (f2, "final", 99.5, "优", 99.5, 2022, []),
    (f3, "final", 99.5, "优", 99.5, 2022, []),
    (f4, "final", 100, "优", 100, 2022, []),
    (
        f5,
        "needs-review",
        99,
        "优",
        99,
        2022,
        [
            ("unknown-level1", "B13"),
            ("needs-review", "F13"),
            ("unknown-level1", "B14"),
            ("needs-review", "F14"),
            ("level1-points", "B15"),
        ],
    ),
    (f6, "needs-correction", 90, None, 100, 2022, [("missing-value", "F13")]),
    (f7, "final", 100, "优", 100, 2022, []),
    (f8, "final", 95, "优", 95, 2023, [("over-achievement", "F14")]),
    (f9, "final", 100, "优", None, 2022, []),
    (f10, "final", 95, "优", 98, 2022, [("claimed-total-mismatch", "H16"), ("claimed-total-sum", "H16")]),
    (f11, "final", 100, "优", 100, 2022, []),
    (f12, "final", 99.5, "优", 99.5, 2022, []),
    (f13, "final", 100, "优", 100, 2023, []),
    (f14, "final", 100, "优", 100, 2022, [("budget-total-mismatch", c) for c in ("D6", "E6", "F6")]),
    (f15, "final", 99.5, "优", 99.5, 2022, []),
    (f16, "final", 100, "优", 100, 2022, []),
]


@pytest.mark.parametrize(("build", "status", "total", "grade", "claimed", "year", "problems"), CASES)
def test_outside_forms(tmp_path, build, status, total, grade, claimed, year, problems):
    path = build(tmp_path / f"{build.__name__}.xlsx")
    result = CliRunner().invoke(
        cli, ["score", "--json", "--no-write-back", "-j", "1", "--summary", str(tmp_path / "汇总.xlsx"), str(path)]
    )
    d = next(json.loads(line) for line in result.output.splitlines() if line.startswith("{"))
    got = (d["status"], d["total"], d["grade"], d["claimed_total"], d["year"])
    assert got == (status, total, grade, claimed, year)
    assert [(p["code"], p["cell"]) for p in d["problems"]] == problems


def _score(tmp_path: Path, path: Path) -> dict:
    args = ["score", "--json", "--no-write-back", "-j", "1", "--summary", str(tmp_path / "汇总.xlsx"), str(path)]
    result = CliRunner().invoke(cli, args)
    return next(json.loads(line) for line in result.output.splitlines() if line.startswith("{"))


def test_level1_printed_under_its_block_with_a_slash(tmp_path):
    # 广水 prints 一级指标 under the block that groups them: 项目绩效(85分)/产出指标(40分). The part
    # after the slash is the 一级指标: 产出, 效益, 满意度 are found, so no "产出指标分值合计 0，应为 60
    # (没有满意度指标)" nor "not a 一级指标 of the rule set" for them.
    g = "项目绩效(90分)/"
    rows = [
        {**OUT, "l1": g + "产出指标(50分)"},
        {**EFF, "l1": g + "效益指标(30分)"},
        {**SAT, "l1": g + "满意度指标(10分)"},
    ]
    path = build_official(tmp_path / "a.xlsx", rows, FULL, budget_score=(10, 10), total=100, agency="单位A")
    d = _score(tmp_path, path)
    # 10 + 50 + 30 + 10 = 100 → 优, nothing to report
    assert (d["status"], d["total"], d["grade"], d["problems"]) == ("final", 100, "优", [])
    # with a 项目决策(5分) row holding only 分值 and 得分 (待复核 at F13, outside the rule set's 一级
    # at B13) and 产出 45: 10 + 5 + 45 + 30 + 10 = 100 → 优 (暂定); 产出 45 ≠ 50 at its first row B14
    rows = [
        _row("项目决策(5分)", "决策依据", "决策依据", None, None, 5, 5),
        {**OUT, "l1": "项目绩效(85分)/产出指标(45分)", "points": 45, "score": 45},
        {**EFF, "l1": "项目绩效(85分)/效益指标(30分)"},
        {**SAT, "l1": "项目绩效(85分)/满意度指标(10分)"},
    ]
    path = build_official(tmp_path / "b.xlsx", rows, FULL, budget_score=(10, 10), total=100, agency="单位B")
    d = _score(tmp_path, path)
    assert (d["status"], d["total"], d["grade"]) == ("needs-review", 100, "优")
    problems = [(p["code"], p["cell"]) for p in d["problems"]]
    assert problems == [("unknown-level1", "B13"), ("needs-review", "F13"), ("level1-points", "B14")]


@pytest.mark.parametrize(("label", "value"), [("评价年度", 2023), ("评价年度：", "2023"), ("年度：2023", None)])
def test_year_stated_on_its_own_line(tmp_path, label, value):
    # a form whose title carries no year but a line under it states it: 评价年度 | 2023 (a number
    # cell), 评价年度： | "2023", 年度：2023 in one cell. 2023 is the year, as the template's 评价年度
    # cell takes 2023; before, no "2023年" being written, the form was "评价年度未填写" (an error:
    # 待更正, no grade). All rows full: 10 + 50 + 30 + 10 = 100 → 优
    path = build_official(tmp_path / "f.xlsx", [OUT, EFF, SAT], FULL, budget_score=(10, 10), total=100, agency="单位")

    def fn(ws):
        ws.unmerge_cells("A2:I2")
        ws["A2"], ws["C2"] = label, value

    d = _score(tmp_path, _edit(path, fn))
    assert (d["status"], d["total"], d["grade"], d["year"], d["problems"]) == ("final", 100, "优", 2023, [])


def _full_form(tmp_path: Path, name: str, fn) -> dict:
    path = build_official(tmp_path / name, [OUT, EFF, SAT], FULL, budget_score=(10, 10), total=100, agency="单位")
    return _score(tmp_path, _edit(path, fn))


def _title_and_line(title: str, line: str | None = None, **cells):
    def fn(ws):
        ws["A1"], ws["A2"] = title, line
        if cells:
            ws.unmerge_cells("A2:I2")
        for ref, v in cells.items():
            ws[ref] = v

    return fn


@pytest.mark.parametrize(
    ("fn", "year", "problems"),
    [
        # title 2023, the line under it 2022: 2023 kept (the first), told at the line A2
        (_title_and_line("2023年度项目支出绩效自评表", "（评价年度：2022年）"), 2023, [("year-conflict", "A2")]),
        # the same with the year labelled on a split line (评价年度 | 2022 as a number): told at its value C2
        (_title_and_line("2023年度项目支出绩效自评表", A2="评价年度", C2=2022), 2023, [("year-conflict", "C2")]),
        # both say 2023: nothing to tell
        (_title_and_line("2023年度项目支出绩效自评表", "（评价年度：2023年）"), 2023, []),
        # a date line is no 评价年度 (2024 is when it was filled in)
        (_title_and_line("2023年度项目支出绩效自评表", "填报日期：2024年3月5日"), 2023, []),
        # a project named after the year its money came from merely mentions 2022
        (_title_and_line("项目支出绩效自评表", "（2023年度）", C3="2022年农村公路建设项目"), 2023, []),
    ],
    ids=["title-vs-line", "title-vs-labelled-cell", "same-year", "date-line", "project-name"],
)
def test_two_years_stated_on_one_form(tmp_path, fn, year, problems):
    # all rows full: 10 + 50 + 30 + 10 = 100 → 优; a warning leaves the status final
    d = _full_form(tmp_path, "f.xlsx", fn)
    assert (d["status"], d["total"], d["grade"], d["claimed_total"], d["year"]) == ("final", 100, "优", 100, year)
    assert [(p["code"], p["cell"]) for p in d["problems"]] == problems
    if problems:
        assert "2023" in d["problems"][0]["message"] and "2022" in d["problems"][0]["message"]


def _cells(**cells):
    def fn(ws):
        for ref, v in cells.items():
            ws[ref] = v

    return fn


@pytest.mark.parametrize(
    ("fn", "problems"),
    [
        # 广水's 复核分 beside the 得分 column (I), a reviewer's 45 on the 产出 row: not read, told once at J12
        (_cells(J12="复核分", J13=45), [("review-column-unread", "J12")]),
        # the column printed but empty: nothing lost, nothing to tell
        (_cells(J12="复核分"), []),
        # a dash is no figure
        (_cells(J12="复核得分", J13="—"), []),
        # printed in both blocks' headers (项目资金 J5, 绩效指标 J12), figures under both: one warning, at the first
        (_cells(J5="复核得分", J6=9, J12="复核分", J14="30分"), [("review-column-unread", "J5")]),
    ],
    ids=["figure", "empty", "dash", "both-blocks"],
)
def test_review_column_on_the_form_is_not_read(tmp_path, fn, problems):
    # the reviewer's figures change nothing: 10 + 50 + 30 + 10 = 100 → 优, final (a warning keeps it so);
    # 复核总分 stays unset (复核得分 is read from the 评分结果 sheet only)
    d = _full_form(tmp_path, "f.xlsx", fn)
    assert (d["status"], d["total"], d["grade"], d["claimed_total"]) == ("final", 100, "优", 100)
    assert d["reviewed_total"] is None and all(i["reviewed"] is None for i in d["indicators"])
    assert [(p["code"], p["cell"]) for p in d["problems"]] == problems
    if problems:
        assert "评分结果" in d["problems"][0]["message"] and "复核得分" in d["problems"][0]["message"]
