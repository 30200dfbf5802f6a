"""How a sheet prints (SPEC §4.5): column widths and row heights from the text the cells hold,
and the page setup — A4, landscape where wide, one page wide and never below 8 pt.

Widths are Excel column units (the width of one ``0`` of the workbook's default font). A
Chinese character, and the "ambiguous" punctuation Chinese fonts draw full width (“”、×÷…),
is about two units; other characters one. Heights are points; a line takes 1.45 em because
that is what the CJK fonts LibreOffice falls back to (Noto CJK) need — in Excel with 宋体 a
wrapped row is a little roomy instead of cut.

A sheet whose columns do not fit one A4 width at ≥ 8 pt is not shrunk further: its columns
are split into printed blocks (page breaks between columns, the first columns repeated on
each block) at a fixed legible scale.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
import operator
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from selfeval_xl.ooxml.page import MARGIN_BOTTOM, MARGIN_HF, MARGIN_LR, MARGIN_TOP, PagePlan

FONT_PT = 11  # the templates' and summaries' font size; results sheets use the workbook's
MIN_PT = 8
# A4 (inches); the margins every printed sheet gets are the file format's (ooxml/page.py)
A4_SHORT, A4_LONG = 8.27, 11.69
# One width unit at 100 % scale, in inches, for an 11 pt default font, as LibreOffice prints
# it (measured: 105 units fill a landscape A4 line at 100 %; Excel with 宋体 is narrower, 8 px
# a unit, so its pages come out a little larger).
UNIT_IN = 0.102
SPLIT_SCALE = 80  # % used when the columns are split into printed blocks (11 pt → 8.8 pt)
LINE_EM = 1.45
PAD = 2  # units of padding each column gets beyond its longest line
CJK_LINE = 1.85  # units a Chinese character takes on a wrapped line (Excel, 宋体 11 pt: 15 px of 8)


# Characters Chinese fonts draw full width: East Asian Wide/Fullwidth and the Ambiguous ones
# Chinese text uses (“”‘’…—·×÷°±≤≥ and friends); one regex, so a whole sheet measures fast.
_WIDE = re.compile(
    "[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf"
    "\uac00-\ud7a3\uf900-\ufaff\ufe10-\ufe19\ufe30-\ufe6f\uff00-\uff60\uffe0-\uffe6"
    "\U00020000-\U0003fffd\u00a7\u00a8\u00b0\u00b1\u00b7\u00d7\u00f7\u2010-\u2027\u2030-\u2033"
    "\u2103\u2116\u2160-\u216b\u2190-\u21ff\u2200-\u22ff\u2460-\u24ff\u2500-\u257f\u25a0-\u25ff"
    "\u2600-\u26ff\u3000]"
)


def char_width(ch: str) -> int:
    return 2 if _WIDE.match(ch) else 1


def _text(value: object) -> str:
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def _wide_count(text: str) -> int:
    """How many of ``text``'s characters are drawn full width (short texts remembered: a
    batch measures the same labels, names and notes again in every workbook)."""
    return _wide_count_cached(text) if len(text) <= _CACHED_LEN else len(_WIDE.findall(text))


_CACHED_LEN = 256  # longer texts are measured each time (a bounded cache of short ones: ≤ 8 MB)


@functools.lru_cache(maxsize=8192)
def _wide_count_cached(text: str) -> int:
    return len(_WIDE.findall(text))


def _width(line: str) -> int:
    return len(line) if line.isascii() else len(line) + _wide_count(line)


def _text_width(text: str) -> int:
    if "\n" in text:
        return max(_width(line) for line in text.split("\n"))
    return _width(text)


# Text → its width, for short texts (a batch measures the same labels, names and notes in every
# workbook; one dict lookup instead of three calls). Emptied when full: at most ≈ 8 MB.
_WIDTHS: dict[str, int] = {}
_WIDTHS_MAX = 16384


def text_width(value: object) -> int:
    """Display width of a cell's text in units (its longest line)."""
    if type(value) is str:
        w = _WIDTHS.get(value)
        if w is None:
            w = _text_width(value)
            if len(value) <= _CACHED_LEN:
                if len(_WIDTHS) >= _WIDTHS_MAX:
                    _WIDTHS.clear()
                _WIDTHS[value] = w
        return w
    if value is None:
        return 0
    return _text_width(_text(value))


