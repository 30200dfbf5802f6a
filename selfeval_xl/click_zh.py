"""click's own messages in Chinese (SPEC §5: usage errors and --help are Chinese).

click words its messages in English (marked for gettext, with no catalogue shipped). Rather than
reach into click's modules, the ``selfeval`` group and its commands (``ZhGroup``/``ZhCommand``)
translate what click produces, through click's public API: the help text a command formats
(``get_help``) and an error's printed form (``ClickException.show`` into a
buffer). ``translate`` matches the table's English templates — ``{name}`` placeholders capture
the text click filled in — so "Missing argument 'PATHS...'" reads 缺少参数 'PATHS...'. A message
not in the table (a newer click's) stays English rather than breaking. Exit codes are click's
(2 for wrong usage)."""

from __future__ import annotations

import errno
import functools
import io
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, Literal, NoReturn, overload

import click

ZH = {
    "Show this message and exit.": "显示此帮助并退出。",
    "Show the version and exit.": "显示版本号并退出。",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行 “{command} {option}” 查看帮助。",
    "Aborted!": "已中止。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing {param_type}": "缺少{param_type}",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing command.": "缺少子命令（template、validate、score、demo、report 等）。",
    "No such command {name!r}.": "没有子命令 {name!r}。",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "Did you mean {possibility}?": "是否想用 {possibility}？",
    "(Did you mean one of: {possibilities}?)": "（是否想用其中之一：{possibilities}？）",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "Got unexpected extra argument ({args})": "多余的参数（{args}）",
    "Got unexpected extra arguments ({args})": "多余的参数（{args}）",
    "Option {name!r} requires an argument.": "选项 {name!r} 需要一个值。",
    "Option {name!r} requires {nargs} arguments.": "选项 {name!r} 需要 {nargs} 个值。",
    "Option {name!r} does not take a value.": "选项 {name!r} 不带值。",
    "Argument {name!r} takes {nargs} values.": "参数 {name!r} 需要 {nargs} 个值。",
    "Takes {nargs} values but 1 was given.": "需要 {nargs} 个值，只给了 1 个。",
    "Takes {nargs} values but {len} were given.": "需要 {nargs} 个值，给了 {len} 个。",
    "{value!r} is not {choice}.": "{value!r} 不是 {choice}。",
    "{value!r} is not one of {choices}.": "{value!r} 不是 {choices} 之一。",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的{number_type}。",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "{value!r} is not a valid boolean. Recognized values: {states}": "{value!r} 不是有效的是/否值，可用：{states}",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件，应为文件夹。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是文件夹，应为文件。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 无法读取。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} 无法写入。",
    "{name} {filename!r} is not executable.": "{name} {filename!r} 不可执行。",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename!r}：{message}",
    "default: {default}": "默认：{default}",
    "required": "必填",
    "unknown error": "未知错误",
}
# English words click formats into the messages above (type and path names), and the metavars
# its help shows for them
ZH_WORDS = {
    "integer": "整数",
    "float": "数字",
    "argument": "参数",
    "option": "选项",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    "integer range": "整数",
    "float range": "数字",
    "text": "文字",
}
# section headings click writes at the start of a help line (a full-width colon, as Chinese text
# writes it; "Usage: " loses its space after one)
_HEADINGS = {
    "Usage: ": "用法：",
    "Usage:": "用法：",
    "Options:": "选项：",
    "Commands:": "命令：",
    "Positional arguments:": "参数：",
}
_METAVARS = re.compile(
    r"(?<=[ =])(INTEGER RANGE|FLOAT RANGE|INTEGER|FLOAT|FILE|DIRECTORY|PATH|TEXT)(?=[ .\]\n]|$)", re.M
)
# what click writes in a usage line for the parts of a command, and the arguments' names (usage
# lines, "Missing argument 'PATHS...'"): in Chinese
_USAGE_WORDS = {
    "[OPTIONS]": "[选项]",
    "COMMAND [ARGS]...": "子命令 [参数]...",
    "PATHS...": "路径...",
    "[DIRECTORY]": "[文件夹]",
    "[WORKBOOK]": "[工作簿]",
    "SUMMARY": "汇总表",
    "FORM": "自评表",
}
_USAGE = re.compile(r"(?<![A-Za-z])(" + "|".join(re.escape(w) for w in _USAGE_WORDS) + r")(?![A-Za-z])")


_REPR = r"""(?:'[^'\n]*'|"[^"\n]*")"""  # a field click formats with !r: a quoted string
_WORD_FIELDS = {"name", "number_type", "param_type"}  # a type's or path's name: English words


