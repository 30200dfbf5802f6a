"""The verdict on a file (SPEC §3.12) and what people really type (SPEC §3.13), each through a
real filled workbook or form; totals worked out by hand.

Template rows (conftest.base_rows): 2 预算执行率 (10, 29.6/29.6 → 100%), 3 康复服务比例 15,
4 托养服务人次数 10, 5 服务规范性 10, 6 项目完成时间 5, 7 燃油补贴标准 10, 8 残疾人康复服务水平 15,
9 服务长效机制 15, 10 服务对象满意度 10 — all met: 100. Columns: F 指标值, G 计量单位,
H 实际完成值, I 分值, J 申报得分, K 偏差原因."""

from __future__ import annotations

import json

import openpyxl
import pytest
from conftest import JSON_INDICATOR_KEYS, base_rows, row
from test_forms import TIANCHANG_ROWS, build_form

from selfeval_xl import load_rules, read_workbook, score, score_file
from selfeval_xl.reading.cells import constant_formula_text
from selfeval_xl.rules.ruleset import builtin_path


def card_for(make_workbook, rows=None, rules=None, **kw):
    return score(read_workbook(make_workbook(indicators=rows, **kw)), rules or load_rules())


def found(card, code=None):
    return [(p.code, p.where.cell) for p in card.problems if code is None or p.code == code]


def test_status_final_with_grade_and_json(make_workbook):
    card = card_for(make_workbook)
    assert (card.total, card.grade, card.status) == (100, "优", "final")
    obj = card.as_dict()
    assert (obj["status"], obj["grade"], obj["reviewed_total"]) == ("final", "优", None)


def test_typo_gives_its_own_error_only(make_workbook):
    # every row claims its points and the 申报总分 is 100; row 4's 实际完成值 is a typo. The unit is
    # told to fix the typo (one error at H4), not asked to explain it (no 申报≠核定, no 偏差原因,
    # no 申报总分≠核定总分). Total 100 − 10 = 90, provisional: no grade, status needs-correction.
    rows = [dict(r, 申报得分=r["分值"]) for r in base_rows()]
    rows[1]["实际完成值"] = "约九成"
    card = card_for(make_workbook, rows, info={"申报总分": 100})
    assert found(card) == [("not-a-number", "H4")]
    assert (card.total, card.grade, card.status) == (90, None, "needs-correction")
    assert card.as_dict()["grade"] is None


def test_unfilled_form_is_blank_with_one_problem(make_workbook):
    # targets and points filled, no 实际完成值 anywhere and no 全年执行数: 未填写, one problem at
    # the first 个性 row's 实际完成值 (H3), not a list of empty cells; no grade
    rows = [dict(r, 实际完成值=None) for r in base_rows()]
    card = card_for(make_workbook, rows, budget={"年度资金总额": (29.6, 29.6, None)})
    assert [(p.code, p.severity, p.where.cell) for p in card.problems] == [("blank-form", "error", "H3")]
    assert (card.status, card.grade) == ("blank", None)
    # as a budget system exports an unfilled form: 全年执行数 0.00 is no figure either
    card = card_for(make_workbook, rows, budget={"年度资金总额": (29.6, 29.6, 0)})
    assert (card.status, found(card)) == ("blank", [("blank-form", "H3")])
    # one 实际完成值 typed: no longer blank, the empty ones are errors of their own
    rows[0]["实际完成值"] = "100%"
    card = card_for(make_workbook, rows, budget={"年度资金总额": (29.6, 29.6, None)})
    assert card.status == "needs-correction" and ("blank-form", "H3") not in found(card)


def _judged(target=None, actual=None, claimed=8, l1="项目管理", l2="财务制度"):
    """Row 5 (服务规范性, 10 分) replaced by a row with 分值 10 and, by default, only a 申报得分 of 8:
    a 项目管理 row as 湖北's single-sheet forms print them (no 指标值, no 实际完成值)."""
    rows = base_rows()
    rows[2] = row(l1, l2, "财务制度健全性", target, actual, 10, claimed=claimed)
    return rows


