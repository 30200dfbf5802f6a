"""Fill a generated template by header text with openpyxl: how samples, tests and outside
tools put data into the contract's cells (SPEC §2: cells are found by header, not address)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from selfeval_xl._fs import atomic_write
from selfeval_xl.ooxml.ownership import stamp
from selfeval_xl.reading import contract as L
from selfeval_xl.rules.formula import item_key

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet


def _sheet(wb: Workbook, name: str) -> Worksheet:
    from openpyxl.worksheet.worksheet import Worksheet

    ws = wb[name]
    if not isinstance(ws, Worksheet):
        raise ValueError(f"{name}: not a worksheet")
    return ws


def _cell(ws: Worksheet, row: int, column: int) -> Cell:
    """The cell to write at (``row``, ``column``); one inside a merged range cannot take a value."""
    from openpyxl.cell.cell import Cell

    cell = ws.cell(row, column)
    if not isinstance(cell, Cell):
        raise ValueError(f"{ws.title}!{cell.coordinate}: inside a merged range, nothing can be written there")
    return cell


def _header_map(ws: Worksheet) -> tuple[int, dict[str, int]]:
    for r in range(1, L.HEADER_SEARCH_ROWS + 1):
        row = ws[r]
        found = {L.normalize_label(c.value): c.column for c in row if isinstance(c.value, str) and c.column}
        if L.I_NAME in found or L.B_CATEGORY in found or L.D_ITEM in found:
            return r, found
    raise ValueError(f"{ws.title}: header not found")


def _owned(ws: Worksheet, row: int, cols: dict[str, int]) -> bool:
    """A rule-set row of the template: 预算执行率, or a 共性 row."""
    if L.I_SOURCE in cols and L.normalize_label(ws.cell(row, cols[L.I_SOURCE]).value) == L.SOURCE_COMMON:
        return True
    return L.normalize_label(ws.cell(row, cols[L.I_NAME]).value) == L.LEVEL1_BUDGET


def _fit_heights(ws: Worksheet, rows: Sequence[int] | range) -> None:
    """Rows filled with longer text made as tall as their wrapped lines need (the template's
    rows are sized for their hints; a filled-in 项目名称 or 年度总体目标 would print cut off)."""
    from selfeval_xl.outputs import pagesetup as P

    widths = dict.fromkeys(range(1, ws.max_column + 1), 8.43)  # (Excel's default width)
    for dim in ws.column_dimensions.values():  # one entry may stand for a range of columns (min..max)
        if dim.width and dim.min:
            widths.update(dict.fromkeys(range(dim.min, (dim.max or dim.min) + 1), dim.width))
    widths = {c: w for c, w in widths.items() if c <= ws.max_column}
    for r in rows:
        texts = [(c, v) for c in widths if isinstance(v := ws.cell(r, c).value, str) and v]
        lines = max((P.lines_needed(v, widths[c]) for c, v in texts), default=1)
        if lines > 1 and (ws.row_dimensions[r].height or 0) < (need := P.row_height(lines)):
            ws.row_dimensions[r].height = need


def put(cell: Cell, value: Any) -> None:
    """Write a value; text that starts with ``=`` stays text (openpyxl would make it a formula)."""
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"


def fill_workbook(
    template: Path | str,
    out: Path | str,
    info: Mapping[str, Any],
    budget: Mapping[str, Sequence[Any]] | None = None,
    indicators: Sequence[Mapping[str, Any]] = (),
    keep_budget_row: bool = True,
    dept_data: Mapping[str, Any] | None = None,
    owned: Mapping[str, Mapping[str, Any]] | None = None,
    ours: bool = False,
) -> Path:
    """Copy ``template`` to ``out`` with 基本信息 values by label, 预算执行 amounts by 资金类别
    (``(年初, 全年预算, 全年执行)``), 部门整体数据 values by item, and indicator rows (dicts
    keyed by header text) written below the rule set's own rows (预算执行率, 共性指标); cells of
    those rows are set from ``owned`` (三级指标 → {header: value}, e.g. their 申报得分).
    Skeleton rows are cleared first."""
    import openpyxl  # loaded only when filling (it pulls in numpy)

    wb = openpyxl.load_workbook(template)
    ws = _sheet(wb, L.SHEET_INFO)
    filled = []
    for r in range(1, ws.max_row + 1):
        label = L.normalize_label(ws.cell(r, 1).value)
        if label in info:
            put(_cell(ws, r, 2), info[label])
            filled.append(r)
    _fit_heights(ws, filled)
    ws = _sheet(wb, L.SHEET_BUDGET)
    header_row, cols = _header_map(ws)
    for r in range(header_row + 1, ws.max_row + 1):
        cat = L.normalize_label(ws.cell(r, cols[L.B_CATEGORY]).value)
        if budget and cat in budget:
            for header, value in zip((L.B_INITIAL, L.B_ADJUSTED, L.B_EXECUTED), budget[cat], strict=False):
                put(_cell(ws, r, cols[header]), value)
    if dept_data:
        ws = _sheet(wb, L.SHEET_DEPT_DATA)
        header_row, cols = _header_map(ws)
        wanted = {item_key(k): v for k, v in dept_data.items()}
        for r in range(header_row + 1, ws.max_row + 1):
            key = item_key(ws.cell(r, cols[L.D_ITEM]).value)
            if key in wanted:
                put(_cell(ws, r, cols[L.D_VALUE]), wanted[key])
    ws = _sheet(wb, L.SHEET_INDICATORS)
    header_row, cols = _header_map(ws)
    first = header_row + 1
    while keep_budget_row and _owned(ws, first, cols):
        name = ws.cell(first, cols[L.I_NAME]).value
        for header, value in (owned or {}).get(str(name), {}).items():
            put(_cell(ws, first, cols[header]), value)
        first += 1
    for r in range(first, ws.max_row + 1):
        for c in cols.values():
            _cell(ws, r, c).value = None
    for i, rec in enumerate(indicators):
        for header, value in rec.items():
            if header in cols:
                put(_cell(ws, first + i, cols[header]), value)
        if L.I_SEQ in cols and L.I_SEQ not in rec:
            ws.cell(first + i, cols[L.I_SEQ], first + i - header_row)
    _fit_heights(ws, range(first, first + len(indicators)))
    out = Path(out)

    def write(tmp: Path) -> None:
        wb.save(tmp)
        if ours:  # a file the user receives from us (convert), not a user's filled workbook
            stamp(tmp)

    atomic_write(out, write)
    return out
