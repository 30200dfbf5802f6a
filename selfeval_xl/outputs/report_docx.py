"""Render a drafted report (``report.draft``) as .docx with python-docx, laid out as GB/T
9704-2012 (党政机关公文格式) asks (SPEC §4.5): A4 with margins top 37 mm, bottom 35, left 28,
right 26; title 2号 (22 pt) 小标宋; 一、 headings 3号 黑体, （一） headings 3号 楷体, body 3号
仿宋 with a two-character first-line indent on a fixed 28.95 pt line (22 lines a page); black
text; page numbers “— 1 —” at the foot (odd pages right, even pages left). Every run names
its East-Asian font (``w:eastAsia``), which python-docx's ``font.name`` does not set.
Placeholders are highlighted so nobody misses them."""

from __future__ import annotations

import io
import re
import unicodedata
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.text.font import CT_RPr
from docx.shared import Mm, Pt, RGBColor
from docx.styles.style import ParagraphStyle
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from selfeval_xl._fs import atomic_write
from selfeval_xl.ooxml.ownership import stamp
from selfeval_xl.outputs.report import CHART_WIDTH_CM, PLACEHOLDER, Block

_TODO = re.compile(re.escape(PLACEHOLDER.split("{}")[0]) + r".*?" + re.escape(PLACEHOLDER.split("{}")[1]))

# GB/T 9704-2012 type: 2号 = 22 pt, 3号 = 16 pt, 4号 = 14 pt, 小四 = 12 pt
TITLE_PT, BODY_PT, PAGE_NO_PT, TABLE_PT = 22, 16, 14, 12
LINE_PT = 28.95  # (297 − 37 − 35) mm ÷ 22 lines
FANGSONG, KAITI, HEITI, SONGTI = "仿宋", "楷体", "黑体", "宋体"
# 小标宋 where the machine has it, else a CJK serif (the draft is made where it is printed)
TITLE_FONTS = ("方正小标宋简体", "方正小标宋_GBK", "FZXiaoBiaoSong-B05S", "华文中宋", "STZhongsong")
SERIF_FALLBACKS = ("Noto Serif CJK SC", "Source Han Serif SC", "Source Han Serif CN", "思源宋体", "宋体", "SimSun")
BLACK = RGBColor(0, 0, 0)


# a paragraph this short (two lines of 3号 text on a GB/T 9704 page, 28 characters a line) is a
# lead-in that keeps with the table after it
LEAD_IN_CHARS = 56


def title_font() -> str:
    """The font for the title: a 小标宋 installed here, else a CJK serif, else 宋体."""
    from matplotlib import font_manager  # already a dependency (charts); finds fonts on every OS

    installed = {f.name for f in font_manager.fontManager.ttflist}
    for name in TITLE_FONTS + SERIF_FALLBACKS:
        if name in installed:
            return "方正小标宋简体" if name == "FZXiaoBiaoSong-B05S" else name
    return SONGTI


