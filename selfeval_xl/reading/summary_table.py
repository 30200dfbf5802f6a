"""A summary workbook (ours, an older version's, or one edited by hand) read back as a pandas
DataFrame: the sheet and its header row are found by header text, columns are named by their
normalised header, rows below the header are kept as they are (``dtype=object``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

from selfeval_xl.errors import SelfevalError
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
        book = pd.ExcelFile(path, engine="calamine")
    except Exception as exc:  # calamine/pandas raise many types for a file that is not a workbook
        raise SummaryTableError(f"无法读取{what} {Path(path).name}（{_reason(exc, path)}）") from None
    with book:
        # 汇总 first, then the others one by one: a district's 指标明细 (one row per indicator of
        # every workbook, ~70 MB of XML at 1,000 workbooks) is read only when nothing else has the table
        for name in sorted(book.sheet_names, key=lambda n: n != L.S_SUMMARY):
            try:
                raw = pd.read_excel(book, sheet_name=name, header=None, dtype=object)
            except Exception as exc:
                raise SummaryTableError(f"无法读取{what} {Path(path).name}（{_reason(exc, path)}）") from None
            if (found := _table_under_header(raw, required)) is not None:
                return found
    heads = "”“".join(required)
    raise SummaryTableError(
        f"{what} {Path(path).name} 中找不到含“{heads}”表头的工作表（表头应在前 {HEADER_SEARCH_ROWS} 行）"
    )


def _table_under_header(raw: pd.DataFrame, required: tuple[str, ...]) -> pd.DataFrame | None:
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
    return None


def _reason(exc: Exception, path: Path) -> str:
    """Why the file could not be read, in Chinese: as a submission's would be told (a password,
    not a zip, a damaged part: ``open_book``), else the library's text in Chinese (``zh_reason``)."""
    from selfeval_xl.ooxml.package import open_book
    from selfeval_xl.zh_reason import zh_reason

    try:
        open_book(path, parts_read_only=True)
    except SelfevalError as found:
        return found.problem.message
    except Exception:  # noqa: BLE001 - only asked for its reason; the library's is told instead
        pass
    return zh_reason(exc)[:120]


def column(table: pd.DataFrame, header: str) -> pd.Series:
    """A column by header, or an all-blank one when the file has no such column."""
    import pandas as pd

    return table[header] if header in table.columns else pd.Series([None] * len(table), index=table.index, dtype=object)


_REF = re.compile(r"([A-Z]{1,3})(\d+)")


def year_text(value: object) -> str:
    """A 评价年度 cell of the summary as a title names it (2023, not 2023.0); "" for a blank."""
    if isinstance(value, float):
        return "" if value != value else str(int(value)) if value.is_integer() else str(value)
    return "" if value is None else str(value).strip()


def file_links(path: Path) -> dict[str, str]:
    """The links of a summary's 汇总 sheet to the scored files, by the text of the linked cell (the
    文件 column): each target as a relative or absolute file path (``out/子/甲.xlsx``), relative to
    the summary's folder as 汇总 writes it. Empty when the sheet has no such links or cannot be read
    (an edited summary still samples, only without links)."""
    from selfeval_xl.ooxml.grid import col_index
    from selfeval_xl.ooxml.sheet_cells import local_name
    from selfeval_xl.ooxml.xlsx_book import XlsxBook
    from selfeval_xl.ooxml.zip_package import rels_part

    try:
        xb = XlsxBook(path, path.name, parts_read_only=True)
        book = xb.book()
        part = xb.targets.get(L.S_SUMMARY)
        if part is None:
            return {}
        rels = rels_part(part)
        if rels not in xb.names:
            return {}
        external = {e.get("Id"): e.get("Target") or "" for e in xb.xml(rels) if e.get("TargetMode") == "External"}
        grid = book.sheet(L.S_SUMMARY)
        out: dict[str, str] = {}
        for e in xb.xml(part).iter():
            if local_name(e.tag) != "hyperlink":
                continue
            rid = next((v for k, v in e.attrib.items() if k.endswith("}id")), None)
            m = _REF.fullmatch(e.get("ref") or "")
            target = external.get(rid)
            if not target or m is None:
                continue
            text = grid.value(int(m.group(2)), col_index(m.group(1)))
            if isinstance(text, str) and text:
                # as Excel writes a file link: "\" for "/", %-escapes, a "#" taken apart as the location
                anchor = e.get("location")
                out[text] = unquote(target).replace("\\", "/") + (f"#{anchor}" if anchor else "")
        return out
    except SelfevalError:
        return {}
