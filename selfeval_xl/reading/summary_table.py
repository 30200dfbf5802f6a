"""A summary workbook (ours, an older version's, or one edited by hand) read back as a pandas
DataFrame: the sheet and its header row are found by header text, columns are named by their
normalised header, rows below the header are kept as they are (``dtype=object``)."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast
from urllib.parse import unquote

from selfeval_xl.errors import SelfevalError, UnreadableWorkbook
from selfeval_xl.reading import contract as L

if TYPE_CHECKING:
    import pandas as pd

HEADER_SEARCH_ROWS = 10


class SummaryTableError(Exception):
    """The file is not a summary we can read (message in Chinese, naming the file)."""


def read_summary_table(path: Path, required: tuple[str, ...], what: str = "汇总表") -> pd.DataFrame:
    """The table under the first header row (in the first 10 rows of the 汇总 sheet, else of
    any sheet) that holds every ``required`` header. Columns are the normalised header texts
    (the first column of each text when repeated); blank header cells are dropped. Its index is
    each row's number in the sheet, ``attrs`` name the sheet and each column's letter (for
    ``numbers``); merged cells hold their value in every cell they cover."""
    import pandas as pd

    try:
        book = pd.ExcelFile(path, engine="calamine")
    except Exception as exc:  # calamine/pandas raise many types for a file that is not a workbook
        raise SummaryTableError(f"无法读取{what} {Path(path).name}（{_reason(exc, path)}）") from None
    with book:
        # 汇总 first, then the others one by one: a district's 指标明细 (one row per indicator of
        # every workbook, ~70 MB of XML at 1,000 workbooks) is read only when nothing else has the table
        for name in sorted(book.sheet_names, key=lambda n: n != L.S_SUMMARY):
            raw = read_raw_sheet(path, book, str(name), what)
            if (found := table_under_header(raw, required, L.normalize_label)) is not None:
                found.attrs["sheet"] = name
                check_formulas(path, found, list(found.columns), what)
                return found
        sheets = [str(n) for n in book.sheet_names]
    if unit_sheet := next((n for n in sheets if _is_unit_sheet(n)), None):
        # a unit's workbook given for the summary (sample 甲.xlsx, --previous 甲.xlsx): said so,
        # rather than that some headers are missing from it
        raise SummaryTableError(
            f"{Path(path).name} 是单位的自评工作簿（有“{unit_sheet}”工作表），不是{what}；"
            f"请给出 selfeval score 生成的汇总表（如 {L.SUMMARY_FILE}）"
        )
    heads = "”“".join(required)
    raise SummaryTableError(
        f"{what} {Path(path).name} 中找不到含“{heads}”表头的工作表（表头应在前 {HEADER_SEARCH_ROWS} 行）"
    )


def _is_unit_sheet(name: str) -> bool:
    """A sheet only a unit's workbook has: the template's 绩效指标, or the 评分结果 (or 评分结果(2) …)
    that scoring writes into every workbook, template or 自评表 alike."""
    return name == L.SHEET_INDICATORS or L.results_number(name) > 0


def read_raw_sheet(path: Path, book: pd.ExcelFile, name: str, what: str) -> pd.DataFrame:
    """One sheet of ``book`` (opened with the calamine engine) as pandas reads it with no header,
    a merged range's first value in each of its cells; the parts it is read from checked first
    (``guard_parts``)."""
    import pandas as pd

    guard_parts(path, (name,), what)
    try:
        raw = pd.read_excel(book, sheet_name=name, header=None, dtype=object)
        merged = book.book.get_sheet_by_name(name).merged_cell_ranges or []
    except Exception as exc:
        raise SummaryTableError(f"无法读取{what} {Path(path).name}（{_reason(exc, path)}）") from None
    for (r1, c1), (r2, c2) in merged:
        if r1 < len(raw) and c1 < raw.shape[1]:
            raw.iloc[r1 : r2 + 1, c1 : c2 + 1] = raw.iat[r1, c1]  # type: ignore[index,assignment]
    raw.attrs["merged"] = [(r1, c1, r2, c2) for (r1, c1), (r2, c2) in merged if r2 > r1]  # (0-based)
    return raw


def check_one_per_row(table: pd.DataFrame, header: str, path: Path, what: str = "汇总表") -> None:
    """Refuse a column that names one thing per row (汇总's 文件) merged down over rows: read as
    one value in each row, the rows below would claim the first row's file."""
    from openpyxl.utils import column_index_from_string

    letter = table.attrs.get("letters", {}).get(header)
    if letter is None:
        return
    col = column_index_from_string(letter) - 1
    for r1, c1, r2, c2 in table.attrs.get("merged", []):
        if c1 <= col <= c2:
            from openpyxl.utils import get_column_letter

            ref = f"{get_column_letter(c1 + 1)}{r1 + 1}:{get_column_letter(c2 + 1)}{r2 + 1}"
            sheet = table.attrs.get("sheet", L.S_SUMMARY)
            raise SummaryTableError(
                f"{what} {Path(path).name} 的“{sheet}”工作表 {ref} 是合并单元格，“{header}”一列每行应各有自己的内容；"
                "请取消合并、填回各行的内容后重试"
            )


def table_under_header(
    raw: pd.DataFrame, required: tuple[str, ...], label: Callable[[object], str]
) -> pd.DataFrame | None:
    """The rows under the first of the first 10 rows whose header texts (as ``label`` gives
    them) include all of ``required``; None when there is none. Index: each row's number in the
    sheet; ``attrs["letters"]``: each column's letter."""
    import pandas as pd
    from openpyxl.utils import get_column_letter

    for r in range(min(HEADER_SEARCH_ROWS, len(raw))):
        labels = [label(v) if isinstance(v, str) else "" for v in raw.iloc[r]]
        if all(h in labels for h in required):
            keep = {}
            for c, h in enumerate(labels):
                if h and h not in keep:
                    keep[h] = c
            body = raw.iloc[r + 1 :, list(keep.values())].copy()
            body.columns = list(keep)
            body.index = pd.RangeIndex(r + 2, r + 2 + len(body))
            body.attrs["letters"] = {h: get_column_letter(c + 1) for h, c in keep.items()}
            return body
    return None


def guard_parts(path: Path, sheets: tuple[str, ...], what: str) -> None:
    """Before calamine reads ``sheets`` of the workbook at ``path`` (a summary a user may have
    edited, or any file given as one): the parts it inflates must keep to sane sizes. calamine
    inflates a part whole, whatever size the zip declares (a 3 MB file whose 汇总 inflated to
    1.2 GB took 4 GB of memory), so each part is first inflated here as a stream, up to the size
    declared (zipfile checks the CRC at the end: content past that size is damage). A summary's
    own sheets are large (问题清单 at 10,000 workbooks ~90 MB): the bound on one part is the limit
    on all parts of a workbook together, with the usual limit on the compression ratio."""
    from selfeval_xl.ooxml.limits import (
        MAX_RATIO,
        MAX_TOTAL_BYTES,
        check_file_size,
        check_member_method,
    )
    from selfeval_xl.ooxml.xlsx_book import XlsxBook

    name = Path(path).name
    try:
        if not zipfile.is_zipfile(path):
            check_file_size(path, name)  # (.xls: read whole by calamine)
            return
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
            if any(i.filename == "content.xml" for i in members):  # .ods: one part holds every sheet
                read = [i for i in members if i.filename.endswith(".xml")]
            else:
                xb = XlsxBook(path, name, parts_read_only=True)
                xb.book()
                parts = {xb.targets.get(s) for s in sheets}
                # the sheets, and the workbook's own parts (workbook, styles, shared strings, relationships)
                read = [i for i in members if i.filename in parts or _workbook_part(i.filename)]
            for info in read:
                check_member_method(info, name)
                size = info.file_size
                if size > MAX_TOTAL_BYTES or (size > 1 << 20 and size > MAX_RATIO * max(info.compress_size, 1)):
                    detail = f"{info.filename} 解压后 {size // 1048576} MB，压缩比异常或过大"
                    raise UnreadableWorkbook.at(name, None, None, "too-large", detail=detail)
                with zf.open(info) as fh:
                    while fh.read(1 << 20):
                        pass
    except SelfevalError as exc:
        raise SummaryTableError(f"无法读取{what} {name}（{exc.problem.message}）") from None
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        from selfeval_xl.zh_reason import zh_reason

        raise SummaryTableError(f"无法读取{what} {name}（文件已损坏：{zh_reason(exc)[:80]}）") from None


# a cell whose formula has no value after it (no <v>, or an empty one where the result is no text:
# what a script such as openpyxl writes): calamine reads it as blank, so a 核定总分 typed as =90+5
# would silently count as none
_FORMULA_CELL = re.compile(rb"<c\b([^>]*)>\s*<f\b(?:[^>]*/>|[^>]*>[^<]*</f>)\s*(<v\s*/>|<v>\s*</v>)?\s*</c>")
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3})([0-9]+)"')


