"""Library exception texts (zipfile, zlib, tomllib, XML parsers, OSError) in Chinese, at the point
they become a user's message; the line and column a parser names are kept."""

from __future__ import annotations

import re

from selfeval_xl._fs import os_reason

# (English text pattern, Chinese); the first match wins. Patterns match the start of the text.
_ZIP = [
    (r"File is not a zip file", "不是 zip 格式的文件"),
    (r"Bad magic number", "文件头损坏"),
    (r"Truncated file header", "文件被截断"),
    (r"Bad CRC-32 for file '?([^']*)'?", "部件 {0} 校验失败（CRC）"),
    (r"Bad local header", "部件头损坏"),
    (r"zipfiles that span multiple disks", "分卷 zip 不受支持"),
    (r"That compression method is not supported", "压缩方式不受支持"),
    (r"compression type \d+", "压缩方式不受支持"),
    (r"Error -?\d+ while decompressing", "压缩数据损坏"),
    (r"Compressed file ended before", "文件被截断"),
    (r"File name in directory .* differs from file header", "部件名称前后不一致"),
    (r"Overlapped entries", "zip 条目互相重叠"),
    (r"Corrupt extra field", "zip 附加字段损坏"),
    (r"negative seek value", "zip 目录损坏"),
    (r"File .* is encrypted", "部件已加密"),
]
_TOML = [
    (r"Invalid value", "值无效（字符串要加引号，数值、true/false 不加）"),
    (r"Expected '=' after a key", "键后面缺少“=”"),
    (r"Invalid statement", "无法识别的语句"),
    (r"Invalid initial character for a key part", "键名以无效字符开头"),
    (r"Cannot overwrite a value", "同一个键写了两次"),
    (r"Cannot declare .* twice", "同一个表写了两次"),
    (r"Cannot mutate immutable namespace", "同一个表写了两次"),
    (r"Unclosed array", "数组缺少“]”"),
    (r"Unclosed inline table", "内联表缺少“}”"),
    (r"Unterminated string", "字符串缺少结尾的引号"),
    (r"Illegal character", "含有不允许的字符"),
    (r"Expected newline or end of document", "一行只能写一个键值对"),
    (r"Expected ']' at the end of a table declaration", "表名缺少“]”"),
    (r"Invalid date or datetime", "日期或时间无效"),
    (r"Unescaped '\\' in a string", "字符串中的“\\”要写成“\\\\”"),
    (r"Invalid hex value|Unrecognized escape sequence", "字符串中的转义序列无效"),
]
_XML = [
    (r"not well-formed", "格式错误"),
    (r"no element found", "内容不完整"),
    (r"unclosed token", "有未闭合的标记"),
    (r"mismatched tag", "标记不配对"),
    (r"junk after document element", "根元素之后有多余内容"),
    (r"undefined entity", "使用了未定义的实体"),
    (r"syntax error", "语法错误"),
]
_WHERE = re.compile(r"\(?at line (\d+), column (\d+)\)?|:? ?line (\d+), column (\d+)")


def _match(text: str, table: list[tuple[str, str]]) -> str | None:
    for pattern, zh in table:
        if m := re.match(pattern, text):
            return zh.format(*m.groups())
    return None


def zh_reason(exc: BaseException) -> str:
    """The reason ``exc`` gives, in Chinese (``第 1 行第 8 列：值无效…`` for a TOML error)."""
    if isinstance(exc, OSError) and not type(exc).__module__.startswith("zipfile"):
        return os_reason(exc) if exc.errno is not None else _text(exc)
    if isinstance(exc, EOFError):
        return "文件被截断"
    if isinstance(exc, UnicodeDecodeError):
        return f"不是 UTF-8 编码的文本（第 {exc.start + 1} 个字节处）"
    return _text(exc)


def _text(exc: BaseException) -> str:
    raw = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    where = "文件末尾：" if "(at end of document)" in raw else ""
    if m := _WHERE.search(raw):
        line, col = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        where = f"第 {line} 行第 {col} 列："
    for table in (_ZIP, _TOML, _XML):
        if zh := _match(raw, table):
            return where + zh
    if re.search(r"[\u4e00-\u9fff]", raw):  # already ours
        return raw[:120]
    # an uncommon library text: a Chinese reason first, the original kept for technical support
    return f"{where}文件结构异常（技术信息：{raw[:100]}）"
