"""``selfeval demo``: the bundled samples, copied somewhere and scored like a real batch."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

from selfeval_xl.reading import contract as L


def samples_dir() -> Path:
    """The bundled ``samples/`` folder: inside the installed package (a wheel maps the repo's
    ``samples/`` there), or the source checkout's ``samples/`` (editable install)."""
    packaged = Path(str(resources.files("selfeval_xl"))) / "samples"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parent.parent / "samples"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError("找不到内置样例文件夹 samples/")


def copy_samples(target: Path) -> list[Path]:
    """Fresh copies of every sample workbook in ``target`` (existing copies are replaced, so
    a rerun starts from the same files); return the copies."""
    target.mkdir(parents=True, exist_ok=True)
    copies = []
    for src in sorted(samples_dir().glob("*.xlsx")):
        if src.name.startswith(("~$", ".")) or src.name == L.SUMMARY_FILE:
            continue
        dst = target / src.name
        shutil.copyfile(src, dst)
        copies.append(dst)
    return copies
