"""Printed column headers of 汇总.xlsx and 抽查名单.xlsx, measured in LibreOffice's PDF: every header
prints whole on the header row's one line, never broken inside a word (自评得 / 分).

A Chinese header wraps between any two of its characters, and neither Excel nor LibreOffice lets
a cell choose where (a line break typed into the header would change the text tools read the
table by), so a column is as wide as its header on one line."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import office_resave, soffice

from selfeval_xl.cli import cli
from selfeval_xl.demo import samples_dir
from selfeval_xl.outputs import pagesetup as P

pytestmark = pytest.mark.office

# The headers, written out by hand. 汇总's subtotal columns are the bundled samples' 一级指标:
# 预算执行率, 产出指标, 效益指标, 满意度指标 (项目支出) and 投入, 过程 (部门整体支出: its 产出 and
# 效益 are 产出指标, 效益指标 too).
SUMMARY = (
    "单位编码 单位名称 评价类型 项目名称 评价年度 全年预算数(万元) 全年执行数(万元) 预算执行率 "
    "预算执行率得分 产出指标得分 效益指标得分 满意度指标得分 投入得分 过程得分 核定总分 等级 申报总分 "
    "得分差异 排名 错误数 警告数 文件 状态 复核总分"
).split()
GRADES = "等级 全部数量 全部占比 部门整体支出数量 部门整体支出占比 项目支出数量 项目支出占比".split()
DETAIL = (
    "文件 单位编码 单位名称 评价类型 项目名称 评价年度 一级指标 二级指标 三级指标 指标性质 指标值 "
    "实际完成值 计量单位 完成率 分值 核定得分 申报得分 得分差异 评分说明"
).split()
PROBLEMS = "文件 工作表 单元格 级别 问题 代码 说明".split()
UNSCORED = "文件 问题 代码 原因".split()
SAMPLE = "序号 文件 单位编码 单位名称 项目名称 评价类型 全年预算数(万元) 申报总分 核定总分 复核总分 等级 状态 抽取原因".split()


@pytest.fixture(autouse=True)
def _office():
    if soffice() is None or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice or pdftotext is not installed")


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> dict[str, Path]:
    """The bundled samples scored into 汇总.xlsx, every scored file sampled into 抽查名单.xlsx,
    and both printed to PDF by LibreOffice."""
    root = tmp_path_factory.mktemp("printed")
    inbox = root / "收件箱"
    shutil.copytree(samples_dir(), inbox, ignore=shutil.ignore_patterns("*.pdf", "__*"))
    summary, sample = root / "汇总.xlsx", root / "抽查名单.xlsx"
    CliRunner().invoke(cli, ["score", str(inbox), "--summary", str(summary), "--no-write-back"])
    result = CliRunner().invoke(cli, ["sample", str(summary), "--rate", "1", "--seed", "1", "-o", str(sample)])
    assert result.exit_code == 0, result.output
    return {
        "summary": summary,
        "sample": sample,
        "summary_pdf": office_resave(summary, root / "pdf", "pdf"),
        "sample_pdf": office_resave(sample, root / "pdf", "pdf"),
    }


def _pages(pdf: Path) -> list[list[str]]:
    """Each page's lines as pdftotext -layout sets them out (columns apart by spaces)."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [[line for line in page.splitlines() if line.strip()] for page in text.split("\f") if page.strip()]


def _header_words(pages: list[list[str]], sheet: str, first: str) -> list[list[str]]:
    """The words of the header line of each page of ``sheet`` (the footer names it): the first
    line that starts with the header ``first``."""
    found = []
    for lines in pages:
        if not any(re.search(rf"自评(?:汇总|抽查名单)\s*{re.escape(sheet)}\s*第", line) for line in lines[-2:]):
            continue
        head = next(line for line in lines if line.split()[0] == first)
        found.append(head.split())
    return found


