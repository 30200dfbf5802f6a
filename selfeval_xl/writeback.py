"""Where the 评分结果 sheet goes and how it gets there safely (SPEC §4.1): into the .xlsx
itself, into a copy under ``--out-dir``, or into a side file ``<名>.评分结果.xlsx`` for input
that is not .xlsx. Always atomic; never while the file is open in Excel/WPS."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path
from xml.etree.ElementTree import ParseError

from . import layout as L
from ._fs import atomic_write, os_reason, shown
from .errors import Problem
from .results_sheet import results_sheet
from .scorecard import Scorecard
from .xlsx_write import PackageError, write_sheet

RESULT_SUFFIX = ".评分结果.xlsx"


def result_path(src: Path, display: str, out_dir: Path | None = None) -> Path:
    """The file that receives the results for ``src`` (found as ``display``)."""
    rel = Path(display) if out_dir is not None else Path(src.name)
    raw = Path(*src.parts[-len(rel.parts) :])
    if out_dir is not None and shown(raw.as_posix()) == display:
        rel = raw  # the raw names, where display shows undecodable bytes replaced
    if src.suffix.lower() != ".xlsx":
        rel = rel.with_name(Path(rel.name).stem + RESULT_SUFFIX)
    base = out_dir if out_dir is not None else src.parent
    return base / rel


def lock_file(path: Path) -> Path | None:
    """The office lock file that says ``path`` is open, if any: Excel/WPS ``~$name`` (Excel
    drops the first two characters of long names), LibreOffice ``.~lock.name#``."""
    names = ["~$" + path.name, ".~lock." + path.name + "#"]
    if len(path.stem) > 2:
        names.append("~$" + path.name[2:])
    for name in names:
        candidate = path.with_name(name)
        if candidate.exists():
            return candidate
    return None


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
    try:
        dst.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(dst, lambda tmp: write_sheet(src if in_package else None, tmp, L.SHEET_RESULTS, spec))
    except (OSError, zipfile.BadZipFile, PackageError, ParseError, ValueError) as exc:
        detail = os_reason(exc) if isinstance(exc, OSError) else str(exc)
        return None, Problem.at(display, None, None, "write-failed", target=shown(dst.name), detail=detail)
    return dst, None
