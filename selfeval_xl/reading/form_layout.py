"""The official single-sheet 项目支出绩效自评表 (财预〔2020〕10号 附件 and provincial variants),
recognised by its labels wherever they are, read into the same ``WorkbookData`` as our template.
Its 得分 column becomes 申报得分 and its 总分 becomes 申报总分, so every audit check applies.

Blocks looked for on any sheet: 项目名称 / 主管部门 / 实施单位 (value to the right of the label);
the 项目资金 header (年初预算数, 全年预算数 or 调整后预算数, 全年执行数, 分值, 执行率, 得分) with
rows 年度资金总额, 其中：当年财政拨款, 上年结转资金, 其他资金; 年度总体目标; the 绩效指标 header
(一级/二级/三级指标, 年度指标值, 实际完成值, 分值, 得分, 偏差原因分析及改进措施, optional 指标性质,
度量单位) with merged 一级/二级 cells; and 总分."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from selfeval_xl.errors import WARNING, UnreadableWorkbook
from selfeval_xl.ooxml.package import Book, Grid, open_book
from selfeval_xl.reading import contract as L
from selfeval_xl.reading.cells import cell_value
from selfeval_xl.reading.indicator_table import read_indicator_table
from selfeval_xl.reading.review_columns import read_review_sheet
from selfeval_xl.reading.rows import IndicatorRow
from selfeval_xl.reading.values import Value, parse_amount, parse_value
from selfeval_xl.reading.workbook_data import BudgetRow, WorkbookData

SEARCH_ROWS = 80
FORM_INDICATOR_ALIASES = {**L.INDICATOR_HEADER_ALIASES, "得分": L.I_CLAIMED, "年度目标值": L.I_TARGET}
FORM_BUDGET_ALIASES = {**L.BUDGET_HEADER_ALIASES, "自评得分": "得分", "权重": L.I_POINTS}
INFO_LABELS = {"项目名称": L.INFO_PROJECT, "主管部门": L.INFO_PARENT, "实施单位": L.INFO_UNIT, "预算单位": L.INFO_UNIT}
TOTAL_LABELS = {"总分", "合计", "总计", "合计得分", "总得分", "综合得分"}


def _label(v: object) -> str:
    return L.normalize_label(v) if isinstance(v, str) else ""


def _rows(grid: Grid) -> dict[int, dict[int, object]]:
    out: dict[int, dict[int, object]] = {}
    for (r, c), cell in grid.cells.items():
        if r <= SEARCH_ROWS or cell.value is not None:
            out.setdefault(r, {})[c] = cell.value
    return out


def _header_row(
    rows: dict[int, dict[int, object]], aliases: dict[str, str], need: set[str]
) -> tuple[int, dict[str, int]] | None:
    for r in sorted(rows):
        if r > SEARCH_ROWS:
            break
        found: dict[str, int] = {}
        for c, v in sorted(rows[r].items()):
            h = L.canonical_header(v, aliases) if isinstance(v, str) else ""
            if h and h not in found:
                found[h] = c
        if need <= set(found):
            return r, found
    return None


def find_form(book: Book) -> str | None:
    """The name of the first sheet that holds a standard form, if any."""
    return next(iter(find_forms(book)), None)


def find_forms(book: Book) -> list[str]:
    """The names of the sheets that hold a standard form."""
    markers = {L.B_TOTAL, "项目名称", *TOTAL_LABELS}
    found = []
    for name in book.sheet_names:
        rows = _rows(book.sheet(name))
        header = _header_row(rows, FORM_INDICATOR_ALIASES, {L.I_LEVEL1, L.I_NAME, L.I_POINTS, L.I_ACTUAL})
        # an indicator table plus, on another row, any of: 项目资金 block, 项目名称, 总分 (a table
        # with 项目名称 as a column header, like our summary's 指标明细, is not a form)
        if header and any(_label(v) in markers for r, row in rows.items() if r != header[0] for v in row.values()):
            found.append(name)
    return found


def read_form(path: Path, display: str | None = None, book: Book | None = None) -> WorkbookData | None:
    """``WorkbookData`` from a standard form in ``path``, or None when it has none."""
    book = book or open_book(path, display)
    forms = find_forms(book)
    if not forms:
        return None
    name = forms[0]
    grid = book.sheet(name)
    data = WorkbookData(path=Path(path), file=display or Path(path).name)
    for contract in (L.SHEET_INFO, L.SHEET_BUDGET, L.SHEET_INDICATORS):
        data.sheet_names[contract] = name
    rows = _rows(grid)
    data.info[L.INFO_KIND] = L.KIND_PROJECT
    _read_info(data, rows)
    budget_row = _read_budget(data, grid, rows)
    header = _header_row(rows, FORM_INDICATOR_ALIASES, {L.I_LEVEL1, L.I_NAME, L.I_POINTS, L.I_ACTUAL})
    assert header is not None
    header_row, found = header
    total_row = next(
        (r for r in sorted(rows) if r > header_row and any(_label(v) in TOTAL_LABELS for v in rows[r].values())),
        None,
    )
    read_indicator_table(
        data, grid, header_row, found, stop=lambda r, raw: total_row is not None and r >= total_row, end_row=total_row
    )
    # the 项目资金 block's 分值/得分 are the 预算执行率 line, unless the indicator table prints
    # that line itself (银川: 项目管理 › 预算执行率, 指标值 “—”): then it counts once, there
    in_table = any(
        L.normalize_label(r.name) == L.LEVEL1_BUDGET or L.canonical_level1(r.level1) == L.LEVEL1_BUDGET
        for r in data.records.values()
    )
    if budget_row is not None and not in_table:
        data.records = {budget_row[0]: budget_row[1], **data.records}
    _read_total(data, grid, rows, found)
    if len(forms) > 1:
        data.add(L.SHEET_INDICATORS, None, "more-forms", count=len(forms) - 1, sheets="、".join(forms[1:]))
    data.review = read_review_sheet(book)
    return data


def _right_of(row: dict[int, object], col: int) -> tuple[int, object] | None:
    """The first value right of a label, up to the next label (``主管部门 | 教育部 | 实施单位 |``:
    实施单位 has no value; it never takes the next label's)."""
    for c in sorted(row):
        if c <= col or row[c] is None or (isinstance(row[c], str) and not row[c].strip()):
            continue
        if isinstance(row[c], str) and _label(row[c]) in INFO_LABELS:
            return None
        return c, row[c]
    return None


# words that head a column or block on the form: never a goal's text
_HEADINGS = {
    *FORM_INDICATOR_ALIASES,
    *FORM_INDICATOR_ALIASES.values(),
    *FORM_BUDGET_ALIASES,
    *FORM_BUDGET_ALIASES.values(),
    *INFO_LABELS,
    *TOTAL_LABELS,
    L.INFO_GOAL,
    L.INFO_ACHIEVED,
    "预期目标",
    "绩效指标",
}


def _goal_texts(row: dict[int, object], col: int) -> list[tuple[int, str]]:
    """The goal texts right of ``col`` on one row; none when the row is a header row."""
    if sum(_label(t) in _HEADINGS for t in row.values()) >= 3:  # the indicator or budget header
        return []
    return [
        (c, t)
        for c, t in sorted(row.items())
        if c > col and isinstance(t, str) and len(t.strip()) > 6 and _label(t) not in _HEADINGS
    ]


def _read_info(data: WorkbookData, rows: dict[int, dict[int, object]]) -> None:
    for r in sorted(rows)[:SEARCH_ROWS]:
        for c, v in sorted(rows[r].items()):
            text = v if isinstance(v, str) else ""
            if L.INFO_YEAR not in data.info and (m := re.search(r"(20\d{2})\s*年", text)) and r <= 4:
                data.info[L.INFO_YEAR] = int(m.group(1))
            label = INFO_LABELS.get(_label(v))
            if label and label not in data.info and (hit := _right_of(rows[r], c)):
                data.info[label] = str(hit[1]).strip()
                data.info_cells[label] = L.cell_name(r, hit[0])
            elif label and label not in data.info_cells:
                data.info_cells[label] = L.cell_name(r, c + 1)  # the empty cell beside the label
            if "元" in text and ("项目资金" in text or "单位" in text) and L.INFO_AMOUNT_UNIT not in data.info:
                data.info[L.INFO_AMOUNT_UNIT] = "万元" if "万元" in text else "元"
            if _label(v) == L.INFO_GOAL:
                # the goal on the label's own row (A8 label, C8 text) wins; else the row below
                # (the official form: 预期目标 / 实际完成情况 headers, texts underneath)
                vr, texts = next(((rr, t) for rr in (r, r + 1) if (t := _goal_texts(rows.get(rr, {}), c))), (r, []))
                if texts:
                    data.info[L.INFO_GOAL] = texts[0][1]
                    data.info_cells[L.INFO_GOAL] = L.cell_name(vr, texts[0][0])
                if len(texts) > 1:
                    data.info[L.INFO_ACHIEVED] = texts[-1][1]
                    data.info_cells[L.INFO_ACHIEVED] = L.cell_name(vr, texts[-1][0])
    if L.INFO_UNIT not in data.info:
        # the 主管部门 is not the unit (教育部 ≠ 北京大学): say it is missing, where it belongs
        data.add(L.SHEET_INFO, data.info_cells.get(L.INFO_UNIT), "missing-value", field="实施单位", severity=WARNING)


def _read_budget(data: WorkbookData, grid: Grid, rows: dict[int, dict[int, object]]) -> tuple[int, IndicatorRow] | None:
    """The 项目资金 block into ``data.budget``; returns the 预算执行率 indicator record built
    from its 分值 and 得分 (keyed by the 年度资金总额 row)."""
    header = _header_row(rows, FORM_BUDGET_ALIASES, {L.B_ADJUSTED, L.B_EXECUTED})  # 年初预算数 is optional
    if header is None:
        return None
    hr, found = header
    amount_heads = [h for h, _ in L.BUDGET_AMOUNTS if h in found]
    first_amount = min(found[h] for h in amount_heads)
    data.budget_columns = {h: L.col_letter(found[h]) for h in L.BUDGET_HEADERS if h in found}
    data.budget_header_row = hr
    data.budget_columns.setdefault(L.B_CATEGORY, L.col_letter(max(0, first_amount - 1)))
    data.budget_columns.setdefault(L.B_INITIAL, data.budget_columns[L.B_ADJUSTED])
    total: tuple[int, dict[str, Any]] | None = None
    for r in range(hr + 1, hr + 8):
        row = rows.get(r, {})
        labels = [
            L.canonical_header(v, L.BUDGET_ROW_ALIASES)
            for c, v in sorted(row.items())
            if c < first_amount and isinstance(v, str)
        ]
        category = next((lab for lab in reversed(labels) if lab in L.BUDGET_ROWS), None)
        if category is None:
            if any(_label(v) in (L.INFO_GOAL, L.I_LEVEL1, "绩效指标") for v in row.values()):
                break
            continue
        entry = BudgetRow(category, r)
        for h, attr in L.BUDGET_AMOUNTS:
            if h not in found:
                continue
            cell = cell_value(data, L.SHEET_BUDGET, grid, r, found[h], h)
            if cell is None:
                continue
            try:
                setattr(
                    entry, attr, parse_amount(cell.value, cell.percent, data.info.get(L.INFO_AMOUNT_UNIT) or "万元")
                )
            except ValueError:
                data.add(
                    L.SHEET_BUDGET, L.cell_name(r, found[h]), "not-a-number", field=f"{category}{h}", value=cell.value
                )
        data.budget.setdefault(category, entry)
        if category == L.B_TOTAL and total is None:
            points = _score_cell(data, L.SHEET_BUDGET, grid, r, found.get(L.I_POINTS), L.I_POINTS)
            claimed = _score_cell(data, L.SHEET_BUDGET, grid, r, found.get("得分"), L.I_CLAIMED)
            total = (r, _budget_record(points, claimed))
            for header, col in (
                (L.I_POINTS, found.get(L.I_POINTS)),
                (L.I_CLAIMED, found.get("得分")),
                (L.I_ACTUAL, found.get("执行率")),
            ):
                if col is not None:
                    data.cell_overrides[(r, header)] = L.cell_name(r, col)
            # that line has no 偏差原因 cell: no reason is asked there (README 设计决定)
    return total


def _score_cell(data: WorkbookData, sheet: str, grid: Grid, row: int, col: int | None, field: str) -> float:
    """A 分值 / 得分 / 总分 cell as the indicator rows read theirs: ``10``, ``9.85分``, ``１０``;
    NaN when blank. Text that is no number (``十``) and a formula never calculated are reported
    at the cell, never taken silently as "not filled"."""
    if col is None:
        return math.nan
    cell = cell_value(data, sheet, grid, row, col, field)
    if cell is None:
        return math.nan
    v = parse_value(cell.value, percent_format=cell.percent)
    if v.kind == "blank":
        return math.nan
    if v.kind == "number" and v.operator is None and v.unit in ("", "分") and v.number is not None:
        return v.number
    data.add(sheet, L.cell_name(row, col), "not-a-number", field=field, value=v.display)
    return math.nan


def _budget_record(points: float, claimed: float) -> IndicatorRow:
    return IndicatorRow(
        level1=L.LEVEL1_BUDGET,
        level2="",
        name=L.LEVEL1_BUDGET,
        operator="",
        target=parse_value("100%"),
        unit="%",
        actual=Value("blank"),
        points=points,
        claimed=claimed,
    )


def _read_total(data: WorkbookData, grid: Grid, rows: dict[int, dict[int, object]], found: dict[str, int]) -> None:
    col = found.get(L.I_CLAIMED)
    for r in sorted(rows):
        if r <= data.indicator_header_row:
            continue
        if any(_label(v) in TOTAL_LABELS for c, v in rows[r].items() if c < found.get(L.I_POINTS, 99)):
            value = _score_cell(data, L.SHEET_INFO, grid, r, col, L.INFO_CLAIMED_TOTAL)
            if not math.isnan(value):
                data.info[L.INFO_CLAIMED_TOTAL] = value
                data.info_cells[L.INFO_CLAIMED_TOTAL] = L.cell_name(r, col)  # type: ignore[arg-type]
            return


def require_form(path: Path, display: str | None = None) -> WorkbookData:
    data = read_form(path, display)
    if data is None:
        raise UnreadableWorkbook.at(display or path.name, None, None, "no-form")
    return data
