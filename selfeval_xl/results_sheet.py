"""What the 评分结果 sheet says (SPEC §4.1): a Scorecard laid out as rows, ready for
``xlsx_write``. Pure: no files here."""

from __future__ import annotations

import math
from collections.abc import Sequence

from . import layout as L
from .errors import SEVERITY_ZH
from .rounding import percent_fraction, round_half_up
from .scorecard import Scorecard
from .verdict import BLANK, NEEDS_CORRECTION, NEEDS_REVIEW, STATUS_HINT, status_zh
from .xlsx_write import SheetSpec, Style

# Grade colours, best grade first (优 green, 良 blue, 中 amber, 差 red); shared with the summary.
GRADE_FILLS = ("FFC6EFCE", "FFDDEBF7", "FFFFEB9C", "FFFFC7CE")
ERROR_COLOR = "FFC00000"
WARNING_COLOR = "FF9C5700"

HEADER = Style(bold=True, fill="FFD9D9D9", wrap=True, align="center")
TEXT = Style(wrap=True)
NUM = Style(num_fmt=2)  # 0.00
PCT = Style(num_fmt=10)  # 0.00%
BOLD = Style(bold=True)
BOLD_NUM = Style(bold=True, num_fmt=2)
BOLD_PCT = Style(bold=True, num_fmt=10)
LINK = Style(color="FF0563C1", underline=True)
SEVERITY_STYLE = {True: Style(bold=True, color=ERROR_COLOR), False: Style(bold=True, color=WARNING_COLOR)}
# 状态 as in the summary: what waits on someone stands out
STATUS_STYLE = {
    NEEDS_REVIEW: Style(bold=True, fill="FFFFEB9C", align="center"),
    NEEDS_CORRECTION: Style(bold=True, fill="FFFFC7CE", align="center"),
    BLANK: Style(bold=True, fill="FFE7E6E6", align="center"),
}

WIDTHS = (12, 16, 30, 16, 16, 10, 8, 10, 10, 10, 60)
NO_PROBLEMS = "（未发现问题）"


def grade_style(grade: str, grades: Sequence[str]) -> Style:
    i = list(grades).index(grade) if grade in grades else len(GRADE_FILLS) - 1
    return Style(bold=True, fill=GRADE_FILLS[min(i, len(GRADE_FILLS) - 1)], align="center")


def _num(x: float | None) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def cell_location(sheet: str, cell: str | None) -> str:
    """An in-workbook hyperlink target: ``'绩效指标'!H7``."""
    return "'" + sheet.replace("'", "''") + "'!" + (cell or "A1")


def results_sheet(card: Scorecard, scored_at: str, link_cells: bool = True) -> SheetSpec:
    """The 评分结果 sheet for one scorecard. ``link_cells`` makes each problem's 位置 a
    hyperlink to its cell (off for side files, whose cells live in another file)."""
    spec = SheetSpec(widths=WIDTHS, freeze_rows=1)
    spec.add(L.RESULT_HEADERS, HEADER)
    row_styles = (TEXT, TEXT, TEXT, TEXT, TEXT, PCT, NUM, NUM, NUM, NUM, TEXT)
    for r in card.records:
        spec.add(
            (
                r["level1"],
                r["level2"],
                r["name"],
                r["target_text"],
                r["actual_text"],
                percent_fraction(r["rate"]),
                _num(r["points"]),
                _num(r["score"]),
                _num(r["claimed"]),
                _num(r["diff"]),
                r["note"],
            ),
            row_styles,
        )
    claimed_by_level = _claimed_by_level1(card)
    for level1, points, score in card.subtotals:
        claimed = claimed_by_level.get(level1)
        diff = None if claimed is None else round_half_up(claimed - score)
        spec.add(
            (level1, "小计", None, None, None, None, points, score, claimed, diff, None),
            (BOLD, BOLD, None, None, None, None, BOLD_NUM, BOLD_NUM, BOLD_NUM, BOLD_NUM, None),
        )
    spec.add(())
    grades = card.rules.grade_labels
    claimed_total = card.claimed_total
    status = card.status
    if card.grade is not None:
        grade: tuple[object, Style | None] = (card.grade, grade_style(card.grade, grades))
    else:
        grade = ("不评定" if status == BLANK else "待更正后评定", BOLD)
    labels: list[tuple[str, object, Style | None]] = [
        (L.R_TOTAL, None if status == BLANK else card.total, BOLD_NUM),
        (L.R_GRADE, *grade),
        (L.R_STATUS, status_zh(status), STATUS_STYLE.get(status, BOLD)),
        (L.R_CLAIMED_TOTAL, claimed_total if claimed_total is not None else "未填写", BOLD_NUM),
        ("得分差异", None if claimed_total is None else round_half_up(claimed_total - card.total), NUM),
        (L.R_REVIEWED_TOTAL, card.reviewed_total, BOLD_NUM),
        ("预算执行率", percent_fraction(card.budget.rate), PCT),
        (L.R_RULESET, card.rules.label, None),
        (L.R_SCORED_AT, scored_at, None),
        ("错误数", len(card.errors), None),
        ("警告数", len(card.warnings), None),
    ]
    notes = {
        L.R_TOTAL: "暂算" if status == NEEDS_CORRECTION else "暂定" if status == NEEDS_REVIEW else None,
        L.R_STATUS: STATUS_HINT.get(status),
    }
    for label, value, style in labels:
        note = notes.get(label)
        spec.add((label, value, note) if note else (label, value), (BOLD, style, None))
    spec.add(())
    spec.add(L.PROBLEM_HEADERS, HEADER)
    if not card.problems:
        spec.add((NO_PROBLEMS,))
    for p in card.problems:
        n = spec.add((SEVERITY_ZH[p.severity], p.where.location, p.message), (SEVERITY_STYLE[p.is_error], None, None))
        if link_cells and p.where.sheet:
            spec.styles[-1][1] = LINK
            spec.links.append((f"B{n}", cell_location(p.where.sheet, p.where.cell), f"转到 {p.where.location}"))
    return spec


def _claimed_by_level1(card: Scorecard) -> dict[str, float]:
    sums: dict[str, float] = {}
    for r in card.records:
        if not math.isnan(r["claimed"]):
            name = L.canonical_level1(r["level1"])
            sums[name] = sums.get(name, 0.0) + r["claimed"]
    return {name: round_half_up(v) for name, v in sums.items()}
