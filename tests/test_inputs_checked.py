"""Inputs a command does not read are refused with one Chinese line naming the file, before any
work: a summary that is not .xlsx, a report from something that is not our summary, a summary
given where a unit's workbook is expected."""

from __future__ import annotations

import openpyxl
import pytest
from click.testing import CliRunner

from selfeval_xl.cli import cli


@pytest.fixture
def runner(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def test_score_summary_must_be_xlsx(runner, make_workbook, tmp_path):
    path = make_workbook()
    before = path.read_bytes()
    result = runner.invoke(cli, ["score", str(path), "--summary", str(tmp_path / "out.csv")])
    assert result.exit_code == 2
    assert "汇总表只能是 .xlsx 文件" in result.output and "out.csv" in result.output
    assert not (tmp_path / "out.csv").exists() and path.read_bytes() == before  # nothing scored or written


@pytest.fixture
def summary(runner, make_workbook, tmp_path):
    path = make_workbook()
    out = tmp_path / "汇总.xlsx"
    assert runner.invoke(cli, ["score", str(path), "--summary", str(out), "--no-write-back"]).exit_code == 0
    return out


def _one_line(result) -> str:
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    return lines[0]


def test_report_summary_of_broken_text_and_ods_files(runner, tmp_path):
    broken = tmp_path / "坏.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    text = tmp_path / "说明.txt"
    text.write_text("不是工作簿", encoding="utf-8")
    ods = tmp_path / "汇总.ods"
    ods.write_bytes(b"PK\x03\x04")
    for path, why in ((broken, "无法读取"), (text, "不是 .xlsx 工作簿（.txt 文件）"), (ods, "（.ods 文件）")):
        result = runner.invoke(cli, ["report", "--summary", str(path)])
        assert result.exit_code == 2, path
        line = _one_line(result)
        assert line.startswith(f"错误：{path} ") and why in line and "无法起草汇总报告" in line
        assert not list(tmp_path.glob("*.docx"))


def test_report_summary_of_a_unit_workbook_or_a_ledger(runner, make_workbook, tmp_path):
    ledger = tmp_path / "台账.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "汇总"  # one of our sheet names, but not the other two
    wb.active.append(["文件", "单位名称"])
    wb.save(ledger)
    for path in (make_workbook(), ledger):
        result = runner.invoke(cli, ["report", "--summary", str(path)])
        assert result.exit_code == 2
        assert "不是本工具生成的汇总表" in _one_line(result)
        assert not list(tmp_path.glob("*.汇总报告.docx"))  # no “共收到文件 0 份” draft


def test_report_of_a_summary_without_the_option_suggests_it(runner, summary):
    result = runner.invoke(cli, ["report", str(summary)])
    assert result.exit_code == 2
    line = _one_line(result)
    assert "是本工具生成的汇总表" in line and f"selfeval report --summary {summary}" in line
    assert "None" not in line


def test_the_suggested_report_command_quotes_a_path_with_a_space(runner, summary):
    # 区 汇总.xlsx: the suggestion is to be pasted, so the path stands in double quotes there (as
    # the demo's suggestions do); unquoted the shell would pass 区 and 汇总.xlsx as two arguments
    spaced = summary.with_name("区 汇总.xlsx")
    summary.rename(spaced)
    line = _one_line(runner.invoke(cli, ["report", str(spaced)]))
    assert f'selfeval report --summary "{spaced}"' in line


def test_report_summary_of_our_summary_still_drafts(runner, summary):
    result = runner.invoke(cli, ["report", "--summary", str(summary)])
    assert result.exit_code == 0, result.output
    assert summary.with_name("汇总.汇总报告.docx").exists()
