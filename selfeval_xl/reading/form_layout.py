"""The official single-sheet 项目支出绩效自评表 (财预〔2020〕10号 附件 and provincial variants),
recognised by its labels wherever they are, read into the same ``WorkbookData`` as our template.
Its 得分 column becomes 申报得分 and its 总分 becomes 申报总分, so every audit check applies.

Blocks looked for on any sheet: 项目名称 / 主管部门 / 实施单位 (value to the right of the label);
the 项目资金 header (年初预算数, 全年预算数 or 调整后预算数, 全年执行数, 分值, 执行率, 得分) with
rows 年度资金总额, 其中：当年财政拨款, 上年结转资金, 其他资金; 年度总体目标; the 绩效指标 header
(一级/二级/三级指标, 年度指标值, 实际完成值, 分值, 得分, 偏差原因分析及改进措施, optional 指标性质,
度量单位) with merged 一级/二级 cells; and 总分. Headers may be spelled as published forms
spell them (``contract.FORM_*_ALIASES``; the ambiguous ``FORM_*_WEAK`` ones only where nothing
else names the column). A sheet that clearly is a form but lacks a required indicator header
is not a form "missing 基本信息": ``form-missing-header`` names the header and its row."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from selfeval_xl.errors import WARNING, UnreadableWorkbook
from selfeval_xl.ooxml.package import Book, Grid
from selfeval_xl.reading import contract as L
from selfeval_xl.reading.cells import budget_row, constant_formula_text, number_cell, unlisted_amounts
from selfeval_xl.reading.headers import Header, closest_header, find_header
from selfeval_xl.reading.indicator_table import budget_line, read_indicator_table
from selfeval_xl.reading.rows import IndicatorRow
from selfeval_xl.reading.values import BLANK, Value, parse_value, parse_year
from selfeval_xl.reading.workbook_data import BudgetRow, Found, WorkbookData

Rows = dict[int, dict[int, object]]  # Excel row → 0-based column → value


def _label(v: object) -> str:
    return L.normalize_label(v) if isinstance(v, str) else ""


def _rows(grid: Grid) -> Rows:
    out: Rows = {}
    for (r, c), cell in grid.cells.items():
        if r <= L.FORM_SEARCH_ROWS or cell.value is not None:
            out.setdefault(r, {})[c] = cell.value
    return out


def _indicator_header(grid: Grid) -> Header | None:
    """The indicator table's header row; one split over two rows (README 表头分两行) by its
    lower row."""
    return find_header(
        grid, L.FORM_INDICATOR_REQUIRED, L.FORM_INDICATOR_ALIASES, L.FORM_SEARCH_ROWS, L.FORM_INDICATOR_WEAK, split=True
    )


def _budget_header(grid: Grid) -> Header | None:
    return find_header(grid, L.FORM_BUDGET_REQUIRED, L.FORM_BUDGET_ALIASES, L.FORM_SEARCH_ROWS, L.FORM_BUDGET_WEAK)


def _is_form(grid: Grid) -> bool:
    """An indicator table plus, on another row, any of: 项目资金 block, 项目名称, 总分."""
    header = _indicator_header(grid)
    return header is not None and any(
        r != header[0] and _label(cell.value) in L.FORM_MARKERS for (r, _), cell in grid.cells.items()
    )


def _is_title(v: object) -> bool:
    """The form's title: ``项目支出绩效自评表``, ``…自评表(2023年度)`` (never a sentence that
    mentions one)."""
    return isinstance(v, str) and L.normalize_label(v).endswith(L.FORM_TITLE_WORD)


def _incomplete_header(grid: Grid) -> Header | None:
    """On a sheet that clearly is a form whose indicator header lacks a required column, the row
    that comes closest to that header: it holds at least two of the required headers, and
    another row holds the form's title (…自评表), the 绩效指标 block, 项目名称, 年度资金总额 or 总分."""
    required = L.FORM_INDICATOR_REQUIRED
    closest = closest_header(grid, required, L.FORM_INDICATOR_ALIASES, L.FORM_SEARCH_ROWS, L.FORM_INDICATOR_WEAK)
    if closest is None or not 2 <= sum(h in closest[1] for h in required) < len(required):
        return None
    marks = {*L.FORM_MARKERS, L.FORM_INDICATOR_BLOCK}
    for (r, _), cell in grid.cells.items():
        if r != closest[0] and r <= L.FORM_SEARCH_ROWS and (_label(cell.value) in marks or _is_title(cell.value)):
            return closest
    return None


