"""指标明细 and 问题清单 rows: their cells, rendered to sheet XML by style name where the workbook was scored."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from selfeval_xl.errors import SEVERITY_ZH, problem_title
from selfeval_xl.ooxml.sheet_writer import Style, row_xml
from selfeval_xl.outputs import pagesetup as P
from selfeval_xl.reading import contract as L
from selfeval_xl.rounding import percent_fraction, round_half_up
from selfeval_xl.scoring.scorecard import IndicatorJson

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

# The streamed sheets' cell styles, by name. A rendered row carries each name as a one-character
# stand-in (a control character no cell text can hold: ``clean_text`` strips them); when the
# workbook is finished, ``summary_stream.splice`` interns these styles into its styles.xml and
# puts each one's index where its stand-in is. No writer's numbering reaches the workers.
STREAM_STYLES: dict[str, Style] = {
    "wrap": Style(wrap=True),  # text wraps at its column's cap
    "num": Style(num_fmt=2),  # 0.00
    "pct": Style(num_fmt=10),  # 0.00%
}
STAND_IN = {name: chr(1 + i) for i, name in enumerate(STREAM_STYLES)}
ROW_MARK = "\x00"  # stands for the row number in rendered rows until they are placed

# 指标明细 columns whose numbers show as a percentage, and as plain numbers (2 decimals)
DETAIL_PERCENT = ("完成率",)
DETAIL_NUMBERS = ("分值", "核定得分", "申报得分", "得分差异")
DETAIL_STYLE_NAMES = tuple(
    "pct" if h in DETAIL_PERCENT else "num" if h in DETAIL_NUMBERS else "wrap" for h in L.DETAIL_HEADERS
)
PROBLEM_STYLE_NAMES = ("wrap",) * len(L.PROBLEM_LIST_HEADERS)
_DETAIL_STAND_INS = [STAND_IN[n] for n in DETAIL_STYLE_NAMES]
_PROBLEM_STAND_INS = [STAND_IN[n] for n in PROBLEM_STYLE_NAMES]

# 指标明细 rows, 问题清单 rows (XML with ROW_MARK and style stand-ins), then the widest text of
# each of their columns
Rendered = tuple[list[str], list[str], list[int], list[int]]


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


def rows_xml(values: Iterator[tuple[Any, ...]], stand_ins: list[str], caps: list[int], widest: list[int]) -> list[str]:
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
        out.append(row_xml(ROW_MARK, v, stand_ins, P.row_height(lines) if lines > 1 else None))
    return out


def problem_rows_xml(values: Iterator[tuple[Any, ...]], widest: list[int]) -> list[str]:
    """问题清单 rows as XML (``rows_xml`` with that sheet's styles and caps)."""
    return rows_xml(values, _PROBLEM_STAND_INS, PROBLEM_CAPS, widest)


def render(obj: Mapping[str, Any]) -> Rendered:
    """A workbook's 指标明细 and 问题清单 rows as sheet XML, row numbers left as ``ROW_MARK``
    and styles as stand-ins for their names: the costly part of the summary, done where the
    workbook was scored."""
    dw, pw = [0] * len(L.DETAIL_HEADERS), [0] * len(L.PROBLEM_LIST_HEADERS)
    detail = rows_xml(detail_values(obj), _DETAIL_STAND_INS, DETAIL_CAPS, dw) if obj["total"] is not None else []
    problems = problem_rows_xml((problem_values(obj["file"], p) for p in obj["problems"]), pw)
    return detail, problems, dw, pw