def test_row_with_only_points_and_a_claim_awaits_a_reviewer(make_workbook):
    # nothing to measure and nothing the unit can correct: 待复核 at the row's 实际完成值 (H5), the
    # row counting its 申报得分 for now: 100 − 10 + 8 = 98, a provisional 优. (项目管理 is no 一级指标
    # of the rule set and 产出 is now 40: warnings, which leave the status alone)
    card = card_for(make_workbook, _judged())
    assert found(card, "needs-review") == [("needs-review", "H5")] and found(card, "missing-value") == []
    assert (card.status, card.total, card.grade) == ("needs-review", 98, "优")
    assert not any(p.is_error for p in card.problems)
    p = next(p for p in card.problems if p.code == "needs-review")
    assert p.message == (
        "本行只有分值和申报得分，没有指标值和实际完成值，无法自动判断完成程度，"
        "待复核人员在“评分结果”表填写复核得分（暂按申报得分 8 分）"
    )
    judged = card.records[3]  # (record 0 is the 预算执行率 line)
    assert (judged.name, judged.score) == ("财务制度健全性", 8)
    assert judged.note == "待复核：没有指标值和实际完成值，需人工判断完成程度，暂按申报得分 8 分"
    # awaiting judgment, it is not asked to explain 8 < 10 (no 偏差原因, no 申报≠核定)
    assert found(card, "missing-reason") == found(card, "score-mismatch") == []


def test_rows_missing_values_that_stay_errors(make_workbook):
    # a 指标值 and no 实际完成值: the unit forgot to fill it (today's error at H5, 待更正)
    card = card_for(make_workbook, _judged(target="财务制度健全"))
    assert (found(card, "missing-value"), found(card, "needs-review")) == ([("missing-value", "H5")], [])
    assert (card.status, card.total) == ("needs-correction", 90)  # 100 − 10
    # neither value and no 申报得分: nothing to judge (实际完成值未填写 at H5)
    card = card_for(make_workbook, _judged(claimed=None))
    assert (found(card, "missing-value"), found(card, "needs-review")) == ([("missing-value", "H5")], [])
    assert card.status == "needs-correction"
    # a 申报得分 of 12 over the 分值 10: its own error at J5, and the row stays unfilled at H5
    card = card_for(make_workbook, _judged(claimed=12))
    assert sorted(found(card, "missing-value") + found(card, "claim-over-points")) == [
        ("claim-over-points", "J5"),
        ("missing-value", "H5"),
    ]
    assert found(card, "needs-review") == [] and card.status == "needs-correction"
    # 指标性质 ≥ promises a number: with neither value the 指标值 is what is missing (F5)
    rows = _judged()
    rows[2]["指标性质"] = "≥"
    card = card_for(make_workbook, rows)
    assert (found(card, "missing-value"), found(card, "needs-review")) == ([("missing-value", "F5")], [])
    # under 产出指标 a row is measured whatever the form prints: no values is unfilled, not judged
    card = card_for(make_workbook, _judged(l1="产出指标", l2="质量指标"))
    assert (found(card, "missing-value"), found(card, "needs-review")) == ([("missing-value", "H5")], [])
    assert (card.status, card.total) == ("needs-correction", 90)


def test_unfilled_form_with_claims_only_stays_blank(make_workbook):
    # no 实际完成值 in any row and no 全年执行数, but every row claims its points and row 5 is a
    # 项目管理 row with only 分值 and 申报得分: still 未填写 with its one problem at H3, not 待复核
    rows = [dict(r, 实际完成值=None, 申报得分=r["分值"]) for r in _judged(claimed=10)]
    card = card_for(make_workbook, rows, budget={"年度资金总额": (29.6, 29.6, None)})
    assert (card.status, card.grade, found(card)) == ("blank", None, [("blank-form", "H3")])


def test_points_adding_to_266_get_no_grade(make_workbook):
    # each of the 8 rows' points × 2.8444… would be fussy: double every row (90 → 180) and add a
    # 76-point row: Σ分值 = 10 + 180 + 76 = 266, all met → total 266, error on the 分值 header I1
    rows = [dict(r, 分值=r["分值"] * 2) for r in base_rows()]
    rows.append(row("产出指标", "数量指标", "加分项", "≥1个", "1个", 76))
    card = card_for(make_workbook, rows)
    assert found(card, "points-total") == [("points-total", "I1")]
    assert (card.total, card.grade, card.status) == (266, None, "needs-correction")


