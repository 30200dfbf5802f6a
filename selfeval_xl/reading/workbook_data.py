"""What was read from one workbook, whichever layout it came in: ``WorkbookData`` with its
facts, budget rows and indicator rows (``IndicatorRow`` by Excel row), and where each was."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas loads in ~0.4 s; only the DataFrame views need it
    import pandas as pd

    from selfeval_xl.ooxml.zip_package import Package
from selfeval_xl.errors import Problem
from selfeval_xl.ooxml.grid import Stamp
from selfeval_xl.reading import contract as L
from selfeval_xl.reading.review_columns import Review
from selfeval_xl.reading.rows import IndicatorRow
from selfeval_xl.reading.values import Value

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
    # what a cell of no amount holds ("—", "/", "无"), by attribute: read as blank, quoted when
    # the figure is required (the 年度资金总额 全年执行数)
    typed: dict[str, str] = field(default_factory=dict)


@dataclass
class DataEntry:
    """One 部门整体数据 row: the item as written, its parsed value and where it is."""

    name: str
    value: Value
    cell: str  # the 数值 cell, e.g. B5


@dataclass(frozen=True)
class Found:
    """Where a layout found its tables in a workbook: contract sheet name → the workbook's own,
    and further sheets in the same layout that are not read (reported)."""

    sheets: dict[str, str]
    others: tuple[str, ...] = ()


@dataclass
class WorkbookData:
    """What was read from one workbook."""

    path: Path
    file: str
    info: dict[str, Any] = field(default_factory=dict)
    info_cells: dict[str, str] = field(default_factory=dict)
    budget: dict[str, BudgetRow] = field(default_factory=dict)
    budget_columns: dict[str, str] = field(default_factory=dict)
    budget_unread: bool = False  # a form's 项目资金 block whose header was not read (reported there)
    budget_header_row: int | None = None  # the 资金类别 | 年初预算数 | … header (a form's 项目资金 block)
    # the amounts (attr → number) of the block's other funding lines, whose labels are none of
    # ours (其中：中央财政资金, 省级资金): the total may be their sum rather than ours
    budget_unlisted: list[dict[str, float]] = field(default_factory=list)
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
    # the sheet write-back is to put the results in (``results_sheet_for``), worked out while the
    # file was open, and which version of the file that was (``grid.file_stamp``)
    results_sheet: str | None = None
    stamp: Stamp | None = None
    # that version of the file as the write-back reads it (``zip_package.Package``), when the
    # reader was asked to keep it (``read_workbook``'s keep_package): it holds the file's bytes
    package: Package | None = field(default=None, repr=False, compare=False)

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
        return L.AMOUNT_SCALE.get(self.info.get(L.INFO_AMOUNT_UNIT) or "万元", 1.0)

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
