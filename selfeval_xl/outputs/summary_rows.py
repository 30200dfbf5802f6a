"""指标明细 and 问题清单 rows: their cells, rendered to sheet XML and deflated where the workbook was scored."""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar, NamedTuple, cast

from selfeval_xl.errors import SEVERITY_ZH, problem_title
from selfeval_xl.ooxml.deflate_pieces import Piece, deflate_piece
from selfeval_xl.ooxml.sheet_writer import row_xml
from selfeval_xl.ooxml.sheet_xml import t_open
from selfeval_xl.ooxml.sheet_xml import text_xml as cell_text
from selfeval_xl.outputs import pagesetup as P
from selfeval_xl.outputs.summary_kinds import STREAM_XF
from selfeval_xl.reading import contract as L
from selfeval_xl.rounding import percent_fraction, round_half_up
from selfeval_xl.scoring.scorecard import ERRORED_KEY, IndicatorJson

# Widest a column gets (units) before its text wraps; numbers never wrap.
CAP_TEXT, CAP_NUM = 20, 12
CAPS = {
    "文件": 28,
    L.INFO_UNIT: 22,
    L.INFO_PROJECT: 22,
    "三级指标": 22,
    "实际完成值": 22,
    "评分说明": 34,
    "说明": 36,  # 问题清单 (7 columns) one landscape page wide at ≥ 8 pt (≤ 139.8 units): 28 + 20 + 2 × 6 + 20 + 16 + 36 = 132, each + 0.7
    "原因": 36,
    "代码": 16,
}
DETAIL_CAPS = [CAPS.get(h, CAP_TEXT) for h in L.DETAIL_HEADERS]
PROBLEM_CAPS = [CAPS.get(h, CAP_TEXT) for h in L.PROBLEM_LIST_HEADERS]

# The streamed sheets' cells take the summary's cellXfs 1, 2 and 3 (``STREAM_XF``: the book
# reserves them before anything else, ``SummaryBook``), so that their rows can be finished and
# deflated where the workbook was scored. Their rows carry no row or cell references (``r``):
# a row is the one after the row before, a cell the one after the cell before (a blank one is
# ``<c/>``), so that no number is put in when they are placed.
# 指标明细 columns whose numbers show as a percentage, and as plain numbers (2 decimals)
DETAIL_PERCENT = ("完成率",)
DETAIL_NUMBERS = ("分值", "核定得分", "申报得分", "得分差异")
DETAIL_KINDS = tuple(
    "pct" if h in DETAIL_PERCENT else "num" if h in DETAIL_NUMBERS else "text" for h in L.DETAIL_HEADERS
)
PROBLEM_KINDS = ("text",) * len(L.PROBLEM_LIST_HEADERS)
DETAIL_XF = [STREAM_XF[kind] for kind in DETAIL_KINDS]
PROBLEM_XF = [STREAM_XF[kind] for kind in PROBLEM_KINDS]

# 指标明细 rows and 问题清单 rows (UTF-8 sheet XML, as the summary writes them), then the
# widest text of each of their columns
Rows = tuple[list[bytes], list[bytes], list[int], list[int]]


class Rendered(NamedTuple):
    """A workbook's rows for the summary as a worker sends them: deflated pieces of the two
    streamed sheets and the widest text of each of their columns."""

    detail: Piece
    problems: Piece
    detail_widest: list[int]
    problem_widest: list[int]


# 指标明细: the file and its unit on every row (``_lead_cells``), then the indicator's own cells
# (``_own_cells``), in the order of ``L.DETAIL_HEADERS``; 问题清单 in that of
# ``L.PROBLEM_LIST_HEADERS`` (tests/test_summary_rows.py puts each value under its header)
_LEAD_COLUMNS = 6


def _lead_cells(obj: Mapping[str, Any]) -> tuple[Any, ...]:
    return (obj["file"], obj["unit_code"], obj["unit"], obj["kind"], obj["project"], obj["year"])