def test_not_applicable_row_with_points_is_rescaled(make_workbook):
    # row 8 (残疾人康复服务水平, 15) is marked “/” but keeps its 15 points; row 4 gets 84 of ≥105人
    # → 10 × 84/105 = 8. Applicable 分值 = 100 − 15 = 85; scored = 85 − 2 = 83;
    # total = 83 × 100 ÷ 85 = 97.647… → 97.65, warning at the “/” row's 分值 cell I8
    rows = base_rows()
    rows[1] = row("产出指标", "数量指标", "托养服务人次数", "≥105人", "84人", 10, reason="名额未满")
    rows[5] = row("效益指标", "生态效益指标", "/", "/", "/", 15)
    card = card_for(make_workbook, rows)
    assert found(card) == [("not-applicable-rescaled", "I8")]
    assert card.rows.loc[8, "points"] == 15 and card.as_dict()["indicators"][6]["score"] is None
    assert (card.total, card.grade, card.status) == (97.65, "优", "final")
    assert "83 × 100 ÷ 85 = 97.65" in card.problems[0].message
    # the 效益指标 subtotal leaves the “/” row out as the total does: 30 − 15 = 15 applicable
    # points, 15 scored (15 of 15, not 15 of 30 for an indicator that did not apply); the 分值
    # still add up to 100 for the points check (no points-total / level1-points problem above)
    assert ("效益指标", 15, 15) in card.subtotals


def test_not_applicable_points_as_error_when_configured(make_workbook, tmp_path):
    text = builtin_path("项目支出").read_text(encoding="utf-8").replace('na_points = "rescale"', 'na_points = "error"')
    strict = tmp_path / "strict.toml"
    strict.write_text(text, encoding="utf-8")
    rows = base_rows()
    rows[5] = row("效益指标", "生态效益指标", "/", "/", "/", 15)
    card = card_for(make_workbook, rows, rules=load_rules(strict))
    # the row counts 0 of its 15 and is an error at I8: 100 − 15 = 85, no rescaling, no grade
    assert found(card) == [("not-applicable-points", "I8")]
    assert (card.total, card.status) == (85, "needs-correction")


def test_none_against_none_is_an_answer_not_a_blank_row(make_workbook):
    # 重大安全事故 指标值 无, 实际完成值 无: nothing happened, as intended → full points (text equal)
    rows = base_rows()
    rows[5] = row("效益指标", "社会效益指标", "重大安全事故", "无", "无", 15)
    card = card_for(make_workbook, rows)
    assert card.rows.loc[8, "score"] == 15 and card.total == 100 and found(card) == []


def test_not_applicable_words(make_workbook):
    # 不涉及 in 实际完成值 (a common way to say it) with its 15 points: left out like “/”;
    # all others met: 85 × 100 ÷ 85 = 100
    rows = base_rows()
    rows[5] = row("效益指标", "生态效益指标", "生态环境改善", "有所改善", "不涉及", 15)
    card = card_for(make_workbook, rows)
    assert found(card) == [("not-applicable-rescaled", "I8")] and card.total == 100


def test_na_row_without_points_is_skipped_silently(make_workbook):
    rows = base_rows()
    rows.append(row("效益指标", "生态效益指标", "生态效益", "/", "/", None))
    card = card_for(make_workbook, rows)
    assert 11 not in card.rows.index and found(card) == [] and card.total == 100


@pytest.mark.parametrize(
    ("formula", "text"),
    [("100%", "=100%"), ("=8", "=8"), ("0件", "=0件"), ("72890元", "=72890元"), ("1,234.5万元", "=1,234.5万元")],
)
def test_constant_formulas_are_the_typed_operator(formula, text):
    assert constant_formula_text(formula) == text


@pytest.mark.parametrize("formula", ["A1", "$B$2", "SUM(A1:A3)", "1+2", "TODAY()", '"abc"', "F3*100%"])
def test_real_formulas_stay_formulas(formula):
    assert constant_formula_text(formula) is None


