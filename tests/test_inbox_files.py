"""Which files of a real inbox folder a run takes or passes over, and what it tells the user about
each: the terminal lines, the closing count, the summary's 未评分文件 (and the same on the web page,
in ``test_serve``). Nothing a unit or a reviewer sent goes unmentioned."""

from __future__ import annotations

import shutil

import openpyxl
import pytest
from click.testing import CliRunner

from selfeval_xl.cli import cli
from selfeval_xl.reading import contract as L


@pytest.fixture
def runner(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def unscored_rows(summary) -> dict[str, tuple]:
    ws = openpyxl.load_workbook(summary)[L.S_UNSCORED]
    return {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True) if r[0]}


def side_file(make_workbook, tmp_path, runner) -> bytes:
    """The 评分结果 side file selfeval writes for a non-.xlsx workbook (here an .xlsm), as a
    reviewer gets it, fills in and sends back."""
    src = make_workbook("原件.xlsx", info={"单位名称": "乙单位", "单位编码": "B-2"})
    work = tmp_path / "评分处"
    work.mkdir()
    shutil.move(src, work / "乙.xlsm")
    result = runner.invoke(cli, ["score", str(work), "--summary", str(tmp_path / "先评.xlsx")])
    assert result.exit_code == 0, result.output
    return (work / "乙.xlsm.评分结果.xlsx").read_bytes()


def test_a_results_file_sent_back_without_its_original_is_named_not_skipped(runner, make_workbook, tmp_path):
    """A reviewer's copy of ``X.xlsm.评分结果.xlsx`` put in the inbox without X.xlsm (and an older
    version's ``X.评分结果.xlsx`` likewise alone) was passed over without a word: not in the
    terminal lines, not counted, not in 未评分文件. Beside its original it is still read with it,
    silently."""
    returned = side_file(make_workbook, tmp_path, runner)
    inbox = tmp_path / "收件箱"
    (inbox / "复核").mkdir(parents=True)
    (inbox / "旧版").mkdir()
    make_workbook("收件箱/甲.xlsx", info={"单位名称": "甲单位", "单位编码": "A-1"})  # all met: 100 (优)
    (inbox / "复核" / "乙.xlsm.评分结果.xlsx").write_bytes(returned)  # alone
    (inbox / "旧版" / "丁.评分结果.xlsx").write_bytes(returned)  # an older version's name, alone
    # 丙.xlsm with its results file beside it: scored (100, 优), the results file read with it
    make_workbook("收件箱/丙.xlsx", info={"单位名称": "丙单位", "单位编码": "C-3"})
    (inbox / "丙.xlsx").rename(inbox / "丙.xlsm")
    (inbox / "丙.xlsm.评分结果.xlsx").write_bytes(returned)

    summary = tmp_path / "汇总.xlsx"
    result = runner.invoke(cli, ["score", str(inbox), "--no-write-back", "--summary", str(summary)])
    assert result.exit_code == 0, result.output  # listed, not errors
    alone = "本工具为“乙.xlsm”写的评分结果，同一文件夹里没有原文件，不能单独评分；复核后要重新评分，请把它和原文件放在同一文件夹"
    old = (
        "本工具为“丁”（.xls、.ods 等工作簿）写的评分结果，同一文件夹里没有原文件，不能单独评分；"
        "复核后要重新评分，请把它和原文件放在同一文件夹"
    )
    lines = result.stderr.splitlines()
    assert f"复核/乙.xlsm.评分结果.xlsx：{alone}" in lines
    assert f"旧版/丁.评分结果.xlsx：{old}" in lines
    assert not any(line.startswith("丙.xlsm.评分结果.xlsx") for line in lines)
    # 4 files: 甲 and 丙 scored (both 100, 优), the two results files alone listed
    assert (
        "共 4 个文件：已评分 2、待复核 0、待更正 0、未填写 0；评分结果缺原文件 2（未评分）；等级：优 2、良 0、中 0、差 0"
        in result.stdout.splitlines()
    )
    rows = unscored_rows(summary)
    assert set(rows) == {"复核/乙.xlsm.评分结果.xlsx", "旧版/丁.评分结果.xlsx"}
    assert rows["复核/乙.xlsm.评分结果.xlsx"][1:] == ("评分结果缺原文件", "results-alone", alone)
    assert rows["旧版/丁.评分结果.xlsx"][1:] == ("评分结果缺原文件", "results-alone", old)

    # the older name beside a workbook of that stem is its results: silent again
    make_workbook("收件箱/旧版/丁.xlsx", info={"单位名称": "丁单位", "单位编码": "D-4"})
    again = runner.invoke(cli, ["score", str(inbox), "--no-write-back", "--summary", str(summary)])
    assert "旧版/丁.评分结果.xlsx" not in again.stderr
    assert set(unscored_rows(summary)) == {"复核/乙.xlsm.评分结果.xlsx"}

    # validate names it the same way
    checked = runner.invoke(cli, ["validate", str(inbox)])
    assert f"复核/乙.xlsm.评分结果.xlsx：{alone}" in checked.stderr.splitlines()
    assert "；评分结果缺原文件 1（未评分）" in checked.output


