"""Readings an outside checker found wrong (audit 77), each scored by hand before the tool ran,
on real workbooks (the conftest base form; the official single-sheet form where it reads the
same cells):

- an approximate amount in a budget table (``约29.6万元``, ``26.6万元左右``): ``not-a-number`` at its
  cell, where it was read as 29.6 without a word."""

from __future__ import annotations

import math

import pytest
from official_form import build_official

from selfeval_xl import score_file
from selfeval_xl.reading.values import parse_amount

# --- an approximate amount in a budget table ---------------------------------------------------------

# (cell, 资金类别, its amounts as typed, expected 预算执行率 score): 当年财政拨款 29.6/29.6/26.6 万元
# throughout. A blank or unreadable 年度资金总额 全年预算数/全年执行数 leaves no rate: 0 of 10. Otherwise
# the rate is 26.6 ÷ 29.6 = 89.86%, 10 × 0.8986 = 8.986 → 8.99 (and, with no 偏差原因 on the line,
# the missing-reason warning).
BUDGET_CASES = [
    ("C2", "年度资金总额", (29.6, "约29.6万元", 26.6), 0),
    ("D2", "年度资金总额", (29.6, 29.6, "26.6万元左右"), 0),
    ("B2", "年度资金总额", ("29.6余", 29.6, 26.6), 8.99),
    ("C3", "当年财政拨款", (29.6, "≈29.6", 26.6), 8.99),
    ("D3", "当年财政拨款", (29.6, 29.6, "26多万"), 8.99),
    ("D3", "当年财政拨款", (29.6, 29.6, "26.6上下"), 8.99),
]


@pytest.mark.parametrize("case", BUDGET_CASES, ids=[f"{c[0]}-{c[2]}" for c in BUDGET_CASES])
def test_approximate_amount_on_the_budget_sheet_is_an_error_at_its_cell(make_workbook, case):
    cell, category, amounts, budget_score = case
    budget = {"年度资金总额": (29.6, 29.6, 26.6), "当年财政拨款": (29.6, 29.6, 26.6), category: amounts}
    card = score_file(make_workbook(budget=budget)).card
    errors = [(p.code, p.where.sheet, p.where.cell) for p in card.errors]
    assert errors == [("not-a-number", "预算执行", cell)]
    typed = next(a for a in amounts if isinstance(a, str))
    assert next(p.message for p in card.errors).endswith(f"“{typed}”无法识别为数值")
    assert next(r.score for r in card.records if r.name == "预算执行率") == budget_score
    assert card.status == "needs-correction"


def test_approximate_amount_in_the_official_forms_funds_block(tmp_path):
    # 项目资金 D6:F9 (年初预算数, 全年预算数, 全年执行数); 全年预算数 of 年度资金总额 约100万元: no rate,
    # the line 0 of 10; the rows 50 + 30 + 10 = 90 (96 ≥ 90)
    rows = [
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
        dict(
            l1="满意度指标",
            l2="服务对象满意度指标",
            name="群众满意度",
            target="≥90%",
            actual="96%",
            points=10,
            score=10,
        ),
    ]
    budget = {"年度资金总额": (100, "约100万元", 90), "当年财政拨款": (100, 100, 90)}
    path = build_official(tmp_path / "form.xlsx", rows, budget, budget_score=(10, 9))
    card = score_file(path).card
    assert [(p.code, p.where.cell) for p in card.errors] == [("not-a-number", "E6")]
    assert [r.score for r in card.records] == [0, 50, 30, 10]
    assert card.status == "needs-correction"


@pytest.mark.parametrize("typed", ["约29.6万元", "29.6万元左右", "30余万元", "30多万", "≈29.6", "29.6上下"])
def test_parse_amount_refuses_an_approximation(typed):
    with pytest.raises(ValueError):
        parse_amount(typed, unit="万元")


def test_parse_amount_still_reads_exact_amounts():
    # 296000元 in a 万元 workbook: 296000 ÷ 10000 = 29.6
    assert [parse_amount(t, unit="万元") for t in ("29.6", "29.6万元", "296000元", "￥29.6万")] == [29.6] * 4
    assert math.isclose(parse_amount("5千元", unit="万元"), 0.5)
