"""An accountant's slips checked before sending the form (audit 44): each problem is reported once,
at the cell to change, with a message that says what to change and is not contradicted by another."""

from __future__ import annotations

import openpyxl
from conftest import BASE_BUDGET, BASE_INFO, base_rows

from selfeval_xl import fill_workbook, load_rules, score_file
from selfeval_xl.file_scoring import RuleBook
from selfeval_xl.reading import contract as L
from selfeval_xl.rules.ruleset import builtin_path


def test_points_short_because_of_a_blank_row_says_so(make_workbook):
    # a blank row inserted as row 6 (after 预算执行率, 康复服务比例, 托养服务人次数, 服务规范性):
    # read 10 + 15 + 10 + 10 = 45; the 5 rows below are not read. The error that makes the file
    # 待更正 (and heads its 更正清单) must say the fix is the blank row, not a 分值
    path = make_workbook()
    wb = openpyxl.load_workbook(path)
    wb[L.SHEET_INDICATORS].insert_rows(6)
    wb.save(path)
    errors = [p for p in score_file(path).problems if p.severity == "error"]
    assert [(p.code, p.where.location, p.message) for p in errors] == [
        (
            "points-total",
            "绩效指标!I1",
            "分值合计 45，应为 100（第 6 行整行空白，其下 5 行指标未读取、未计入；删掉空行后重新评分）",
        )
    ]


def test_points_total_names_the_rule_sets_total(tmp_path, template_path):
    # a rule set whose points add up to 120 (预算执行率 10 + 产出 70 + 效益 30 + 满意度 10): a table
    # of 100 points is told "应为 120", not "应为 100"
    text = builtin_path("项目支出").read_text(encoding="utf-8")
    text = text.replace('name = "产出指标"\npoints = 50', 'name = "产出指标"\npoints = 70', 1)
    text = text.replace("[scoring]\n", "[scoring]\ntotal_points = 120\n", 1)
    rules = tmp_path / "120.toml"
    rules.write_text(text, encoding="utf-8")
    path = fill_workbook(template_path, tmp_path / "甲.xlsx", BASE_INFO, BASE_BUDGET, base_rows())
    found = [p.message for p in score_file(path, rulebook=RuleBook(load_rules(rules))).problems if p.code == "points-total"]
    assert found == ["分值合计 100，应为 120"]