def text_widths(texts: Sequence[str]) -> list[int]:
    """``text_width`` of each of a column's texts (the remembered ones by one lookup each)."""
    out = list(map(_WIDTHS.get, texts))
    if None in out:
        return [text_width(t) if w is None else w for w, t in zip(out, texts, strict=True)]
    return cast(list[int], out)


def _line_width(text: str) -> float:
    return len(text) if text.isascii() else len(text) + (CJK_LINE - 1) * _wide_count(text)


# A cell's text → its width on a wrapped line (``_line_width``); -1 for text of several lines,
# 0 for a blank. Remembered as _WIDTHS.
_LINE_WIDTHS: dict[object, float] = {None: 0.0, "": 0.0}


def _one_line_width(text: str | None) -> float:
    if not text:
        return 0.0
    w = -1.0 if "\n" in text else _line_width(text)
    if len(text) <= _CACHED_LEN:
        if len(_LINE_WIDTHS) >= _WIDTHS_MAX:
            _LINE_WIDTHS.clear()
            _LINE_WIDTHS.update({None: 0.0, "": 0.0})
        _LINE_WIDTHS[text] = w
    return w


def column_lines(texts: Sequence[str | None], width: float) -> list[int] | None:
    """``lines_needed(t, width)`` of each of a column's texts (str or None), a column at once;
    None when none of them needs more than one line."""
    found = list(map(_LINE_WIDTHS.get, texts))
    if None in found:
        found = [_one_line_width(t) if w is None else w for w, t in zip(found, texts, strict=True)]
    widths = cast(list[float], found)
    usable = max(width - 1.0, 1.0)
    several = -1.0 in widths  # texts of several lines, measured line by line
    if not several and max(widths, default=0.0) <= usable:
        return None
    lines = list(map(math.ceil, map(operator.truediv, widths, itertools.repeat(usable, len(widths)))))
    if several:
        lines = [lines_needed(t, width) if w == -1.0 else n for n, w, t in zip(lines, widths, texts, strict=True)]
    return lines


def lines_needed(value: object, width: float) -> int:
    """Lines a wrapped cell of ``width`` units needs for ``value`` (0 for an empty cell).
    A Chinese character takes about 1.85 units in Excel's 宋体 (1.6 in LibreOffice); counting
    one unit of each line as padding absorbs Latin words that wrap whole."""
    if value is None or value == "":
        return 0
    usable = max(width - 1.0, 1.0)
    text = value if type(value) is str else _text(value)
    if "\n" not in text and len(text) * 2 <= usable:
        return 1  # fits even if every character is wide
    if len(text) > _CACHED_LEN:
        return _lines(text, usable)
    key = (text, usable)
    n = _LINES.get(key)
    if n is None:
        if len(_LINES) >= _WIDTHS_MAX:
            _LINES.clear()
        n = _LINES[key] = _lines(text, usable)
    return n


_LINES: dict[tuple[str, float], int] = {}  # (text, usable width) → lines, as _WIDTHS


def _lines(text: str, usable: float) -> int:
    total = 0
    for line in text.split("\n"):
        total += max(1, math.ceil(_line_width(line) / usable))
    return total


def widest_number(numbers: list[float], percent: bool = False) -> int:
    """The longest of ``numbers`` shown with two decimals (``f"{v:.2f}"``; with ``percent``,
    ``f"{v * 100:.2f}%"``), ``numbers`` not empty.
    A finite number shown with two decimals is no shorter than a smaller one of its sign (the
    negative ones by size), so the longest is that of the largest or of the smallest: two to
    format, not all. Except for -0.0, which equals 0.0 (min may give either) but shows "-0.00":
    when the smallest is a zero, that is measured too unless something longer is there anyway."""
    if all(map(math.isfinite, numbers)):
        lo, hi = min(numbers), max(numbers)
        if percent:
            lo, hi = lo * 100, hi * 100  # (past ±1.8e306 a percentage shows as "inf%": measured one by one)
        if math.isfinite(lo) and math.isfinite(hi):
            w = max(len(f"{hi:.2f}"), len(f"{lo:.2f}")) + percent  # (+1 for the "%")
            if lo != 0 or w >= (6 if percent else 5):  # (len("-0.00%"), len("-0.00"))
                return w
    if percent:
        return max(len(f"{v * 100:.2f}%") for v in numbers)
    return max(len(f"{v:.2f}") for v in numbers)


