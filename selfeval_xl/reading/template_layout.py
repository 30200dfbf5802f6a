"""A filled workbook → ``WorkbookData``: typed facts, budget rows and the indicator table as a
DataFrame whose index is the Excel row. Cell-level trouble becomes ``Problem``s; only a file that
cannot be read at all raises ``UnreadableWorkbook``."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas loads in ~0.4 s; only the DataFrame views need it
    import pandas as pd
from selfeval_xl.errors import Problem, UnreadableWorkbook
from selfeval_xl.ooxml.package import Book, Cell, Grid, open_book
from selfeval_xl.reading import contract as L
from selfeval_xl.reading.review_columns import Review, read_review_sheet
from selfeval_xl.reading.rows import IndicatorRow
from selfeval_xl.reading.values import (
    BLANK,
    Value,
    cell_text,
    normalize_text,
    parse_amount,
    parse_operator_word,
    parse_value,
    parse_year,
)
from selfeval_xl.rules.formula import item_key

INDICATOR_FIELDS = [
    "level1",
    "level2",
    "name",
    "operator",
    "target",
    "unit",
    "actual",
    "points",
    "claimed",
    "reason",
    "source",
    "method",
]
BAD_OPERATOR = "?"  # an unrecognised 指标性质, already reported; the row scores 0


@dataclass
class BudgetRow:
    """One 资金类别 row, amounts in the workbook's own unit (None = blank)."""

    category: str
    row: int
    initial: float | None = None
    adjusted: float | None = None
    executed: float | None = None


@dataclass
class DataEntry:
    """One 部门整体数据 row: the item as written, its parsed value and where it is."""

    name: str
    value: Value
    cell: str  # the 数值 cell, e.g. B5