def check_formulas(path: Path, table: pd.DataFrame, headers: Sequence[str], what: str = "汇总表") -> None:
    """Refuse a formula with no cached value in ``headers``' columns of ``table`` (read by
    ``table_under_header`` from the sheet ``attrs["sheet"]`` of an .xlsx): calamine reads it as
    blank, so a 核定总分 typed by a script as =90+5 would silently count as none."""
    from selfeval_xl.ooxml.limits import MAX_PART_BYTES
    from selfeval_xl.ooxml.xlsx_book import XlsxBook

    letters = {table.attrs.get("letters", {}).get(h) for h in headers} - {None}
    sheet = table.attrs.get("sheet", L.S_SUMMARY)
    first = int(cast(int, table.index[0])) if len(table) else 0
    try:
        if not letters or not first or not zipfile.is_zipfile(path):
            return
        xb = XlsxBook(path, Path(path).name, parts_read_only=True)
        xb.book()
        info = xb.zf.NameToInfo.get(xb.targets.get(sheet) or "")
        if info is None or info.file_size > MAX_PART_BYTES:
            return
        data = xb.zf.read(info)  # (its size checked by ``guard_parts`` before it was read)
    except (SelfevalError, zipfile.BadZipFile, OSError, ValueError):
        return  # (read already: what the reader made of it stands)
    if b"<f" not in data:
        return
    for m in _FORMULA_CELL.finditer(data):
        attrs = m.group(1)
        if m.group(2) is not None and b't="str"' in attrs:
            continue  # an empty text, as its formula gave it
        ref = _CELL_REF.search(attrs)
        if ref is None or ref.group(1).decode() not in letters or int(ref.group(2)) < first:
            continue
        raise SummaryTableError(
            f"{what} {Path(path).name} 的“{sheet}”工作表 {ref.group(1).decode()}{ref.group(2).decode()} 是公式，"
            "但文件里没有它的计算结果（由程序写入、未经 Excel 计算）；请用 Excel 或 WPS 打开、保存后重试"
        )


