"""The indicator table below its header row into ``IndicatorRow``s: 一级/二级 carried down over
merged and blank cells, skeleton and not-applicable rows left out, every cell parsed and checked."""

from __future__ import annotations

import math

from selfeval_xl.errors import UnreadableWorkbook
from selfeval_xl.ooxml.package import Grid
from selfeval_xl.reading import contract as L
from selfeval_xl.reading.cells import constant_formula_text, is_blank, merge_fill
from selfeval_xl.reading.rows import IndicatorRow
from selfeval_xl.reading.values import (
    BLANK,
    MAX_MAGNITUDE,
    MIN_MAGNITUDE,
    NUMBER,
    Value,
    cell_text,
    normalize_text,
    parse_amount,
    parse_operator_word,
    parse_value,
)
from selfeval_xl.reading.workbook_data import BAD_OPERATOR, WorkbookData

_BLANK = Value(BLANK)  # a Value is immutable: one blank serves every empty cell
# One row's cell values as typed, by canonical header, before they are parsed into an IndicatorRow
CellsByHeader = dict[str, object]


def read_indicator_table(
    data: WorkbookData,
    grid: Grid,
    header_row: int,
    found: dict[str, int],
    end_row: int | None = None,
) -> dict[int, IndicatorRow]:
    """The indicator rows below ``header_row`` (columns by canonical header), by Excel row,
    until the first fully blank row; with ``end_row`` (a form's 总分 row), until that row, blank
    rows before it skipped. Sets where the table is (``data.columns``, its header row)."""
    sheet = L.SHEET_INDICATORS
    wanted = (*L.INDICATOR_HEADERS, *L.INDICATOR_OPTIONAL)
    cols = {h: found[h] for h in wanted if h in found}
    data.columns = {h: L.col_letter(c) for h, c in cols.items()}
    data.indicator_header_row = header_row
    # more rows than a table can hold (the grid stopped reading, or the rows go on): one error
    too_many = UnreadableWorkbook.at(data.file, data.sheet(sheet), None, "too-many-rows", limit=L.MAX_INDICATOR_ROWS)
    if grid.truncated:
        raise too_many
    level_cols = [cols[h] for h in (L.I_LEVEL1, L.I_LEVEL2) if h in cols]
    merged = merge_fill(grid, level_cols, header_row + 1)
    year = data.year
    cells = grid.cells
    get = cells.get
    by_header = tuple(cols.items())
    content = tuple((h, c) for h, c in by_header if h != L.I_SEQ)
    merged_levels = tuple((h, cols[h]) for h in (L.I_LEVEL1, L.I_LEVEL2) if h in cols) if merged else ()
    records: dict[int, IndicatorRow] = {}
    last: dict[str, object] = {L.I_LEVEL1: None, L.I_LEVEL2: None}
    row = header_row
    while True:
        row += 1
        if end_row is not None and row >= end_row:
            break
        raw: CellsByHeader = {h: None if (cell := get((row, c))) is None else cell.value for h, c in by_header}
        for h, c in merged_levels:
            if (row, c) in merged:
                raw[h] = merged[(row, c)]
        if _all_blank(raw, content) and not any(
            (cell := cells.get((row, c))) is not None and cell.formula is not None for _, c in content
        ):
            if end_row is not None:
                continue
            break
        if len(records) >= L.MAX_INDICATOR_ROWS:
            raise too_many
        # carry 一级/二级 down over blanks (merged or simply left empty under a heading)
        for h in (L.I_LEVEL1, L.I_LEVEL2):
            if is_blank(raw.get(h)):
                raw[h] = last[h]
            elif h == L.I_LEVEL1 and raw[h] != last[h]:
                last[L.I_LEVEL2] = None
            last[h] = raw.get(h)
        if _skeleton(raw):
            continue  # an unused skeleton row (一级/二级 only) or one marked "/" as not applicable
        na = None if is_budget_line(raw) else not_applicable_mark(raw)
        if na and not _positive(raw.get(L.I_POINTS)):
            continue  # marked not applicable with no points: nothing counts
        records[row] = _indicator_record(data, grid, sheet, row, cols, raw, year, na or None)
    return records


def _all_blank(raw: CellsByHeader, content: tuple[tuple[str, int], ...]) -> bool:
    """``is_blank`` for every content column's value."""
    for h, _ in content:
        v = raw[h]
        if v is not None and (not isinstance(v, str) or v.strip()):
            return False
    return True


def _skeleton(raw: CellsByHeader) -> bool:
    """Nothing but blanks or not-applicable marks in 三级指标, 指标值, 实际完成值, 分值, 申报得分."""
    for h in _SKELETON_HEADERS:
        v = raw.get(h)
        if v is None:
            continue
        if not isinstance(v, str) or (v.strip() and v.strip() not in _NOT_APPLICABLE):
            return False
    return True


_SKELETON_HEADERS = (L.I_NAME, L.I_TARGET, L.I_ACTUAL, L.I_POINTS, L.I_CLAIMED)
_NOT_APPLICABLE = {"/", "／", "—", "-", "－", "——", "无", "不适用", "不涉及", "无此项"}
_NONE_WORD = "无"


def _not_applicable(v: object) -> bool:
    return isinstance(v, str) and v.strip() in _NOT_APPLICABLE


