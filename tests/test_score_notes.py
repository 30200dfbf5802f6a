"""What the 评分说明 (note), 完成率 and 核定得分 tell an accountant, row by row, for values people
really type: the note's numbers are those of the form (in the unit typed) and its arithmetic gives
the score shown. Expected values worked out by hand in the comments.

Template columns: F 指标值, H 实际完成值, I 分值; row 2 is the 预算执行率 row, a test's rows start
at row 3."""

from __future__ import annotations

from conftest import row

from selfeval_xl import load_rules, read_workbook, score
from selfeval_xl.rounding import fmt_num


def card_for(make_workbook, rows, **kw):
    used = sum(r["分值"] for r in rows)
    rows = rows + [row("满意度指标", "服务对象满意度指标", "满意度", "≥90%", "95%", 90 - used)]
    return score(read_workbook(make_workbook(indicators=rows, **kw)), load_rules())


def test_small_numbers_keep_their_digits():
    # four decimals would show 0.00005 as 0.0001 and 0.00012 as 0.0001
    assert [fmt_num(x) for x in (0.00005, 0.00012, -0.000123456, 0.0012345)] == [
        "0.00005",
        "0.00012",
        "-0.0001235",
        "0.001235",
    ]
    assert [fmt_num(x) for x in (1 / 3, 0.01, 2.675, 95.0, 0.0)] == ["0.3333", "0.01", "2.675", "95", "0"]


def test_a_note_on_small_numbers_shows_them(make_workbook):
    # ≥0.00012 against 0.00005: 10 × 0.00005 ÷ 0.00012 = 4.1667 → 4.17 (not "10 × 0.0001 ÷ 0.0001")
    card = card_for(make_workbook, [row("产出指标", "质量指标", "x", "≥0.00012", "0.00005", 10, reason="r")])
    assert card.rows.loc[3, "score"] == 4.17
    assert card.rows.loc[3, "note"] == "≥：10 × 0.00005 ÷ 0.00012"
