"""Verdict defects found in review (audit 80), each worked out by hand before the tool ran, on
real workbooks (the conftest base form):

1. a negation separated from its band word by a time or manner phrase (``未能在2023年12月31日前
   完成``, ``不能在规定时间内完成``, ``未按计划时间完成验收``) was 达成, full marks, for its 完成:
   it is now 未达成 (0), while a negation of another clause (``按时完成，未发生安全事故``,
   ``未发生安全事故按时完成``) leaves the 完成 achieved, and one whose reach is not known
   (``未能在资金到位后完成``) goes to a reviewer."""

from __future__ import annotations

import pytest
from conftest import base_rows, row

from selfeval_xl import score_file

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
