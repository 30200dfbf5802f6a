"""The CSV spill: 指标明细 rows past Excel's row limit, written beside the summary as text-safe CSV."""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import IO, Any

from selfeval_xl.reading import contract as L

_FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r")
# the line 汇总 gets two rows below its table when 指标明细 spilled, followed by the CSV's file name
# (the district report finds the CSV by it: the summary may have been renamed since)
SPILL_NOTE = "指标明细超过 Excel 行数上限，超出部分见 "


def csv_safe(value: Any) -> Any:
    """A CSV cell that a spreadsheet opens as text, never as a formula (OWASP "CSV injection"):
    text starting with = + - @ tab or CR gets a leading apostrophe. Numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_LEAD):
        return "'" + value
    return value


def csv_unsafe(value: str) -> str:
    """The text ``csv_safe`` was given: its apostrophe taken off again (for the district report
    matching the CSV's 文件 and 一级指标 to the summary's)."""
    return value[1:] if value.startswith("'") and value[1:].startswith(_FORMULA_LEAD) else value


class DetailSpill:
    """``<summary stem>_指标明细.csv``, opened on the first row that does not fit: written in the
    scratch folder and moved into place only when complete (atomic)."""

    def __init__(self, summary: Path, scratch: Path):
        self.path = summary.with_name(summary.stem + "_指标明细.csv")
        self.tmp = scratch / "detail.csv"
        self._fh: IO[str] | None = None
        self._writer: Any = None

    @property
    def used(self) -> bool:
        return self._fh is not None

    def write(self, values: tuple[Any, ...]) -> None:
        if self._fh is None:
            self._fh = open(self.tmp, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed in close()
            self._writer = csv.writer(self._fh)
            self._writer.writerow(L.DETAIL_HEADERS)
        self._writer.writerow([csv_safe(v) for v in values])

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()

    def commit(self) -> None:
        """Move the finished CSV into place (after ``close``)."""
        if self._fh is not None:
            os.replace(self.tmp, self.path)
