"""One scoring run on the console: progress bar, per-file lines (duplicates found later still reach them), JSON
Lines, the closing lines, and SIGTERM/SIGHUP unwound like Ctrl-C. Used by ``selfeval score`` and ``selfeval demo``."""

from __future__ import annotations

import json
import signal
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

import click

from selfeval_xl._fs import os_reason, shown
from selfeval_xl.batch import BatchOptions, BatchResult, FileOutcome, Tally, run_batch
from selfeval_xl.commands.common import NOTHING_FOUND, closing, echo_others, file_lines, problem_line
from selfeval_xl.discover import is_summary
from selfeval_xl.errors import Problem
from selfeval_xl.outputs.result_files import lock_file
from selfeval_xl.stopping import STOP_SIGNALS, Stopped, handling, raise_stopped


class Progress:
    """A one-line progress bar on a terminal's stderr; silent when stderr is not a terminal.
    Lines printed while it is shown first clear it."""

    def __init__(self) -> None:
        self.on = sys.stderr.isatty()
        self.total = self.done = 0

    def start(self, total: int) -> None:
        self.total = total

    def step(self, name: str) -> None:
        self.done += 1
        if self.on and self.total:
            width = 30
            filled = width * self.done // self.total
            bar = "█" * filled + "░" * (width - filled)
            sys.stderr.write(f"\r\x1b[K评分中 {bar} {self.done}/{self.total} {name[-40:]}")
            sys.stderr.flush()

    def clear(self) -> None:
        if self.on and self.total:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def score_and_report(paths: Iterable[Path], options: BatchOptions, as_json: bool, verbose: bool) -> BatchResult:
    progress = Progress()

    # JSON lines wait in a temp file until the run is done: a duplicate found later must still
    # reach the first file's line (memory stays flat either way)
    lines_json = tempfile.TemporaryFile("w+", encoding="utf-8") if as_json else None

    def report(outcome: FileOutcome) -> None:
        progress.clear()
        if outcome.skipped:
            click.echo(f"跳过本工具生成的文件：{outcome.display}", err=True)
        elif lines_json is not None:
            lines_json.write(json.dumps(outcome.as_dict(), ensure_ascii=False) + "\n")
        if not outcome.skipped:
            shown_lines = [problem_line(p) for p in outcome.problems] if verbose else []
            record = [outcome.display, sum(outcome.counts()) > 0, file_lines(outcome), shown_lines]
            lines_text.write(json.dumps(record, ensure_ascii=False) + "\n")
        progress.step(outcome.display)

    def echo_lines(duplicates: dict[str, Problem]) -> None:
        lines_text.seek(0)
        for line in lines_text:
            display, any_problem, (text, text_dup), problem_lines = json.loads(line)
            extra = duplicates.get(display)
            if extra is not None:  # found after the file was scored: one warning more
                text = text_dup
                problem_lines.append(problem_line(extra))
            if not (any_problem or extra is not None):
                continue
            click.echo(text, err=True)
            if not verbose:  # the duplicate is shown all the same: only the whole run could find it
                problem_lines = [problem_line(extra)] if extra is not None else []
            for shown_line in problem_lines:
                click.echo(shown_line, err=True)
        lines_text.close()

    summary = options.summary
    if summary is not None and summary.exists() and not is_summary(summary):
        # checked before any work: never replace a file selfeval did not write (SPEC §4.2)
        click.echo(
            f"错误：{summary} 不是本工具生成的汇总表，为免覆盖已停止，未评分任何文件；请用 --summary 指定其他文件名",
            err=True,
        )
        click.get_current_context().exit(2)
    if summary is not None and (lock := lock_file(summary)) is not None:
        # checked first: the workbooks would be scored and written, then the summary refused
        raise click.ClickException(
            f"汇总表 {summary} 正在被 Excel/WPS 打开（发现锁文件 {lock.name}），请关闭后重试，或用 --summary 指定其他文件"
        )
    # so do the per-file lines: a duplicate's warning counts in its line as in its workbook
    lines_text = tempfile.TemporaryFile("w+", encoding="utf-8")
    try:
        with handling(dict.fromkeys(STOP_SIGNALS, raise_stopped)):
            result = run_batch(paths, options, on_start=progress.start, on_outcome=report)
    except Stopped as exc:
        # the Ctrl-C path (no summary, no half-written file), with the shell's exit code 128+N
        progress.clear()
        echo_lines({})
        click.echo(f"已中断（收到 {signal.Signals(exc.signum).name}）：已写回的文件完整，未生成汇总表", err=True)
        raise click.exceptions.Exit(128 + exc.signum) from None
    except BaseException:
        lines_text.close()
        raise
    finally:
        progress.clear()
    echo_lines(result.duplicates)
    if lines_json is not None:
        lines_json.seek(0)
        for line in lines_json:
            obj = json.loads(line)
            if obj["file"] in result.duplicates:
                obj["problems"].append(result.duplicates[obj["file"]].as_dict())
            click.echo(json.dumps(obj, ensure_ascii=False))
        lines_json.close()
    t = result.tally
    echo_others(result.others)
    if not t.files:
        click.echo(NOTHING_FOUND, err=True)
    lines = [closing(t)]
    if options.write_back:
        lines.append(_written_line(t, options))
    if result.summary is not None:
        lines.append(f"汇总表：{shown(str(result.summary))}")

    if result.detail_csv is not None:
        lines.append(f"指标明细超过 Excel 行数上限，完整明细：{shown(str(result.detail_csv))}")
    for line in lines:
        click.echo(line, err=as_json)
    if result.summary_error is not None:
        # every workbook was still scored and written back (the count above is what was written)
        reason = os_reason(result.summary_error)
        click.echo(f"错误：无法写入汇总表 {shown(str(summary))}（{reason}），未生成汇总表", err=True)
    return result


def _written_line(t: Tally, options: BatchOptions) -> str:
    """Where the 评分结果 went: in place, as copies, or beside a non-.xlsx input (named)."""
    side = t.side_files
    if options.out_dir:
        text = f"评分结果：{t.written} 个文件的副本在 {shown(str(options.out_dir))}"
    else:
        parts = []
        if t.written - len(side):
            parts.append(f"{t.written - len(side)} 个文件已写回原工作簿")
        if side:
            names = "、".join(side[:3]) + (f" 等 {len(side)} 个" if len(side) > 3 else "")
            parts.append(f"非 .xlsx 文件的评分结果另存为 {names}（原文件未改动）")
        text = "评分结果：" + ("，".join(parts) or "0 个文件已写回原工作簿")
    return text + (f"，{t.not_written} 个未写回（见上）" if t.not_written else "")
