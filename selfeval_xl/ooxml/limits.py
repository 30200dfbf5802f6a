"""Limits that keep a hostile or broken file from taking the machine down, and the checks of
sizes that can be made before anything is inflated."""

from __future__ import annotations

import zipfile
from pathlib import Path

from selfeval_xl.errors import UnreadableWorkbook
from selfeval_xl.zh_reason import zh_reason

MAX_PART_BYTES = 64 * 1024 * 1024  # one inflated part
MAX_TOTAL_BYTES = 256 * 1024 * 1024  # all declared parts together
MAX_RATIO = 200  # inflated/compressed, for parts over 1 MiB
MAX_ROWS = 20_000  # rows read from one sheet; more is refused by the reader
MAX_CELLS = 500_000  # non-empty cells in one sheet (a 20,000-row table is 25 cells wide)
MAX_MERGES = 20_000  # merged ranges kept from one sheet
MAX_SHARED = 1_000_000  # shared strings
MAX_ELEMENTS = 1_000_000  # elements in a part parsed whole (workbook, styles, relationships)


def check_file_size(path: Path, name: str) -> None:
    size = path.stat().st_size
    if size > MAX_PART_BYTES:
        raise UnreadableWorkbook.at(name, None, None, "too-large", detail=f"文件 {size // 1048576} MB")


def short_reason(exc: BaseException) -> str:
    """The reason in Chinese (library texts such as “File is not a zip file” never reach users)."""
    return zh_reason(exc)[:160]


# What Excel, WPS and LibreOffice write (and all the package formats allow): stored and deflate.
# zipfile also reads bzip2 and LZMA, but inflates each block it reads without a bound: 3.5 KB of
# bzip2 in a 16 KB file became 400 MB in one call, whatever size the directory declares.
PACKAGE_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
METHOD_NAMES = {9: "Deflate64", 12: "bzip2", 14: "LZMA", 93: "Zstandard", 95: "xz", 98: "PPMd", 99: "AES 加密"}


def method_name(info: zipfile.ZipInfo) -> str:
    """A member's compression method as people know it."""
    return METHOD_NAMES.get(info.compress_type, f"方式 {info.compress_type}")


def check_member_method(info: zipfile.ZipInfo, name: str) -> None:
    """One member's encryption and compression method, before anything of it is inflated (zipfile
    asks for a password, and inflates bzip2/LZMA blocks without a bound)."""
    if info.flag_bits & 0x1:  # a zip password (WinRAR/7-Zip 加密压缩): zipfile asks for it
        raise UnreadableWorkbook.at(name, None, None, "encrypted")
    if info.compress_type not in PACKAGE_METHODS:
        raise UnreadableWorkbook.at(
            name,
            None,
            None,
            "not-a-workbook",
            detail=f"{info.filename} 使用了 Excel 不支持的压缩方式 {method_name(info)}；请用 Excel 或 WPS 重新保存",
        )


def check_member_size(info: zipfile.ZipInfo, name: str) -> None:
    """One member's encryption, compression method, declared size and compression ratio,
    before it is inflated."""
    check_member_method(info, name)
    if info.file_size > MAX_PART_BYTES:
        raise UnreadableWorkbook.at(
            name,
            None,
            None,
            "too-large",
            detail=f"{info.filename} 解压后 {info.file_size // 1048576} MB",
        )
    if info.file_size > 1048576 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        raise UnreadableWorkbook.at(
            name,
            None,
            None,
            "too-large",
            detail=f"{info.filename} 压缩比异常",
        )


def check_zip_sizes(zf: zipfile.ZipFile, name: str) -> None:
    """Every member's ``check_member_size``, their total size, and no two members of one name:
    a package's part names are unique whatever their case (two copies of a sheet, or
    xl/Workbook.xml beside xl/workbook.xml, would be read from whichever zipfile kept)."""
    total = 0
    names: set[str] = set()
    for info in zf.infolist():
        total += info.file_size
        check_member_size(info, name)
        if (key := info.filename.casefold()) in names:
            raise UnreadableWorkbook.at(
                name, None, None, "not-a-workbook", detail=f"压缩包里有两个名为 {info.filename} 的部件，文件已损坏"
            )
        names.add(key)
    if total > MAX_TOTAL_BYTES:
        raise UnreadableWorkbook.at(
            name,
            None,
            None,
            "too-large",
            detail=f"解压后共 {total // 1048576} MB",
        )
