"""The 等级分布 sheet: grades of the ranked files (overall and per 评价类型) with a chart, then every file's status."""

from __future__ import annotations

from collections import Counter
from typing import Any

from selfeval_xl.outputs import pagesetup as P
from selfeval_xl.outputs.summary_ranking import SummaryRow
from selfeval_xl.outputs.summary_xlsx import SummaryBook
from selfeval_xl.reading import contract as L
from selfeval_xl.scoring.verdict import STATUSES, is_ranked, status_zh


def _by_kind(rows: list[SummaryRow], kinds: list[str]) -> list[tuple[str, list[SummaryRow]]]:
    """全部, then each 评价类型 when there is more than one."""
    return [("全部", rows)] + ([(k, [r for r in rows if r.kind == k]) for k in kinds] if len(kinds) > 1 else [])


def write_grades_sheet(book: SummaryBook, ws: Any, rows: list[SummaryRow], grades: list[str], title: str) -> None:
    """Grades of the graded (ranked) files, overall and per 评价类型, with a chart; below,
    every scored file's status (SPEC §4.2)."""
    kinds = sorted({r.kind for r in rows})
    groups = _by_kind([r for r in rows if is_ranked(r.status)], kinds)
    headers = ["等级"]
    for name, _ in groups:
        headers += [f"{name}数量", f"{name}占比"]
    book.header(ws, headers)
    widths = [float(P.text_width(h) + P.PAD) for h in headers]  # headers on one line
    widths[0] = max(widths[0], 10.0)  # room for the statuses below (待复核, 待更正 …)
    book.print(ws, widths, title, repeat_cols=1)
    pct = book.fmt("pct")
    counts = [Counter(r.grade for r in group) for _, group in groups]
    for i, grade in enumerate(grades, start=1):
        ws.write_string(i, 0, grade, book.fmt(f"grade:{i - 1}"))
        for g, ((_, group), count) in enumerate(zip(groups, counts, strict=True)):
            ws.write_number(i, 1 + 2 * g, count.get(grade, 0))
            ws.write_number(i, 2 + 2 * g, count.get(grade, 0) / len(group) if group else 0, pct)
    total_row = len(grades) + 1
    ws.write_string(total_row, 0, "合计", book.fmt("head"))
    for g, (_, group) in enumerate(groups):
        ws.write_number(total_row, 1 + 2 * g, len(group))
        ws.write_number(total_row, 2 + 2 * g, 1 if group else 0, pct)
    total_row = _write_statuses(book, ws, total_row + 2, _by_kind(rows, kinds))
    if not grades:
        return
    chart = book.chart({"type": "column"})
    n = len(grades)
    for g, (name, _) in enumerate(groups):
        chart.add_series(
            {
                "name": name,
                "categories": [L.S_GRADES, 1, 0, n, 0],
                "values": [L.S_GRADES, 1, 1 + 2 * g, n, 1 + 2 * g],
                "data_labels": {"value": True},
            }
        )
    chart.set_title({"name": "等级分布"})
    chart.set_x_axis({"name": "等级"})
    most = max((max(c.values(), default=0) for c in counts), default=0)
    y_axis = {"name": "单位数", "major_gridlines": {"visible": True}, "min": 0, "num_format": "0"}
    if most <= 10:
        y_axis["major_unit"] = 1  # counts are whole units
    chart.set_y_axis(y_axis)
    chart.set_legend({"position": "bottom" if len(groups) > 1 else "none"})
    ws.insert_chart(total_row + 2, 0, chart, {"x_scale": 1.2, "y_scale": 1.1})


def _write_statuses(book: SummaryBook, ws: Any, first: int, groups: list[tuple[str, list[SummaryRow]]]) -> int:
    """The status table from row ``first``: files per status, overall and per 评价类型.
    Returns its last row."""
    head, pct = book.fmt("head"), book.fmt("pct")
    ws.write_string(first, 0, "状态", head)
    for g, (name, _) in enumerate(groups):
        ws.write_string(first, 1 + 2 * g, f"{name}数量", head)
        ws.write_string(first, 2 + 2 * g, f"{name}占比", head)
    counts = [Counter(r.status for r in group) for _, group in groups]
    row = first
    for status in STATUSES:
        row += 1
        ws.write_string(row, 0, status_zh(status), book.fmt(f"status:{status}"))
        for g, ((_, group), count) in enumerate(zip(groups, counts, strict=True)):
            ws.write_number(row, 1 + 2 * g, count.get(status, 0))
            ws.write_number(row, 2 + 2 * g, count.get(status, 0) / len(group) if group else 0, pct)
    row += 1
    ws.write_string(row, 0, "合计", head)
    for g, (_, group) in enumerate(groups):
        ws.write_number(row, 1 + 2 * g, len(group))
        ws.write_number(row, 2 + 2 * g, 1 if group else 0, pct)
    return row