def _own_cells(ind: IndicatorJson, errored: bool = False) -> tuple[Any, ...]:
    """``errored``: the row has an input error, its 得分差异 none (as in 评分结果)."""
    claimed, score = ind["claimed"], ind["score"]
    return (
        L.canonical_level1(ind["level1"]),  # (产出指标(50分) as 产出指标: one name a 一级指标 to pivot on)
        ind["level2"],
        ind["name"],
        ind["operator"],
        ind["target"],
        ind["actual"],
        ind["unit"],
        percent_fraction(ind["rate"]),
        ind["points"],
        score,
        claimed,
        None if errored or claimed is None or score is None else round_half_up(claimed - score),
        ind["note"],
    )


def detail_values(obj: Mapping[str, Any]) -> Iterator[tuple[Any, ...]]:
    """The 指标明细 cells (``L.DETAIL_HEADERS``) for each indicator of a JSON object (a
    ``ScorecardJson``, with ``ERRORED_KEY`` beside its keys where rows have an input error)."""
    lead = _lead_cells(obj)
    indicators: list[IndicatorJson] = obj["indicators"]
    errored = set(obj.get(ERRORED_KEY, ()))
    for i, ind in enumerate(indicators):
        yield lead + _own_cells(ind, i in errored)


def problem_values(file: str, p: Mapping[str, Any]) -> tuple[Any, ...]:
    """The 问题清单 cells (``L.PROBLEM_LIST_HEADERS``) for one problem of a JSON object."""
    return (file, p["sheet"], p["cell"], SEVERITY_ZH[p["severity"]], problem_title(p["code"]), p["code"], p["message"])


def _unreferenced_row(values: tuple[Any, ...], xf: list[int], height: float | None) -> str:
    """One row as ``row_xml`` writes its cells, but without row and cell references: every
    column a cell, a blank one ``<c/>``."""
    cells = [_unreferenced_cell(v, xf[c]) for c, v in enumerate(values)]
    return _row_of("".join(cells).encode(), 1, height).decode()


def _unreferenced_cell(value: object, xf: int) -> str:
    """The cell ``row_xml`` writes for ``value`` in style ``xf``, without its reference; a
    blank one ``<c/>``."""
    one = row_xml(1, (value,), [xf])  # '<row r="1"><c r="A1" …>…</c></row>'; a blank is '<c r="A1" s="…"/>'
    body = one[len('<row r="1">') : -len("</row>")] if one[-2:] != "/>" else ""
    if not body.endswith("</c>"):  # a blank (the long tables' blanks carry no style: ``_BLANK``)
        return "<c/>"
    return body.replace('<c r="A1"', "<c", 1)


def rows_xml(values: Iterator[tuple[Any, ...]], xf: list[int], caps: list[int], widest: list[int]) -> list[str]:
    """Rows as XML, each as tall as its wrapped text needs (a cell longer than its column's
    cap wraps at the cap, which is then the column's width); ``widest`` is updated. (Cell by
    cell through ``row_xml``; ``render_rows`` makes the same rows faster.)"""
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
        out.append(_unreferenced_row(v, xf, P.row_height(lines) if lines > 1 else None))
    return out


def problem_rows_xml(values: Iterator[tuple[Any, ...]], widest: list[int]) -> list[str]:
    """问题清单 rows as XML (``rows_xml`` with that sheet's styles and caps)."""
    return rows_xml(values, PROBLEM_XF, PROBLEM_CAPS, widest)


