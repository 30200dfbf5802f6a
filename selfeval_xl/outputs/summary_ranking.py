"""The 汇总 sheet: one row per scored workbook, grouped by status and ranked by final total."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from selfeval_xl.outputs import pagesetup as P
from selfeval_xl.outputs.previous_year import NO_RECORD, NOT_EARLIER, NOT_GRADED, PREV_HEADERS, PreviousYear, match
from selfeval_xl.outputs.summary_rows import CAP_NUM, CAP_TEXT, CAPS
from selfeval_xl.outputs.summary_sheet import SheetRows
from selfeval_xl.outputs.summary_xlsx import SummaryBook
from selfeval_xl.reading import contract as L
from selfeval_xl.rounding import round_half_up
from selfeval_xl.scoring.verdict import (
    BLANK,
    NEEDS_CORRECTION,
    NEEDS_REVIEW,
    UNSETTLED_WORD,
    compares_claim,
    group_index,
    is_ranked,
    status_zh,
)


@dataclass
class SummaryRow:
    """One workbook in 汇总 (kept until the end, when the rows are sorted and ranked)."""

    lead: tuple[Any, ...]
    subtotals: dict[str, float]
    total: float
    grade: str
    claimed: float | None
    errors: int
    warnings: int
    file: str
    link: str | None
    kind: str
    status: str = ""
    reviewed: float | None = None

    @property
    def final_total(self) -> float:
        return self.reviewed if self.reviewed is not None else self.total


def competition_ranks(scores: list[float]) -> list[int]:
    """Ranks for scores sorted high to low, ties sharing a rank: 95, 90, 90, 80 → 1, 2, 2, 4."""
    ranks: list[int] = []
    for i, s in enumerate(scores):
        ranks.append(ranks[-1] if i and s == scores[i - 1] else i + 1)
    return ranks


def grade_index(grades: list[str], grade: str | None) -> int:
    return grades.index(grade) if grade in grades else len(grades)


def write_summary_sheet(
    book: SummaryBook,
    ws: Any,
    rows: list[SummaryRow],
    levels: list[str],
    grades: list[str],
    title: str,
    previous: PreviousYear | None = None,
    note: str = "",
) -> SheetRows:
    """汇总: graded files ranked by their final total (复核总分 where present, else 核定总分),
    then 待复核, 待更正 and 未填写, each group set apart by a thick line and unranked
    (SPEC §4.2). No separator rows: every row below the header is one workbook, so the
    sheet still filters, sorts and pivots. ``note`` goes two rows below the table. The
    sheet's header, widths and page go to ``ws``; its rows come back, for the splice to write
    (``summary_sheet``)."""
    prev_headers = PREV_HEADERS if previous is not None else ()
    headers = [
        *L.SUMMARY_LEAD,
        *(L.SUMMARY_SUBTOTAL.format(n) for n in levels),
        *L.SUMMARY_TAIL,
        *prev_headers,
    ]
    book.header(ws, headers)
    ws.freeze_panes(1, 2)
    # stable sorts: ties keep file order; 待更正 and 未填写 stay in file order
    rows = sorted(rows, key=lambda r: (group_index(r.status), -r.final_total if group_index(r.status) < 2 else 0))
    ranked = [r for r in rows if is_ranked(r.status)]
    ranks: list[int | None] = [
        *competition_ranks([r.final_total for r in ranked]),
        *[None] * (len(rows) - len(ranked)),
    ]
    last_year = _previous(rows, previous)
    lead_fmt = ["text", "text", "text", "text", "int", "amount", "amount", "pct"]
    widths = _summary_widths(headers, rows, levels, last_year)
    book.print(ws, widths, title, repeat_cols=2)
    out = SheetRows(len(headers), note=note)
    file_col = headers.index("文件")
    for i, (row, rank) in enumerate(zip(rows, ranks, strict=True), start=1):
        texts = (*row.lead[:4], row.file)
        cols = (0, 1, 2, 3, file_col)
        lines = max(P.lines_needed(t, widths[c]) for t, c in zip(texts, cols, strict=True))
        top = i > 1 and group_index(row.status) != group_index(rows[i - 2].status)
        cells: list[tuple[object, str]] = list(zip(row.lead, lead_fmt, strict=True))
        blank = row.status == BLANK
        cells += [(None if blank else row.subtotals.get(name), "num") for name in levels]
        # a 待复核 file's total and grade print as 98.00（暂定） 优（暂定）: on the pages without the
        # 状态 column they read as final otherwise (a 待更正 one's total says 暂算 and it has no grade)
        tentative = row.status == NEEDS_REVIEW
        grade_kind = (
            f"grade:{grade_index(grades, row.grade)}" + (":tentative" if tentative else "") if row.grade else "text"
        )
        diff = None if row.claimed is None or not compares_claim(row.status) else round_half_up(row.claimed - row.total)
        total_kind = "provisional" if row.status == NEEDS_CORRECTION else "tentative" if tentative else "num"
        linked = bool(row.link) and out.room_for_link
        cells += [
            (None if blank else row.total, total_kind),
            (row.grade, grade_kind),
            (row.claimed, "num"),
            (diff, "num"),
            (rank, "text"),
            (row.errors, "text"),
            (row.warnings, "text"),
            (row.file, "link" if linked else "text"),
            (status_zh(row.status), f"status:{row.status}"),
            (row.reviewed, total_kind),  # a 待更正 file's 复核总分 is as provisional as its 核定总分
            *last_year[i - 1],
        ]
        out.add(cells, top, P.row_height(lines) if lines > 1 else None)
        if linked and row.link:
            out.link(file_col, row.link)
    book.filter(ws, len(rows), len(headers))
    return out


def _summary_widths(
    headers: list[str], rows: list[SummaryRow], levels: list[str], last_year: list[list[tuple[Any, str]]]
) -> list[float]:
    """汇总's widths from its cells (with ``--previous``, 上年核定总分, 上年等级 and 变化 too: a
    上年未定级 or 无上年记录 in a column sized by its header alone wrapped to a second line the
    row has no room for); the name and file columns wrap to fit the page."""
    file_col = headers.index("文件")
    text_cols = (0, 1, 2, 3, file_col)
    columns: list[list[object]] = [[] for _ in headers]
    for r in rows:
        for c, v in enumerate(r.lead):
            columns[c].append(f"{v:,.2f}" if c in (5, 6) and isinstance(v, float) else v)
        c = len(r.lead)
        word = UNSETTLED_WORD.get(r.status)  # as the formats show them: 90.00（暂算）, 98.00（暂定）
        total = f"{r.total:.2f}（{word}）" if word else r.total
        grade = f"{r.grade}（{word}）" if word and r.grade else r.grade
        for v in (*(r.subtotals.get(n) for n in levels), total, grade, r.claimed, r.total):
            columns[c].append(v)
            c += 1
        columns[file_col].append(r.file)
        reviewed = f"{r.reviewed:.2f}（{word}）" if word and r.reviewed is not None else r.reviewed
        for k, v in enumerate((status_zh(r.status), reviewed), start=file_col + 1):
            if k < len(columns):  # 状态, 复核总分
                columns[k].append(v)
    first = len(headers) - len(PREV_HEADERS)
    for cells in last_year:  # as their formats show them (变化: +0.00)
        for k, (v, kind) in enumerate(cells, start=first):
            columns[k].append(f"{v:+.2f}" if kind == "change" and isinstance(v, float) and v else v)
    widths = [
        P.column_width(col, h, cap=CAPS.get(h, CAP_TEXT) if c in text_cols else CAP_NUM, floor=6, whole_header=True)
        for c, (h, col) in enumerate(zip(headers, columns, strict=True))
    ]
    budget = P.width_units(True, P.MIN_PT / P.FONT_PT) * 0.97
    return P.fit_widths(widths, budget, [1, 3], floor=14)


def _previous(rows: list[SummaryRow], previous: PreviousYear | None) -> list[list[tuple[Any, str]]]:
    """上年核定总分, 上年等级, 变化 for each row (none without ``--previous``): matched with
    last year's rows by ``previous.match``; an unmatched row says 无上年记录, one matched to a row
    with no grade then 上年未定级. 变化 only for graded files (``is_ranked``: a 待复核 or 待更正
    total is provisional), as the district report counts them."""
    if previous is None:
        return [[] for _ in rows]
    import pandas as pd

    current = pd.DataFrame(
        [(r.lead[0], r.lead[1], r.lead[3], r.lead[4]) for r in rows], columns=["code", "unit", "project", "year"]
    )
    found = match(previous, current)
    out: list[list[tuple[Any, str]]] = []
    for row, (_, m) in zip(rows, found.iterrows(), strict=True):
        if pd.isna(m["prev_total"]):
            if m["not_earlier"]:  # only rows of this year or later matched
                said = NOT_EARLIER
            else:
                said = NO_RECORD if pd.isna(m["matched_by"]) else NOT_GRADED
            out.append([(said, "text"), (None, "text"), (None, "text")])
            continue
        prev = float(m["prev_total"])
        grade = None if pd.isna(m["prev_grade"]) else m["prev_grade"]
        change = round_half_up(row.final_total - prev) if is_ranked(row.status) else None
        out.append([(prev, "num"), (grade, "text"), (change, "change")])
    return out
