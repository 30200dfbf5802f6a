"""Which files in a folder are workbooks to score (and which are ours or locks to skip)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from selfeval_xl._fs import shown
from selfeval_xl.ooxml.package import WORKBOOK_EXTENSIONS
from selfeval_xl.outputs.writeback import RESULT_SUFFIX
from selfeval_xl.reading import contract as L
from selfeval_xl.reading.layouts import has_own_sheets


def is_candidate(path: Path) -> bool:
    """A workbook to score: not a lock file, hidden file, temp file or one of our outputs."""
    name = path.name
    return (
        path.suffix.lower() in WORKBOOK_EXTENSIONS
        and not name.startswith(("~$", "."))
        and not name.endswith(RESULT_SUFFIX)
        and name not in (L.SUMMARY_FILE, L.SAMPLE_FILE)
    )


def find_workbooks(paths: Iterable[Path], exclude: Iterable[Path] = ()) -> list[tuple[Path, str]]:
    """Files to score with their display names (relative to the folder they were found in).
    Anything under ``exclude`` (the --out-dir, the summary) is left out; a file reached twice
    (``score D D/甲.xlsx``) counts once. What cannot be looked into is listed too, so that the
    reader reports it at its name instead of it going missing: a subfolder without read
    permission, and a workbook-named FIFO, device or broken or looping symlink (the reader
    checks the file type before opening, so nothing blocks)."""
    excluded = _under(exclude)
    found: list[tuple[Path, str]] = []
    seen: set[str] = set()
    real_dirs: dict[str, str] = {}

    def add(f: Path, display: str) -> None:
        key = _realpath(f, real_dirs)
        if key not in seen:
            seen.add(key)
            found.append((f, shown(display)))

    for p in paths:
        p = Path(p)
        if p.is_dir():
            for f in _walk(p):
                if excluded(f):
                    continue
                if f.is_dir():  # a folder that could not be listed
                    add(f, (f.relative_to(p).as_posix() if f != p else p.name) + "/")
                elif is_candidate(f):
                    add(f, f.relative_to(p).as_posix())
        elif not excluded(p):
            add(p, p.name)
    return found


# What selfeval itself writes beside the inputs (besides 评分结果 side files, 汇总.xlsx, 抽查名单.xlsx).
_OWN_OUTPUT = re.compile(r"\.(自评报告|汇总报告|更正清单)(\.图\d+\.png|\.docx|\.md)$|_指标明细\.csv$")


def find_other_files(paths: Iterable[Path], exclude: Iterable[Path] = ()) -> list[tuple[Path, str]]:
    """Every other file in the folders among ``paths`` (a .docx, .pdf, .txt … sent with the
    workbooks), so that the summary lists it and no submission is silently missed (SPEC §4.2).
    Not hidden files or folders, lock files, or our own outputs."""
    excluded = _under(exclude)
    found: list[tuple[Path, str]] = []
    for p in map(Path, paths):
        if not p.is_dir():
            continue
        for f in _walk(p):
            rel = f.relative_to(p)
            name = f.name
            if any(part.startswith(".") for part in rel.parts) or name.startswith("~$") or not f.is_file():
                continue
            if (
                is_candidate(f)
                or name.endswith(RESULT_SUFFIX)
                or name in (L.SUMMARY_FILE, L.SAMPLE_FILE)
                or _OWN_OUTPUT.search(name)
            ):
                continue
            if excluded(f):
                continue
            found.append((f, shown(rel.as_posix())))
    return found


def _under(exclude: Iterable[Path]) -> Callable[[Path], bool]:
    """Whether a path is one of ``exclude`` or inside one (as absolute paths, compared the way
    the system compares names: by text on POSIX, case-insensitively on Windows), by string
    prefix: a batch asks it of every file."""
    skip = [os.path.normcase(os.path.abspath(e)) for e in exclude]
    inside = [e if e.endswith(os.sep) else e + os.sep for e in skip]

    def excluded(f: Path) -> bool:
        if not skip:
            return False
        a = os.path.normcase(os.path.abspath(f))
        return any(a == e or a.startswith(e_in) for e, e_in in zip(skip, inside, strict=True))

    return excluded


def _realpath(f: Path, real_dirs: dict[str, str]) -> str:
    """``os.path.realpath(f)``, each folder resolved once: a file that is not a symbolic link
    is its resolved folder and its name."""
    folder, name = os.path.split(f)
    if name in ("", ".", "..") or os.path.islink(f):
        return os.path.realpath(f)
    real = real_dirs.get(folder)
    if real is None:
        real = real_dirs[folder] = os.path.realpath(folder or os.curdir)
    return os.path.join(real, name)


def _walk(top: Path) -> list[Path]:
    """Every file under ``top`` (not in hidden folders), sorted; a folder that cannot be listed
    appears as itself."""
    out: list[Path] = []

    def unreadable(exc: OSError) -> None:
        if exc.filename is not None:
            out.append(Path(exc.filename))

    for root, dirs, files in os.walk(top, onerror=unreadable):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        base = Path(root)
        for name in files:
            f = base / name
            if f.is_file() or not f.is_dir():  # regular files, and what is wrong with a name
                out.append(f)
    return sorted(out)


def is_own_summary(path: Path) -> bool:
    """A workbook with our summary's (or sample list's) sheets, renamed by the user, then put
    in the folder."""
    return has_own_sheets(path, *L.OWN_OUTPUT_SHEETS)
