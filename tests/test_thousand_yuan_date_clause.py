"""Two readings found wrong in review (audit 82), each scored by hand before the tool ran, on real
workbooks (the official single-sheet form; the conftest base template):

1. an official form's 项目资金 in 千元 (``项目资金（千元）``, ``（单位：千元）``) was read as 元, so every
   amount came out 1000 times too small without a word (1,234千元 was 0.1234万元 in 汇总); it is
   now 千元 (1千元 = 0.1万元), carried by ``convert`` in 万元 (the template takes 万元 or 元 only,
   and a 千元 typed there still warns ``bad-amount-unit``);
2. against a date target, an on-time date beside a negation of another clause
   (``2023年12月20日完成，未发生安全事故``) went to a reviewer; the "not kept" words now count in
   the clause that holds the date, or in another clause about time (未按期完成, 因疫情延期)."""

from __future__ import annotations

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import base_rows, row
from official_form import build_official, three_rows

from selfeval_xl import score_file
from selfeval_xl.cli import cli
from selfeval_xl.outputs.convert import form_to_template
from selfeval_xl.reading import contract as L
from selfeval_xl.rules.ruleset import load_rules

FORM_ROWS = three_rows()  # 50 + 30 + 10 = 90, all met; the 预算执行率 line's 10 makes 100

# in 千元: 年初预算数 1,000, 全年预算数 1,234, 全年执行数 1,110.6 (1,234 × 0.9 = 1,110.6: 90%)
QIAN = {"年度资金总额": (1000, 1234, 1110.6), "当年财政拨款": (1000, 1234, 1110.6)}


def _summary_row(tmp_path, form) -> dict:
    summary = tmp_path / "汇总.xlsx"
    result = CliRunner().invoke(cli, ["score", str(form), "--summary", str(summary)])
    assert result.exit_code == 0, result.output
    rows = list(openpyxl.load_workbook(summary)[L.S_SUMMARY].iter_rows(values_only=True))
    return dict(zip(rows[0], rows[1], strict=False))


def test_a_form_in_qian_yuan_counts_its_amounts_in_wan_yuan(tmp_path):
    form = build_official(tmp_path / "千元.xlsx", FORM_ROWS, QIAN, budget_score=(10, 9), unit="千元")
    card = score_file(form).card
    assert card.data.info[L.INFO_AMOUNT_UNIT] == "千元" and card.errors == []
    # 1,234千元 = 1,234 × 1000元 = 1,234,000元 = 123.4万元; 1,110.6千元 = 111.06万元 (was 0.1234, 0.11106)
    assert card.budget.adjusted == pytest.approx(123.4) and card.budget.executed == pytest.approx(111.06)
    # 111.06 ÷ 123.4 = 90% → 10 × 0.9 = 9; 9 + 50 + 30 + 10 = 99 (the ratio was right before too)
    assert card.total == 99
    got = _summary_row(tmp_path, form)
    assert got["全年预算数(万元)"] == pytest.approx(123.4) and got["全年执行数(万元)"] == pytest.approx(111.06)


def test_a_form_in_yi_yuan_counts_its_amounts_in_wan_yuan(tmp_path):
    # 项目资金（亿元）: 全年预算数 1.2 亿元 = 12,000 万元, 全年执行数 1.08 亿元 = 10,800 万元 (was read as 元:
    # 0.00012 and 0.000108 万元, silently); 1.08 ÷ 1.2 = 90% → 9; 9 + 50 + 30 + 10 = 99
    yi = {"年度资金总额": (1, 1.2, 1.08), "当年财政拨款": (1, 1.2, 1.08)}
    form = build_official(tmp_path / "亿元.xlsx", FORM_ROWS, yi, budget_score=(10, 9), unit="亿元")
    card = score_file(form).card
    assert card.data.info[L.INFO_AMOUNT_UNIT] == "亿元" and card.errors == []
    assert card.budget.adjusted == pytest.approx(12000) and card.budget.executed == pytest.approx(10800)
    assert card.total == 99


