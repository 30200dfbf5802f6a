"""The CLI: exit codes, exact Chinese lines, JSON Lines equal to the library result, help text."""

from __future__ import annotations

import json
import re

import click
import openpyxl
import pytest
from click.testing import CliRunner
from conftest import JSON_INDICATOR_KEYS, base_rows, row

from selfeval_xl import score_file
from selfeval_xl.cli import cli
from selfeval_xl.scoring.verdict import STATUS_ZH


@pytest.fixture
def runner(tmp_path_factory, monkeypatch):
    """A CLI runner in its own empty working folder (score writes 汇总.xlsx to the cwd)."""
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))
    return CliRunner()


def test_every_command_has_chinese_help(runner):
    names = cli.list_commands(click.Context(cli))
    assert names == ["convert", "demo", "report", "sample", "score", "serve", "template", "validate"]
    for name, command in cli.commands.items():
        assert command.name == name
        assert command.help and any("\u4e00" <= ch <= "\u9fff" for ch in command.help), name
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0


def test_score_json_equals_library(runner, make_workbook):
    path = make_workbook()
    result = runner.invoke(cli, ["score", str(path), "--json", "--no-write-back"])
    assert result.exit_code == 0, result.output
    objs = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(objs) == 1
    obj = objs[0]
    assert set(obj) == {
        "file",
        "kind",
        "year",
        "unit",
        "unit_code",
        "project",
        "status",
        "total",
        "grade",
        "claimed_total",
        "reviewed_total",
        "budget",
        "indicators",
        "problems",
    }
    assert set(obj["budget"]) == {"initial", "adjusted", "executed", "rate"}
    assert list(obj["indicators"][0]) == JSON_INDICATOR_KEYS
    assert obj == json.loads(json.dumps(score_file(path).card.as_dict(), ensure_ascii=False))
    assert (obj["status"], obj["total"], obj["grade"], obj["budget"]["rate"]) == ("final", 100, "优", 100)
    assert obj["reviewed_total"] is None and obj["indicators"][0]["reviewed"] is None


def test_validate_reports_cell_and_exits_1(runner, make_workbook):
    rows = base_rows()
    rows[1] = row("产出指标", "数量指标", "托养服务人次数", "≥105人", "约九成", 10)
    path = make_workbook(indicators=rows)
    result = runner.invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1
    assert "错误：项目A.xlsx 绩效指标!H4：实际完成值“约九成”无法识别为数值" in result.stderr.splitlines()
    # that row scores 0, the rest are full: 100 − 10 = 90 provisional (暂算), no grade until fixed
    assert "项目A.xlsx：待更正，核定总分 90.00（暂算），错误 1，警告 0" in result.stdout.splitlines()
    assert result.stdout.splitlines()[-1] == "共 1 个文件：已评分 0、待复核 0、待更正 1、未填写 0"


def test_batch_goes_on_past_unreadable_file(runner, make_workbook, tmp_path):
    make_workbook("a.xlsx")
    (tmp_path / "坏文件.xlsx").write_bytes(b"not a zip")
    (tmp_path / "~$a.xlsx").write_bytes(b"lock")
    (tmp_path / "._a.xlsx").write_bytes(b"\x00\x05\x16\x07")  # macOS Finder data beside a.xlsx
    result = runner.invoke(cli, ["score", str(tmp_path), "--json", "-v"])
    assert result.exit_code == 1
    files = [json.loads(line)["file"] for line in result.stdout.splitlines()]
    assert files == ["a.xlsx", "坏文件.xlsx"]
    err = result.stderr.splitlines()
    assert "坏文件.xlsx：未评分（不是有效的 Excel 工作簿（文件不是 zip 格式的 .xlsx））" in err
    assert "错误：坏文件.xlsx：不是有效的 Excel 工作簿（文件不是 zip 格式的 .xlsx）" in err  # -v: every problem
    # ~$a.xlsx says a.xlsx is open in Excel: scored, not written, and told so
    assert err[0].startswith(
        "a.xlsx：已评分，核定总分 100.00（优），错误 0，警告 1；文件正在被 Excel/WPS 打开（发现锁文件 ~$a.xlsx）"
    )
    assert "评分结果：0 个文件已写回原工作簿，1 个未写回（见上）" in err
    assert "Traceback" not in result.output


