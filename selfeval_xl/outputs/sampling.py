"""抽查 (SPEC §4.4): which scored files a finance bureau reviews, drawn from a summary workbook.

Always picked: files awaiting review (待复核), files whose 申报总分 and 核定总分 differ by 5 points
or more, and the largest budgets (the top 10% by 全年预算数). The rest of the sample is drawn at
random with a seed, so the same summary and seed give the same list. Only files with a score a
reviewer can check are candidates: 已评分, 已复核, 待复核; files 待更正 or 未填写 go back to their
unit first. Every pick says why it was picked."""

from __future__ import annotations

import math
import os
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from selfeval_xl.discover import has_own_sheets
from selfeval_xl.ooxml.sheet_writer import clean_text
from selfeval_xl.outputs import pagesetup as P
from selfeval_xl.outputs.pagesetup import footer_text, lines_needed, print_xlsxwriter
from selfeval_xl.outputs.summary_kinds import HEAD
from selfeval_xl.outputs.summary_xlsx import close_workbook, file_url
from selfeval_xl.reading import contract as L
from selfeval_xl.reading.summary_table import (
    SummaryTableError,
    check_one_per_row,
    column,
    file_links,
    numbers,
    read_summary_table,
    year_text,
)
from selfeval_xl.rounding import fmt_num, round_half_up

if TYPE_CHECKING:
    import pandas as pd

DIFF_LIMIT = 5.0  # |申报总分 − 核定总分| at or above this is always picked
TOP_BUDGET_SHARE = 0.10  # the largest budgets: this share of the candidates
DEFAULT_RATE = 0.2
SAMPLEABLE = ("已评分", "已复核", "待复核")
NEEDS_REVIEW = "待复核"
RANDOM_REASON = "随机抽取"


class SampleError(Exception):
    """The summary cannot be sampled (message in Chinese)."""


@dataclass
class Pick:
    row: dict[str, Any]
    reasons: list[str] = field(default_factory=list)

    @property
    def must(self) -> bool:
        return self.reasons != [RANDOM_REASON]


@dataclass
class Sample:
    picks: list[Pick]
    candidates: int  # files that could be picked
    held_back: dict[str, int]  # files not sampled, by status (待更正, 未填写)
    target: int  # files the rate or count asked for
    seed: int
    rule: str  # the rate or count as asked, in words
    years: tuple[str, ...] = ()  # the summary's 评价年度 (for the printed footer)


def read_candidates(summary: Path) -> tuple[pd.DataFrame, dict[str, int], tuple[str, ...]]:
    """The rows of 汇总 with their status, the count of rows held back by status, and the
    评价年度 of all its rows (as the summary's own footer names them)."""

    try:
        table = read_summary_table(summary, ("文件", "核定总分"))
        check_one_per_row(table, "文件", summary)
    except SummaryTableError as exc:
        raise SampleError(str(exc)) from None
    table = table[column(table, "文件").map(lambda v: isinstance(v, str) and bool(v.strip()))].copy()
    try:
        for h in ("核定总分", "复核总分", "申报总分", "全年预算数", "错误数"):
            table[h] = numbers(table, h, summary)
    except SummaryTableError as exc:
        raise SampleError(str(exc)) from None
    # a summary from before statuses existed: a file with errors would now be 待更正
    status = column(table, "状态").map(lambda v: str(v).strip() if isinstance(v, str) else "")
    fallback = table["错误数"].map(lambda n: "待更正" if n == n and n > 0 else "已评分")
    table["状态"] = status.where(status != "", fallback)
    ok = table["状态"].isin(SAMPLEABLE) & table["核定总分"].notna()
    held = table[~ok]["状态"].value_counts().to_dict()
    years = tuple(sorted({y for v in column(table, L.INFO_YEAR) if (y := year_text(v))}))
    return table[ok].reset_index(drop=True), {str(k): int(v) for k, v in held.items()}, years


