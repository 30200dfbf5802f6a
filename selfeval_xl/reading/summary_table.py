"""A summary workbook (ours, an older version's, or one edited by hand) read back as a pandas
DataFrame: the sheet and its header row are found by header text, columns are named by their
normalised header, rows below the header are kept as they are (``dtype=object``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from selfeval_xl.reading import contract as L

if TYPE_CHECKING:
    import pandas as pd

HEADER_SEARCH_ROWS = 10


class SummaryTableError(Exception):
    """The file is not a summary we can read (message in Chinese, naming the file)."""


def read_summary_table(path: Path, required: tuple[str, ...], what: str = "汇总表") -> pd.DataFrame:
    """The table under the first header row (in the first 10 rows of the 汇总 sheet, else of
    any sheet) that holds every ``required`` header. Columns are the normalised header texts
    (the first column of each text when repeated); blank header cells are dropped."""
    import pandas as pd

    try:
        sheets = pd.read_excel(path, sheet_name=None, header=None, engine="calamine", dtype=object)
    except Exception as exc:  # calamine/pandas raise many types for a file that is not a workbook
        reason = str(exc).strip().splitlines()[0][:80] if str(exc).strip() else type(exc).__name__
        raise SummaryTableError(f"无法读取{what} {Path(path).name}（{reason}）") from None
    for name in sorted(sheets, key=lambda n: n != L.S_SUMMARY):
        raw = sheets[name]
        for r in range(min(HEADER_SEARCH_ROWS, len(raw))):
            labels = [L.normalize_label(v) if isinstance(v, str) else "" for v in raw.iloc[r]]
            if all(h in labels for h in required):
                keep = {}
                for c, h in enumerate(labels):
                    if h and h not in keep:
                        keep[h] = c
                body = raw.iloc[r + 1 :, list(keep.values())]
                body.columns = list(keep)
                return body.reset_index(drop=True)
    heads = "”“".join(required)
    raise SummaryTableError(
        f"{what} {Path(path).name} 中找不到含“{heads}”表头的工作表（表头应在前 {HEADER_SEARCH_ROWS} 行）"
    )


def column(table: pd.DataFrame, header: str) -> pd.Series:
    """A column by header, or an all-blank one when the file has no such column."""
    import pandas as pd

    return table[header] if header in table.columns else pd.Series([None] * len(table), index=table.index, dtype=object)