def test_usage_errors_exit_2(runner, tmp_path):
    assert runner.invoke(cli, ["score"]).exit_code == 2
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[ruleset]\nid="x"\nname="x"\nversion="1"\nkind="项目支出"\n[grades]\nbands=[]\nlowest="差"\n[budget]\npoints=10\n[scoring]\nreverse_method="cube"\n[qualitative]\n',
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["score", str(tmp_path), "--rules", str(bad)])
    assert result.exit_code == 2
    assert "bad.toml [scoring] reverse_method：未知的方法“cube”" in result.output


def test_demo_suggests_the_next_commands_as_the_user_ran_it(runner, tmp_path, monkeypatch):
    """The README's first command runs ``.venv/bin/selfeval demo`` with no venv activated, where a
    bare ``selfeval`` is not on PATH: the closing line's “selfeval report --summary …” failed when
    pasted (command not found). It names the program as it was run; ``selfeval`` once that name on
    PATH is the program run; ``python -m selfeval_xl`` with the interpreter running it."""
    import sys

    script = tmp_path / ".venv" / "bin" / "selfeval"
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.setattr(sys, "argv", [".venv/bin/selfeval", "demo"])
    result = runner.invoke(cli, ["demo"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == (
        "接着可以试：.venv/bin/selfeval report --summary selfeval-demo/汇总.xlsx（起草全区汇总报告）；"
        ".venv/bin/selfeval sample selfeval-demo/汇总.xlsx（抽查名单）；.venv/bin/selfeval serve（在浏览器里评分）"
    )
    from selfeval_xl.commands.common import typed_command

    # the venv activated: the same program is `selfeval` on PATH
    monkeypatch.setenv("PATH", f"{script.parent}:/usr/bin:/bin")
    assert typed_command() == "selfeval"
    # `python -m selfeval_xl demo`: the interpreter (outside the working folder: its full path)
    monkeypatch.setattr(sys, "argv", [str(tmp_path / "lib" / "selfeval_xl" / "__main__.py"), "demo"])
    assert typed_command() == f"{sys.executable} -m selfeval_xl"


def test_template_command(runner, tmp_path):
    out = tmp_path / "模板.xlsx"
    result = runner.invoke(cli, ["template", "-o", str(out)])
    assert result.exit_code == 0 and out.exists()
    assert result.stdout.startswith("已生成模板：")


def test_demo_scores_the_bundled_samples(runner, tmp_path):
    target = tmp_path / "演示"
    result = runner.invoke(cli, ["demo", str(target)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("已复制 10 个样例工作簿到 ")
    # 2 samples carry errors on purpose (待更正, no grade); the 8 others: 优 100, 100 (the form),
    # 99.11, 95.25; 良 85.74, 83.81; 中 64.37; 差 39.58
    assert "共 10 个文件：已评分 8、待复核 0、待更正 2、未填写 0；等级：优 4、良 2、中 1、差 1" in result.stdout
    assert (target / "汇总.xlsx").exists()
    # the closing lines say where the folder is and what to try next on its summary (they said
    # "已写回" twice and then stopped, leaving a new user to find report/sample/serve in the README)
    closing = result.stdout.splitlines()
    assert closing[-3] == f"样例工作簿（各有“评分结果”工作表）和汇总表在：{target.resolve()}"
    summary = str(target / "汇总.xlsx")  # (no space in it: typed as it is)
    assert closing[-1] == (
        f"接着可以试：selfeval report --summary {summary}（起草全区汇总报告）；"
        f"selfeval sample {summary}（抽查名单）；selfeval serve（在浏览器里评分）"
    )
    # the summary equals the JSON of the same files (scored again, nothing written)
    again = runner.invoke(
        cli, ["score", str(target), "--json", "--no-write-back", "--summary", str(tmp_path / "s.xlsx")]
    )
    objs = {o["file"]: o for o in map(json.loads, again.stdout.splitlines())}
    ws = openpyxl.load_workbook(target / "汇总.xlsx")["汇总"]
    rows = list(ws.iter_rows(values_only=True))
    header = rows[0]
    for r in rows[1:]:
        rec = dict(zip(header, r, strict=True))
        obj = objs[rec["文件"]]
        assert (rec["核定总分"], rec["等级"], rec["状态"]) == (obj["total"], obj["grade"], STATUS_ZH[obj["status"]])
    # graded files first (ranked; the two 100s share rank 1), then the two 待更正 samples, unranked
    assert [r[header.index("排名")] for r in rows[1:]] == [1, 1, 3, 4, 5, 6, 7, 8, None, None]
    assert [r[header.index("状态")] for r in rows[1:]] == ["已评分"] * 8 + ["待更正"] * 2
    # both kinds side by side, graded files only: 项目支出 优 3 良 1 中 1 差 1 (大英 待更正);
    # 部门整体支出 优 1 (seed) 良 1 (卫健委 待更正)
    grades = list(openpyxl.load_workbook(target / "汇总.xlsx")["等级分布"].iter_rows(values_only=True))
    assert grades[0] == (
        "等级",
        "全部数量",
        "全部占比",
        "部门整体支出数量",
        "部门整体支出占比",
        "项目支出数量",
        "项目支出占比",
    )
    assert [g[3] for g in grades[1:6]] == [1, 1, 0, 0, 2] and [g[5] for g in grades[1:6]] == [3, 1, 1, 1, 6]
    # per status: 部门整体支出 已评分 2 待更正 1; 项目支出 已评分 6 待更正 1
    statuses = {g[0]: (g[1], g[3], g[5]) for g in grades[7:]}
    assert statuses["已评分"] == (8, 2, 6) and statuses["待更正"] == (2, 1, 1) and statuses["合计"] == (10, 3, 7)
    # rerunning the demo starts from fresh copies and gives the same summary
    assert runner.invoke(cli, ["demo", str(target)]).exit_code == 0
    assert list(openpyxl.load_workbook(target / "汇总.xlsx")["汇总"].iter_rows(values_only=True)) == rows


def test_demo_next_steps_quote_a_folder_with_a_space(runner, tmp_path):
    """A folder with a space is typed in double quotes (cmd.exe and a Unix shell both take them)."""
    target = tmp_path / "演示 目录"
    result = runner.invoke(cli, ["demo", str(target)])
    assert result.exit_code == 0, result.output
    assert f'selfeval sample "{target / "汇总.xlsx"}"（抽查名单）' in result.stdout.splitlines()[-1]


def test_progress_bar_only_on_a_terminal(monkeypatch):
    import io

    from selfeval_xl.commands.score_run import Progress as _Progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    term = Terminal()
    monkeypatch.setattr("sys.stderr", term)
    bar = _Progress()
    bar.start(4)
    bar.step("a.xlsx")
    assert term.getvalue().endswith("评分中 " + "█" * 7 + "░" * 23 + " 1/4 a.xlsx")  # 30 × 1/4 = 7 cells
    bar.clear()
    assert term.getvalue().endswith("\r\x1b[K")
    pipe = io.StringIO()
    monkeypatch.setattr("sys.stderr", pipe)
    quiet = _Progress()
    quiet.start(4)
    quiet.step("a.xlsx")
    quiet.clear()
    assert pipe.getvalue() == ""


def test_summary_open_in_excel_or_unwritable(runner, make_workbook, tmp_path):
    path = make_workbook()
    summary = tmp_path / "out" / "汇总.xlsx"
    summary.parent.mkdir()
    (summary.parent / "~$汇总.xlsx").write_bytes(b"")
    result = runner.invoke(cli, ["score", str(path), "--summary", str(summary)])
    assert result.exit_code == 1 and "正在被 Excel/WPS 打开（发现锁文件 ~$汇总.xlsx）" in result.output
    assert "Traceback" not in result.output
    blocked = tmp_path / "文件" / "汇总.xlsx"
    (tmp_path / "文件").write_text("a file where the summary's folder should be")
    result = runner.invoke(cli, ["score", str(path), "--summary", str(blocked), "--no-write-back"])
    # the workbooks are still scored (issue 18); the summary's failure is named, exit 1
    assert result.exit_code == 1 and "无法写入汇总表" in result.output and "路径中有同名的文件" in result.output
    assert "共 1 个文件：已评分 1" in result.output


def test_output_problems_are_one_line(runner, tmp_path):
    (tmp_path / "文件").write_text("a file, not a folder")
    result = runner.invoke(cli, ["template", "-o", str(tmp_path / "文件" / "模板.xlsx")])
    assert result.exit_code == 1 and result.output.startswith("错误：无法读写文件")
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["score"], "错误：缺少参数 '路径...'。"),
        (["sample"], "错误：缺少参数 '汇总表'。"),
        (["score", "--nope", "x"], "错误：没有选项 '--nope'。"),
        (["score", "--jobs", "x", "."], "错误：'-j' / '--jobs' 的值无效：'x' 不是有效的整数。"),
        (["template", "--kind", "错"], "错误：'--kind' 的值无效：'错' 不是 '项目支出', '部门整体支出' 之一。"),
        (["frob"], "错误：没有子命令 'frob'。"),
        (["score", "不存在的文件夹"], "错误：'路径...' 的值无效：路径 '不存在的文件夹' 不存在。"),
        (["score", ".", "--summary"], "错误：选项 '--summary' 需要一个值。"),
        # an optional argument is named without its usage-line brackets (it read '[工作簿]' 的值无效)
        (["report", "没有这个.xlsx"], "错误：'工作簿' 的值无效：文件 '没有这个.xlsx' 不存在。"),
    ],
)
def test_click_usage_errors_are_chinese(runner, args, message):
    """click's own messages (missing argument, unknown option, bad value …) in Chinese, exit 2."""
    result = runner.invoke(cli, args)
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert message in lines, result.output
    assert not [line for line in lines if line.startswith(("Error", "Usage", "Try "))]
    if args != ["score", ".", "--summary"]:
        assert lines[0].startswith("用法：") and lines[0][3] != " " and "查看帮助。" in lines[1]


def test_help_words_are_chinese(runner):
    out = runner.invoke(cli, ["score", "--help"], prog_name="selfeval").output
    assert (
        out.startswith("用法：selfeval score [选项] 路径...") and "显示此帮助并退出。" in out and "Show this" not in out
    )
    # no English left in the usage lines, headings or metavars (it showed [OPTIONS], COMMAND
    # [ARGS]..., PATHS..., [DIRECTORY], TEXT, and 选项:/命令: with ASCII colons)
    pages = [
        runner.invoke(cli, [*c, "--help"], prog_name="selfeval").output
        for c in ([], ["score"], ["demo"], ["report"], ["convert"])
    ]
    assert pages[0].startswith("用法：selfeval [选项] 子命令 [参数]...") and "\n命令：\n" in pages[0]
    assert "\n选项：\n" in pages[1] and "--rules 文字" in pages[1]
    assert pages[2].startswith("用法：selfeval demo [选项] [文件夹]")
    assert pages[3].startswith("用法：selfeval report [选项] [工作簿]")
    assert pages[4].startswith("用法：selfeval convert [选项] 自评表")
    for page in pages:
        assert not re.search(
            r"\[OPTIONS\]|COMMAND|ARGS|PATHS|DIRECTORY|WORKBOOK|\bFORM\b|\bTEXT\b|选项:|命令:", page
        ), page
