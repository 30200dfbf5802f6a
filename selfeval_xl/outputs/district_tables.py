"""The district report's figures, computed with pandas from a summary workbook (汇总.xlsx): one
DataFrame per sheet, read by header text, then counts, distributions and rates by groupby
(状态, 等级, 评价类型 × 等级, 一级指标 得分率) instead of loops over rows."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from selfeval_xl.outputs.summary_csv import SPILL_NOTE, csv_unsafe
from selfeval_xl.reading import contract as L
from selfeval_xl.reading.sheet_stream import NotPlain, as_pandas_reads, sheet_columns
from selfeval_xl.reading.summary_table import (
    HEADER_SEARCH_ROWS,
    SummaryTableError,
    check_formulas,
    check_one_per_row,
    column,
    numbers,
    read_raw_sheet,
    table_under_header,
)
from selfeval_xl.scoring.verdict import FINAL, NEEDS_CORRECTION, REVIEWED, STATUS_ZH

if TYPE_CHECKING:
    import pandas as pd

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
    # 指标明细 spilled into a CSV (汇总's note names it) that could not be read with it: why (the
    # file missing, changed, not this summary's); ``detail`` then holds the sheet's rows alone
    detail_gap: str | None = None
    spill_name: str = ""


# the headers each sheet must have for the report to read it (an edited summary may have a title
# row above them, columns moved, added or missing; not these)
REQUIRED = {L.S_SUMMARY: ("文件", L.R_TOTAL), L.S_PROBLEMS: ("文件", "代码"), L.S_UNSCORED: ("文件",)}
# 汇总's numbers the report uses (read as numbers even when typed as text; other text refused)
NUMERIC = (
    L.R_TOTAL,
    L.R_REVIEWED_TOTAL,
    "申报总分",
    "得分差异",
    "全年预算数(万元)",
    "全年执行数(万元)",
    "错误数",
    "警告数",
)
RATE = "预算执行率"

# What the report reads of 指标明细 (``level1_rates``): one row per indicator of every workbook,
# 19 columns, ~60,000 rows at 1,000 workbooks; kept whole as a DataFrame it was most of the
# report's memory (~300 MB there) and time
DETAIL_COLUMNS = ("文件", "一级指标", "分值", "核定得分")


def _header_text(v: object) -> str:
    return v.strip() if isinstance(v, str) else ""


def _table(summary: Path, book: pd.ExcelFile, name: str) -> pd.DataFrame:
    """One of 汇总, 问题清单, 未评分文件 by its header (in the first 10 rows), blank rows dropped;
    an empty frame when the summary has no such sheet."""
    import pandas as pd

    if name not in book.sheet_names:
        return pd.DataFrame()
    raw = read_raw_sheet(summary, book, name, "汇总表")
    table = table_under_header(raw, REQUIRED[name], _header_text)
    if table is None:
        heads = "”“".join(REQUIRED[name])
        raise SummaryTableError(
            f"汇总表 {summary.name} 的“{name}”工作表前 {HEADER_SEARCH_ROWS} 行中没有含“{heads}”的表头"
            "（列名被改动或删除了？）；请恢复这些列名，或重新评分生成汇总表"
        )
    table.attrs["sheet"] = name
    check_formulas(summary, table, list(table.columns))
    if name == L.S_SUMMARY:
        check_one_per_row(table, "文件", summary)
    return table.dropna(how="all")


def load(summary: Path) -> DistrictFrames:
    """Read 汇总, 问题清单, 未评分文件, and the columns of 指标明细 the report uses. Raises
    ``SummaryTableError`` (in Chinese, naming the sheet and cell) for a summary edited so that it
    cannot be read as one: a required column renamed or deleted, a number that is no number."""
    import pandas as pd

    with pd.ExcelFile(summary, engine="calamine") as book:
        summary_df, problems, unscored = (_table(summary, book, name) for name in REQUIRED)
        if L.S_DETAIL not in book.sheet_names:
            detail = pd.DataFrame()
        else:
            try:
                detail = _streamed_detail(summary)
            except NotPlain:  # (a summary saved by another program in a way not streamed)
                detail = calamine_detail(summary, book)
    spill, gap = _spill_name(summary_df), None
    if "文件" in summary_df.columns:  # (a summary with no 汇总 sheet at all: none)
        summary_df = summary_df[summary_df["文件"].notna()]
    if spill and not detail.empty:  # the rows past Excel's limit are in the CSV the note names
        found = _spilled(summary, spill, set(column(summary_df, "文件")))
        if isinstance(found, str):
            gap = found
        else:
            detail = pd.concat([detail, found[[h for h in detail.columns if h in found.columns]]], ignore_index=True)
    for h in NUMERIC:
        if h in summary_df.columns:
            summary_df[h] = numbers(summary_df, h, summary).map(as_pandas_reads).astype(object)
    if RATE in summary_df.columns:
        summary_df[RATE] = numbers(summary_df, RATE, summary, percent=True).astype(object)
    summary_df = summary_df.reset_index(drop=True)
    # a summary made before statuses existed (or a 状态 cell cleared): a file with errors, or with
    # a total but no grade, was not graded (as ``sample`` and ``--previous`` take it)
    errors = _numbers(summary_df, "错误数")
    ungraded = (errors > 0) | (summary_df[L.R_GRADE].isna() if L.R_GRADE in summary_df.columns else False)
    fallback = pd.Series(STATUS_ZH[FINAL], index=summary_df.index).where(~ungraded, STATUS_ZH[NEEDS_CORRECTION])
    status = column(summary_df, L.R_STATUS).map(lambda v: v.strip() if isinstance(v, str) else "")
    summary_df[L.R_STATUS] = status.where(status != "", fallback)
    total = _numbers(summary_df, L.R_TOTAL)
    is_ranked = summary_df[L.R_STATUS].isin(RANKED_ZH) & total.notna()
    ranked = summary_df[is_ranked].copy()
    reviewed = _numbers(ranked, L.R_REVIEWED_TOTAL)
    ranked["final"] = reviewed.where(reviewed.notna(), _numbers(ranked, L.R_TOTAL))
    return DistrictFrames(summary_df, ranked, summary_df[~is_ranked], problems, unscored, detail, gap, spill)


def _spill_name(summary_df: pd.DataFrame) -> str:
    """The CSV 汇总's note (below its table, where 文件 is blank) says 指标明细 spilled into; ""
    when it says none. Only a bare file name counts: the CSV is written beside the summary."""
    rest = summary_df[summary_df["文件"].isna()] if "文件" in summary_df.columns else summary_df
    for row in rest.itertuples(index=False):
        for v in row:
            if isinstance(v, str) and v.startswith(SPILL_NOTE):
                name = v[len(SPILL_NOTE) :].strip()
                return name if name and Path(name).name == name and name.endswith(".csv") else ""
    return ""


def _spilled(summary: Path, name: str, files: set[Any]) -> pd.DataFrame | str:
    """``DETAIL_COLUMNS`` of the spill CSV ``name`` beside the summary, as ``_streamed_detail``
    gives the sheet's (whole numbers ints, blanks None, ``csv_safe``'s apostrophe taken off); or
    why it cannot be taken as this summary's: missing, its header not ours, a row cut short, or a
    file that 汇总 does not list (the CSV of another summary)."""
    import pandas as pd

    at = [L.DETAIL_HEADERS.index(h) for h in DETAIL_COLUMNS]
    rows: list[list[Any]] = []
    try:
        with open(summary.with_name(name), encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            if next(reader, None) != list(L.DETAIL_HEADERS):
                return "它的表头与本工具写出的不同（文件被改动或另存过？）"
            for rec in reader:
                if not any(rec):
                    continue
                if len(rec) != len(L.DETAIL_HEADERS):
                    return f"它的第 {reader.line_num} 行列数与表头不同（文件被改动过？）"
                cut = [_csv_value(h, rec[i]) for h, i in zip(DETAIL_COLUMNS, at, strict=True)]
                if cut[0] not in files:
                    return f"它第 {reader.line_num} 行的文件“{cut[0]}”不在汇总表中（不是这份汇总表的明细？）"
                rows.append(cut)
    except FileNotFoundError:
        return "汇总表所在文件夹中没有这个文件"
    except (OSError, UnicodeDecodeError, csv.Error):
        return "它无法按本工具写出的格式（UTF-8 的 CSV）读取（文件被改动或另存过？）"
    return pd.DataFrame(rows, columns=list(DETAIL_COLUMNS), dtype=object)


def _csv_value(header: str, text: str) -> object:
    """A spill CSV cell as the sheet's cell reads: 分值 and 核定得分 numbers where they are."""
    if text == "":
        return None
    if header in ("分值", "核定得分"):
        try:
            return as_pandas_reads(float(text))
        except ValueError:
            return text
    return csv_unsafe(text)


