"""An .xlsx as its zip members, for rewriting: parts inflated on demand, unchanged members copied raw."""

from __future__ import annotations

import contextlib
import io
import os
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from selfeval_xl.ooxml.grid import Stamp, file_stamp
from selfeval_xl.ooxml.limits import check_zip_sizes
from selfeval_xl.ooxml.zipcopy import ZipOut, raw_member

WORKBOOK = "xl/workbook.xml"
WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"


def rels_part(part: str) -> str:
    """The relationships part of ``part`` (``xl/worksheets/sheet1.xml`` →
    ``xl/worksheets/_rels/sheet1.xml.rels``)."""
    return posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")


CONTENT_TYPES = "[Content_Types].xml"
APP = "docProps/app.xml"
BOOKKEEPING_PARTS = (WORKBOOK, WORKBOOK_RELS, CONTENT_TYPES, APP)  # plus the styles part

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
REL_WORKSHEET = NS_REL + "/worksheet"
REL_STYLES = NS_REL + "/styles"
# Strict OOXML (ISO 29500 strict) names the same things under purl.oclc.org
STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
STRICT_REL = "http://purl.oclc.org/ooxml/officeDocument/relationships"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_STYLES = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
# A package up to this size is read in one go and written in one go (each system call costs
# more than copying a workbook's bytes in memory); a larger one is read and written member by
# member, so that memory follows its largest part (pictures, zip64).
IN_MEMORY = 16 << 20


# --- the package ----------------------------------------------------------------------------
_PLAIN_FLAGS = 0x80E  # deflate options, sizes after the data, UTF-8 name: nothing to undo


def _local_name(data: bytes, info: zipfile.ZipInfo) -> str:
    """The member name as its local header spells it, decoded as zipfile does (which checks it
    against the directory's name)."""
    off = info.header_offset
    flags, name_len = struct.unpack_from("<H", data, off + 6)[0], struct.unpack_from("<H", data, off + 26)[0]
    name = bytes(data[off + 30 : off + 30 + name_len])
    return name.decode("utf-8") if flags & 0x800 else name.decode("cp437")


