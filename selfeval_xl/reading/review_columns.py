"""The reviewer's entries (复核, SPEC §4.1/§4.4) as read: the 复核得分 | 复核意见 cells of an
existing 评分结果 sheet, each with the 一级/二级/三级指标 it belongs to (``scoring.review`` matches
them to the new scorecard's rows, checks them and computes 复核总分).

The cells are kept exactly as the reviewer left them (a number stays that number, text stays
that text), so they survive any number of reruns."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from selfeval_xl.ooxml.grid import col_letter
from selfeval_xl.ooxml.package import Book, Grid, open_book
from selfeval_xl.reading import contract as L
from selfeval_xl.reading.headers import find_header
from selfeval_xl.reading.values import cell_text
from selfeval_xl.rounding import fmt_num

# The header sits below a title block of a few rows, but a reviewer may insert rows above it (a
# cover note, a sign-off block): searched this deep, both to read the 复核 entries and to know
# the sheet for ours. Bounded: a user's own sheet of that name is not read to its end.
HEADER_SEARCH_ROWS = 200
SUBTOTAL = "小计"
_STOP_LABELS = {L.R_TOTAL, L.PROBLEM_HEADERS[0]}  # the label block and the problem list end the table

Key = tuple[str, str, str]


@dataclass(frozen=True)
class ReviewEntry:
    """One row of an old 评分结果 that carries a 复核得分 or a 复核意见: the indicator it
    belongs to and the two cells' values exactly as read (number, text, or None)."""

    level1: str
    level2: str
    name: str
    score: object
    note: object
    # the row's 指标值, 实际完成值 and 分值 as that sheet showed them beside the entry (what the
    # reviewer judged; 分值 None when it was no number); None for a sheet without those columns
    seen: tuple[str, str, float | None] | None = None

    @property
    def key(self) -> Key:
        return row_key(self.level1, self.level2, self.name)


@dataclass
class Review:
    """The entries found in one workbook's 评分结果, and (after ``scoring.review.apply_review``)
    the ones whose indicator row no longer exists."""

    entries: list[ReviewEntry] = field(default_factory=list)
    orphans: list[ReviewEntry] = field(default_factory=list)
    year: int | None = None  # the 评价年度 the sheet was written for (its title line), when it says
    # cells a reviewer filled that are not an indicator row's 复核得分/复核意见 (a 小计 row's, a
    # column inserted by the user): not carried, the user is told
    dropped: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.entries)


def row_key(level1: object, level2: object, name: object) -> Key:
    """How a 复核 entry finds its indicator: the three names as a person would compare them."""
    return (L.canonical_level1(level1), L.normalize_label(level2), L.normalize_label(name))


# --- reading ----------------------------------------------------------------------------------
def read_review_sheet(book: Book, sheet: str | None = None) -> Review:
    """The 复核 entries of our results sheet in the workbook (``sheet``, else as
    ``results_sheet_for`` finds it: 评分结果, or 评分结果(2) beside a user's own 评分结果); none when
    it has none yet, or one written before the 复核 columns existed. Headers are found by text."""
    sheet = sheet or results_sheet_for(book)
    if sheet not in book.sheet_names or _as_written_unreviewed(book):
        return Review()
    grid = book.sheet(sheet)
    found = find_header(grid, (L.I_LEVEL1, L.I_LEVEL2, L.I_NAME, *L.REVIEW_HEADERS), None, HEADER_SEARCH_ROWS)
    if found is None:  # a 复核 header retitled or cleared by the reviewer: the columns where we put them
        found = _review_columns_by_place(grid)
        if found is None:
            return Review()
    header_row, cols = found
    shown = [cols[h] for h in (L.I_TARGET, L.I_ACTUAL, L.I_POINTS) if h in cols]
    entries: list[ReviewEntry] = []
    dropped = []
    last_row = grid.max_row
    for row in range(header_row + 1, last_row + 1):
        first = grid.value(row, 0)
        if L.normalize_label(first) in _STOP_LABELS:
            # below the table (the label block, the problem list) nothing of ours is in the 复核
            # columns: what is there the reviewer typed (an overall score or opinion on the
            # 复核总分 line), and the rewrite cannot keep it
            dropped += [
                f"{col_letter(cols[h])}{r}"
                for r in range(row, last_row + 1)
                for h in L.REVIEW_HEADERS
                if h in cols and _value(grid, r, cols[h]) is not None
            ]
            dropped += _in_the_conclusion(grid, row, cols, bool(entries))
            break
        score, note = (_value(grid, row, cols[h]) if h in cols else None for h in L.REVIEW_HEADERS)
        if score is None and note is None:
            continue
        level1, level2, name = (cell_text(grid.value(row, cols[h])) for h in (L.I_LEVEL1, L.I_LEVEL2, L.I_NAME))
        if level2 == SUBTOTAL or not (level1 or name):
            dropped += [
                f"{col_letter(cols[h])}{row}"
                for h, v in zip(L.REVIEW_HEADERS, (score, note), strict=True)
                if v is not None and h in cols
            ]
            continue
        seen = None
        if len(shown) == 3:
            target, actual, points = (grid.value(row, c) for c in shown)
            number = float(points) if isinstance(points, int | float) and not isinstance(points, bool) else None
            seen = (cell_text(target), cell_text(actual), number)
        entries.append(ReviewEntry(level1, level2, name, score, note, seen))
    dropped += _in_columns_of_the_users(grid, header_row, {cols[h] for h in L.REVIEW_HEADERS if h in cols})
    return Review(entries, year=_title_year(grid, header_row), dropped=_above_the_header(grid, header_row) + dropped)


