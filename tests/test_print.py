"""Pages people print and file (SPEC §4.5), checked on the PDF LibreOffice makes of them: A4,
page counts within stated bounds, no text below 8 pt, no ### cells, whose pages they are on
every page; and the drafted .docx in GB/T 9704 form."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import openpyxl
import pypdf
import pytest
from click.testing import CliRunner
from conftest import base_rows, office_resave, row, soffice
from docx.oxml.ns import qn
from docx.shared import Pt

from selfeval_xl import generate_template, load_rules
from selfeval_xl.cli import cli
from selfeval_xl.demo import samples_dir
from selfeval_xl.file_scoring import score_file
from selfeval_xl.ooxml.sheet_writer import write_sheet
from selfeval_xl.outputs.results_sheet import results_sheet
from selfeval_xl.outputs.writeback import write_back
from selfeval_xl.reading import contract as L

A4 = (595.3, 841.9)  # points, portrait
UNIT = "芜湖市镜湖区残疾人联合会"
SEED = "红谷滩区应急管理局_2022年部门整体支出.xlsx"


def _mul(a: list[float], b: list[float]) -> list[float]:
    return [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]


def pdf_pages(pdf: Path) -> list[dict]:
    """Each page's size (points), text and the smallest font size drawn on it, as printed
    (the font size times the text and page matrices' scale)."""
    pages = []
    for page in pypdf.PdfReader(str(pdf)).pages:
        sizes: list[float] = []

        def visit(text, cm, tm, font, size, sizes=sizes):  # type: ignore[no-untyped-def]
            if text.strip():
                m = _mul(list(tm), list(cm))
                sizes.append(size * math.hypot(m[2], m[3]))

        text = page.extract_text(visitor_text=visit)
        box = page.mediabox
        pages.append(
            {
                "size": (float(box.width), float(box.height)),
                "text": text,
                "flat": re.sub(r"\s+", "", text),
                "min_pt": min(sizes, default=99),
            }
        )
    return pages


def assert_printable(pages: list[dict], owner: str) -> None:
    for i, p in enumerate(pages, 1):
        w, h = sorted(p["size"])
        assert (round(w, 1), round(h, 1)) == A4, f"page {i} is not A4: {p['size']}"
        assert p["min_pt"] >= 7.95, f"page {i}: text at {p['min_pt']:.2f} pt"
        assert "###" not in p["text"], f"page {i} has a cell too narrow for its number"
        assert re.sub(r"\s+", "", owner) in p["flat"], f"page {i} does not name {owner}"
        assert re.search(r"第\s*\d+\s*页\s*共\s*\d+\s*页", p["text"]), f"page {i} has no page number"


def render(path: Path, out: Path) -> list[dict]:
    return pdf_pages(office_resave(path, out, "pdf"))


pytestmark = pytest.mark.office


@pytest.fixture(autouse=True)
def _office():
    if soffice() is None:
        pytest.skip("LibreOffice is not installed")


def twenty_rows() -> list[dict]:
    """20 indicator rows (with the template's 预算执行率 row, 21), some below target."""
    rows = []
    for i in range(1, 21):
        level1, level2 = ("产出指标", "数量指标") if i <= 10 else ("效益指标", "社会效益指标")
        name = f"第{i}项困难残疾人基本康复服务覆盖率" if i % 2 else f"第{i}项服务人次"
        met = i % 4 != 0
        reason = None if met else "部分持证残疾人车辆年检未通过，未纳入发放范围，下年度加强沟通协调"
        rows.append(row(level1, level2, name, "≥85%", "95%" if met else "80%", 4.5, None, reason))
    return rows


def test_results_sheet_prints_on_two_a4_pages_at_most(make_workbook, tmp_path):
    """A 20-row project's 评分结果: ≤ 2 landscape A4 pages, ≥ 8 pt, the whole 实际完成值 shown."""
    path = make_workbook(indicators=twenty_rows())
    card = score_file(path).card
    write_sheet(None, tmp_path / "评分结果.xlsx", L.SHEET_RESULTS, results_sheet(card, "2026-11-27 09:00", False))
    pages = render(tmp_path / "评分结果.xlsx", tmp_path / "pdf")
    assert 1 <= len(pages) <= 2
    assert_printable(pages, UNIT)
    text = "".join(p["flat"] for p in pages)
    # the title block names unit, project, year and kind; no 实际完成值 is cut
    assert "单位名称：芜湖市镜湖区残疾人联合会" in text and "评价年度：2023" in text and "评价类型：项目支出" in text
    assert "部分持证残疾人车辆年检未通过，未纳入发放范围，下年度加强沟通协调" not in text  # not on this sheet
    assert all(p["size"][0] > p["size"][1] for p in pages)  # landscape: 12 columns


# the conclusion's labels (预算执行率, also an indicator and a 小计, left out)
CONCLUSION = ("核定总分", "等级", "状态", "申报总分", "复核总分", "规则集", "评分时间", "错误数", "警告数")


def test_conclusion_rows_print_on_one_page(make_workbook, tmp_path):
    """12 indicators whose rows all wrap onto two lines: without a break, page 1 would end
    between 核定总分 and 等级. A break right before 核定总分 printed page 2 with the repeated header
    and the conclusion only (no indicator row under the header); the break now goes before the
    last indicator row, which prints on page 2 with the 小计 rows and the whole conclusion.

    Worked out by hand: the 13 columns are 135 width units; LibreOffice draws a unit 7.02 pt,
    so 948 pt at 100 % on a 769.7 pt line (11.69 in − 2 × 0.5 in): fitted at 81 %. A page has
    (8.27 − 0.6 − 0.7) in = 501.8 pt for rows, 501.8 / 0.81 = 619.5 pt of the sheet's. Rows 1–4
    (title 30.2, subtitle 18.9, header 34.9, 预算执行率 50.9) = 134.9; 12 indicators × 34.9 =
    418.8 → 553.7; two 小计 rows and the blank row, 15 each → 598.7; 核定总分 15 → 613.7 ≤
    619.5, 等级 → 628.7 > 619.5: page 1 ended after 核定总分. With the fix row 16 (the 12th
    indicator, rows 5–16) starts page 2: 34.9 (header) + 34.9 + 3 × 15 + 11 × 15 = 249.8 pt."""
    rows = [
        row(
            "产出指标",
            "数量指标",
            f"第{i}项困难残疾人基本康复服务覆盖率" if i % 2 else f"第{i}项服务人次",
            "≥85%",
            "95%",
            7.5,
        )
        for i in range(1, 13)
    ]
    card = score_file(make_workbook(indicators=rows)).card
    spec = results_sheet(card, "2026-11-27 09:00", False)
    assert sum(spec.widths) == 135 and [spec.heights[r] for r in range(1, 5)] == [30.2, 18.9, 34.9, 50.9]
    assert all(spec.heights[r] == 34.9 for r in range(5, 17)) and 17 not in spec.heights
    assert [spec.rows[19][0], spec.rows[20][0]] == ["核定总分", "等级"]
    write_sheet(None, tmp_path / "评分结果.xlsx", L.SHEET_RESULTS, spec)
    pages = render(tmp_path / "评分结果.xlsx", tmp_path / "pdf")
    assert_printable(pages, UNIT)
    assert len(pages) == 2
    on = {
        label: [i for i, p in enumerate(pages, 1) if re.search(rf"^{label}", p["text"], re.M)] for label in CONCLUSION
    }
    assert on == {label: [2] for label in CONCLUSION}, on
    assert spec.page.row_breaks == (15,)  # 0-based: row 16
    assert "第11项困难残疾人基本康复服务覆盖率" in pages[0]["flat"] and "小计" not in pages[0]["flat"]
    # page 2: the repeated header, then an indicator row under it, then the 小计 rows
    lines = [line.split() for line in pages[1]["text"].splitlines() if line.strip() and UNIT not in line]
    assert lines[0][:3] == ["一级指标", "二级指标", "三级指标"], lines[:2]  # (the footer left out)
    assert lines[1][:2] == ["产出指标", "数量指标"], lines[:2]  # an indicator row, not a 小计
    assert "第12项服务人次" in pages[1]["flat"] and "第12项服务人次" not in pages[0]["flat"]


def test_department_results_show_every_computed_actual(tmp_path):
    """The seed department's 共性 rows: 实际完成值 such as 93.33%（在职人数 28 ÷ 编制人数 30）
    printed whole (it was cut at 93.33%（在职人数), on at most 3 pages."""
    card = score_file(samples_dir() / SEED).card
    write_sheet(None, tmp_path / "评分结果.xlsx", L.SHEET_RESULTS, results_sheet(card, "2026-11-27 09:00", False))
    pages = render(tmp_path / "评分结果.xlsx", tmp_path / "pdf")
    assert len(pages) <= 3
    assert_printable(pages, "南昌市红谷滩区应急管理局")
    text = "".join(p["flat"] for p in pages)
    assert "93.33%（在职人数28÷编制人数30）" in text
    assert "82.17%（“三公”经费实际支出数9.86÷“三公”经费预算数12）" in text


def test_written_back_workbook_opens_on_the_results(make_workbook):
    path = make_workbook(indicators=twenty_rows())
    write_back(score_file(path).card, path, path.name, "2026-11-27 09:00")
    with zipfile.ZipFile(path) as zf:
        workbook = zf.read("xl/workbook.xml").decode()
    names = re.findall(r'<sheet\b[^>]*\bname="([^"]+)"', workbook)
    index = names.index(L.SHEET_RESULTS)
    assert re.search(rf'<workbookView\b[^>]*activeTab="{index}"', workbook)
    # the header row repeats on every printed page
    assert f'<definedName name="_xlnm.Print_Titles" localSheetId="{index}">\'评分结果\'!$3:$3</definedName>' in workbook


def test_summary_prints_in_legible_blocks(tmp_path):
    inbox = tmp_path / "收件箱"
    shutil.copytree(samples_dir(), inbox, ignore=shutil.ignore_patterns("*.pdf", "__*"))
    summary = tmp_path / "汇总.xlsx"
    CliRunner().invoke(cli, ["score", str(inbox), "--summary", str(summary), "--no-write-back"])
    pages = render(summary, tmp_path / "pdf")
    assert_printable(pages, "2022、2023年度预算绩效自评汇总")
    by_sheet = {}
    for p in pages:
        sheet = next(
            s
            for s in (L.S_SUMMARY, L.S_GRADES, L.S_DETAIL, L.S_PROBLEMS, L.S_UNSCORED)
            if f"自评汇总{s}第" in p["flat"]
        )
        by_sheet[sheet] = by_sheet.get(sheet, 0) + 1
    # 汇总's 24 columns: blocks of one page each (10 files), never one page at 5 pt. Three blocks
    # since every header prints whole on one line (tests/test_print_headers.py): the columns take
    # 279 units; at the 8 pt floor (74 %) a block holds 137.4 and each after the first repeats
    # 单位编码 and 单位名称 (26), so two blocks hold at most 137.4 + 111.4 = 248.8 < 279 (they held
    # the 229 units of headers broken mid-word)
    assert by_sheet[L.S_SUMMARY] == 3 and by_sheet[L.S_GRADES] == 1
    # problems read by their Chinese titles
    assert any("得分低于分值但未说明偏差原因" in p["flat"] for p in pages)
    # 问题清单's seven columns print one page wide: every page of it has 文件 and 说明 (no
    # block of 说明 alone on pages of its own)
    problem_pages = [p["flat"] for p in pages if f"自评汇总{L.S_PROBLEMS}第" in p["flat"]]
    assert problem_pages and all("文件" in f and "说明" in f and "工作表" in f for f in problem_pages)


def test_summary_prints_a_pending_files_total_and_grade_as_provisional(make_workbook, tmp_path):
    """A 待复核 file's 核定总分 and 等级 printed as 98.00 and 优 on 汇总's second block of columns,
    where no 状态 column stands: read as a final grade (SPEC §3.12: provisional, not ranked). They
    print 98.00（暂定） 优（暂定） now, the cells still the number and the letter grade.
    Hand-worked: base rows, 服务规范性 (10 分) replaced by a 项目管理 row with only 分值 10 and a
    申报得分 of 8: 待复核, 100 − 10 + 8 = 98 → 优 (≥ 90). The other file, all rows met: 100, 优, final."""
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    rows = [dict(r, 申报得分=r["分值"]) for r in base_rows()]
    rows[2] = row("项目管理", "财务制度", "财务制度健全性", None, None, 10, claimed=8)
    make_workbook(indicators=rows, info={"单位编码": "1"}).rename(inbox / "乙.xlsx")
    make_workbook(info={"单位编码": "2"}).rename(inbox / "甲.xlsx")
    summary = tmp_path / "汇总.xlsx"
    CliRunner().invoke(cli, ["score", str(inbox), "--summary", str(summary), "--no-write-back"])
    ws = openpyxl.load_workbook(summary)[L.S_SUMMARY]
    head = [c.value for c in ws[1]]
    cells = {ws.cell(r, head.index("文件") + 1).value: r for r in (2, 3)}
    pending = {h: ws.cell(cells["乙.xlsx"], c + 1) for c, h in enumerate(head)}
    assert (pending["状态"].value, pending["核定总分"].value, pending["等级"].value) == ("待复核", 98, "优")
    final = {h: ws.cell(cells["甲.xlsx"], c + 1) for c, h in enumerate(head)}
    assert (final["核定总分"].value, final["等级"].value) == (100, "优")
    flat = "".join(p["flat"] for p in render(summary, tmp_path / "pdf"))
    assert "98.00（暂定）" in flat and "优（暂定）" in flat
    assert flat.count("（暂定）") == 2  # the final file's 100.00 and 优 say nothing


@pytest.fixture(scope="module")
def scored_samples(tmp_path_factory):
    """The bundled samples scored into 汇总.xlsx (2022 and 2023 files; 8 scored, 2 待更正)."""
    root = tmp_path_factory.mktemp("samples")
    inbox = root / "收件箱"
    shutil.copytree(samples_dir(), inbox, ignore=shutil.ignore_patterns("*.pdf", "__*"))
    result = CliRunner().invoke(cli, ["score", str(inbox), "--summary", str(root / "汇总.xlsx"), "--no-write-back"])
    assert (root / "汇总.xlsx").exists(), result.output
    return root / "汇总.xlsx"


def test_sample_list_prints_one_page_wide_and_names_the_years(scored_samples, tmp_path):
    """抽查名单's 13 columns were 205 width units at their fixed widths (抽取原因 46): more than the
    139.8 a landscape A4 holds at 8 pt (10.69 in ÷ (0.102 in × 8/11) × 0.97), so it printed in two
    blocks of columns (序号 … 申报总分, then 序号, 文件, 核定总分 … 抽取原因), 3 pages in all. Now the
    long texts (文件, 单位名称, 项目名称, 抽取原因) wrap in narrower columns: the 8 picks on one page
    with every column, 抽取说明 on a second; each page's footer names 2022、2023年度 as 汇总's do."""
    out = tmp_path / "抽查名单.xlsx"
    result = CliRunner().invoke(cli, ["sample", str(scored_samples), "--rate", "1", "--seed", "1", "-o", str(out)])
    assert result.exit_code == 0, result.output
    pages = render(out, tmp_path / "pdf")
    assert_printable(pages, "2022、2023年度预算绩效自评抽查名单")
    assert len(pages) == 2 and all(p["size"][0] > p["size"][1] for p in pages)  # landscape
    listing, notes = pages
    assert "抽查名单第1页" in listing["flat"] and "抽取说明第2页" in notes["flat"]
    for header in L.SAMPLE_HEADERS:  # one page wide: every column on the list's page
        assert header in listing["flat"], header
    assert listing["flat"].count("随机抽取") == 4 and "预算规模居前10%" in listing["flat"]


def test_empty_unscored_sheet_prints_a_page_that_says_so(scored_samples, tmp_path):
    """Every sample is a workbook that reads, so 未评分文件 holds only its header row: its printed
    page (the last) said nothing else. Now a page header says there are none; the sheet still has
    no row under its header (tools read its rows as files)."""
    from selfeval_xl.outputs.summary import NO_UNSCORED

    assert [r for r in openpyxl.load_workbook(scored_samples)[L.S_UNSCORED].iter_rows(values_only=True)] == [
        L.UNSCORED_HEADERS
    ]
    last = render(scored_samples, tmp_path / "pdf")[-1]
    assert f"自评汇总{L.S_UNSCORED}第" in last["flat"]
    assert re.sub(r"\s+", "", NO_UNSCORED) in last["flat"] and "文件问题代码原因" in last["flat"]


@pytest.mark.parametrize(("kind", "bound"), [(L.KIND_PROJECT, 6), (L.KIND_DEPARTMENT, 6)])
def test_blank_template_prints_on_few_pages(tmp_path, kind, bound):
    path = generate_template(tmp_path / "模板.xlsx", load_rules(None, kind))
    pages = render(path, tmp_path / "pdf")
    assert len(pages) <= bound
    assert_printable(pages, f"预算绩效自评表（{kind}）")
    flat = "".join(p["flat"] for p in pages)
    assert "可以合并单元格" not in flat and "不能合并单元格" in flat  # the sheet is protected
    # no wrapped line holds a lone "。" (a 说明 point just over its merged width did, twice)
    lines = [line for p in pages for line in p["text"].splitlines()]
    assert not [line for line in lines if re.fullmatch(r"\s*[。，、；：）”]+\s*", line)]


def test_filled_indicators_print_without_a_page_of_empty_rows(make_workbook, tmp_path):
    """The template's 绩效指标 had 9 skeleton and 40 spare rows, all ruled: LibreOffice (and Excel)
    print a ruled empty cell, so a workbook filled with 8 indicators printed its 绩效指标 on two
    pages, the second only empty grid (50 rows × 15 pt = 750 pt > one landscape page's 501.8 pt
    at ≤ 100 %). Free rows are ruled only while they hold something: one page, and 预算执行率's
    分值 shows 10.00 as the 分值 typed below it do (15 → 15.00), not 10 (a General cell)."""
    path = make_workbook()
    ws = openpyxl.load_workbook(path)[L.SHEET_INDICATORS]
    header = [c.value for c in ws[1]]
    points = ws.cell(2, header.index(L.I_POINTS) + 1)
    assert (points.value, points.number_format) == (10, "0.00")
    pages = render(path, tmp_path / "pdf")
    assert_printable(pages, f"预算绩效自评表（{L.KIND_PROJECT}）")  # (the blank template's footer)
    sheets = [p for p in pages if f"{L.SHEET_INDICATORS}{path.name}" in p["flat"]]
    assert len(sheets) == 1, [p["flat"][-60:] for p in sheets]
    assert "10.00" in sheets[0]["flat"] and "15.00" in sheets[0]["flat"]


def test_prefilled_template_names_the_unit_on_every_page(tmp_path):
    prefill = {"单位名称": UNIT, "项目名称": "残疾人事业发展补助资金"}
    path = generate_template(tmp_path / "模板.xlsx", load_rules(), prefill)
    assert_printable(render(path, tmp_path / "pdf"), UNIT)


# --- the drafted report ---------------------------------------------------------------------
def _east_asia(el) -> str | None:  # type: ignore[no-untyped-def]
    fonts = el.find(qn("w:rPr") + "/" + qn("w:rFonts")) if el.tag == qn("w:r") else None
    return None if fonts is None else fonts.get(qn("w:eastAsia"))


@pytest.fixture(scope="module")
def drafted(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    src = out / SEED
    shutil.copyfile(samples_dir() / SEED, src)
    plain, inline = out / "报告.docx", out / "报告_行内.docx"
    assert CliRunner().invoke(cli, ["report", str(src), "-o", str(plain)]).exit_code == 0
    assert CliRunner().invoke(cli, ["report", str(src), "-o", str(inline), "--inline-cites"]).exit_code == 0
    return plain, inline


def test_report_page_and_type_follow_gbt_9704(drafted):
    d = docx.Document(str(drafted[0]))
    sec = d.sections[0]
    # stored in twips (1/1440 in): compared to 0.1 mm
    assert (round(sec.page_width.mm, 1), round(sec.page_height.mm, 1)) == (210, 297)
    margins = (sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin)
    assert [round(m.mm, 1) for m in margins] == [37, 35, 28, 26]
    expected = {"Title": (Pt(22), None), "Heading 1": (Pt(16), "黑体"), "Heading 2": (Pt(16), "楷体")}
    body = [p for p in d.paragraphs if p.style.name == "Normal" and p.text.strip()]
    assert body
    for p in d.paragraphs:
        runs = [r for r in p.runs if r.text]
        for r in runs:
            assert _east_asia(r._element), f"run without an East-Asian font: {r.text!r}"
            assert r.font.color.rgb in (None, docx.shared.RGBColor(0, 0, 0))
        if p.style.name in expected and runs:
            size, font = expected[p.style.name]
            assert {r.font.size for r in runs} == {size}, p.text
            if font:
                assert {_east_asia(r._element) for r in runs} == {font}, p.text
    for p in body:
        assert {r.font.size for r in p.runs if r.text} == {Pt(16)}
        assert {_east_asia(r._element) for r in p.runs if r.text} == {"仿宋"}
        pf = p.paragraph_format if p.paragraph_format.first_line_indent is not None else p.style.paragraph_format
        assert pf.first_line_indent == Pt(32)  # two 16 pt characters
    normal = d.styles["Normal"].paragraph_format
    assert normal.line_spacing == Pt(28.95) and normal.line_spacing_rule == docx.enum.text.WD_LINE_SPACING.EXACTLY
    title = next(p for p in d.paragraphs if p.style.name == "Title")
    assert _east_asia(title.runs[0]._element) in ("方正小标宋简体", "Noto Serif CJK SC", "Source Han Serif SC", "宋体")
    # page numbers: “— PAGE —” in the footers
    footer = sec.footer.paragraphs[0]._p.xml
    assert "— " in footer and " PAGE " in footer and 'w:fldCharType="begin"' in footer and " —" in footer


def test_report_tables_repeat_their_header_and_keep_rows_whole(drafted):
    # a table running onto the next page repeats its header row there, and no row is split
    # between pages (w:tblHeader, w:cantSplit: honoured by Word and LibreOffice)
    d = docx.Document(str(drafted[0]))
    assert d.tables
    for table in d.tables:
        rows = table.rows
        assert rows[0]._tr.trPr is not None and rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
        assert all(r._tr.trPr is not None and r._tr.trPr.find(qn("w:cantSplit")) is not None for r in rows)
        assert all(r._tr.trPr.find(qn("w:tblHeader")) is None for r in rows[1:])


def test_report_cites_cells_only_in_its_sources_table(drafted):
    cell_ref = re.compile(r"!\$?[A-Z]{1,3}\$?\d")
    plain, inline = (docx.Document(str(p)) for p in drafted)
    assert not [p.text for p in plain.paragraphs if cell_ref.search(p.text)]
    assert plain.paragraphs[-1].text == "" and [p.text for p in plain.paragraphs if p.text == "附：数据来源"]
    sources = plain.tables[-1]
    assert [c.text for c in sources.rows[0].cells] == ["数据", "数值", "工作表", "单元格"]
    assert ["全年预算数", "2,329.64万元", "预算执行", "C2"] in [[c.text for c in r.cells] for r in sources.rows]
    assert [p.text for p in inline.paragraphs if cell_ref.search(p.text)]  # --inline-cites: the old way
    assert "附：数据来源" not in [p.text for p in inline.paragraphs]


def test_report_pdf_shows_chinese_glyphs(drafted, tmp_path):
    pdf = office_resave(drafted[0], tmp_path, "pdf")
    pages = pdf_pages(pdf)
    assert all((round(p["size"][0], 1), round(p["size"][1], 1)) == A4 for p in pages)
    assert "南昌市红谷滩区应急管理局2022年度部门整体支出绩效自评报告" in pages[0]["flat"]
    assert "—1—" in pages[0]["flat"] and "—2—" in pages[1]["flat"]
    if shutil.which("pdffonts") is None:
        pytest.skip("poppler-utils (pdffonts) is not installed")
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in fonts.splitlines() if "CJK" in line or "Song" in line or "Hei" in line]
    assert cjk, fonts  # drawn with a CJK font, so the characters are glyphs, not boxes


def test_fit_widths_narrows_the_widest_text_column_first_a_unit_at_a_time():
    from selfeval_xl.outputs.pagesetup import fit_widths

    # 40 + 12 + 30 = 82 units, 21.5 over a 60.5 budget: column 0 comes down alone to 30 (10
    # steps, total 72), then columns 0 and 2 take turns a unit at a time; after 11 more steps the
    # total is 61 (> 60.5), after 12 it is 60: six rounds each, 30 → 24; column 1 is not shrinkable
    assert fit_widths([40.0, 12.0, 30.0], 60.5, [0, 2], floor=10) == [24.0, 12.0, 24.0]
    # one shrinkable column takes the whole excess at once: 90 − 60.5 = 29.5, so 40 → 10.5
    assert fit_widths([40.0, 50.0], 60.5, [0], floor=10) == [10.5, 50.0]
    # never below the floor, even when the budget cannot be met: 40 → 10, 35 → 10
    assert fit_widths([40.0, 35.0, 50.0], 30.0, [0, 1], floor=10) == [10.0, 10.0, 50.0]


def test_filled_rows_grow_to_their_text(tmp_path):
    # a 年度总体目标 of 120 characters in the 内容 column (40 units wide: 39 usable, a Chinese
    # character 1.85): 120 × 1.85 = 222 → 6 lines, so the row is at least row_height(6); a short
    # value keeps the template's row as it was
    from selfeval_xl import fill_workbook
    from selfeval_xl.outputs import pagesetup as P

    template = generate_template(tmp_path / "模板.xlsx", load_rules())
    goal = "为有需求的困难残疾人提供基本康复托养服务" * 6
    assert len(goal) == 120
    path = fill_workbook(template, tmp_path / "填.xlsx", {"单位名称": "甲单位", "年度总体目标": goal})
    ws = openpyxl.load_workbook(path)[L.SHEET_INFO]
    before = openpyxl.load_workbook(template)[L.SHEET_INFO]
    rows = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
    assert ws.row_dimensions[rows["年度总体目标"]].height >= P.row_height(6)
    assert ws.row_dimensions[rows["单位名称"]].height == before.row_dimensions[rows["单位名称"]].height


def test_page_starts_keep_rows_whole_and_repeat_the_header():
    from selfeval_xl.outputs.pagesetup import page_starts

    # pages of 100 pt, a 20 pt header repeated atop the later ones (80 pt left for rows):
    # 30 + 30 + 30 = 90 fit page 1, the fourth row (30 → 120) starts page 2; there 30 + 30 = 60,
    # + 30 = 90 > 80, so row 6 starts page 3; a row taller than a page has one to itself
    assert page_starts([30.0] * 8, 100, 20) == [3, 5, 7]
    assert page_starts([10.0, 150.0, 10.0], 100, 20) == [1, 2]
    assert page_starts([30.0] * 8, 100, 20, until=5) == [3]


def test_row_breaks_come_after_the_footer_and_before_column_breaks():
    from selfeval_xl.ooxml.page import PagePlan
    from selfeval_xl.ooxml.sheet_xml import page_setup_xml

    xml = page_setup_xml(PagePlan(landscape=True, scale=80, breaks=(5,), row_breaks=(19,)), "&R第 &P 页")
    # CT_Worksheet's order: pageMargins, pageSetup, headerFooter, rowBreaks, colBreaks
    order = [xml.index(f"<{t}") for t in ("pageMargins", "pageSetup", "headerFooter", "rowBreaks", "colBreaks")]
    assert order == sorted(order)
    assert '<rowBreaks count="1" manualBreakCount="1"><brk id="19" max="16383" man="1"/></rowBreaks>' in xml


# --- the district report's 复核 and 与上年比较 sections --------------------------------------
def _reviewed_summary(path: Path) -> Path:
    """A 汇总 made with --previous, one file reviewed (100 → 88.50, 优 → 良 against last year's
    100 优) and one graded file 2 points up on last year."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = L.S_SUMMARY
    ws.append(("单位名称", "评价类型", "项目名称", "评价年度", "核定总分", "等级", "申报总分", "得分差异",
               "文件", "状态", "复核总分", "上年核定总分", "上年等级", "变化"))  # fmt: skip
    ws.append(("芜湖市镜湖区教育局", "项目支出", "学前教育发展资金", 2023, 100, "良", None, None,
               "教育局.xlsx", "已复核", 88.5, 100, "优", -11.5))  # fmt: skip
    ws.append(("芜湖市镜湖区残疾人联合会", "项目支出", "残疾人事业发展补助资金", 2023, 99, "优", 99, 0,
               "残联.xlsx", "已评分", None, 97, "优", 2))  # fmt: skip
    wb.create_sheet(L.S_DETAIL).append(("文件", "一级指标", "三级指标", "分值", "核定得分"))
    wb.create_sheet(L.S_PROBLEMS).append(("文件", "工作表", "单元格", "级别", "问题", "代码", "说明"))
    wb.create_sheet(L.S_UNSCORED).append(("文件", "问题", "代码", "原因"))
    wb.save(path)
    return path


def test_district_review_and_last_year_tables_give_the_unit_its_width(tmp_path):
    """The 复核 and 与上年比较 tables had no widths: six equal columns of 2.6 cm, so their header
    printed 单位（项 / 目） and a unit's name ran over four lines while the figures sat in wide
    columns. Now each is 15.6 cm, the unit's column what the figures leave (7.6 and 5.9 cm):
    at 12 pt (five columns) 7.6 cm holds 17 characters a line, at 10.5 pt 5.9 cm holds 15, so
    芜湖市镜湖区教育局（学前教育发展资金） (19) takes two lines, never four. The line leading into a
    table (上升最多的单位：) keeps with it, so it never ends a page alone."""
    from selfeval_xl.outputs.district import draft_district
    from selfeval_xl.outputs.report_docx import write_docx

    out = write_docx(draft_district(_reviewed_summary(tmp_path / "汇总.xlsx")), tmp_path / "汇总报告.docx")
    d = docx.Document(str(out))
    tables = [t for t in d.tables if t.rows[0].cells[0].text == "单位（项目）"]
    assert len(tables) == 4  # 复核, 上升最多, 下降最多 (and the biggest differences, 四)
    for t in tables:
        widths = [round(c.width.cm, 2) for c in t.rows[0].cells]
        assert round(sum(widths), 1) == 15.6 and widths[0] >= 5.9, widths
    lead_ins = [p for p in d.paragraphs if p.text in ("上升最多的单位：", "下降最多的单位：")]
    assert len(lead_ins) == 2 and all(p.paragraph_format.keep_with_next for p in lead_ins)
    pages = pdf_pages(office_resave(out, tmp_path / "pdf", "pdf"))
    lines = [line.replace(" ", "") for p in pages for line in p["text"].splitlines()]
    assert sum("单位（项目）" in line for line in lines) == 4, [x for x in lines if "单位" in x]
    # the unit's name, in the 复核 and 下降最多 tables, on at most two lines in each
    name = "芜湖市镜湖区教育局（学前教育发展资金）"
    pieces = [x for x in lines if x and x in name]
    assert "".join(pieces) == name * 2 and len(pieces) <= 4, pieces


def test_results_headers_print_whole_when_no_score_was_claimed_or_reviewed(make_workbook, tmp_path):
    """With no 申报得分 typed and nothing reviewed yet, 申报得分, 得分差异 and 复核得分 had only their
    headers to size them: 6 units, where LibreOffice fits three characters of 11 pt (6 × 7.02 pt =
    42.1 pt, less the cell's margins, against 4 × 11 = 44 pt) and printed 复核得 / 分. Every number
    column is now at least 7 units (49.1 pt), as 核定得分 beside its 10.00 always was."""
    card = score_file(make_workbook()).card
    spec = results_sheet(card, "2026-11-27 09:00", False)
    headers = spec.rows[L.RESULT_HEADER_ROW - 1]
    assert all(spec.widths[headers.index(h)] >= 7 for h in ("申报得分", "得分差异", "复核得分"))
    write_sheet(None, tmp_path / "评分结果.xlsx", L.SHEET_RESULTS, spec)
    pages = render(tmp_path / "评分结果.xlsx", tmp_path / "pdf")
    assert_printable(pages, UNIT)
    header_line = next(line for line in pages[0]["text"].splitlines() if line.startswith("一级指标"))
    # every header on the header row's first line, none with a character left for a second
    assert re.sub(r"\s+", "", header_line) == "".join((*L.RESULT_HEADERS, *L.REVIEW_HEADERS)), header_line


def test_sample_notes_labels_stand_beside_their_values_first_line(scored_samples, tmp_path):
    """抽取说明's 未参与抽取 row is two lines tall (its value is 60-odd characters in a 90-unit
    column). The label kept the cell's default bottom alignment, its value is at the top: the
    label printed a line (15 pt) below the words it names. Now both are at the top of the row."""
    out = tmp_path / "抽查名单.xlsx"
    result = CliRunner().invoke(cli, ["sample", str(scored_samples), "--rate", "1", "--seed", "1", "-o", str(out)])
    assert result.exit_code == 0, result.output
    pdf = office_resave(out, tmp_path / "pdf", "pdf")
    heights: dict[str, float] = {}

    def visit(text, cm, tm, font, size):  # type: ignore[no-untyped-def]
        for key in ("未参与抽取", "待更正"):
            if text.strip().startswith(key) and key not in heights:
                heights[key] = _mul(list(tm), list(cm))[5]  # the baseline's height on the page

    pypdf.PdfReader(str(pdf)).pages[-1].extract_text(visitor_text=visit)
    assert set(heights) == {"未参与抽取", "待更正"}, heights
    assert abs(heights["未参与抽取"] - heights["待更正"]) < 3, heights


def test_each_list_under_its_own_lead_line_is_numbered_from_one(tmp_path):
    """The district report's part 八 lists 待复核 files, then 待更正 files, each under its own
    lead line; the numbers ran on from one list into the next (1., then 2.–4.)."""
    import docx

    from selfeval_xl.outputs.report import Block
    from selfeval_xl.outputs.report_docx import write_docx

    blocks = [
        Block("h1", "八、待复核、待更正、未填写和未能评分的文件"),
        Block("p", "待复核 1份（有指标需人工判断，复核后定级）："),
        Block("bullet", "甲"),
        Block("p", "待更正 2份（有错误，退回单位更正后重新评分）："),
        Block("bullet", "乙"),
        Block("bullet", "丙"),
    ]
    path = write_docx(blocks, tmp_path / "列表.docx")
    texts = [p.text for p in docx.Document(str(path)).paragraphs if p.text[:1].isdigit()]
    assert texts == ["1．甲", "1．乙", "2．丙"]


def test_summary_file_links_open_in_libreoffice(tmp_path):
    """汇总's links to the scored files are relative with backslashes (``..\\收件箱\\乡 镇#2\\…``, as
    Excel and XlsxWriter write them). LibreOffice on Linux reads them as paths: re-saved as .ods
    (whose links are relative to the package, one ``../`` more), each link, %-decoded, names the
    file that was scored, including a folder and a name with a space, ``#``, ``[ ]`` and ``%``."""
    import urllib.parse

    inbox = tmp_path / "收件箱"
    (inbox / "乡 镇#2").mkdir(parents=True)
    shutil.copy(samples_dir() / "镜湖区残联_残疾人事业发展补助资金.xlsx", inbox / "乡 镇#2" / "甲 #2 [终] 50%.xlsx")
    shutil.copy(samples_dir() / "大英县司法局_安可替代补助资金.xlsx", inbox)
    summary = tmp_path / "out" / "汇总.xlsx"
    result = CliRunner().invoke(cli, ["score", str(inbox), "--summary", str(summary), "--no-write-back"])
    assert summary.exists(), result.output
    rels = zipfile.ZipFile(summary).read("xl/worksheets/_rels/sheet1.xml.rels").decode()
    assert "..\\收件箱\\乡%20镇%232\\甲%20%232%20%5b终%5d%2050%25.xlsx" in rels
    ods = office_resave(summary, tmp_path / "ods", "ods")
    hrefs = re.findall(r'xlink:href="([^"]+\.xlsx)"', zipfile.ZipFile(ods).read("content.xml").decode())
    opened = {(ods / urllib.parse.unquote(h)).resolve() for h in hrefs}
    assert opened == {
        (inbox / "乡 镇#2" / "甲 #2 [终] 50%.xlsx").resolve(),
        (inbox / "大英县司法局_安可替代补助资金.xlsx").resolve(),
    }