def find_form(book: Book) -> Found | None:
    """The first sheet that holds a standard form (read as 基本信息, 预算执行 and 绩效指标 at
    once), and the other sheets that hold one too; None when no sheet does. With none, the
    first sheet that clearly is a form but lacks an indicator header: ``read_form`` says which
    (rather than the template's "no 基本信息 sheet")."""
    forms = [name for name in book.sheet_names if _is_form(book.sheet(name))]
    if not forms:
        forms = [next((name for name in book.sheet_names if _incomplete_header(book.sheet(name))), "")]
        if not forms[0]:
            return None
    return Found(dict.fromkeys(L.TEMPLATE_SHEETS, forms[0]), tuple(forms[1:]))


def no_form(book: Book, file: str) -> UnreadableWorkbook:
    """The error for a workbook read as a form that holds none."""
    return UnreadableWorkbook.at(file, None, None, "no-form")


def read_form(book: Book, data: WorkbookData, found: Found) -> None:
    """The form on ``found``'s sheet into ``data``: facts, the 项目资金 block, the indicator rows
    (with the block's 预算执行率 line first, unless the table prints that line itself) and 总分."""
    grid = book.sheet(data.sheet(L.SHEET_INDICATORS))
    header = _indicator_header(grid)
    if header is None:
        raise _missing_header(data, grid)
    header_row, cols = header
    _weak_left_unread(data, grid, header_row, cols)
    budget_header = _budget_header(grid)
    rows = _rows(grid)
    data.info[L.INFO_KIND] = L.KIND_PROJECT
    _read_info(data, rows, min(header_row, budget_header[0] if budget_header else header_row))
    line = _read_budget(data, grid, rows, budget_header)
    end_row = next((r for r in sorted(rows) if r > header_row and _ends_table(rows[r], cols)), None)
    table = read_indicator_table(data, grid, header_row, cols, end_row=end_row)
    data.records, placed = _with_budget_line(table, line)
    data.cell_overrides.update(placed)  # (besides a merged 偏差原因's, set by the table reader)
    _read_total(data, grid, rows, cols)
    _read_grade(data, rows, end_row)
    _review_column_unread(data, rows, header_row, end_row, budget_header)
    if found.others:
        data.add(L.SHEET_INDICATORS, None, "more-forms", count=len(found.others), sheets="、".join(found.others))


def _ends_table(row: dict[int, object], cols: dict[str, int]) -> bool:
    """The 总分 row (its label anywhere on the row), or a block's label left of 分值 (年度总体目标
    or 自评等级 printed under the table): the indicator rows end above it."""
    points = cols.get(L.I_POINTS, max(cols.values()) + 1)
    return any(
        (label := _label(v)) in L.FORM_TOTAL_LABELS or (c < points and label in L.FORM_TABLE_END)
        for c, v in row.items()
    )


def _weak_left_unread(data: WorkbookData, grid: Grid, header_row: int, cols: dict[str, int]) -> None:
    """A form with no 得分 column whose header row has an ambiguous spelling left unread because
    its plain header is there too (分值 | 分数): that column may well hold the unit's scores, so the
    unit is told that no 申报得分 was read and how to name the column, not left to wonder."""
    if L.I_CLAIMED in cols:
        return
    for c, cell in sorted((c, cell) for (r, c), cell in grid.cells.items() if r == header_row):
        if not isinstance(cell.value, str):
            continue
        target = L.FORM_INDICATOR_WEAK.get(L.canonical_header(cell.value, L.FORM_INDICATOR_ALIASES) or "")
        if target == L.I_POINTS and cols.get(target, c) != c:  # (分数: the one that may be either)
            plain = grid.value(header_row, cols[target])
            data.add(
                L.SHEET_INDICATORS,
                L.cell_name(header_row, c),
                "form-header-unread",
                header=cell.value.strip(),
                plain=plain,
            )


