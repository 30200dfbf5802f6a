"""Which existing files selfeval may replace: only its own, unchanged since it wrote them.

A .xlsx/.docx we write carries in its zip archive comment ``selfeval_xl:<sha256>``, the hash of
every part's name, CRC-32 and size. Excel, WPS, Word and LibreOffice write a new archive when they
save (no comment, or parts that no longer match), so a template filled in place or a report
edited by hand is no longer ours. A Markdown report ends with ``<!-- selfeval_xl:<sha256> -->``
over the text above it; a chart beside it (``<stem>.图N.png``) carries, just before its IEND chunk,
a ``tEXt`` chunk ``selfeval_xl`` whose text is the SHA-256 of every byte before that chunk (an image
editor that saves it again drops or moves the chunk).

A workbook written back with no reviewer's entry in its 评分结果 carries ``selfeval_xl-scored:<sha256>``
(the same hash): a rerun then knows there is no 复核 entry to read without reading the sheet."""

from __future__ import annotations

import hashlib
import os
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

MARK = "selfeval_xl:"
SCORED_MARK = "selfeval_xl-scored:"
_SCORED_PREFIX = SCORED_MARK.encode()
ZIP_SUFFIXES = {".xlsx", ".xlsm", ".docx"}


def _fingerprint(members: Iterable[tuple[str, int, int]]) -> str:
    """The hash of every member's (name, CRC-32, size), in name order."""
    h = hashlib.sha256()
    for name, crc, size in sorted(members, key=lambda m: m[0]):
        h.update(f"{name}\0{crc}\0{size}\n".encode())
    return h.hexdigest()


def _members(zf: zipfile.ZipFile) -> Iterator[tuple[str, int, int]]:
    return ((i.filename, i.CRC, i.file_size) for i in zf.infolist())


def _zip_fingerprint(zf: zipfile.ZipFile) -> str:
    return _fingerprint(_members(zf))


def scored_mark(members: Iterable[tuple[str, int, int]]) -> bytes:
    """The zip comment of a workbook written back whose 评分结果 holds no reviewer's entry
    (``SCORED_MARK`` and the members' fingerprint). Never ours in ``is_ours``' sense: the file
    is a unit's submission, which no output of ours may replace."""
    return (SCORED_MARK + _fingerprint(members)).encode()


def scored_unreviewed(zf: zipfile.ZipFile) -> bool:
    """Whether the workbook is, member for member, as a write-back left it with no reviewer's
    entry in its 评分结果 (``scored_mark``): a reviewer who types one saves the file anew."""
    return zf.comment.startswith(_SCORED_PREFIX) and zf.comment == scored_mark(_members(zf))


def _text_fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def stamp(path: Path) -> None:
    """Mark a .xlsx/.docx just written (still the temp file) as ours."""
    with zipfile.ZipFile(path, "a") as zf:
        zf.comment = (MARK + _zip_fingerprint(zf)).encode()


def stamped_text(text: str) -> str:
    """``text`` with the closing marker line of a Markdown file we write."""
    return f"{text}\n<!-- {MARK}{_text_fingerprint(text)} -->\n"


_PNG_KEY = b"selfeval_xl"
_PNG_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"
_PNG_MARK_LEN = 12 + len(_PNG_KEY) + 1 + 64  # length, type and CRC around keyword, NUL, hex digest


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def stamped_png(data: bytes) -> bytes:
    """PNG ``data`` (as matplotlib writes it, ending in the empty IEND chunk) marked as ours."""
    if not data.endswith(_PNG_IEND):
        raise ValueError("not a PNG ending in IEND")
    body = data[: -len(_PNG_IEND)]
    digest = hashlib.sha256(body).hexdigest().encode()
    return body + _png_chunk(b"tEXt", _PNG_KEY + b"\0" + digest) + _PNG_IEND


def _png_is_ours(data: bytes) -> bool:
    cut = len(_PNG_IEND) + _PNG_MARK_LEN
    return len(data) > cut and stamped_png(data[:-cut] + _PNG_IEND) == data


def is_ours(path: Path) -> bool:
    """True when ``path`` is a file selfeval wrote and nobody changed since."""
    try:
        if path.suffix.lower() in ZIP_SUFFIXES:
            with zipfile.ZipFile(path) as zf:
                return zf.comment == (MARK + _zip_fingerprint(zf)).encode()
        if path.suffix.lower() == ".md":
            text = path.read_text(encoding="utf-8")
            body, sep, last = text.rstrip("\n").rpartition("\n")
            return bool(sep) and last == f"<!-- {MARK}{_text_fingerprint(body)} -->"
        if path.suffix.lower() == ".png":
            return _png_is_ours(path.read_bytes())
    except (OSError, zipfile.BadZipFile, UnicodeDecodeError, ValueError, EOFError):
        return False
    return False


def refusal(path: Path, option: str = "-o") -> str | None:
    """The one-line Chinese refusal when writing ``path`` would replace a file that is not ours
    (or that was changed after we wrote it); None when ``path`` may be written."""
    if not os.path.lexists(path) or is_ours(path):
        return None
    return (
        f"错误：{path} 已存在，且不是本工具生成的文件（或生成后已被修改），为免覆盖已停止；"
        f"请用 {option} 指定其他文件名，或先把该文件改名或移走"
    )
