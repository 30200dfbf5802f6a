"""Last year's summary (``score --previous 上年汇总.xlsx``, SPEC §4.2): each of this year's files
matched to last year's row for the same unit and project, for 上年核定总分, 上年等级 and 变化.

Last year's file is read by header text, not by position: one written by an older selfeval or
edited by hand (a title row added, extra columns, sorted differently, 复核总分 missing) still
matches. Rows match on 单位编码 + 项目名称; where either side has no 单位编码, on 单位名称 +
项目名称. Keys are compared after NFKC and without spaces, so 全角/半角 and stray spaces do not
break a match; a renamed project does not match (it is reported as 无上年记录). A unit that is in
last year's summary with no settled grade there (待更正, 未填写, 待复核) is reported as 上年未定级:
its total then was provisional, so there is nothing to compare with. Where both sides name their
评价年度, a row matches only one of an earlier year (the latest of them): this year's own summary
given as last year's compares nothing (非上年记录), where it would say 变化 0 for every file."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from selfeval_xl.reading import contract as L
from selfeval_xl.reading.summary_table import SummaryTableError, column, numbers, read_summary_table

if TYPE_CHECKING:
    import pandas as pd

NO_RECORD = "无上年记录"
NOT_GRADED = "上年未定级"
NOT_EARLIER = "非上年记录"  # the rows matched are of this year or a later one (as short as 无上年记录: one line)
TOTAL = L.SUMMARY_TAIL[0]  # 核定总分
PREV_HEADERS = ("上年核定总分", "上年等级", "变化")
# last year's rows with no settled score: none at all, or one awaiting a reviewer (provisional, as
# this year's 待复核 files get no 变化)
_NOT_GRADED = {"待更正", "未填写", "未评分", "待复核"}


class PreviousError(Exception):
    """Last year's summary cannot be used (message in Chinese)."""


@dataclass
class PreviousYear:
    """Last year's rows: columns ``code``, ``unit``, ``project`` (match keys), ``total`` (复核总分
    where present, else 核定总分; NaN for a row that had no grade) and ``grade``."""

    path: Path
    table: pd.DataFrame


def key_text(value: object) -> str:
    """A key as compared: NFKC, no spaces; a code stored as a number (340202.0) as digits."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "".join(unicodedata.normalize("NFKC", str(value)).split())


def read_previous(path: Path) -> PreviousYear:
    """Read last year's summary workbook; ``PreviousError`` when it is not one."""
    import pandas as pd

    try:
        raw = read_summary_table(path, (L.INFO_UNIT, TOTAL), "上年汇总表")
        total = numbers(raw, TOTAL, path, "上年汇总表")
        reviewed = numbers(raw, L.R_REVIEWED_TOTAL, path, "上年汇总表")
    except SummaryTableError as exc:
        raise PreviousError(str(exc)) from None
    status = column(raw, "状态").map(key_text)
    table = pd.DataFrame(
        {
            "code": column(raw, L.INFO_UNIT_CODE).map(key_text),
            "unit": column(raw, L.INFO_UNIT).map(key_text),
            "project": column(raw, L.INFO_PROJECT).map(key_text),
            "total": reviewed.where(reviewed.notna(), total),
            "grade": column(raw, "等级").map(lambda v: None if v is None or v != v else str(v).strip() or None),
            "year": column(raw, L.INFO_YEAR).map(_year),
        }
    )
    # graded: a total, no status saying otherwise, and a grade where the file has that column (a
    # summary without 状态, older or edited, shows a 待更正 file's provisional total, no grade)
    graded = table["total"].notna() & ~status.isin(_NOT_GRADED)
    if "等级" in raw.columns:
        graded &= table["grade"].notna()
    table["total"] = table["total"].where(graded)
    # graded rows first: where a unit's project is there twice, the graded one is matched
    table = table[table["unit"] != ""]
    table = table.iloc[table["total"].isna().argsort(kind="stable")]  # (else in file order)
    return PreviousYear(Path(path), table.reset_index(drop=True))


def _year(value: object) -> float:
    """A 评价年度 cell as a number (``parse_year``: 2022, "2022年", "２０２２"); NaN when it names none."""
    from selfeval_xl.reading.values import parse_year

    year = parse_year(value)
    return float("nan") if year is None else float(year)


def match(previous: PreviousYear, current: pd.DataFrame) -> pd.DataFrame:
    """For this year's rows (columns ``code``, ``unit``, ``project`` and ``year`` as written, any
    index): last year's ``prev_total`` and ``prev_grade`` (NaN/None where there is no match, or the
    row matched had no grade), ``matched_by`` (``单位编码``, ``单位名称`` or None where there is no
    match) and ``not_earlier`` (only rows of this year or a later one matched), on the same index."""
    import pandas as pd

    cur = pd.DataFrame(
        {c: current[c].map(key_text) for c in ("code", "unit", "project")}, index=current.index
    ).rename_axis("row")
    cur["year"] = current["year"].map(_year) if "year" in current else float("nan")
    cur = cur.reset_index()
    prev = previous.table.rename(columns={"total": "prev_total", "grade": "prev_grade", "year": "prev_year"})
    prev = prev.assign(rank=range(len(prev)))  # (graded rows first: read_previous's order)
    keep = ["prev_total", "prev_grade", "prev_year", "rank"]

    # 1. by 单位编码 + 项目名称, where both sides have a code
    by_code = cur[cur["code"] != ""].merge(prev[prev["code"] != ""][["code", "project", *keep]], on=["code", "project"])
    by_code["matched_by"] = L.INFO_UNIT_CODE
    # 2. by 单位名称 + 项目名称, where either side has no code
    rest = cur[~cur["row"].isin(by_code["row"])]
    by_name = pd.concat(
        [
            rest[rest["code"] == ""].merge(prev[["unit", "project", *keep]], on=["unit", "project"]),
            rest[rest["code"] != ""].merge(
                prev[prev["code"] == ""][["unit", "project", *keep]], on=["unit", "project"]
            ),
        ]
    )
    by_name["matched_by"] = L.INFO_UNIT
    found = pd.concat([by_code, by_name])
    # a row of this year or later is no last year's (where both name a year): kept aside, to say so
    later = found["year"].notna() & found["prev_year"].notna() & (found["prev_year"] >= found["year"])
    candidates = found[~later]
    # of several earlier years the latest (a summary holding more years than one), graded rows first
    latest = candidates["row"].map(candidates.groupby("row")["prev_year"].max())
    earlier = (
        candidates[candidates["prev_year"].isna() | (candidates["prev_year"] == latest)]
        .sort_values(["row", "rank"])
        .drop_duplicates("row")
    )
    out = earlier.set_index("row")[["prev_total", "prev_grade", "matched_by"]].reindex(cur["row"])
    out["not_earlier"] = (cur["row"].isin(found.loc[later, "row"]) & ~cur["row"].isin(earlier["row"])).to_numpy()
    out.index = current.index
    return out