# a reviewer's column some forms print beside the unit's score (广水: 自评分 | 复核分)
_REVIEW_HEADERS = frozenset({"复核分", "复核得分", "复核评分", "复核分数"})


def _figure(v: object) -> bool:
    return (isinstance(v, int | float) and not isinstance(v, bool)) or (
        isinstance(v, str) and any(ch.isdigit() for ch in unicodedata.normalize("NFKC", v))
    )


def _review_column_unread(
    data: WorkbookData, rows: Rows, header_row: int, end_row: int | None, budget_header: Header | None
) -> None:
    """A 复核分 column of the form (in the indicator or the 项目资金 header) with a figure under
    it: not read (a reviewer's scores go on our 评分结果 sheet's 复核得分, SPEC §4.4), and said so
    once, at its header, rather than the figures being lost without a word. An empty one is not."""
    last = end_row if end_row is not None else max(rows)
    # (header cells' rows, figures' rows): a header split over two rows may print 复核分 merged
    # down both, its text in the upper row
    spans: list[tuple[tuple[int, ...], range]] = [((header_row - 1, header_row), range(header_row + 1, last + 1))]
    if budget_header is not None:
        b = budget_header[0]
        below = [r for r in (header_row, last) if r > b]
        spans.insert(0, ((b,), range(b + 1, min(below) if below else last + 1)))
    told: set[int] = set()  # one warning a column, though both blocks print it
    for heads, under in spans:
        for hr in heads:
            for c, v in sorted(rows.get(hr, {}).items()):
                if c in told or _label(v) not in _REVIEW_HEADERS:
                    continue
                if any(_figure(rows.get(r, {}).get(c)) for r in under):
                    told.add(c)
                    data.add(L.SHEET_INDICATORS, L.cell_name(hr, c), "review-column-unread", header=str(v).strip())


def _missing_header(data: WorkbookData, grid: Grid) -> UnreadableWorkbook:
    """The error for a form whose indicator header lacks a required column: which one, at the
    header row's first required header (``find_form`` found that row)."""
    closest = _incomplete_header(grid)
    assert closest is not None
    row, found = closest
    missing = next(h for h in L.FORM_INDICATOR_REQUIRED if h not in found)
    col = min(found[h] for h in L.FORM_INDICATOR_REQUIRED if h in found)
    spellings = [missing]
    for aliases in (L.FORM_INDICATOR_ALIASES, L.FORM_INDICATOR_WEAK):
        spellings += [text for text, header in aliases.items() if header == missing]
    return UnreadableWorkbook.at(
        data.file,
        data.sheet(L.SHEET_INDICATORS),
        L.cell_name(row, col),
        "form-missing-header",
        header=missing,
        row=row,
        accepted="、".join(spellings),
    )


@dataclass(frozen=True)
class _BudgetLine:
    """The 预算执行率 line a form keeps in its 项目资金 block, on the 年度资金总额 row."""

    row: int
    record: IndicatorRow
    cells: dict[str, str]  # indicator header → its cell in the block (分值, 得分 as 申报得分, 执行率)


def _with_budget_line(
    table: dict[int, IndicatorRow], line: _BudgetLine | None
) -> tuple[dict[int, IndicatorRow], dict[tuple[int, str], str]]:
    """The indicator rows with the block's 预算执行率 line first, and where that line's cells
    are; unless the table prints that line itself (银川: 项目管理 › 预算执行率, 指标值 “—”): then
    it counts once, there."""
    in_table = any(
        L.normalize_label(r.name) == L.LEVEL1_BUDGET or L.canonical_level1(r.level1) == L.LEVEL1_BUDGET
        for r in table.values()
    )
    if line is None or in_table:
        return table, {}
    return {line.row: line.record, **table}, {(line.row, header): cell for header, cell in line.cells.items()}


