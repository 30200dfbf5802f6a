"""Our own summary read back after a person opened, edited and saved it (or after anything at
all was handed in as one): ``report --summary``, ``sample`` and ``score --previous``. Each file
is built here as a user's edit leaves it; what the command reads is worked out by hand."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from selfeval_xl.cli import cli
from selfeval_xl.outputs import district_tables as T
from selfeval_xl.outputs.district import draft_district
from selfeval_xl.outputs.previous_year import PreviousError, read_previous
from selfeval_xl.outputs.sampling import SampleError, draw
from selfeval_xl.reading import contract as L
from selfeval_xl.reading.sheet_stream import NotPlain, sheet_columns

SUMMARY = ("单位名称", "评价类型", "项目名称", "评价年度", "核定总分", "等级", "申报总分", "错误数", "文件", "状态")
DETAIL = ("文件", "一级指标", "三级指标", "分值", "核定得分")


def _summary(path: Path, rows=None, head=SUMMARY, title: str | None = None, detail=None) -> Path:
    """A summary as ``test_district`` builds one: 甲 95 优, 乙 85 良 (graded), 丙 待更正."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = L.S_SUMMARY
    if title:
        ws.append((title,))
    ws.append(head)
    for r in rows or (
        ("甲单位", "项目支出", "甲项目", 2023, 95, "优", 95, 0, "甲.xlsx", "已评分"),
        ("乙单位", "部门整体支出", "乙项目", 2023, 85, "良", 90, 0, "乙.xlsx", "已评分"),
        ("丙单位", "项目支出", "丙项目", 2023, 40, None, 90, 2, "丙.xlsx", "待更正"),
    ):
        ws.append(r)
    d = wb.create_sheet(L.S_DETAIL)
    d.append(DETAIL)
    for r in detail or (
        ("甲.xlsx", "产出指标", "数量", 20, 20),
        ("甲.xlsx", "效益指标", "效益", 30, 15),
        ("乙.xlsx", "产出指标", "数量", 50, 40),
    ):
        d.append(r)
    wb.create_sheet(L.S_PROBLEMS).append(("文件", "工作表", "单元格", "级别", "问题", "代码", "说明"))
    wb.create_sheet(L.S_UNSCORED).append(("文件", "问题", "代码", "原因"))
    wb.save(path)
    return path


def _text(path: Path) -> str:
    return "\n".join(b.text for b in draft_district(path))


def test_a_title_row_typed_above_the_header_is_read_past(tmp_path):
    """A title typed in row 1 pushed 汇总's header to row 2: the report took the title as the
    header and drafted “已评定等级0份”, every file ungraded. Now as without it: 甲 95 and 乙 85
    graded → 2 份, mean (95 + 85) / 2 = 90; 丙 待更正."""
    text = _text(_summary(tmp_path / "汇总.xlsx", title="2023年度自评汇总（局内部）"))
    assert "已评定等级2份（项目支出1份，部门整体支出1份），待更正1份" in text
    assert "平均得分90分" in text


@pytest.mark.parametrize(("renamed", "to"), [("文件", "文件名"), ("核定总分", "核定总分（分）")])
def test_a_renamed_column_the_report_needs_is_refused_by_name(tmp_path, monkeypatch, renamed, to):
    """文件 renamed: a traceback (KeyError '文件'); 核定总分 renamed: “已评定等级0份” drafted
    as if nobody had a score. Now one line naming the file and sheet, exit 2, nothing drafted."""
    head = tuple(to if h == renamed else h for h in SUMMARY)
    _summary(tmp_path / "汇总.xlsx", head=head)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["report", "--summary", "汇总.xlsx", "-o", "r.md"])
    assert result.exit_code == 2, result.output
    assert "汇总表 汇总.xlsx 的“汇总”工作表前 10 行中没有含“文件”“核定总分”的表头" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "r.md").exists()


def test_an_older_summary_without_status_counts_files_with_errors_as_not_graded(tmp_path):
    """A summary from before 状态 existed: every row was counted 已评分, 丙 (2 errors, no grade)
    among them: 3 graded, mean (95 + 85 + 40) / 3 = 73.33, the grade table's rows summing to 2
    under a 合计 of 3. Now as ``sample`` reads such a file: 错误数 > 0 → 待更正: 2 graded, mean 90."""
    head = SUMMARY[:-1]
    rows = [
        ("甲单位", "项目支出", "甲项目", 2023, 95, "优", 95, 0, "甲.xlsx"),
        ("乙单位", "部门整体支出", "乙项目", 2023, 85, "良", 90, 0, "乙.xlsx"),
        ("丙单位", "项目支出", "丙项目", 2023, 40, None, 90, 2, "丙.xlsx"),
    ]
    text = _text(_summary(tmp_path / "汇总.xlsx", rows=rows, head=head))
    assert "已评定等级2份（项目支出1份，部门整体支出1份），待更正1份" in text
    assert "平均得分90分" in text


