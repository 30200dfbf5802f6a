"""The summary's cell formats by kind, once: as ``Style`` for the rows our row writer puts in
(``summary_sheet``) and, converted, as XlsxWriter formats for the sheets it writes
(``SummaryBook.fmt``). Every cell top-aligned in the workbook's font (宋体 11)."""

from __future__ import annotations

import functools
from typing import Any

from selfeval_xl.ooxml.styles import Style
from selfeval_xl.outputs.grade_colours import GRADE_FILLS
from selfeval_xl.reading import contract as L
from selfeval_xl.scoring.verdict import BLANK, NEEDS_CORRECTION, NEEDS_REVIEW

# 状态 cell fills: what waits on someone stands out (待复核 amber, 待更正 red, 未填写 grey)
STATUS_FILLS = {NEEDS_REVIEW: "FFFFEB9C", NEEDS_CORRECTION: "FFFFC7CE", BLANK: "FFE7E6E6"}
# a text cell's format adding a word after its text: 优 shows as 优（暂定）
TENTATIVE_TEXT = f'@"（{L.R_TENTATIVE}）"'
_KINDS: dict[str, Style] = {
    "text": Style(wrap=True),
    "int": Style(num_fmt=1),  # 0
    "amount": Style(num_fmt=4),  # #,##0.00
    "pct": Style(num_fmt=10),  # 0.00%
    "num": Style(num_fmt=2),  # 0.00
    "change": Style(num_code="+0.00;-0.00;0.00"),
    "provisional": Style(num_code=f'0.00"（{L.R_PROVISIONAL}）"', color="FF9C0006"),
    # a 待复核 file's total, its grade too: provisional until a reviewer settles it (SPEC §3.12);
    # the cell still holds the number (the grade's text), the format adds the word
    "tentative": Style(num_code=f'0.00"（{L.R_TENTATIVE}）"', color="FF9C5700"),
    "link": Style(color="FF0563C1", underline=True, wrap=True),
}
# The streamed sheets' (指标明细, 问题清单) cells' kinds and their fixed ``cellXfs`` indices: the
# book reserves them first (``SummaryBook``), so that a worker can finish those rows for good
STREAM_XF = {"text": 1, "num": 2, "pct": 3}
# the header row (XlsxWriter's only: vertically centred, lines all round)
HEAD = {"bold": True, "bg_color": "#D9D9D9", "text_wrap": True, "align": "center", "valign": "vcenter", "border": 1}


@functools.cache
def summary_style(kind: str, top: bool = False) -> Style:
    """The style of a summary cell of ``kind`` (``grade:<i>``, ``grade:<i>:tentative`` for a
    待复核 file's grade, ``status:<status>`` or one of ``_KINDS``; anything else is the default);
    ``top``: with the thick line above the first row of a group."""
    if kind.startswith("grade:"):
        index, _, tentative = kind[6:].partition(":")
        style = Style(bold=True, align="center", fill=GRADE_FILLS[min(int(index), len(GRADE_FILLS) - 1)])
        if tentative:
            style = style._replace(num_code=TENTATIVE_TEXT)
    elif kind.startswith("status:"):
        style = Style(bold=True, align="center", fill=STATUS_FILLS.get(kind[7:]))
    else:
        style = _KINDS.get(kind, Style())
    return style._replace(top_thick=True) if top else style


def xlsxwriter_format(style: Style) -> dict[str, Any]:
    """``style`` as XlsxWriter format properties (a built-in number format by its index)."""
    props: dict[str, Any] = {}
    if style.bold:
        props["bold"] = True
    if style.fill:
        props["bg_color"] = "#" + style.fill[2:]
    if style.color:
        props["font_color"] = "#" + style.color[2:]
    if style.underline:
        props["underline"] = 1
    if style.num_code or style.num_fmt:
        props["num_format"] = style.num_code or style.num_fmt
    if style.wrap:
        props["text_wrap"] = True
    if style.align:
        props["align"] = style.align
    if style.top_thick:
        props["top"] = 5  # thick
    return props
