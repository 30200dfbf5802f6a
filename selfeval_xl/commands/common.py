"""What every subcommand shares: the common options, the rule-set lookup, the per-file and closing lines."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from selfeval_xl.discover import other_file, others_counted
from selfeval_xl.errors import Problem, RuleSetError
from selfeval_xl.outcome import FileOutcome, Tally
from selfeval_xl.reading import contract as L
from selfeval_xl.reading.layout_names import LAYOUT_NAMES
from selfeval_xl.rounding import fmt_num
from selfeval_xl.scoring.verdict import BLANK, NEEDS_CORRECTION, NEEDS_REVIEW, closing_counts, status_zh

if TYPE_CHECKING:
    from selfeval_xl.rules.ruleset import RuleSet

NOTHING_FOUND = "没有找到可评分的工作簿（.xlsx/.xlsm/.xls/.ods）"


def typed_command() -> str:
    """This program as the user ran it, for a next command we suggest to work when pasted: the
    README's first command runs ``.venv/bin/selfeval demo`` with no venv activated, where a bare
    ``selfeval`` is “command not found”. ``selfeval`` when that name on PATH is this program (or
    when run some other way, as under a test runner); else the path typed (``.venv/bin/selfeval``);
    ``python -m selfeval_xl`` with the interpreter that runs it."""
    import os
    import shutil
    import sys

    argv0 = sys.argv[0] if sys.argv else ""
    name = os.path.basename(argv0)
    if name == "__main__.py" and os.path.basename(os.path.dirname(argv0)) == "selfeval_xl":
        python = sys.executable
        try:
            here = os.path.relpath(python)
            python = here if not here.startswith("..") else python
        except ValueError:  # (another drive on Windows)
            pass
        return f"{as_typed(python)} -m selfeval_xl"
    if os.path.splitext(name)[0].lower() not in ("selfeval", "selfeval-script"):
        return "selfeval"
    on_path = shutil.which("selfeval")
    try:
        if on_path and os.path.samefile(on_path, argv0):
            return "selfeval"
    except OSError:
        pass
    return as_typed(argv0)


def as_typed(path: str | Path) -> str:
    """A path as typed on a command line: in double quotes when it has a space (as both cmd.exe
    and a Unix shell take it)."""
    text = str(path)
    return f'"{text}"' if any(c.isspace() for c in text) else text


paths_arg = click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
rules_opt = click.option(
    "--rules",
    "rules_path",
    help="规则集：TOML 文件路径或内置规则集的编号（如 hubei-project）；默认用模板所用或按评价类型的内置规则集",
)
debug_opt = click.option("--debug", is_flag=True, help="程序内部出错时显示详细信息（traceback）并停止")
layout_opt = click.option(
    "--layout",
    type=click.Choice(LAYOUT_NAMES),
    default="auto",
    show_default=True,
    help="工作簿格式：auto 自动识别；template 本工具模板；form 单表《项目支出绩效自评表》",
)


def rules_or_usage(spec: str | None, kind: str | None = None) -> RuleSet | None:
    """The rule set named by ``--rules`` (or the bundled one for ``kind``); a bad one is a usage error."""
    if spec is None and kind is None:
        return None
    from selfeval_xl.rules.ruleset import find_rules, load_rules  # the parser loads only when a rule set is asked for

    try:
        return find_rules(spec) if spec is not None else load_rules(None, kind or L.KIND_PROJECT)
    except RuleSetError as exc:
        raise click.UsageError(str(exc)) from None


def rules_for(spec: str | None, kind: str) -> RuleSet:
    """As ``rules_or_usage`` where a kind is known, so there is always a rule set."""
    rules = rules_or_usage(spec, kind)
    assert rules is not None  # a kind always finds its bundled rule set
    return rules


def problem_line(p: Problem) -> str:
    return f"{'错误' if p.is_error else '警告'}：{p}"


def file_lines(o: FileOutcome) -> tuple[str, str]:
    """A file's console line, and the same with one warning more: what the whole run may find
    after the file was scored (a duplicate), which then counts in its line."""
    r = o.result
    if r is None:
        line = f"{o.display}：未评分（{o.error.message if o.error else ''}）"
        return line, line
    claimed = f"，申报 {fmt_num(r.claimed_total)}" if r.claimed_total is not None else ""
    if r.status == BLANK:
        verdict = "未填写（不评分）"
    elif r.status == NEEDS_CORRECTION:
        verdict = f"待更正，核定总分 {r.total:.2f}（暂算）{claimed}"
    elif r.status == NEEDS_REVIEW:
        verdict = f"待复核，核定总分 {r.total:.2f}（暂定 {r.grade}）{claimed}"
    elif r.reviewed_total is not None:
        verdict = (
            f"{status_zh(r.status)}，复核总分 {r.reviewed_total:.2f}（{r.grade}），核定总分 {r.total:.2f}{claimed}"
        )
    else:
        verdict = f"{status_zh(r.status)}，核定总分 {r.total:.2f}（{r.grade}）{claimed}"
    errors, warnings = o.counts()
    head, tail = (
        f"{o.display}：{verdict}，错误 {errors}，警告 ",
        f"；{o.write_problem.message}" if o.write_problem else "",
    )
    return f"{head}{warnings}{tail}", f"{head}{warnings + 1}{tail}"


def closing(t: Tally) -> str:
    """``共 9 个文件：已评分 3、待复核 1、待更正 2、未填写 1；无法读取 1；不是 Excel 工作簿 1；等级：…``"""
    text = f"共 {t.files} 个文件：{closing_counts(t.statuses)}"
    if t.unreadable:
        text += f"；无法读取 {t.unreadable}"
    text += others_counted(t.other_names)
    if t.grades:
        text += "；等级：" + "、".join(f"{g} {t.grades.get(g, 0)}" for g in t.grade_order)
    return text


def echo_others(others: list[str]) -> None:
    """Name every file in the folders not scored (not a workbook, a results file without its
    original): nothing is silently missed."""
    for display in others:
        click.echo(f"{display}：{other_file(display).message}", err=True)


def output_ready(out: Path, suffixes: tuple[str, ...], what: str) -> None:
    """Before a command writes ``out`` (``-o``): its name ends as the file it will be (an Excel
    workbook named .txt or .csv opens in nothing), it is not open in Excel/WPS, it is not the
    user's own file, and its folder is there (made, as ``--summary`` and ``--out-dir`` make theirs)."""
    from selfeval_xl.ooxml.ownership import refusal
    from selfeval_xl.outputs.result_files import lock_file

    if out.suffix.lower() not in suffixes:
        raise click.UsageError(f"{out}：{what}的文件名须以 {' 或 '.join(suffixes)} 结尾，请用 -o 指定这样的文件名")
    if (lock := lock_file(out)) is not None:
        raise click.ClickException(f"{out} 正在被 Excel/WPS 打开（发现锁文件 {lock.name}），请关闭后重试")
    if why := refusal(out):
        refuse(why)
    out.parent.mkdir(parents=True, exist_ok=True)


def refuse(line: str) -> NoReturn:
    """One Chinese line on stderr and exit 2: the input is not what the command reads."""
    click.echo(line, err=True)
    click.get_current_context().exit(2)
