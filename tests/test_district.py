"""The district report's analytics (grade distribution by 评价类型, 得分率 by 一级指标), on a small
summary workbook written by hand so that every figure can be worked out on paper."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from selfeval_xl.outputs import district_tables as T
from selfeval_xl.outputs.district import draft_district
from selfeval_xl.outputs.district_review import review_blocks
from selfeval_xl.reading import contract as L
from selfeval_xl.reading.summary_table import SummaryTableError

SUMMARY = ("单位名称", "评价类型", "项目名称", "评价年度", "核定总分", "等级", "申报总分", "得分差异", "文件", "状态")
DETAIL = ("文件", "一级指标", "三级指标", "分值", "核定得分")


def _summary(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = L.S_SUMMARY
    ws.append(SUMMARY)
    ws.append(("甲单位", "项目支出", "甲项目", 2023, 95, "优", 95, 0, "甲.xlsx", "已评分"))
    ws.append(("乙单位", "部门整体支出", None, 2023, 85, "良", 90, 5, "乙.xlsx", "已评分"))
    ws.append(("丙单位", "项目支出", "丙项目", 2023, 40, None, 90, None, "丙.xlsx", "待更正"))
    detail = wb.create_sheet(L.S_DETAIL)
    detail.append(DETAIL)
    for row in (
        ("甲.xlsx", "产出指标", "数量", 20, 20),
        ("甲.xlsx", "产出指标(50分)", "质量", 30, 27),  # typed with its points: still 产出指标
        ("甲.xlsx", "效益指标", "效益", 30, 15),
        ("甲.xlsx", "满意度指标", "满意度", 10, None),  # 不适用: no 核定得分, left out
        ("乙.xlsx", "产出指标", "数量", 50, 40),
        ("丙.xlsx", "产出指标", "数量", 50, 0),  # 待更正: not graded, left out
    ):
        detail.append(row)
    wb.create_sheet(L.S_PROBLEMS).append(("文件", "工作表", "单元格", "级别", "问题", "代码", "说明"))
    wb.create_sheet(L.S_UNSCORED).append(("文件", "问题", "代码", "原因"))
    wb.save(path)
    return path


def test_level1_rates_and_grades_by_kind(tmp_path):
    f = T.load(_summary(tmp_path / "汇总.xlsx"))
    assert list(f.ranked["文件"]) == ["甲.xlsx", "乙.xlsx"] and list(f.waiting["文件"]) == ["丙.xlsx"]
    rates = T.level1_rates(f)
    # 产出指标: 甲 20 + 30, 乙 50 → 3 indicators, 分值 100, 得分 20 + 27 + 40 = 87 → 87%;
    # short of full points: 27 < 30 and 40 < 50 → 2. 效益指标: 15 of 30 → 50%, 1 short.
    assert rates.loc["产出指标"].to_dict() == {"指标数": 3, "分值": 100, "核定得分": 87, "未满分": 2, "得分率": 87}
    assert rates.loc["效益指标"].to_dict() == {"指标数": 1, "分值": 30, "核定得分": 15, "未满分": 1, "得分率": 50}
    assert list(rates.index) == ["产出指标", "效益指标"]
    # 优 (best 95) before 良 (85); one file of each kind
    assert T.kind_grades(f).to_dict("index") == {"项目支出": {"优": 1, "良": 0}, "部门整体支出": {"优": 0, "良": 1}}


def test_district_report_shows_the_new_tables(tmp_path):
    blocks = draft_district(_summary(tmp_path / "汇总.xlsx"))
    text = "\n".join(b.text for b in blocks)
    assert "已评定等级2份（项目支出1份，部门整体支出1份），待更正1份" in text
    assert "平均得分90分" in text  # (95 + 85) / 2
    assert "得分率最低的是效益指标（50.00%）" in text
    level1 = next(b for b in blocks if b.kind == "table" and b.headers and b.headers[0] == "一级指标")
    # as worked out in test_level1_rates_and_grades_by_kind; 分值 and 得分 with 2 decimals, as 汇总 shows scores
    assert level1.rows == [
        ("产出指标", "3", "100.00", "87.00", "87.00%", "2"),
        ("效益指标", "1", "30.00", "15.00", "50.00%", "1"),
    ]
    # the grade beside the biggest differences is 汇总's 等级 (by 复核总分 once reviewed): not headed 核定等级
    diffs = next(b for b in blocks if b.kind == "table" and b.headers and b.headers[:2] == ("单位（项目）", "申报总分"))
    assert diffs.headers[-1] == "等级"
    kinds = next(b for b in blocks if b.kind == "table" and b.headers and b.headers[0] == "评价类型")
    assert kinds.headers == ("评价类型", "优", "良", "合计")
    assert kinds.rows == [("项目支出", "1", "0", "1"), ("部门整体支出", "0", "1", "1")]


def test_average_score_is_rounded_half_up(tmp_path):
    """四舍五入 (SPEC §3.8, §4.5), as every other number: (95.25 + 60.00) / 2 = 77.625 → 77.63.
    Python's round(77.625, 2) gives 77.62 (the float is a hair below .625 and ties go to even)."""
    path = tmp_path / "汇总.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = L.S_SUMMARY
    ws.append(SUMMARY)
    ws.append(("甲单位", "项目支出", "甲项目", 2023, 95.25, "优", 95.25, 0, "甲.xlsx", "已评分"))
    ws.append(("乙单位", "项目支出", "乙项目", 2023, 60, "中", 60, 0, "乙.xlsx", "已评分"))
    wb.create_sheet(L.S_DETAIL).append(DETAIL)
    wb.create_sheet(L.S_PROBLEMS).append(("文件", "工作表", "单元格", "级别", "问题", "代码", "说明"))
    wb.create_sheet(L.S_UNSCORED).append(("文件", "问题", "代码", "原因"))
    wb.save(path)
    text = "\n".join(b.text for b in draft_district(path))
    assert "已评定等级的平均得分77.63分" in text