def _fonts(rpr: CT_RPr, font: str) -> None:
    """Set every font slot of a run's or style's properties (East Asian included) to ``font``."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), font)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)  # a theme font would win over the name


def _style(
    doc: DocxDocument,
    name: str,
    font: str,
    size: float,
    *,
    bold: bool = False,
    indent: bool = True,
    center: bool = False,
) -> ParagraphStyle:
    st = doc.styles[name]
    assert isinstance(st, ParagraphStyle)  # Normal, Title and Heading n of python-docx's default template
    st.font.size = Pt(size)
    st.font.bold = bold
    st.font.italic = False
    st.font.color.rgb = BLACK
    _fonts(st.element.get_or_add_rPr(), font)
    pf = st.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = Pt(LINE_PT if size <= BODY_PT else LINE_PT * 1.25)
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    pf.first_line_indent = Pt(2 * size) if indent else Pt(0)
    pf.left_indent = Pt(0)
    pf.keep_with_next = name.startswith(("Heading", "Title"))
    pf.alignment = WD_ALIGN_PARAGRAPH.CENTER if center else WD_ALIGN_PARAGRAPH.JUSTIFY
    ppr = st.element.get_or_add_pPr()
    border = ppr.find(qn("w:pBdr"))  # the default Title style has a rule under it
    if border is not None:
        ppr.remove(border)
    return st


def _run(paragraph: Paragraph, text: str, font: str, size: float, bold: bool = False) -> Run:
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    run.font.color.rgb = BLACK
    run.bold = bold
    _fonts(run.element.get_or_add_rPr(), font)
    return run


def _runs(paragraph: Paragraph, text: str, font: str = FANGSONG, size: float = BODY_PT) -> None:
    """Add ``text``; placeholders in bold on yellow so nobody misses them."""
    pos = 0
    for m in _TODO.finditer(text):
        if m.start() > pos:
            _run(paragraph, text[pos : m.start()], font, size)
        run = _run(paragraph, m.group(0), font, size, bold=True)
        run.font.highlight_color = WD_COLOR_INDEX.YELLOW
        pos = m.end()
    if pos < len(text):
        _run(paragraph, text[pos:], font, size)


def _page_number(paragraph: Paragraph) -> None:
    """“— N —” with N a PAGE field, 4号 宋体."""
    _run(paragraph, "— ", SONGTI, PAGE_NO_PT)
    run = _run(paragraph, "", SONGTI, PAGE_NO_PT)
    begin, instr, sep, end = (OxmlElement("w:fldChar"), OxmlElement("w:instrText"), None, OxmlElement("w:fldChar"))
    begin.set(qn("w:fldCharType"), "begin")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    end.set(qn("w:fldCharType"), "end")
    shown = OxmlElement("w:t")
    shown.text = "1"
    for el in (begin, instr, sep, shown, end):
        run.element.append(el)
    _run(paragraph, " —", SONGTI, PAGE_NO_PT)


def _page(doc: DocxDocument) -> None:
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin = Mm(37), Mm(35)
    sec.left_margin, sec.right_margin = Mm(28), Mm(26)
    sec.footer_distance = Mm(28) - Pt(LINE_PT)  # the number sits about 7 mm below the text block
    doc.settings.odd_and_even_pages_header_footer = True
    for footer, align, side in (
        (sec.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right"),
        (sec.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left"),
    ):
        p = footer.paragraphs[0]
        p.alignment = align
        pf = p.paragraph_format
        pf.first_line_indent = Pt(0)
        if side == "right":
            pf.right_indent = Pt(PAGE_NO_PT)  # 一字 in from the edge
        else:
            pf.left_indent = Pt(PAGE_NO_PT)
        _page_number(p)


def _table(doc: DocxDocument, b: Block) -> None:
    from docx.shared import Cm

    table = doc.add_table(rows=1, cols=len(b.headers))
    table.style = "Table Grid"
    size = TABLE_PT if len(b.headers) <= 5 else 10.5
    texts = [[str(v) for v in row] for row in b.rows]
    widths = _fit_figures(b.widths, texts, size) if b.widths else None
    column_widths = widths or (None,) * len(b.headers)
    for cell, h, w in zip(table.rows[0].cells, b.headers, column_widths, strict=True):
        _cell_text(cell.paragraphs[0], _broken(h, w, size, header=True), HEITI, size, WD_ALIGN_PARAGRAPH.CENTER)
    aligns = [_alignment(column) for column in zip(*texts, strict=True)] or [WD_ALIGN_PARAGRAPH.LEFT] * len(b.headers)
    for row_texts in texts:
        for cell, text, w, align in zip(table.add_row().cells, row_texts, column_widths, aligns, strict=True):
            _cell_text(cell.paragraphs[0], _broken(text, w, size), FANGSONG, size, align)
    # printed: the header row repeats at the top of each page a table runs onto, and no row is
    # split between two pages (Word and LibreOffice both honour these row properties)
    for i, row in enumerate(table.rows):
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.append(OxmlElement("w:cantSplit"))
        if i == 0:
            tr_pr.append(OxmlElement("w:tblHeader"))
    # and a table is not broken anywhere: a short one stays whole on one page, a long one keeps its
    # header with its first rows and never leaves its last row alone (keep-with-next on a row's
    # paragraphs holds the row to the next one, in Word and in LibreOffice)
    for i in held_rows(len(table.rows)):
        for cell in table.rows[i].cells:
            for para in cell.paragraphs:
                para.paragraph_format.keep_with_next = True
    if widths:  # LibreOffice follows the grid columns, Word the cell widths: set both
        table.autofit = False
        for col, w in zip(table.columns, widths, strict=True):
            col.width = Cm(w)
        for row in table.rows:
            for i, cell in enumerate(row.cells):
                cell.width = Cm(widths[i])


# a table of at most this many rows (its header included) is kept whole on one page; a longer one
# keeps its header with its first KEEP_HEAD data rows and its last KEEP_TAIL rows together
KEEP_WHOLE_ROWS, KEEP_HEAD, KEEP_TAIL = 12, 3, 2


def held_rows(n: int) -> list[int]:
    """Of a table of ``n`` rows (its header row 0), the rows held to the row after them
    (keep-with-next): every row but the last when ``n`` ≤ KEEP_WHOLE_ROWS; else rows 0 to
    KEEP_HEAD − 1 (the header and its first KEEP_HEAD data rows on one page) and the last
    KEEP_TAIL − 1 but the very last (the last KEEP_TAIL rows on one page)."""
    if n <= KEEP_WHOLE_ROWS:
        return list(range(n - 1))
    return sorted(set(range(KEEP_HEAD)) | set(range(n - KEEP_TAIL, n - 1)))


def _cell_text(p: Paragraph, text: str, font: str, size: float, align: WD_ALIGN_PARAGRAPH) -> None:
    """A table cell's text in its first paragraph: no indent, 1.5 lines."""
    pf = p.paragraph_format
    pf.first_line_indent = Pt(0)
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = Pt(round(size * 1.5))
    pf.alignment = align
    _runs(p, text, font, size)