def test_scores_typed_as_text_are_read_as_people_type_them_and_other_text_is_named(tmp_path, monkeypatch):
    """核定总分 retyped as text (WPS keeps “９５” and “85分” as text): the report crashed (TypeError
    formatting the text), ``sample`` dropped the full-width one from its candidates. Now 95 and 85:
    mean (95 + 85) / 2 = 90; 乙's 申报 90 − 核定 85 = 5 ≥ 5 → picked. A cell that is no number
    (“九十五”) is named with its cell: 核定总分 is column E, 甲 on row 2."""
    rows = [
        ("甲单位", "项目支出", "甲项目", 2023, "９５", "优", 95, 0, "甲.xlsx", "已评分"),
        ("乙单位", "部门整体支出", "乙项目", 2023, "85分", "良", 90, 0, "乙.xlsx", "已评分"),
    ]
    path = _summary(tmp_path / "汇总.xlsx", rows=rows)
    assert "平均得分90分" in _text(path)
    sample = draw(path, count=1, seed=0)
    assert sample.candidates == 2
    assert [p.row["文件"] for p in sample.picks if p.must] == ["乙.xlsx"]
    rows[0] = ("甲单位", "项目支出", "甲项目", 2023, "九十五", "优", 95, 0, "甲.xlsx", "已评分")
    _summary(path, rows=rows)
    named = "汇总表 汇总.xlsx 的“汇总”工作表 E2（核定总分）应是数字，现为“九十五”"
    with pytest.raises(SampleError, match=named):
        draw(path, count=1, seed=0)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["report", "--summary", "汇总.xlsx", "-o", "r.md"])
    assert result.exit_code == 2 and named in result.output


def test_a_formula_with_no_value_is_named_not_read_as_blank(tmp_path):
    """核定总分 written by a script as =90+5 (openpyxl stores no result): calamine reads it as blank,
    so 甲 silently left the sample's candidates and last year's 甲 became 上年未定级. Now refused,
    naming the cell (E2)."""
    path = _summary(tmp_path / "汇总.xlsx")
    wb = openpyxl.load_workbook(path)
    wb[L.S_SUMMARY]["E2"] = "=90+5"
    wb.save(path)
    with pytest.raises(SampleError, match="“汇总”工作表 E2 是公式，但文件里没有它的计算结果"):
        draw(path, count=1, seed=0)
    with pytest.raises(PreviousError, match="上年汇总表 汇总.xlsx 的“汇总”工作表 E2 是公式"):
        read_previous(path)


def test_merged_cells(tmp_path):
    """评价类型 merged down over 甲 and 乙 (both 项目支出): the report counted 乙 as 未注明. Now a
    merged range holds its value in each cell: 项目支出2份. 文件 merged over two rows of 汇总
    would give 乙's row 甲's file (the sample then picked 甲 for 乙's difference): refused, named.
    In 指标明细, 文件 merged over 甲's two rows: 甲's 效益指标 row had no file and was left out of
    the rates. Now 效益指标 15 of 30 → 50.00%, 产出指标 (20 + 40) of (20 + 50) → 85.71%."""
    path = _summary(tmp_path / "汇总.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb[L.S_SUMMARY]
    ws["B3"] = "项目支出"
    ws.merge_cells("B2:B3")
    wb[L.S_DETAIL].merge_cells("A2:A3")
    wb.save(path)
    text = _text(path)
    assert "已评定等级2份（项目支出2份），待更正1份" in text
    assert "得分率最低的是效益指标（50.00%）" in text
    assert T.load(path).detail.values.tolist() == [
        ["甲.xlsx", "产出指标", 20, 20],
        ["甲.xlsx", "效益指标", 30, 15],
        ["乙.xlsx", "产出指标", 50, 40],
    ]
    ws.merge_cells("I3:I4")
    wb.save(path)
    with pytest.raises(SampleError, match="“汇总”工作表 I3:I4 是合并单元格，“文件”一列每行应各有自己的内容"):
        draw(path, count=1, seed=0)


def _bomb(path: Path) -> Path:
    """Our summary whose 汇总 sheet inflates 400 times over: 20 MB of rows from ~50 KB."""
    src = _summary(path.with_name("src.xlsx"))
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                at = data.index(b"</sheetData>")
                filler = b'<row><c t="inlineStr"><is><t>' + b"x" * 1000 + b"</t></is></c></row>"
                data = data[:at] + filler * 20_000 + data[at:]
            zout.writestr(info.filename, data)
    return path


def test_a_summary_that_inflates_past_reason_is_refused_before_calamine_reads_it(tmp_path, monkeypatch):
    """calamine inflates a part whole, whatever the zip says: a 3 MB file whose 汇总 inflated to
    1.2 GB took 4 GB of memory in sample, report and --previous alike. Now the parts it reads are
    checked first, as a submission's are (a part over 1 MB compressed more than 200 times)."""
    path = _bomb(tmp_path / "汇总.xlsx")
    with pytest.raises(SampleError, match="无法读取汇总表 汇总.xlsx（工作簿内容过大（xl/worksheets/sheet1.xml"):
        draw(path, count=1, seed=0)
    with pytest.raises(PreviousError, match="无法读取上年汇总表 汇总.xlsx"):
        read_previous(path)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["report", "--summary", "汇总.xlsx", "-o", "r.md"])
    assert result.exit_code == 2 and "工作簿内容过大" in result.output