def test_review_section_says_the_size_of_changes_apart_from_their_mean():
    # two files reviewed, 90 → 92 and 90 → 88: the mean change is 0, the changes add up to 2 + 2 = 4
    # in size, 2 a file; the signed mean alone would say the review changed nothing
    rows = [
        {"单位名称": "甲", "项目名称": "a", "核定总分": 90.0, "复核总分": 92.0, "等级": "优"},
        {"单位名称": "乙", "项目名称": "b", "核定总分": 90.0, "复核总分": 88.0, "等级": "良"},
    ]
    text = review_blocks(rows, 5)[1].text
    assert "调减1份、调增1份、不变0份" in text
    assert "平均每份变动0分，变动幅度（不计增减）合计4分、平均每份2分" in text


def test_review_section_says_which_way_the_mean_moved_in_words():
    # 90 → 88 and 90 → 89: (−2 − 1) ÷ 2 = −1.5, said 调减1.5分; 80 → 83: +3, 调增3分. Before:
    # 变动-1.5分, whose “-” Word and LibreOffice set apart from the figure (变动-1.5 分)
    down = [
        {"单位名称": "甲", "项目名称": "a", "核定总分": 90.0, "复核总分": 88.0, "等级": "优"},
        {"单位名称": "乙", "项目名称": "b", "核定总分": 90.0, "复核总分": 89.0, "等级": "良"},
    ]
    assert (
        "复核总分比核定总分平均每份调减1.5分，变动幅度（不计增减）合计3分、平均每份1.5分"
        in review_blocks(down, 5)[1].text
    )
    up = [{"单位名称": "丙", "项目名称": "c", "核定总分": 80.0, "复核总分": 83.0, "等级": "良"}]
    assert "平均每份调增3分，" in review_blocks(up, 5)[1].text


def test_the_status_table_adds_up_to_the_files_received(tmp_path):
    # _summary: 甲、乙 已评分, 丙 待更正; one file 未能评分 in 未评分文件: 2 + 1 + 1 = 4, as the first
    # paragraph's 共收到文件4份 (the 等级 table has its 合计 too: 优 1 + 良 1 = 2)
    path = _summary(tmp_path / "汇总.xlsx")
    wb = openpyxl.load_workbook(path)
    wb[L.S_UNSCORED].append(("丁.xlsx", "不是有效的工作簿", "not-a-workbook", "文件损坏"))
    wb.save(path)
    blocks = draft_district(path)
    assert "本次共收到文件4份" in blocks[2].text
    status = next(b for b in blocks if b.kind == "table" and b.headers == ("状态", "数量"))
    assert status.rows == [("已评分", "2"), ("待更正", "1"), ("未能评分", "1"), ("合计", "4")]
    grades = next(b for b in blocks if b.kind == "table" and b.headers == ("等级", "数量", "占比"))
    assert grades.rows[-1] == ("合计", "2", "100.00%")


