"""``selfeval sample`` (SPEC §4.4): must-picks always in, the rest drawn reproducibly per seed,
every pick explained, nothing drawn from files 待更正 or 未填写."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
import xlsxwriter
from click.testing import CliRunner
from conftest import base_rows, row

from selfeval_xl.batch import BatchOptions, run_batch
from selfeval_xl.cli import cli
from selfeval_xl.outputs.sampling import RANDOM_REASON, draw
from selfeval_xl.reading import contract as L

HEADERS = (
    "单位编码",
    "单位名称",
    "评价类型",
    "项目名称",
    "全年预算数(万元)",
    "核定总分",
    "复核总分",
    "等级",
    "申报总分",
    "状态",
    "文件",
)


def unit(i, status="已评分", budget=100.0, claimed=None, total=90.0):
    return (
        f"U{i:02d}",
        f"单位{i:02d}",
        "项目支出",
        f"项目{i:02d}",
        budget,
        total,
        None,
        "优",
        claimed,
        status,
        f"f{i:02d}.xlsx",
    )


# 20 files. Held back: f04 (待更正, though it has the largest budget and a 20-point gap) and f05
# (未填写). That leaves 18 candidates.
# Must-picks: f01 (待复核); f02 (申报 95 − 核定 90 = 5, at the limit); the top 10% of budgets,
# ceil(0.1 × 18) = 2 files: f06 (5000 万元) and f07 (3000 万元). f03 (申报 94.99: 4.99) is not one.
ROWS = [
    unit(1, "待复核"),
    unit(2, claimed=95.0),
    unit(3, claimed=94.99),
    unit(4, "待更正", budget=9000.0, claimed=99.0, total=79.0),
    unit(5, "未填写", total=0.0),
    unit(6, budget=5000.0),
    unit(7, budget=3000.0),
    *(unit(i, budget=100.0 + i) for i in range(8, 21)),
]
MUST = {"f01.xlsx", "f02.xlsx", "f06.xlsx", "f07.xlsx"}


@pytest.fixture
def summary(tmp_path):
    """A summary as a bureau might keep it: our headers, a title row above them, an extra column."""
    path = tmp_path / "汇总.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(L.S_SUMMARY)
    ws.write_row(0, 0, ["2023 年度汇总"])
    ws.write_row(1, 0, [*HEADERS, "备注"])
    for r, values in enumerate(ROWS, start=2):
        for c, v in enumerate(values):
            if v is not None:
                ws.write(r, c, v)
    wb.close()
    return path


def files(sample):
    return [p.row["文件"] for p in sample.picks]


def test_must_picks_always_in_and_rest_random_per_seed(summary):
    # rate 0.5 of 18 candidates: ceil(9) = 9 files, the 4 must-picks and 5 at random
    first = draw(summary, rate=0.5, seed=11)
    assert len(first.picks) == 9 and first.candidates == 18
    assert set(files(first)[:4]) == MUST  # must-picks are listed first
    assert all(p.reasons == [RANDOM_REASON] for p in first.picks[4:])
    assert not {"f04.xlsx", "f05.xlsx"} & set(files(first))
    assert first.held_back == {"待更正": 1, "未填写": 1}
    assert files(draw(summary, rate=0.5, seed=11)) == files(first)  # reproducible
    draws = {tuple(files(draw(summary, rate=0.5, seed=s))) for s in range(1, 8)}
    assert len(draws) > 1  # and the seed matters

    reasons = {p.row["文件"]: "；".join(p.reasons) for p in first.picks}
    assert reasons["f01.xlsx"].startswith("待复核")
    assert "相差 5 分" in reasons["f02.xlsx"]
    assert "预算规模居前 10%" in reasons["f06.xlsx"] and "第 1 位" in reasons["f06.xlsx"]
    assert "第 2 位" in reasons["f07.xlsx"]


def test_count_smaller_than_the_must_picks_still_takes_them_all(summary):
    sample = draw(summary, count=2, seed=1)
    assert set(files(sample)) == MUST and sample.target == 2


def test_count_fills_up_with_random_picks(summary):
    sample = draw(summary, count=6, seed=3)
    assert len(sample.picks) == 6 and MUST <= set(files(sample))


def test_cli_writes_the_list_with_reasons_and_the_seed(summary, monkeypatch):
    monkeypatch.chdir(summary.parent)
    runner = CliRunner()
    result = runner.invoke(cli, ["sample", "汇总.xlsx", "--rate", "0.5", "--seed", "11"])
    assert result.exit_code == 0, result.output
    out = summary.parent / L.SAMPLE_FILE
    wb = openpyxl.load_workbook(out)
    rows = list(wb[L.S_SAMPLE].iter_rows(values_only=True))
    assert rows[0] == L.SAMPLE_HEADERS
    listed = [r[1] for r in rows[1:]]
    assert listed == files(draw(summary, rate=0.5, seed=11))
    assert all(r[-1] for r in rows[1:])  # every pick says why
    notes = dict(r[:2] for r in wb[L.S_SAMPLE_NOTES].iter_rows(values_only=True))
    assert "随机种子 11" in notes["随机抽取"]
    # this summary has no 评价年度 column: the footers name no year (a real one's do: test_print.py)
    assert wb[L.S_SAMPLE].oddFooter.left.text == L.S_SAMPLE
    assert wb[L.S_SAMPLE_NOTES].oddFooter.left.text == f"{L.S_SAMPLE}  {L.S_SAMPLE_NOTES}"
    # a rerun replaces our own list; a file that is not ours is refused
    again = runner.invoke(cli, ["sample", "汇总.xlsx", "--count", "5", "--seed", "2"])
    assert again.exit_code == 0, again.output
    assert len(list(openpyxl.load_workbook(out)[L.S_SAMPLE].iter_rows())) == 6
    refused = runner.invoke(cli, ["sample", "汇总.xlsx", "-o", "汇总.xlsx"])
    assert refused.exit_code == 2 and "不会覆盖" in refused.output
    both = runner.invoke(cli, ["sample", "汇总.xlsx", "--rate", "0.1", "--count", "3"])
    assert both.exit_code == 2


def test_sample_from_a_real_summary_holds_back_files_with_errors(make_workbook, tmp_path, monkeypatch):
    folder = tmp_path / "收件"
    folder.mkdir()
    make_workbook("收件/好.xlsx")
    bad = base_rows()
    bad[1] = row("产出指标", "数量指标", "托养服务人次数", "≥105人", "约九十", 10)  # not a number: an error
    # (约九十人 is now 90人, as 约90人 always was: a count in Chinese numerals with its measure word)
    make_workbook("收件/错.xlsx", indicators=bad)
    run_batch([folder], BatchOptions(summary=tmp_path / "汇总.xlsx", write_back=False))
    sample = draw(tmp_path / "汇总.xlsx", rate=1.0, seed=0)
    assert files(sample) == ["好.xlsx"] and sample.held_back == {"待更正": 1}
    # 好.xlsx is the only candidate and has the largest budget: ceil(0.1 × 1) = 1
    assert "预算规模居前" in sample.picks[0].reasons[0]
    # and the list put in the scored folder is not taken for a submission next time
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(cli, ["sample", "汇总.xlsx", "-o", "收件/抽查名单.xlsx"]).exit_code == 0
    assert CliRunner().invoke(cli, ["sample", "汇总.xlsx", "-o", "收件/复核名单.xlsx"]).exit_code == 0
    result = CliRunner().invoke(cli, ["score", "收件", "--no-write-back", "--summary", "新汇总.xlsx"])
    assert "跳过本工具生成的文件：复核名单.xlsx" in result.output  # recognised by its sheets
    listed = {r[0] for r in openpyxl.load_workbook(tmp_path / "新汇总.xlsx")[L.S_UNSCORED].iter_rows(values_only=True)}
    assert listed == {"文件"}  # only the header: neither list is taken for a submission


def test_not_a_summary_is_a_usage_error(make_workbook, tmp_path, monkeypatch):
    # a unit's workbook is named as one (it has 绩效指标), not told it lacks the 文件/核定总分
    # headers; after scoring, its 评分结果 says the same of a 自评表
    path = make_workbook()
    monkeypatch.chdir(tmp_path)
    said = "错误：项目A.xlsx 是单位的自评工作簿（有“绩效指标”工作表），不是汇总表；请给出 selfeval score 生成的汇总表（如 汇总.xlsx）"
    result = CliRunner().invoke(cli, ["sample", str(path)])
    assert result.exit_code == 2 and said in result.output.splitlines(), result.output
    book = openpyxl.Workbook()
    book.active.title = "评分结果(2)"
    book.save(tmp_path / "乙.xlsx")
    result = CliRunner().invoke(cli, ["sample", "乙.xlsx"])
    assert result.exit_code == 2 and "乙.xlsx 是单位的自评工作簿（有“评分结果(2)”工作表）" in result.output
    # a workbook of some other kind still hears which headers it lacks
    book.active.title = "台账"
    book.save(tmp_path / "台账.xlsx")
    result = CliRunner().invoke(cli, ["sample", "台账.xlsx"])
    assert result.exit_code == 2 and "中找不到含“文件”“核定总分”表头的工作表" in result.output


def test_a_sample_list_is_not_taken_for_a_summary(summary, monkeypatch):
    # the list is ours, but not a summary: named as this run's --summary it is not replaced (a
    # reviewer may have written on it), and no district report is drafted from it ("0 份")
    monkeypatch.chdir(summary.parent)
    runner = CliRunner()
    assert runner.invoke(cli, ["sample", "汇总.xlsx", "--seed", "1", "-o", "名单.xlsx"]).exit_code == 0
    before = (summary.parent / "名单.xlsx").read_bytes()
    (summary.parent / "收件").mkdir()
    result = runner.invoke(cli, ["score", "收件", "--summary", "名单.xlsx"])
    assert result.exit_code == 2 and "不是本工具生成的汇总表" in result.output
    result = runner.invoke(cli, ["report", "--summary", "名单.xlsx"])
    assert result.exit_code == 2 and "不是本工具生成的汇总表" in result.output
    assert (summary.parent / "名单.xlsx").read_bytes() == before
    assert not list(summary.parent.glob("名单*.docx"))
    # nor is a sample drawn from it (the list's rows are files too: it would sample the sample)
    result = runner.invoke(cli, ["sample", "名单.xlsx", "-o", "再抽.xlsx"])
    assert result.exit_code == 2 and "是抽查名单，不是汇总表" in result.output
    assert not (summary.parent / "再抽.xlsx").exists()


@pytest.mark.parametrize("command", ["sample", "previous"])
def test_an_encrypted_or_damaged_summary_is_told_in_chinese(summary, tmp_path, monkeypatch, command):
    # a summary someone protected with a password (what Excel writes), and one cut short: the
    # reason is the one a submission gets, with no library text ("Cannot detect file format")
    from msoffcrypto.format.ooxml import OOXMLFile

    monkeypatch.chdir(tmp_path)
    out = io.BytesIO()
    with open(summary, "rb") as fh:
        OOXMLFile(fh).encrypt("123456", out)
    (tmp_path / "加密.xlsx").write_bytes(out.getvalue())
    (tmp_path / "损坏.xlsx").write_bytes(summary.read_bytes()[:2000])
    (tmp_path / "收件").mkdir()
    for name, reason in (("加密.xlsx", "设置了打开密码"), ("损坏.xlsx", "不是有效的 Excel 工作簿")):
        args = ["sample", name] if command == "sample" else ["score", "收件", "--previous", name]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, result.output
        assert f"无法读取{'上年' if command == 'previous' else ''}汇总表 {name}（" in result.output
        told = result.output.split(f"{name}（", 1)[1]
        assert reason in told and not re.search(r"[A-Za-z]+ [A-Za-z]+", told)  # (no English sentence)


def test_list_links_each_file_as_the_summary_does(make_workbook, tmp_path, monkeypatch):
    """The list's 文件 column links each scored file, as 汇总's 文件 column does, relative to the list's own
    folder: scored with --out-dir 副本, 收件/子/乙.xlsx was written to 副本/子/乙.xlsx, so a list beside
    汇总.xlsx links 副本\\子\\乙.xlsx and one in 名单/ links ..\\副本\\子\\乙.xlsx (Excel writes "\\")."""
    folder = tmp_path / "收件"
    (folder / "子").mkdir(parents=True)
    make_workbook("收件/甲.xlsx", info={"项目名称": "甲项目"})
    make_workbook("收件/子/乙.xlsx", info={"项目名称": "乙项目"})
    run_batch([folder], BatchOptions(summary=tmp_path / "汇总.xlsx", out_dir=tmp_path / "副本"))
    monkeypatch.chdir(tmp_path)
    for out, up in (("抽查名单.xlsx", ""), ("名单/抽查名单.xlsx", "..\\")):
        result = CliRunner().invoke(cli, ["sample", "汇总.xlsx", "--rate", "1", "--seed", "0", "-o", out])
        assert result.exit_code == 0, result.output
        ws = openpyxl.load_workbook(tmp_path / out)[L.S_SAMPLE]
        links = {ws.cell(r, 2).value: ws.cell(r, 2).hyperlink.target for r in range(2, ws.max_row + 1)}
        assert links == {"甲.xlsx": f"{up}副本\\甲.xlsx", "子/乙.xlsx": f"{up}副本\\子\\乙.xlsx"}
        for target in links.values():  # and they reach the scored copies
            assert ((tmp_path / out).parent / target.replace("\\", "/")).resolve().is_file()


def test_cli_closing_line_names_the_list_apart_from_the_held_back_files(summary, monkeypatch):
    """The last line ended "…；未参与抽取：待更正 1 份、未填写 1 份：抽查名单.xlsx", which reads as if
    the list were the held-back files' list. Counts as in the test above: 18 candidates,
    rate 0.5 → ceil(9) = 9 picks, 4 of them must-picks, 9 − 4 = 5 at random; held back f04
    (待更正) and f05 (未填写)."""
    monkeypatch.chdir(summary.parent)
    result = CliRunner().invoke(cli, ["sample", "汇总.xlsx", "--rate", "0.5", "--seed", "11"])
    assert result.exit_code == 0, result.output
    last = result.output.strip().splitlines()[-1]
    assert last == (
        "已从 18 份中抽取 9 份（必抽 4，随机 5，随机种子 11）；未参与抽取：待更正 1 份、未填写 1 份；"
        f"抽查名单：{L.SAMPLE_FILE}"
    )


def test_notes_say_who_corrects_a_held_back_file(summary, monkeypatch):
    """抽取说明 told every 待更正 file to go back to the unit ("应先退回单位"); a file whose only
    error is a reviewer's 复核得分 typed wrong (on its 评分结果 sheet) is the bureau's to correct.
    The line now says both, and that 未填写 goes back to the unit. Held back as in the test
    above: f04 (待更正) and f05 (未填写)."""
    monkeypatch.chdir(summary.parent)
    result = CliRunner().invoke(cli, ["sample", "汇总.xlsx", "--rate", "0.5", "--seed", "11"])
    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(summary.parent / L.SAMPLE_FILE)[L.S_SAMPLE_NOTES]
    notes = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, ws.max_row + 1)}
    assert notes["未参与抽取"] == (
        "待更正 1 份、未填写 1 份（待更正的改正后再抽：单位填报有误的退回单位，只是复核得分填错的由复核人员改正；"
        "未填写的退回单位）"
    )


@pytest.mark.parametrize(
    ("rate", "message"),
    [
        # a bare 20 meant as 20%: said so, with the reading it probably meant (20 ÷ 100 = 0.2);
        # it was "20.0 不在范围 0<x<=1 内"
        ("20", "错误：'--rate' 的值无效：抽取比例 20 不在 0 到 1 之间（不含 0）；20 是否应为 0.2（即 20%）？"),
        ("150", "错误：'--rate' 的值无效：抽取比例 150 不在 0 到 1 之间（不含 0）"),  # no reading fits
        ("0", "错误：'--rate' 的值无效：抽取比例 0 不在 0 到 1 之间（不含 0）"),
        ("两成", "错误：'--rate' 的值无效：“两成”不是抽取比例；请写 0 到 1 之间的小数（如 0.2）或百分数（如 20%）"),
    ],
)
def test_a_rate_outside_0_to_1_is_told_how_to_write_it(summary, monkeypatch, rate, message):
    monkeypatch.chdir(summary.parent)
    result = CliRunner().invoke(cli, ["sample", "汇总.xlsx", "--rate", rate, "--seed", "11"])
    assert result.exit_code == 2 and message in result.output.splitlines(), result.output
    assert not (summary.parent / L.SAMPLE_FILE).exists()


@pytest.mark.parametrize("rate", ["50%", "５０％", " 50 % "])
def test_a_rate_written_as_a_percentage_is_that_fraction(summary, monkeypatch, rate):
    """50% is 0.5: the same list as --rate 0.5 with the same seed (ceil(18 × 0.5) = 9 files)."""
    monkeypatch.chdir(summary.parent)
    result = CliRunner().invoke(cli, ["sample", "汇总.xlsx", "--rate", rate, "--seed", "11"])
    assert result.exit_code == 0, result.output
    rows = list(openpyxl.load_workbook(summary.parent / L.SAMPLE_FILE)[L.S_SAMPLE].iter_rows(values_only=True))
    assert [r[1] for r in rows[1:]] == files(draw(summary, rate=0.5, seed=11))
