"""A filled workbook → ``WorkbookData``: typed facts, budget rows and the indicator table as a
DataFrame whose index is the Excel row. Cell-level trouble becomes ``Problem``s; only a file that
cannot be read at all raises ``UnreadableWorkbook``."""

from __future__ import annotations

from pathlib import Path

from selfeval_xl.errors import UnreadableWorkbook
from selfeval_xl.ooxml.package import Book, Grid, open_book
from selfeval_xl.reading import contract as L
from selfeval_xl.reading.cells import cell_value, is_blank
from selfeval_xl.reading.indicator_table import read_indicator_table
from selfeval_xl.reading.review_columns import read_review_sheet
from selfeval_xl.reading.values import BLANK, Value, cell_text, parse_amount, parse_value, parse_year
from selfeval_xl.reading.workbook_data import BudgetRow, DataEntry, WorkbookData
from selfeval_xl.rules.formula import item_key


def read_workbook(path: Path | str, display: str | None = None) -> WorkbookData:
    """Read one workbook. Raises ``UnreadableWorkbook`` only when it cannot be read at all."""
    path = Path(path)
    book = open_book(path, display)
    data = WorkbookData(path=path, file=display or path.name)
    _map_sheets(book, data)
    _read_meta(book, data)
    _read_info(book, data)
    _read_budget(book, data)
    _read_dept_data(book, data)
    _read_indicators(book, data)
    data.review = read_review_sheet(book)
    return data


def _map_sheets(book: Book, data: WorkbookData) -> None:
    by_norm = {L.normalize_label(n): n for n in book.sheet_names}
    if L.SHEET_META in book.sheet_names:
        data.sheet_names[L.SHEET_META] = L.SHEET_META
    for name in (L.SHEET_INFO, L.SHEET_BUDGET, L.SHEET_INDICATORS, L.SHEET_DEPT_DATA):
        if name in by_norm:
            data.sheet_names[name] = by_norm[name]
    for name in (L.SHEET_INFO, L.SHEET_BUDGET, L.SHEET_INDICATORS):
        if name not in data.sheet_names:
            raise UnreadableWorkbook.at(data.file, None, None, "missing-sheet", name=name)


def _read_meta(book: Book, data: WorkbookData) -> None:
    if L.SHEET_META not in data.sheet_names:
        return
    grid = book.sheet(data.sheet(L.SHEET_META))
    for r in grid.rows():
        key, value = grid.value(r, 0), grid.value(r, 1)
        if key is not None:
            data.meta[str(key)] = "" if value is None else str(value)


def _find_header(
    grid: Grid,
    data: WorkbookData,
    sheet: str,
    required: tuple[str, ...],
    aliases: dict[str, str],
) -> tuple[int, dict[str, int]]:
    """The header row (1-based) and header → column index, searched in the first 10 rows."""
    best: tuple[int, dict[str, int]] = (0, {})
    by_row: dict[int, dict[str, int]] = {}
    for (row, col), cell in sorted(grid.cells.items()):
        if row <= L.HEADER_SEARCH_ROWS and isinstance(cell.value, str):
            h = L.canonical_header(cell.value, aliases)
            if h:
                by_row.setdefault(row, {}).setdefault(h, col)
    for r in range(1, L.HEADER_SEARCH_ROWS + 1):
        found = by_row.get(r, {})
        hits = sum(1 for h in required if h in found)
        if hits == len(required):
            return r, found
        if hits > sum(1 for h in required if h in best[1]):
            best = (r, found)
    missing = next(h for h in required if h not in best[1])
    raise UnreadableWorkbook.at(data.file, data.sheet(sheet), None, "missing-header", header=missing)


def _read_info(book: Book, data: WorkbookData) -> None:
    sheet = L.SHEET_INFO
    grid = book.sheet(data.sheet(sheet))
    labels = set(L.INFO_LABELS)
    for (row, col), cell in sorted(grid.cells.items()):
        if col > 3 or not isinstance(cell.value, str):
            continue
        label = L.normalize_label(cell.value)
        if label not in labels or label in data.info_cells:
            continue
        data.info_cells[label] = L.cell_name(row, col + 1)
        value_cell = cell_value(data, sheet, grid, row, col + 1, label)
        value = None if value_cell is None else value_cell.value
        if isinstance(value, str):
            value = value.strip() or None
        data.info[label] = value
    _check_info(data)