def _streamed_detail(summary: Path) -> pd.DataFrame:
    """``_detail``, with the sheet read as a stream (``sheet_stream``): memory stays flat however
    many workbooks the summary holds (calamine held the whole sheet: ~1 GB at 10,000)."""
    import pandas as pd

    found, rows = sheet_columns(summary, L.S_DETAIL, DETAIL_COLUMNS)
    return pd.DataFrame([r for r in rows if any(v is not None for v in r)], columns=found, dtype=object)


def calamine_detail(summary: Path, book: pd.ExcelFile | None = None) -> pd.DataFrame:
    """``_streamed_detail``, read by calamine (``book``: the summary opened with that engine, else
    opened here): merged cells filled, the header found under a title row, a formula with no
    cached value in the columns read refused."""
    import pandas as pd

    if book is None:
        with pd.ExcelFile(summary, engine="calamine") as opened:
            return calamine_detail(summary, opened)
    raw = read_raw_sheet(summary, book, L.S_DETAIL, "汇总表")
    found = table_under_header(raw, ("文件",), _header_text)
    if found is None:
        return pd.DataFrame()
    found.attrs["sheet"] = L.S_DETAIL
    check_formulas(summary, found, DETAIL_COLUMNS)
    return _detail(found)


def _detail(table: pd.DataFrame) -> pd.DataFrame:
    """指标明细's ``DETAIL_COLUMNS`` (those of them it has), read by ``table_under_header``, as
    ``_streamed_detail`` gives them: blank cells None, whole numbers ints, blank rows dropped."""
    import pandas as pd

    keep = [h for h in DETAIL_COLUMNS if h in table.columns]
    cut = [[as_pandas_reads(None if v != v else v) for v in row] for row in table[keep].itertuples(index=False)]
    return pd.DataFrame([r for r in cut if any(v is not None for v in r)], columns=keep, dtype=object)


