"""The ``selfeval`` command: one click group over the subcommands in ``selfeval_xl.commands`` (help text in Chinese)."""

from __future__ import annotations

import gc
import importlib
from collections.abc import Iterator, MutableMapping
from typing import Any

import click

from selfeval_xl import click_zh
from selfeval_xl._fs import os_reason

# name → (module, attribute): a command's module (and the reading, scoring and writing it
# pulls in) is imported only when that command runs or help lists it, so that `selfeval
# --version` and each command start without loading the others
COMMANDS = {
    "convert": ("selfeval_xl.commands.template", "convert_cmd"),
    "demo": ("selfeval_xl.commands.demo_serve", "demo_cmd"),
    "report": ("selfeval_xl.commands.report", "report_cmd"),
    "sample": ("selfeval_xl.commands.report", "sample_cmd"),
    "score": ("selfeval_xl.commands.score", "score_cmd"),
    "serve": ("selfeval_xl.commands.demo_serve", "serve_cmd"),
    "template": ("selfeval_xl.commands.template", "template_cmd"),
    "validate": ("selfeval_xl.commands.score", "validate_cmd"),
}


class _LazyCommands(MutableMapping[str, click.Command]):
    """The group's ``commands``: every name from the start (help, suggestions for a mistyped
    name), each command imported on first lookup."""

    def __init__(self) -> None:
        self._loaded: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._loaded:
            module, attribute = COMMANDS[name]
            self._loaded[name] = getattr(importlib.import_module(module), attribute)
        return self._loaded[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        raise TypeError("selfeval's commands are fixed")

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(COMMANDS.keys() | self._loaded.keys()))

    def __len__(self) -> int:
        return len(COMMANDS.keys() | self._loaded.keys())


class _Group(click_zh.ZhGroup):
    """Subcommands loaded on first use (``COMMANDS``). File-system trouble outside the per-file
    handling (an output open in Excel, a folder that is a file, a full disk) ends as one Chinese
    line, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OSError as exc:
            where = f" {exc.filename}" if exc.filename else ""
            raise click.ClickException(f"无法读写文件{where}（{os_reason(exc)}）") from None


@click.group(cls=_Group, commands=_LazyCommands(), help="预算绩效自评评分工具：生成模板、校验、评分、起草报告。")
@click.version_option(package_name="selfeval_xl", message="%(version)s")
def cli() -> None:
    pass


def main() -> None:  # pragma: no cover - console entry
    try:
        cli(prog_name="selfeval")
    finally:
        # the process ends here: what it holds is set aside from the collections Python makes
        # as it exits (after a batch, ~15 ms of walking objects that are about to go anyway);
        # exit handlers and buffered output still run and flush as usual
        gc.freeze()


if __name__ == "__main__":  # pragma: no cover
    main()
