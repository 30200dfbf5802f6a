"""The verdict on one scored file (SPEC §3.12): its status, whether it gets a grade and a rank,
and the Chinese words people see. Everything that shows a verdict (JSON, 评分结果, 汇总,
等级分布, the CLI, the reports) asks this module; nothing else spells a status.

``status_of`` decides; ``Scorecard.status`` holds the answer (set by ``scoring.score`` and
recomputed with ``Scorecard.settle`` when a reviewer's 复核得分 arrives)."""

from __future__ import annotations

from collections.abc import Iterable

from selfeval_xl.errors import Problem
from selfeval_xl.reading import contract as L

FINAL = "final"
REVIEWED = "reviewed"
NEEDS_REVIEW = "needs-review"
NEEDS_CORRECTION = "needs-correction"
BLANK = "blank"

# In the order the summary groups them: graded (and ranked) first, then each other group apart.
STATUSES = (FINAL, REVIEWED, NEEDS_REVIEW, NEEDS_CORRECTION, BLANK)
STATUS_ZH = {
    FINAL: "已评分",
    REVIEWED: "已复核",
    NEEDS_REVIEW: "待复核",
    NEEDS_CORRECTION: "待更正",
    BLANK: "未填写",
}
# What a status means for the unit, in one phrase (results sheet, reports).
STATUS_HINT = {
    FINAL: "评分完成",
    REVIEWED: "已按复核得分定级",
    NEEDS_REVIEW: "有指标需人工判断，等级为暂定，待复核后排名",
    NEEDS_CORRECTION: "有错误需单位更正后重新评分，总分为暂算，不评等级、不排名",
    BLANK: "未填写实际完成情况，不评分、不评等级",
}
# the word beside a total that is not final, by status (评分结果, 汇总)
UNSETTLED_WORD = {NEEDS_CORRECTION: L.R_PROVISIONAL, NEEDS_REVIEW: L.R_TENTATIVE}
# 待更正 only for a reviewer's 复核得分 typed wrong: the bureau's to correct, not the unit's
REVIEWER_CORRECTION_HINT = "复核得分填写有误需复核人员改正后重新评分（单位不必更正），总分为暂算，不评等级、不排名"

RANKED = frozenset({FINAL, REVIEWED})  # get 排名 in 汇总 and count in 等级分布
GRADED = frozenset({FINAL, REVIEWED, NEEDS_REVIEW})  # carry a grade (provisional for needs-review)

# The problem code that puts a row up for human judgment (a warning, SPEC §3.6).
REVIEW_CODE = "needs-review"
AWAITING_NOTE = "待复核："  # how the 评分说明 of a row awaiting a reviewer begins
# The one problem an unfilled form gets (SPEC §3.12: not a list of its empty cells).
BLANK_CODE = "blank-form"


def status_of(problems: Iterable[Problem], blank: bool = False, reviewed: bool = False) -> str:
    """The status for a file with these problems. ``blank``: no 实际完成值 in any 个性 row and no
    全年执行数; ``reviewed``: a reviewer's 复核得分 is present. Precedence: blank, errors,
    reviewed, rows awaiting judgment, final."""
    if blank:
        return BLANK
    problems = list(problems)
    if any(p.is_error for p in problems):
        return NEEDS_CORRECTION
    if reviewed:
        return REVIEWED
    if any(p.code == REVIEW_CODE for p in problems):
        return NEEDS_REVIEW
    return FINAL


def has_grade(status: str | None) -> bool:
    """Whether a file with this status shows a grade (JSON ``grade`` is null otherwise)."""
    return status in GRADED


def compares_claim(status: str | None) -> bool:
    """Whether the 申报总分 is set against the total (得分差异): not for a provisional total
    (待更正) nor for an unfilled form."""
    return status not in (NEEDS_CORRECTION, BLANK)


def is_ranked(status: str | None) -> bool:
    return status in RANKED


def status_zh(status: str | None) -> str:
    return STATUS_ZH.get(status or "", "未评分")


def group_index(status: str | None) -> int:
    """The summary group a status belongs to: 0 graded and ranked, 1 待复核, 2 待更正, 3 未填写."""
    if status in RANKED:
        return 0
    return {NEEDS_REVIEW: 1, NEEDS_CORRECTION: 2, BLANK: 3}.get(status or "", 2)


def closing_counts(counts: dict[str, int]) -> str:
    """``已评分 3、待复核 1、待更正 2、未填写 1`` (已复核 only when there is one)."""
    parts = []
    for s in STATUSES:
        n = counts.get(s, 0)
        if s == REVIEWED and not n:
            continue
        parts.append(f"{STATUS_ZH[s]} {n}")
    return "、".join(parts)