# a cell that is one number (a score, an amount, a rate, a change): right-aligned, as a column of
# figures is read
_NUMERIC = re.compile(r"[+-]?\d[\d,]*(?:\.\d+)?%?")
CELL_PAD_CM = 0.38  # Word's and LibreOffice's default cell margins, 0.19 cm a side
PT_CM = 2.54 / 72
# where a narrow column's text is broken onto a second line: before these words (核定/得分,
# 产出/指标, ≤150/万元), not wherever the line happens to end (核定得/分, 产出指/标)
_TAIL_WORDS = ("指标", "得分", "分值", "完成值", "差异", "万元")


# widths of the characters figures are made of, in ems, as LibreOffice sets them in the CJK
# fonts' Latin (measured from its PDF at 12 pt: 100.00 41.9 pt, % 11.4 pt, 10,441.00 61.0 pt);
# a digit or a letter 0.66
_FIGURE_EM = {",": 0.3, ".": 0.3, "%": 0.95, "+": 0.84, "-": 0.36}


def _em(text: str) -> float:
    """The width of ``text`` in ems, on the wide side: a CJK character is one, anything else as
    ``_FIGURE_EM``, and a quarter more where CJK meets anything else (the space LibreOffice and Word put
    between 150 and 万元)."""
    wide = [unicodedata.east_asian_width(ch) in "WF" for ch in text]
    return sum(1.0 if w else _FIGURE_EM.get(ch, 0.66) for ch, w in zip(text, wide, strict=True)) + 0.25 * sum(
        a != b for a, b in zip(wide, wide[1:], strict=False)
    )


def _alignment(column: tuple[str, ...]) -> WD_ALIGN_PARAGRAPH:
    """A column of figures (every filled cell one number) right-aligned; a column mixing figures
    and words (≥90% beside 达成年度指标) left, each cell like the next."""
    filled = [t for t in column if t.strip()]
    figures = bool(filled) and all(_NUMERIC.fullmatch(t) for t in filled)
    return WD_ALIGN_PARAGRAPH.RIGHT if figures else WD_ALIGN_PARAGRAPH.LEFT