@dataclass
class WorkbookData:
    """What was read from one workbook."""

    path: Path
    file: str
    info: dict[str, Any] = field(default_factory=dict)
    info_cells: dict[str, str] = field(default_factory=dict)
    budget: dict[str, BudgetRow] = field(default_factory=dict)
    budget_columns: dict[str, str] = field(default_factory=dict)
    budget_header_row: int | None = None  # the 资金类别 | 年初预算数 | … header (a form's 项目资金 block)
    records: dict[int, IndicatorRow] = field(default_factory=dict)  # Excel row → indicator
    columns: dict[str, str] = field(default_factory=dict)  # header → column letter
    indicator_header_row: int = 1
    sheet_names: dict[str, str] = field(default_factory=dict)  # contract name → actual name
    meta: dict[str, str] = field(default_factory=dict)
    dept_data: dict[str, DataEntry] = field(default_factory=dict)  # item_key → entry
    dept_data_header: str | None = None  # the 数值 header cell, when the sheet exists
    budget_rate_cache: tuple[str, float] | None = None  # (cell, percent) saved by 执行率's formula
    # (Excel row, header) → cell, where a row's cells are not under the indicator headers (a
    # standard form's 预算执行率 line lives in its 项目资金 block)
    cell_overrides: dict[tuple[int, str], str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    review: Review = field(default_factory=Review)  # a reviewer's entries in an earlier 评分结果
    bad_cells: set[str] = field(default_factory=set)  # cells already reported as errors

    @property
    def indicators(self) -> pd.DataFrame:
        """The indicator table as a DataFrame indexed by Excel row (for analysis; scoring uses
        ``records``)."""
        import pandas as pd

        return pd.DataFrame(
            [r.as_dict() for r in self.records.values()],
            index=pd.Index(list(self.records), name="excel_row", dtype="int64"),
            columns=INDICATOR_FIELDS,
        )

    @property
    def kind(self) -> str | None:
        return self.info.get(L.INFO_KIND)

    @property
    def year(self) -> int | None:
        return self.info.get(L.INFO_YEAR)

    @property
    def amount_scale(self) -> float:
        """Multiply an amount by this to get 万元."""
        return L.AMOUNT_UNITS.get(self.info.get(L.INFO_AMOUNT_UNIT) or "万元", 1.0)

    def sheet(self, contract_name: str) -> str:
        return self.sheet_names.get(contract_name, contract_name)

    def add(self, sheet: str, cell: str | None, code: str, **fields: Any) -> None:
        self.problems.append(Problem.at(self.file, self.sheet(sheet), cell, code, **fields))
        if cell:
            self.bad_cells.add(f"{self.sheet(sheet)}!{cell}")

    def indicator_cell(self, row: int, header: str) -> str:
        """The cell of ``header`` on indicator row ``row`` (``H7``), where it really is: under
        its column, or elsewhere for rows listed in ``cell_overrides``."""
        cell = self.cell_overrides.get((row, header))
        return cell if cell is not None else f"{self.columns.get(header) or self.columns.get(L.I_NAME, 'A')}{row}"

    def cell_has_error(self, sheet: str, cell: str) -> bool:
        return f"{self.sheet(sheet)}!{cell}" in self.bad_cells


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


def _cell_value(data: WorkbookData, sheet: str, grid: Grid, row: int, col: int, field_name: str) -> Cell | None:
    """The cell, after reporting a formula that has no cached result (its value is then None)."""
    cell = grid.get(row, col)
    if cell is not None and cell.formula_without_cache:
        data.add(sheet, L.cell_name(row, col), "formula-no-cache", field=field_name)
        return None
    return cell


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
        value_cell = _cell_value(data, sheet, grid, row, col + 1, label)
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
            cell = _cell_value(data, sheet, grid, row, cols[header], header)
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
        if _blank(name):
            continue
        key = item_key(name)
        if key in data.dept_data:
            continue
        cell = _cell_value(data, sheet, grid, row, cols[L.D_VALUE], cell_text(name))
        value = Value(BLANK) if cell is None else parse_value(cell.value, percent_format=cell.percent)
        data.dept_data[key] = DataEntry(cell_text(name), value, L.cell_name(row, cols[L.D_VALUE]))


def _merge_fill(grid: Grid, cols: list[int], first_row: int) -> dict[tuple[int, int], object]:
    """Values that merged ranges put into the given columns' hidden cells."""
    filled: dict[tuple[int, int], object] = {}
    # Clipped to the rows that hold anything (a merge down to row 1,048,576 adds nothing below
    # them), and a budget of one fill per (row, column): merges that overlap past it are invalid
    # anyway, and ignoring them keeps a "merge bomb" from costing more than the table.
    last = grid.max_row
    budget = max(0, last - first_row + 1) * len(cols)
    for r1, c1, r2, c2 in grid.merges:
        r2 = min(r2, last)
        if r2 < first_row:
            continue
        top = grid.value(r1, c1)
        for c in cols:
            if c1 <= c <= c2:
                span = range(max(r1, first_row), r2 + 1)
                budget -= len(span)
                if budget < 0:
                    return filled
                for r in span:
                    filled[(r, c)] = top
    return filled


def _read_indicators(book: Book, data: WorkbookData) -> None:
    sheet = L.SHEET_INDICATORS
    grid = book.sheet(data.sheet(sheet))
    header_row, found = _find_header(grid, data, sheet, L.INDICATOR_REQUIRED, L.INDICATOR_HEADER_ALIASES)
    read_indicator_table(data, grid, header_row, found)


def read_indicator_table(
    data: WorkbookData,
    grid: Grid,
    header_row: int,
    found: dict[str, int],
    stop: Callable[[int, dict[str, Any]], bool] | None = None,
    end_row: int | None = None,
) -> None:
    """The indicator rows below ``header_row`` (columns by canonical header) into
    ``data.records``, until the first fully blank row or a row ``stop`` accepts; with
    ``end_row`` (a form's 总分 row) blank rows before it are skipped instead."""
    sheet = L.SHEET_INDICATORS
    wanted = (*L.INDICATOR_HEADERS, *L.INDICATOR_OPTIONAL)
    cols = {h: found[h] for h in wanted if h in found}
    data.columns = {h: L.col_letter(c) for h, c in cols.items()}
    data.indicator_header_row = header_row
    if grid.truncated:
        raise UnreadableWorkbook.at(
            data.file,
            data.sheet(sheet),
            None,
            "too-many-rows",
            limit=L.MAX_INDICATOR_ROWS,
        )
    level_cols = [cols[h] for h in (L.I_LEVEL1, L.I_LEVEL2) if h in cols]
    merged = _merge_fill(grid, level_cols, header_row + 1)
    year = data.year
    content_cols = [c for h, c in cols.items() if h != L.I_SEQ]
    records: list[IndicatorRow] = []
    rows: list[int] = []
    last = {L.I_LEVEL1: None, L.I_LEVEL2: None}
    row = header_row
    while True:
        row += 1
        raw = {h: grid.value(row, c) for h, c in cols.items()}
        for h in (L.I_LEVEL1, L.I_LEVEL2):
            if h in cols and (row, cols[h]) in merged:
                raw[h] = merged[(row, cols[h])]
        if all(_blank(raw.get(h)) for h in cols if h != L.I_SEQ) and not any(
            (cell := grid.get(row, c)) is not None and cell.formula is not None for c in content_cols
        ):
            if end_row is not None and row < end_row:
                continue
            break
        if stop is not None and stop(row, raw):
            break
        if len(rows) >= L.MAX_INDICATOR_ROWS:
            raise UnreadableWorkbook.at(
                data.file,
                data.sheet(sheet),
                None,
                "too-many-rows",
                limit=L.MAX_INDICATOR_ROWS,
            )
        # carry 一级/二级 down over blanks (merged or simply left empty under a heading)
        for h in (L.I_LEVEL1, L.I_LEVEL2):
            if _blank(raw.get(h)):
                raw[h] = last[h]
            elif h == L.I_LEVEL1 and raw[h] != last[h]:
                last[L.I_LEVEL2] = None
            last[h] = raw.get(h)
        if all(
            _blank(raw.get(h)) or _not_applicable(raw.get(h))
            for h in (L.I_NAME, L.I_TARGET, L.I_ACTUAL, L.I_POINTS, L.I_CLAIMED)
        ):
            continue  # an unused skeleton row (一级/二级 only) or one marked "/" as not applicable
        na = None if is_budget_line(raw) else not_applicable_mark(raw)
        if na and not _positive(raw.get(L.I_POINTS)):
            continue  # marked not applicable with no points: nothing counts
        record = _indicator_record(data, grid, sheet, row, cols, raw, year)
        if na:
            record.na = na  # scored by the rule set's na_points (SPEC §3.13)
        records.append(record)
        rows.append(row)
    data.records = dict(zip(rows, records, strict=True))


_NOT_APPLICABLE = {"/", "／", "—", "-", "－", "——", "无", "不适用", "不涉及", "无此项"}
_NONE_WORD = "无"


def _not_applicable(v: object) -> bool:
    return isinstance(v, str) and v.strip() in _NOT_APPLICABLE


def is_budget_line(raw: dict[str, Any]) -> bool:
    """The 预算执行率 line, by its 一级 or 三级指标: its 指标值 is often printed as “—” (the rate
    is computed), which does not make it a not-applicable row."""
    name = raw.get(L.I_NAME)
    return L.canonical_level1(raw.get(L.I_LEVEL1) or "") == L.LEVEL1_BUDGET or (
        isinstance(name, str) and L.normalize_label(name) == L.LEVEL1_BUDGET
    )


def not_applicable_mark(raw: dict[str, Any]) -> str | None:
    """The mark (``/``, ``—``, ``不适用``, ``无``) that says a row does not apply, if any: in 三级指标,
    指标值 or 实际完成值. ``无`` is also an answer: 实际完成值 无 against a target of 无 or 0
    (重大安全事故 无 → 无) means nothing happened, as intended, and is scored as such."""
    name, target, actual = raw.get(L.I_NAME), raw.get(L.I_TARGET), raw.get(L.I_ACTUAL)
    for v in (name, target, actual):
        if _not_applicable(v) and (v.strip() != _NONE_WORD or v is name):  # type: ignore[union-attr]
            return v.strip()  # type: ignore[union-attr]
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
    try:
        return not _blank(v) and parse_amount(v) > 0  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True  # unreadable points: kept, so the reader reports them


# A formula that is only a constant (=100%, =8, =0件, =72890元): the "=" operator typed into a
# General cell, read as that text (SPEC §3.13). Cell references, names and functions start with
# a letter or $, so they never match.
_CONSTANT_FORMULA = re.compile(
    r"\s*[+-]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)\s*%?\s*(?:[^\s\d=+\-*/^&<>(),:;!$\"'\[\]{}#@]"
    r"[^\s=+\-*/^&<>(),:;!$\"'\[\]{}#@]*)?\s*"
)


def constant_formula_text(formula: str | None) -> str | None:
    """``=100%`` for a formula ``100%`` (with or without the leading ``=``); None otherwise."""
    if formula is None:
        return None
    body = formula.strip().removeprefix("=")
    return "=" + body.strip() if body and _CONSTANT_FORMULA.fullmatch(body) else None


def _formula(grid: Grid, row: int, col: int) -> str | None:
    cell = grid.get(row, col)
    return None if cell is None else cell.formula


def _blank(v: object) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _indicator_record(
    data: WorkbookData,
    grid: Grid,
    sheet: str,
    row: int,
    cols: dict[str, int],
    raw: dict[str, Any],
    year: int | None,
) -> IndicatorRow:
    level2 = cell_text(raw.get(L.I_LEVEL2))
    timely = "时效" in level2

    def value_of(header: str) -> Value:
        if header not in cols:
            return Value(BLANK)
        if header in (L.I_TARGET, L.I_ACTUAL) and (typed := constant_formula_text(_formula(grid, row, cols[header]))):
            return parse_value(typed, year=year, timely=timely)
        cell = _cell_value(data, sheet, grid, row, cols[header], header)
        if cell is None:
            return Value(BLANK)
        return parse_value(cell.value, percent_format=cell.percent, year=year, timely=timely)

    def number_of(header: str) -> float:
        if header not in cols:
            return math.nan
        v = value_of(header)
        if v.kind == BLANK:
            return math.nan
        if v.kind == "number" and v.operator is None and v.unit in ("", "分"):
            return v.number  # type: ignore[return-value]
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
        unit=normalize_text(raw.get(L.I_UNIT)) if not _blank(raw.get(L.I_UNIT)) else "",
        actual=value_of(L.I_ACTUAL),
        points=points,
        claimed=number_of(L.I_CLAIMED),
        reason=cell_text(raw.get(L.I_REASON)),
        source=L.normalize_label(raw.get(L.I_SOURCE)) if L.I_SOURCE in cols else "",
        method=cell_text(raw.get(L.I_METHOD)),
    )