def test_constant_formula_target_without_cached_value(make_workbook):
    # a script-written file: 指标值 "=100%" as a formula with no cached value (openpyxl writes
    # none). Read as the text "=100%": "=" 100%; actual 95% → 15 × 95/100 = 14.25. Before, this
    # was a formula-no-cache error and the row scored 0.
    rows = base_rows()
    rows[0] = row("产出指标", "数量指标", "康复服务比例", "x", "95%", 15, reason="个别对象外出")
    path = make_workbook(indicators=rows)
    wb = openpyxl.load_workbook(path)
    wb["绩效指标"]["F3"] = "=100%"  # openpyxl: a formula
    wb.save(path)
    assert "<f>100%</f>" in _sheet_xml(path, "绩效指标")
    card = score(read_workbook(path), load_rules())
    assert card.rows.loc[3, "operator"] == "=" and card.rows.loc[3, "score"] == 14.25
    assert found(card) == [] and card.total == 99.25  # 100 − 0.75


def test_missing_unit_on_a_form_is_a_warning_at_its_cell(tmp_path):
    # 主管部门 教育部, 实施单位 left blank (G4): the unit is not taken to be 教育部
    path = build_form(tmp_path / "北大.xlsx", TIANCHANG_ROWS, {"年度资金总额": (880, 880, 880)}, parent="教育部")
    wb = openpyxl.load_workbook(path)
    wb.active["G4"] = None
    wb.save(path)
    data = read_workbook(path, layout="form")
    assert data.info.get("单位名称") is None and data.info["主管部门"] == "教育部"
    hits = [p for p in data.problems if p.code == "missing-value"]
    assert [(p.severity, p.where.sheet, p.where.cell, p.message) for p in hits] == [
        ("warning", "自评表", "G4", "实施单位未填写")
    ]


def test_unit_is_not_the_next_labels_value(tmp_path):
    # 实施单位 | (blank) | … a later label's value never becomes the unit
    path = build_form(tmp_path / "a.xlsx", TIANCHANG_ROWS, {"年度资金总额": (880, 880, 880)}, parent="教育部")
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    ws.unmerge_cells("G4:I4")
    ws["G4"], ws["H4"], ws["I4"] = None, "预算单位", "北京大学"
    wb.save(path)
    data = read_workbook(path, layout="form")
    # 实施单位 has no value of its own; the 预算单位 label that follows gives 北京大学
    assert data.info["单位名称"] == "北京大学" and data.info_cells["单位名称"] == "I4"


def test_unknown_level1_names_what_was_expected(make_workbook):
    rows = base_rows()
    rows[7] = row("服务满意度", "服务对象满意度指标", "服务对象满意度", "≥90%", "95%", 10)
    card = card_for(make_workbook, rows)
    # no 满意度指标 rows left, so its 10 points may sit in 产出 (60): the rule set's names and points
    assert [(p.where.cell, p.message) for p in card.problems if p.code == "unknown-level1"] == [
        (
            "B10",
            "一级指标“服务满意度”（分值合计 10）不是规则集中的一级指标，"
            "应为：产出指标（60 分）、效益指标（30 分）、预算执行率（10 分）",
        )
    ]


def test_form_without_total_line_points_at_the_budget_block(tmp_path):
    # the 项目资金 block (header row 5: D 年初预算数, E 全年预算数, F 全年执行数) has its sub-rows but
    # no 年度资金总额 line: the total is rebuilt from them, told at the header cells (D5 E5 F5), never
    # at the title row (row 2)
    budget = {"当年财政拨款": (880, 880, 792)}
    path = build_form(tmp_path / "无总额.xlsx", TIANCHANG_ROWS, budget)
    wb = openpyxl.load_workbook(path)
    wb.active["C6"] = None
    wb.save(path)
    card = score_file(path).card
    assert found(card, "budget-total-rebuilt") == [
        ("budget-total-rebuilt", "D5"),
        ("budget-total-rebuilt", "E5"),
        ("budget-total-rebuilt", "F5"),
    ]
    assert card.budget.rate == pytest.approx(90.0)  # 792 ÷ 880
    # no budget line at all: one error at the block's 资金类别 column header (C5)
    for r in range(6, 10):
        wb.active[f"C{r}"] = None
    wb.save(path)
    card = score_file(path).card
    assert found(card, "budget-line-missing") == [("budget-line-missing", "C5")]
    assert not [p for p in card.problems if p.where.cell and p.where.cell[1:] == "2"]