def test_a_unit_line_in_qian_yuan_and_an_amount_typed_in_yuan(tmp_path):
    # the unit on a line of its own above the block (（单位：千元）, I2), 项目资金 with none; the 全年
    # 预算数 typed with its own unit: 1,234,000元 = 1,234千元
    budget = {"年度资金总额": (1000, "1,234,000元", 1110.6), "当年财政拨款": (1000, 1234, 1110.6)}
    form = build_official(tmp_path / "单位.xlsx", FORM_ROWS, budget, budget_score=(10, 9), merge=False)
    wb = openpyxl.load_workbook(form)
    ws = wb.active
    ws["A5"], ws["I2"] = "项目资金", "（单位：千元）"
    wb.save(form)
    card = score_file(form).card
    assert card.data.info[L.INFO_AMOUNT_UNIT] == "千元" and card.errors == []
    assert card.budget.adjusted == pytest.approx(123.4) and card.total == 99


def test_convert_writes_a_qian_yuan_form_in_wan_yuan(tmp_path):
    form = build_official(tmp_path / "千元.xlsx", FORM_ROWS, QIAN, budget_score=(10, 9), unit="千元")
    out = tmp_path / "模板.xlsx"
    assert form_to_template(form, out, load_rules())[1:] == (3, [])
    wb = openpyxl.load_workbook(out)
    # the template's 基本信息 金额单位 (B8) says 万元; 预算执行 row 2: 1000 × 0.1 = 100, 123.4, 111.06
    assert wb["基本信息"]["A8"].value == "金额单位" and wb["基本信息"]["B8"].value == "万元"
    assert [c.value for c in wb["预算执行"][2][:4]] == ["年度资金总额", 100, 123.4, 111.06]
    card = score_file(out).card
    assert not [p for p in card.problems if p.code == "bad-amount-unit"]
    assert card.budget.adjusted == pytest.approx(123.4) and card.total == score_file(form).card.total == 99


def test_qian_yuan_typed_in_the_template_is_still_told(make_workbook):
    # the template takes 万元 or 元 only (its list offers no more): 千元 there is warned at B8 and
    # its amounts taken as 万元, as said, never silently as 元
    assert list(L.AMOUNT_UNITS) == ["万元", "元"]
    card = score_file(make_workbook(info={"金额单位": "千元"})).card
    (told,) = [p for p in card.problems if p.code == "bad-amount-unit"]
    assert told.where.cell == "B8" and told.message == "金额单位“千元”无法识别，按万元处理"


# --- 2. the "not kept" words of the date's clause ------------------------------------------------

T = 3  # base_rows()'s 时效 slot: 项目完成时间, 5 points; 评价年度 2023
R = "已说明原因"

# (id, 实际完成值, 偏差原因, expected 核定得分, expected problem codes, expected status)
CASES = [
    # 2023-12-20 ≤ 2023-12-31, the 未 is 未发生安全事故's: on time, 5 of 5 (was 待复核, 暂计 0)
    ("other_clause", "2023年12月20日完成，未发生安全事故", None, 5, set(), "final"),
    ("other_clause_semicolon", "2023年12月20日完成；没有发生安全事故", None, 5, set(), "final"),
    ("other_clause_first", "未发生安全事故，已于2023年12月20日完成", None, 5, set(), "final"),
    # unchanged: 未完成 in the date's clause is 未达成, 0 of 5 with a reason given
    ("same_clause", "2023年12月20日未完成", R, 0, set(), "final"),
    # unchanged: 2024-03-31 > 2023-12-31, late whatever the words: 0
    ("late", "延期至2024年3月完成", R, 0, {"late"}, "final"),
    # another clause about time still counts: a delay beside an on-time date goes to a reviewer
    # (暂计 0, no 申报得分), and 未按期完成 says 未达成 in its own words: 0 of 5 (as 未按期完成 alone)
    ("other_clause_delay", "因疫情延期，2023年12月20日完成", None, 0, {"needs-review"}, "needs-review"),
    ("other_clause_not_on_time", "未按期完成，2023年12月20日完成初验", R, 0, set(), "final"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_the_date_clause_decides(make_workbook, case):
    cid, actual, reason, score, codes, status = case
    rows = base_rows()
    rows[T] = row("产出指标", "时效指标", "项目完成时间", "2023年12月31日前", actual, 5, reason=reason)
    card = score_file(make_workbook(f"{cid}.xlsx", indicators=rows)).card
    got = next(r for r in card.records if r.name == "项目完成时间")
    assert got.score == score, got.note
    assert {p.code for p in card.problems} == codes, [str(p) for p in card.problems]
    assert card.status == status
