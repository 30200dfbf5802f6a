"""The district summary workbook (SPEC §4.2), written with XlsxWriter while the batch runs.

Long sheets (指标明细, 问题清单, 未评分文件) are streamed row by row (``constant_memory``), so
memory does not grow with the indicator count; only one short row per workbook is kept for
汇总, which must be sorted by score before it is written. Every input text goes in with
``write_string``: a cell that reads ``=HYPERLINK(...)`` arrives as that literal text.
"""

from __future__ import annotations

import contextlib
import csv
import os
import re
import shutil
import tempfile
import zipfile
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import xlsxwriter

from selfeval_xl._fs import scratch_dir, shown
from selfeval_xl.errors import SEVERITY_ZH, Problem, problem_title
from selfeval_xl.ooxml.sheet_writer import Package, clean_text, row_xml, sheet_parts
from selfeval_xl.outputs import pagesetup as P
from selfeval_xl.outputs.previous_year import NO_RECORD, PREV_HEADERS, PreviousYear, match
from selfeval_xl.outputs.results_sheet import GRADE_FILLS
from selfeval_xl.reading import contract as L
from selfeval_xl.reading.contract import col_letter
from selfeval_xl.rounding import percent_fraction, round_half_up
from selfeval_xl.scoring.scorecard import IndicatorJson
from selfeval_xl.scoring.verdict import (
    BLANK,
    NEEDS_CORRECTION,
    NEEDS_REVIEW,
    STATUSES,
    compares_claim,
    group_index,
    is_ranked,
    status_zh,
)

EXCEL_MAX_ROWS = 1_048_576
FONT = {"font_name": "宋体", "font_size": 11, "valign": "top"}

# Widest a column gets (units) before its text wraps; numbers never wrap.
CAP_TEXT, CAP_NUM = 20, 12
CAPS = {
    "文件": 28,
    L.INFO_UNIT: 22,
    L.INFO_PROJECT: 22,
    "三级指标": 22,
    "实际完成值": 22,
    "评分说明": 34,
    "说明": 48,
    "原因": 48,
    "代码": 22,
}
DETAIL_CAPS = [CAPS.get(h, CAP_TEXT) for h in L.DETAIL_HEADERS]
PROBLEM_CAPS = [CAPS.get(h, CAP_TEXT) for h in L.PROBLEM_LIST_HEADERS]
# 状态 cell fills: what waits on someone stands out (待复核 amber, 待更正 red, 未填写 grey)
STATUS_FILLS = {NEEDS_REVIEW: "#FFEB9C", NEEDS_CORRECTION: "#FFC7CE", BLANK: "#E7E6E6"}


@dataclass
class _Row:
    """One workbook in 汇总 (kept until the end, when the rows are sorted and ranked)."""

    lead: tuple[Any, ...]
    subtotals: dict[str, float]
    total: float
    grade: str
    claimed: float | None
    errors: int
    warnings: int
    file: str
    link: str | None
    kind: str
    status: str = ""
    reviewed: float | None = None

    @property
    def final_total(self) -> float:
        return self.reviewed if self.reviewed is not None else self.total


ROW_MARK = "\x00"  # stands for the row number in rendered rows until they are placed
# 指标明细 rows, 问题清单 rows (XML with ROW_MARK), then the widest text of each of their columns
Rendered = tuple[list[str], list[str], list[int], list[int]]
RowStyles = tuple[list[int], list[int]]  # cellXfs ids by column: 指标明细, 问题清单


_FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """A CSV cell that a spreadsheet opens as text, never as a formula (OWASP "CSV injection"):
    text starting with = + - @ tab or CR gets a leading apostrophe. Numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_LEAD):
        return "'" + value
    return value


# 指标明细 columns whose numbers show as a percentage, and as plain numbers (2 decimals)
DETAIL_PERCENT = ("完成率",)
DETAIL_NUMBERS = ("分值", "核定得分", "申报得分", "得分差异")


def detail_values(obj: Mapping[str, Any]) -> Iterator[tuple[Any, ...]]:
    """The 指标明细 cells (``L.DETAIL_HEADERS``) for each indicator of a JSON object (a
    ``ScorecardJson``), each cell named by its header."""
    lead = {
        "文件": obj["file"],
        L.INFO_UNIT_CODE: obj["unit_code"],
        L.INFO_UNIT: obj["unit"],
        L.INFO_KIND: obj["kind"],
        L.INFO_PROJECT: obj["project"],
        L.INFO_YEAR: obj["year"],
    }
    indicators: list[IndicatorJson] = obj["indicators"]
    for ind in indicators:
        claimed, score = ind["claimed"], ind["score"]
        cells = {
            **lead,
            "一级指标": ind["level1"],
            "二级指标": ind["level2"],
            "三级指标": ind["name"],
            L.I_OPERATOR: ind["operator"],
            "指标值": ind["target"],
            "实际完成值": ind["actual"],
            L.I_UNIT: ind["unit"],
            "完成率": percent_fraction(ind["rate"]),
            "分值": ind["points"],
            "核定得分": score,
            "申报得分": claimed,
            "得分差异": None if claimed is None or score is None else round_half_up(claimed - score),
            "评分说明": ind["note"],
        }
        yield tuple(cells[h] for h in L.DETAIL_HEADERS)


def problem_values(file: str, p: Mapping[str, Any]) -> tuple[Any, ...]:
    """The 问题清单 cells (``L.PROBLEM_LIST_HEADERS``) for one problem of a JSON object."""
    cells = {
        "文件": file,
        "工作表": p["sheet"],
        "单元格": p["cell"],
        "级别": SEVERITY_ZH[p["severity"]],
        "问题": problem_title(p["code"]),
        "代码": p["code"],
        "说明": p["message"],
    }
    return tuple(cells[h] for h in L.PROBLEM_LIST_HEADERS)


def _rows(values: Iterator[tuple[Any, ...]], styles: list[int], caps: list[int], widest: list[int]) -> list[str]:
    """Rows as XML, each as tall as its wrapped text needs (a cell longer than its column's
    cap wraps at the cap, which is then the column's width); ``widest`` is updated."""
    out = []
    for v in values:
        lines = 1
        for c, x in enumerate(v):
            if type(x) is not str:
                if x is not None and x == x:  # a number, shown with 2 decimals (and maybe ×100 %)
                    w = len(f"{x:.2f}") + 2
                    if w > widest[c]:
                        widest[c] = w
                continue  # numbers never wrap
            w = P.text_width(x)
            if w > widest[c]:
                widest[c] = w
                if w + P.PAD > caps[c]:
                    lines = max(lines, P.lines_needed(x, caps[c]))
            elif w + P.PAD > caps[c]:
                lines = max(lines, P.lines_needed(x, caps[c]))
        out.append(row_xml(ROW_MARK, v, styles, P.row_height(lines) if lines > 1 else None))
    return out


def render(obj: Mapping[str, Any], styles: RowStyles) -> Rendered:
    """A workbook's 指标明细 and 问题清单 rows as sheet XML, row numbers left as ``ROW_MARK``:
    the costly part of the summary, done where the workbook was scored."""
    dw, pw = [0] * len(L.DETAIL_HEADERS), [0] * len(L.PROBLEM_LIST_HEADERS)
    detail = _rows(detail_values(obj), styles[0], DETAIL_CAPS, dw) if obj["total"] is not None else []
    problems = _rows((problem_values(obj["file"], p) for p in obj["problems"]), styles[1], PROBLEM_CAPS, pw)
    return detail, problems, dw, pw


def competition_ranks(scores: list[float]) -> list[int]:
    """Ranks for scores sorted high to low, ties sharing a rank: 95, 90, 90, 80 → 1, 2, 2, 4."""
    ranks: list[int] = []
    for i, s in enumerate(scores):
        ranks.append(ranks[-1] if i and s == scores[i - 1] else i + 1)
    return ranks


class SummaryWriter:
    """Collects outcomes into 汇总.xlsx at ``tmp``; ``close()`` finishes the file. ``path`` is
    where the file will end up (links to scored files are relative to its folder)."""

    detail_limit = EXCEL_MAX_ROWS - 1  # rows of 指标明细 below the header; more spill to CSV

    def __init__(self, tmp: Path, path: Path, previous: PreviousYear | None = None):
        self.path = Path(path)
        # every temp part (XlsxWriter's row files, our row streams, the spill CSV) in one private
        # folder beside the summary: removed on close or abort, or by the next run if killed
        self.scratch = scratch_dir(self.path)
        self.previous = previous  # last year's summary (--previous): 上年核定总分, 上年等级, 变化
        self.wb = xlsxwriter.Workbook(
            str(tmp),
            {
                "tmpdir": str(self.scratch),
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "default_format_properties": FONT,
            },
        )
        wb = self.wb
        self.f_head = wb.add_format(
            {
                "bold": True,
                "bg_color": "#D9D9D9",
                "text_wrap": True,
                "align": "center",
                "valign": "vcenter",
                "border": 1,
            }
        )
        self.f_wrap = wb.add_format({"text_wrap": True})
        self.f_num = wb.add_format({"num_format": "0.00"})
        self.f_pct = wb.add_format({"num_format": "0.00%"})
        self.f_grade = [wb.add_format({"bold": True, "align": "center", "bg_color": "#" + c[2:]}) for c in GRADE_FILLS]
        self._formats: dict[tuple[str, bool], Any] = {}
        self.ws_summary = wb.add_worksheet(L.S_SUMMARY)
        self.ws_grades = wb.add_worksheet(L.S_GRADES)
        self.ws_detail = wb.add_worksheet(L.S_DETAIL)
        self.ws_problems = wb.add_worksheet(L.S_PROBLEMS)
        self.ws_unscored = wb.add_worksheet(L.S_UNSCORED)
        self._header(self.ws_detail, L.DETAIL_HEADERS)
        self._header(self.ws_problems, L.PROBLEM_LIST_HEADERS)
        self._header(self.ws_unscored, L.UNSCORED_HEADERS)
        # widest text so far in each column of the long sheets (widths are set on close)
        self.widest = {
            L.S_DETAIL: [0] * len(L.DETAIL_HEADERS),
            L.S_PROBLEMS: [0] * len(L.PROBLEM_LIST_HEADERS),
            L.S_UNSCORED: [0] * len(L.UNSCORED_HEADERS),
        }
        self.years: set[Any] = set()
        # The long sheets' rows go to temp files as XML and are spliced into XlsxWriter's
        # placeholder sheets on close: ~1 µs a cell instead of ~15 (SPEC §8).
        self.tmp = Path(tmp)
        self.detail = _RowStream(self.scratch / "rows", "detail", len(L.DETAIL_HEADERS))
        self.problems = _RowStream(self.scratch / "rows", "problems", len(L.PROBLEM_LIST_HEADERS))
        self.n_detail = self.n_problems = self.n_unscored = 0
        # XlsxWriter's own indices; text columns wrap (at their cap)
        s_pct, s_num, s_wrap = self.f_pct._get_xf_index(), self.f_num._get_xf_index(), self.f_wrap._get_xf_index()
        self.detail_styles: RowStyles = (
            [s_pct if h in DETAIL_PERCENT else s_num if h in DETAIL_NUMBERS else s_wrap for h in L.DETAIL_HEADERS],
            [s_wrap] * len(L.PROBLEM_LIST_HEADERS),
        )
        self.rows: list[_Row] = []
        self.levels: list[str] = []  # 一级指标 columns in order of first appearance
        self.grades: list[str] = []
        self.csv_path: Path | None = None
        self._csv: tuple[IO[str], Any] | None = None

    # --- writing helpers ------------------------------------------------------------------
    def _header(self, ws: Any, headers: tuple[str, ...] | list[str]) -> None:
        ws.set_row(0, P.row_height(2))  # headers wrap onto at most two lines
        for c, h in enumerate(headers):
            ws.write_string(0, c, h, self.f_head)
        ws.freeze_panes(1, 0)
        ws.repeat_rows(0)

    def _print(self, ws: Any, widths: list[float], repeat_cols: int = 1) -> None:
        """Column widths and the page setup (SPEC §4.5): A4, one page wide at ≥ 8 pt, or the
        columns split into printed blocks with the first ``repeat_cols`` on each; the footer
        names the summary and the sheet."""
        years = "、".join(str(y) for y in sorted(self.years, key=str))
        title = f"{years}年度预算绩效自评汇总" if years else "预算绩效自评汇总"
        P.print_xlsxwriter(ws, widths, P.footer_text(title, ws.name), repeat_cols)

    def _widths(self, sheet: str, headers: tuple[str, ...] | list[str]) -> list[float]:
        return [
            P.column_width((), h, cap=CAPS.get(h, CAP_TEXT), floor=max(6, min(w + P.PAD, CAPS.get(h, CAP_TEXT))))
            for h, w in zip(headers, self.widest[sheet], strict=True)
        ]

    def _put(self, ws: Any, r: int, c: int, value: Any, fmt: Any = None) -> None:
        if value is None or value == "":
            return
        if isinstance(value, bool):
            ws.write_boolean(r, c, value, fmt)
        elif isinstance(value, int | float):
            ws.write_number(r, c, value, fmt)
        else:
            ws.write_string(r, c, clean_text(str(value)), fmt)

    def _filter(self, ws: Any, last_row: int, ncols: int) -> None:
        ws.autofilter(0, 0, max(last_row, 0), ncols - 1)

    # --- collecting -----------------------------------------------------------------------
    def add(
        self,
        obj: dict[str, Any],
        subtotals: list[tuple[str, float, float]],
        grades: tuple[str, ...],
        link: Path | None,
        rendered: Rendered | None = None,
    ) -> None:
        """Add one workbook: its JSON object (SPEC §4.3, the single source of every number
        here), its 一级指标 subtotals, the grade labels of its rule set and the file to link;
        ``rendered`` is ``render(obj, self.detail_styles)`` when a worker process made it."""
        file = obj["file"]
        rendered = rendered or render(obj, self.detail_styles)
        for sheet, found in ((L.S_DETAIL, rendered[2]), (L.S_PROBLEMS, rendered[3])):
            widest = self.widest[sheet]
            widest[:] = [max(a, b) for a, b in zip(widest, found, strict=True)]
        if obj["year"]:
            self.years.add(obj["year"])
        for tpl in rendered[1]:
            self.n_problems += 1
            self.problems.write(tpl.replace(ROW_MARK, str(self.n_problems + 1)))
        if obj["total"] is None:
            self.n_unscored += 1
            first = obj["problems"][0] if obj["problems"] else {"code": "", "message": ""}
            self._unscored_row(file, first["code"], first["message"])
            return
        for g in grades:
            if g not in self.grades:
                self.grades.append(g)
        lead = (obj["unit_code"], obj["unit"], obj["kind"], obj["project"], obj["year"])
        if obj.get("status") == BLANK:  # nothing executed was filled in: no rate to show
            budget = {**(obj["budget"] or {}), "executed": None, "rate": None}
            obj = {**obj, "budget": budget}
        spill: list[tuple[Any, ...]] | None = None
        for i, tpl in enumerate(rendered[0]):
            if self.n_detail < self.detail_limit:
                self.n_detail += 1
                self.detail.write(tpl.replace(ROW_MARK, str(self.n_detail + 1)))
            else:
                spill = spill or list(detail_values(obj))
                self._spill(spill[i])
        for name, _, _ in subtotals:
            if name not in self.levels:
                self.levels.append(name)
        budget = obj["budget"] or {}
        errors = sum(p["severity"] == "error" for p in obj["problems"])
        rel = None
        if link is not None:
            try:
                rel = shown(os.path.relpath(link, self.path.parent))
            except ValueError:  # another drive on Windows
                rel = shown(str(link))
        self.rows.append(
            _Row(
                lead=(
                    *lead,
                    budget.get("adjusted"),
                    budget.get("executed"),
                    percent_fraction(budget.get("rate")),
                ),
                subtotals={name: score for name, _, score in subtotals},
                total=obj["total"],
                grade=obj["grade"],
                claimed=obj["claimed_total"],
                errors=errors,
                warnings=len(obj["problems"]) - errors,
                file=file,
                link=rel,
                kind=obj["kind"] or "",
                status=obj.get("status") or "",
                reviewed=obj.get("reviewed_total"),
            )
        )

    def add_problem(self, problem: Problem) -> None:
        """A problem found after its workbook was added (a duplicate across the run): one more
        row in 问题清单 and one more in that workbook's count."""
        p = problem.as_dict()
        file = problem.where.file
        self.n_problems += 1
        widest = self.widest[L.S_PROBLEMS]
        xml = _rows(iter([problem_values(file, p)]), self.detail_styles[1], PROBLEM_CAPS, widest)[0]
        self.problems.write(xml.replace(ROW_MARK, str(self.n_problems + 1)))
        for row in self.rows:
            if row.file == file:
                if problem.is_error:
                    row.errors += 1
                else:
                    row.warnings += 1

    def add_other(self, file: str, suffix: str) -> None:
        """A file in a scored folder that is not a workbook (.docx, .pdf …): listed in 未评分文件
        so that no submission is silently missed (SPEC §4.2)."""
        problem = Problem.at(file, None, None, "other-file", suffix=suffix or "无扩展名")
        self.n_unscored += 1
        self._unscored_row(file, problem.code, problem.message)

    def _unscored_row(self, file: str, code: str, message: str) -> None:
        """Row ``n_unscored`` of 未评分文件: the file, the problem's Chinese title, its code, why."""
        values = (file, problem_title(code), code, message)
        widest = self.widest[L.S_UNSCORED]
        widest[:] = [max(w, P.text_width(v)) for w, v in zip(widest, values, strict=True)]
        lines = max(P.lines_needed(v, CAPS.get(h, CAP_TEXT)) for h, v in zip(L.UNSCORED_HEADERS, values, strict=True))
        if lines > 1:
            self.ws_unscored.set_row(self.n_unscored, P.row_height(lines))
        for c, v in enumerate(values):
            self._put(self.ws_unscored, self.n_unscored, c, v, self.f_wrap)

    def _spill(self, values: tuple[Any, ...]) -> None:
        if self._csv is None:
            self.csv_path = self.path.with_name(self.path.stem + "_指标明细.csv")
            # written in the scratch folder, moved into place when complete (atomic)
            fh = open(self.scratch / "detail.csv", "w", encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed in close()
            writer = csv.writer(fh)
            writer.writerow(L.DETAIL_HEADERS)
            self._csv = (fh, writer)
        self._csv[1].writerow([csv_safe(v) for v in values])

    # --- finishing ------------------------------------------------------------------------
    def close(self) -> None:
        """Write 汇总 and 等级分布 and close the workbook (and the spill CSV, if any)."""
        self._write_summary()
        self._write_grades()
        for ws, sheet, headers in (
            (self.ws_detail, L.S_DETAIL, L.DETAIL_HEADERS),
            (self.ws_problems, L.S_PROBLEMS, L.PROBLEM_LIST_HEADERS),
            (self.ws_unscored, L.S_UNSCORED, L.UNSCORED_HEADERS),
        ):
            self._print(ws, self._widths(sheet, headers))
        self._filter(self.ws_detail, self.n_detail, len(L.DETAIL_HEADERS))
        self._filter(self.ws_problems, self.n_problems, len(L.PROBLEM_LIST_HEADERS))
        self._filter(self.ws_unscored, self.n_unscored, len(L.UNSCORED_HEADERS))
        if self._csv is not None:
            self._csv[0].close()
        self.wb.close()
        _splice(self.tmp, {L.S_DETAIL: self.detail, L.S_PROBLEMS: self.problems})
        if self._csv is not None and self.csv_path is not None:
            os.replace(self.scratch / "detail.csv", self.csv_path)
        shutil.rmtree(self.scratch, ignore_errors=True)

    def abort(self) -> None:
        """Give up: remove the row streams, the spill CSV and XlsxWriter's per-sheet row files
        (the workbook temp file itself is the caller's). Closing may fail on a full disk:
        whatever happens, the scratch folder goes."""
        try:
            for stream in (self.detail, self.problems):
                with contextlib.suppress(OSError):
                    stream.discard()
            for ws in self.wb.worksheets():
                fh, name = getattr(ws, "row_data_fh", None), getattr(ws, "row_data_filename", None)
                if fh is not None and not fh.closed:
                    with contextlib.suppress(OSError):
                        fh.close()
                if name:
                    Path(name).unlink(missing_ok=True)
            if self._csv is not None:
                with contextlib.suppress(OSError):
                    self._csv[0].close()
        finally:
            shutil.rmtree(self.scratch, ignore_errors=True)

    def _fmt(self, kind: str, top: bool = False) -> Any:
        """A 汇总 cell format by kind; ``top`` draws the line that sets a status group apart."""
        key = (kind, top)
        if key not in self._formats:
            props: dict[str, Any] = {
                "text": {"text_wrap": True},
                "int": {"num_format": "0"},
                "amount": {"num_format": "#,##0.00"},
                "pct": {"num_format": "0.00%"},
                "num": {"num_format": "0.00"},
                "change": {"num_format": "+0.00;-0.00;0.00"},
                "provisional": {"num_format": '0.00"（暂算）"', "font_color": "#9C0006"},
                "link": {"font_color": "#0563C1", "underline": 1, "text_wrap": True},
            }.get(kind, {})
            if kind.startswith("grade:"):
                i = int(kind[6:])
                props = {"bold": True, "align": "center", "bg_color": "#" + GRADE_FILLS[i][2:]}
            elif kind.startswith("status:"):
                props = {"bold": True, "align": "center"}
                if fill := STATUS_FILLS.get(kind[7:]):
                    props["bg_color"] = fill
            if top:
                props = {**props, "top": 5}  # a thick line above the first row of each group
            self._formats[key] = self.wb.add_format(props) if props else None
        return self._formats[key]

    def _write_summary(self) -> None:
        """汇总: graded files ranked by their final total (复核总分 where present, else 核定总分),
        then 待复核, 待更正 and 未填写, each group set apart by a thick line and unranked
        (SPEC §4.2). No separator rows: every row below the header is one workbook, so the
        sheet still filters, sorts and pivots."""
        ws = self.ws_summary
        prev_headers = PREV_HEADERS if self.previous is not None else ()
        headers = [
            *L.SUMMARY_LEAD,
            *(L.SUMMARY_SUBTOTAL.format(n) for n in self.levels),
            *L.SUMMARY_TAIL,
            *prev_headers,
        ]
        self._header(ws, headers)
        ws.freeze_panes(1, 2)
        # stable sorts: ties keep file order; 待更正 and 未填写 stay in file order
        rows = sorted(
            self.rows, key=lambda r: (group_index(r.status), -r.final_total if group_index(r.status) < 2 else 0)
        )
        ranked = [r for r in rows if is_ranked(r.status)]
        ranks: list[int | None] = [
            *competition_ranks([r.final_total for r in ranked]),
            *[None] * (len(rows) - len(ranked)),
        ]
        previous = self._previous(rows)
        lead_fmt = ["text", "text", "text", "text", "int", "amount", "amount", "pct"]
        widths = self._summary_widths(headers, rows)
        self._print(ws, widths, repeat_cols=2)
        for i, (row, rank) in enumerate(zip(rows, ranks, strict=True), start=1):
            texts = (*row.lead[:4], row.file)
            cols = (0, 1, 2, 3, headers.index("文件"))
            lines = max(P.lines_needed(t, widths[c]) for t, c in zip(texts, cols, strict=True))
            if lines > 1:
                ws.set_row(i, P.row_height(lines))
            top = i > 1 and group_index(row.status) != group_index(rows[i - 2].status)
            for c, v in enumerate(row.lead):
                self._cell(ws, i, c, v, self._fmt(lead_fmt[c], top), top)
            c = len(row.lead)
            blank = row.status == BLANK
            for name in self.levels:
                self._cell(ws, i, c, None if blank else row.subtotals.get(name), self._fmt("num", top), top)
                c += 1
            grade_kind = f"grade:{min(self._grade_index(row.grade), len(GRADE_FILLS) - 1)}" if row.grade else "text"
            diff = (
                None
                if row.claimed is None or not compares_claim(row.status)
                else round_half_up(row.claimed - row.total)
            )
            total_kind = "provisional" if row.status == NEEDS_CORRECTION else "num"
            tail = [
                (None if blank else row.total, total_kind),
                (row.grade, grade_kind),
                (row.claimed, "num"),
                (diff, "num"),
                (rank, "text"),
                (row.errors, "text"),
                (row.warnings, "text"),
            ]
            for v, kind in tail:
                self._cell(ws, i, c, v, self._fmt(kind, top), top)
                c += 1
            if row.link:
                ws.write_url(i, c, "external:" + row.link, self._fmt("link", top), string=clean_text(row.file))
            else:
                self._cell(ws, i, c, row.file, self._fmt("text", top), top)
            self._cell(ws, i, c + 1, status_zh(row.status), self._fmt(f"status:{row.status}", top), top)
            self._cell(ws, i, c + 2, row.reviewed, self._fmt("num", top), top)
            for k, (v, kind) in enumerate(previous[i - 1], start=3):
                self._cell(ws, i, c + k, v, self._fmt(kind, top), top)
        self._filter(ws, len(rows), len(headers))
        if self.csv_path is not None:
            note = f"指标明细超过 Excel 行数上限，超出部分见 {self.csv_path.name}"
            ws.write_string(len(rows) + 2, 0, note)

    def _cell(self, ws: Any, r: int, c: int, value: Any, fmt: Any, top: bool) -> None:
        """Like ``_put``, but an empty cell on a group's first row still draws the line."""
        if (value is None or value == "") and top:
            ws.write_blank(r, c, None, fmt)
        else:
            self._put(ws, r, c, value, fmt)

    def _summary_widths(self, headers: list[str], rows: list[_Row]) -> list[float]:
        """汇总's widths from its cells; the name and file columns wrap to fit the page."""
        file_col = headers.index("文件")
        text_cols = (0, 1, 2, 3, file_col)
        columns: list[list[object]] = [[] for _ in headers]
        for r in rows:
            for c, v in enumerate(r.lead):
                columns[c].append(f"{v:,.2f}" if c in (5, 6) and isinstance(v, float) else v)
            c = len(r.lead)
            total = f"{r.total:.2f}（暂算）" if r.status == NEEDS_CORRECTION else r.total  # as its format shows it
            for v in (*(r.subtotals.get(n) for n in self.levels), total, r.grade, r.claimed, r.total):
                columns[c].append(v)
                c += 1
            columns[file_col].append(r.file)
            for k, v in enumerate((status_zh(r.status), r.reviewed), start=file_col + 1):
                if k < len(columns):  # 状态, 复核总分
                    columns[k].append(v)
        widths = [
            P.column_width(col, h, cap=CAPS.get(h, CAP_TEXT) if c in text_cols else CAP_NUM, floor=6)
            for c, (h, col) in enumerate(zip(headers, columns, strict=True))
        ]
        budget = P.width_units(True, P.MIN_PT / P.FONT_PT) * 0.97
        return P.fit_widths(widths, budget, [1, 3], floor=14)

    def _previous(self, rows: list[_Row]) -> list[list[tuple[Any, str]]]:
        """上年核定总分, 上年等级, 变化 for each row (none without ``--previous``): matched with
        last year's rows by ``previous.match``; an unmatched row says 无上年记录. 变化 only for
        files with a grade this year (a 待更正 total is provisional)."""
        if self.previous is None:
            return [[] for _ in rows]
        import pandas as pd

        current = pd.DataFrame([(r.lead[0], r.lead[1], r.lead[3]) for r in rows], columns=["code", "unit", "project"])
        found = match(self.previous, current)
        out: list[list[tuple[Any, str]]] = []
        for row, (_, m) in zip(rows, found.iterrows(), strict=True):
            if pd.isna(m["prev_total"]):
                out.append([(NO_RECORD, "text"), (None, "text"), (None, "text")])
                continue
            prev = float(m["prev_total"])
            grade = None if pd.isna(m["prev_grade"]) else m["prev_grade"]
            change = round_half_up(row.final_total - prev) if row.grade else None
            out.append([(prev, "num"), (grade, "text"), (change, "change")])
        return out

    def _grade_index(self, grade: str | None) -> int:
        return self.grades.index(grade) if grade in self.grades else len(self.grades)

    def _write_grades(self) -> None:
        """Grades of the graded (ranked) files, overall and per 评价类型, with a chart; below,
        every scored file's status (SPEC §4.2)."""
        ws = self.ws_grades
        ranked = [r for r in self.rows if is_ranked(r.status)]
        kinds = sorted({r.kind for r in self.rows})
        groups = [("全部", ranked)] + (
            [(k, [r for r in ranked if r.kind == k]) for k in kinds] if len(kinds) > 1 else []
        )
        headers = ["等级"]
        for name, _ in groups:
            headers += [f"{name}数量", f"{name}占比"]
        self._header(ws, headers)
        widths = [float(P.text_width(h) + P.PAD) for h in headers]  # headers on one line
        widths[0] = max(widths[0], 10.0)  # room for the statuses below (待复核, 待更正 …)
        self._print(ws, widths, repeat_cols=1)
        counts = [Counter(r.grade for r in rows) for _, rows in groups]
        for i, grade in enumerate(self.grades, start=1):
            ws.write_string(i, 0, grade, self.f_grade[min(i - 1, len(self.f_grade) - 1)])
            for g, ((_, rows), count) in enumerate(zip(groups, counts, strict=True)):
                ws.write_number(i, 1 + 2 * g, count.get(grade, 0))
                ws.write_number(i, 2 + 2 * g, count.get(grade, 0) / len(rows) if rows else 0, self.f_pct)
        total_row = len(self.grades) + 1
        ws.write_string(total_row, 0, "合计", self.f_head)
        for g, (_, rows) in enumerate(groups):
            ws.write_number(total_row, 1 + 2 * g, len(rows))
            ws.write_number(total_row, 2 + 2 * g, 1 if rows else 0, self.f_pct)
        total_row = self._write_statuses(ws, total_row + 2, kinds)
        if not self.grades:
            return
        chart = self.wb.add_chart({"type": "column"})
        n = len(self.grades)
        for g, (name, _) in enumerate(groups):
            chart.add_series(
                {
                    "name": name,
                    "categories": [L.S_GRADES, 1, 0, n, 0],
                    "values": [L.S_GRADES, 1, 1 + 2 * g, n, 1 + 2 * g],
                    "data_labels": {"value": True},
                }
            )
        chart.set_title({"name": "等级分布"})
        chart.set_x_axis({"name": "等级"})
        most = max((max(c.values(), default=0) for c in counts), default=0)
        y_axis = {"name": "单位数", "major_gridlines": {"visible": True}, "min": 0, "num_format": "0"}
        if most <= 10:
            y_axis["major_unit"] = 1  # counts are whole units
        chart.set_y_axis(y_axis)
        chart.set_legend({"position": "bottom" if len(groups) > 1 else "none"})
        ws.insert_chart(total_row + 2, 0, chart, {"x_scale": 1.2, "y_scale": 1.1})

    def _write_statuses(self, ws: Any, first: int, kinds: list[str]) -> int:
        """The status table from row ``first``: files per status, overall and per 评价类型.
        Returns its last row."""
        groups = [("全部", self.rows)] + (
            [(k, [r for r in self.rows if r.kind == k]) for k in kinds] if len(kinds) > 1 else []
        )
        ws.write_string(first, 0, "状态", self.f_head)
        for g, (name, _) in enumerate(groups):
            ws.write_string(first, 1 + 2 * g, f"{name}数量", self.f_head)
            ws.write_string(first, 2 + 2 * g, f"{name}占比", self.f_head)
        counts = [Counter(r.status for r in rows) for _, rows in groups]
        row = first
        for status in STATUSES:
            row += 1
            ws.write_string(row, 0, status_zh(status), self._fmt(f"status:{status}"))
            for g, ((_, rows), count) in enumerate(zip(groups, counts, strict=True)):
                ws.write_number(row, 1 + 2 * g, count.get(status, 0))
                ws.write_number(row, 2 + 2 * g, count.get(status, 0) / len(rows) if rows else 0, self.f_pct)
        row += 1
        ws.write_string(row, 0, "合计", self.f_head)
        for g, (_, rows) in enumerate(groups):
            ws.write_number(row, 1 + 2 * g, len(rows))
            ws.write_number(row, 2 + 2 * g, 1 if rows else 0, self.f_pct)
        return row


class _RowStream:
    """Sheet rows as XML text in a temp file beside the summary."""

    def __init__(self, beside: Path, name: str, ncols: int):
        self.ncols, self.last_row = ncols, 1  # row 1 is the header XlsxWriter writes
        fd, path = tempfile.mkstemp(prefix=f".{beside.stem}.{name}.", suffix=".xml", dir=beside.parent)
        self.path = Path(path)
        self.fh: IO[str] | None = os.fdopen(fd, "w", encoding="utf-8")

    def write(self, text: str) -> None:
        assert self.fh is not None
        self.fh.write(text)
        self.last_row += 1

    def close(self) -> Path:
        if self.fh is not None:
            self.fh.close()
            self.fh = None
        return self.path

    def discard(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)


def _splice(xlsx: Path, streams: dict[str, _RowStream]) -> None:
    """Put each stream's rows into its (header-only) sheet of ``xlsx``, in place."""
    pkg = Package.read(xlsx)
    parts = sheet_parts(pkg)
    out = xlsx.with_name(xlsx.name + ".splice")
    try:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            for info in pkg.infos:
                stream = next((st for name, st in streams.items() if parts.get(name) == info.filename), None)
                if stream is None:
                    zf.writestr(info, pkg.parts[info.filename])
                    continue
                xml = pkg.text(info.filename)
                ref = f'<dimension ref="A1:{col_letter(stream.ncols - 1)}{stream.last_row}"/>'
                xml = re.sub(r"<dimension [^>]*/>", ref, xml, count=1)  # readers trust it
                cut = xml.index("</sheetData>")
                member = zipfile.ZipInfo(info.filename, info.date_time)
                member.compress_type = zipfile.ZIP_DEFLATED  # a bare ZipInfo would be stored uncompressed
                with zf.open(member, "w", force_zip64=True) as fh:
                    fh.write(xml[:cut].encode("utf-8"))
                    with open(stream.close(), "rb") as rows:
                        shutil.copyfileobj(rows, fh, 1 << 20)
                    fh.write(xml[cut:].encode("utf-8"))
        pkg.close()
        os.replace(out, xlsx)
    finally:
        pkg.close()
        out.unlink(missing_ok=True)
        for st in streams.values():
            st.discard()