def test_the_detail_sheet_is_read_as_a_stream_as_calamine_reads_it(tmp_path):
    """指标明细 is read as a stream (memory flat however many workbooks: calamine held the whole
    sheet, ~1 GB at 10,000); the table comes out as calamine's did: from the summary as written
    by openpyxl (shared strings, references, a blank 核定得分), re-saved by LibreOffice, and one
    with a formula in it (not streamed: read by calamine, the same table)."""
    from conftest import office_resave

    from selfeval_xl.reading.sheet_stream import NotPlain

    made = _summary(tmp_path / "汇总.xlsx")
    expected = [
        ["甲.xlsx", "产出指标", 20, 20],
        ["甲.xlsx", "产出指标(50分)", 30, 27],
        ["甲.xlsx", "效益指标", 30, 15],
        ["甲.xlsx", "满意度指标", 10, None],
        ["乙.xlsx", "产出指标", 50, 40],
        ["丙.xlsx", "产出指标", 50, 0],
    ]
    resaved = office_resave(made, tmp_path / "lo")
    for path in (made, resaved):
        streamed = T._streamed_detail(path)
        assert list(streamed.columns) == ["文件", "一级指标", "分值", "核定得分"]
        assert streamed.values.tolist() == expected, path
        assert streamed.equals(T.calamine_detail(path))
    wb = openpyxl.load_workbook(made)
    wb[L.S_DETAIL]["C2"] = "=10+10"  # (a formula, in a column the report does not read: not streamed)
    wb.save(made)
    with pytest.raises(NotPlain):
        T._streamed_detail(made)
    assert T.load(made).detail["分值"].tolist() == [20, 30, 30, 10, 50, 50]
    # in 分值, openpyxl's formula has no value: read as blank it would leave 甲's first indicator out
    # of the 一级指标 rates unsaid; refused, naming the cell
    wb[L.S_DETAIL]["D2"] = "=10+10"
    wb.save(made)
    with pytest.raises(SummaryTableError, match="“指标明细”工作表 D2 是公式，但文件里没有它的计算结果"):
        T.load(made)


def _tiny_book(path: Path, sheet: str, sheet_data: str) -> Path:
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{sheet_data}</sheetData></worksheet>',
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(name, text)
    return path


def test_a_streamed_detail_sheet_with_rich_or_phonetic_inline_text_reads_as_calamine_reads_it(tmp_path):
    """指标明细 written with inline strings and no cell references (as a streaming writer does),
    one 文件 cell rich text (a red run: ``<rPr><color …/>``), one with a phonetic guide (``<rPh>``).
    The stream cut the red cell at ``<color`` as if it were a cell ``<c``: row 2 came out
    [None, None, '产出指标', 20], every column shifted; and the phonetic reading was appended to the
    file name (甲.xlsxコウ). As calamine reads them: 甲.xlsx | 产出指标 | 20 | 18 and
    甲.xlsx | 效益指标 | 30 | 30."""

    def text(t: str) -> str:
        return f'<c t="inlineStr"><is><t>{t}</t></is></c>'

    head = "<row>" + "".join(text(h) for h in T.DETAIL_COLUMNS) + "</row>"
    rich = '<c t="inlineStr"><is><r><rPr><color rgb="FFFF0000"/></rPr><t>甲.xlsx</t></r></is></c>'
    phonetic = '<c t="inlineStr"><is><t>甲.xlsx</t><rPh sb="0" eb="1"><t>コウ</t></rPh></is></c>'
    rows = (
        f"<row>{rich}{text('产出指标')}<c><v>20</v></c><c><v>18</v></c></row>"
        f"<row>{phonetic}{text('效益指标')}<c><v>30</v></c><c><v>30</v></c></row>"
    )
    path = _tiny_book(tmp_path / "汇总.xlsx", L.S_DETAIL, head + rows)
    expected = [["甲.xlsx", "产出指标", 20, 18], ["甲.xlsx", "效益指标", 30, 30]]
    assert T.calamine_detail(path).values.tolist() == expected
    assert T.load(path).detail.values.tolist() == expected


