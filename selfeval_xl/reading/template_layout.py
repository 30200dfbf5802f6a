"""Our template's layout (基本信息, 预算执行, 部门整体数据, 绩效指标, _meta sheets) recognised by its
sheet names and read into ``WorkbookData``. Cell-level trouble becomes ``Problem``s; only a
workbook that cannot be read at all raises ``UnreadableWorkbook``."""

from __future__ import annotations

from selfeval_xl.errors import UnreadableWorkbook
from selfeval_xl.ooxml.package import Book, Grid
from selfeval_xl.reading import contract as L
from selfeval_xl.reading.cells import budget_row, cell_value, unlisted_amounts
from selfeval_xl.reading.headers import Header, find_header, first_missing
from selfeval_xl.reading.indicator_table import read_indicator_table
from selfeval_xl.reading.values import BLANK, Value, cell_text, is_blank, parse_points, parse_value, parse_year
from selfeval_xl.reading.workbook_data import DataEntry, Found, WorkbookData


def find_template(book: Book) -> Found | None:
    """Our template's sheets (基本信息, 预算执行, 绩效指标; _meta and 部门整体数据 when there), names
    matched as labels are; None when one of the three is missing."""
    by_norm = {L.normalize_label(n): n for n in book.sheet_names}
    sheets = {L.SHEET_META: L.SHEET_META} if L.SHEET_META in book.sheet_names else {}
    for name in (L.SHEET_INFO, L.SHEET_BUDGET, L.SHEET_INDICATORS, L.SHEET_DEPT_DATA):
        if name in by_norm:
            sheets[name] = by_norm[name]
    return Found(sheets) if all(name in sheets for name in L.TEMPLATE_SHEETS) else None


_SHEETS_NAMED = 12  # sheets named in a missing-sheet message; more are counted


def not_a_template(book: Book, file: str) -> UnreadableWorkbook:
    """The error for a workbook read as our template that is not one: its first missing sheet,
    and the sheets it has (a renamed 绩效指标表 or Sheet1 is then plain to see), but for our hidden
    ``_meta``."""
    names = {L.normalize_label(n) for n in book.sheet_names}
    missing = next((name for name in L.TEMPLATE_SHEETS if name not in names), L.SHEET_INFO)
    shown = [n for n in book.sheet_names if n != L.SHEET_META]
    sheets = "、".join(f"“{n}”" for n in shown[:_SHEETS_NAMED]) or "无"
    if len(shown) > _SHEETS_NAMED:
        sheets += f" 等 {len(shown)} 张"
    return UnreadableWorkbook.at(file, None, None, "missing-sheet", name=missing, sheets=sheets)


def read_template(book: Book, data: WorkbookData, found: Found) -> None:
    """Our template's sheets into ``data`` (its ``sheet_names`` already set from ``found``)."""
    _read_meta(book, data)
    _read_info(book, data)
    _read_budget(book, data)
    _read_dept_data(book, data)
    _read_indicators(book, data)


def _header(grid: Grid, data: WorkbookData, sheet: str, required: tuple[str, ...], aliases: dict[str, str]) -> Header:
    """The header row of one of the template's sheets; ``missing-header`` when it has none."""
    found = find_header(grid, required, aliases)
    if found is None:
        missing = first_missing(grid, required, aliases)
        raise UnreadableWorkbook.at(data.file, data.sheet(sheet), None, "missing-header", header=missing)
    return found


def _read_meta(book: Book, data: WorkbookData) -> None:
    if L.SHEET_META not in data.sheet_names:
        return
    grid = book.sheet(data.sheet(L.SHEET_META))
    for r in grid.rows():
        key, value = grid.value(r, 0), grid.value(r, 1)
        if key is not None:
            data.meta[str(key)] = "" if value is None else str(value)


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
            info[L.INFO_CLAIMED_TOTAL] = parse_points(claimed)  # 97, 97分 (as a row's 申报得分)
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
    header_row, cols = _header(grid, data, sheet, L.BUDGET_HEADERS, L.BUDGET_HEADER_ALIASES)
    data.budget_columns = {h: L.col_letter(cols[h]) for h in L.BUDGET_HEADERS}
    data.budget_header_row = header_row
    aliases = L.BUDGET_ROW_ALIASES
    for row in grid.rows():
        if row <= header_row:
            continue
        label = L.canonical_header(grid.value(row, cols[L.B_CATEGORY]), aliases)
        if label not in L.BUDGET_ROWS or label in data.budget:
            if label and label not in L.BUDGET_ROWS and (amounts := unlisted_amounts(data, grid, row, cols)):
                data.budget_unlisted.append(amounts)  # (a line the unit added: 其中：中央资金)
            continue
        data.budget[label] = budget_row(data, grid, row, label, cols)
        rate_col = cols.get(L.B_RATE_DISPLAY)
        cell = grid.get(row, rate_col) if rate_col is not None and label == L.B_TOTAL else None
        if rate_col is not None and cell is not None and cell.formula and isinstance(cell.value, int | float):
            # a saved result of the template's display formula; compared after scoring
            data.budget_rate_cache = (L.cell_name(row, rate_col), cell.value * 100 if cell.percent else cell.value)


def _read_dept_data(book: Book, data: WorkbookData) -> None:
    """部门整体数据 (SPEC §2.3): item → value, read whatever the kind; the rule set decides what
    it needs. A missing sheet is only a problem when a formula needs an item from it."""
    sheet = L.SHEET_DEPT_DATA
    if sheet not in data.sheet_names:
        return
    grid = book.sheet(data.sheet(sheet))
    header_row, cols = _header(grid, data, sheet, L.DEPT_DATA_HEADERS, {})
    data.dept_data_header = L.cell_name(header_row, cols[L.D_VALUE])
    for row in grid.rows():
        if row <= header_row:
            continue
        name = grid.value(row, cols[L.D_ITEM])
        if is_blank(name):
            continue
        key = L.item_key(name)
        cell = cell_value(data, sheet, grid, row, cols[L.D_VALUE], cell_text(name))
        value = Value(BLANK) if cell is None else parse_value(cell.value, percent_format=cell.percent)
        where = L.cell_name(row, cols[L.D_VALUE])
        if (first := data.dept_data.get(key)) is not None:
            if value.display != first.value.display:  # (the same value twice is no question)
                data.add(
                    sheet,
                    where,
                    "data-item-twice",
                    item=first.name,
                    first=first.cell,
                    first_value=first.value.display or "空白",
                    second=where,
                    second_value=value.display or "空白",
                )
            continue  # the first is used
        data.dept_data[key] = DataEntry(cell_text(name), value, where)


def _read_indicators(book: Book, data: WorkbookData) -> None:
    sheet = L.SHEET_INDICATORS
    grid = book.sheet(data.sheet(sheet))
    header_row, found = _header(grid, data, sheet, L.INDICATOR_REQUIRED, L.INDICATOR_HEADER_ALIASES)
    data.records = read_indicator_table(data, grid, header_row, found)
