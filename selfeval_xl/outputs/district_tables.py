"""The district report's figures, computed with pandas from a summary workbook (汇总.xlsx): one
DataFrame per sheet, read by header text, then counts, distributions and rates by groupby
(状态, 等级, 评价类型 × 等级, 一级指标 得分率) instead of loops over rows."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from selfeval_xl.reading import contract as L
from selfeval_xl.reading.sheet_stream import NotPlain, as_pandas_reads, sheet_columns
from selfeval_xl.reading.summary_table import column
from selfeval_xl.scoring.verdict import FINAL, REVIEWED, STATUS_ZH

if TYPE_CHECKING:
    import pandas as pd
    from python_calamine import CalamineWorkbook

RANKED_ZH = (STATUS_ZH[FINAL], STATUS_ZH[REVIEWED])


@dataclass
class DistrictFrames:
    """A summary workbook's sheets as DataFrames (columns by header text, cells as read —
    whole numbers stay ints — blanks NaN; computations go through ``_numbers``). ``ranked``: graded and ranked files, with ``final`` = 复核总分 when reviewed,
    else 核定总分; ``waiting``: every other file with a row in 汇总."""

    every: pd.DataFrame
    ranked: pd.DataFrame
    waiting: pd.DataFrame
    problems: pd.DataFrame
    unscored: pd.DataFrame
    detail: pd.DataFrame


def _sheet(sheets: dict[str, pd.DataFrame], name: str) -> pd.DataFrame:
    import pandas as pd

    raw = sheets.get(name)
    if raw is None or raw.empty:
        return pd.DataFrame()
    header = [str(h) if isinstance(h, str) else "" for h in raw.iloc[0]]
    body = raw.iloc[1:].copy()
    body.columns = header
    body = body.loc[:, [h != "" for h in header]]
    return body.dropna(how="all").reset_index(drop=True)


# What the report reads of 指标明细 (``level1_rates``): one row per indicator of every workbook,
# 19 columns, ~60,000 rows at 1,000 workbooks; kept whole as a DataFrame it was most of the
# report's memory (~300 MB there) and time
DETAIL_COLUMNS = ("文件", "一级指标", "分值", "核定得分")


def load(summary: Path) -> DistrictFrames:
    """Read 汇总, 问题清单, 未评分文件, and the columns of 指标明细 the report uses."""
    import pandas as pd

    wanted = (L.S_SUMMARY, L.S_PROBLEMS, L.S_UNSCORED)
    with pd.ExcelFile(summary, engine="calamine") as book:
        present = [name for name in wanted if name in book.sheet_names]
        sheets = pd.read_excel(book, sheet_name=present, header=None, dtype=object) if present else {}
        if L.S_DETAIL not in book.sheet_names:
            detail = pd.DataFrame()
        else:
            try:
                detail = _streamed_detail(summary)
            except NotPlain:  # (a summary saved by another program in a way not streamed)
                # the workbook pandas opened with the calamine engine: the file is not opened twice
                detail = _detail(cast("CalamineWorkbook", book.book))
    summary_df, problems, unscored = (_sheet(sheets, name) for name in wanted)
    if "文件" in summary_df.columns:
        summary_df = summary_df[summary_df["文件"].notna()].reset_index(drop=True)
    if L.R_STATUS not in summary_df.columns:  # a summary made before statuses existed
        summary_df[L.R_STATUS] = STATUS_ZH[FINAL]
    summary_df[L.R_STATUS] = summary_df[L.R_STATUS].fillna(STATUS_ZH[FINAL])
    total = _numbers(summary_df, L.R_TOTAL)
    is_ranked = summary_df[L.R_STATUS].isin(RANKED_ZH) & total.notna()
    ranked = summary_df[is_ranked].copy()
    reviewed = _numbers(ranked, L.R_REVIEWED_TOTAL)
    ranked["final"] = reviewed.where(reviewed.notna(), _numbers(ranked, L.R_TOTAL))
    return DistrictFrames(summary_df, ranked, summary_df[~is_ranked], problems, unscored, detail)


def _streamed_detail(summary: Path) -> pd.DataFrame:
    """``_detail``, with the sheet read as a stream (``sheet_stream``): memory stays flat however
    many workbooks the summary holds (calamine held the whole sheet: ~1 GB at 10,000)."""
    import pandas as pd

    found, rows = sheet_columns(summary, L.S_DETAIL, DETAIL_COLUMNS)
    return pd.DataFrame([r for r in rows if any(v is not None for v in r)], columns=found, dtype=object)


def _detail(workbook: CalamineWorkbook) -> pd.DataFrame:
    """指标明细's ``DETAIL_COLUMNS`` (those of them it has), row by row, as pandas reads a sheet
    for ``_sheet``: blank cells None, whole numbers ints, blank rows dropped. ``workbook``: the
    one pandas opened."""
    import pandas as pd

    rows = workbook.get_sheet_by_name(L.S_DETAIL).iter_rows()
    header = [h if isinstance(h, str) else "" for h in next(rows, [])]
    keep = [(h, header.index(h)) for h in DETAIL_COLUMNS if h in header]
    cut = [[as_pandas_reads(row[i]) for _, i in keep] for row in rows]
    return pd.DataFrame([r for r in cut if any(v is not None for v in r)], columns=[h for h, _ in keep], dtype=object)


def _numbers(df: pd.DataFrame, col: str) -> pd.Series:
    """A column as numbers (text and blanks NaN; all NaN when the summary has no such column)."""
    import pandas as pd

    return pd.to_numeric(column(df, col), errors="coerce")


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts with None for blanks (NaN never reaches the text)."""
    return [{str(k): (None if is_blank(v) else v) for k, v in row.items()} for row in df.to_dict("records")]


