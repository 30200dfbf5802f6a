"""``score --previous 上年汇总.xlsx`` (SPEC §4.2): this year's files matched to last year's summary
by 单位编码 (else 单位名称) + 项目名称, read by header text even when last year's file was edited."""

from __future__ import annotations

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import base_rows, row

from selfeval_xl.batch import BatchOptions, run_batch
from selfeval_xl.cli import cli
from selfeval_xl.outputs.previous_year import PreviousError, read_previous
from selfeval_xl.reading import contract as L

# 康复服务比例 (≥85%, 15 分) at 17%: 15 × 17/85 = 3 → 100 − 15 + 3 = 88 → 良
LOW = base_rows()
LOW[0] = row("产出指标", "数量指标", "康复服务比例", "≥85%", "17%", 15)
# 托养服务人次数 (≥105人, 10 分) at 84: 10 × 84/105 = 8 → 98 → 优
SLIGHT = base_rows()
SLIGHT[1] = row("产出指标", "数量指标", "托养服务人次数", "≥105人", "84人", 10)

UNITS = {
    # file: (单位编码, 单位名称, 项目名称, last year's rows, this year's rows)
    "甲.xlsx": ("A-01", "甲单位", "甲项目", LOW, base_rows()),  # 88 良 → 100 优: +12, grade up
    "乙.xlsx": (None, "乙单位", "乙项目", base_rows(), SLIGHT),  # no code: by name, 100 → 98: −2
    "丙.xlsx": ("C-03", "丙单位", "丙项目", base_rows(), base_rows()),  # project renamed this year
    "丁.xlsx": ("D-04", "丁单位", "丁项目", SLIGHT, base_rows()),  # unit renamed: by code, 98 → 100: +2
}
THIS_YEAR_NAMES = {"丙.xlsx": ("丙单位", "丙项目（二期）"), "丁.xlsx": ("丁区丁单位", "丁项目")}
# 实际完成值 “完成” against ≥105人 is no number: an error, 待更正, no grade
WRONG = base_rows()
WRONG[1] = row("产出指标", "数量指标", "托养服务人次数", "≥105人", "完成", 10)
# free text against 效果显著, claiming 12 of 15: provisional 100 − 15 + 12 = 97, 待复核
FREE_TEXT = base_rows()
FREE_TEXT[5] = row("效益指标", "社会效益指标", "办学条件", "效果显著", "改善了学校的办学条件", 15, claimed=12)
UNITS_MORE = {
    "戊.xlsx": ("E-05", "戊单位", "戊项目", WRONG, base_rows()),  # in last year's summary, but 待更正 there
    "己.xlsx": ("F-06", "己单位", "己项目", SLIGHT, FREE_TEXT),  # 待复核 this year: 98 last year, no 变化
    "庚.xlsx": ("G-07", "庚单位", "庚项目", FREE_TEXT, base_rows()),  # 待复核 last year: its 97 was provisional
}


@pytest.fixture
def years(make_workbook, tmp_path):
    (tmp_path / "y2022").mkdir()
    (tmp_path / "y2023").mkdir()
    for name, (code, unit, project, last, this) in {**UNITS, **UNITS_MORE}.items():
        make_workbook(
            f"y2022/{name}", {"评价年度": 2022, "单位编码": code, "单位名称": unit, "项目名称": project}, None, last
        )
        unit, project = THIS_YEAR_NAMES.get(name, (unit, project))
        make_workbook(f"y2023/{name}", {"单位编码": code, "单位名称": unit, "项目名称": project}, None, this)
    run_batch([tmp_path / "y2022"], BatchOptions(summary=tmp_path / "上年汇总.xlsx", write_back=False))
    return tmp_path


def hand_edited(src, dst):
    """Last year's summary as a bureau keeps it: a title row above the header, a 备注 column in
    front, columns in another order, no 复核总分 (an older version), rows sorted by file name
    descending, and a note row at the bottom."""
    rows = list(openpyxl.load_workbook(src)[L.S_SUMMARY].iter_rows(values_only=True))
    header = list(rows[0])
    order = [header.index(h) for h in ("项目名称", "核定总分", "等级", "单位名称", "文件", "单位编码", "评价年度")]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "2022年汇总"
    ws.append(["2022 年度预算绩效自评结果（财政局整理）"])
    ws.append(["备注", *(header[i] for i in order)])
    for r in sorted(rows[1:], key=lambda r: str(r[header.index("文件")]), reverse=True):
        ws.append(["已核", *(r[i] for i in order)])
    ws.append(["合计", None, None])
    wb.save(dst)
    return dst


def summary_rows(path):
    ws = openpyxl.load_workbook(path)[L.S_SUMMARY]
    rows = list(ws.iter_rows(values_only=True))
    header = rows[0]
    return [dict(zip(header, r, strict=True)) for r in rows[1:] if r[0] is not None or r[1] is not None]