def test_template_keeps_typed_text_in_value_columns(template_path):
    ws = openpyxl.load_workbook(template_path)["绩效指标"]
    header = {c.value: c.column_letter for c in ws[1]}
    for name in ("指标值", "计量单位", "实际完成值"):
        col = header[name]
        assert {ws[f"{col}{r}"].number_format for r in (3, 12, 40)} == {"@"}, name
    assert ws[f"{header['分值']}3"].number_format == "0.00"


def test_json_status_for_every_kind_of_file(make_workbook):
    from selfeval_xl.outcome import FileOutcome

    card = card_for(make_workbook)
    obj = json.loads(json.dumps(card.as_dict(), ensure_ascii=False))
    assert list(obj)[:10] == [
        "file",
        "kind",
        "year",
        "unit",
        "unit_code",
        "project",
        "status",
        "total",
        "grade",
        "claimed_total",
    ]
    unread = FileOutcome(make_workbook(), "坏.xlsx").as_dict()
    assert unread["status"] is None and unread["grade"] is None and unread["reviewed_total"] is None


def _sheet_xml(path, sheet):
    import zipfile

    wb = openpyxl.load_workbook(path)
    index = wb.sheetnames.index(sheet) + 1
    with zipfile.ZipFile(path) as zf:
        return zf.read(f"xl/worksheets/sheet{index}.xml").decode("utf-8")


def test_claims_stand_for_the_total_only_when_all_rows_carry_one(make_workbook):
    # one row claims 12 and no 申报总分: 12 is not the unit's total; nothing to compare
    rows = base_rows()
    rows[0]["申报得分"] = 12
    card = card_for(make_workbook, rows)
    assert card.claimed_total is None and found(card, "claimed-total-mismatch") == []
    # every row but the computed 预算执行率 line claims: 14 + 75 (the others, as scored) = 89,
    # plus that line's 核定 10 → 99, against 核定 100 (row 3 scores 15: 申报 14 differs)
    rows = [dict(r, 申报得分=r["分值"]) for r in base_rows()]
    rows[0]["申报得分"] = 14
    card = card_for(make_workbook, rows)
    assert card.claimed_total == 99
    assert [p.message for p in card.problems if p.code == "claimed-total-mismatch"] == [
        "申报总分 99 与核定总分 100 不一致（差 -1）"
    ]


def test_bundled_rule_sets_say_how_not_applicable_points_count():
    from selfeval_xl.rules.ruleset import bundled

    for ruleset_id, path in bundled().items():
        assert 'na_points = "rescale"' in path.read_text(encoding="utf-8"), ruleset_id
        assert load_rules(path).na_points == "rescale"


def test_provisional_total_is_not_compared_with_the_claimed_total(make_workbook):
    # every row claims its points except row 4 (托养服务人次数, 分值 10) which claims 12 > 10: an
    # error of its own (claim-over-points at J4), so the file is 待更正 and its total provisional.
    # 申报总分 102 = Σ claims 100 − 10 + 12; 核定 100 (all met). Comparing 102 with a provisional 100
    # would report the same claim twice: only claim-over-points
    rows = [dict(r, 申报得分=r["分值"]) for r in base_rows()]
    rows[1]["申报得分"] = 12
    card = card_for(make_workbook, rows, info={"申报总分": 102})
    assert found(card) == [("claim-over-points", "J4")]
    assert (card.total, card.status) == (100, "needs-correction")
    # the same 申报总分 102 on a file without an error is compared: 102 − 100 = 2
    rows[1]["申报得分"] = 10
    card = card_for(make_workbook, rows, info={"申报总分": 102})
    assert [p.message for p in card.problems if p.code == "claimed-total-mismatch"] == [
        "申报总分 102 与核定总分 100 不一致（差 2）"
    ]