def _right_of(row: dict[int, object], col: int) -> tuple[int, object] | None:
    """The first value right of a label, up to the next label (``主管部门 | 教育部 | 实施单位 |``,
    ``实施单位 | | 项目负责人 | 张三``, ``实施单位 | | 项目负责人：张三``: 实施单位 has no value; it
    never takes the next label, nor what follows it). A value that goes on to another label
    (``某中心 项目负责人：张三``) is cut before it."""
    for c in sorted(row):
        v = row[c]
        if c <= col or v is None or (isinstance(v, str) and not v.strip()):
            continue
        if isinstance(v, str):
            if (label := _label(v)) in L.FORM_INFO_LABELS or label in L.FORM_NOTE_WORDS or _KNOWN_LABEL.match(v):
                return None
            v = _NEXT_LABEL.split(v.strip(), maxsplit=1)[0]
        return c, v
    return None


# the labels a line of the form may hold besides its facts' (项目负责人, 联系电话 …; not 注 alone)
_LABEL_WORDS = "|".join(
    sorted({*L.FORM_INFO_LABELS, *(w for w in L.FORM_NOTE_WORDS if len(w) > 1)}, key=len, reverse=True)
)
_NOTE = r"(?:\s*[(（][^)）]{0,8}[)）])?"  # 实施单位（盖章）
# a label with its colon at the start of a cell: 项目负责人：张三, 实施单位（盖章）：某中心
_KNOWN_LABEL = re.compile(rf"\s*(?:{_LABEL_WORDS}){_NOTE}\s*[:：]")
# where a cell's text goes on to another label the form knows, after a space (full-width or not):
# 实施单位：某中心 项目负责人：张三, 主管部门：某局　实施单位：某中心 (with its colon), 主管部门 某局
# 实施单位 某中心 (with a space). Only a known label: a value's own words and colon (项目名称：某项目
# 二期：东段) are not cut
_NEXT_LABEL = re.compile(rf"\s+(?=(?:{_LABEL_WORDS}){_NOTE}(?:\s*[:：]|\s))")
# a label and its value in one cell: 项目名称：职业技能培训项目, 实施单位（盖章）：某中心 (the value
# may be blank: 实施单位：)
_INLINE_INFO = re.compile(r"\s*([^:：]{2,16}?)\s*[:：]\s*(.*?)\s*", re.DOTALL)
# the same with no colon, only a space between (实施单位　某中心): for the labels this form reads
# only, never a text that merely starts with a word
_SPACED_INFO = re.compile(
    rf"\s*({'|'.join(sorted(L.FORM_INFO_LABELS, key=len, reverse=True))}){_NOTE}\s+(\S.*?)\s*", re.DOTALL
)


def _inline_info(text: str) -> list[tuple[str, str]]:
    """The facts and their values of a cell that holds both, label first (``主管部门：某市人社局``,
    ``实施单位　某中心``), each label's value ending where the next label starts (``主管部门：某局
    实施单位：某中心``, ``实施单位：某中心　项目负责人：张三``: 某中心, and 项目负责人 is not a fact
    read); a value may be "" (``实施单位：　项目负责人：张三``). Empty for any other text."""
    if not text or len(text) > _INLINE_LONGEST:
        return []
    facts = []
    for part in _NEXT_LABEL.split(text.strip()):
        m = _INLINE_INFO.fullmatch(part) or _SPACED_INFO.fullmatch(part)
        if m is not None and (label := L.FORM_INFO_LABELS.get(_label(m.group(1)))) is not None:
            facts.append((label, m.group(2)))
    return facts


_INLINE_LONGEST = 200  # a cell longer than this is prose (a goal), not a line of facts


