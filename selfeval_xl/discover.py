"""Which files in a folder are workbooks to score (and which are ours or locks to skip)."""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from selfeval_xl._fs import _OURS as _OUR_TEMP
from selfeval_xl._fs import shown
from selfeval_xl.errors import Problem, SelfevalError
from selfeval_xl.ooxml.extensions import WORKBOOK_EXTENSIONS
from selfeval_xl.reading import contract as L
from selfeval_xl.reading.contract import RESULT_SUFFIX


def is_candidate(path: Path) -> bool:
    """A workbook to score: not a lock file, temp file or one of our outputs."""
    return _candidate(path.name)


def _candidate(name: str) -> bool:
    """A workbook by its name. 汇总.xlsx and 抽查名单.xlsx are among them: a unit may well call
    its workbook so; one of ours is known by its sheets when read, and skipped with a word. So is
    ``.甲.xlsx``: on Windows a leading dot hides nothing, and the web page scores the same file
    uploaded (as 甲.xlsx). Not ``._甲.xlsx`` (what macOS copies beside 甲.xlsx to a USB disk or a
    .zip: its Finder data, no workbook) nor the temp file we write a workbook through."""
    return (
        os.path.splitext(name)[1].lower() in WORKBOOK_EXTENSIONS
        and not name.startswith(("~$", "._"))
        and not name.endswith(RESULT_SUFFIX)
        and not (name.startswith(".") and _OUR_TEMP.match(name))
    )


def find_workbooks(paths: Iterable[Path], exclude: Iterable[Path] = ()) -> list[tuple[Path, str]]:
    """Files to score with their display names (relative to the folder they were found in).
    Anything under ``exclude`` (the --out-dir, the summary) is left out; a file reached twice
    (``score D D/甲.xlsx``) counts once. What cannot be looked into is listed too, so that the
    reader reports it at its name instead of it going missing: a subfolder without read
    permission, and a workbook-named FIFO, device or broken or looping symlink (the reader
    checks the file type before opening, so nothing blocks)."""
    return find_files(paths, exclude)[0]


def find_other_files(paths: Iterable[Path], exclude: Iterable[Path] = ()) -> list[tuple[Path, str]]:
    """Every other file in the folders among ``paths`` (a .docx, .pdf, .txt … sent with the
    workbooks), so that the summary lists it and no submission is silently missed (SPEC §4.2).
    Not hidden files or folders, lock files, or our own outputs."""
    return find_files(paths, exclude)[1]


# What selfeval itself writes beside the inputs besides workbooks (汇总.xlsx, 抽查名单.xlsx: known by their sheets).
_OWN_OUTPUT = re.compile(r"\.(自评报告|汇总报告|更正清单)(\.图\d+\.png|\.docx|\.md)$|_指标明细\.csv$")


def find_files(
    paths: Iterable[Path], exclude: Iterable[Path] = ()
) -> tuple[list[tuple[Path, str]], list[tuple[Path, str]]]:
    """``find_workbooks`` and ``find_other_files`` of one walk of the folders (a batch asks
    both; each file costs string work, no system call of its own: a district's folder of
    100,000 files is listed in about a second, before any is scored)."""
    excluded = _under(exclude)
    workbooks: list[tuple[Path, str]] = []
    others: list[tuple[Path, str]] = []
    seen: set[str] = set()
    real_dirs: dict[str, str] = {}

    def add(f: Path, display: str, link: bool) -> None:
        key = _realpath(f, real_dirs, link)
        if key not in seen:
            seen.add(key)
            workbooks.append((f, shown(display)))

    for p in paths:
        p = Path(p)
        if not p.is_dir():
            if not excluded(_absolute(p)):
                add(p, p.name, os.path.islink(p))
            continue
        top = _absolute(p)
        walked = _walk(p)
        present: set[tuple[str, ...]] | None = None  # every name found, for a results file's original
        for f, rel, kind, link in walked:
            name = rel.rpartition("/")[2]
            if excluded(os.path.join(top, rel) if rel else top):
                continue
            if kind == _UNLISTED:  # a folder that could not be listed
                add(f, (rel or p.name) + "/", link)
            elif _candidate(name):
                add(f, rel, link)
            elif name.startswith((".", "~$")) or name.lower().endswith(".tmp") or kind != _FILE:
                continue  # (.tmp: what Word/WPS leave while saving, ~WRL0001.tmp: no one's submission)
            elif name.endswith(RESULT_SUFFIX):
                # beside its original it is where a reviewer typed 复核得分, read with it; alone
                # (sent back without the original) it is named, not passed over in silence
                if present is None:
                    present = {_key(r) for _, r, _, _ in walked}
                if not any(_key(r) in present for r in _originals(rel)):
                    others.append((f, shown(rel)))
            elif not _OWN_OUTPUT.search(name) or not _own_content(f, name):
                # (a unit's own 甲.自评报告.docx is listed as any .docx is: only ours is skipped)
                others.append((f, shown(rel)))
    return workbooks, others