def _fit_figures(widths: tuple[float, ...], texts: list[list[str]], size: float) -> tuple[float, ...]:
    """``widths`` (cm) with each column of figures at least as wide as its widest figure (a
    figure is never broken: 100.00 / % on two lines), the room taken from the widest column
    that holds words; as given when nothing needs more room or there is none to take."""
    need = [0.0] * len(widths)
    for row in texts:
        for i, t in enumerate(row):
            if _NUMERIC.fullmatch(t):
                need[i] = max(need[i], _em(t) * size * PT_CM + CELL_PAD_CM + 0.05)
    out = list(widths)
    short = sum(max(0.0, n - w) for n, w in zip(need, widths, strict=True))
    if not short:
        return widths
    words = max((i for i in range(len(out)) if not need[i]), key=lambda i: out[i], default=None)
    if words is None or out[words] - short < 2.0:
        return widths
    out[words] -= short
    return tuple(round(max(n, w), 2) for n, w in zip(need, out, strict=True))


def _broken(text: str, width_cm: float | None, size: float, header: bool = False) -> str:
    """``text`` with a line break where a column ``width_cm`` wide would otherwise break it
    mid-word: before a tail word (``_TAIL_WORDS``) when both lines then fit, else (a header) in
    the middle; as it is when it fits, or when no such break makes it fit."""
    if width_cm is None or "\n" in text:
        return text
    room = (width_cm - CELL_PAD_CM) / (size * PT_CM)  # ems
    if _em(text) <= room:
        return text
    cuts = [len(text) - len(w) for w in _TAIL_WORDS if text.endswith(w) and len(text) > len(w)]
    if header:
        cuts.append((len(text) + 1) // 2)
    for cut in cuts:
        head, tail = text[:cut].rstrip(), text[cut:]
        if _em(head) <= room and _em(tail) <= room:
            return f"{head}\n{tail}"
    return text


def write_docx(blocks: list[Block], path: Path) -> Path:
    doc = Document()
    _page(doc)
    _style(doc, "Normal", FANGSONG, BODY_PT)
    title = _style(doc, "Title", title_font(), TITLE_PT, indent=False, center=True)
    title.paragraph_format.space_after = Pt(LINE_PT)  # one empty line under the title
    _style(doc, "Heading 1", HEITI, BODY_PT)
    _style(doc, "Heading 2", KAITI, BODY_PT)
    fonts = {"title": (title_font(), TITLE_PT), "h1": (HEITI, BODY_PT), "h2": (KAITI, BODY_PT)}
    item = 0
    for i, b in enumerate(blocks):
        if b.kind in fonts:
            style = {"title": "Title", "h1": "Heading 1", "h2": "Heading 2"}[b.kind]
            p = doc.add_paragraph(style=style)
            _runs(p, b.text, *fonts[b.kind])
            item = 0
        elif b.kind == "bullet":  # the third level, 1. 2. 3. (公文 prose has no bullets)
            item += 1
            _runs(doc.add_paragraph(), f"{item}．{b.text}")
        elif b.kind == "p":
            item = 0  # (a list after a paragraph is a list of its own: 1. again)
            p = doc.add_paragraph()
            _runs(p, b.text)
            after = blocks[i + 1].kind if i + 1 < len(blocks) else None
            if (after == "table" and (b.text.endswith("：") or len(b.text) <= LEAD_IN_CHARS)) or (
                after == "bullet" and b.text.endswith("：")
            ):
                # a lead-in (下降最多的单位：, a line or two above its table) or its list never ends a
                # page without it; a longer paragraph (the 得分 verdict above the 一级指标 table) is
                # prose of its own: kept with its table, LibreOffice moved it whole and left a third
                # of page 1 blank
                p.paragraph_format.keep_with_next = True
        elif b.kind == "image":
            from docx.shared import Cm

            pic = doc.add_paragraph()
            pic.paragraph_format.first_line_indent = Pt(0)
            pic.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
            pic.alignment = WD_ALIGN_PARAGRAPH.CENTER
            pic.paragraph_format.keep_with_next = True  # a chart and its caption on one page
            pic.add_run().add_picture(io.BytesIO(b.data), width=Cm(CHART_WIDTH_CM))
            caption = doc.add_paragraph()
            caption.paragraph_format.first_line_indent = Pt(0)
            caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _runs(caption, b.text, FANGSONG, PAGE_NO_PT)
        elif b.kind == "table":
            _table(doc, b)
            doc.add_paragraph()

    def write(tmp: Path) -> None:
        doc.save(str(tmp))
        stamp(tmp)  # a draft edited by hand is never replaced (ownership)

    atomic_write(Path(path), write)
    return Path(path)
