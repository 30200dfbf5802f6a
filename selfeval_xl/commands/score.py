"""``selfeval validate`` and ``selfeval score``: check or score workbooks and folders."""

from __future__ import annotations

import os
from pathlib import Path

import click

from selfeval_xl._fs import shown
from selfeval_xl.batch import BatchOptions, Tally, score_paths
from selfeval_xl.click_zh import ZhCommand
from selfeval_xl.commands.common import (
    NOTHING_FOUND,
    closing,
    debug_opt,
    echo_others,
    file_lines,
    layout_opt,
    paths_arg,
    problem_line,
    rules_opt,
    rules_or_usage,
)
from selfeval_xl.commands.score_run import score_and_report
from selfeval_xl.discover import find_other_files
from selfeval_xl.duplicates import Duplicates
from selfeval_xl.reading import contract as L


@click.command(cls=ZhCommand, name="validate", help="校验工作簿，只报告问题，不写任何文件。")
@paths_arg
@rules_opt
@debug_opt
@layout_opt
@click.pass_context
def validate_cmd(ctx: click.Context, paths: tuple[Path, ...], rules_path: str | None, debug: bool, layout: str) -> None:
    tally = Tally()
    duplicates = Duplicates()
    # each file's lines wait until every file is read: a duplicate found later is one warning
    # more in its line, as score counts it (the problem lines, then the file's line, as before)
    held: list[tuple[str, list[str], tuple[str, str]]] = []
    for outcome in score_paths(paths, rules_or_usage(rules_path), debug, layout, isolate=True):
        if outcome.skipped:
            continue
        tally.add(outcome)
        if outcome.result is not None:
            duplicates.add(outcome.result.identity, outcome.display, outcome.path)
        lines = file_lines(outcome)
        held.append((outcome.display, [problem_line(p) for p in outcome.problems], lines))
    found = {display: problem for display, (_, problem) in duplicates.problems().items()}
    for display, problem_lines, (line, line_with_duplicate) in held:
        extra = found.get(display)
        for text in problem_lines + ([problem_line(extra)] if extra is not None else []):
            click.echo(text, err=True)
        click.echo(line if extra is None else line_with_duplicate)
    others = [display for _, display in find_other_files(paths)]
    for display in others:
        tally.add_other(display)
    echo_others(others)
    if not tally.files:
        click.echo(NOTHING_FOUND, err=True)
    click.echo(closing(tally))
    ctx.exit(1 if tally.with_errors else 0)


@click.command(
    cls=ZhCommand,
    name="score",
    help="评分：文件或文件夹（递归，跳过 ~$ 锁文件、隐藏文件和本工具的输出），写回“评分结果”工作表并生成汇总表。",
)
@paths_arg
@rules_opt
@click.option(
    "--summary",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"汇总表路径；默认当前文件夹的 {L.SUMMARY_FILE}（有 --out-dir 时放在该文件夹）",
)
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="把评分后的副本写到此文件夹，原文件不动",
)
@click.option("--no-write-back", is_flag=True, help="不把评分结果写回工作簿（仍生成汇总表）")
@click.option(
    "--previous",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="上年汇总表；汇总表增加 上年核定总分、上年等级、变化（按单位编码或单位名称 + 项目名称对应）",
)
@click.option("--json", "as_json", is_flag=True, help="每个工作簿输出一行 JSON（JSON Lines）")
@click.option("-v", "--verbose", is_flag=True, help="逐条列出每个问题")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=0, help="并行进程数；0 = 每个 CPU 核一个（默认）")
@debug_opt
@layout_opt
@click.pass_context
def score_cmd(
    ctx: click.Context,
    paths: tuple[Path, ...],
    rules_path: str | None,
    summary: Path | None,
    out_dir: Path | None,
    no_write_back: bool,
    previous: Path | None,
    as_json: bool,
    verbose: bool,
    jobs: int,
    debug: bool,
    layout: str,
) -> None:
    if summary is None:
        summary = (out_dir or Path()) / L.SUMMARY_FILE
    elif summary.suffix.lower() != ".xlsx":  # the summary is always an .xlsx workbook
        raise click.UsageError(f"汇总表只能是 .xlsx 文件：{summary}；请用 --summary 指定以 .xlsx 结尾的文件名")
    last_year = None
    if previous is not None:
        if _same_file(previous, summary):  # this run's summary would replace last year's
            raise click.UsageError(
                f"--previous 指定的上年汇总表 {shown(str(previous))} 就是本次要写的汇总表，评分会覆盖它；"
                "请先把上年汇总表改名或移到别处，或用 --summary 给本次汇总表另起文件名"
            )
        from selfeval_xl.outputs.previous_year import PreviousError, read_previous

        try:
            last_year = read_previous(previous)  # read before any work: a wrong file is a usage error
        except PreviousError as exc:
            raise click.UsageError(str(exc)) from None
    options = BatchOptions(
        previous=last_year,
        write_back=not no_write_back,
        out_dir=out_dir,
        summary=summary,
        rules=rules_or_usage(rules_path),
        jobs=jobs,
        debug=debug,
        layout=layout,
        isolate=not debug,
    )
    result = score_and_report(paths, options, as_json=as_json, verbose=verbose)
    ctx.exit(1 if result.tally.with_errors or result.summary_error is not None else 0)


def _same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file (a link or another spelling of the same path too)."""
    try:
        return os.path.samefile(a, b)
    except OSError:  # (one of them is not there: not the same file)
        return False
