"""The indicator table below its header row into ``IndicatorRow``s: 一级/二级 carried down over
merged and blank cells, skeleton and not-applicable rows left out, every cell parsed and checked."""

from __future__ import annotations

import bisect
import functools
import math
import re
import unicodedata

from selfeval_xl.errors import UnreadableWorkbook
from selfeval_xl.ooxml.package import Cell, Grid
from selfeval_xl.reading import contract as L
from selfeval_xl.reading.cells import constant_formula_text, merge_fill
from selfeval_xl.reading.rows import IndicatorRow
from selfeval_xl.reading.values import (
    BLANK,
    MAX_MAGNITUDE,
    MIN_MAGNITUDE,
    TEXT,
    Value,
    cell_text,
    is_blank,
    labelled_figure,
    parse_amount,
    parse_operator_word,
    parse_value,
    points_number,
    unit_word,
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
    # more rows than a table can hold (the rows go on, or past where the grid stopped reading):
    # one error. A sheet read only in part is read well enough when its table ends above the
    # part (a stray cell or a row height at row 1,048,576 is no ten thousand indicators).
    too_many = UnreadableWorkbook.at(data.file, data.sheet(sheet), None, "too-many-rows", limit=L.MAX_INDICATOR_ROWS)
    read_to = grid.complete_rows if grid.truncated else None
    # merged cells read as if the value were in every merged row: 一级/二级 (SPEC §2.4), and one
    # 偏差原因 cell printed over the several rows it explains
    spread = tuple(h for h in (L.I_LEVEL1, L.I_LEVEL2, L.I_REASON) if h in cols)
    merged = merge_fill(grid, [cols[h] for h in spread], header_row + 1)
    year = data.year
    cells = grid.cells
    get = cells.get
    by_header = tuple(cols.items())
    content = tuple((h, c) for h, c in by_header if h != L.I_SEQ)
    merged_levels = tuple((h, cols[h]) for h in spread) if merged else ()
    records: dict[int, IndicatorRow] = {}
    last1: object = None  # 一级 and 二级 carried down
    last2: object = None
    row = header_row
    while True:
        row += 1
        if end_row is not None and row >= end_row:
            break
        if read_to is not None and row > read_to:
            raise too_many
        raw: CellsByHeader = {h: None if (cell := get((row, c))) is None else cell.value for h, c in by_header}
        for h, c in merged_levels:
            if (row, c) in merged:
                raw[h] = merged[(row, c)]
        if _all_blank(raw, content) and not any(
            (cell := cells.get((row, c))) is not None and cell.formula is not None for _, c in content
        ):
            if end_row is not None:
                continue
            _rows_below(data, grid, row, cols)
            break
        if end_row is None and _note_line(raw):
            break  # 填表人：… | 联系电话：… right under a table with no 总分 row: the table ended
        if len(records) >= L.MAX_INDICATOR_ROWS:
            raise too_many
        # carry 一级/二级 down over blanks (merged or simply left empty under a heading); a new
        # 一级 starts with no 二级
        v = raw.get(L.I_LEVEL1)
        if is_blank(v):
            raw[L.I_LEVEL1] = v = last1
        elif v != last1:
            last2 = None
        last1 = v
        v = raw.get(L.I_LEVEL2)
        if is_blank(v):
            raw[L.I_LEVEL2] = v = last2
        last2 = v
        if _skeleton(raw):
            continue  # an unused skeleton row (一级/二级 only) or one marked "/" as not applicable
        na = None if is_budget_line(raw) else not_applicable_mark(raw)
        if na and not _positive(raw.get(L.I_POINTS)):
            continue  # marked not applicable with no points: nothing counts
        records[row] = _indicator_record(data, grid, sheet, row, cols, raw, year, na or None)
    if merged and L.I_REASON in cols:
        _merged_reason_cells(data, grid, cols[L.I_REASON], records)
    return records


def _merged_reason_cells(data: WorkbookData, grid: Grid, col: int, records: dict[int, IndicatorRow]) -> None:
    """Where each row's 偏差原因 is typed when one cell is merged down over several rows: the
    merge's first cell (the others are hidden and empty), so that a report cites it and a
    missing reason is asked there."""
    rows = sorted(records)  # (only the table's rows: a merge down to row 1,048,576 costs no more)
    for r1, c1, r2, c2 in grid.merges:
        if c1 <= col <= c2 and r2 > r1:
            top = L.cell_name(r1, c1)
            for r in rows[bisect.bisect_right(rows, r1) : bisect.bisect_right(rows, r2)]:
                data.cell_overrides.setdefault((r, L.I_REASON), top)


_LOOK_BELOW = 10  # rows under the blank one looked at (the points total falls short however far down)


def _rows_below(data: WorkbookData, grid: Grid, blank: int, cols: dict[str, int]) -> None:
    """The table ends at its first fully blank row (SPEC §2.4); indicators typed below it (a 三级指标
    or a 分值) are not read, and the unit is told where, not only that the points fall short."""
    where = [c for h in (L.I_NAME, L.I_POINTS) if (c := cols.get(h)) is not None]

    def filled(r: int) -> bool:
        if not any(not is_blank(grid.value(r, c)) for c in where):
            return False
        return not _note_line({h: grid.value(r, c) for h, c in cols.items()})  # (填表人：… is no indicator)

    # looked for in the rows just below first (every workbook's table ends at a blank row; the
    # rows under it are the template's empty ones), then counted down to the sheet's last row
    cells = grid.cells
    if not any((r, c) in cells for r in range(blank + 1, blank + 1 + _LOOK_BELOW) for c in where):
        return  # (no cell at all there: the usual end of a table)
    if not any(map(filled, range(blank + 1, blank + 1 + _LOOK_BELOW))):
        return
    below = [r for r in range(blank + 1, min(grid.max_row, blank + L.MAX_INDICATOR_ROWS) + 1) if filled(r)]
    if below:
        cell = f"{L.col_letter(min(cols.values()))}{blank}"
        data.add(L.SHEET_INDICATORS, cell, "rows-after-blank", blank=blank, first=below[0], n=len(below))


def _all_blank(raw: CellsByHeader, content: tuple[tuple[str, int], ...]) -> bool:
    """``is_blank`` for every content column's value."""
    for h, _ in content:
        v = raw[h]
        if v is not None and (not isinstance(v, str) or v.strip()):
            return False
    return True


def _note_line(raw: CellsByHeader) -> bool:
    """A signature line (``填表人：张三``, ``联系电话：…``, ``说明：…`` starting a cell) with no 分值."""
    points = raw.get(L.I_POINTS)
    if type(points) is float and abs(points) < MAX_MAGNITUDE and not 0 < abs(points) < MIN_MAGNITUDE:
        return False  # a plain number (as ``_number`` takes it): an indicator's 分值, no need to look
    if not any(isinstance(v, str) and L.FORM_NOTE_LINE.match(v) for v in raw.values()):
        return False
    return is_blank(points) or points_number(parse_value(points)) is None  # (10, "10分": an indicator's)


def _skeleton(raw: CellsByHeader) -> bool:
    """Nothing but blanks or not-applicable marks in 三级指标, 指标值, 实际完成值, 分值, 申报得分
    (a 三级指标 that is only the form's printed slot, ``指标2：`` or ``……``, counts as blank)."""
    for h in _SKELETON_HEADERS:
        v = raw.get(h)
        if v is None:
            continue
        if not isinstance(v, str):
            return False
        text = slot_free(v) if h == L.I_NAME else v.strip()
        if text and text not in _NOT_APPLICABLE:
            return False
    return True


# the numbered slots the official form prints in its 三级指标 column (财预〔2020〕10号 附件:
# 指标1：, 指标2：, …… under each 二级指标), after NFKC (１ → 1, ： → :, …… → ......)
# (with its colon: a name typed 指标3 is a name)
_SLOT_LABEL = re.compile(r"\s*指标\s*(?:\d+|[一二三四五六七八九十]+)\s*:\s*")
_ELLIPSIS = re.compile(r"[.。·・⋯]+")
_SLOT_STARTS = frozenset("指…⋯.．。·・")  # (the first character of a slot, before NFKC)


def slot_free(name: str) -> str:
    """A 三级指标 without the slot label the form printed before it (``指标1：/`` → ``/``); ""
    for a slot left unused (``指标2：``, ``……``, ``...``)."""
    text = name.strip()
    if text[:1] not in _SLOT_STARTS:
        return text  # (most names: no slot, no need to normalise)
    text = unicodedata.normalize("NFKC", text)
    if (m := _SLOT_LABEL.match(text)) is not None:
        text = text[m.end() :]
    return "" if _ELLIPSIS.fullmatch(text) else text.strip()


_SKELETON_HEADERS = (L.I_NAME, L.I_TARGET, L.I_ACTUAL, L.I_POINTS, L.I_CLAIMED)
_NOT_APPLICABLE = {"/", "／", "—", "-", "－", "——", "无", "不适用", "不涉及", "无此项"}
_NONE_WORD = "无"


def is_budget_line(raw: CellsByHeader) -> bool:
    """The 预算执行率 line, by its 一级 or 三级指标: its 指标值 is often printed as “—” (the rate
    is computed), which does not make it a not-applicable row."""
    name = raw.get(L.I_NAME)
    return _budget_level1(raw.get(L.I_LEVEL1) or "") or (isinstance(name, str) and L.is_label(name, L.LEVEL1_BUDGET))


@functools.lru_cache(maxsize=1024, typed=True)  # (typed: 1, 1.0 and True read as different texts)
def _budget_level1(level1: object) -> bool:
    """Whether a 一级指标 cell names the 预算执行率 line (the same few in every row)."""
    return L.canonical_level1(level1) == L.LEVEL1_BUDGET


def not_applicable_mark(raw: CellsByHeader) -> str | None:
    """The mark (``/``, ``—``, ``不适用``, ``无``) that says a row does not apply, if any: in 三级指标,
    指标值 or 实际完成值. ``无`` is also an answer: 实际完成值 无 against a target of 无 or 0
    (重大安全事故 无 → 无) means nothing happened, as intended, and is scored as such; a target
    无 answered (有, 发生1起) and 无 against a target 有 are scored too (未达成). 无 is a mark
    only in a row whose other value is blank, or (实际完成值 无) against any other target."""
    name, target, actual = raw.get(L.I_NAME), raw.get(L.I_TARGET), raw.get(L.I_ACTUAL)
    t_none = a_none = False
    for column, v in enumerate((name, target, actual)):  # by column: equal texts may be one object
        if isinstance(v, str):
            mark = slot_free(v) if column == 0 else v.strip()  # (指标1：/ is marked “/”)
            if mark in _NOT_APPLICABLE:
                if mark != _NONE_WORD or column == 0:
                    return mark
                if column == 1:
                    t_none = True
                else:
                    a_none = True
    # an answer to 有/无 is no mark: 实际完成值 有 (or 发生1起) against 无, 无 against 有, is scored
    # (未达成), where leaving the row out would spare a unit that admits the target was missed
    if t_none and is_blank(actual):
        return _NONE_WORD
    if a_none and not (t_none or _is_zero(target)) and cell_text(target) != _YES_WORD:
        return _NONE_WORD
    return None


_YES_WORD = "有"


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
    then scored by the rule set's na_points, SPEC §3.13). (~60 rows a workbook: the common
    cells, a text or a plain number, take the short way; ``_value`` and ``_number`` do the rest.)"""
    get = raw.get
    level2 = cell_text(get(L.I_LEVEL2))
    timely = "时效" in level2
    at: _RowAt = (data, grid.cells, sheet, row, cols, year, timely)
    operator = parse_operator_word(get(L.I_OPERATOR))
    if operator is None:
        data.add(
            sheet,
            L.cell_name(row, cols[L.I_OPERATOR]),
            "bad-operator",
            value=get(L.I_OPERATOR),
        )
        operator = BAD_OPERATOR
    points = _number(at, L.I_POINTS)
    if not math.isnan(points) and points <= 0:
        data.add(
            sheet,
            L.cell_name(row, cols[L.I_POINTS]),
            "bad-points",
            value=cell_text(get(L.I_POINTS)),
        )
        points = math.nan
    unit = get(L.I_UNIT)
    name = cell_text(get(L.I_NAME))
    target, actual = _value(at, L.I_TARGET), _value(at, L.I_ACTUAL)
    if target.kind == TEXT or actual.kind == TEXT:
        # 满意度95%, 完成率100% (the unit repeated the indicator's name): the figure after the label
        target, actual = labelled_figure(target, name, year, timely), labelled_figure(actual, name, year, timely)
    return IndicatorRow(
        cell_text(get(L.I_LEVEL1)),
        level2,
        name,
        operator,
        target,
        unit_word(unit) if not is_blank(unit) else "",
        actual,
        points,
        _number(at, L.I_CLAIMED),
        cell_text(get(L.I_REASON)),
        L.normalize_label(get(L.I_SOURCE)) if L.I_SOURCE in cols else "",
        cell_text(get(L.I_METHOD)),
        na,
        cell_text(get(L.I_OPERATOR)),
    )


# A row as ``_value`` and ``_number`` read it: where its problems go (data, sheet, row), its
# cells and columns, and what its values are parsed with (the year, whether it is a 时效
# indicator). A plain tuple: one is made for every row.
_RowAt = tuple[WorkbookData, dict[tuple[int, int], Cell], str, int, dict[str, int], int | None, bool]


def _value(at: _RowAt, header: str) -> Value:
    """The cell under ``header`` parsed (``parse_value``); blank when there is none, and a
    formula never calculated reported."""
    data, cells, sheet, row, cols, year, timely = at
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


def _number(at: _RowAt, header: str) -> float:
    """The number under ``header`` (分值, 申报得分); NaN when blank, and anything that is no
    plain number reported."""
    data, cells, sheet, row, cols, _, _ = at
    col = cols.get(header)
    if col is None:
        return math.nan
    cell = cells.get((row, col))
    if cell is not None and type(cell.value) is float and not cell.percent:
        x = cell.value
        if abs(x) < MAX_MAGNITUDE and not 0 < abs(x) < MIN_MAGNITUDE:
            return x  # a plain number: what parse_value and the checks below give for it
    v = _value(at, header)
    if v.kind == BLANK:
        return math.nan
    if (number := points_number(v)) is not None:
        return number
    data.add(
        sheet,
        L.cell_name(row, cols[header]),
        "not-a-number",
        field=header,
        value=v.display,
    )
    return math.nan


def budget_line(points: float, claimed: float, rate: Value = _BLANK) -> IndicatorRow:
    """The 预算执行率 line of a form that keeps it in its 项目资金 block: its 分值 and 得分 are
    there, its 实际完成值 the 执行率 printed there (``rate``: the scorer computes the rate and
    warns when the printed one differs), its target 100%."""
    return IndicatorRow(
        level1=L.LEVEL1_BUDGET,
        level2="",
        name=L.LEVEL1_BUDGET,
        operator="",
        target=parse_value("100%"),
        unit="%",
        actual=rate,
        points=points,
        claimed=claimed,
    )