def is_budget_line(raw: CellsByHeader) -> bool:
    """The 预算执行率 line, by its 一级 or 三级指标: its 指标值 is often printed as “—” (the rate
    is computed), which does not make it a not-applicable row."""
    name = raw.get(L.I_NAME)
    return L.canonical_level1(raw.get(L.I_LEVEL1) or "") == L.LEVEL1_BUDGET or (
        isinstance(name, str) and L.is_label(name, L.LEVEL1_BUDGET)
    )


def not_applicable_mark(raw: CellsByHeader) -> str | None:
    """The mark (``/``, ``—``, ``不适用``, ``无``) that says a row does not apply, if any: in 三级指标,
    指标值 or 实际完成值. ``无`` is also an answer: 实际完成值 无 against a target of 无 or 0
    (重大安全事故 无 → 无) means nothing happened, as intended, and is scored as such."""
    name, target, actual = raw.get(L.I_NAME), raw.get(L.I_TARGET), raw.get(L.I_ACTUAL)
    for v in (name, target, actual):
        if isinstance(v, str) and _not_applicable(v) and (v.strip() != _NONE_WORD or v is name):
            return v.strip()
    t_none, a_none = _is_none(target), _is_none(actual)
    if t_none and not (a_none or _is_zero(actual)):
        return _NONE_WORD
    if a_none and not (t_none or _is_zero(target)):
        return _NONE_WORD
    return None


def _is_none(v: object) -> bool:
    return isinstance(v, str) and v.strip() == _NONE_WORD


def _is_zero(v: object) -> bool:
    value = parse_value(v)
    return value.kind == "number" and value.number == 0


def _positive(v: object) -> bool:
    if is_blank(v):
        return False
    try:
        amount = parse_amount(v)
    except (TypeError, ValueError):
        return True  # unreadable points: kept, so the reader reports them
    return amount is None or amount > 0


def _indicator_record(
    data: WorkbookData,
    grid: Grid,
    sheet: str,
    row: int,
    cols: dict[str, int],
    raw: CellsByHeader,
    year: int | None,
    na: str | None,
) -> IndicatorRow:
    """One row's cells parsed and checked; ``na``: the mark that says it does not apply (it is
    then scored by the rule set's na_points, SPEC §3.13)."""
    level2 = cell_text(raw.get(L.I_LEVEL2))
    timely = "时效" in level2
    cells = grid.cells

    def value_of(header: str) -> Value:
        col = cols.get(header)
        if col is None:
            return _BLANK
        cell = cells.get((row, col))
        if cell is None:
            return _BLANK
        if cell.formula is not None:
            # =100% typed into a 指标值 or 实际完成值 cell reads as that text
            if header in (L.I_TARGET, L.I_ACTUAL) and (typed := constant_formula_text(cell.formula)):
                return parse_value(typed, year=year, timely=timely)
            if cell.formula_without_cache:
                data.add(sheet, L.cell_name(row, col), "formula-no-cache", field=header)
                return _BLANK
        return parse_value(cell.value, percent_format=cell.percent, year=year, timely=timely)

    def number_of(header: str) -> float:
        col = cols.get(header)
        if col is None:
            return math.nan
        cell = cells.get((row, col))
        if cell is not None and type(cell.value) is float and not cell.percent:
            x = cell.value
            if abs(x) < MAX_MAGNITUDE and not 0 < abs(x) < MIN_MAGNITUDE:
                return x  # a plain number: what parse_value and the checks below give for it
        v = value_of(header)
        if v.kind == BLANK:
            return math.nan
        if v.kind == NUMBER and v.operator is None and v.unit in ("", "分") and v.number is not None:
            return v.number
        data.add(
            sheet,
            L.cell_name(row, cols[header]),
            "not-a-number",
            field=header,
            value=v.display,
        )
        return math.nan

    operator = parse_operator_word(raw.get(L.I_OPERATOR))
    if operator is None:
        data.add(
            sheet,
            L.cell_name(row, cols[L.I_OPERATOR]),
            "bad-operator",
            value=raw.get(L.I_OPERATOR),
        )
        operator = BAD_OPERATOR
    points = number_of(L.I_POINTS)
    if not math.isnan(points) and points <= 0:
        data.add(
            sheet,
            L.cell_name(row, cols[L.I_POINTS]),
            "bad-points",
            value=cell_text(raw.get(L.I_POINTS)),
        )
        points = math.nan
    return IndicatorRow(
        level1=cell_text(raw.get(L.I_LEVEL1)),
        level2=level2,
        name=cell_text(raw.get(L.I_NAME)),
        operator=operator,
        target=value_of(L.I_TARGET),
        unit=normalize_text(raw.get(L.I_UNIT)) if not is_blank(raw.get(L.I_UNIT)) else "",
        actual=value_of(L.I_ACTUAL),
        points=points,
        claimed=number_of(L.I_CLAIMED),
        reason=cell_text(raw.get(L.I_REASON)),
        source=L.normalize_label(raw.get(L.I_SOURCE)) if L.I_SOURCE in cols else "",
        method=cell_text(raw.get(L.I_METHOD)),
        na=na,
    )


def budget_line(points: float, claimed: float) -> IndicatorRow:
    """The 预算执行率 line of a form that keeps it in its 项目资金 block: its 分值 and 得分 are
    there, its 实际完成值 is the 执行率 the scorer computes, its target 100%."""
    return IndicatorRow(
        level1=L.LEVEL1_BUDGET,
        level2="",
        name=L.LEVEL1_BUDGET,
        operator="",
        target=parse_value("100%"),
        unit="%",
        actual=Value(BLANK),
        points=points,
        claimed=claimed,
    )
