"""Which file names are workbooks, by extension: kept apart from the reader (``package``) so that
finding files and the command line's start-up do not load the engine."""

from __future__ import annotations

ZIP_EXTENSIONS = frozenset({".xlsx", ".xlsm"})
WPS_EXTENSIONS = frozenset({".et", ".ett"})  # WPS 表格's own: BIFF8 or OOXML inside, which calamine detects
CALAMINE_EXTENSIONS = frozenset({".xls", ".ods", ".xlsb"}) | WPS_EXTENSIONS
WORKBOOK_EXTENSIONS = ZIP_EXTENSIONS | CALAMINE_EXTENSIONS