# --- the same rows, fast (the worker renders ~60 rows of 19 cells per workbook) ---------------
# Made as UTF-8 from the start: each text is encoded once (remembered), and rows are joined as
# bytes; joined as text, the markup was widened to the Chinese texts' two bytes a character,
# copied at each join, then encoded whole (a fifth of the worker's write-back and rendering).
class _Columns:
    """What every row of a streamed sheet shares, column by column: a cell's opening tags (its
    style: the same on every row), the column's cap; and each text as a cell holds it (UTF-8)
    with its width, remembered (labels, units and names repeat on every row and in every
    workbook)."""

    # shared by all sheets: text → (its <t> start tag and XML text, width)
    _texts: ClassVar[dict[str, tuple[bytes, int]]] = {}

    def __init__(self, xf: list[int], caps: list[int]):
        self.xf = xf
        self.caps = caps
        self.text_open = [f'<c s="{s}" t="inlineStr"><is>'.encode() for s in xf]  # (the <t> with the text)
        self.num_open = [f'<c s="{s}"><v>'.encode() for s in xf]

    @classmethod
    def text(cls, x: str) -> tuple[bytes, int]:
        got = cls._texts.get(x)
        if got is None:
            if len(cls._texts) >= 50_000:  # bounded: a district's notes differ workbook by workbook
                cls._texts.clear()
            xml = cell_text(x)
            got = cls._texts[x] = ((t_open(xml) + xml).encode(), P.text_width(x))
        return got

    def cells(self, values: tuple[Any, ...], first: int, widest: list[int]) -> tuple[list[bytes], int]:
        """Cells ``first``, ``first`` + 1, … holding ``values`` as ``rows_xml`` writes them, the
        lines the row needs for them; ``widest`` updated as ``rows_xml`` does."""
        parts = []
        lines = 1
        caps, text_open, num_open, texts = self.caps, self.text_open, self.num_open, self._texts
        for c, x in enumerate(values, first):
            if type(x) is str:
                if not x:
                    parts.append(_BLANK)
                    continue
                xml, w = texts.get(x) or self.text(x)
                if w > widest[c]:
                    widest[c] = w
                if w + P.PAD > caps[c]:
                    lines = max(lines, P.lines_needed(x, caps[c]))
                parts.append(text_open[c] + xml + _TEXT_CLOSE)
            elif x is None:
                parts.append(_BLANK)
            else:
                if x == x:  # a number, shown with 2 decimals (and maybe ×100 %)
                    w = len(f"{x:.2f}") + 2
                    if w > widest[c]:
                        widest[c] = w
                if type(x) is float:
                    finite = x == x and x not in (math.inf, -math.inf)
                    parts.append(b"%s%a</v></c>" % (num_open[c], x) if finite else _BLANK)
                else:  # an int (the year), bool or other: exactly as row_xml writes it
                    parts.append(_unreferenced_cell(x, self.xf[c]).encode())
        return parts, lines

    def columns(
        self, rows: list[tuple[Any, ...]], first: int, widest: list[int], lead_lines: int
    ) -> tuple[list[tuple[bytes, ...]], list[int]] | None:
        """``cells`` for many rows at once, column by column: each row's cells and the lines
        each row needs (at least ``lead_lines``); ``widest`` updated as ``cells`` does. None,
        with nothing updated, unless every column holds only texts (and None), or only floats
        and None (what a scorecard's indicators and problems hold): ``cells`` row by row does
        the rest."""
        columns = list(zip(*rows, strict=True))
        kinds = [set(map(type, col)) for col in columns]
        if not all(k <= _STR_OR_NONE or k <= _FLOAT_OR_NONE for k in kinds):
            return None
        texts, pad, lines_needed = self._texts, P.PAD, P.lines_needed
        lines = [lead_lines] * len(rows)
        out = []
        for c, (col, kind) in enumerate(zip(columns, kinds, strict=True), first):
            if str in kind:  # (None as blank as "")
                found = list(map(texts.get, col))
                got = (
                    [texts.get(x) or self.text(x) if x else (b"", 0) for x in col]
                    if None in found
                    else cast(list[tuple[bytes, int]], found)
                )
                w = max(map(_WIDTH, got))
                if w > widest[c]:
                    widest[c] = w
                cap = self.caps[c]
                if w + pad > cap:
                    for i, (x, (_, w)) in enumerate(zip(col, got, strict=True)):
                        if w + pad > cap and x:
                            lines[i] = max(lines[i], lines_needed(x, cap))
                head = self.text_open[c]
                out.append([head + xml + _TEXT_CLOSE if x else _BLANK for x, (xml, _) in zip(col, got, strict=True)])
                continue
            numbers = list(filter(_NOT_NONE, col))
            if numbers and all(map(math.isfinite, numbers)):  # (the usual: two formatted, not all)
                w = P.widest_number(numbers) + 2
                if w > widest[c]:
                    widest[c] = w
            else:
                shown = [len(f"{x:.2f}") + 2 for x in numbers if x == x]
                if shown and (w := max(shown)) > widest[c]:
                    widest[c] = w
            head = self.num_open[c]
            out.append([b"%s%a</v></c>" % (head, x) if x is not None and x - x == 0 else _BLANK for x in col])
        return list(zip(*out, strict=True)), lines


