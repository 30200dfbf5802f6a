"""The same submission twice in one run (SPEC §3.13): same 单位编码 (or 单位名称 when there is
no code), 项目名称, 评价年度 and 评价类型 in more than one file → a ``duplicate`` warning on each,
naming the other files.

A batch learns a file's identity only once it is scored, and writes each file back as soon as
it is scored (memory stays flat). So ``Duplicates`` collects (identity, file) pairs as outcomes
arrive; when the batch is done, ``problems()`` gives the warning for every file of every group,
and the batch adds it where the file's results already went (its 评分结果 sheet, the summary, the
JSON line). Duplicates are rare, so that second pass costs nothing in the usual run."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from selfeval_xl.errors import Problem
from selfeval_xl.reading import contract as L

if TYPE_CHECKING:
    from selfeval_xl.scoring.scorecard import Scorecard

Identity = tuple[str, str, str, str]


@dataclass(frozen=True)
class Where:
    """What a duplicate warning needs of a file besides its identity: where to point."""

    sheet: str | None
    cell: str | None


def identity(card: Scorecard) -> tuple[Identity, Where] | None:
    """The file's submission identity and the cell that names its unit (None when the file
    does not say which unit it is)."""
    info, data = card.data.info, card.data
    unit = info.get(L.INFO_UNIT_CODE) or info.get(L.INFO_UNIT)
    if not unit:
        return None
    key = (str(unit), str(info.get(L.INFO_PROJECT) or ""), str(data.year or ""), str(data.kind or ""))
    label = L.INFO_UNIT_CODE if info.get(L.INFO_UNIT_CODE) else L.INFO_UNIT
    return key, Where(data.sheet(L.SHEET_INFO), data.info_cells.get(label))


@dataclass
class Duplicates:
    """Identities seen in a run, each with its files in order."""

    seen: dict[Identity, list[tuple[str, Path, Where]]] = field(default_factory=dict)

    def add(self, found: tuple[Identity, Where] | None, display: str, path: Path) -> None:
        if found is not None:
            key, where = found
            self.seen.setdefault(key, []).append((display, path, where))

    def problems(self) -> dict[str, tuple[Path, Problem]]:
        """For every file that shares its identity with another: its path and the warning."""
        out: dict[str, tuple[Path, Problem]] = {}
        for (_, _, _, kind), files in self.seen.items():
            if len(files) < 2:
                continue
            # (a department's evaluation has no project: the same unit and year)
            same = "同一单位、同一年度的部门整体支出" if kind == L.KIND_DEPARTMENT else "同一单位、同一项目、同一年度的"
            for display, path, where in files:
                names = [d for d, _, _ in files if d != display]
                others = "、".join(names[:3]) + (f" 等 {len(names)} 个文件" if len(names) > 3 else "")
                out[display] = (
                    path,
                    Problem.at(display, where.sheet, where.cell, "duplicate", other=others, same=same),
                )
        return out