def row_height(lines: int, font_pt: float = FONT_PT) -> float:
    """Row height (points) for ``lines`` lines of ``font_pt`` text."""
    if font_pt == FONT_PT and type(lines) is int and 0 <= lines < len(_HEIGHTS):
        return _HEIGHTS[lines]  # (every wrapped row of a sheet asks)
    return _row_height(lines, font_pt)


def _row_height(lines: int, font_pt: float) -> float:
    return round(max(lines, 1) * font_pt * LINE_EM + 3, 1)


_HEIGHTS = [_row_height(n, FONT_PT) for n in range(64)]  # row_height(n), worked out once


def column_width(
    values: Iterable[object], header: object = None, cap: float = 40, floor: float = 4, whole_header: bool = False
) -> float:
    """A column's width: its longest value plus padding, at most ``cap`` (longer text wraps),
    at least ``floor``; the header may wrap onto two lines (with ``whole_header``: it prints
    on one line, ``header_width``)."""
    return width_for(max((text_width(v) for v in values), default=0), header, cap, floor, whole_header)


def width_for(
    longest: int, header: object = None, cap: float = 40, floor: float = 4, whole_header: bool = False
) -> float:
    """``column_width`` from the width of the column's longest value (already measured)."""
    if whole_header:
        one_line = header_width(header)
        if one_line <= max(cap, HEADER_MAX):
            return float(max(min(cap, max(floor, longest + PAD)), one_line))
    head = text_width(header)
    head_need = math.ceil(head / 2) if head > 4 else head
    return float(min(cap, max(floor, longest + PAD, head_need + PAD)))


# The widest (units) a header is kept on one line: a longer one (a rule set's own long 一级指标
# name, say) wraps where its column ends, as any text does.
HEADER_MAX = 20


def header_width(header: object) -> float:
    """The narrowest whole-unit width a header prints on one line in (``lines_needed`` 1).
    A Chinese header wraps between any two characters: a column one character short printed
    自评得 / 分, 主管部 / 门. Excel, LibreOffice and a header cell's text offer no way to choose
    where it breaks (a line break in the cell would change the header tools read the table by),
    so a header of up to ``HEADER_MAX`` units is not broken at all."""
    if header is None or header == "":
        return 0.0
    text = header if isinstance(header, str) else _text(header)
    return float(max(math.ceil(_line_width(line)) for line in text.split("\n")) + 1)


def header_lines(headers: Sequence[object], widths: Sequence[float]) -> int:
    """Lines the header row needs: the most any of its headers takes in its column."""
    return max((lines_needed(h, w) for h, w in zip(headers, widths, strict=False)), default=1) or 1


def fit_widths(widths: Sequence[float], budget: float, shrinkable: Sequence[int], floor: float = 10) -> list[float]:
    """Narrow the ``shrinkable`` (wrapped text) columns, widest first, until the total is at
    most ``budget`` or every one of them is down to ``floor``."""
    out = list(widths)
    total = sum(out)
    if total > budget and len(set(shrinkable)) == len(shrinkable) and all(float(w).is_integer() for w in out):
        total = _level_down(out, total, budget, shrinkable, floor)
    while total > budget:
        wide = [i for i in shrinkable if out[i] > floor]
        if not wide:
            break
        i = max(wide, key=out.__getitem__)
        out[i] = max(floor, out[i] - max(1.0, total - budget if len(wide) == 1 else 1.0))
        total = sum(out)
    return out


