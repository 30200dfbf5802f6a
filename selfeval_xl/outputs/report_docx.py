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
from selfeval_xl.outputs.report import PLACEHOLDER, Block

_TODO = re.compile(re.escape(PLACEHOLDER.split("{}")[0]) + r".*?" + re.escape(PLACEHOLDER.split("{}")[1]))

# GB/T 9704-2012 type: 2号 = 22 pt, 3号 = 16 pt, 4号 = 14 pt, 小四 = 12 pt
TITLE_PT, BODY_PT, PAGE_NO_PT, TABLE_PT = 22, 16, 14, 12
LINE_PT = 28.95  # (297 − 37 − 35) mm ÷ 22 lines
FANGSONG, KAITI, HEITI, SONGTI = "仿宋", "楷体", "黑体", "宋体"
# 小标宋 where the machine has it, else a CJK serif (the draft is made where it is printed)
TITLE_FONTS = ("方正小标宋简体", "方正小标宋_GBK", "FZXiaoBiaoSong-B05S", "华文中宋", "STZhongsong")
SERIF_FALLBACKS = ("Noto Serif CJK SC", "Source Han Serif SC", "Source Han Serif CN", "思源宋体", "宋体", "SimSun")
BLACK = RGBColor(0, 0, 0)


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
    for cell, h in zip(table.rows[0].cells, b.headers, strict=True):
        _cell_text(cell.paragraphs[0], h, HEITI, size)
    for row in b.rows:
        for cell, v in zip(table.add_row().cells, row, strict=True):
            _cell_text(cell.paragraphs[0], str(v), FANGSONG, size)
    # printed: the header row repeats at the top of each page a table runs onto, and no row is
    # split between two pages (Word and LibreOffice both honour these row properties)
    for i, row in enumerate(table.rows):
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.append(OxmlElement("w:cantSplit"))
        if i == 0:
            tr_pr.append(OxmlElement("w:tblHeader"))
    if b.widths:  # LibreOffice follows the grid columns, Word the cell widths: set both
        table.autofit = False
        for col, w in zip(table.columns, b.widths, strict=True):
            col.width = Cm(w)
        for row in table.rows:
            for i, cell in enumerate(row.cells):
                cell.width = Cm(b.widths[i])


def _cell_text(p: Paragraph, text: str, font: str, size: float) -> None:
    """A table cell's text in its first paragraph: no indent, 1.5 lines."""
    pf = p.paragraph_format
    pf.first_line_indent = Pt(0)
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = Pt(round(size * 1.5))
    pf.alignment = WD_ALIGN_PARAGRAPH.LEFT
    _runs(p, text, font, size)


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
    for b in blocks:
        if b.kind in fonts:
            style = {"title": "Title", "h1": "Heading 1", "h2": "Heading 2"}[b.kind]
            p = doc.add_paragraph(style=style)
            _runs(p, b.text, *fonts[b.kind])
            item = 0
        elif b.kind == "bullet":  # the third level, 1. 2. 3. (公文 prose has no bullets)
            item += 1
            _runs(doc.add_paragraph(), f"{item}．{b.text}")
        elif b.kind == "p":
            _runs(doc.add_paragraph(), b.text)
        elif b.kind == "image":
            from docx.shared import Cm

            pic = doc.add_paragraph()
            pic.paragraph_format.first_line_indent = Pt(0)
            pic.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
            pic.alignment = WD_ALIGN_PARAGRAPH.CENTER
            pic.add_run().add_picture(io.BytesIO(b.data), width=Cm(14))
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
