"""The ``selfeval`` command: one click group over the subcommands in ``selfeval_xl.commands`` (help text in Chinese)."""

from __future__ import annotations

from typing import Any

import click

from selfeval_xl import click_zh
from selfeval_xl._fs import os_reason
from selfeval_xl.commands.demo_serve import demo_cmd, serve_cmd
from selfeval_xl.commands.report import report_cmd, sample_cmd
from selfeval_xl.commands.score import score_cmd, validate_cmd
from selfeval_xl.commands.template import convert_cmd, template_cmd


class _Group(click_zh.ZhGroup):
    """File-system trouble outside the per-file handling (an output open in Excel, a folder
    that is a file, a full disk) ends as one Chinese line, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OSError as exc:
            where = f" {exc.filename}" if exc.filename else ""
            raise click.ClickException(f"无法读写文件{where}（{os_reason(exc)}）") from None


@click.group(cls=_Group, help="预算绩效自评评分工具：生成模板、校验、评分、起草报告。")
@click.version_option(package_name="selfeval_xl", message="%(version)s")
def cli() -> None:
    pass


for _command in (template_cmd, validate_cmd, score_cmd, demo_cmd, report_cmd, sample_cmd, convert_cmd, serve_cmd):
    cli.add_command(_command)


def main() -> None:  # pragma: no cover - console entry
    cli(prog_name="selfeval")


if __name__ == "__main__":  # pragma: no cover
    main()