def test_no_score_difference_against_a_provisional_total(make_workbook, tmp_path):
    # row 4 claims 12 > 10 (an error): 待更正, total 100 is provisional. 申报总分 102: 评分结果 and
    # 汇总 leave 得分差异 blank (102 − 100 = 2 would set a claim against a total still to change);
    # 申报总分 itself is still shown
    from click.testing import CliRunner

    from selfeval_xl.cli import cli
    from selfeval_xl.reading import contract as L

    rows = [dict(r, 申报得分=r["分值"]) for r in base_rows()]
    rows[1]["申报得分"] = 12
    inbox = tmp_path / "in"
    inbox.mkdir()
    make_workbook(indicators=rows, info={"申报总分": 102}).rename(inbox / "甲.xlsx")
    summary = tmp_path / "汇总.xlsx"
    result = CliRunner().invoke(cli, ["score", str(inbox), "--summary", str(summary)])
    assert result.exit_code == 1, result.output  # a file with an error
    head, *body = [r for r in openpyxl.load_workbook(summary)[L.S_SUMMARY].iter_rows(values_only=True) if any(r)]
    got = dict(zip(head, body[0], strict=False))
    assert (got["状态"], got["申报总分"], got["得分差异"]) == ("待更正", 102, None)
    labels = {
        r[0]: r[1] for r in openpyxl.load_workbook(inbox / "甲.xlsx")[L.SHEET_RESULTS].iter_rows(values_only=True) if r
    }
    assert (labels["申报总分"], labels["得分差异"]) == (102, None)


def test_an_errored_row_shows_no_score_difference(make_workbook, tmp_path):
    # as real form 10 (大英县): 成本控制数 ≤30万元 with 实际完成值 “完成”, claimed 10: not-a-number
    # at H7, the row scores 0. Its 申报 − 核定 = 10 − 0 = 10 is no audit finding but follows from the
    # typo: 评分结果 and 指标明细 leave its 得分差异 blank. The other rows keep theirs: 康复服务比例
    # 68% of ≥85% scores 15 × 68 ÷ 85 = 12, claimed 15: 3; 服务对象满意度 81% of ≥90% scores
    # 10 × 81 ÷ 90 = 9, claimed 10: 1. 小计: 产出 (the errored row's) 申报 15 + 10 + 10 + 5 + 10 = 50,
    # its 得分差异 blank (3 + 10 = 13 before); 效益 30 − 30 = 0; 满意度 10 − 9 = 1.
    # 核定总分 10 + 12 + 10 + 10 + 5 + 0 + 15 + 15 + 9 = 86, 暂算: 待更正
    from click.testing import CliRunner

    from selfeval_xl.cli import cli
    from selfeval_xl.reading import contract as L
    from selfeval_xl.scoring.scorecard import unscored_json

    rows = [dict(r, 申报得分=r["分值"]) for r in base_rows()]
    rows[0] = row("产出指标", "数量指标", "康复服务比例", "≥85%", "68%", 15, claimed=15, reason="名额未满")
    rows[4] = row("产出指标", "成本指标", "成本控制数", "≤30万元", "完成", 10, claimed=10)
    rows[7] = row("满意度指标", "服务对象满意度指标", "服务对象满意度", "≥90%", "81%", 10, claimed=10, reason="回访少")
    inbox = tmp_path / "in"
    inbox.mkdir()
    make_workbook(indicators=rows).rename(inbox / "甲.xlsx")
    summary = tmp_path / "汇总.xlsx"
    result = CliRunner().invoke(cli, ["score", str(inbox), "--summary", str(summary), "--json"])
    assert result.exit_code == 1, result.output  # a file with an error
    sheet = [r for r in openpyxl.load_workbook(inbox / "甲.xlsx")[L.SHEET_RESULTS].iter_rows(values_only=True) if r]
    head = sheet[L.RESULT_HEADER_ROW - 1]
    lines = {(r[0], r[2] or r[1]): dict(zip(head, r, strict=False)) for r in sheet[L.RESULT_HEADER_ROW :] if r[0]}
    got = {k: (v["核定得分"], v["申报得分"], v["得分差异"]) for k, v in lines.items() if "得分差异" in v}
    assert got[("产出指标", "成本控制数")] == (0, 10, None)
    assert got[("产出指标", "康复服务比例")] == (12, 15, 3)
    assert got[("满意度指标", "服务对象满意度")] == (9, 10, 1)
    assert got[("产出指标", "小计")] == (37, 50, None)  # 15 + 10 + 10 + 5 + 10 − 13 = 37
    assert got[("效益指标", "小计")] == (30, 30, 0)
    assert got[("满意度指标", "小计")] == (9, 10, 1)
    labels = {r[0]: r[1] for r in sheet}
    assert (labels["核定总分"], labels["状态"]) == (86, "待更正")

    book = openpyxl.load_workbook(summary)
    head, *body = [r for r in book[L.S_DETAIL].iter_rows(values_only=True) if any(r)]
    detail = {r[head.index("三级指标")]: dict(zip(head, r, strict=True)) for r in body}
    assert detail["成本控制数"]["申报得分"] == 10 and detail["成本控制数"]["得分差异"] is None
    assert detail["康复服务比例"]["得分差异"] == 3 and detail["服务对象满意度"]["得分差异"] == 1
    head, *body = [r for r in book[L.S_SUMMARY].iter_rows(values_only=True) if any(r)]
    assert dict(zip(head, body[0], strict=False))["状态"] == "待更正"
    # the JSON keeps its keys (SPEC §4.3): the row's claim and score as they are, nothing added
    (obj,) = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    (ind,) = [i for i in obj["indicators"] if i["name"] == "成本控制数"]
    assert (ind["claimed"], ind["score"]) == (10, 0)
    assert list(obj) == list(unscored_json("")) and all(list(i) == JSON_INDICATOR_KEYS for i in obj["indicators"])