def test_the_stream_finds_the_header_under_a_title_and_leaves_row_zero_to_the_reader(tmp_path):
    """指标明细 with a title row: the stream took the title as its header and found none of the
    columns (the 一级指标 rates silently left out). Now the header is found in the first 10 rows.
    A cell referenced A0 (no cell of a sheet) is not streamed."""
    path = _summary(tmp_path / "汇总.xlsx")
    wb = openpyxl.load_workbook(path)
    wb[L.S_DETAIL].insert_rows(1)
    wb[L.S_DETAIL]["A1"] = "指标明细（2023）"
    wb.save(path)
    found, rows = sheet_columns(path, L.S_DETAIL, T.DETAIL_COLUMNS)
    assert found == list(T.DETAIL_COLUMNS)
    assert [r for r in rows if any(v is not None for v in r)] == [
        ["甲.xlsx", "产出指标", 20, 20],
        ["甲.xlsx", "效益指标", 30, 15],
        ["乙.xlsx", "产出指标", 50, 40],
    ]
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    sheet = "xl/worksheets/sheet2.xml"
    assert b'r="A3"' in parts[sheet]
    parts[sheet] = parts[sheet].replace(b'r="A3"', b'r="A0"', 1)
    bad = tmp_path / "坏.xlsx"
    with zipfile.ZipFile(bad, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    with pytest.raises(NotPlain):
        list(sheet_columns(bad, L.S_DETAIL, T.DETAIL_COLUMNS)[1])


def _edited(path: Path, edit) -> Path:
    wb = openpyxl.load_workbook(path)
    edit(wb)
    wb.save(path)
    return path


@pytest.mark.parametrize(
    ("edit", "why"),
    [
        (lambda wb: wb.remove(wb[L.S_DETAIL]), "汇总表中没有“指标明细”工作表（或它的表头中没有“文件”列）"),
        (
            lambda wb: wb[L.S_DETAIL].cell(1, 5, "核定得分（分）"),  # E1 of DETAIL is 核定得分
            "汇总表的“指标明细”工作表前 10 行中没有“核定得分”列（列名被改动或删除了？）",
        ),
    ],
    ids=["sheet-deleted", "column-renamed"],
)
def test_the_level1_rates_left_out_are_said_to_be(tmp_path, edit, why):
    """甲 and 乙 are graded, so the report has 一级指标 rates to give; with 指标明细 deleted (or its
    核定得分 renamed) the paragraph and table were left out without a word. Now a 【请补充】 line
    says why; the rest of the report as before (2 graded, mean (95 + 85) / 2 = 90)."""
    text = _text(_edited(_summary(tmp_path / "汇总.xlsx"), edit))
    assert f"【请补充：各一级指标的得分率（{why}，无法计算；" in text
    assert "得分率最低的是" not in text and "平均得分90分" in text


def test_a_summary_without_its_unit_column_names_the_files(tmp_path):
    """单位名称 deleted from 汇总: 丙 (待更正) was listed as “（丙项目）（丙.xlsx）” — no unit.
    Now the file stands in for the unit, named once, and a 【请补充】 line says the column is gone.
    With the column, as before: 丙单位（丙项目）（丙.xlsx）."""
    path = _edited(_summary(tmp_path / "汇总.xlsx"), lambda wb: wb[L.S_SUMMARY].delete_cols(1))
    text = _text(path)
    assert "丙.xlsx（丙项目）：错误2个，警告0个" in text
    assert "（丙项目）（丙.xlsx）" not in text
    assert "【请补充：单位名称（汇总表的“汇总”工作表中没有“单位名称”列，下文以文件名称代替单位名称）】" in text
    kept = _text(_summary(tmp_path / "有单位.xlsx"))
    assert "丙单位（丙项目）（丙.xlsx）：错误2个，警告0个" in kept and "没有“单位名称”列" not in kept
