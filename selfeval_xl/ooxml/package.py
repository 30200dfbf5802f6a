"""Opening a workbook for reading, defensively: a grid of cells per sheet (``grid``), with
number formats (percent/date), formulas and merged ranges. ``.xlsx``/``.xlsm`` are parsed
straight from the zip (``xlsx_book``; ``part_scan`` for the plain sheets and shared strings every
producer writes, ``sheet_cells`` as a tree for anything else: the floor is inflate + parse;
openpyxl is 15× slower and hides nothing we need); ``.xls``/``.ods`` go through python-calamine
here. Every
failure to open becomes ``UnreadableWorkbook`` with a stable code."""

from __future__ import annotations

import datetime as dt
import errno
import os
import stat
import zipfile
from pathlib import Path

from selfeval_xl.errors import UnreadableWorkbook
from selfeval_xl.ooxml import limits
from selfeval_xl.ooxml.extensions import CALAMINE_EXTENSIONS, WORKBOOK_EXTENSIONS, WPS_EXTENSIONS
from selfeval_xl.ooxml.grid import Book, Cell, Grid, col_index
from selfeval_xl.ooxml.limits import check_file_size, check_zip_sizes, short_reason
from selfeval_xl.ooxml.xlsx_book import XlsxBook


def open_book(path: Path, display: str | None = None, *, parts_read_only: bool = False) -> Book:
    """Open a workbook for reading; raise ``UnreadableWorkbook`` when it cannot be read.
    ``parts_read_only``: the size limits apply only to the parts read (``XlsxBook``)."""
    name = display or path.name
    try:
        # the type first, without blocking: a FIFO or a device named .xlsx must not hang the batch
        if stat.S_ISDIR(os.stat(path).st_mode):
            _folder(path, name)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        try:
            kind = os.fstat(fd).st_mode
            if not stat.S_ISREG(kind):
                raise UnreadableWorkbook.at(name, None, None, "not-a-workbook", detail=_not_a_file(path, kind))
            head = os.read(fd, 8)
        finally:
            os.close(fd)
    except OSError as exc:
        raise UnreadableWorkbook.at(name, None, None, "not-a-workbook", detail=_os_reason(exc)) from None
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        if _is_encrypted_ole(path):
            raise UnreadableWorkbook.at(name, None, None, "encrypted")
        check_file_size(path, name)
        return _open_calamine(path, name)
    if path.suffix.lower() in CALAMINE_EXTENSIONS:
        # calamine inflates and expands whatever it is given: the zip limits first
        if head.startswith(b"PK"):
            try:
                with zipfile.ZipFile(path) as zf:
                    check_zip_sizes(zf, name)
            except (zipfile.BadZipFile, OSError, ValueError) as exc:
                raise UnreadableWorkbook.at(name, None, None, "not-a-workbook", detail=short_reason(exc)) from None
        else:
            check_file_size(path, name)
        return _open_calamine(path, name)
    if not head.startswith(b"PK"):
        raise UnreadableWorkbook.at(name, None, None, "not-a-workbook", detail="文件不是 zip 格式的 .xlsx")
    return XlsxBook(path, name, parts_read_only=parts_read_only).book()


def _folder(path: Path, name: str) -> None:
    """A folder where a file was expected: one that could not be listed while looking for
    workbooks is reported as such (its files were not scored)."""
    try:
        os.listdir(path)
    except OSError as exc:
        raise UnreadableWorkbook.at(name, None, None, "unreadable-folder", detail=_os_reason(exc)) from None
    raise UnreadableWorkbook.at(name, None, None, "not-a-workbook", detail="这是文件夹，不是文件")


def _not_a_file(path: Path, mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "这是命名管道，不是文件，已跳过"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "这是设备，不是文件，已跳过"
    return "不是普通文件，已跳过"


def _os_reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "符号链接循环，无法打开"
    if isinstance(exc, FileNotFoundError):
        return "文件不存在或已被移走"
    if isinstance(exc, PermissionError):
        return "没有读取权限"
    return f"无法读取：{exc.strerror or exc}"


def _is_encrypted_ole(path: Path) -> bool:
    # An encrypted .xlsx is an OLE container holding an "EncryptedPackage" stream; the
    # directory entry names are UTF-16LE. A plain .xls is also OLE but has no such stream.
    marker = "EncryptedPackage".encode("utf-16-le")
    with open(path, "rb") as fh:
        data = fh.read(4 * 1024 * 1024)
    return marker in data


def _open_calamine(path: Path, name: str) -> Book:
    try:
        from python_calamine import CalamineWorkbook

        wb = CalamineWorkbook.from_path(str(path))
        names = list(wb.sheet_names)
    except Exception as exc:  # calamine raises its own error types for every kind of damage
        detail = short_reason(exc)
        if path.suffix.lower() in WPS_EXTENSIONS:
            detail = f"WPS 表格文件无法读取：{detail}；请在 WPS 中另存为 .xlsx 后再提交"
        raise UnreadableWorkbook.at(name, None, None, "not-a-workbook", detail=detail) from None

    def load(sheet: str) -> Grid:
        grid = Grid(sheet)
        try:
            cs = wb.get_sheet_by_name(sheet)
            start_row, start_col = cs.start or (0, 0)
            for r, row in enumerate(cs.iter_rows()):
                if r >= limits.MAX_ROWS:
                    # rows are read in order: every cell above this row is in the grid (a table
                    # that ends above it is read whole: a stray cell at row 25,000 refuses nothing)
                    grid.truncated, grid.complete_rows = True, start_row + limits.MAX_ROWS
                    break
                for c, v in enumerate(row):
                    if v == "" or v is None:
                        continue
                    if isinstance(v, dt.time):
                        v = v.isoformat()
                    grid.cells[(start_row + r + 1, start_col + c)] = Cell(v)
            for rng in (cs.merged_cell_ranges or [])[: limits.MAX_MERGES]:
                (r1, c1), (r2, c2) = rng
                if r1 < limits.MAX_ROWS:
                    grid.merges.append((r1 + 1, c1, min(r2 + 1, limits.MAX_ROWS), c2))
        except Exception as exc:
            raise UnreadableWorkbook.at(name, sheet, None, "not-a-workbook", detail=short_reason(exc)) from None
        return grid

    return Book(path, names, load)


__all__ = ["Book", "Cell", "Grid", "WORKBOOK_EXTENSIONS", "col_index", "open_book"]
