"""The one adapter around XlsxWriter (its public API, and one call that reserves the streamed sheets' formats): the summary workbook, its cell formats by kind, cell writing."""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import Any

from selfeval_xl.ooxml.page import MARGIN_HF
from selfeval_xl.ooxml.sheet_writer import clean_text
from selfeval_xl.outputs import pagesetup as P
from selfeval_xl.outputs.summary_kinds import HEAD, STREAM_XF, summary_style, xlsxwriter_format

FONT = {"font_name": "宋体", "font_size": 11, "valign": "top"}


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
        self._formats: dict[str, Any] = {}
        self._headers: dict[str, tuple[str, ...]] = {}  # sheet name → its header row
        # the streamed sheets' rows are finished where their workbooks were scored, their cells'
        # style indices fixed (STREAM_XF): XlsxWriter numbers its formats in the order they are
        # first used when it writes the file, so theirs are used first, here (the one call
        # outside XlsxWriter's public API: checked here, and the styles.xml it writes in
        # tests/test_summary_styles.py)
        for kind, index in sorted(STREAM_XF.items(), key=lambda item: item[1]):
            if self.fmt(kind)._get_xf_index() != index:
                raise RuntimeError(f"XlsxWriter gave the streamed style {kind!r} another index than {index}")

    def sheet(self, name: str) -> Any:
        return self.wb.add_worksheet(name)

    def fmt(self, kind: str) -> Any:
        """A cell format by kind (``summary_kinds``: "head", "pct", ``grade:<i>``,
        ``status:<status>`` …). None: the default format."""
        if kind not in self._formats:
            props = HEAD if kind == "head" else xlsxwriter_format(summary_style(kind))
            self._formats[kind] = self.wb.add_format(props) if props else None
        return self._formats[kind]

    def header(self, ws: Any, headers: tuple[str, ...] | list[str]) -> None:
        """Row 1: the headers, frozen and printed on every page (its height is set with the
        widths, ``print``: the lines its headers take)."""
        self._headers[ws.get_name()] = tuple(headers)
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

    @staticmethod
    def filter(ws: Any, last_row: int, ncols: int) -> None:
        ws.autofilter(0, 0, max(last_row, 0), ncols - 1)

    def print(self, ws: Any, widths: list[float], title: str, repeat_cols: int = 1) -> None:
        """Column widths and the page setup (SPEC §4.5): A4, one page wide at ≥ 8 pt, or the
        columns split into printed blocks with the first ``repeat_cols`` on each; the footer
        names the summary and the sheet. The header row is as tall as its headers' lines."""
        headers = self._headers.get(ws.get_name())
        if headers is not None:
            ws.set_row(0, P.row_height(P.header_lines(headers, widths)))
        P.print_xlsxwriter(ws, widths, P.footer_text(title, ws.get_name()), repeat_cols)

    @staticmethod
    def page_note(ws: Any, text: str) -> None:
        """``text`` printed atop each page of the sheet, centred, in 12 pt (a page header: in no
        cell, so whatever reads the sheet's rows does not see it)."""
        ws.set_header("&C&12" + text.replace("&", "&&"), {"margin": MARGIN_HF})

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
