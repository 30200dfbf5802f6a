"""No user file is replaced: template, report, convert and roster refuse to overwrite a file that
selfeval did not write or that someone changed after it did (one Chinese line, exit 2, the file's
bytes unchanged); a file selfeval wrote and nobody touched is simply written again."""

from __future__ import annotations

import docx
import openpyxl
import pytest
from click.testing import CliRunner

from selfeval_xl.cli import cli
from selfeval_xl.ooxml.ownership import is_ours


@pytest.fixture
def runner(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def _refused(result, path, option: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    assert lines[0].startswith(f"错误：{path} 已存在") and option in lines[0]


def test_template_never_replaces_a_filled_workbook(runner, make_workbook):
    filled = make_workbook("已填写.xlsx")
    before = filled.read_bytes()
    result = runner.invoke(cli, ["template", "-o", str(filled)])
    _refused(result, filled, "-o")
    assert filled.read_bytes() == before


def test_default_template_rewritten_until_someone_fills_it(runner, tmp_path):
    default = tmp_path / "自评模板_项目支出.xlsx"
    assert runner.invoke(cli, ["template"]).exit_code == 0
    assert is_ours(default)
    default.write_bytes(default.read_bytes())  # untouched: a rerun may replace it
    assert runner.invoke(cli, ["template"]).exit_code == 0
    wb = openpyxl.load_workbook(default)  # the accountant fills it in place and saves
    wb["基本信息"]["B2"] = "某某单位"
    wb.save(default)
    before = default.read_bytes()
    assert not is_ours(default)
    _refused(runner.invoke(cli, ["template"]), "自评模板_项目支出.xlsx", "-o")
    assert default.read_bytes() == before


def test_report_rewritten_until_edited_by_hand(runner, make_workbook):
    path = make_workbook("项目A.xlsx")
    out = path.with_name("项目A.自评报告.docx")
    assert runner.invoke(cli, ["report", str(path)]).exit_code == 0
    assert runner.invoke(cli, ["report", str(path)]).exit_code == 0  # ours, unchanged: redrafted
    doc = docx.Document(str(out))
    doc.add_paragraph("单位自己补写的一段。")
    doc.save(str(out))
    before = out.read_bytes()
    _refused(runner.invoke(cli, ["report", str(path)]), out, "-o")
    assert out.read_bytes() == before


def test_markdown_report_edited_is_kept(runner, make_workbook):
    path = make_workbook("项目A.xlsx")
    out = path.with_name("报告.md")
    assert runner.invoke(cli, ["report", str(path), "-o", str(out)]).exit_code == 0
    assert is_ours(out)
    assert runner.invoke(cli, ["report", str(path), "-o", str(out)]).exit_code == 0
    out.write_text(out.read_text(encoding="utf-8").replace("【请补充", "已补充【请补充", 1), encoding="utf-8")
    before = out.read_bytes()
    _refused(runner.invoke(cli, ["report", str(path), "-o", str(out)]), out, "-o")
    assert out.read_bytes() == before


def test_convert_refuses_a_foreign_target(runner, make_workbook, tmp_path):
    from test_forms import TIANCHANG_ROWS, build_form

    form = build_form(tmp_path / "天长.xlsx", TIANCHANG_ROWS, {"年度资金总额": (880, 880, 880)}, total=100)
    target = tmp_path / "天长.模板.xlsx"
    target.write_bytes(make_workbook("别人的.xlsx").read_bytes())
    before = target.read_bytes()
    _refused(runner.invoke(cli, ["convert", str(form)]), target, "-o")
    assert target.read_bytes() == before
    target.unlink()
    assert runner.invoke(cli, ["convert", str(form)]).exit_code == 0
    assert runner.invoke(cli, ["convert", str(form)]).exit_code == 0  # our own output: replaced


def test_roster_refuses_before_writing_any(runner, make_workbook, tmp_path):
    roster = tmp_path / "名单.csv"
    roster.write_text(
        "单位编码,单位名称,主管部门,项目名称\n001,甲单位,主管局,项目一\n002,乙单位,主管局,项目二\n", encoding="utf-8"
    )
    out = tmp_path / "模板"
    assert runner.invoke(cli, ["template", "--roster", str(roster), "--out-dir", str(out)]).exit_code == 0
    second = out / "002_乙单位_项目二.xlsx"
    first = out / "001_甲单位_项目一.xlsx"
    second.write_bytes(make_workbook("乙.xlsx").read_bytes())  # 乙 has filled theirs in
    first_before, second_before = first.read_bytes(), second.read_bytes()
    result = runner.invoke(cli, ["template", "--roster", str(roster), "--out-dir", str(out)])
    assert result.exit_code == 2 and "002_乙单位_项目二.xlsx" in result.output and "--out-dir" in result.output
    assert (first.read_bytes(), second.read_bytes()) == (first_before, second_before)  # none rewritten


def test_markdown_report_never_replaces_a_users_picture(runner, tmp_path):
    """The district draft (an .md) has one chart, 等级分布, written beside it as 汇总报告.图1.png: a picture
    of the user's own with that name stops the command before anything is written; ours is replaced."""
    from conftest import tiny_png
    from PIL import Image
    from test_district import _summary

    users = tiny_png()
    summary = _summary(tmp_path / "汇总.xlsx")
    out = tmp_path / "汇总报告.md"
    chart = tmp_path / "汇总报告.图1.png"
    chart.write_bytes(users)  # the user's own picture, a valid PNG
    args = ["report", "--summary", str(summary), "-o", str(out)]
    _refused(runner.invoke(cli, args), chart, "-o")
    assert chart.read_bytes() == users and not out.exists()  # nothing written, the .md neither
    chart.unlink()
    assert runner.invoke(cli, args).exit_code == 0
    assert is_ours(chart) and f"![图1 等级分布]({chart.name})" in out.read_text(encoding="utf-8")
    with Image.open(chart) as img:  # the mark is an ordinary tEXt chunk: still a PNG any viewer opens
        img.load()
        assert len(img.text["selfeval_xl"]) == 64  # the SHA-256 in hex
        img.save(tmp_path / "resaved.png")
    assert runner.invoke(cli, args).exit_code == 0  # ours, unchanged: redrafted
    chart.write_bytes((tmp_path / "resaved.png").read_bytes())  # opened in a picture editor and saved
    before = chart.read_bytes()
    _refused(runner.invoke(cli, args), chart, "-o")
    assert chart.read_bytes() == before