def _own_content(f: Path, name: str) -> bool:
    """Whether a file named as one of our outputs is ours by its content: a report or chart as we
    wrote it (``ownership.is_ours``: a report since edited by hand is listed, not passed over), a
    ``_指标明细.csv`` beginning with our header line."""
    from selfeval_xl.ooxml.ownership import is_ours

    if name.endswith(".csv"):
        try:
            with open(f, encoding="utf-8-sig", newline="") as fh:
                return next(csv.reader([fh.readline()]), None) == list(L.DETAIL_HEADERS)
        except (OSError, UnicodeDecodeError):
            return False
    return is_ours(f)


def _original(name: str) -> tuple[str, bool]:
    """The workbook a results file ``name`` was written for, less its suffix: ``X.xls`` for
    ``X.xls.评分结果.xlsx`` (True: the name says its extension), ``X`` for an older version's
    ``X.评分结果.xlsx`` (False: any workbook extension)."""
    stem = name[: -len(RESULT_SUFFIX)]
    return stem, os.path.splitext(stem)[1].lower() in WORKBOOK_EXTENSIONS


def _originals(rel: str) -> list[str]:
    """Where the workbook a results file ``rel`` was written for would be (``_original``)."""
    stem, named = _original(rel)
    return [stem] if named else [stem + ext for ext in sorted(WORKBOOK_EXTENSIONS)]


def _absolute(p: Path) -> str:
    return os.path.normcase(os.path.abspath(p))


def _under(exclude: Iterable[Path]) -> Callable[[str], bool]:
    """Whether an absolute path (``_absolute``, or joined to one) is one of ``exclude`` or inside
    one, compared the way the system compares names (by text on POSIX, case-insensitively on
    Windows), by string prefix: a batch asks it of every file."""
    skip = [_absolute(e) for e in exclude]
    inside = [e if e.endswith(os.sep) else e + os.sep for e in skip]

    def excluded(a: str) -> bool:
        if not skip:
            return False
        a = os.path.normcase(a)
        return any(a == e or a.startswith(e_in) for e, e_in in zip(skip, inside, strict=True))

    return excluded


def _realpath(f: Path, real_dirs: dict[str, str], link: bool) -> str:
    """``os.path.realpath(f)``, each folder resolved once: a file that is not a symbolic link
    (``link``) is its resolved folder and its name."""
    folder, name = os.path.split(f)
    if name in ("", ".", "..") or link:
        return os.path.realpath(f)
    real = real_dirs.get(folder)
    if real is None:
        real = real_dirs[folder] = os.path.realpath(folder or os.curdir)
    return os.path.join(real, name)


_FILE, _OTHER, _UNLISTED = "file", "other", "unlisted"


