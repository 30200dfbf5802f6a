"""Library exception texts never reach users in English: a broken .xlsx, a bad rules file and
an unreadable path are reported in Chinese, with the parser's line and column kept."""

from __future__ import annotations

import re

import openpyxl
import pytest
from click.testing import CliRunner

from selfeval_xl.cli import cli
from selfeval_xl.errors import RuleSetError
from selfeval_xl.rules.ruleset import load_rules

ENGLISH = re.compile(r"[A-Za-z]{4,}")  # a word of English (file names here are Chinese)


def _words(text: str) -> list[str]:
    return [w for w in ENGLISH.findall(text) if w not in {"xlsx", "toml", "TOML", "Excel", "selfeval", "true", "false"}]


def test_broken_zip_in_terminal_and_summary(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "收件"
    folder.mkdir()
    (folder / "坏文件.xlsx").write_bytes(b"PK\x03\x04" + b"\0" * 30)  # a zip's magic, then nothing
    result = CliRunner().invoke(cli, ["score", str(folder), "--summary", str(tmp_path / "汇总.xlsx")])
    assert result.exit_code == 1
    line = next(x for x in result.output.splitlines() if x.startswith("坏文件.xlsx"))
    assert "不是 zip 格式的文件" in line and not _words(line), line
    wb = openpyxl.load_workbook(tmp_path / "汇总.xlsx")
    reasons = [str(c.value) for row in wb["未评分文件"].iter_rows() for c in row if c.value]
    assert any("不是 zip 格式的文件" in r for r in reasons)
    assert not [r for r in reasons if "File is not" in r]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # tomllib: "Invalid value (at line 1, column 8)" — the line and column stay, in Chinese
        ("[ruleset]\nid = hubei\n", "第 2 行第 6 列：值无效"),
        ("[ruleset]\nid = 'a'\nid = 'b'\n", "同一个键写了两次"),
        ("[ruleset\n", "表名缺少“]”"),
    ],
)
def test_bad_rules_file_in_chinese(tmp_path, text, expected):
    path = tmp_path / "规则.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RuleSetError) as exc:
        load_rules(path)
    message = str(exc.value)
    assert message.startswith("规则.toml：不是有效的 TOML（") and expected in message, message
    assert not _words(message), message


def test_rules_file_not_utf8(tmp_path):
    path = tmp_path / "规则.toml"
    path.write_bytes("[ruleset]\nid = '湖北'\n".encode("gbk"))
    with pytest.raises(RuleSetError) as exc:
        load_rules(path)
    assert "不是 UTF-8 编码的文本" in str(exc.value) and not _words(str(exc.value))


def test_os_error_reasons_in_chinese():
    from selfeval_xl.zh_reason import zh_reason

    try:
        open("/没有这个文件夹/x.xlsx")  # noqa: SIM115 - the error is the point
    except OSError as exc:
        assert zh_reason(exc) == "文件或文件夹不存在"


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("Error: Got unexpected extra arguments (a b)", "错误：多余的参数（a b）"),
        ("Error: Option '--json' does not take a value.", "错误：选项 '--json' 不带值。"),
        (
            "Error: Invalid value for '--rate': 2.0 is not in the range 0<x<=1.",
            "错误：'--rate' 的值无效：2.0 不在范围 0<x<=1 内。",
        ),
        (
            "Error: Invalid value for 'FORM': File 'a.xlsx' is a directory.",
            "错误：'自评表' 的值无效：文件 'a.xlsx' 是文件夹，应为文件。",
        ),
        ("  --out FILE  输出  [default: x.xlsx; required]", "  --out 文件  输出  [默认：x.xlsx; 必填]"),
        ("Error: No such option '--nope'. Did you mean '--note'?", "错误：没有选项 '--nope'。 是否想用 '--note'？"),
        ("已经是中文的说明，不变。", "已经是中文的说明，不变。"),
    ],
)
def test_click_messages_are_translated_from_what_click_prints(english, chinese):
    from selfeval_xl.click_zh import translate_help

    assert translate_help(english) == chinese