def read_whole(path: Path) -> tuple[bytes | None, Stamp]:
    """The file's bytes, read in one go, and which version of the file they are
    (``file_stamp``); None instead of the bytes for a file larger than ``IN_MEMORY`` (or that
    grows past it while read): it is read member by member."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        stamp = file_stamp(fd)
        if stamp[2] > IN_MEMORY:
            return None, stamp
        chunks = []
        size = 0
        while size <= IN_MEMORY and (chunk := os.read(fd, stamp[2] + 1 - size if size < stamp[2] else 1 << 16)):
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    return (b"".join(chunks) if size <= IN_MEMORY else None), stamp


def inflate_plain(raw: bytes, info: zipfile.ZipInfo) -> bytes | None:
    """A member's bytes straight from the whole file ``raw`` (one zlib call instead of
    zipfile's reader) when it is a plain stored or deflated member whose local header, size and
    CRC-32 all agree with the directory; inflated no further than the size the directory
    declares (which the size limits checked), as zipfile's reader stops there. None for
    anything else: ``zipfile`` reads it, checking and reporting as it does."""
    if info.compress_type not in (0, 8) or info.flag_bits & ~_PLAIN_FLAGS:
        return None
    try:
        local = _local_name(raw, info)
        packed = raw_member(raw, info)
        if info.compress_type == 8:
            inflater = zlib.decompressobj(-15)
            data = inflater.decompress(packed, info.file_size + 1)
            if not inflater.eof:
                return None  # cut short, or more than declared
        else:
            data = bytes(packed)
    except (zipfile.BadZipFile, zlib.error, struct.error, UnicodeDecodeError):
        return None
    if local == info.orig_filename and len(data) == info.file_size and zlib.crc32(data) == info.CRC:
        return data
    return None


class _Parts(Mapping[str, bytes]):
    """Member name → decompressed bytes, inflated on first use (most members are only copied)."""

    def __init__(self, zf: zipfile.ZipFile | None, parts: dict[str, bytes] | None = None, raw: bytes | None = None):
        self.zf = zf
        self.raw = raw  # the whole file, when it is held in memory
        self.cache: dict[str, bytes] = dict(parts or {})
        self.names = [i.filename for i in zf.infolist()] if zf is not None else list(self.cache)
        self._known = set(self.names)  # membership in a list made write-back quadratic in members

    def __getitem__(self, name: str) -> bytes:
        data = self.cache.get(name)
        if data is None:
            if self.zf is None or name not in self._known:
                raise KeyError(name)
            data = self.cache[name] = self._inflated(name, self.zf)
        return data

    def _inflated(self, name: str, zf: zipfile.ZipFile) -> bytes:
        """A member's bytes: inflated straight from the file in memory when it is a plain
        stored or deflated member whose local header, size and CRC-32 all agree (one zlib
        call instead of zipfile's reader); anything else through ``zipfile``, which checks
        and reports as it does."""
        info = zf.getinfo(name)
        if self.raw is not None and (data := inflate_plain(self.raw, info)) is not None:
            return data
        return zf.read(name)

    def __contains__(self, name: object) -> bool:
        return name in self._known

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)


@dataclass
class Package:
    """An .xlsx: its members in their original order, with their zip metadata; the raw file
    is kept so that unchanged members can be copied without re-compressing them."""

    infos: list[zipfile.ZipInfo]
    parts: Mapping[str, bytes]
    raw: bytes | Path | None = None  # the file (read member by member when saving), or its bytes
    stamp: Stamp | None = None  # the file as it was read (``file_stamp``)

    @classmethod
    def read(cls, path: Path) -> Package:
        """The package at ``path``; only the parts asked for are inflated. A package larger
        than ``IN_MEMORY`` stays on disk: saving copies one member at a time, so memory follows
        the largest part, not the file (pictures, zip64)."""
        data, stamp = read_whole(path)
        zf = zipfile.ZipFile(path if data is None else io.BytesIO(data))
        try:
            check_zip_sizes(zf, Path(path).name)  # (the file may have been saved since it was read)
        except BaseException:
            zf.close()
            raise
        if data is None:
            return cls(zf.infolist(), _Parts(zf), Path(path), stamp)
        return cls(zf.infolist(), _Parts(zf, raw=data), data, stamp)

    @classmethod
    def held(cls, zf: zipfile.ZipFile, raw: bytes, stamp: Stamp, parts: dict[str, bytes]) -> Package:
        """The package a reader holds: ``zf`` open on the file's bytes ``raw`` (``read_whole``,
        which gave ``stamp``), ``parts`` the members it inflated already (one reading of the
        file for the reader and the write-back)."""
        return cls(zf.infolist(), _Parts(zf, parts, raw), raw, stamp)

    def close(self) -> None:
        if isinstance(self.parts, _Parts) and self.parts.zf is not None:
            self.parts.zf.close()

    def text(self, name: str) -> str:
        """A part as text; one saved as UTF-16 comes back with its declaration saying UTF-8,
        which is how it is written back if it changes."""
        data = self.parts[name]
        if data[:2] in (b"\xff\xfe", b"\xfe\xff") or data[1:2] == b"\x00" or data[:1] == b"\x00":
            text = data.decode("utf-16")
            return re.sub(r"""^(<\?xml[^>]*encoding=)["'][^"']*["']""", r'\1"UTF-8"', text)
        return data.decode("utf-8")

    def save(
        self, path: Path | io.BytesIO | int, changed: dict[str, bytes], dropped: Iterable[str] = (), mark: bool = False
    ) -> None:
        """Write the package with ``changed`` parts replaced or added (new ones at the end);
        every other member keeps its compressed bytes. ``path`` may also be a file descriptor
        open for writing (an empty temp file). ``mark``: with ``ownership.scored_mark`` as its
        comment (not when zip64 is needed: then read as any other file)."""
        dropped = set(dropped)
        known = {i.filename for i in self.infos}
        if isinstance(path, int):
            if isinstance(self.raw, Path):
                raise ValueError("a package on disk is saved to a path")
            buf = io.BytesIO()
            self._write(buf, changed, dropped, known, mark)
            _write_all(path, buf.getbuffer())
            return
        try:
            if isinstance(path, Path | str) and not isinstance(self.raw, Path):
                buf = io.BytesIO()  # a package held in memory is written with one call
                self._write(buf, changed, dropped, known, mark)
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o666)
                try:
                    _write_all(fd, buf.getbuffer())
                finally:
                    os.close(fd)
                return
            with open(path, "wb") if isinstance(path, Path | str) else contextlib.nullcontext(path) as fh:
                self._write(fh, changed, dropped, known, mark)
        except OverflowError:  # a package past the plain zip limits: let zipfile write zip64
            self._save_zip64(path, changed, dropped, known)

    def _write(self, fh: BinaryIO, changed: dict[str, bytes], dropped: set[str], known: set[str], mark: bool) -> None:
        with open(self.raw, "rb") if isinstance(self.raw, Path) else contextlib.nullcontext(self.raw) as fraw:
            # a package in memory: its members sliced without copies
            raw = memoryview(fraw) if isinstance(fraw, bytes) else fraw
            out = ZipOut(fh)
            for info in self.infos:
                if info.filename in dropped:
                    continue
                if info.filename in changed:
                    out.add(info.filename, changed[info.filename], info.date_time, info.external_attr)
                elif raw is not None:
                    out.copy(info, raw_member(raw, info))
                else:
                    out.add(info.filename, self.parts[info.filename], info.date_time, info.external_attr)
            for name, data in changed.items():
                if name not in known:
                    out.add(name, data)
            out.close(mark)

    def _save_zip64(
        self, path: Path | io.BytesIO, changed: dict[str, bytes], dropped: set[str], known: set[str]
    ) -> None:
        if isinstance(path, io.BytesIO):
            path.seek(0)
            path.truncate()
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as out:
            for info in self.infos:
                if info.filename not in dropped:
                    out.writestr(info, changed.get(info.filename, self.parts[info.filename]))
            for name, data in changed.items():
                if name not in known:
                    out.writestr(name, data)


def _write_all(fd: int, data: memoryview) -> None:
    while data:
        data = data[os.write(fd, data) :]


def blank_package() -> Package:
    """A workbook with no sheets yet, for side files (SPEC §4.1 non-.xlsx input)."""
    parts = {
        CONTENT_TYPES: (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{CT_STYLES}"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{NS_PKG_REL}">'
            f'<Relationship Id="rId1" Type="{NS_REL}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        WORKBOOK: (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<workbook xmlns="{NS_MAIN}" xmlns:r="{NS_REL}">'
            '<bookViews><workbookView activeTab="0"/></bookViews><sheets></sheets></workbook>'
        ),
        WORKBOOK_RELS: (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{NS_PKG_REL}">'
            f'<Relationship Id="rId1" Type="{REL_STYLES}" Target="styles.xml"/>'
            "</Relationships>"
        ),
        "xl/styles.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<styleSheet xmlns="{NS_MAIN}">'
            '<fonts count="1"><font><sz val="11"/><name val="宋体"/><family val="2"/><charset val="134"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            "</styleSheet>"
        ),
    }
    infos = [zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)) for name in parts]
    for i in infos:
        i.compress_type = zipfile.ZIP_DEFLATED
    return Package(infos, _Parts(None, {k: v.encode("utf-8") for k, v in parts.items()}))