@pytest.mark.parametrize("edited", [False, True])
def test_previous_matches_by_code_and_by_name_and_reports_the_renamed_project(years, edited):
    last = years / "上年汇总.xlsx"
    if edited:
        last = hand_edited(last, years / "上年汇总_手工.xlsx")
    options = BatchOptions(summary=years / "汇总.xlsx", write_back=False, previous=read_previous(last))
    run_batch([years / "y2023"], options)
    got = {
        r["文件"]: (r["上年核定总分"], r["上年等级"], r["变化"], r["等级"]) for r in summary_rows(years / "汇总.xlsx")
    }
    assert got == {
        "甲.xlsx": (88, "良", 12, "优"),  # 100 − 88
        "乙.xlsx": (100, "优", -2, "优"),  # 98 − 100, matched by 单位名称 (no code)
        "丙.xlsx": ("无上年记录", None, None, "优"),  # 丙项目 → 丙项目（二期）
        "丁.xlsx": (98, "优", 2, "优"),  # 100 − 98, matched by 单位编码 although the unit was renamed
        "戊.xlsx": ("上年未定级", None, None, "优"),  # last year's row is there, 待更正: no total to compare
        "己.xlsx": (98, "优", None, "优"),  # 待复核: its 97 is provisional, so no 变化 (as the report counts)
        # last year's 97 awaited a reviewer: nothing settled to compare; a summary edited without
        # its 状态 column no longer says so, and its 97 优 reads as graded: 100 − 97 = +3
        "庚.xlsx": (97, "优", 3, "优") if edited else ("上年未定级", None, None, "优"),
    }


def test_previous_through_the_cli(years, monkeypatch):
    monkeypatch.chdir(years)
    result = CliRunner().invoke(cli, ["score", "y2023", "--no-write-back", "--previous", "上年汇总.xlsx"])
    assert result.exit_code == 0, result.output
    header = next(openpyxl.load_workbook(years / "汇总.xlsx")[L.S_SUMMARY].iter_rows(values_only=True))
    assert header[-3:] == ("上年核定总分", "上年等级", "变化")


def test_a_previous_file_that_is_not_a_summary_is_a_usage_error(years, monkeypatch):
    monkeypatch.chdir(years)
    result = CliRunner().invoke(cli, ["score", "y2023", "--no-write-back", "--previous", "y2023/甲.xlsx"])
    assert result.exit_code == 2
    # a unit's workbook is named as one, rather than told it lacks the 单位名称/核定总分 headers
    assert "甲.xlsx 是单位的自评工作簿（有“绩效指标”工作表），不是上年汇总表" in result.output
    assert not (years / "汇总.xlsx").exists()  # refused before any work
    (years / "坏.xlsx").write_bytes(b"not a zip")
    with pytest.raises(PreviousError, match="无法读取上年汇总表"):
        read_previous(years / "坏.xlsx")


def test_last_years_summary_at_this_runs_summary_path_is_refused(years, monkeypatch):
    # last year's summary kept under the default name, in the folder the run writes to: the run
    # would replace it with this year's. Refused before any work (exit 2), the file unchanged,
    # by its own path and by another spelling of it
    monkeypatch.chdir(years)
    (years / "上年汇总.xlsx").rename(years / "汇总.xlsx")
    before = (years / "汇总.xlsx").read_bytes()
    for args in (["--previous", "汇总.xlsx"], ["--previous", "./y2023/../汇总.xlsx", "--summary", "汇总.xlsx"]):
        result = CliRunner().invoke(cli, ["score", "y2023", "--no-write-back", *args])
        assert result.exit_code == 2, result.output
        assert "就是本次要写的汇总表" in result.output
    assert (years / "汇总.xlsx").read_bytes() == before
    assert not list((years / "y2023").glob("*评分结果*"))


def test_district_report_compares_with_last_year(years):
    from selfeval_xl.outputs.district import draft_district

    options = BatchOptions(
        summary=years / "汇总.xlsx", write_back=False, previous=read_previous(years / "上年汇总.xlsx")
    )
    run_batch([years / "y2023"], options)
    blocks = draft_district(years / "汇总.xlsx")
    heads = [b.text for b in blocks if b.kind == "h1"]
    assert "六、与上年比较" in heads and heads.index("六、与上年比较") == heads.index("五、复核情况") + 1
    text = "\n".join(b.text for b in blocks)
    # 3 matched (甲 +12, 乙 −2, 丁 +2), 丙 has no record, 戊 and 庚 were not graded last year (己 is
    # 待复核 this year: not among the graded files the section counts); up 2, down 1
    assert "与上年对应的有3份（无上年记录1份，上年未定级2份）：总分上升2份、下降1份、持平0份" in text
    assert "甲单位（甲项目）：良 → 优（上升12分）" in text
    tables = [
        b for b in blocks if b.kind == "table" and b.headers and b.headers[0] == "单位（项目）" and "变化" in b.headers
    ]
    rises, falls = tables
    assert [r[0] for r in rises.rows] == ["甲单位（甲项目）", "丁区丁单位（丁项目）"]
    # the tables' scores with 2 decimals as in 汇总 (0.00, +0.00;-0.00;0.00): 乙 100 last year, 98 now, 98 − 100 = −2
    assert falls.rows == [("乙单位（乙项目）", "100.00", "98.00", "-2.00", "优", "优")]


