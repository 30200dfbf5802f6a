"""Write a zip whose unchanged members are copied as their original compressed bytes.

``zipfile`` can only re-compress what it copies; for write-back that costs more than all the
rest and changes bytes nobody asked to change. This writer copies each member's local data
verbatim (same CRC, sizes and method) and deflates only the members given as new bytes. More
than 65,535 members get a zip64 end record; a package past 4 GB is handed back to ``zipfile``
by the caller.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from typing import BinaryIO

from selfeval_xl.ooxml.ownership import scored_mark
from selfeval_xl.ooxml.recent import Recent

_LOCAL = struct.Struct("<4s2B4HL2L2H")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_END = struct.Struct("<4s4H2LH")
_END64 = struct.Struct("<4sQ2H2L4Q")
_LOCATOR64 = struct.Struct("<4sLQL")
_UTF8 = 0x800
_DESCRIPTOR = 0x08
LIMIT = 0xFFFFFFFF


def raw_member(data: bytes | memoryview | BinaryIO, info: zipfile.ZipInfo) -> bytes | memoryview:
    """The compressed bytes of ``info`` inside the whole-file ``data`` (bytes, or the open file:
    then only this member is read into memory)."""
    off = info.header_offset
    if not isinstance(data, bytes | memoryview):
        data.seek(off)
        head = data.read(30)
        if head[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile(f"bad local header for {info.filename}")
        name_len, extra_len = struct.unpack("<HH", head[26:30])
        data.seek(off + 30 + name_len + extra_len)
        return data.read(info.compress_size)
    if data[off : off + 4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"bad local header for {info.filename}")
    name_len, extra_len = struct.unpack("<HH", data[off + 26 : off + 30])
    start = off + 30 + name_len + extra_len
    return data[start : start + info.compress_size]


# Small parts → (CRC-32, deflated bytes), the last few remembered: the bookkeeping parts a
# write-back changes ([Content_Types].xml, the workbook's relationships, styles.xml …) come out
# the same for every workbook made from one template by one program, and deflating even a
# small part costs tens of microseconds. Keyed by the bytes themselves, so a hit is exact.
_DEFLATED: Recent[bytes, tuple[int, bytes]] = Recent(64)  # parts
_REMEMBER_SIZE = 32 << 10  # bytes: larger parts (a sheet) are never the same twice


# Parts are deflated at level 1, not zipfile's 6: a write-back's results sheet (≈50 KB of XML)
# takes 0.18 against 0.72 ms and comes out 6.7 against 5.7 KB (measured on the benchmark's
# workbooks), a millisecond of a file's ~20 ms for a kilobyte nobody notices.
LEVEL = 1


def deflated(data: bytes) -> tuple[int, bytes]:
    """(CRC-32, raw deflate stream at ``LEVEL``) of ``data``."""
    hit = _DEFLATED.get(data) if len(data) <= _REMEMBER_SIZE else None
    if hit is None:
        co = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
        hit = zlib.crc32(data), co.compress(data) + co.flush()
        if len(data) <= _REMEMBER_SIZE:
            _DEFLATED.remember(data, hit)
    return hit


def _dos(date_time: tuple[int, ...]) -> tuple[int, int]:
    y, mo, d, h, mi, s = date_time
    return h << 11 | mi << 5 | s // 2, max(y - 1980, 0) << 9 | mo << 5 | d


class ZipOut:
    """A minimal zip writer: ``copy`` a member's compressed bytes or ``add`` new bytes."""

    def __init__(self, fh: BinaryIO):
        self.fh = fh
        self.offset = 0
        self.entries: list[bytes] = []
        self.members: list[tuple[str, int, int]] = []  # (name, CRC-32, size), for ``close(mark=True)``

    def _member(
        self,
        name: str,
        flags: int,
        method: int,
        date_time: tuple[int, ...],
        crc: int,
        raw: bytes | memoryview,
        size: int,
        external: int,
        system: int,
    ) -> None:
        if len(raw) > LIMIT or size > LIMIT or self.offset > LIMIT:
            raise OverflowError("zip64 needed")
        encoded = name.encode("utf-8")
        if not name.isascii():
            flags |= _UTF8
        flags &= ~_DESCRIPTOR  # sizes are in the local header
        t, d = _dos(date_time)
        version = 20
        header = _LOCAL.pack(b"PK\x03\x04", version, 0, flags, method, t, d, crc, len(raw), size, len(encoded), 0)
        self.fh.write(header + encoded)
        self.fh.write(raw)
        self.entries.append(
            _CENTRAL.pack(
                b"PK\x01\x02",
                version,
                system,
                version,
                0,
                flags,
                method,
                t,
                d,
                crc,
                len(raw),
                size,
                len(encoded),
                0,
                0,
                0,
                0,
                external,
                self.offset,
            )
            + encoded
        )
        self.offset += len(header) + len(encoded) + len(raw)
        self.members.append((name, crc, size))

    def copy(self, info: zipfile.ZipInfo, raw: bytes | memoryview) -> None:
        self._member(
            info.filename,
            info.flag_bits,
            info.compress_type,
            info.date_time,
            info.CRC,
            raw,
            info.file_size,
            info.external_attr,
            info.create_system,
        )

    def add(
        self, name: str, data: bytes, date_time: tuple[int, ...] = (1980, 1, 1, 0, 0, 0), external: int = 0o600 << 16
    ) -> None:
        crc, raw = deflated(data)
        self._member(name, 0, zipfile.ZIP_DEFLATED, date_time, crc, raw, len(data), external, 3)

    def close(self, mark: bool = False) -> None:
        """The central directory and its end; ``mark``: with ``ownership.scored_mark`` as the
        archive comment."""
        comment = scored_mark(self.members) if mark else b""
        directory = b"".join(self.entries)
        if self.offset > LIMIT or self.offset + len(directory) > LIMIT:
            raise OverflowError("zip64 needed")
        self.fh.write(directory)
        n = len(self.entries)
        if n > 0xFFFF:
            # more members than the plain end record can count (APPNOTE 4.3.14-15): a zip64 end
            # record and its locator carry the count; every offset still fits in 32 bits
            end64 = self.offset + len(directory)
            self.fh.write(_END64.pack(b"PK\x06\x06", 44, 45, 45, 0, 0, n, n, len(directory), self.offset))
            self.fh.write(_LOCATOR64.pack(b"PK\x06\x07", 0, end64, 1))
        count = min(n, 0xFFFF)
        self.fh.write(_END.pack(b"PK\x05\x06", 0, 0, count, count, len(directory), self.offset, len(comment)))
        self.fh.write(comment)
