"""What the 评分结果 sheet says (SPEC §4.1): a Scorecard laid out as rows, ready for
``xlsx_write``. Pure: no files here."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import cast

from selfeval_xl.errors import SEVERITY_ZH
from selfeval_xl.ooxml.sheet_writer import STYLED_BLANK, SheetSpec, Style
from selfeval_xl.outputs import pagesetup as P
from selfeval_xl.outputs.grade_colours import GRADE_FILLS
from selfeval_xl.reading import contract as L
from selfeval_xl.rounding import fmt_num, percent_fraction, round_half_up
from selfeval_xl.scoring.plan import M_NA
from selfeval_xl.scoring.review import brought_back
from selfeval_xl.scoring.scorecard import Scorecard, ScoredRow
from selfeval_xl.scoring.verdict import (
    BLANK,
    NEEDS_CORRECTION,
    NEEDS_REVIEW,
    REVIEWER_CORRECTION_HINT,
    STATUS_HINT,
    UNSETTLED_WORD,
    compares_claim,
    status_zh,
)

ERROR_COLOR = "FFC00000"
WARNING_COLOR = "FF9C5700"

HEADER = Style(bold=True, fill="FFD9D9D9", wrap=True, align="center", border=True)
TEXT = Style(wrap=True, border=True)
NUM = Style(num_fmt=2, border=True)  # 0.00
PCT = Style(num_fmt=10, border=True)  # 0.00%
BOLD = Style(bold=True, border=True)
BOLD_NUM = Style(bold=True, num_fmt=2, border=True)
BOLD_PCT = Style(bold=True, num_fmt=10, border=True)
LABEL = Style(bold=True)
# the label/value rows under the table: no grid
PLAIN_NUM = Style(num_fmt=2)
PLAIN_PCT = Style(num_fmt=10)
PLAIN_BOLD_NUM = Style(bold=True, num_fmt=2)
# the problem list: no grid (its 说明 spans the table's width as one merged cell, whose
# covered cells carry no style of their own)
PROBLEM_HEADER = Style(bold=True, fill="FFD9D9D9", align="left")
PROBLEM_TEXT = Style(wrap=True)
LINK = Style(color="FF0563C1", underline=True, wrap=True)
SEVERITY_STYLE = {True: Style(bold=True, color=ERROR_COLOR), False: Style(bold=True, color=WARNING_COLOR)}
# 状态 as in the summary: what waits on someone stands out
STATUS_STYLE = {
    NEEDS_REVIEW: Style(bold=True, fill="FFFFEB9C", align="center"),
    NEEDS_CORRECTION: Style(bold=True, fill="FFFFC7CE", align="center"),
    BLANK: Style(bold=True, fill="FFE7E6E6", align="center"),
}
TITLE = Style(bold=True, size=16, align="center")
SUBTITLE = Style(wrap=True)  # a long 项目名称 wraps within the merged row (its height counts the lines)

HEADER_ROW = L.RESULT_HEADER_ROW  # below the title block (SPEC §4.1)
# Printed at ≥ 75 % (8.25 pt for an 11 pt workbook): long text columns wrap to make room.
PRINT_SCALE = 0.75
TEXT_CAP = 40  # no text column is wider than this many units; longer text wraps
# A number column is never narrower than its four-character header (申报得分, 得分差异, 复核得分)
# on one line: at 6 units, as when no score was claimed or none reviewed yet, LibreOffice
# printed 复核得 / 分; 7 holds it (as 核定得分 beside 10.00 always had)
NUM_FLOOR = 7
NO_PROBLEMS = "（未发现问题）"
# The reviewer's cells (SPEC §4.4): unlocked, with an input message saying what to type. The
# 复核得分 right-aligned: a score typed as text (8分, read as 8) lines up with the numbers typed
# beside it instead of standing at the left (the value is kept as typed)
REVIEW_NUM = Style(num_fmt=2, locked=False, border=True, align="right")
REVIEW_TEXT = Style(wrap=True, locked=False, border=True)
REVIEW_COLUMN_NUM = Style(num_fmt=2, locked=False, align="right")
REVIEW_COLUMN_TEXT = Style(wrap=True, locked=False)
REVIEW_PROMPTS = (
    (
        "复核得分",
        "复核时填写本指标的复核得分：0 到分值之间的数字。留空表示认可核定得分。重新评分时按复核得分计算复核总分。",
    ),
    ("复核意见", "复核时填写复核意见（文字）。重新评分时原样保留。"),
)
# why a 得分差异 is blank: the 总分's on a 待更正 file (notes of the conclusion lines are read back
# as ours: review_columns._NOTED_LABELS), a 小计's when a claimed row under it has an input error
DIFF_UNSETTLED = "待更正后计算"
SUBTOTAL_UNSETTLED = "含填写有误的指标，得分差异待更正后计算"
ORPHAN_NOTE = "该指标已不在绩效指标表中，复核内容未计入复核总分；核对后可删除此行"


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
    info, data = card.data.info, card.data
    unit, project = str(info.get(L.INFO_UNIT) or ""), str(info.get(L.INFO_PROJECT) or "")
    spec = SheetSpec(freeze_rows=HEADER_ROW)
    spec.add(("绩效自评评分结果",), TITLE)
    spec.add((title_line(unit, project, data.year, data.kind),), SUBTITLE)
    ncols = len(L.RESULT_HEADERS)
    # the columns' own cells unlocked too (a row added by hand), without the table's lines
    spec.column_styles = {ncols: REVIEW_COLUMN_NUM, ncols + 1: REVIEW_COLUMN_TEXT}
    n = spec.add((*L.RESULT_HEADERS, *L.REVIEW_HEADERS), HEADER)
    assert n == HEADER_ROW
    # one styles list shared by every indicator row (nothing changes a row's styles later)
    row_styles: list[Style | None] = [*ROW_STYLES]
    rows, styles = spec.rows, spec.styles
    for r in card.records:
        rows.append([*result_cells(r), *_entry_cells(r.review_cells)])
        styles.append(row_styles)
    n = len(rows)
    orphans = card.data.review.orphans
    for e in orphans:
        cells = _entry_cells((e.score, e.note))
        n = spec.add((e.level1, e.level2, e.name, *[None] * 7, ORPHAN_NOTE, *cells), row_styles)
    first, last = L.result_indicator_row(0), L.result_indicator_row(len(card.records) + len(orphans) - 1)
    assert n == last
    if last >= first:
        for c, (title, prompt) in enumerate(REVIEW_PROMPTS, start=ncols):
            spec.prompts.append((f"{L.col_letter(c)}{first}:{L.col_letter(c)}{last}", title, prompt))
    claimed_by_level, diff_by_level, unsettled_levels = _claimed_by_level1(card)
    # (评分说明 wraps within the table: a 小计 names the not-applicable rows it leaves out, and
    # says why its 得分差异 is blank when a claimed row under it has an input error)
    subtotal_styles = [BOLD, BOLD, None, None, None, None, BOLD_NUM, BOLD_NUM, BOLD_NUM, BOLD_NUM, TEXT]
    left_out = left_out_by_level1(card.records)
    for level1, points, score in card.subtotals:
        claimed = claimed_by_level.get(level1)
        diff = diff_by_level.get(level1)  # (of the claimed rows: the others have no difference)
        unsettled = SUBTOTAL_UNSETTLED if level1 in unsettled_levels else None
        note = "；".join(n for n in (left_out_note(left_out.get(level1, [])), unsettled) if n) or None
        rows.append([level1, "小计", None, None, None, None, points, _num(score), claimed, diff, note])
        styles.append(subtotal_styles)  # (shared, as the indicator rows' list)
    spec.add(())
    grades = card.rules.grade_labels
    claimed_total = card.claimed_total
    status = card.status
    if card.grade is not None:
        grade: tuple[object, Style | None] = (card.grade, grade_style(card.grade, grades))
    else:
        grade = ("不评定" if status == BLANK else "待更正后评定", LABEL)
    labels: list[tuple[str, object, Style | None]] = [
        (L.R_TOTAL, None if status == BLANK else card.total, PLAIN_BOLD_NUM),
        (L.R_GRADE, *grade),
        (L.R_STATUS, status_zh(status), STATUS_STYLE.get(status, LABEL)),
        (L.R_CLAIMED_TOTAL, claimed_total if claimed_total is not None else "未填写", PLAIN_BOLD_NUM),
        (
            L.R_DIFF,
            None if claimed_total is None or not compares_claim(status) else round_half_up(claimed_total - card.total),
            PLAIN_NUM,
        ),
        (
            L.R_REVIEWED_TOTAL,
            card.reviewed_total if card.reviewed_total is not None else L.R_NOT_REVIEWED,
            PLAIN_BOLD_NUM,
        ),
        ("预算执行率", percent_fraction(card.budget.rate), PLAIN_PCT),
        (L.R_RULESET, card.rules.label, None),
        (L.R_SCORED_AT, scored_at, None),
        ("错误数", len(card.errors), None),
        ("警告数", len(card.warnings), None),
    ]
    table_end = len(spec.rows)
    provisional = UNSETTLED_WORD.get(status)
    rescaled = rescale_note(card)
    notes = {
        L.R_TOTAL: "；".join(n for n in (provisional, rescaled) if n) or None,
        # a reviewer's total of a file still to be corrected (or with rows still awaiting) is no
        # more final than the 核定总分 beside it
        L.R_REVIEWED_TOTAL: "；".join(n for n in (provisional, rescale_note(card, reviewed=True)) if n) or None
        if card.reviewed_total is not None
        else None,
        # a grade awaiting a reviewer is as provisional as the total it comes from (汇总 and the
        # page say 暂定 beside it too); a 待更正 file's 等级 line says so in its value
        L.R_GRADE: L.R_TENTATIVE if status == NEEDS_REVIEW else None,
        # the 申报总分 above it is shown; the total it is set against is not final yet
        L.R_DIFF: DIFF_UNSETTLED if status == NEEDS_CORRECTION and claimed_total is not None else None,
        L.R_STATUS: REVIEWER_CORRECTION_HINT
        if status == NEEDS_CORRECTION and card.errors and not card.unit_errors
        else STATUS_HINT.get(status),
    }
    label_styles: dict[Style | None, list[Style | None]] = {}  # one list per style, shared
    for label, value, style in labels:
        note = notes.get(label)
        rows.append([label, value, note] if note else [label, value])
        styles.append(label_styles.get(style) or label_styles.setdefault(style, [LABEL, style, None]))
    spec.add(())
    spec.add(L.PROBLEM_HEADERS, PROBLEM_HEADER)
    problems_from = len(spec.rows) - 1
    if not card.problems:
        spec.add((NO_PROBLEMS, None, None), PROBLEM_TEXT)
    # one styles list per kind of problem row, shared (so the sheet writes runs of them at once)
    kinds: dict[tuple[bool, bool], list[Style | None]] = {
        (e, k): [SEVERITY_STYLE[e], LINK if k else PROBLEM_TEXT, PROBLEM_TEXT]
        for e in (True, False)
        for k in (False, True)
    }
    for p in card.problems:
        where = p.where
        linked = where.sheet if link_cells else None
        rows.append([SEVERITY_ZH[p.severity], where.location, p.message])
        styles.append(kinds[p.is_error, bool(linked)])
        if linked:
            spec.links.append((f"B{len(rows)}", cell_location(linked, where.cell), f"转到 {where.location}"))
    _lay_out(spec, table_end, problems_from, footer=(unit, project or str(data.kind or ""), L.SHEET_RESULTS))
    return spec


def title_line(unit: str, project: str, year: object, kind: object) -> str:
    """The line under the title naming whose results these are (SPEC §4.1)."""
    return (
        f"单位名称：{unit or '（未填写）'}　　项目名称：{project or '—'}　　"
        f"评价年度：{year or '（未填写）'}　　评价类型：{kind or '（未填写）'}"
    )


def _runs(rows: list[list[object]], styles: list[list[Style | None]], start: int, end: int) -> list[tuple[int, int]]:
    """[i, j) ranges of consecutive rows of one length sharing one styles list (the indicator
    rows: measured column by column)."""
    out = []
    i = start
    while i < end:
        j = i + 1
        while j < end and styles[j] is styles[i] and len(rows[j]) == len(rows[i]):
            j += 1
        out.append((i, j))
        i = j
    return out


_RUN = 4  # shorter runs are measured cell by cell
_TEXT_KINDS = {str, type(None)}
_NUMBER_KINDS = {float, type(None)}
_BLANK_KINDS = {type(STYLED_BLANK)}


def _longest(spec: SheetSpec, runs: list[tuple[int, int]], ncols: int) -> tuple[list[int], set[int]]:
    """The width of each column's longest value as the sheet shows it (``_shown``), and the
    columns that wrap: those holding text, or styled to wrap (a text column still blank, room
    to type in it); numbers never do."""
    longest = [0] * ncols
    wrapped: set[int] = set()
    for i, j in runs:
        st = spec.styles[i]
        n = min(len(spec.rows[i]), ncols)
        wrapped.update(c for c in range(n) if (style := st[c]) is not None and style.wrap)
        if j - i >= _RUN:
            columns = list(zip(*spec.rows[i:j], strict=True))
            for c in range(n):
                col = columns[c]
                kinds = set(map(type, col))
                if kinds <= _TEXT_KINDS:
                    texts = cast(list[str], [v for v in col if v is not None])
                    if not texts:
                        continue
                    w = max(P.text_widths(texts))
                    wrapped.add(c)
                elif kinds <= _NUMBER_KINDS:
                    numbers = cast(list[float], [v for v in col if v is not None])
                    if not numbers:
                        continue
                    w = _widest_number(numbers, st[c])
                elif kinds == _BLANK_KINDS:
                    continue  # reviewer's cells still blank
                else:
                    w = max(_cell_width(v, st[c]) for v in col)
                    if str in kinds:
                        wrapped.add(c)
                if w > longest[c]:
                    longest[c] = w
            continue
        for values in spec.rows[i:j]:
            for c, v in enumerate(values[:ncols]):
                if type(v) is str:
                    wrapped.add(c)
                w = _cell_width(v, st[c])
                if w > longest[c]:
                    longest[c] = w
    return longest, wrapped


def _widest_number(numbers: list[float], style: Style | None) -> int:
    """The longest of ``numbers`` as the sheet shows them (``_cell_width`` of each, the most)."""
    return P.widest_number(numbers, style is not None and style.num_fmt == 10)


def _cell_width(v: object, style: Style | None) -> int:
    """``P.text_width`` of the value as shown."""
    if type(v) is str:
        return P.text_width(v)
    if v is None or v is STYLED_BLANK:
        return 0  # (a blank, as it shows)
    if type(v) is float:
        return len(f"{v * 100:.2f}%") if style is not None and style.num_fmt == 10 else len(f"{v:.2f}")
    return P.text_width(_shown(v, style))


def _table_heights(spec: SheetSpec, runs: list[tuple[int, int]], ncols: int) -> None:
    """Heights of the header and table rows whose text wraps (a text of at most half a
    column's usable width fits on one line, as ``P.lines_needed`` finds)."""
    usable = [max(w - 1.0, 1.0) for w in spec.widths]
    lines_needed = P.lines_needed
    for i, j in runs:
        lines = [1] * (j - i)
        block = spec.rows[i:j]
        if j - i >= _RUN:
            columns = list(zip(*block, strict=True))
            for c in range(min(len(block[0]), ncols)):
                col = columns[c]
                u, w = usable[c], spec.widths[c]
                kinds = set(map(type, col))
                if kinds <= _TEXT_KINDS:
                    found = P.column_lines(cast(tuple[str | None, ...], col), w)
                    if found is not None:
                        lines = list(map(max, lines, found))
                elif str in kinds:
                    for k, v in enumerate(col):
                        if type(v) is str and (len(v) * 2 > u or "\n" in v):
                            lines[k] = max(lines[k], lines_needed(v, w))
        else:
            for k, values in enumerate(block):
                for c, v in enumerate(values[:ncols]):
                    if type(v) is str and (len(v) * 2 > usable[c] or "\n" in v):
                        lines[k] = max(lines[k], lines_needed(v, spec.widths[c]))
        for k, n in enumerate(lines):
            if n > 1:
                spec.heights[i + k + 1] = P.row_height(n)


def _lay_out(spec: SheetSpec, table_end: int, problems_from: int, footer: tuple[str, ...]) -> None:
    """Widths from what the indicator table holds, heights from the wrapped text, the title
    and problem texts merged across the table, and the page setup (SPEC §4.5)."""
    ncols = len(spec.rows[HEADER_ROW - 1])
    last = L.col_letter(ncols - 1)
    runs = _runs(spec.rows, spec.styles, HEADER_ROW, table_end)
    longest, wrapped = _longest(spec, runs, ncols)
    header = spec.rows[HEADER_ROW - 1]
    widths = [
        P.width_for(
            longest[c], header[c], cap=TEXT_CAP if c in wrapped else 12, floor=10 if c in wrapped else NUM_FLOOR
        )
        for c in range(ncols)
    ]
    # the problem rows' 位置 (a sheet name and cell) wraps in column B rather than widening it
    widths[1] = max(widths[1], 10)
    budget = P.width_units(True, PRINT_SCALE) * 0.97
    spec.widths = P.fit_widths(widths, budget, sorted(wrapped), floor=10)
    spec.page = P.plan_page(spec.widths)
    for r in (1, 2):
        spec.merges.append(f"A{r}:{last}{r}")
    spec.heights[1] = P.row_height(1, TITLE.size or P.FONT_PT) + 4
    spec.heights[2] = P.row_height(P.lines_needed(spec.rows[1][0], sum(spec.widths)))
    _table_heights(spec, [(HEADER_ROW - 1, HEADER_ROW), *runs], ncols)
    widths, rest, lines_needed = spec.widths, sum(spec.widths[2:]), P.lines_needed
    for i in range(max(problems_from, table_end), len(spec.rows)):
        row = spec.rows[i]
        if len(row) >= 3:
            spec.merges.append(f"C{i + 1}:{last}{i + 1}")
            lines = max(lines_needed(row[0], widths[0]), lines_needed(row[1], widths[1]), lines_needed(row[2], rest))
            if lines > 1:
                spec.heights[i + 1] = P.row_height(lines)
    spec.repeat_rows = (HEADER_ROW, HEADER_ROW)
    spec.footer = P.footer_text(*footer)
    spec.active = True
    _keep_conclusion_together(spec, table_end, problems_from - 1)


def _keep_conclusion_together(spec: SheetSpec, start: int, end: int) -> None:
    """A page break before the last indicator row when a page would otherwise start after it
    and before the end of the conclusion rows [start, end) (核定总分, 等级, 状态 … 警告数): the 小计
    rows, the conclusion and the indicator row above them print on one page (SPEC §4.5). A break
    right before 核定总分 (or the 小计 rows) printed a page holding only the repeated header and
    the conclusion; now the header on that page stands over an indicator row."""
    lead = start - 1  # the blank row above the conclusion
    while lead > HEADER_ROW and len(spec.rows[lead - 1]) > 1 and spec.rows[lead - 1][1] == "小计":
        lead -= 1
    keep = lead - 1 if lead > HEADER_ROW else start  # the last indicator row (0-based), if any
    heights = [spec.heights.get(r) for r in range(1, end + 1)]
    at = P.keep_together_break(heights, (keep, end), spec.widths, spec.page, spec.repeat_rows)
    if at is not None:
        spec.page = dataclasses.replace(spec.page, row_breaks=(at,))


def _shown(value: object, style: Style | None = None) -> object:
    """A value as the sheet shows it (numbers with two decimals, fractions as percentages)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value * 100:.2f}%" if style is not None and style.num_fmt == 10 else f"{value:.2f}"
    return value


# The indicator table's number columns (the others are text).
RESULT_STYLES = {"完成率": PCT, "分值": NUM, "核定得分": NUM, "申报得分": NUM, "得分差异": NUM}


ROW_STYLES = (*(RESULT_STYLES.get(h, TEXT) for h in L.RESULT_HEADERS), REVIEW_NUM, REVIEW_TEXT)


def result_cells(r: ScoredRow) -> tuple[object, ...]:
    """A scored row's cells under ``L.RESULT_HEADERS``, in its order (tests/test_writeback.py checks
    each value lands under its header)."""
    # (_num without the call for a float)
    return (
        r.level1,
        r.level2,
        r.name,
        r.target_text,
        r.actual_text,
        percent_fraction(r.rate),
        (x if x == x else None) if type(x := r.points) is float else _num(x),
        (x if x == x else None) if type(x := r.score) is float else _num(x),
        (x if x == x else None) if type(x := r.claimed) is float else _num(x),
        (x if x == x else None) if type(x := r.diff) is float else _num(x),
        r.note,
    )


def _entry_cells(cells: tuple[object, object] | None) -> tuple[object, object]:
    """A reviewer's two cells as they were typed; blank ones still carry their unlocked style."""
    score, note = cells or (None, None)
    return (STYLED_BLANK if score is None else score, STYLED_BLANK if note is None else note)