def _check_info(data: WorkbookData) -> None:
    sheet = L.SHEET_INFO
    info = data.info

    def where(label: str) -> str:
        return data.info_cells.get(label, "A1")

    kind = info.get(L.INFO_KIND)
    if kind is None:
        if not data.cell_has_error(sheet, where(L.INFO_KIND)):
            data.add(
                sheet,
                data.info_cells.get(L.INFO_KIND),
                "missing-value",
                field=L.INFO_KIND,
            )
    else:
        norm = L.normalize_label(kind)
        if norm not in L.KINDS:
            data.add(
                sheet,
                where(L.INFO_KIND),
                "bad-kind",
                value=kind,
                accepted="、".join(L.KINDS),
            )
            info[L.INFO_KIND] = None
        else:
            info[L.INFO_KIND] = norm
    year = info.get(L.INFO_YEAR)
    if year is None:
        if not data.cell_has_error(sheet, where(L.INFO_YEAR)):
            data.add(
                sheet,
                data.info_cells.get(L.INFO_YEAR),
                "missing-value",
                field=L.INFO_YEAR,
            )
    else:
        number = parse_year(year)  # 2023, 2023年, 2023年度, ２０２３
        if number is None:
            data.add(sheet, where(L.INFO_YEAR), "bad-year", value=year)
        info[L.INFO_YEAR] = number
    required = [L.INFO_UNIT] + ([L.INFO_PROJECT] if info.get(L.INFO_KIND) == L.KIND_PROJECT else [])
    for label in required:
        if info.get(label) is None and not data.cell_has_error(sheet, where(label)):
            data.add(sheet, data.info_cells.get(label), "missing-value", field=label)
    unit = info.get(L.INFO_AMOUNT_UNIT)
    if unit is not None:
        norm = L.normalize_label(unit)
        if norm in L.AMOUNT_UNITS:
            info[L.INFO_AMOUNT_UNIT] = norm
        else:
            data.add(sheet, where(L.INFO_AMOUNT_UNIT), "bad-amount-unit", value=unit)
            info[L.INFO_AMOUNT_UNIT] = "万元"
    claimed = info.get(L.INFO_CLAIMED_TOTAL)
    if claimed is not None:
        try:
            info[L.INFO_CLAIMED_TOTAL] = parse_amount(claimed)
        except ValueError:
            data.add(
                sheet,
                where(L.INFO_CLAIMED_TOTAL),
                "not-a-number",
                field=L.INFO_CLAIMED_TOTAL,
                value=claimed,
            )
            info[L.INFO_CLAIMED_TOTAL] = None
    for label in (
        L.INFO_UNIT,
        L.INFO_UNIT_CODE,
        L.INFO_PARENT,
        L.INFO_PROJECT,
        L.INFO_GOAL,
        L.INFO_ACHIEVED,
    ):
        if info.get(label) is not None:
            value = info[label]
            if isinstance(value, float) and value.is_integer():
                value = int(value)  # a 单位编码 typed as a number
            info[label] = str(value)


def _read_budget(book: Book, data: WorkbookData) -> None:
    sheet = L.SHEET_BUDGET
    grid = book.sheet(data.sheet(sheet))
    header_row, cols = _find_header(grid, data, sheet, L.BUDGET_HEADERS, L.BUDGET_HEADER_ALIASES)
    data.budget_columns = {h: L.col_letter(cols[h]) for h in L.BUDGET_HEADERS}
    data.budget_header_row = header_row
    aliases = L.BUDGET_ROW_ALIASES
    for row in grid.rows():
        if row <= header_row:
            continue
        label = L.canonical_header(grid.value(row, cols[L.B_CATEGORY]), aliases)
        if label not in L.BUDGET_ROWS or label in data.budget:
            continue
        entry = BudgetRow(label, row)
        for header, attr in L.BUDGET_AMOUNTS:
            cell = cell_value(data, sheet, grid, row, cols[header], header)
            if cell is None:
                continue
            try:
                amount = parse_amount(cell.value, cell.percent, data.info.get(L.INFO_AMOUNT_UNIT) or "万元")
            except ValueError:
                data.add(
                    sheet,
                    L.cell_name(row, cols[header]),
                    "not-a-number",
                    field=f"{label}{header}",
                    value=cell.value,
                )
                continue
            setattr(entry, attr, amount)
        data.budget[label] = entry
        rate_col = cols.get(L.B_RATE_DISPLAY)
        cell = grid.get(row, rate_col) if rate_col is not None else None
        if label == L.B_TOTAL and cell is not None and cell.formula and isinstance(cell.value, int | float):
            # a saved result of the template's display formula; compared after scoring
            data.budget_rate_cache = (L.cell_name(row, rate_col), cell.value * 100 if cell.percent else cell.value)


def _read_dept_data(book: Book, data: WorkbookData) -> None:
    """部门整体数据 (SPEC §2.3): item → value, read whatever the kind; the rule set decides what
    it needs. A missing sheet is only a problem when a formula needs an item from it."""
    sheet = L.SHEET_DEPT_DATA
    if sheet not in data.sheet_names:
        return
    grid = book.sheet(data.sheet(sheet))
    header_row, cols = _find_header(grid, data, sheet, L.DEPT_DATA_HEADERS, {})
    data.dept_data_header = L.cell_name(header_row, cols[L.D_VALUE])
    for row in grid.rows():
        if row <= header_row:
            continue
        name = grid.value(row, cols[L.D_ITEM])
        if is_blank(name):
            continue
        key = item_key(name)
        if key in data.dept_data:
            continue
        cell = cell_value(data, sheet, grid, row, cols[L.D_VALUE], cell_text(name))
        value = Value(BLANK) if cell is None else parse_value(cell.value, percent_format=cell.percent)
        data.dept_data[key] = DataEntry(cell_text(name), value, L.cell_name(row, cols[L.D_VALUE]))


def _read_indicators(book: Book, data: WorkbookData) -> None:
    sheet = L.SHEET_INDICATORS
    grid = book.sheet(data.sheet(sheet))
    header_row, found = _find_header(grid, data, sheet, L.INDICATOR_REQUIRED, L.INDICATOR_HEADER_ALIASES)
    read_indicator_table(data, grid, header_row, found)