def draw(summary: Path, rate: float | None = None, count: int | None = None, seed: int = 0) -> Sample:
    """The sample for ``summary``: must-picks, then random picks up to ``count`` files (or
    ``rate`` of the candidates, rounded up)."""
    table, held, years = read_candidates(summary)
    n = len(table)
    if count is not None:
        target, rule = min(count, n), f"{count} 份"
    else:
        rate = DEFAULT_RATE if rate is None else rate
        target, rule = math.ceil(round(rate * n, 9)), f"{fmt_num(rate * 100)}%"
    rows = [{str(k): v for k, v in record.items()} for record in table.to_dict("records")]
    picks: dict[int, Pick] = {}

    def pick(i: int, reason: str) -> None:
        picks.setdefault(i, Pick(rows[i])).reasons.append(reason)

    for i, r in enumerate(rows):
        if r["状态"] == NEEDS_REVIEW:
            pick(i, "待复核：有指标需人工判断")
    for i, r in enumerate(rows):
        claimed, total = r["申报总分"], r["核定总分"]
        if claimed == claimed and abs(claimed - total) >= DIFF_LIMIT - 1e-9:
            diff = round_half_up(claimed - total)
            pick(
                i,
                f"申报总分 {fmt_num(claimed)} 与核定总分 {fmt_num(total)} 相差 {fmt_num(abs(diff))} 分（≥ {fmt_num(DIFF_LIMIT)}）",
            )
    budgets = sorted(
        ((r["全年预算数"], i) for i, r in enumerate(rows) if r["全年预算数"] == r["全年预算数"]), key=lambda x: -x[0]
    )
    top = math.ceil(round(TOP_BUDGET_SHARE * n, 9))
    for k, (amount, i) in enumerate(budgets[:top], start=1):
        pick(i, f"预算规模居前 {fmt_num(TOP_BUDGET_SHARE * 100)}%（全年预算数 {fmt_num(amount)} 万元，第 {k} 位）")
    rest = sorted((i for i in range(n) if i not in picks), key=lambda i: (str(rows[i]["文件"]), i))
    extra = max(0, target - len(picks))
    for i in sorted(random.Random(seed).sample(rest, min(extra, len(rest)))):
        pick(i, RANDOM_REASON)
    ordered = sorted(picks.items(), key=lambda kv: (not kv[1].must, kv[0]))
    return Sample([p for _, p in ordered], n, held, target, seed, rule, years)


def is_own_sample(path: Path) -> bool:
    """A sample list this tool wrote (so it may be replaced)."""
    return has_own_sheets(path, (L.S_SAMPLE, L.S_SAMPLE_NOTES))


def write_sample(sample: Sample, summary: Path, out: Path, made_at: str) -> None:
    """The sample list workbook: 抽查名单 (one row per pick, with its reasons) and 抽取说明."""
    import xlsxwriter  # loads on first use, not with the command line

    wb = xlsxwriter.Workbook(
        str(out),
        {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "default_format_properties": {"font_name": "宋体", "font_size": 11},
        },
    )
    head = wb.add_format(HEAD)  # as 汇总's header row
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    num = wb.add_format({"num_format": "0.00", "valign": "top"})
    amount = wb.add_format({"num_format": "#,##0.00", "valign": "top"})
    top = wb.add_format({"valign": "top"})
    ws = wb.add_worksheet(L.S_SAMPLE)
    for c, h in enumerate(L.SAMPLE_HEADERS):
        ws.write_string(0, c, h, head)
    fmts = (top, wrap, wrap, wrap, wrap, wrap, amount, num, num, num, top, top)
    reasons = ["；".join(p.reasons) for p in sample.picks]
    widths = _widths(sample, reasons)
    link = wb.add_format({"font_color": "#0563C1", "underline": 1, "text_wrap": True, "valign": "top"})
    links = _links_from(summary, out)
    ws.set_row(0, P.row_height(P.header_lines(L.SAMPLE_HEADERS, widths)))
    for i, p in enumerate(sample.picks, start=1):
        ws.write_number(i, 0, i, top)
        for c, key in enumerate(FIELDS, start=1):
            _put(ws, i, c, p.row.get(key), fmts[c])
        if (target := links.get(str(p.row.get("文件")))) is not None:  # as 汇总's 文件 column
            ws.write_url(i, 1, file_url(target), link, string=clean_text(str(p.row["文件"])))
        ws.write_string(i, len(FIELDS) + 1, reasons[i - 1], wrap)
        texts = [(p.row.get(k), widths[c]) for c, k in enumerate(FIELDS, start=1) if fmts[c] is wrap]
        texts.append((reasons[i - 1], widths[-1]))
        ws.set_row(i, P.row_height(max(_lines(_shown(v), w) for v, w in texts)))
    ws.freeze_panes(1, 2)
    ws.autofilter(0, 0, max(len(sample.picks), 1), len(L.SAMPLE_HEADERS) - 1)
    title = f"{'、'.join(sample.years)}年度预算绩效自评{L.S_SAMPLE}" if sample.years else L.S_SAMPLE
    print_xlsxwriter(ws, widths, footer_text(title), repeat_cols=2)

    notes = wb.add_worksheet(L.S_SAMPLE_NOTES)
    must = sum(p.must for p in sample.picks)
    held = "、".join(f"{k} {v} 份" for k, v in sample.held_back.items()) or "无"
    lines = [
        ("汇总表", summary.name),
        ("可抽取的文件", f"{sample.candidates} 份（已评分、已复核、待复核）"),
        (
            "未参与抽取",
            f"{held}（待更正的改正后再抽：单位填报有误的退回单位，只是复核得分填错的由复核人员改正；未填写的退回单位）",
        ),
        ("抽取数量", f"按 {sample.rule} 应抽 {sample.target} 份，实抽 {len(sample.picks)} 份"),
        (
            "必抽",
            f"{must} 份：待复核的文件；申报总分与核定总分相差 {fmt_num(DIFF_LIMIT)} 分及以上的文件；全年预算数居前 {fmt_num(TOP_BUDGET_SHARE * 100)}% 的文件",
        ),
        ("随机抽取", f"{len(sample.picks) - must} 份，随机种子 {sample.seed}（用同一汇总表和同一种子可得到同一名单）"),
        ("生成时间", made_at),
    ]
    # a label at the top of its row, beside its value's first line (a value over two lines left
    # 未参与抽取 at the bottom, a line below what it names)
    label = wb.add_format({"bold": True, "bg_color": "#D9D9D9", "align": "center", "valign": "top", "border": 1})
    for r, (name, value) in enumerate(lines):
        notes.set_row(r, 15 * _lines(value, 90))
        notes.write_string(r, 0, name, label)
        notes.write_string(r, 1, value, wrap)
    print_xlsxwriter(notes, (14, 90), footer_text(title, L.S_SAMPLE_NOTES))
    close_workbook(wb)  # a full disk: the OSError, not XlsxWriter's wrapper