def test_each_blank_score_difference_of_a_file_to_be_corrected_says_why(make_workbook, tmp_path):
    # as above: 成本控制数 ≤30万元 with 实际完成值 “完成”, claimed 10, the file 待更正 with a 申报总分 of
    # 100. Blank, each with its reason beside it: the row's 得分差异 (its 评分说明 names the error,
    # not only 无法评分), 产出指标's 小计 (评分说明: a row under it has an error; 效益/满意度 小计 keep
    # theirs, 0, and no note) and the 得分差异 line under 申报总分 (C: 待更正后计算, as 核定总分's 暂算).
    # 指标明细 carries the row's note too
    from click.testing import CliRunner

    from selfeval_xl.cli import cli
    from selfeval_xl.reading import contract as L

    rows = [dict(r, 申报得分=r["分值"]) for r in base_rows()]
    rows[4] = row("产出指标", "成本指标", "成本控制数", "≤30万元", "完成", 10, claimed=10)
    inbox = tmp_path / "in"
    inbox.mkdir()
    make_workbook(indicators=rows, info={"申报总分": 100}).rename(inbox / "甲.xlsx")
    summary = tmp_path / "汇总.xlsx"
    result = CliRunner().invoke(cli, ["score", str(inbox), "--summary", str(summary)])
    assert result.exit_code == 1, result.output
    sheet = [r for r in openpyxl.load_workbook(inbox / "甲.xlsx")[L.SHEET_RESULTS].iter_rows(values_only=True) if r]
    head = sheet[L.RESULT_HEADER_ROW - 1]
    lines = {(r[0], r[2] or r[1]): dict(zip(head, r, strict=False)) for r in sheet[L.RESULT_HEADER_ROW :] if r[0]}
    got = {k: (v["得分差异"], v["评分说明"]) for k, v in lines.items() if "评分说明" in v}
    assert got[("产出指标", "成本控制数")] == (None, "实际完成值“完成”不是数值，计 0 分")
    assert got[("产出指标", "小计")] == (None, "含填写有误的指标，得分差异待更正后计算")
    assert got[("效益指标", "小计")] == (0, None) and got[("满意度指标", "小计")] == (0, None)
    conclusion = {r[0]: r[1:3] for r in sheet if r[0] in (L.R_TOTAL, L.R_CLAIMED_TOTAL, L.R_DIFF)}
    # 核定总分 100 − 10 = 90 (the row scores 0)
    assert conclusion == {L.R_TOTAL: (90, "暂算"), L.R_CLAIMED_TOTAL: (100, None), L.R_DIFF: (None, "待更正后计算")}
    head, *body = [r for r in openpyxl.load_workbook(summary)[L.S_DETAIL].iter_rows(values_only=True) if any(r)]
    detail = {r[head.index("三级指标")]: dict(zip(head, r, strict=True)) for r in body}
    assert detail["成本控制数"]["评分说明"] == "实际完成值“完成”不是数值，计 0 分"


def test_a_claim_over_its_points_shows_no_score_difference(make_workbook):
    # 托养服务人次数 (row 4, 分值 10, met: 10) claimed 12: claim-over-points at J4, an error of the
    # row's own 申报得分; 12 − 10 = 2 would follow from it: blank. 康复服务比例 (row 3) claimed 15, met:
    # 15 − 15 = 0
    from selfeval_xl.outputs.results_sheet import result_cells

    rows = [dict(r, 申报得分=r["分值"]) for r in base_rows()]
    rows[1]["申报得分"] = 12
    card = card_for(make_workbook, rows)
    assert found(card) == [("claim-over-points", "J4")]
    cells = {r.row: result_cells(r)[7:10] for r in card.records}
    assert (cells[4], cells[3]) == ((10, 12, None), (15, 15, 0))