def ours(make_workbook, tmp_path, runner) -> tuple[bytes, bytes]:
    """A summary and a sample list as selfeval writes them (from an earlier run elsewhere)."""
    (tmp_path / "上次").mkdir()
    make_workbook("上次/庚.xlsx", info={"单位名称": "庚单位", "单位编码": "G-7"})
    summary, sample = tmp_path / "上次汇总.xlsx", tmp_path / "上次抽查.xlsx"
    assert runner.invoke(cli, ["score", str(tmp_path / "上次"), "--summary", str(summary)]).exit_code == 0
    assert runner.invoke(cli, ["sample", str(summary), "-o", str(sample)]).exit_code == 0
    return summary.read_bytes(), sample.read_bytes()


def test_a_units_workbook_called_like_our_summary_is_scored_ours_are_skipped_with_a_word(
    runner, make_workbook, tmp_path
):
    """汇总.xlsx and 抽查名单.xlsx were passed over by their names alone, anywhere in the folder: a
    unit's workbook that happened to be called so (a department's 汇总.xlsx in its subfolder) was
    lost without a word, and an old summary of ours under that name was skipped silently while a
    renamed one was named. Now the content decides, the same for any name."""
    old_summary, old_sample = ours(make_workbook, tmp_path, runner)
    inbox = tmp_path / "收件箱"
    (inbox / "乡镇").mkdir(parents=True)
    make_workbook("收件箱/甲.xlsx", info={"单位名称": "甲单位", "单位编码": "A-1"})  # all met: 100 (优)
    make_workbook("收件箱/乡镇/汇总.xlsx", info={"单位名称": "乙单位", "单位编码": "B-2"})  # 100 (优)
    make_workbook("收件箱/乡镇/抽查名单.xlsx", info={"单位名称": "丙单位", "单位编码": "C-3"})  # 100 (优)
    (inbox / "汇总.xlsx").write_bytes(old_summary)
    (inbox / "旧").mkdir()
    (inbox / "旧" / "抽查名单.xlsx").write_bytes(old_sample)

    summary = tmp_path / "本次汇总.xlsx"
    result = runner.invoke(cli, ["score", str(inbox), "--no-write-back", "--summary", str(summary)])
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert "跳过本工具生成的文件：汇总.xlsx" in lines and "跳过本工具生成的文件：旧/抽查名单.xlsx" in lines
    # 3 workbooks scored, all 100 (优); our two files are not submissions: not counted
    assert "共 3 个文件：已评分 3、待复核 0、待更正 0、未填写 0；等级：优 3、良 0、中 0、差 0" in result.stdout
    ws = openpyxl.load_workbook(summary)[L.S_SUMMARY]
    header = [c.value for c in ws[1]]
    files = sorted(r[header.index("文件")] for r in ws.iter_rows(min_row=2, values_only=True) if r[0])
    assert files == ["乡镇/抽查名单.xlsx", "乡镇/汇总.xlsx", "甲.xlsx"]
    assert unscored_rows(summary) == {}


def test_office_temp_files_are_passed_over_a_units_other_files_are_listed(runner, make_workbook, tmp_path):
    # an inbox with a workbook, Word's save-time ~WRL0001.tmp and a 说明.docx: the .tmp is no one's
    # submission and was listed as “不是 Excel 工作簿（.tmp 文件）…请另存为 .xlsx”; the .docx still is
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    make_workbook("收件箱/甲.xlsx")
    (inbox / "~WRL0001.tmp").write_bytes(b"\0" * 64)
    (inbox / "说明.docx").write_bytes(b"PK\x03\x04 not really a document")
    summary = tmp_path / "汇总.xlsx"
    result = runner.invoke(cli, ["score", str(inbox), "--summary", str(summary)])
    assert result.exit_code == 0, result.output
    assert "~WRL0001.tmp" not in result.output
    assert list(unscored_rows(summary)) == ["说明.docx"]