def test_last_year_columns_are_wide_enough_for_their_words(years):
    """上年核定总分 holds 100.00 or the words 上年未定级 / 无上年记录 (5 characters: 9.25 units on a
    wrapped line, 1.85 each). It was sized by its header alone (上年核定总分 on two lines: 6 + 2 =
    8 units, 8.71 as stored), where those words take two lines in a row of one (the row's height
    comes from the name and file columns): the second line was cut. Now the words are measured:
    10 units + 2 of padding = 12 (12.71 stored), one line."""
    from selfeval_xl.outputs import pagesetup as P

    run_batch(
        [years / "y2023"],
        BatchOptions(summary=years / "汇总.xlsx", write_back=False, previous=read_previous(years / "上年汇总.xlsx")),
    )
    ws = openpyxl.load_workbook(years / "汇总.xlsx")[L.S_SUMMARY]
    header = [c.value for c in ws[1]]
    col = openpyxl.utils.get_column_letter(header.index("上年核定总分") + 1)
    width = ws.column_dimensions[col].width
    words = {r["上年核定总分"] for r in summary_rows(years / "汇总.xlsx")} & {"上年未定级", "无上年记录"}
    assert words == {"上年未定级", "无上年记录"}
    assert all(P.lines_needed(w, width) == 1 for w in words), width


def test_this_years_own_summary_given_as_last_years_compares_nothing(years):
    # the bureau picks this year's 汇总 by mistake: every file would match itself and show 变化 0
    # (the district report: 持平 7份). Each row is of 2023 as this year's is, none earlier: all
    # seven say 非上年记录, none gets a 变化, and the report counts them apart: 6, the
    # graded files its section counts (己 is 待复核 this year)
    from selfeval_xl.outputs.district import draft_district

    run_batch([years / "y2023"], BatchOptions(summary=years / "本年汇总.xlsx", write_back=False))
    options = BatchOptions(
        summary=years / "汇总.xlsx", write_back=False, previous=read_previous(years / "本年汇总.xlsx")
    )
    run_batch([years / "y2023"], options)
    got = [(r["上年核定总分"], r["上年等级"], r["变化"]) for r in summary_rows(years / "汇总.xlsx")]
    assert got == [("非上年记录", None, None)] * 7
    text = "\n".join(b.text for b in draft_district(years / "汇总.xlsx"))
    assert (
        "没有能与上年汇总表对应的单位（无上年记录0份，上年汇总表中是本年度或以后年度的记录、未作比较的6份）。" in text
    )


def test_a_summary_of_several_years_is_matched_with_the_year_before(years):
    # the bureau keeps one sheet of every year: 2022's rows and 2023's below them. Scoring 2023
    # against it matches each file with its 2022 row (never with itself): the same as against
    # 2022's summary alone (test_previous_matches_by_code_and_by_name…): 甲 100 − 88 = +12 …
    run_batch([years / "y2023"], BatchOptions(summary=years / "本年汇总.xlsx", write_back=False))
    rows = list(openpyxl.load_workbook(years / "上年汇总.xlsx")[L.S_SUMMARY].iter_rows(values_only=True))
    header = rows[0]
    this = list(openpyxl.load_workbook(years / "本年汇总.xlsx")[L.S_SUMMARY].iter_rows(values_only=True))
    assert this[0] == header
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = L.S_SUMMARY
    for r in [header, *(r for r in rows[1:] + this[1:] if r[0] is not None or r[1] is not None)]:
        ws.append(r)
    wb.save(years / "历年汇总.xlsx")
    options = BatchOptions(
        summary=years / "汇总.xlsx", write_back=False, previous=read_previous(years / "历年汇总.xlsx")
    )
    run_batch([years / "y2023"], options)
    got = {r["文件"]: (r["上年核定总分"], r["上年等级"], r["变化"]) for r in summary_rows(years / "汇总.xlsx")}
    assert got == {
        "甲.xlsx": (88, "良", 12),
        "乙.xlsx": (100, "优", -2),
        "丙.xlsx": ("非上年记录", None, None),  # 丙项目（二期）: only its own 2023 row matches
        "丁.xlsx": (98, "优", 2),
        "戊.xlsx": ("上年未定级", None, None),
        "己.xlsx": (98, "优", None),
        "庚.xlsx": ("上年未定级", None, None),  # 2022 awaited a reviewer; 2023's 100 is this year's own
    }
