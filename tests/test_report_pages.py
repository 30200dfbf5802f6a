"""How the drafted reports' tables fall on the printed page (GB/T 9704 practice): a short table
is not broken between two pages, a long one keeps its header with its first rows and repeats the
header on the next page, and the paragraph leading into a table stays on the table's page.
Measured on the PDF LibreOffice makes: each table row carries a 1 pt tag (``Q<table>R<row>Q``,
too small to change a row's height), and the tags are looked up page by page."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import docx
import openpyxl
import pypdf
import pytest
from click.testing import CliRunner
from conftest import office_resave, soffice
from docx.shared import Pt
from docx.text.paragraph import Paragraph

from selfeval_xl.cli import cli
from selfeval_xl.demo import samples_dir
from selfeval_xl.outputs.report import Block
from selfeval_xl.outputs.report_docx import LEAD_IN_CHARS, write_docx
from selfeval_xl.reading import contract as L
from selfeval_xl.reading.contract import result_indicator_row

pytestmark = pytest.mark.office

LEAD = "各一级指标得分如下"  # (no full-width colon: any paragraph before a table keeps with it)


@pytest.fixture(autouse=True)
def _office():
    if soffice() is None:
        pytest.skip("LibreOffice is not installed")


def row_pages(path: Path, out: Path, lead: str | None = None) -> tuple[list[list[int]], int | None]:
    """For each table of the .docx at ``path``, the page of each row (the first page it is on;
    a repeated header row is on several), and the page of the line ``lead`` (None if absent)."""
    d = docx.Document(str(path))
    for ti, table in enumerate(d.tables):
        for ri, tr in enumerate(table.rows):
            run = tr.cells[0].paragraphs[0].add_run(f"Q{ti}R{ri}Q")
            run.font.size = Pt(1)
    tagged = out / "tagged.docx"
    out.mkdir(parents=True, exist_ok=True)
    d.save(str(tagged))
    pages = [
        p.extract_text().replace(" ", "").replace("\n", "")
        for p in pypdf.PdfReader(office_resave(tagged, out, "pdf")).pages
    ]
    found: dict[tuple[int, int], list[int]] = {}
    for n, text in enumerate(pages, 1):
        for ti, ri in re.findall(r"Q(\d+)R(\d+)Q", text):
            found.setdefault((int(ti), int(ri)), []).append(n)
    tables = [[found[(ti, ri)][0] for ri in range(len(t.rows))] for ti, t in enumerate(d.tables)]
    lead_page = next((n for n, text in enumerate(pages, 1) if lead and lead in text), None)
    return tables, lead_page


def filler(lines: int) -> list[Block]:
    """``lines`` body paragraphs of one line each (3号, 22 lines to a GB/T 9704 page)."""
    return [Block("p", f"第{i + 1:02d}段。") for i in range(lines)]


def test_a_short_table_at_the_foot_of_a_page_moves_whole_with_its_lead_in(tmp_path):
    """19 one-line paragraphs and the lead-in fill 20 of page 1's 22 lines, leaving 2 × 28.95 =
    57.9 pt: room for the 7-row table's header and two rows (12 pt text on an 18 pt line, about
    19 pt a row), so it was broken 3 rows | 4 rows. Now the lead-in and all 7 rows are on page 2."""
    rows = [(f"指标{i}", "10.00", "9.00") for i in range(1, 7)]
    blocks = [
        *filler(19),
        Block("p", LEAD),
        Block("table", headers=("一级指标", "分值", "核定得分"), rows=rows),
        Block("p", "以上。"),
    ]
    (table,), lead = row_pages(write_docx(blocks, tmp_path / "短表.docx"), tmp_path / "pdf", LEAD)
    assert table == [2] * 7 and lead == 2, (table, lead)


def test_a_long_table_keeps_its_header_with_three_rows_and_repeats_it(tmp_path):
    """The same 2 lines left on page 1 and a 46-row table (about 19 pt a row: 875 pt, more than
    a page's 637.8 pt text block, 225 mm): it must break, but not after two rows: the lead-in, the
    header and data rows 1–3 are on one page (page 2), the header is printed again on the page the
    table runs onto, and the last two rows share a page."""
    rows = [(f"指标{i}", "10.00", "9.00") for i in range(1, 46)]
    blocks = [
        *filler(19),
        Block("p", LEAD),
        Block("table", headers=("一级指标", "分值", "核定得分"), rows=rows),
    ]
    path = write_docx(blocks, tmp_path / "长表.docx")
    (table,), lead = row_pages(path, tmp_path / "pdf", LEAD)
    assert table[:4] == [2] * 4 and lead == 2, (table, lead)
    assert table[-1] == 3 and table[-2] == table[-1], table  # it does run onto page 3
    d = docx.Document(str(path))
    text = pypdf.PdfReader(str(tmp_path / "pdf" / "tagged.pdf")).pages[2].extract_text().replace(" ", "")
    assert "Q0R0Q" in text  # the header row again at the top of page 3
    assert d.tables[0].rows[0].cells[0].text == "一级指标"


def _reviewed_and_pending(folder: Path) -> tuple[Path, Path]:
    """镜湖区残联 with a 复核得分 typed (康复服务比例 15 → 9: 复核总分 93.11, an extra 复核 column in
    both tables), and 天长市水利局 with 项目数量 “≤3个月” against “80天” (待复核)."""
    reviewed = folder / "镜湖区残联_残疾人事业发展补助资金.xlsx"
    pending = folder / "天长市水利局_水旱灾害防御经费.xlsx"
    for p in (reviewed, pending):
        shutil.copy(samples_dir() / p.name, p)
    wb = openpyxl.load_workbook(pending)
    wb[L.SHEET_INDICATORS]["F3"], wb[L.SHEET_INDICATORS]["H3"] = "≤3个月", "80天"
    wb.save(pending)
    assert CliRunner().invoke(cli, ["score", str(folder), "--summary", str(folder / "汇总.xlsx")]).exit_code == 0
    wb = openpyxl.load_workbook(reviewed)
    wb[L.SHEET_RESULTS][f"L{result_indicator_row(1)}"] = 9
    wb.save(reviewed)
    result = CliRunner().invoke(cli, ["score", str(folder), "--summary", str(folder / "汇总.xlsx")])
    assert "已复核" in result.output and "待复核" in result.output, result.output
    return reviewed, pending


def test_sample_reports_break_no_short_table(tmp_path):
    """The bundled reports (镜湖区残联 reviewed, 天长市水利局 待复核, the seed department 红谷滩):
    the 一级指标 table and the 绩效目标 table of a project (10–11 rows) were broken after their
    header and first rows (镜湖: header, 预算执行率 and 康复服务比例 at the foot of page 2, the rest
    on page 3). Now every table of at most 12 rows is on one page, and a longer one (the seed's 20-row
    indicator table, its 30-row 数据来源) has its header and first three rows on one page."""
    folder = tmp_path / "收件"
    folder.mkdir()
    reviewed, pending = _reviewed_and_pending(folder)
    seed = folder / "红谷滩区应急管理局_2022年部门整体支出.xlsx"
    shutil.copy(samples_dir() / seed.name, seed)
    for src in (reviewed, pending, seed):
        out = tmp_path / src.stem / "报告.docx"
        out.parent.mkdir()
        assert CliRunner().invoke(cli, ["report", str(src), "-o", str(out)]).exit_code == 0
        tables, _ = row_pages(out, out.parent / "pdf")
        assert len(tables) >= 3, tables
        for pages in tables:
            if len(pages) <= 12:
                assert len(set(pages)) == 1, (src.name, tables)
            else:
                assert len(set(pages[:4])) == 1, (src.name, tables)
        d = docx.Document(str(out))
        for t in d.tables:  # the lead-in (or heading) before each table keeps with it; prose does not
            before = Paragraph(t._tbl.getprevious(), d._body)
            kept = before.paragraph_format.keep_with_next or before.style.paragraph_format.keep_with_next
            lead_in = before.text.endswith("：") or len(before.text) <= LEAD_IN_CHARS or before.style.name != "Normal"
            assert bool(kept) == lead_in, before.text
        if src == seed:
            # the 得分 verdict (a paragraph of prose, ~5 lines) and 三、 stay on page 1 under 二、: kept
            # with the 一级指标 table they all moved to page 2, leaving a third of page 1 blank
            first = pypdf.PdfReader(str(out.parent / "pdf" / "tagged.pdf")).pages[0].extract_text().replace(" ", "")
            assert "三、综合评价结论" in first, first


def test_held_rows_hold_a_short_table_whole_and_a_long_ones_ends():
    from selfeval_xl.outputs.report_docx import held_rows

    # 7 rows (≤ 12): rows 0–5 each held to the next, so 0–6 are one block
    assert held_rows(7) == [0, 1, 2, 3, 4, 5]
    assert held_rows(12) == list(range(11))
    # 30 rows: 0, 1, 2 held (header + data rows 1–3 together), and 28 held to 29 (the last two)
    assert held_rows(30) == [0, 1, 2, 28]
    assert held_rows(1) == []  # a header alone holds nothing


def test_a_chart_keeps_its_caption_on_its_page(tmp_path):
    """17 one-line paragraphs leave 5 × 28.95 = 144.8 pt of page 1: room for a 4.5 cm (127.6 pt)
    chart but not for its one-line caption under it as well (127.6 + 28.95 = 156.5 pt), which
    printed alone at the top of page 2. Now the chart goes to page 2 with its caption."""
    import io

    from PIL import Image

    png = io.BytesIO()
    Image.new("RGB", (1400, 450), "white").save(png, format="PNG")  # 14 × 4.5 cm at 100 px/cm
    blocks = [*filler(17), Block("image", "图 1 等级分布", data=png.getvalue()), Block("p", "以上。")]
    pdf = office_resave(write_docx(blocks, tmp_path / "图.docx"), tmp_path / "pdf", "pdf")
    pages = pypdf.PdfReader(str(pdf)).pages
    if shutil.which("pdfimages") is None:
        pytest.skip("poppler-utils (pdfimages) is not installed")
    listed = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    with_image = [int(line.split()[0]) for line in listed.splitlines()[2:]]  # (pypdf lists shared resources)
    with_caption = [n for n, p in enumerate(pages, 1) if "图1等级分布" in p.extract_text().replace(" ", "")]
    assert with_image == with_caption == [2], (with_image, with_caption)