def _goal_headings(row: dict[int, object]) -> bool:
    """A row holding the goal block's headings (预期目标, 实际完成情况)."""
    return any(_label(t) in _GOAL_HEADINGS for t in row.values())


_GOAL_HEADINGS = frozenset({"预期目标", L.INFO_ACHIEVED})


def _goal_texts(row: dict[int, object], col: int) -> list[tuple[int, str]]:
    """The goal texts right of ``col`` on one row; none when the row is a header row."""
    if sum(_label(t) in L.FORM_HEADINGS for t in row.values()) >= 3:  # the indicator or budget header
        return []
    return [
        (c, t)
        for c, t in sorted(row.items())
        if c > col and isinstance(t, str) and len(t.strip()) > 6 and _label(t) not in L.FORM_HEADINGS
    ]


# the amounts' unit: 项目资金（万元）, 项目资金(元), 项目资金（千元）, 金额单位：元, （单位：万元）,
# （单位：千元）; not the 元 of a place (填报单位：元谋县…) or of an indicator (发放单位补贴1000元)
_AMOUNT_UNIT = re.compile(
    r"项目资金[^元万千亿]{0,8}?(亿元|万元|千元|元)|单位\s*[:：(（]?\s*(亿元|万元|千元|元)(?![\u4e00-\u9fff])"
)

# a year in a title: 2023年, （２０２３年度）; not the year of a date (填报日期：2024年3月5日)
_TITLE_YEAR = re.compile(r"(?<!\d)(\d{4})\s*年(?!\s*\d{1,2}\s*月)")


def _year_in(text: str) -> int | None:
    """The first plausible 评价年度 (1990–2100, as ``parse_year`` takes) written in ``text``,
    full-width digits included."""
    for m in _TITLE_YEAR.finditer(unicodedata.normalize("NFKC", text)):
        if (year := parse_year(m.group(1))) is not None:
            return year
    return None


# a line of the form that states the year by label: 评价年度 | 2023, 年度：2023 (the value as the
# template's 评价年度 cell takes it: 2023, "2023", 2023年度)
_YEAR_LABELS = frozenset({L.INFO_YEAR, "年度", "自评年度", "所属年度", "预算年度", "项目年度"})


def _labelled_year(row: dict[int, object], col: int, text: str) -> tuple[int, int] | None:
    """The year a cell labels (``评价年度`` with 2023 right of it, or ``评价年度：2023`` in one
    cell) and the column it is in; None for any other cell or a value that is no year."""
    if _label(text) in _YEAR_LABELS:
        hit = _right_of(row, col)
        year = None if hit is None else parse_year(hit[1])
        return None if hit is None or year is None else (hit[0], year)
    m = _INLINE_INFO.fullmatch(text) if text and len(text) <= _INLINE_LONGEST else None
    if m is not None and _label(m.group(1)) in _YEAR_LABELS and (year := parse_year(m.group(2))) is not None:
        return col, year
    return None


# a year stated inside a line by its label: （评价年度：2022年）, 评价年度:2022年度 (what the whole-cell
# ``_labelled_year`` does not take, with brackets or words around it)
_STATED_YEAR = re.compile(
    rf"(?:{'|'.join(sorted(_YEAR_LABELS, key=len, reverse=True))})\s*[:：]?\s*(\d{{4}})\s*年?(?!\s*\d)"
)
# a cell that is a year alone, bracketed or not: （2022年度）, (2022年)
_YEAR_ALONE = re.compile(r"[\s(（\[【]*(\d{4})\s*年度?[\s)）\]】]*")


def _stated_year(row: dict[int, object], col: int, text: str) -> tuple[int, int] | None:
    """The 评价年度 a cell states, and the column of the cell it is in: the title's year
    (…自评表（2023年度）), a labelled year (``_labelled_year``, （评价年度：2022年）) or a year alone
    (（2022年度）). Not a year that is only mentioned (项目名称：2022年农村公路建设项目, a date):
    what a second, different year is checked against (``year-conflict``)."""
    if (stated := _labelled_year(row, col, text)) is not None:
        return stated
    norm = unicodedata.normalize("NFKC", text)
    if _is_title(text) and (year := _year_in(text)) is not None:
        return col, year
    m = _STATED_YEAR.search(norm) or _YEAR_ALONE.fullmatch(norm)
    return None if m is None or (year := parse_year(m.group(1))) is None else (col, year)