def unit_and_project(r: dict[str, Any]) -> str:
    """How a 汇总 row is named in the report: 单位名称（项目名称）, or the unit alone."""
    unit, project = r.get("单位名称") or "", r.get("项目名称") or ""
    return f"{unit}（{project}）" if project else str(unit)


def is_blank(v: object) -> bool:
    return v is None or (isinstance(v, float) and v != v)


def status_counts(f: DistrictFrames) -> pd.Series:
    """Files per 状态, in the order the statuses are listed (zero counts dropped)."""
    counts = f.every[L.R_STATUS].value_counts()
    order = [zh for zh in STATUS_ZH.values() if counts.get(zh, 0)]
    return counts.reindex(order)


def kind_counts(f: DistrictFrames) -> pd.Series:
    """Graded files per 评价类型, in order of first appearance."""
    kinds = column(f.ranked, "评价类型")
    return kinds.fillna("未注明").value_counts(sort=False)


def grade_table(f: DistrictFrames) -> pd.DataFrame:
    """等级 | 数量 | 占比 for the graded files, best grade (highest score in it) first."""
    import pandas as pd

    if f.ranked.empty:
        return pd.DataFrame(columns=["数量", "占比", "best"])
    by = f.ranked.groupby(L.R_GRADE, sort=False)
    table = pd.DataFrame({"数量": by.size(), "best": by["final"].max()})
    table["占比"] = table["数量"] / len(f.ranked) * 100
    return table.sort_values("best", ascending=False, kind="stable")


def kind_grades(f: DistrictFrames) -> pd.DataFrame:
    """评价类型 × 等级 counts of the graded files (grades in ``grade_table``'s order)."""
    import pandas as pd

    if f.ranked.empty or "评价类型" not in f.ranked.columns:
        return pd.DataFrame()
    kinds = f.ranked["评价类型"].fillna("未注明")
    table = pd.crosstab(kinds, f.ranked[L.R_GRADE])
    # crosstab sorts both axes: kinds back in order of first appearance, grades best first
    return table.reindex(index=list(kinds.unique()), columns=list(grade_table(f).index), fill_value=0)


def level1_rates(f: DistrictFrames) -> pd.DataFrame:
    """Per 一级指标, over the graded files' indicator rows in 指标明细: 指标数, 分值 and 核定得分
    sums, 得分率 = Σ核定得分 ÷ Σ分值 × 100, and how many indicators fell short of full points.
    一级指标 as typed (``产出指标(50分)``) are grouped under their canonical name.
    Rows not scored (不适用: 核定得分 blank) are left out."""
    import pandas as pd

    d = f.detail
    need = {"文件", "一级指标", "分值", "核定得分"}
    if d.empty or not need <= set(d.columns) or f.ranked.empty:
        return pd.DataFrame()
    d = d[d["文件"].isin(set(f.ranked["文件"]))]
    points, score = _numbers(d, "分值"), _numbers(d, "核定得分")
    scored = points.notna() & score.notna()
    level1 = d["一级指标"].map(lambda v: L.canonical_level1(v) if isinstance(v, str) else "未注明")
    d = pd.DataFrame({"一级指标": level1, "分值": points, "核定得分": score, "未满分": score < points - 0.005})[scored]
    if d.empty:
        return pd.DataFrame()
    table = d.groupby("一级指标", sort=False).agg(
        指标数=("分值", "size"), 分值=("分值", "sum"), 核定得分=("核定得分", "sum"), 未满分=("未满分", "sum")
    )
    table["得分率"] = table["核定得分"] / table["分值"] * 100
    return table


def lowest_rate(f: DistrictFrames, top: int) -> pd.DataFrame:
    """The graded files with the lowest 预算执行率 (lowest first)."""
    rate = _numbers(f.ranked, "预算执行率").dropna()
    # assign the filtered Series: an empty frame would take a full Series' index as its own
    return f.ranked.loc[rate.index].assign(_rate=rate).sort_values("_rate", kind="stable").head(top)


def biggest_diffs(f: DistrictFrames, top: int) -> pd.DataFrame:
    """The graded files whose 申报总分 differs most from 核定总分 (largest |得分差异| first)."""
    diff = _numbers(f.ranked, "得分差异")
    keep = diff.notna() & (diff != 0)
    return f.ranked[keep].assign(_abs=diff[keep].abs()).sort_values("_abs", ascending=False, kind="stable").head(top)


def common_problems(f: DistrictFrames, top: int) -> pd.DataFrame:
    """The most frequent problem codes: 次数, 涉及文件 (distinct files) and the first-listed
    说明 as an example."""
    import pandas as pd

    p = f.problems
    if p.empty or "代码" not in p.columns:
        return pd.DataFrame(columns=["次数", "涉及文件", "示例"])
    by = p.groupby("代码", sort=False)
    table = pd.DataFrame({"次数": by.size(), "涉及文件": by["文件"].nunique(), "示例": by["说明"].first()})
    return table.sort_values("次数", ascending=False, kind="stable").head(top)


def reviewer_only_errors(f: DistrictFrames) -> set[str]:
    """The files whose errors are all in the 评分结果 sheet (a reviewer's 复核得分 typed wrong):
    待更正 for the bureau to fix, not the unit."""
    p = f.problems
    if p.empty or not {"文件", "工作表", "级别"} <= set(p.columns):
        return set()
    errors = p[p["级别"] == "错误"]
    on_results = errors["工作表"] == L.SHEET_RESULTS
    return set(errors["文件"][on_results]) - set(errors["文件"][~on_results])