# 抽查名单's columns after 序号: the summary's, by header (抽取原因 comes last)
FIELDS = (
    "文件",
    "单位编码",
    "单位名称",
    "项目名称",
    "评价类型",
    "全年预算数",
    "申报总分",
    "核定总分",
    "复核总分",
    "等级",
    "状态",
)
# the widest each column of the list is (longer text wraps), 序号 first and 抽取原因 last
CAPS = (5, 26, 14, 24, 26, 14, 15, 9, 9, 9, 6, 8, 46)
# the long texts, narrowed (widest first, to 12 units) until the list prints one page wide at
# ≥ 8 pt: 文件, 单位名称, 项目名称, 抽取原因
NARROWED = (1, 3, 4, 12)
ONE_PAGE = P.width_units(True, P.MIN_PT / P.FONT_PT) * 0.97  # units landscape A4 holds at 8 pt


def _widths(sample: Sample, reasons: list[str]) -> list[float]:
    """Column widths from the texts the list shows, the long ones narrowed to fit one page
    wide (SPEC §4.5): 13 columns at their widest (205 units) would print in two blocks."""
    columns = [[str(len(sample.picks))]]
    columns += [[_shown(p.row.get(key), key) for p in sample.picks] for key in FIELDS]
    columns.append(reasons)
    widths = [
        P.column_width(texts, h, cap=cap, floor=6, whole_header=True)
        for texts, h, cap in zip(columns, L.SAMPLE_HEADERS, CAPS, strict=True)
    ]
    return P.fit_widths(widths, ONE_PAGE, NARROWED, floor=12)


def _shown(value: Any, key: str = "") -> str:
    """A cell's text as the list shows it (amounts with thousands separators, scores 0.00)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:,.2f}" if key == "全年预算数" else f"{value:.2f}"
    return str(value)


def _links_from(summary: Path, out: Path) -> dict[str, str]:
    """汇总's links to the scored files, made relative to the list's folder (the same targets when
    the list is beside the summary, as by default)."""
    here, there = os.path.abspath(summary.parent), os.path.abspath(out.parent)
    links = {}
    for text, target in file_links(summary).items():
        full = os.path.normpath(os.path.join(here, target))
        try:
            links[text] = os.path.relpath(full, there)
        except ValueError:  # another drive on Windows
            links[text] = full
    return links


def _lines(text: str, width: float) -> int:
    """Lines a wrapped cell needs (at least one), measured as every sheet selfeval writes."""
    return max(1, lines_needed(text, width))


def _put(ws: Any, r: int, c: int, value: Any, fmt: Any) -> None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return
    if isinstance(value, int | float) and not isinstance(value, bool):
        ws.write_number(r, c, value, fmt)
    else:
        ws.write_string(r, c, clean_text(str(value)), fmt)
