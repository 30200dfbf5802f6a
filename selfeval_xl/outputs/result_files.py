"""Where a workbook's 评分结果 goes (``result_path``) and whether a file we are about to write is
open in Excel/WPS/LibreOffice (``lock_file``): names and stats only, so that a run that finds
nothing to score (and the commands that only check their output's name) load no writer."""

from __future__ import annotations

import os
from pathlib import Path

from selfeval_xl._fs import shown
from selfeval_xl.reading.contract import RESULT_SUFFIX


def result_path(src: Path, display: str, out_dir: Path | None = None) -> Path:
    """The file that receives the results for ``src`` (found as ``display``)."""
    rel = Path(display) if out_dir is not None else Path(src.name)
    if out_dir is not None:
        raw = Path(*src.parts[-len(rel.parts) :])
        if shown(raw.as_posix()) == display:
            rel = raw  # the raw names, where display shows undecodable bytes replaced
    if src.suffix.lower() != ".xlsx":
        # the whole name, extension included: 项目.xls and 项目.ods in one folder each keep their
        # results (项目.xls.评分结果.xlsx, 项目.ods.评分结果.xlsx), the same name on every rerun
        rel = rel.with_name(rel.name + RESULT_SUFFIX)
    base = out_dir if out_dir is not None else src.parent
    return base / rel


def lock_file(path: Path) -> Path | None:
    """The office lock file that says ``path`` is open, if any: Excel/WPS ``~$name`` (Excel
    drops the first two characters of long names), LibreOffice ``.~lock.name#``."""
    folder, own = os.path.split(os.fspath(path))  # (by strings: three Paths a file cost more than the stats)
    names = ["~$" + own, ".~lock." + own + "#"]
    if len(path.stem) > 2:
        names.append("~$" + own[2:])
    for name in names:
        try:
            os.stat(os.path.join(folder, name))
        except OSError:  # absent, or a name too long to exist (a 250-byte name plus "~$")
            continue
        return path.with_name(name)
    return None
