"""Zip members read straight from the file's bytes (``zip_package.inflate_plain``, which the
reader's ``XlsxBook.read`` and the write-back's ``Package`` use instead of zipfile's reader):
the same bytes zipfile gives, and never more inflated than the directory declares."""

from __future__ import annotations

import io
import struct
import tracemalloc
import warnings
import zipfile
import zlib
from pathlib import Path

import pytest
from conftest import BASE_BUDGET, BASE_INFO, base_rows

from selfeval_xl import fill_workbook, score_file
from selfeval_xl.errors import UnreadableWorkbook
from selfeval_xl.ooxml.xlsx_book import XlsxBook
from selfeval_xl.ooxml.zip_package import Package, inflate_plain

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def lying_zip(declared: int, actual: bytes, member: str = "xl/styles.xml") -> bytes:
    """A zip whose last member inflates to ``actual`` while its local header and directory
    entry both declare ``declared`` bytes (the CRC-32 is that of ``actual``)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", b"<Types/>")
        zf.writestr("xl/workbook.xml", b"<workbook/>")
        zf.writestr(member, actual)
    data = bytearray(buf.getvalue())
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(member)
    struct.pack_into("<I", data, info.header_offset + 22, declared)  # local header: uncompressed size
    struct.pack_into("<I", data, data.rfind(b"PK\x01\x02") + 24, declared)  # its directory entry
    return bytes(data)


def test_a_member_inflating_past_its_declared_size_is_not_inflated_past_it():
    actual = b"\0" * (32 << 20)  # deflates to ~32 KB: a small member that claims 100 bytes
    raw = lying_zip(100, actual)
    info = zipfile.ZipFile(io.BytesIO(raw)).getinfo("xl/styles.xml")
    assert info.file_size == 100
    tracemalloc.start()
    try:
        assert inflate_plain(raw, info) is None  # left to zipfile, which stops at 100 bytes
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20  # the whole would have been 32 MB


def test_such_a_member_is_reported_as_zipfile_reports_it(tmp_path):
    path = tmp_path / "谎报大小.xlsx"
    path.write_bytes(lying_zip(100, b"<styleSheet/>" + b" " * 100_000))
    book = XlsxBook(path, path.name)
    with pytest.raises(UnreadableWorkbook) as err:
        book.read("xl/styles.xml")
    assert err.value.problem.code == "not-a-workbook"
    assert "xl/styles.xml 损坏" in err.value.problem.message
    pkg = Package.read(path)  # the write-back's reading gives zipfile's error too
    try:
        with pytest.raises(zipfile.BadZipFile):
            pkg.parts["xl/styles.xml"]
    finally:
        pkg.close()


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_every_member_of_the_samples_reads_as_zipfile_reads_it(compression, tmp_path):
    for sample in sorted(SAMPLES.glob("*.xlsx")):
        with zipfile.ZipFile(sample) as src:
            members = [(i.filename, src.read(i)) for i in src.infolist()]
        path = tmp_path / sample.name
        with zipfile.ZipFile(path, "w", compression) as zf:
            for name, data in members:
                zf.writestr(name, data)
        raw = path.read_bytes()
        book = XlsxBook(path, sample.name)
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                assert inflate_plain(raw, info) == zf.read(info) == book.read(info.filename)


def _rewritten(path: Path, member: str, method: int, tail: bytes = b"", flags: int = 0) -> Path:
    """``path`` with ``member`` stored by ``method`` (its bytes followed by ``tail``, while the
    local header and the directory declare the bytes alone, with their CRC-32), and ``flags``
    set on it in both."""
    with zipfile.ZipFile(path) as zf:
        items = [(i.filename, zf.read(i)) for i in zf.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in items:
            zf.writestr(name, data + tail if name == member else data, method if name == member else None)
    declared = dict(items)[member]
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info, start = zf.getinfo(member), zf.start_dir
    central = data.index(b"PK\x01\x02", start)
    while data[central + 46 : central + 46 + len(member.encode())] != member.encode():
        central = data.index(b"PK\x01\x02", central + 4)
    for flag_at, crc_at in ((info.header_offset + 6, info.header_offset + 14), (central + 8, central + 16)):
        struct.pack_into("<H", data, flag_at, struct.unpack_from("<H", data, flag_at)[0] | flags)
        struct.pack_into("<II", data, crc_at, zlib.crc32(declared), struct.unpack_from("<I", data, crc_at + 4)[0])
        struct.pack_into("<I", data, crc_at + 8, len(declared))
    path.write_bytes(bytes(data))
    return path


SHEET = "xl/worksheets/sheet4.xml"  # 绩效指标 in the generated template


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_a_part_compressed_as_no_office_suite_does_is_refused_before_it_is_inflated(tmp_path, template_path, method):
    # bzip2 of the sheet and 64 MB of spaces is ~3 KB: zipfile inflated all of it in one call
    # (a 16 KB file with 400 MB behind it peaked at 900 MB in `selfeval report`) and scored
    # the sheet, its size and CRC-32 being what the directory declares
    path = fill_workbook(template_path, tmp_path / "压缩方式.xlsx", BASE_INFO, BASE_BUDGET, base_rows())
    _rewritten(path, SHEET, method, b" " * (64 << 20) if method == zipfile.ZIP_BZIP2 else b"")
    assert path.stat().st_size < 64 << 10
    tracemalloc.start()
    try:
        outcome = score_file(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert outcome.error is not None and outcome.error.code == "not-a-workbook", outcome.card
    name = "bzip2" if method == zipfile.ZIP_BZIP2 else "LZMA"
    assert f"{SHEET} 使用了 Excel 不支持的压缩方式 {name}" in outcome.error.message
    assert peak < 16 << 20


@pytest.mark.parametrize("member", [SHEET, "xl/workbook.xml", "xl/theme/theme1.xml"])
def test_a_part_under_a_zip_password_is_an_encrypted_workbook_not_a_program_error(tmp_path, template_path, member):
    # the zip's own encryption flag (a file packed with a password and renamed): zipfile raised
    # RuntimeError, reported as 处理该文件时程序出错 with its English text; a part not read
    # (the theme) let the file be scored and written back, which Excel cannot open
    path = fill_workbook(template_path, tmp_path / "压缩密码.xlsx", BASE_INFO, BASE_BUDGET, base_rows())
    _rewritten(path, member, zipfile.ZIP_DEFLATED, flags=0x1)
    outcome = score_file(path)
    assert outcome.error is not None and outcome.error.code == "encrypted", outcome.error or outcome.card


def test_a_file_changed_before_its_write_back_is_checked_as_it_is_read(tmp_path, template_path):
    # the write-back reads the file again when it was saved since it was scored; that reading
    # skipped the checks the reader makes: a part under a zip password there raised RuntimeError
    # (reported as 程序出错). Now the write fails with the reason, the file left as it is
    from selfeval_xl.outputs.writeback import write_back

    path = fill_workbook(template_path, tmp_path / "改过.xlsx", BASE_INFO, BASE_BUDGET, base_rows())
    outcome = score_file(path, keep_package=True)
    _rewritten(path, "xl/theme/theme1.xml", zipfile.ZIP_DEFLATED, flags=0x1)
    before = path.read_bytes()
    written, problem = write_back(outcome.card, path, path.name, "2026-01-01 00:00")
    assert written is None and problem is not None and problem.code == "write-failed", problem
    assert "密码" in problem.message
    assert path.read_bytes() == before


def test_two_parts_of_one_name_are_no_workbook(tmp_path, template_path):
    # part names are unique in a package, whatever their case; a zip holding the sheet twice
    # (or xl/Workbook.xml beside xl/workbook.xml) was scored from whichever zipfile kept
    path = fill_workbook(template_path, tmp_path / "重名.xlsx", BASE_INFO, BASE_BUDGET, base_rows())
    with zipfile.ZipFile(path) as zf:
        items = [(i.filename, zf.read(i)) for i in zf.infolist()]
    for twin in (SHEET, "xl/Workbook.xml"):
        copy = tmp_path / f"{len(twin)}.xlsx"
        with zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as zf, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (zipfile warns of the duplicate name it writes)
            for name, data in items:
                zf.writestr(name, data)
            zf.writestr(twin, dict(items)[twin.replace("Workbook", "workbook")])
        outcome = score_file(copy)
        assert outcome.error is not None and outcome.error.code == "not-a-workbook", outcome.card
        assert f"有两个名为 {twin} 的部件" in outcome.error.message
