"""Render a drafted report (``report.draft``) as .docx with python-docx: real heading styles,
tables with a header row, 宋体/黑体 for Chinese text, placeholders highlighted."""

from __future__ import annotations

import io
import re
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from ._fs import atomic_write
from .report import PLACEHOLDER, Block

_TODO = re.compile(re.escape(PLACEHOLDER.split("{}")[0]) + r".*?" + re.escape(PLACEHOLDER.split("{}")[1]))


def _east_asian(style_or_run, font: str) -> None:
    """Chinese text uses the East Asian font slot, which python-docx does not expose."""
    rpr = style_or_run.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), font)


def _runs(paragraph, text: str) -> None:
    """Add ``text``; placeholders in bold on yellow so nobody misses them."""
    pos = 0
    for m in _TODO.finditer(text):
        if m.start() > pos:
            paragraph.add_run(text[pos : m.start()])
        run = paragraph.add_run(m.group(0))
        run.bold = True
        run.font.highlight_color = WD_COLOR_INDEX.YELLOW
        pos = m.end()
    if pos < len(text):
        paragraph.add_run(text[pos:])


def write_docx(blocks: list[Block], path: Path) -> Path:
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = "宋体"
    normal.font.size = Pt(12)
    _east_asian(normal, "宋体")
    for name in ("Title", "Heading 1", "Heading 2"):
        doc.styles[name].font.name = "黑体"
        _east_asian(doc.styles[name], "黑体")
    for b in blocks:
        if b.kind == "title":
            doc.add_heading(b.text, level=0)
        elif b.kind == "h1":
            doc.add_heading(b.text, level=1)
        elif b.kind == "h2":
            doc.add_heading(b.text, level=2)
        elif b.kind == "bullet":
            _runs(doc.add_paragraph(style="List Bullet"), b.text)
        elif b.kind == "p":
            _runs(doc.add_paragraph(), b.text)
        elif b.kind == "image":
            doc.add_picture(io.BytesIO(b.data), width=Cm(14))
            caption = doc.add_paragraph(b.text)
            caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif b.kind == "table":
            table = doc.add_table(rows=1, cols=len(b.headers))
            table.style = "Table Grid"
            for cell, h in zip(table.rows[0].cells, b.headers, strict=True):
                cell.text = h
                for run in cell.paragraphs[0].runs:
                    run.bold = True
            for row in b.rows:
                for cell, v in zip(table.add_row().cells, row, strict=True):
                    cell.text = str(v)
            if b.widths:  # LibreOffice follows the grid columns, Word the cell widths: set both
                table.autofit = False
                for col, w in zip(table.columns, b.widths, strict=True):
                    col.width = Cm(w)
            for row in table.rows:
                for i, cell in enumerate(row.cells):
                    if b.widths:
                        cell.width = Cm(b.widths[i])
                    for run in cell.paragraphs[0].runs:
                        run.font.size = Pt(9 if len(b.headers) > 5 else 10.5)
            doc.add_paragraph()
    atomic_write(Path(path), lambda tmp: doc.save(str(tmp)))
    return Path(path)