def test_blank_template_points_at_the_first_personal_row(template_path, tmp_path):
    # a template as generated: row 2 is the rule set's 预算执行率, rows 3… carry only 一级/二级 (no
    # 三级指标 yet). The one blank-form problem points where the first 个性指标's 实际完成值 goes:
    # H3 (row 2 + 1), not the header H1
    from selfeval_xl import generate_template
    from selfeval_xl.rules.ruleset import find_rules

    card = score_file(template_path).card
    assert (card.status, found(card)) == ("blank", [("blank-form", "H3")])
    # 部门整体支出: 10 共性 rows at 2–11 (序号 1–10), so the first 个性 row is 12 → H12
    dept = generate_template(tmp_path / "部门.xlsx", find_rules("cy2013-53-department"))
    card = score_file(dept).card
    assert (card.status, found(card)) == ("blank", [("blank-form", "H12")])


def test_a_form_with_no_unit_label_is_told_at_its_title(tmp_path):
    # no 实施单位 label at all (F4 and G4 cleared): the warning had no cell; it points at the title
    # (A1), as the missing 评价年度 does, where a reader looks for the form's heading lines
    path = build_form(tmp_path / "无单位.xlsx", TIANCHANG_ROWS, {"年度资金总额": (880, 880, 880)}, parent="教育部")
    wb = openpyxl.load_workbook(path)
    wb.active["F4"] = None
    wb.active["G4"] = None
    wb.save(path)
    data = read_workbook(path, layout="form")
    hits = [p for p in data.problems if p.code == "missing-value"]
    assert [(p.severity, p.where.sheet, p.where.cell, p.message) for p in hits] == [
        ("warning", "自评表", "A1", "实施单位未填写")
    ]


def _executed_headed_zhichu(tmp_path):
    """The 天长 form with its 全年执行数 column headed 支出数 (F5), and the workbook to edit further."""
    path = build_form(tmp_path / "支出数.xlsx", TIANCHANG_ROWS, {"年度资金总额": (880, 880, 880)})
    wb = openpyxl.load_workbook(path)
    wb.active["F5"] = "支出数"
    wb.save(path)
    return path, wb


def test_a_budget_block_with_an_unread_header_is_named_at_its_label(tmp_path):
    # 项目资金 with its 全年执行数 column headed 支出数 (no spelling we read): the block was skipped
    # and the form told "找不到年度资金总额行" at no cell, though the line is there. Now one error
    # at the 项目资金 label (A5) naming the column not found; no budget-line-missing beside it
    card = score(read_workbook(_executed_headed_zhichu(tmp_path)[0], layout="form"), load_rules())
    found = [(p.code, p.where.cell, p.message) for p in card.problems if p.code.startswith("budget")]
    assert found == [
        (
            "budget-header-missing",
            "A5",
            "项目资金一栏的表头中找不到“全年执行数”列（可写作 全年执行数、实际执行数、实际支出数 等），无法计算预算执行率",
        )
    ]


def test_an_unread_budget_header_is_not_also_a_points_total_error(tmp_path):
    # the same form as above: with the 项目资金 header unread, its 预算执行率 line (分值 10, on the
    # 年度资金总额 row) is not read either, and the indicator table alone holds 100 − 10 = 90 points.
    # “分值合计 90，应为 100” asked the unit to change a 分值 for the header's slip: the
    # budget-header-missing error says it, once. A table really short of points is still told.
    path, wb = _executed_headed_zhichu(tmp_path)
    card = score(read_workbook(path, layout="form"), load_rules())
    assert [p.code for p in card.errors if not p.code == "missing-value"] == ["budget-header-missing"]
    wb.active["G15"] = 5  # a 10-point row typed 5: 85 in the table
    wb.save(path)
    card = score(read_workbook(path, layout="form"), load_rules())
    assert [p.message for p in card.errors if p.code == "points-total"] == ["分值合计 85，应为 100"]