def _read_info(data: WorkbookData, rows: Rows, top: int) -> None:
    """The facts above and beside the blocks; the 评价年度 from the first plausible year in a
    row above ``top`` (the first header row: 项目资金 or 绩效指标), wherever blank rows or an
    附件 line pushed the title. A later line stating another year (标题 2023年度, （评价年度：2022年）)
    keeps the first and is told (``year-conflict``)."""
    title: str | None = None  # the form's title cell (…自评表), where a missing year is reported
    first: str | None = None  # the cell the 评价年度 was read from
    told = set()  # the cells a conflicting year was reported at (a label's value is met twice)
    for r in sorted(rows)[: L.FORM_SEARCH_ROWS]:
        for c, v in sorted(rows[r].items()):
            text = v if isinstance(v, str) else ""
            if r < top and text:
                if title is None and _is_title(text):
                    title = L.cell_name(r, c)
                kept = data.info.get(L.INFO_YEAR)
                if kept is not None and (stated := _stated_year(rows[r], c, text)) and stated[1] != kept:
                    cell = L.cell_name(r, stated[0])
                    if cell != first and cell not in told:
                        told.add(cell)
                        where = f"标题（{first}）" if first == title else first
                        data.add(L.SHEET_INFO, cell, "year-conflict", first=where, kept=kept, year=stated[1])
                if L.INFO_YEAR not in data.info and (year := _year_in(text)) is not None:
                    data.info[L.INFO_YEAR], first = year, L.cell_name(r, c)
            if r < top and L.INFO_YEAR not in data.info and (stated := _labelled_year(rows[r], c, text)):
                data.info[L.INFO_YEAR], data.info_cells[L.INFO_YEAR] = stated[1], L.cell_name(r, stated[0])
                first = data.info_cells[L.INFO_YEAR]
            label = L.FORM_INFO_LABELS.get(_label(v))
            if label is None and (inline := _inline_info(text)):
                for fact, value in inline:
                    if value and fact not in data.info:
                        data.info[fact] = value
                        data.info_cells[fact] = L.cell_name(r, c)
                    elif not value and fact not in data.info_cells:
                        data.info_cells[fact] = L.cell_name(r, c)  # told blank where it was typed
            elif label and label not in data.info and (hit := _right_of(rows[r], c)):
                data.info[label] = str(hit[1]).strip()
                data.info_cells[label] = L.cell_name(r, hit[0])
            elif label and label not in data.info_cells:
                data.info_cells[label] = L.cell_name(r, c + 1)  # the empty cell beside the label
            if "元" in text and L.INFO_AMOUNT_UNIT not in data.info and (unit := _AMOUNT_UNIT.search(text)):
                data.info[L.INFO_AMOUNT_UNIT] = unit.group(1) or unit.group(2)
            if _label(v) == L.INFO_GOAL:
                # the goal on the label's own row (A8 label, C8 text) wins; else the row below
                # (the official form: 预期目标 / 实际完成情况 headers, texts underneath); under a
                # label that is a section title, the row below the 预期目标 headings
                look = (r, r + 1, r + 2) if _goal_headings(rows.get(r + 1, {})) else (r, r + 1)
                vr, texts = next(((rr, t) for rr in look if (t := _goal_texts(rows.get(rr, {}), c))), (r, []))
                if texts:
                    data.info[L.INFO_GOAL] = texts[0][1]
                    data.info_cells[L.INFO_GOAL] = L.cell_name(vr, texts[0][0])
                if len(texts) > 1:
                    data.info[L.INFO_ACHIEVED] = texts[-1][1]
                    data.info_cells[L.INFO_ACHIEVED] = L.cell_name(vr, texts[-1][0])
    if L.INFO_YEAR not in data.info:
        # as the template reports a blank 评价年度: dates written without a year (年底前) and
        # the duplicate check need it
        data.add(L.SHEET_INFO, title or "A1", "missing-value", field=L.INFO_YEAR)
    if L.INFO_UNIT not in data.info:
        # the 主管部门 is not the unit (教育部 ≠ 北京大学): say it is missing, where it belongs (with no
        # 实施单位 label at all, at the title, as a missing 评价年度 is)
        where = data.info_cells.get(L.INFO_UNIT) or title or "A1"
        data.add(L.SHEET_INFO, where, "missing-value", field=L.FORM_UNIT_LABEL, severity=WARNING)


