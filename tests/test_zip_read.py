"""Zip members read straight from the file's bytes (``zip_package.inflate_plain``, which the
reader's ``XlsxBook.read`` and the write-back's ``Package`` use instead of zipfile's reader):
the same bytes zipfile gives, and never more inflated than the directory declares."""

from __future__ import annotations

import io
import struct
import tracemalloc
import zipfile
from pathlib import Path

import pytest

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
