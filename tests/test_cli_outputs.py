"""Where ``-o`` points: an output named for another format is refused (exit 2, nothing written),
a folder that is not there yet is made (as ``--summary`` and ``--out-dir`` make theirs), an output
open in Excel/WPS is left alone (exit 1), and a folder that cannot be written is reported by the
name the user gave, never by our hidden temp file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner

from selfeval_xl.cli import cli

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def runner(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def _form(tmp_path: Path) -> Path:
    from test_forms import TIANCHANG_ROWS, build_form

    return build_form(tmp_path / "天长.xlsx", TIANCHANG_ROWS, {"年度资金总额": (880, 880, 880)}, total=100)


def _summary(runner, tmp_path: Path) -> Path:
    assert runner.invoke(cli, ["score", str(tmp_path / "收件")]).exit_code == 0
    return tmp_path / "汇总.xlsx"


@pytest.mark.parametrize(
    ("args", "out", "what", "suffixes"),
    [
        (["template"], "模板.txt", "模板", ".xlsx"),
        (["convert", "FORM"], "模板.csv", "模板", ".xlsx"),
        (["report", "BOOK"], "报告.txt", "报告", ".docx 或 .md"),
        (["sample", "SUMMARY"], "抽查.csv", "抽查名单", ".xlsx"),
    ],
)
def test_output_named_for_another_format_is_refused(runner, make_workbook, tmp_path, args, out, what, suffixes):
    # before: each wrote an Excel workbook (or a .docx) under the .txt/.csv name, which then opened
    # in nothing (Excel refuses an .xlsx named .csv; Notepad shows zip bytes)
    (tmp_path / "收件").mkdir()
    book = make_workbook("收件/项目A.xlsx")
    summary = _summary(runner, tmp_path) if "SUMMARY" in args else None
    form = _form(tmp_path) if "FORM" in args else None
    given = [{"FORM": str(form), "BOOK": str(book), "SUMMARY": str(summary)}.get(a, a) for a in args]
    before = sorted(p.name for p in tmp_path.rglob("*"))
    result = runner.invoke(cli, [*given, "-o", out])
    assert result.exit_code == 2, result.output
    assert f"错误：{out}：{what}的文件名须以 {suffixes} 结尾" in result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # nothing written


def test_output_folder_is_made(runner, make_workbook, tmp_path):
    # before: "错误：无法读写文件 /…/新 文件夹/.模板.1234.ab12cd34.tmp.xlsx（文件或文件夹不存在）", exit 1,
    # although score's --summary and --out-dir make their folders
    book = make_workbook("项目A.xlsx")
    form = _form(tmp_path)
    cases = [
        (["template"], tmp_path / "新 文件夹" / "子" / "模板.xlsx"),
        (["convert", str(form)], tmp_path / "转换" / "天长.模板.xlsx"),
        (["report", str(book)], tmp_path / "报告" / "项目A.docx"),
        (["report", str(book)], tmp_path / "报告md" / "项目A.md"),
    ]
    for args, out in cases:
        result = runner.invoke(cli, [*args, "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert str(out) in result.output
    assert zipfile.ZipFile(cases[0][1]).testzip() is None
    assert "基本信息" in zipfile.ZipFile(cases[1][1]).read("xl/workbook.xml").decode()
    assert docx.Document(str(cases[2][1])).paragraphs
    assert cases[3][1].read_text(encoding="utf-8").startswith("#")
    # rerun: the same files, nothing more beside them
    for args, out in cases:
        assert runner.invoke(cli, [*args, "-o", str(out)]).exit_code == 0
        assert sorted(p.name for p in out.parent.iterdir() if not p.name.endswith(".png")) == [out.name]


def test_output_open_in_excel_is_left_alone(runner, tmp_path):
    out = tmp_path / "模板.xlsx"
    assert runner.invoke(cli, ["template", "-o", str(out)]).exit_code == 0
    before = out.read_bytes()
    (tmp_path / "~$模板.xlsx").write_bytes(b"lock")  # Excel's lock file beside an open workbook
    result = runner.invoke(cli, ["template", "--kind", "部门整体支出", "-o", str(out)])
    # before: replaced under Excel on Linux, and on Windows "无法读写文件 …tmp.xlsx（没有写入权限）"
    assert result.exit_code == 1, result.output
    assert result.output == f"错误：{out} 正在被 Excel/WPS 打开（发现锁文件 ~$模板.xlsx），请关闭后重试\n"
    assert out.read_bytes() == before


def _unprivileged() -> list[str] | None:
    """A command prefix under which a folder's missing write permission is felt (root ignores it
    unless the capability is dropped)."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        return None
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--"]


@pytest.mark.parametrize("command", ["template", "report", "convert"])
def test_unwritable_folder_named_as_given(make_workbook, tmp_path, command):
    prefix = _unprivileged()
    if prefix is None:
        pytest.skip("running as root without setpriv: permissions are not enforced")
    book = make_workbook("项目A.xlsx")
    form = _form(tmp_path)
    locked = tmp_path / "只读"
    locked.mkdir()
    locked.chmod(0o555)
    out = {"template": "只读/模板.xlsx", "report": "只读/报告.docx", "convert": "只读/天长.模板.xlsx"}[command]
    args = {"template": [], "report": [str(book)], "convert": [str(form)]}[command]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [*prefix, sys.executable, "-m", "selfeval_xl", command, *args, "-o", out],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    locked.chmod(0o755)
    # before: "错误：无法读写文件 /tmp/…/只读/.模板.4711.x8k2m1qz.tmp.xlsx（没有写入权限）"
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == f"错误：无法读写文件 {out}（没有写入权限）\n"
    assert list(locked.iterdir()) == []