def _claimed_by_level1(card: Scorecard) -> tuple[dict[str, float], dict[str, float], set[str]]:
    """By 一级指标: the sum of the 申报得分 typed, and of those rows' 得分差异 (申报 − 核定; a row
    claimed but not scored, 不适用, has none): a 小计's 申报 − 核定 would count the rows nobody
    claimed as differences. A not-applicable row, left out of the 小计's 分值, is left out here too.
    A claimed row with an input error has no 得分差异 (``Scorecard.errored``): its 一级指标 has none
    either (its 申报得分 still in the sum: what the unit claimed), as a file still to be corrected
    shows no 得分差异 beside its 申报总分. Third, those 一级指标 (their 小计 says why it is blank)."""
    sums: dict[str, float] = {}
    diffs: dict[str, float] = {}
    unsettled: set[str] = set()  # 一级指标 with a claimed row in error
    for r in card.records:
        if not math.isnan(r.claimed) and r.method != M_NA:  # (a left-out row is in no 小计)
            name = L.canonical_level1(r.level1)
            sums[name] = sums.get(name, 0.0) + r.claimed
            if r.row in card.errored:
                unsettled.add(name)
            elif not math.isnan(r.score):
                diffs[name] = diffs.get(name, 0.0) + r.claimed - r.score
    return (
        {name: round_half_up(v) for name, v in sums.items()},
        {name: round_half_up(v) for name, v in diffs.items() if name not in unsettled},
        unsettled,
    )