# how a required 项目资金 column may be headed, for the message when it is not found
_BUDGET_SPELLINGS = {
    L.B_ADJUSTED: "全年预算数、调整后预算数、调整预算数",
    L.B_EXECUTED: "全年执行数、实际执行数、实际支出数",
}
_BUDGET_LABELS = {"项目资金", "项目资金情况"}


def _unread_budget_header(data: WorkbookData, rows: Rows) -> None:
    """A 项目资金 block whose header is not read (a column headed some other way, 支出数): one
    error at the block's label naming the column not found, instead of "no 年度资金总额 line"
    at no cell (the line is there). Nothing when the form has no such block."""
    for r in sorted(rows):
        for c, v in rows[r].items():
            if isinstance(v, str) and L.normalize_label(v) in _BUDGET_LABELS:
                near = {
                    L.canonical_header(x, L.FORM_BUDGET_ALIASES) for rr in (r, r + 1) for x in rows.get(rr, {}).values()
                }
                missing = [h for h in L.FORM_BUDGET_REQUIRED if h not in near] or list(L.FORM_BUDGET_REQUIRED)
                data.add(
                    L.SHEET_BUDGET,
                    L.cell_name(r, c),
                    "budget-header-missing",
                    column="”“".join(missing),
                    spellings="；".join(_BUDGET_SPELLINGS[h] for h in missing),
                )
                data.budget_unread = True
                return


def _read_budget(data: WorkbookData, grid: Grid, rows: Rows, header: Header | None) -> _BudgetLine | None:
    """The 项目资金 block under ``header`` into ``data.budget``; returns the 预算执行率 line built
    from its 分值, 得分 and 执行率 (on the 年度资金总额 row)."""
    if header is None:
        _unread_budget_header(data, rows)
        return None
    hr, found = header
    amount_heads = [h for h, _ in L.BUDGET_AMOUNTS if h in found]
    first_amount = min(found[h] for h in amount_heads)
    data.budget_columns = {h: L.col_letter(found[h]) for h in L.BUDGET_HEADERS if h in found}
    data.budget_header_row = hr
    data.budget_columns.setdefault(L.B_CATEGORY, L.col_letter(max(0, first_amount - 1)))
    data.budget_columns.setdefault(L.B_INITIAL, data.budget_columns[L.B_ADJUSTED])
    line: _BudgetLine | None = None
    for r in range(hr + 1, hr + 8):
        row = rows.get(r, {})
        labels = [
            L.canonical_header(v, L.BUDGET_ROW_ALIASES)
            for c, v in sorted(row.items())
            if c < first_amount and isinstance(v, str)
        ]
        category = next((lab for lab in reversed(labels) if lab in L.BUDGET_ROWS), None)
        if category is None:
            if any(_label(v) in (L.INFO_GOAL, L.I_LEVEL1, L.FORM_INDICATOR_BLOCK) for v in row.values()):
                break
            if any(labels) and (amounts := unlisted_amounts(data, grid, r, found)):
                data.budget_unlisted.append(amounts)
            continue
        read = budget_row(data, grid, r, category, found)
        if category == L.B_TOTAL and _larger(read, data.budget.get(category)):
            # (合计 or 总计 may be a sub-total of some sources above the line that totals them all:
            # the block's total is its largest total-labelled line, the first of equals)
            data.budget[category], line = read, None
        data.budget.setdefault(category, read)
        if category == L.B_TOTAL and line is None and data.budget[category] is read:
            points_col, score_col = found.get(L.I_POINTS), found.get(L.FORM_SCORE)
            rate_col = found.get(L.B_RATE_DISPLAY)
            points = number_cell(data, L.SHEET_BUDGET, grid, r, points_col, L.I_POINTS)
            claimed = number_cell(data, L.SHEET_BUDGET, grid, r, score_col, L.I_CLAIMED)
            placed = ((L.I_POINTS, points_col), (L.I_CLAIMED, score_col), (L.I_ACTUAL, rate_col))
            # that line has no 偏差原因 cell: no reason is asked there (README 设计决定)
            cells = {h: L.cell_name(r, col) for h, col in placed if col is not None}
            line = _BudgetLine(r, budget_line(points, claimed, _rate(grid, r, rate_col)), cells)
    return line