_OUR_HEADERS = frozenset(L.normalize_label(h) for h in (*L.RESULT_HEADERS, *L.REVIEW_HEADERS))
# the conclusion lines (核定总分 … 警告数) on which we write a note in column C (results_sheet)
_NOTED_LABELS = frozenset((L.R_TOTAL, L.R_DIFF, L.R_REVIEWED_TOTAL, L.R_STATUS))


def _in_the_conclusion(grid: Grid, start: int, cols: dict[str, int], has_entries: bool) -> list[str]:
    """The cells of the conclusion lines (from ``start``, the 核定总分 line, to the problem
    list's header) that a reviewer filled and a rerun would not keep: text right of the label and
    value (column C where we write no note, D up to our last column; the 复核 columns and those
    right of ours are told elsewhere), and a 复核总分 typed over “未复核” when no row has a
    复核得分 (the total is Σ of the rows' 复核得分, never read from that line)."""
    review = {cols[h] for h in L.REVIEW_HEADERS if h in cols}
    last = max(cols.values())
    out = []
    label, row = None, -1
    for (r, c), cell in sorted(grid.cells.items()):
        if r < start:
            continue
        if r != row:
            label, row = None, r
        if c == 0:
            label = L.normalize_label(cell.value)
            if label == L.PROBLEM_HEADERS[0]:
                break  # the problem list: our rows, one message merged across
            continue
        if c in review or c > last or not cell_text(cell.value):
            continue
        if c == 1:
            typed_total = label == L.R_REVIEWED_TOTAL and not has_entries and cell_text(cell.value) != L.R_NOT_REVIEWED
            if not typed_total:
                continue
        elif c == 2 and (label in _NOTED_LABELS or (label == L.R_GRADE and cell_text(cell.value) == L.R_TENTATIVE)):
            continue  # (our note; beside 等级 only the one we write: a final file's has none)
        out.append(f"{col_letter(c)}{r}")
    return out


def _in_columns_of_the_users(grid: Grid, header_row: int, review: set[int]) -> list[str]:
    """The filled cells below the header in columns a user added (a header of theirs, or none,
    with text below it, right of ours; ``review``: the 复核 columns, read whatever their header
    says now): what a rerun, writing the sheet anew, would not keep."""
    ours = review | {
        c for (r, c), cell in grid.cells.items() if r == header_row and L.normalize_label(cell.value) in _OUR_HEADERS
    }
    if not ours:
        return []
    last = max(ours)
    return [
        f"{col_letter(c)}{r}"
        for (r, c), cell in sorted(grid.cells.items(), key=lambda item: (item[0][1], item[0][0]))
        if r > header_row and c not in ours and (c > last or (header_row, c) in grid.cells) and cell_text(cell.value)
    ]


# the two lines we write above the header (results_sheet: the title, then title_line's
# "单位名称：…　　评价年度：…"), in column A
_OUR_TITLE = "绩效自评评分结果"
_OUR_TITLE_LINE = re.compile(r"单位名称：.*评价年度：")


def _above_the_header(grid: Grid, header_row: int) -> list[str]:
    """The filled cells above the header that are not our title lines: what a reviewer typed in
    rows inserted there (an overall opinion, a signature) and a rerun, writing the sheet anew,
    would not keep."""
    return [
        f"{col_letter(c)}{r}"
        for (r, c), cell in sorted(grid.cells.items())
        if r < header_row
        and (text := cell_text(cell.value))
        and not (c == 0 and (text == _OUR_TITLE or _OUR_TITLE_LINE.match(text)))
    ]