def _assert_whole(found: list[list[str]], expected: list[str], sheet: str) -> None:
    """Every word of every page's header line is a whole header of the sheet (a header broken
    across two lines leaves a piece of itself on the first: 预算执行率得 / 分, 全年预算数(万 / 元)),
    and every header is printed on some page."""
    assert found, f"no page of {sheet} printed"
    for i, words in enumerate(found, 1):
        broken = [w for w in words if w not in expected]
        assert not broken, f"{sheet} page {i}: header pieces {broken} in {words}"
    missing = set(expected) - {w for words in found for w in words}
    assert not missing, f"{sheet}: headers never printed whole: {missing}"


def test_summary_headers_print_whole_on_every_page(printed):
    """汇总's number columns were as wide as their numbers (100.00: 8 units) or half their header:
    LibreOffice printed 预算执行 / 率, 全年预算数(万 / 元), 产出指标得 / 分, 复核总 / 分. Each column is now at
    least its header's one-line width (``header_width``: 1.85 units a Chinese character, 1 a Latin one,
    rounded up, + 1): 复核总分 4 × 1.85 = 7.4 → 8 + 1 = 9 units, 全年预算数(万元) 7 × 1.85 + 2 = 14.95 → 15
    + 1 = 16, 满意度指标得分 7 × 1.85 = 12.95 → 13 + 1 = 14."""
    pages = _pages(printed["summary_pdf"])
    _assert_whole(_header_words(pages, "汇总", "单位编码"), SUMMARY, "汇总")
    _assert_whole(_header_words(pages, "等级分布", "等级"), GRADES, "等级分布")
    _assert_whole(_header_words(pages, "指标明细", "文件"), DETAIL, "指标明细")
    _assert_whole(_header_words(pages, "问题清单", "文件"), PROBLEMS, "问题清单")
    _assert_whole(_header_words(pages, "未评分文件", "文件"), UNSCORED, "未评分文件")


def test_sample_list_headers_print_whole_one_page_wide(printed):
    """抽查名单 printed 全年预算数(万 / 元) and 复核总 / 分 (their columns 11 and 6 units). Now 16 and 9, the
    long texts (文件, 单位名称, 项目名称, 抽取原因) narrowed to make room: still one landscape page for the
    8 picks and one for 抽取说明."""
    pages = _pages(printed["sample_pdf"])
    assert len(pages) == 2
    words = _header_words(pages[:1], "", "序号")
    assert words == [SAMPLE], words  # the whole list of headers, in order, on the one page


def test_header_rows_are_one_line_tall(printed):
    """Every header now prints on one line: the header row is one line tall (11 pt × 1.45 + 3 =
    18.95 pt, which XlsxWriter stores as whole pixels: 25 px = 18.75 pt), where it was two (35 pt)
    with one line of text in most of its cells."""
    for path in (printed["summary"], printed["sample"]):
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            if ws.title == "抽取说明":  # labels beside values, no header row
                continue
            assert ws.row_dimensions[1].height == 18.75, (path.name, ws.title)


def test_header_width_fits_the_header_on_one_line():
    # 1.85 units a Chinese character (Excel's 宋体 11 pt), 1 a Latin one, rounded up, + 1 for the
    # cell's margins: the narrowest width whose lines_needed is 1
    assert P.header_width("复核总分") == 9  # 7.4 → 8, + 1
    assert P.header_width("单元格") == 7  # 5.55 → 6, + 1
    assert P.header_width("全年预算数(万元)") == 16  # 12.95 + 2 = 14.95 → 15, + 1
    assert P.lines_needed("复核总分", 9) == 1 and P.lines_needed("复核总分", 8) == 2
    # a number column (100.00: 6 + 2 units) takes its header's width; a cap does not cut it
    assert P.width_for(6, "复核总分", cap=12, floor=6, whole_header=True) == 9
    assert P.width_for(6, "满意度指标得分", cap=12, floor=6, whole_header=True) == 14  # 12.95 → 13, + 1
    # a header longer than HEADER_MAX (20) units wraps as before: half its 32 units + 2 = 18, capped at 12
    long = "产出指标（数量、质量、时效）得分"  # 16 characters, all wide: 29.6 units on one line
    assert P.width_for(6, long, cap=12, floor=6, whole_header=True) == 12
    assert P.width_for(6, "复核总分", cap=12, floor=6) == 8  # without: 4 + 2 + 2 (the old rule)