def test_two_submissions_of_one_unit_and_project_are_told_apart_by_their_file(tmp_path):
    """甲单位 sent 甲项目 twice (甲.xlsx and 甲 - 副本.xlsx): in every table the report names a file
    by 单位（项目）, those two rows would read alike; they carry their file name, 乙 (alone) does not.
    复核: 甲 95 → 93 (−2), 副本 90 → 92 (+2), 乙 85 → 85 (0): largest change first, the tie in file
    order. 预算执行率 lowest first: 副本 80 ÷ 100 = 80.00%, 甲90.00%, 乙 19 ÷ 20 = 95.00%."""
    path = tmp_path / "汇总.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = L.S_SUMMARY
    ws.append((*SUMMARY, "复核总分", "预算执行率", "全年预算数(万元)", "全年执行数(万元)"))
    ws.append(("甲单位", "项目支出", "甲项目", 2023, 95, "优", 97, 2, "甲.xlsx", "已复核", 93, 0.9, 100, 90))
    ws.append(("甲单位", "项目支出", "甲项目", 2023, 90, "优", 95, 5, "甲 - 副本.xlsx", "已复核", 92, 0.8, 100, 80))
    ws.append(("乙单位", "项目支出", "乙项目", 2023, 85, "良", 90, 5, "乙.xlsx", "已复核", 85, 0.95, 20, 19))
    wb.create_sheet(L.S_DETAIL).append(DETAIL)
    wb.create_sheet(L.S_PROBLEMS).append(("文件", "工作表", "单元格", "级别", "问题", "代码", "说明"))
    wb.create_sheet(L.S_UNSCORED).append(("文件", "问题", "代码", "原因"))
    wb.save(path)
    blocks = draft_district(path)
    tables = [b for b in blocks if b.kind == "table" and b.headers and b.headers[0] == "单位（项目）"]
    rate, diffs, review = tables
    first, copy, other = "甲单位（甲项目）（甲.xlsx）", "甲单位（甲项目）（甲 - 副本.xlsx）", "乙单位（乙项目）"
    assert [r[0] for r in rate.rows] == [copy, first, other]
    assert [r[:4] for r in review.rows] == [
        (first, "95.00", "93.00", "-2.00"),
        (copy, "90.00", "92.00", "+2.00"),
        (other, "85.00", "85.00", "0.00"),
    ]
    # 申报 − 核定: 副本 5, 乙 5, 甲 2 (ties in file order)
    assert [r[0] for r in diffs.rows] == [copy, other, first]


def test_bars_that_read_alike_are_each_drawn(monkeypatch):
    """Two submissions of one unit and project have the same (shortened) label in the chart of the
    lowest 预算执行率; drawn as categories they shared one bar and the second rate was lost. Three
    values, two labels alike → three bars, labels top to bottom as given."""
    from selfeval_xl.outputs import charts

    drawn = []
    monkeypatch.setattr(charts, "_png", lambda fig: drawn.append(fig) or b"")
    charts.hbar_chart(["甲单位（甲项目）", "甲单位（甲项目）", "乙单位"], [80.0, 90.0, 95.0], "t", "x")
    ax = drawn[0].axes[0]
    # barh draws from the bottom: the first label is the top bar
    assert sorted(round(p.get_width()) for p in ax.patches) == [80, 90, 95]
    assert [t.get_text() for t in ax.get_yticklabels()][::-1] == ["甲单位（甲项目）", "甲单位（甲项目）", "乙单位"]
    import matplotlib.pyplot as plt

    plt.close(drawn[0])


def _spilled_summary(tmp_path, make_workbook, monkeypatch) -> Path:
    """A summary whose 指标明细 spilled past the row limit (lowered to 10 rows) into the CSV:
    +甲.xlsx all met, 9 rows (预算执行率 10; 产出 15 + 10 + 10 + 5 + 10 = 50; 效益 15 + 15 = 30;
    满意度 10); -乙.xlsx (after it: "+" sorts before "-") the same but 托养 84人 of ≥105人: 10 × 84 ÷ 105 = 8 (named with a leading
    “-”, which the CSV writes as '-乙.xlsx so that Excel takes it as text). The sheet holds +甲's
    9 rows and -乙's first (预算执行率); its 8 产出/效益/满意度 rows are only in the CSV."""
    from conftest import base_rows, row

    from selfeval_xl.batch import BatchOptions, run_batch
    from selfeval_xl.outputs.summary import SummaryWriter

    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    make_workbook("a.xlsx").rename(inbox / "+甲.xlsx")
    rows = base_rows()
    rows[1] = row("产出指标", "数量指标", "托养服务人次数", "≥105人", "84人", 10)
    make_workbook("b.xlsx", indicators=rows).rename(inbox / "-乙.xlsx")
    monkeypatch.setattr(SummaryWriter, "detail_limit", 10)
    summary = tmp_path / "汇总.xlsx"
    result = run_batch([inbox], BatchOptions(write_back=False, summary=summary))
    assert result.detail_csv == tmp_path / "汇总_指标明细.csv"
    assert result.detail_csv.read_text(encoding="utf-8-sig").count("'-乙.xlsx") == 8
    return summary