def _larger(read: BudgetRow, before: BudgetRow | None) -> bool:
    """Whether a total-labelled line holds more than the one read before it (by 全年预算数, else
    全年执行数)."""
    if before is None:
        return False
    for attr in ("adjusted", "executed"):
        new, old = getattr(read, attr), getattr(before, attr)
        if new is not None or old is not None:
            return new is not None and (old is None or new > old)
    return False


def _rate(grid: Grid, row: int, col: int | None) -> Value:
    """The 执行率 the form prints on the 年度资金总额 row (``90%``, 0.9 shown as 90%, ``90``), as
    the 预算执行率 line's 实际完成值: the scorer compares it with the rate computed from the
    amounts, as it does the template's. Blank when absent or a formula never calculated (the
    rate is computed anyway, as the template's display-only 执行率 column is)."""
    cell = None if col is None else grid.get(row, col)
    if cell is None or cell.formula_without_cache:
        return Value(BLANK)
    if typed := constant_formula_text(cell.formula):  # =90% typed into a General cell
        return parse_value(typed)
    return parse_value(cell.value, percent_format=cell.percent)


def _read_grade(data: WorkbookData, rows: Rows, end_row: int | None) -> None:
    """The grade the form states for itself (自评等级 | 良, 评价等级：优秀), on or below the row that
    ends the indicator table (the 总分 row, or the grade line itself): kept only when it is one of
    优/良/中/差 (or 优秀/良好/中等), which the scorer compares with the grade of the 核定总分."""
    if end_row is None:
        return
    for r in sorted(rows):
        if r < end_row:
            continue
        for c, v in sorted(rows[r].items()):
            if not isinstance(v, str):
                continue
            if _label(v) in L.FORM_GRADE_LABELS:
                hit = _right_of(rows[r], c)
            elif (m := _INLINE_INFO.fullmatch(v)) and _label(m.group(1)) in L.FORM_GRADE_LABELS:
                hit = (c, m.group(2))
            else:
                continue
            if hit is not None and L.canonical_grade(hit[1]) is not None:
                data.info[L.INFO_CLAIMED_GRADE] = str(hit[1]).strip()
                data.info_cells[L.INFO_CLAIMED_GRADE] = L.cell_name(r, hit[0])
            return


def _read_total(data: WorkbookData, grid: Grid, rows: Rows, found: dict[str, int]) -> None:
    col = found.get(L.I_CLAIMED)
    if col is None:
        return
    for r in sorted(rows):
        if r <= data.indicator_header_row:
            continue
        if any(_label(v) in L.FORM_TOTAL_LABELS for c, v in rows[r].items() if c < found.get(L.I_POINTS, 99)):
            value = number_cell(data, L.SHEET_INFO, grid, r, col, L.INFO_CLAIMED_TOTAL)
            if not math.isnan(value):
                data.info[L.INFO_CLAIMED_TOTAL] = value
                data.info_cells[L.INFO_CLAIMED_TOTAL] = L.cell_name(r, col)
            return
