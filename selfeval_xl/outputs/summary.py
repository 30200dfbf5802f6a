"""The district summary workbook 汇总.xlsx (SPEC §4.2), collected while the batch runs.

Long sheets (指标明细, 问题清单) are streamed: their rows arrive rendered as sheet XML and
deflated (``summary_rows.render``, done in the worker that scored the workbook: rows without
references, cell styles at fixed indices) and are appended to temp files as they are, spliced
into the finished workbook at the end (``summary_stream``), so memory does not grow with the
indicator count and this process does next to nothing per row (SPEC §8). Only one short row
per workbook is kept for 汇总, which must be sorted by score before it is written: its rows
are written by the same row writer when the streams are spliced (``summary_sheet``),
XlsxWriter making the sheet around them. The short sheets go through XlsxWriter
(``summary_xlsx``); every input text goes in as text: a cell that reads ``=HYPERLINK(...)``
arrives as that literal text.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from selfeval_xl._fs import scratch_dir, shown
from selfeval_xl.discover import other_file
from selfeval_xl.errors import Problem, problem_title
from selfeval_xl.outputs import pagesetup as P
from selfeval_xl.outputs.previous_year import PreviousYear
from selfeval_xl.outputs.summary_csv import SPILL_NOTE, DetailSpill, csv_safe
from selfeval_xl.outputs.summary_grades import write_grades_sheet
from selfeval_xl.outputs.summary_ranking import SummaryRow, competition_ranks, write_summary_sheet
from selfeval_xl.outputs.summary_rows import (
    CAP_TEXT,
    CAPS,
    Rendered,
    detail_values,
    problem_rows_xml,
    problem_values,
    render,
    render_rows,
)
from selfeval_xl.outputs.summary_stream import PieceStream, RowStream, splice
from selfeval_xl.outputs.summary_xlsx import SummaryBook
from selfeval_xl.reading import contract as L
from selfeval_xl.rounding import percent_fraction
from selfeval_xl.scoring.verdict import BLANK

EXCEL_MAX_ROWS = 1_048_576
# what an empty 未评分文件 prints above its header row, so the page is not a bare table
NO_UNSCORED = "没有未评分的文件：本次汇总的文件都已读取并评分"

__all__ = [
    "EXCEL_MAX_ROWS",
    "Rendered",
    "SummaryWriter",
    "competition_ranks",
    "csv_safe",
    "detail_values",
    "problem_values",
    "render",
]


class SummaryWriter:
    """Collects outcomes into 汇总.xlsx at ``tmp``; ``close()`` finishes the file. ``path`` is
    where the file will end up (links to scored files are relative to its folder)."""

    detail_limit = EXCEL_MAX_ROWS - 1  # rows of 指标明细 below the header; more spill to CSV

    def __init__(self, tmp: Path, path: Path, previous: PreviousYear | None = None):
        self.path = Path(path)
        self.tmp = Path(tmp)
        # every temp part (XlsxWriter's, our row streams, the spill CSV) in one private folder
        # beside the summary: removed on close or abort, or by the next run if killed
        self.scratch = scratch_dir(self.path)
        self.previous = previous  # last year's summary (--previous): 上年核定总分, 上年等级, 变化
        self.book = book = SummaryBook(self.tmp, self.scratch)
        self.ws_summary = book.sheet(L.S_SUMMARY)
        self.ws_grades = book.sheet(L.S_GRADES)
        self.ws_detail = book.sheet(L.S_DETAIL)
        self.ws_problems = book.sheet(L.S_PROBLEMS)
        self.ws_unscored = book.sheet(L.S_UNSCORED)
        book.header(self.ws_detail, L.DETAIL_HEADERS)
        book.header(self.ws_problems, L.PROBLEM_LIST_HEADERS)
        book.header(self.ws_unscored, L.UNSCORED_HEADERS)
        # widest text so far in each column of the long sheets (widths are set on close)
        self.widest = {
            L.S_DETAIL: [0] * len(L.DETAIL_HEADERS),
            L.S_PROBLEMS: [0] * len(L.PROBLEM_LIST_HEADERS),
            L.S_UNSCORED: [0] * len(L.UNSCORED_HEADERS),
        }
        self.years: set[Any] = set()
        self.detail = PieceStream(self.scratch / "rows", "detail", len(L.DETAIL_HEADERS))
        self.problems = PieceStream(self.scratch / "rows", "problems", len(L.PROBLEM_LIST_HEADERS))
        self.n_detail = self.n_problems = self.n_unscored = 0
        self.rows: list[SummaryRow] = []
        self.levels: list[str] = []  # 一级指标 columns in order of first appearance
        self.grades: list[str] = []
        self.spill = DetailSpill(self.path, self.scratch)
        self.csv_path: Path | None = None  # set once a row spilled
        self._rel_folders: dict[str, str] = {}  # folder → relative to the summary's

    # --- collecting -----------------------------------------------------------------------
    def add(
        self,
        obj: dict[str, Any],
        subtotals: list[tuple[str, float, float]],
        grades: tuple[str, ...],
        link: Path | None,
        rendered: Rendered | None = None,
        whole: Callable[[], dict[str, Any]] | None = None,
        counts: tuple[int, int] | None = None,
    ) -> None:
        """Add one workbook: its JSON object (SPEC §4.3, the single source of every number
        here), its 一级指标 subtotals, the grade labels of its rule set and the file to link;
        ``rendered`` is ``render(obj)`` when a worker process made it: then ``obj`` may come
        without its indicators and ``whole()`` gives them when they are needed after all, and
        a scored one without its problems, ``counts`` (errors, warnings) counting them."""
        file = obj["file"]
        rendered = rendered or render(obj)
        for sheet, found in ((L.S_DETAIL, rendered.detail_widest), (L.S_PROBLEMS, rendered.problem_widest)):
            widest = self.widest[sheet]
            widest[:] = [max(a, b) for a, b in zip(widest, found, strict=True)]
        if obj["year"]:
            self.years.add(obj["year"])
        self.problems.put(rendered.problems)
        self.n_problems += rendered.problems.rows
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
            obj = {**obj, "budget": {**(obj["budget"] or {}), "executed": None, "rate": None}}
        rows = rendered.detail.rows
        fit = max(0, min(rows, self.detail_limit - self.n_detail))
        if fit < rows and ("indicators" not in obj and whole is not None):
            obj = {**obj, "indicators": whole()["indicators"]}
        if fit == rows:
            self.detail.put(rendered.detail)
        elif fit:  # the last rows Excel has room for: these rows again, the first ``fit`` of them
            self.detail.write(b"".join(render_rows({**obj, "problems": ()})[0][:fit]), fit)
        self.n_detail += fit
        if fit < rows:  # past Excel's last row: the rest go to the CSV
            for values in list(detail_values(obj))[fit:]:
                self.spill.write(values)
            self.csv_path = self.spill.path
        for name, _, _ in subtotals:
            if name not in self.levels:
                self.levels.append(name)
        budget = obj["budget"] or {}
        if counts is None:
            errors = sum(p["severity"] == "error" for p in obj["problems"])
            counts = (errors, len(obj["problems"]) - errors)
        rel = None
        if link is not None:
            try:
                rel = shown(self._relative(link))
            except ValueError:  # another drive on Windows
                rel = shown(str(link))
        self.rows.append(
            SummaryRow(
                lead=(*lead, budget.get("adjusted"), budget.get("executed"), percent_fraction(budget.get("rate"))),
                subtotals={name: score for name, _, score in subtotals if score == score},  # (nan: all 不适用)
                total=obj["total"],
                grade=obj["grade"],
                claimed=obj["claimed_total"],
                errors=counts[0],
                warnings=counts[1],
                file=file,
                link=rel,
                kind=obj["kind"] or "",
                status=obj.get("status") or "",
                reviewed=obj.get("reviewed_total"),
            )
        )

    def _relative(self, link: Path) -> str:
        """``os.path.relpath(link, summary folder)``, each folder worked out once (a file's
        path relative to it is its folder's and its name)."""
        folder, name = os.path.split(link)
        if name in ("", os.curdir, os.pardir):
            return os.path.relpath(link, self.path.parent)
        rel = self._rel_folders.get(folder)
        if rel is None:
            rel = self._rel_folders[folder] = os.path.relpath(folder or os.curdir, self.path.parent)
        return name if rel == os.curdir else os.path.join(rel, name)

    def add_problem(self, problem: Problem) -> None:
        """A problem found after its workbook was added (a duplicate across the run): one more
        row in 问题清单 and one more in that workbook's count."""
        file = problem.where.file
        self.n_problems += 1
        xml = problem_rows_xml(iter([problem_values(file, problem.as_dict())]), self.widest[L.S_PROBLEMS])[0]
        self.problems.write(xml.encode())
        for row in self.rows:
            if row.file == file:
                if problem.is_error:
                    row.errors += 1
                else:
                    row.warnings += 1

    def add_other(self, file: str) -> None:
        """A file in a scored folder that is not a workbook (.docx, .pdf, a .zip …): listed in
        未评分文件 so that no submission is silently missed (SPEC §4.2)."""
        self.add_unscored(other_file(file))

    def add_unscored(self, problem: Problem) -> None:
        """A file not scored for ``problem`` (in 未评分文件 under its ``where.file``)."""
        self.n_unscored += 1
        self._unscored_row(problem.where.file, problem.code, problem.message)

    def _unscored_row(self, file: str, code: str, message: str) -> None:
        """Row ``n_unscored`` of 未评分文件: the file, the problem's Chinese title, its code, why."""
        values = (file, problem_title(code), code, message)
        widest = self.widest[L.S_UNSCORED]
        widest[:] = [max(w, P.text_width(v)) for w, v in zip(widest, values, strict=True)]
        lines = max(P.lines_needed(v, CAPS.get(h, CAP_TEXT)) for h, v in zip(L.UNSCORED_HEADERS, values, strict=True))
        if lines > 1:
            self.ws_unscored.set_row(self.n_unscored, P.row_height(lines))
        for c, v in enumerate(values):
            self.book.put(self.ws_unscored, self.n_unscored, c, v, self.book.fmt("text"))

    # --- finishing ------------------------------------------------------------------------
    def _title(self) -> str:
        """The printed footer's title: the years of the workbooks summarised."""
        years = "、".join(str(y) for y in sorted(self.years, key=str))
        return f"{years}年度预算绩效自评汇总" if years else "预算绩效自评汇总"

    def _widths(self, sheet: str, headers: tuple[str, ...]) -> list[float]:
        return [
            P.column_width(
                (),
                h,
                cap=CAPS.get(h, CAP_TEXT),
                floor=max(6, min(w + P.PAD, CAPS.get(h, CAP_TEXT))),
                whole_header=True,
            )
            for h, w in zip(headers, self.widest[sheet], strict=True)
        ]

    def close(self) -> None:
        """Write 汇总 and 等级分布, close the workbook, splice in the streamed sheets and move
        the spill CSV (if any) into place."""
        book, title = self.book, self._title()
        note = SPILL_NOTE + self.csv_path.name if self.csv_path is not None else ""
        table = write_summary_sheet(
            book, self.ws_summary, self.rows, self.levels, self.grades, title, self.previous, note
        )
        write_grades_sheet(book, self.ws_grades, self.rows, self.grades, title)
        for ws, sheet, headers, last in (
            (self.ws_detail, L.S_DETAIL, L.DETAIL_HEADERS, self.n_detail),
            (self.ws_problems, L.S_PROBLEMS, L.PROBLEM_LIST_HEADERS, self.n_problems),
            (self.ws_unscored, L.S_UNSCORED, L.UNSCORED_HEADERS, self.n_unscored),
        ):
            book.print(ws, self._widths(sheet, headers), title)
            book.filter(ws, last, len(headers))
        if not self.n_unscored:  # its printed page says so (no row added: tools take its rows for files)
            book.page_note(self.ws_unscored, NO_UNSCORED)
        self.spill.close()
        book.close()
        ranked = RowStream(self.scratch / "rows", "summary", table.ncols)
        splice(
            self.tmp, {L.S_DETAIL: self.detail, L.S_PROBLEMS: self.problems, L.S_SUMMARY: ranked}, {L.S_SUMMARY: table}
        )
        self.spill.commit()
        shutil.rmtree(self.scratch, ignore_errors=True)

    def abort(self) -> None:
        """Give up: remove the row streams and the spill CSV (the workbook temp file itself is
        the caller's; XlsxWriter keeps the short sheets in memory and writes nothing before
        ``close``). Closing may fail on a full disk: whatever happens, the scratch folder goes."""
        try:
            for stream in (self.detail, self.problems):
                with contextlib.suppress(OSError):
                    stream.discard()
            self.spill.close()
        finally:
            shutil.rmtree(self.scratch, ignore_errors=True)