def _level1_table(blocks) -> list[tuple]:
    return next(b for b in blocks if b.kind == "table" and b.headers and b.headers[0] == "一级指标").rows


# the whole district, sheet and CSV: 预算执行率 2 × 10 = 20 of 20; 产出 2 × 5 indicators, 分值
# 2 × 50 = 100, 得分 50 + (50 − 10 + 8) = 98 → 98%, 1 short (托养 8 < 10); 效益 4, 60 of 60;
# 满意度 2, 20 of 20. (From the sheet alone 产出 was 5 indicators, 50 of 50, 100%: -乙's missing.)
WHOLE_DISTRICT = [
    ("预算执行率", "2", "20.00", "20.00", "100.00%", "0"),
    ("产出指标", "10", "100.00", "98.00", "98.00%", "1"),
    ("效益指标", "4", "60.00", "60.00", "100.00%", "0"),
    ("满意度指标", "2", "20.00", "20.00", "100.00%", "0"),
]


def test_level1_rates_count_the_rows_spilled_into_the_csv(tmp_path, make_workbook, monkeypatch):
    summary = _spilled_summary(tmp_path, make_workbook, monkeypatch)
    blocks = draft_district(summary)
    assert _level1_table(blocks) == WHOLE_DISTRICT
    text = "\n".join(b.text for b in blocks)
    assert "得分率最低的是产出指标（98.00%）" in text and "请补充：各一级指标的得分率只计入" not in text
    # the summary renamed since: its note still names the CSV beside it
    summary.rename(tmp_path / "2023年汇总.xlsx")
    assert _level1_table(draft_district(tmp_path / "2023年汇总.xlsx")) == WHOLE_DISTRICT


def test_a_missing_or_changed_spill_csv_is_said_not_passed_over(tmp_path, make_workbook, monkeypatch):
    summary = _spilled_summary(tmp_path, make_workbook, monkeypatch)
    csv_path = tmp_path / "汇总_指标明细.csv"
    ours = csv_path.read_text(encoding="utf-8-sig")
    # from the sheet alone: 预算执行率 +甲 10 + -乙 10 = 20 of 20; the rest +甲's only
    sheet_only = [
        ("预算执行率", "2", "20.00", "20.00", "100.00%", "0"),
        ("产出指标", "5", "50.00", "50.00", "100.00%", "0"),
        ("效益指标", "2", "30.00", "30.00", "100.00%", "0"),
        ("满意度指标", "1", "10.00", "10.00", "100.00%", "0"),
    ]
    lead = "【请补充：各一级指标的得分率只计入了汇总表“指标明细”工作表中的指标：超出 Excel 行数上限的指标在 汇总_指标明细.csv 中，但"
    for why, content in (
        ("汇总表所在文件夹中没有这个文件", None),
        ("它的表头与本工具写出的不同（文件被改动或另存过？）", ours.replace("核定得分", "得分", 1)),
        ("它第 2 行的文件“丙.xlsx”不在汇总表中（不是这份汇总表的明细？）", ours.replace("'-乙.xlsx", "丙.xlsx")),
        ("它无法按本工具写出的格式（UTF-8 的 CSV）读取（文件被改动或另存过？）", "GBK"),
    ):
        csv_path.unlink(missing_ok=True)
        if content == "GBK":  # (as Excel on Chinese Windows saves a CSV)
            csv_path.write_bytes(ours.encode("gbk"))
        elif content is not None:
            csv_path.write_text(content, encoding="utf-8-sig")
        blocks = draft_district(summary)
        assert _level1_table(blocks) == sheet_only
        text = "\n".join(b.text for b in blocks)
        assert lead + why + "，这部分指标未计入；" in text