def _numbers(df: pd.DataFrame, col: str) -> pd.Series:
    """A column as numbers (text and blanks NaN; all NaN when the summary has no such column)."""
    import pandas as pd

    return pd.to_numeric(column(df, col), errors="coerce")


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts with None for blanks (NaN never reaches the text)."""
    return [{str(k): (None if is_blank(v) else v) for k, v in row.items()} for row in df.to_dict("records")]


def unit_and_project(r: dict[str, Any]) -> str:
    """How a 汇总 row is named in the report: 单位名称（项目名称）, or the unit alone. Where there
    is no 单位名称 (the column deleted from an edited summary, or the cell cleared) the file name
    stands in for it: “（甲项目）” alone would name no one."""
    unit, project = r.get("单位名称") or r.get("文件") or "", r.get("项目名称") or ""
    return f"{unit}（{project}）" if project else str(unit)


def with_file(r: dict[str, Any]) -> str:
    """``unit_and_project`` followed by the file name (the file is named once, not twice, where it
    already stands in for the unit)."""
    shown = unit_and_project(r)
    return shown if not r.get("单位名称") or not r.get("文件") else f"{shown}（{r['文件']}）"


Namer = Callable[[dict[str, Any]], str]


def namer(rows: list[dict[str, Any]]) -> Namer:
    """How the report names a 汇总 row among ``rows`` (every file the summary lists): 单位（项目）
    (``unit_and_project``), followed by its file name where another row bears the same name (the
    same unit and project submitted twice, or in two years) — there the name alone cannot say
    which submission a line is about; elsewhere the file name would only crowd the table."""
    seen = Counter(unit_and_project(r) for r in rows)

    def name(r: dict[str, Any]) -> str:
        return with_file(r) if seen[unit_and_project(r)] > 1 else unit_and_project(r)

    return name


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


def level1_unsaid(f: DistrictFrames) -> str | None:
    """Why ``level1_rates`` is empty although files were graded (the report says so rather than
    leave its 一级指标 paragraph out): 指标明细 deleted, a column it needs renamed or deleted, or
    none of its rows for a graded file; None when there is nothing to say."""
    if f.ranked.empty or not level1_rates(f).empty:
        return None
    if f.detail.columns.empty:
        return f"汇总表中没有“{L.S_DETAIL}”工作表（或它的表头中没有“文件”列）"
    missing = [h for h in DETAIL_COLUMNS if h not in f.detail.columns]
    if missing:
        heads = "”“".join(missing)
        return f"汇总表的“{L.S_DETAIL}”工作表前 {HEADER_SEARCH_ROWS} 行中没有“{heads}”列（列名被改动或删除了？）"
    return f"汇总表的“{L.S_DETAIL}”工作表中没有已评定等级文件的指标得分"


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
