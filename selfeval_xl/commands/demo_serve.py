"""``selfeval demo`` and ``selfeval serve``: try the tool on the bundled samples, or open the local scoring page."""

from __future__ import annotations

from pathlib import Path

import click

from selfeval_xl.batch import BatchOptions
from selfeval_xl.click_zh import ZhCommand
from selfeval_xl.commands.common import as_typed, typed_command
from selfeval_xl.commands.score_run import score_and_report
from selfeval_xl.demo import copy_samples
from selfeval_xl.reading import contract as L


@click.command(
    cls=ZhCommand, name="demo", help="演示：把内置样例复制到 DIR（默认 ./selfeval-demo），评分、写回并生成汇总表。"
)
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
def demo_cmd(directory: Path | None) -> None:
    target = directory or Path("selfeval-demo")
    copies = copy_samples(target)
    click.echo(f"已复制 {len(copies)} 个样例工作簿到 {target}")
    options = BatchOptions(summary=target / L.SUMMARY_FILE)
    result = score_and_report([target], options, as_json=False, verbose=False)
    # (score_and_report has said how many were written back and where the summary is: what is left
    # to say is where the folder is, and what a bureau does next with it)
    click.echo(f"样例工作簿（各有“{L.SHEET_RESULTS}”工作表）和汇总表在：{target.resolve()}")
    if result.tally.with_errors:
        names = "、".join(result.tally.with_errors)
        click.echo(f"样例 {names} 故意含错误，用来演示问题清单；演示本身已完成。")
    if result.summary is None:  # pragma: no cover - demo always writes one
        raise click.ClickException("未生成汇总表")
    summary = as_typed(result.summary)
    me = typed_command()  # (.venv/bin/selfeval as the README's first command runs it: pasted, it works)
    click.echo(
        f"接着可以试：{me} report --summary {summary}（起草全区汇总报告）；"
        f"{me} sample {summary}（抽查名单）；{me} serve（在浏览器里评分）"
    )


@click.command(
    cls=ZhCommand,
    name="serve",
    help="打开本机评分网页：在浏览器里上传工作簿或文件夹压缩包，评分、查看问题、下载结果（文件只在本机处理）。",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="监听地址；默认只允许本机访问，改成其他地址时请注意局域网安全",
)
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="端口；0 = 自动选一个空闲端口"
)
@click.option("--no-browser", is_flag=True, help="不自动打开浏览器")
def serve_cmd(host: str, port: int, no_browser: bool) -> None:
    # imported here: the web server's libraries are only needed by this command
    from selfeval_xl.web.server import BindError, serve

    try:
        serve(host, port, open_browser=not no_browser, say=click.echo)
    except BindError as exc:
        raise click.ClickException(str(exc)) from None