def left_out_by_level1(records: Sequence[ScoredRow]) -> dict[str, list[ScoredRow]]:
    """The not-applicable rows (left out of the total and of their 一级指标's 小计), by 一级指标."""
    out: dict[str, list[ScoredRow]] = {}
    for r in records:
        if r.method == M_NA:
            out.setdefault(L.canonical_level1(r.level1), []).append(r)
    return out


def left_out_note(rows: Sequence[ScoredRow]) -> str | None:
    """A 小计's 评分说明 naming what it leaves out: 不含不适用的“生态环境改善”（分值 15）."""
    if not rows:
        return None
    names = "、".join(f"“{r.name}”" for r in rows)
    points = fmt_num(round_half_up(sum(r.points for r in rows if not math.isnan(r.points))))
    note = f"不含不适用的{names}（分值 {points}），总分按适用指标分值折算"
    # a reviewer's score brings a row back into the 复核总分 (``review.reviewed_total``)
    back = "、".join(f"“{r.name}”复核得分 {fmt_num(r.reviewed)}" for r in rows if r.reviewed is not None)
    return f"{note}；{back}，计入复核总分" if back else note


def rescale_note(card: Scorecard, reviewed: bool = False) -> str | None:
    """How a total with not-applicable rows was rescaled: 按适用指标分值折算：83 × 100 ÷ 85. With
    ``reviewed``, the 复核总分's (``review.reviewed_total``): each row's 复核得分 where given, else its
    核定得分; a left-out row that a reviewer scored counts again."""
    applicable = [r for r in card.records if r.method != M_NA or (reviewed and r.reviewed is not None)]
    back = "、".join(f"“{r.name}”" for r in brought_back(card.records)) if reviewed else ""
    if len(applicable) == len(card.records):
        # every left-out row brought back: nothing rescaled, but the 核定总分 beside it was
        return f"含复核计入的不适用指标{back}，各行分值均计入，不折算" if back else None
    pick = lambda r: r.reviewed if reviewed and r.reviewed is not None else r.score  # noqa: E731
    scored = round_half_up(sum(x for r in applicable if not math.isnan(x := pick(r))))
    points = round_half_up(sum(r.points for r in applicable if not math.isnan(r.points)))
    return f"按适用指标分值折算：{fmt_num(scored)} × {fmt_num(card.rules.total_points)} ÷ {fmt_num(points)}" + (
        f"（含复核计入的{back}）" if back else ""
    )