def _workbook_part(name: str) -> bool:
    """A part calamine reads whatever sheet it is asked for."""
    return name.endswith((".xml", ".rels")) and not name.startswith(
        ("xl/worksheets/", "xl/charts/", "xl/drawings/", "xl/media/", "docProps/", "customXml/")
    )


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


_PROVISIONAL = re.compile(r"[(（]\s*暂算\s*[)）]\s*$")


def numbers(table: pd.DataFrame, header: str, path: Path, what: str = "汇总表", percent: bool = False) -> pd.Series:
    """A column of a table ``read_summary_table`` or ``table_under_header`` read, as numbers
    (NaN for a blank cell, or for a table without that column). A number typed or pasted as text
    is read as people type it (``95``, ``９５``, ``1,200.5``, ``95分``, ``83.81（暂算）`` as the
    summary shows a provisional total; with ``percent`` ``88.74%`` is 0.8874); any other text
    raises ``SummaryTableError`` naming the file, sheet and cell, never silently taken as blank."""
    import pandas as pd

    from selfeval_xl.reading.values import parse_points, parse_value

    if header not in table.columns:
        return pd.Series([float("nan")] * len(table), index=table.index, dtype=float)

    def one(row: int, v: object) -> float:
        if v is None or isinstance(v, bool) or (isinstance(v, float) and v != v):
            return float("nan")
        if isinstance(v, int | float):
            return float(v)
        text = _PROVISIONAL.sub("", str(v)).strip()
        try:
            if percent and (p := parse_value(text)).unit == "%" and p.number is not None and p.operator is None:
                return p.number / 100
            n = parse_points(text)
            return float("nan") if n is None else n
        except ValueError:
            pass
        letter = table.attrs.get("letters", {}).get(header, "")
        sheet = table.attrs.get("sheet", L.S_SUMMARY)
        shown = text if len(text) <= 20 else text[:20] + "…"
        raise SummaryTableError(
            f"{what} {Path(path).name} 的“{sheet}”工作表 {letter}{row}（{header}）应是数字，现为“{shown}”；"
            "请改正（或清空）这个单元格后重试"
        )

    values = [one(int(cast(int, r)), v) for r, v in table[header].items()]
    return pd.Series(values, index=table.index, dtype=float)
