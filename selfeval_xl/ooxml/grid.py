"""What a sheet is once read: cells (value, percent format, formula), merged ranges, and the
opened workbook that parses its sheets on demand."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from selfeval_xl.ooxml.zip_package import Package


@dataclass(slots=True)
class Cell:
    """A cell's value as the file stores it (number, text, bool, datetime or None). Read, never
    changed: a scanned part puts one ``Cell`` in every place that holds the same cell text."""

    value: object
    percent: bool = False
    formula: str | None = None

    @property
    def formula_without_cache(self) -> bool:
        return self.formula is not None and (self.value is None or self.value == "")


@dataclass
class Grid:
    """One sheet: cells keyed by (1-based row, 0-based column), merged ranges."""

    name: str
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r1, c1, r2, c2
    truncated: bool = False
    # when truncated: rows 1..complete_rows hold every cell the sheet has (only rows numbered
    # past the row cap were left out); 0 when the reader stopped before the end of the sheet
    complete_rows: int = 0

    @property
    def max_row(self) -> int:
        return max((r for r, _ in self.cells), default=0)

    def get(self, row: int, col: int) -> Cell | None:
        return self.cells.get((row, col))

    def value(self, row: int, col: int) -> object:
        c = self.cells.get((row, col))
        return None if c is None else c.value

    def rows(self) -> Iterator[int]:
        return iter(sorted({r for r, _ in self.cells}))


Stamp = tuple[int, int, int, int]


def file_stamp(fd: int) -> Stamp:
    """Which file, and which version of it, an open descriptor reads: device, inode, size and
    modification time. The same stamp twice means the file was not replaced or rewritten between."""
    return _stamp(os.fstat(fd))


def path_stamp(path: Path) -> Stamp | None:
    """``file_stamp`` of the file at ``path`` now (None when it cannot be looked at)."""
    try:
        return _stamp(os.stat(path))
    except (OSError, ValueError):
        return None


def _stamp(st: os.stat_result) -> Stamp:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


@dataclass
class Book:
    """An opened workbook: sheet names in order and a way to parse one sheet on demand."""

    path: Path
    sheet_names: list[str]
    _loader: Callable[[str], Grid]  # parses one sheet by name
    _cache: dict[str, Grid] = field(default_factory=dict)
    stamp: Stamp | None = None  # the file as it was opened (``file_stamp``), for an .xlsx
    # the file as the write-back reads it, from what was read here (``XlsxBook.package``), for an .xlsx
    package: Callable[[], Package | None] | None = None
    # as a write-back left it, with no reviewer's entry in its 评分结果 (``ownership.scored_unreviewed``)
    unreviewed: bool = False

    def sheet(self, name: str) -> Grid:
        if name not in self._cache:
            self._cache[name] = self._loader(name)
        return self._cache[name]


_DIGITS_READ = 4000  # int() refuses a number of more than 4,300 digits


def as_number(digits: str | bytes) -> int:
    """Decimal digits as written in a file (a row number, a style index), however many: a number
    longer than int() takes (after its leading zeros) is far past every limit, 2**64."""
    if len(digits) > _DIGITS_READ:
        significant = len(digits.lstrip(b"0")) if isinstance(digits, bytes) else len(digits.lstrip("0"))
        if significant > _DIGITS_READ:
            return 1 << 64
        digits = digits[len(digits) - significant :] or b"0"
    return int(digits)


def col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def col_letter(index: int) -> str:
    """0-based column index → Excel letters (0 → A, 27 → AB)."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_name(row: int, col: int) -> str:
    """1-based Excel row and 0-based column → ``H7``."""
    return f"{col_letter(col)}{row}"


_CELL_REF = re.compile(r"([A-Z]+)(\d+)")


def split_cell(ref: str | None) -> tuple[str, int] | None:
    """``H7`` → (``H``, 7), the inverse of ``cell_name``; None for anything else (a range, blank)."""
    m = _CELL_REF.fullmatch(ref or "")
    return None if m is None else (m.group(1), int(m.group(2)))
