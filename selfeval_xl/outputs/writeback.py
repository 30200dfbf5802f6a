"""How the 评分结果 sheet gets where ``result_files.result_path`` says, safely (SPEC §4.1): into
the .xlsx itself, into a copy under ``--out-dir``, or into a side file ``<名>.xls.评分结果.xlsx``
for input that is not .xlsx. Always atomic; never while the file is open in Excel/WPS."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import zipfile
from pathlib import Path
from xml.etree.ElementTree import ParseError

from selfeval_xl._fs import atomic_write, commit, shown, temp_prefix
from selfeval_xl.errors import Problem, SelfevalError
from selfeval_xl.ooxml.grid import path_stamp
from selfeval_xl.ooxml.package import open_book
from selfeval_xl.ooxml.sheet_writer import PackageError, SheetSpec, save_sheet
from selfeval_xl.ooxml.xml_text import quoteattr
from selfeval_xl.ooxml.zip_package import WORKBOOK, Package, blank_package
from selfeval_xl.outputs.result_files import lock_file, result_path
from selfeval_xl.outputs.results_sheet import results_sheet
from selfeval_xl.reading import contract as L
from selfeval_xl.reading.review_columns import results_sheet_for
from selfeval_xl.reading.workbook_data import WorkbookData
from selfeval_xl.scoring.scorecard import Scorecard
from selfeval_xl.zh_reason import zh_reason


def _read_only(path: Path) -> bool:
    """An existing file the user has marked read-only (no write bit, as Windows' 只读 attribute
    arrives) or may not write: replacing it would only need the folder's permission, so it is
    checked here."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False  # not there yet: a new file
    return not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(path, os.W_OK)


def write_back(
    card: Scorecard, src: Path, display: str, scored_at: str, out_dir: Path | None = None
) -> tuple[Path | None, Problem | None]:
    """Write the results for ``card``; return (written file, None) or (None, the problem)."""
    dst = result_path(src, display, out_dir)
    in_package = src.suffix.lower() == ".xlsx"
    lock = lock_file(dst)
    if lock is not None:
        return None, Problem.at(display, None, None, "locked", lock=shown(lock.name))
    if dst.is_symlink():
        # written through to the file the link points at (atomically, beside it); the link stays
        dst = Path(os.path.realpath(dst))
        if (lock := lock_file(dst)) is not None:
            return None, Problem.at(display, None, None, "locked", lock=shown(lock.name))
    if _read_only(dst):
        return None, Problem.at(display, None, None, "read-only")
    spec = results_sheet(card, scored_at, link_cells=in_package)
    mark = _unreviewed(card)  # then a rerun need not read 评分结果 for entries (``ownership.scored_mark``)
    sheet = L.SHEET_RESULTS
    try:
        if out_dir is not None:  # (beside the input, the folder is there)
            dst.parent.mkdir(parents=True, exist_ok=True)
        pkg = _package(src, card.data) if in_package else blank_package()  # looked into, then copied
        beside_users = False  # a 评分结果 of the user's is there (ours went to 评分结果(k))
        try:
            if in_package:
                sheet = _results_sheet_name(pkg, src, display, card.data)
                beside_users = sheet != L.SHEET_RESULTS and _names_sheet(pkg, L.SHEET_RESULTS)
            if isinstance(pkg.raw, Path):  # a package too large to hold: member by member
                atomic_write(dst, lambda tmp: save_sheet(pkg, tmp, sheet, spec, mark))
            else:
                _save_beside(pkg, dst, sheet, spec, mark)
        finally:
            pkg.close()
    except (OSError, zipfile.BadZipFile, PackageError, ParseError, ValueError) as exc:
        detail = zh_reason(exc)
        return None, Problem.at(display, None, None, "write-failed", target=shown(dst.name), detail=detail)
    except SelfevalError as exc:  # the file, saved again since it was scored, is no longer readable
        detail = f"文件在评分后又被保存过，现在读不了：{exc.problem.message}"
        return None, Problem.at(display, None, None, "write-failed", target=shown(dst.name), detail=detail)
    if sheet != L.SHEET_RESULTS:
        # beside the user's own 评分结果; or in ours of an earlier run, that sheet gone since
        code = "results-renamed" if beside_users else "results-kept"
        return dst, Problem.at(display, L.SHEET_RESULTS, None, code, name=L.SHEET_RESULTS, renamed=sheet)
    return dst, None


def _names_sheet(pkg: Package, name: str, prefix: bool = False) -> bool:
    """Whether the package's workbook part names a sheet ``name`` (either quote); with
    ``prefix``, a sheet whose name starts with ``name``. Raises KeyError with no workbook part."""
    attr = quoteattr(name)[:-1] if prefix else quoteattr(name)
    return f"name={attr}".encode() in pkg.parts[WORKBOOK].replace(b"'", b'"')


def _package(src: Path, data: WorkbookData) -> Package:
    """``src`` as the reader read it (``data.package``, taken from it) while the file is still
    that version; else read again."""
    held, data.package = data.package, None
    if held is not None:
        if held.stamp is not None and path_stamp(src) == held.stamp:
            return held
        held.close()
    return Package.read(src)


def _unreviewed(card: Scorecard) -> bool:
    """Whether the 评分结果 written for ``card`` holds no reviewer's entry: none was read (every
    entry read is written again, on its row or one of its own)."""
    return not card.data.review.entries


def _save_beside(pkg: Package, dst: Path, sheet: str, spec: SheetSpec, mark: bool = False) -> None:
    """``atomic_write`` for a package held in memory: the temp file written through the
    descriptor that created it (no second open), then moved over ``dst``."""
    fd, name = tempfile.mkstemp(prefix=temp_prefix(dst), suffix=".tmp" + dst.suffix, dir=dst.parent)
    tmp = Path(name)
    try:
        try:
            save_sheet(pkg, fd, sheet, spec, mark)
        finally:
            os.close(fd)
        commit(tmp, dst)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _results_sheet_name(pkg: Package, src: Path, display: str, data: WorkbookData) -> str:
    """The sheet to put the results in (``results_sheet_for``): as the reader worked it out when
    ``pkg`` is the version of the file it read (the one open of a file, issue 17), else looked up
    again in this version."""
    try:
        if not _names_sheet(pkg, L.SHEET_RESULTS, prefix=True):
            return L.SHEET_RESULTS  # the common first run: no 评分结果 nor 评分结果(k) to look into
        if data.results_sheet is not None and data.stamp is not None and data.stamp == pkg.stamp:
            return data.results_sheet
        return results_sheet_for(open_book(src, display))
    except (SelfevalError, OSError, KeyError, zipfile.BadZipFile, ValueError):
        return L.SHEET_RESULTS  # what could not be read here fails (and is reported) when written