def _pattern(template: str) -> tuple[re.Pattern[str], str]:
    """An English template with ``{name}``/``{name!r}`` fields → a regex capturing each field,
    and the Chinese template with plain ``{name}`` fields (the captured text is already shown
    the way click formatted it, quotes included)."""
    parts = re.split(r"\{(\w+(?:![rs])?)\}", template)
    regex = ""
    for i, part in enumerate(parts):
        if i % 2 == 0:
            regex += re.escape(part)
            continue
        name, _, conversion = part.partition("!")
        last = i == len(parts) - 2 and not parts[-1]  # the template ends with this field
        if conversion == "r":
            body = _REPR
        elif name in _WORD_FIELDS:
            body = "[A-Za-z][A-Za-z ]*?"
        else:
            body = "[^\n]+" if last else "[^\n]+?"  # a trailing message runs to the end of its line
        regex += f"(?P<{name}>{body})"
    if not parts[-1] and parts[-2].partition("!")[0] in _WORD_FIELDS:
        regex += r"(?=[\s.;\]]|$)"  # a trailing word ends at a space or a stop
    zh = re.sub(r"\{(\w+)(?:![rs])?\}", r"{\1}", ZH[template])
    return re.compile(regex), zh


@functools.cache
def _templates() -> list[tuple[re.Pattern[str], str]]:
    """Every template as (regex, Chinese), longest first so that a template is not cut short by
    a shorter one inside it; compiled on the first message, not at start-up."""
    return [_pattern(en) for en in sorted(ZH, key=len, reverse=True) if "{" in en]


# whole phrases without fields ("Show this message and exit."); "required" only inside [...]
_PHRASES = [(en, ZH[en]) for en in sorted(ZH, key=len, reverse=True) if "{" not in en and en != "required"]


def _filler(zh: str) -> Callable[[re.Match[str]], str]:
    """The replacement for one template's match: its Chinese, fields filled (words translated)."""

    def fill(match: re.Match[str]) -> str:
        return zh.format(**{k: _word(v) for k, v in match.groupdict().items()})

    return fill


def _word(text: str) -> str:
    return ZH_WORDS.get(text.lower(), text)


def translate(text: str) -> str:
    """click's English in ``text`` in Chinese (text already Chinese passes through unchanged)."""
    for en, zh in _HEADINGS.items():
        text = re.sub(rf"(?m)^{re.escape(en)}", zh, text)
    for _ in range(3):  # a message may hold another (Invalid value for …: '<x>' is not one of …)
        before = text
        for regex, zh in _templates():
            text = regex.sub(_filler(zh), text)
        if text == before:
            break
    for en, zh in _PHRASES:
        text = text.replace(en, zh)
    text = re.sub(r"(?<=[\[; ])required(?=[\];])", ZH["required"], text)
    text = _USAGE.sub(lambda m: _USAGE_WORDS[m.group(1)], text)
    # an optional argument is named by its usage-line metavar, brackets and all ('[工作簿]' 的值无效):
    # the brackets mean "may be left out" in a usage line, and only puzzle in a message about its value
    text = re.sub(r"'\[([^\]'\n]+)\]'(?= 的值无效)", r"'\1'", text)
    # click ends "Missing argument 'PATHS...'" with an ASCII full stop
    return re.sub(r"(?m)^(错误：缺少(?:参数|选项|子命令)[^\n]*?)\.$", r"\1。", text)


def translate_help(text: str) -> str:
    """A help page: the messages, then the type metavars (``FILE`` → 文件), padded so that the
    description column stays where click aligned it."""
    text = translate(text)
    return _METAVARS.sub(lambda m: _padded(ZH_WORDS[m.group(1).lower()], len(m.group(1))), text)


def _padded(zh: str, width: int) -> str:
    return zh + " " * max(0, width - 2 * len(zh))


class _ChineseHelp(click.Command):
    """A help page in Chinese (a usage line inside an error is translated with the whole error,
    by ``ZhGroup.main``)."""

    def get_help(self, ctx: click.Context) -> str:
        return translate_help(super().get_help(ctx))


class ZhCommand(_ChineseHelp):
    """A subcommand: its help page in Chinese."""


class ZhGroup(_ChineseHelp, click.Group):
    """The top command: its help in Chinese, and every error click raises on the way to a
    subcommand (a missing argument, a bad value, an unknown option) printed in Chinese."""

    command_class = ZhCommand

    @overload
    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: Literal[True] = True,
        **extra: Any,
    ) -> NoReturn: ...

    @overload
    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = ...,
        **extra: Any,
    ) -> Any: ...

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """click's ``main`` run without its standalone handling, which this does itself in Chinese."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.ClickException as exc:  # usage errors included
            buffer = io.StringIO()
            exc.show(file=buffer)
            click.echo(translate(buffer.getvalue()), err=True, nl=False)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo(ZH["Aborted!"], err=True)
            sys.exit(1)
        except OSError as exc:  # a closed pipe (| head): quietly, as click does
            if exc.errno != errno.EPIPE:
                raise
            # the reader went away: nothing more to say (Python's advice: point stdout at devnull
            # so that the flush at exit does not fail again)
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        sys.exit(rv if isinstance(rv, int) else 0)