def _level_down(out: list[float], total: float, budget: float, shrinkable: Sequence[int], floor: float) -> float:
    """``fit_widths``' steps taken a level at a time, for whole-unit widths: while two or more
    columns are above the floor, each step takes one unit off the widest (the first of equal
    ones), so the widest columns come down together, one level per round. Whole rounds are
    taken while every step of them would leave the total over the budget and the columns
    above the floor; the last steps are left to ``fit_widths``' own loop. Returns the total."""
    while True:
        wide = [i for i in shrinkable if out[i] > floor]
        if len(wide) < 2:
            return total
        top = max(out[i] for i in wide)
        level = [i for i in wide if out[i] == top]
        below = [out[i] for i in wide if out[i] < top]
        rounds = int((total - budget) // len(level))
        while rounds > 0 and not total - rounds * len(level) > budget:
            rounds -= 1
        rounds = int(min(rounds, top - (max(below) if below else floor), top - floor - 1))
        if rounds <= 0:
            return total
        for i in level:
            out[i] = out[i] - float(rounds)
        total -= rounds * len(level)


def width_units(landscape: bool, scale: float) -> float:
    """How many width units one A4 page holds at ``scale`` (1.0 = 100 %)."""
    paper = A4_LONG if landscape else A4_SHORT
    return (paper - 2 * MARGIN_LR) / (UNIT_IN * scale)


def plan_page(widths: Sequence[float], font_pt: float = FONT_PT, repeat_cols: int = 0) -> PagePlan:
    """Portrait when the columns fit A4 width at full size, else landscape fitted to one page
    wide when that keeps text ≥ 8 pt, else blocks of columns: at ``SPLIT_SCALE``, or at the
    largest scale down to the 8 pt floor that needs fewer blocks (no page for one column)."""
    total = sum(widths)
    if total <= width_units(False, 1.0):
        return PagePlan(landscape=False)
    floor = MIN_PT / font_pt
    if total <= width_units(True, floor) * 0.97:
        return PagePlan(landscape=True)
    lowest = math.ceil(floor * 100) + 1
    start = max(SPLIT_SCALE, lowest)
    fewest = len(_breaks(widths, repeat_cols, lowest))
    scale = next(s for s in range(start, lowest - 1, -1) if len(_breaks(widths, repeat_cols, s)) == fewest)
    return PagePlan(landscape=True, scale=scale, breaks=_breaks(widths, repeat_cols, scale), repeat_cols=repeat_cols)


def _breaks(widths: Sequence[float], repeat_cols: int, scale: int) -> tuple[int, ...]:
    """The first column of each printed block after the first, at ``scale`` %."""
    room = width_units(True, scale / 100) * 0.97
    lead = sum(widths[:repeat_cols])
    breaks: list[int] = []
    used = lead
    for i in range(repeat_cols, len(widths)):
        if used + widths[i] > room and used > lead:
            breaks.append(i)
            used = lead
        used += widths[i]
    return tuple(breaks)


# How LibreOffice paginates a sheet fitted to one page wide (measured with 宋体 11, which it
# draws with Noto CJK): a width unit takes 7.02 pt at 100 % (135 units printed at 81 %), the
# scale is a whole percent rounded down, and a row without a height of its own is 15 pt. The
# estimate of where pages break allows for a little either way (another machine's fonts).
FIT_UNIT_PT = (6.8, 7.02, 7.35)
DEFAULT_ROW_PT = (14.25, 15.0, 15.75)


def body_pt(landscape: bool) -> float:
    """The height (points, on paper) an A4 page has for rows: between the top margin and the
    bottom one (the footer prints in the bottom margin)."""
    return ((A4_SHORT if landscape else A4_LONG) - MARGIN_TOP - MARGIN_BOTTOM) * 72


def print_scales(widths: Sequence[float], plan: PagePlan) -> list[float]:
    """The scales (1.0 = 100 %) the sheet may print at: ``plan``'s own, or, fitted to one page
    wide, LibreOffice's whole percent for each width unit of ``FIT_UNIT_PT``."""
    if plan.scale is not None:
        return [plan.scale / 100]
    room = ((A4_LONG if plan.landscape else A4_SHORT) - 2 * MARGIN_LR) * 72
    total = max(sum(widths), 1.0)
    return sorted({min(100, math.floor(100 * room / (total * unit))) / 100 for unit in FIT_UNIT_PT})


def page_starts(heights: Sequence[float], body: float, repeat: float = 0.0, until: int | None = None) -> list[int]:
    """The 0-based rows each printed page after the first starts with, rows of ``heights`` points
    (at 100 %), on pages holding ``body`` points (at 100 %: the paper's divided by the scale), the
    rows printed atop every later page taking ``repeat`` of them. A row is never split; one taller
    than a page has one to itself. Only breaks before row ``until`` are found."""
    end = len(heights) if until is None else min(until, len(heights))
    return _starts(list(itertools.accumulate(heights[:end], initial=0.0)), body, repeat)


def _starts(sums: list[float], body: float, repeat: float) -> list[int]:
    """``page_starts`` from the rows' running sums (``sums[i]``: the height of rows [0, i))."""
    end = len(sums) - 1
    starts: list[int] = []
    first, room = 0, body
    while True:
        k = bisect.bisect_right(sums, sums[first] + room + 1e-6) - 1  # rows [first, k) fit
        k = max(k, first + 1)
        if k >= end:
            return starts
        starts.append(k)
        first, room = k, body - repeat


def keep_together_break(
    heights: Sequence[float | None],
    block: tuple[int, int],
    widths: Sequence[float],
    plan: PagePlan,
    repeat: tuple[int, int] | None = None,
    lead_from: int | None = None,
) -> int | None:
    """Where to put a manual page break (the 0-based row the new page starts with) so that the
    rows ``block`` = [start, end) print on one page; None when no page break is expected inside
    them. ``heights`` are the rows' points (None: a row of the default height), ``repeat`` the
    1-based rows repeated atop every page. Every scale of ``print_scales`` and every default
    row height of ``DEFAULT_ROW_PT`` is tried: when any of them splits the block, the break goes
    before it — or, when one of them already starts a page among the rows from ``lead_from`` to
    the block (a total row or two), before the first such row, so no page holds only those."""
    start, end = block
    starts_seen: list[int] = []
    split = False
    scales, body = print_scales(widths, plan), body_pt(plan.landscape)
    for default in DEFAULT_ROW_PT:  # (once a workbook: the running sums made once for its scales)
        rows = [default if h is None else h for h in heights[:end]]
        sums = list(itertools.accumulate(rows, initial=0.0))
        if sums[-1] <= body / scales[-1]:
            continue  # all of it on the first page, however large the print (the short sheet)
        rep = sum(rows[repeat[0] - 1 : repeat[1]]) if repeat else 0.0
        for scale in scales:
            found = _starts(sums, body / scale, rep)
            split = split or any(start < q < end for q in found)
            starts_seen += found
    if not split:
        return None
    lead = start if lead_from is None else lead_from
    return min([q for q in starts_seen if lead <= q < start], default=start)


def footer_text(*parts: str, codes: str = "") -> str:
    """An Excel page footer: ``parts`` (unit, project, sheet …) on the left, then ``codes``
    (Excel's own, such as ``&F`` for the file name), 第 x 页 共 y 页 on the right. ``&`` in
    names is doubled (Excel's escape); the whole stays under 255 chars."""
    left = "  ".join(p.replace("&", "&&") for p in parts if p)
    right = "&R第 &P 页 共 &N 页"
    room = 250 - len(right) - len(codes) - 4
    if len(left) > room:
        left = left[: room - 1] + "…"
    left = "  ".join(x for x in (left, codes) if x)
    return (f"&L{left}" if left else "") + right


def print_xlsxwriter(
    ws: Any, widths: Sequence[float], footer: str, repeat_cols: int = 0, columns_only: bool = False
) -> PagePlan:
    """Apply widths and the page setup to an XlsxWriter worksheet (row 1 repeated on every
    page). ``columns_only``: the print area is just the ``widths`` columns, all their rows
    (columns further right are for the screen)."""
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    plan = plan_page(widths, repeat_cols=repeat_cols)
    ws.set_paper(9)
    if plan.landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_margins(MARGIN_LR, MARGIN_LR, MARGIN_TOP, MARGIN_BOTTOM)
    if plan.scale is None:
        ws.fit_to_pages(1, 0)
    else:
        ws.set_print_scale(plan.scale)
        ws.set_v_pagebreaks(list(plan.breaks))
        ws.repeat_columns(0, plan.repeat_cols - 1)
    ws.repeat_rows(0)
    if columns_only:  # (nearly) whole columns, so rows people add at the end still print;
        # not $A:$K, which openpyxl cannot read back (it drops such a print area on save)
        ws.print_area(0, 0, 1_048_574, len(widths) - 1)
    ws.set_footer(footer, {"margin": MARGIN_HF})
    return plan


def widths_from(
    rows: list[tuple[Any, ...]], headers: tuple[str, ...], floors: Mapping[str, float], cap: float = 36
) -> list[float]:
    """Column widths from the headers and the texts the template writes; ``floors`` leave
    room for what people type."""
    return [
        column_width((r[c] for r in rows if c < len(r)), h, cap=cap, floor=floors.get(h, 6))
        for c, h in enumerate(headers)
    ]


def fit_rows(ws: Any, rows: list[tuple[Any, ...]], widths: list[float], first: int = 1) -> None:
    """Row heights for wrapped texts (row ``first`` holds ``rows[0]``)."""
    for i, r in enumerate(rows):
        lines = max((lines_needed(v, widths[c]) for c, v in enumerate(r) if c < len(widths)), default=1)
        if lines > 1:
            ws.set_row(first + i, row_height(lines))