def _walk(top: Path) -> list[tuple[Path, str, str, bool]]:
    """Every file under ``top`` (not in hidden folders; a linked folder is not entered, as
    ``os.walk`` does not), sorted as their paths sort: (path, its name relative to ``top``
    with "/", what it is, whether it is a symbolic link). A regular file (or a link to one) is
    ``_FILE``; a FIFO, device or broken or looping link is ``_OTHER``; a folder that cannot be
    listed appears as itself, ``_UNLISTED``. Types come from the directory listing itself."""
    found: list[tuple[tuple[str, ...], Path, str, str, bool]] = []
    pending = [(os.fspath(top), "")]
    while pending:
        folder, rel = pending.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError:
            found.append((_key(rel), Path(folder), rel, _UNLISTED, os.path.islink(folder)))
            continue
        for entry in entries:
            sub = f"{rel}/{entry.name}" if rel else entry.name
            link = entry.is_symlink()
            try:
                is_dir = entry.is_dir()  # (through a link, as os.walk decides what a folder is)
            except OSError:
                is_dir = False
            if is_dir:
                if not link and not entry.name.startswith("."):
                    pending.append((entry.path, sub))
                continue
            try:
                kind = _FILE if entry.is_file() else _OTHER
            except OSError:
                kind = _OTHER
            found.append((_key(sub), Path(entry.path), sub, kind, link))
    found.sort(key=lambda item: item[0])
    return [(path, rel, kind, link) for _, path, rel, kind, link in found]


def _key(rel: str) -> tuple[str, ...]:
    """Sorts as ``Path`` objects under one folder do: part by part, as the system compares names."""
    return tuple(os.path.normcase(part) for part in rel.split("/")) if rel else ()


def is_summary(path: Path) -> bool:
    """One of our summaries (its 汇总, 问题清单 and 未评分文件 sheets): what a summary may replace and
    a district report is drafted from. A sample list is ours too, but not a summary."""
    return has_own_sheets(path, L.SUMMARY_SHEETS)


def has_own_sheets(path: Path, *sheet_sets: tuple[str, ...]) -> bool:
    """A workbook holding all the sheets of one of ``sheet_sets`` (one of our outputs, perhaps
    renamed by the user) and no 基本信息 (so not a unit's workbook)."""
    from selfeval_xl.ooxml.package import open_book  # the reader, once there is a file to look into

    try:
        names = open_book(path, parts_read_only=True).sheet_names  # (a long 指标明细 is not read)
    except SelfevalError:
        return False
    return L.is_own_output(names, sheet_sets)


def other_file(display: str) -> Problem:
    """Why a file found beside the workbooks was not scored: a .zip is not unpacked (a
    submission may be inside: ``other-zip``), a results file of ours has no original beside it
    (``results-alone``), anything else is not a workbook (``other-file``). One wording for the
    command line, the web page and the summary's 未评分文件."""
    suffix = Path(display).suffix
    if suffix.lower() == ".zip":
        return Problem.at(display, None, None, "other-zip")
    if display.endswith(RESULT_SUFFIX):
        return results_alone(display)
    return Problem.at(display, None, None, "other-file", suffix=suffix or "无扩展名")


def others_counted(displays: Iterable[str]) -> str:
    """The closing line's part for the files listed, not scored (``find_files``' others):
    ``；不是 Excel 工作簿 2（未评分）；评分结果缺原文件 1（未评分）``, each only when there are any."""
    names = list(displays)
    alone = sum(d.endswith(RESULT_SUFFIX) for d in names)
    other = len(names) - alone
    return (f"；不是 Excel 工作簿 {other}（未评分）" if other else "") + (
        f"；评分结果缺原文件 {alone}（未评分）" if alone else ""
    )


def results_alone(display: str, uploaded: bool = False) -> Problem:
    """``X.xls.评分结果.xlsx`` (the results we wrote for X.xls, perhaps with a reviewer's 复核得分)
    found without X.xls: in a folder, or (``uploaded``) chosen on the web page without it."""
    stem, named = _original(display.rpartition("/")[2])
    # (an older version's X.评分结果.xlsx: the original's extension is not in the name)
    original = f"“{stem}”" if named else f"“{stem}”（.xls、.ods 等工作簿）"
    where, together = ("这一批上传的文件中", "一起上传") if uploaded else ("同一文件夹里", "放在同一文件夹")
    return Problem.at(display, None, None, "results-alone", original=original, where=where, together=together)
