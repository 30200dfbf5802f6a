"""The one adapter around XlsxWriter (public API only): the summary workbook, its cell formats by kind, cell writing."""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import Any

from selfeval_xl.ooxml.sheet_writer import clean_text
from selfeval_xl.outputs import pagesetup as P
from selfeval_xl.outputs.grade_colours import GRADE_FILLS
from selfeval_xl.scoring.verdict import BLANK, NEEDS_CORRECTION, NEEDS_REVIEW

FONT = {"font_name": "宋体", "font_size": 11, "valign": "top"}
# 状态 cell fills: what waits on someone stands out (待复核 amber, 待更正 red, 未填写 grey)
STATUS_FILLS = {NEEDS_REVIEW: "#FFEB9C", NEEDS_CORRECTION: "#FFC7CE", BLANK: "#E7E6E6"}
_KINDS: dict[str, dict[str, Any]] = {
    "head": {
        "bold": True,
        "bg_color": "#D9D9D9",
        "text_wrap": True,
        "align": "center",
        "valign": "vcenter",
        "border": 1,
    },
    "text": {"text_wrap": True},
    "int": {"num_format": "0"},
    "amount": {"num_format": "#,##0.00"},
    "pct": {"num_format": "0.00%"},
    "num": {"num_format": "0.00"},
    "change": {"num_format": "+0.00;-0.00;0.00"},
    "provisional": {"num_format": '0.00"（暂算）"', "font_color": "#9C0006"},
    "link": {"font_color": "#0563C1", "underline": 1, "text_wrap": True},
}


class SummaryBook:
    """An XlsxWriter workbook at ``tmp`` with every text written as text (never a formula, URL
    or number), its temp files in ``scratch``; formats are asked for by kind."""

    def __init__(self, tmp: Path, scratch: Path):
        import xlsxwriter  # loads when a summary is written, not with the command line

        self.wb = xlsxwriter.Workbook(
            str(tmp),
            {
                "tmpdir": str(scratch),
                # its parts assembled in memory, not one temp file each: every sheet it writes is
                # short (汇总's rows and the long sheets' are spliced in afterwards)
                "in_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "default_format_properties": FONT,
            },
        )
        self._formats: dict[tuple[str, bool], Any] = {}

    def sheet(self, name: str) -> Any:
        return self.wb.add_worksheet(name)

    def fmt(self, kind: str, top: bool = False) -> Any:
        """A cell format by kind (``_KINDS``, ``grade:<i>``, ``status:<status>``); ``top`` draws
        the thick line that sets a group of 汇总 rows apart. None: the default format."""
        key = (kind, top)
        if key not in self._formats:
            props = dict(_KINDS.get(kind, {}))
            if kind.startswith("grade:"):
                i = min(int(kind[6:]), len(GRADE_FILLS) - 1)
                props = {"bold": True, "align": "center", "bg_color": "#" + GRADE_FILLS[i][2:]}
            elif kind.startswith("status:"):
                props = {"bold": True, "align": "center"}
                if fill := STATUS_FILLS.get(kind[7:]):
                    props["bg_color"] = fill
            if top:
                props = {**props, "top": 5}  # a thick line above the first row of each group
            self._formats[key] = self.wb.add_format(props) if props else None
        return self._formats[key]

    def header(self, ws: Any, headers: tuple[str, ...] | list[str]) -> None:
        """Row 1: the headers (wrapping onto at most two lines), frozen and printed on every page."""
        ws.set_row(0, P.row_height(2))
        for c, h in enumerate(headers):
            ws.write_string(0, c, h, self.fmt("head"))
        ws.freeze_panes(1, 0)
        ws.repeat_rows(0)

    def put(self, ws: Any, r: int, c: int, value: Any, fmt: Any = None) -> None:
        """A value as what it is (text always as text); None and "" leave the cell empty."""
        if value is None or value == "":
            return
        if isinstance(value, bool):
            ws.write_boolean(r, c, value, fmt)
        elif isinstance(value, int | float):
            ws.write_number(r, c, value, fmt)
        else:
            ws.write_string(r, c, clean_text(str(value)), fmt)

    def cell(self, ws: Any, r: int, c: int, value: Any, fmt: Any, top: bool) -> None:
        """Like ``put``, but an empty cell on a group's first row still draws the line."""
        if (value is None or value == "") and top:
            ws.write_blank(r, c, None, fmt)
        else:
            self.put(ws, r, c, value, fmt)

    def link(self, ws: Any, r: int, c: int, target: str, text: str, fmt: Any) -> None:
        """A link to a file, relative to the summary's folder."""
        ws.write_url(r, c, file_url(target), fmt, string=clean_text(text))

    @staticmethod
    def filter(ws: Any, last_row: int, ncols: int) -> None:
        ws.autofilter(0, 0, max(last_row, 0), ncols - 1)

    @staticmethod
    def print(ws: Any, widths: list[float], title: str, repeat_cols: int = 1) -> None:
        """Column widths and the page setup (SPEC §4.5): A4, one page wide at ≥ 8 pt, or the
        columns split into printed blocks with the first ``repeat_cols`` on each; the footer
        names the summary and the sheet."""
        P.print_xlsxwriter(ws, widths, P.footer_text(title, ws.get_name()), repeat_cols)

    def chart(self, spec: dict[str, Any]) -> Any:
        return self.wb.add_chart(spec)

    def close(self) -> None:
        """Write the workbook. A full disk or a vanished folder comes out as the OSError it is
        (XlsxWriter wraps it in its own FileCreateError, which the batch would not expect)."""
        close_workbook(self.wb)


# Excel's escapes in a file link, as XlsxWriter makes them ("%" first), and "#": left alone, XlsxWriter
# takes it for the start of a place inside the file, so that a link to 甲#2.xlsx opened 甲 (or nothing)
_URL_ESCAPES: tuple[tuple[str, str], ...] = (
    *(("%", "%25"), ('"', "%22"), (" ", "%20"), ("<", "%3c"), (">", "%3e"), ("[", "%5b"), ("]", "%5d")),
    *(("^", "%5e"), ("`", "%60"), ("{", "%7b"), ("}", "%7d"), ("#", "%23")),
)


def file_url(target: str) -> str:
    """XlsxWriter's ``external:`` URL for a file path (relative or absolute), escaped here: XlsxWriter
    leaves a URL with any %-escape in it as it is, so it is escaped once, completely."""
    for ch, code in _URL_ESCAPES:
        target = target.replace(ch, code)
    return "external:" + target


def close_workbook(wb: Any) -> None:
    """Close (write) an XlsxWriter workbook. A full disk or a vanished folder comes out as the
    OSError it is: XlsxWriter wraps it in its own FileCreateError, which callers (the batch, the
    command line's one-line file errors) would not expect and would show as a traceback."""
    from xlsxwriter.exceptions import FileCreateError

    # XlsxWriter's half-written zip stays open in the frames of its traceback; when they go, its
    # __del__ tries to close it on the same full disk: let that fail quietly here, not at exit as
    # an "Exception ignored … Traceback" under our one-line message
    hook = sys.unraisablehook
    sys.unraisablehook = lambda u: None if isinstance(u.exc_value, OSError) else hook(u)
    try:
        try:
            wb.close()
            return
        except FileCreateError as exc:
            reason = next((e for e in (*exc.args, exc.__context__) if isinstance(e, OSError)), None)
            if reason is None:
                raise
            reason.__traceback__ = reason.__context__ = None
        gc.collect()
    finally:
        sys.unraisablehook = hook
    raise reason
