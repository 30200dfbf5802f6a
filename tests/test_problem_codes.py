"""The remaining problem codes, one case each, asserted by code and cell."""

from __future__ import annotations

import zipfile

import openpyxl
import pytest
from conftest import base_rows, row

from selfeval_xl import UnreadableWorkbook, load_rules, read_workbook, score, score_file
from selfeval_xl.file_scoring import RuleBook
from selfeval_xl.rules.ruleset import builtin_path


def codes(problems):
    return [(p.code, str(p.where)) for p in problems]


def test_too_many_indicator_rows(make_workbook):
    path = make_workbook()
    wb = openpyxl.load_workbook(path)
    ws = wb["绩效指标"]
    for r in range(11, 10_013):  # 10,002 more rows after the 9 filled ones
        ws.cell(r, 4, f"指标{r}")
    wb.save(path)
    with pytest.raises(UnreadableWorkbook) as exc:
        read_workbook(path)
    assert exc.value.code == "too-many-rows"


def test_part_that_inflates_past_the_limit_is_refused_before_inflating(make_workbook, tmp_path, monkeypatch):
    from selfeval_xl.ooxml import limits

    src = make_workbook()
    big = tmp_path / "big.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item.filename))
        zout.writestr("xl/media/padding.bin", b"\0" * (3 * 1024 * 1024))  # 3 MB of zeros → a few KB
    monkeypatch.setattr(limits, "MAX_PART_BYTES", 2 * 1024 * 1024)
    with pytest.raises(UnreadableWorkbook) as exc:
        read_workbook(big)
    assert exc.value.code == "too-large"


def test_kind_mismatch_with_given_rules(make_workbook):
    path = make_workbook(info={"评价类型": "部门整体支出"})
    outcome = score_file(path, rulebook=RuleBook(load_rules()))
    assert ("kind-mismatch", "项目A.xlsx 基本信息!B2") in codes(outcome.problems)


def test_kind_that_contradicts_the_template_is_an_error(make_workbook):
    # a 项目支出 template (its _meta names the 项目支出 rule set) whose 评价类型 says 部门整体支出
    outcome = score_file(make_workbook(info={"评价类型": "部门整体支出"}))
    assert ("kind-mismatch", "项目A.xlsx 基本信息!B2") in codes(outcome.card.problems)


def test_target_not_comparable_and_bad_amount_unit(make_workbook):
    rows = base_rows()
    rows[3] = row("产出指标", "时效指标", "项目完成时间", "2023年12月31日前", "95", 5)
    card = score(read_workbook(make_workbook(indicators=rows, info={"金额单位": "美元"})), load_rules())
    assert ("target-not-comparable", "项目A.xlsx 绩效指标!H6") in codes(card.problems)
    # the message quotes the target as typed, not the word 日期
    (told,) = [p.message for p in card.problems if p.code == "target-not-comparable"]
    assert told.startswith("指标值“2023年12月31日前”与实际完成值“95”无法比较"), told
    assert ("bad-amount-unit", "项目A.xlsx 基本信息!B8") in codes(card.problems)
    assert card.rows.loc[6, "score"] == 0


def test_rule_set_errors_name_file_and_key(tmp_path):
    from selfeval_xl import RuleSetError, SelfevalError

    text = builtin_path("项目支出").read_text(encoding="utf-8")
    bad = tmp_path / "湖北.toml"
    bad.write_text(text.replace("points = 50", "points = 55"), encoding="utf-8")
    with pytest.raises(RuleSetError, match=r"^湖北.toml level1：预算执行率与各一级指标分值合计 105，应为 100$"):
        load_rules(bad)
    bad.write_text(text.replace("default = 0.6", "default = 0.9"), encoding="utf-8")
    with pytest.raises(RuleSetError, match=r"湖北.toml \[qualitative.partial\] default：0.9 不在") as caught:
        load_rules(bad)
    # the file and the key also travel apart, and it is a SelfevalError like every other stop
    assert (caught.value.code, caught.value.source, caught.value.key) == (
        "bad-ruleset",
        "湖北.toml",
        "qualitative.partial.default",
    )
    assert isinstance(caught.value, SelfevalError)


def test_problems_sort_by_real_column_order():
    from selfeval_xl.errors import Problem

    # AB is column 28, BA column 53, Z column 26: a person reads Z, AB, BA left to right
    found = [
        Problem.at("a.xlsx", "绩效指标", cell, "not-a-number", field="实际完成值", value="x")
        for cell in ("BA7", "AB7", "Z7")
    ]
    assert [p.where.cell for p in sorted(found, key=lambda p: p.sort_key())] == ["Z7", "AB7", "BA7"]


def test_every_code_has_a_chinese_title():
    from selfeval_xl.errors import MESSAGES, TITLES

    assert set(TITLES) == set(MESSAGES)
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in t) for t in TITLES.values())