_BLANK = b"<c/>"  # a blank cell: it still takes its column
_TEXT_CLOSE = b"</t></is></c>"
_STR_OR_NONE = {str, type(None)}
_WIDTH = operator.itemgetter(1)  # of a (cell text, width) pair
_NOT_NONE = functools.partial(operator.is_not, None)
_FLOAT_OR_NONE = {float, type(None)}


def _row_of(body: bytes, lines: int, height: float | None = None) -> bytes:
    """A row of cells ``body``, as tall as ``lines`` lines of text need (or ``height``)."""
    if height is None and lines > 1:
        height = P.row_height(lines)
    if not height:
        return b"<row>%s</row>" % body if body else b"<row/>"
    ht = f' ht="{height}" customHeight="1"'.encode()
    return b"<row%s>%s</row>" % (ht, body) if body else b"<row%s/>" % ht


_DETAIL = _Columns(DETAIL_XF, DETAIL_CAPS)
_PROBLEMS = _Columns(PROBLEM_XF, PROBLEM_CAPS)


def render_rows(obj: Mapping[str, Any]) -> Rows:
    """A workbook's 指标明细 and 问题清单 rows as UTF-8 sheet XML, and the widest text of
    each of their columns. Byte for byte what ``rows_xml`` makes of ``detail_values`` and
    ``problem_values`` (tests/test_summary_rows.py), faster: column by column."""
    dw, pw = [0] * len(L.DETAIL_HEADERS), [0] * len(L.PROBLEM_LIST_HEADERS)
    detail = []
    indicators: list[IndicatorJson] = obj["indicators"]
    if obj["total"] is not None and indicators:
        lead, lead_lines = _DETAIL.cells(_lead_cells(obj), 0, dw)  # the same on every row
        first = _LEAD_COLUMNS
        errored = set(obj.get(ERRORED_KEY, ()))
        own_values = [_own_cells(ind, i in errored) for i, ind in enumerate(indicators)]
        found = _DETAIL.columns(own_values, first, dw, lead_lines)
        if found is not None:
            lead_xml = b"".join(lead)
            for cells, lines in zip(*found, strict=True):
                detail.append(_row_of(lead_xml + b"".join(cells), lines))
        else:
            for own_cells in own_values:
                own, lines = _DETAIL.cells(own_cells, first, dw)
                detail.append(_row_of(b"".join(lead + own), max(lead_lines, lines)))
    file = obj["file"]
    values = [problem_values(file, p) for p in obj["problems"]]
    found = _PROBLEMS.columns(values, 0, pw, 1) if values else None
    if found is not None:
        problems = [_row_of(b"".join(cells), lines) for cells, lines in zip(*found, strict=True)]
    else:
        problems = [_row_of(b"".join(cells), lines) for cells, lines in (_PROBLEMS.cells(v, 0, pw) for v in values)]
    return detail, problems, dw, pw


def render(obj: Mapping[str, Any]) -> Rendered:
    """``render_rows`` deflated, each sheet's rows one piece: the summary's costly part, all
    done where the workbook was scored (the batch only appends the pieces)."""
    detail, problems, dw, pw = render_rows(obj)
    return Rendered(
        deflate_piece(b"".join(detail), len(detail)), deflate_piece(b"".join(problems), len(problems)), dw, pw
    )