def _review_columns_by_place(grid: Grid) -> tuple[int, dict[str, int]] | None:
    """Our header row found by its other headers (一级指标 … 评分说明), with 复核得分 and 复核意见
    where found by text, else in the places we write them, right after 评分说明, when no header
    of ours is there now (the reviewer retitled or cleared it; one deleted is left out); None when
    that row is not found or neither 复核 column is there."""
    note = L.RESULT_HEADERS[-1]
    found = find_header(grid, (L.I_LEVEL1, L.I_LEVEL2, L.I_NAME, note), None, HEADER_SEARCH_ROWS)
    if found is None:
        return None
    header_row, cols = found
    cols = dict(cols)
    for k, h in enumerate(L.REVIEW_HEADERS, start=1):
        if h not in cols:
            c = cols[note] + k
            if L.normalize_label(grid.value(header_row, c)) not in _OUR_HEADERS:
                cols[h] = c
    return (header_row, cols) if any(h in cols for h in L.REVIEW_HEADERS) else None


_TITLE_YEAR = re.compile(r"评价年度：\s*(\d{4})\b")


def _title_year(grid: Grid, header_row: int) -> int | None:
    """The 评价年度 named in the title block above the header (``title_line`` of the results
    sheet: "…评价年度：2023…"); None when no title line names one."""
    for (row, _), cell in sorted(grid.cells.items()):
        if row >= header_row:
            break
        if isinstance(cell.value, str) and (m := _TITLE_YEAR.search(cell.value)):
            return int(m.group(1))
    return None


def results_sheet_for(book: Book) -> str:
    """The sheet our results go to: 评分结果, unless the workbook has a sheet of that name that we
    did not write (the user's own, with their text): then 评分结果(2) (or the first free or ours
    of (3), (4) …), so that only a sheet of ours is ever replaced. A sheet of ours that is there
    comes before a free name: when the user's own 评分结果 is deleted or renamed later, the
    results (and a reviewer's entries) stay in 评分结果(2). Ours is recognised by what we put
    there: the results header row (一级指标 … 核定得分) in its first ``HEADER_SEARCH_ROWS`` rows, which survives Excel and
    WPS saving. Only the sheets of those names are read (on a rerun 评分结果 is read for its 复核
    entries already)."""
    if _as_written_unreviewed(book):
        return L.SHEET_RESULTS
    for _, name in sorted((k, name) for name in book.sheet_names if (k := L.results_number(name))):
        if _is_ours(book.sheet(name)):
            return name
    names = set(book.sheet_names)
    name, k = L.SHEET_RESULTS, 1
    while name in names:
        k += 1
        name = f"{L.SHEET_RESULTS}({k})"
    return name


def renamed_results(book: Book, results: str) -> list[tuple[str, int]]:
    """Sheets of ours renamed by a user (“评分结果-已复核”: 评分结果 in the name, but not as we
    name it) that hold 复核 entries, with how many: those entries are not read (only ``results``
    is), which the user is told."""
    found = []
    for name in book.sheet_names:
        if L.SHEET_RESULTS in name and name != results and not L.results_number(name) and _is_ours(book.sheet(name)):
            if n := len(read_review_sheet(book, name).entries):
                found.append((name, n))
    return found


def _as_written_unreviewed(book: Book) -> bool:
    """A workbook as a write-back of ours left it, with no reviewer's entry (``Book.unreviewed``)
    and its results in 评分结果 (no 评分结果(2) beside a user's own): that sheet is ours and holds
    no entry, so neither question needs it read (a rerun of an untouched file: ~1.5 ms less)."""
    if not book.unreviewed:
        return False
    numbers = [k for name in book.sheet_names if (k := L.results_number(name))]
    return numbers == [1]


def _is_ours(grid: Grid) -> bool:
    want = list(L.RESULT_HEADERS[:8])
    first = want[0]
    return any(
        grid.value(r, 0) == first and [grid.value(r, c) for c in range(len(want))] == want
        for r in range(1, HEADER_SEARCH_ROWS + 1)
    )


def read_review(path: Path, display: str | None = None) -> Review:
    """The 复核 entries of the 评分结果 in the workbook at ``path`` (for a side file or an
    ``--out-dir`` copy that a reviewer filled in). Raises ``SelfevalError`` when unreadable."""
    return read_review_sheet(open_book(path, display))


def _value(grid: Grid, row: int, col: int) -> object:
    """A cell as the reviewer left it; blank (or only spaces) is None. A formula with no saved
    result (a tool that does not compute, e.g. openpyxl) is its text ``=…`` as the formula bar
    shows it, not blank; a number in a percent-formatted cell is the text it shows (``8%``), not
    the fraction Excel stores (0.08), so that neither is lost or counted as other than it looks."""
    cell = grid.get(row, col)
    if cell is None:
        return None
    if cell.formula_without_cache and (formula := cell.formula or "").strip():
        return "=" + formula.strip().removeprefix("=")
    v = cell.value
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if cell.percent and isinstance(v, int | float) and not isinstance(v, bool):
        return f"{fmt_num(v * 100)}%"
    if isinstance(v, float) and v.is_integer():
        return int(v)  # written back as 8, not 8.0
    return v
