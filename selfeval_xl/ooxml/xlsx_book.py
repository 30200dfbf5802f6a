"""The zip-level reader for .xlsx/.xlsm: parts inflated within the limits, XML parsed safely,
the workbook's sheet list, relationships, shared strings and number formats."""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import xml.etree.ElementTree as plain_et
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar
from xml.etree.ElementTree import Element, ParseError
from xml.parsers import expat

from defusedxml import DefusedXmlException

from selfeval_xl.errors import UnreadableWorkbook
from selfeval_xl.ooxml import limits
from selfeval_xl.ooxml.grid import Book, Grid, Stamp, file_stamp
from selfeval_xl.ooxml.limits import check_member_size, check_zip_sizes, short_reason
from selfeval_xl.ooxml.ownership import scored_unreviewed
from selfeval_xl.ooxml.part_scan import scan_sheet
from selfeval_xl.ooxml.recent import Recent
from selfeval_xl.ooxml.shared_strings import scan_shared_strings
from selfeval_xl.ooxml.sheet_cells import SheetFill, local_name, text_of
from selfeval_xl.ooxml.xml_guard import check_depth, checked, stream_parse
from selfeval_xl.ooxml.zip_package import BOOKKEEPING_PARTS, Package, inflate_plain, read_whole

T = TypeVar("T")
# Parts up to _WHOLE are parsed as one tree (at most ~40 MB of it) when they are not plain; plain
# sheet parts up to _SCANNED are scanned (~5× faster than parsed incrementally, ~3× the part at
# peak besides the cells), plain shared strings up to _WHOLE, or up to _SCANNED when they are at
# most _SCANNED_STRINGS (LibreOffice writes long rich ones): each string scanned is a few objects
# at once, so 16 MiB of tiny ones peaked at +217 MB. Larger parts are parsed incrementally.
_WHOLE = 2 << 20
_SCANNED = 16 << 20
_SCANNED_STRINGS = 100_000
# Valueless cells that say where they are. The attribute runs stop at the next "<" (never in
# an attribute value) so that a run of "<c r=" with no ">" cannot make every match attempt scan
# to the end of the part: linear, not quadratic.
_EMPTY_CELL = re.compile(rb"<(?:\w+:)?c\b(?=[^<>]*\br=\")[^<>]*(?:/>|>\s*</(?:\w+:)?c>)")
_BUILTIN_DATE_FMTS = set(range(14, 23)) | set(range(45, 48)) | {27, 30, 36, 50, 57}
_BUILTIN_PERCENT_FMTS = {9, 10}
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
# Number-format kinds by styles.xml as stored: the workbooks made from one template by one
# program carry the same styles part, parsed once per worker (the oldest dropped past the limit)
_STYLE_KINDS: Recent[bytes, tuple[str | None, ...]] = Recent(32)  # styles parts
_STYLE_BYTES_KEPT = 256 * 1024  # a bigger styles part is parsed every time
_EXCEL_EPOCH_1904 = dt.datetime(1904, 1, 1)
# What the workbook part and its relationships say, by the part as stored (and its name: targets
# are relative to it): the same bytes in every workbook made from one template by one program
_WORKBOOKS: Recent[bytes, tuple[bool, tuple[tuple[str, str], ...]]] = Recent(32)
_RELS: Recent[tuple[str, bytes], dict[str, str]] = Recent(32)
_PART_BYTES_KEPT = 64 * 1024  # a bigger one is parsed every time


class XlsxBook:
    """Zip-level reader for .xlsx/.xlsm with size and XML-safety guards."""

    def __init__(self, path: Path, name: str, *, parts_read_only: bool = False):
        """``parts_read_only``: the size limits apply to the parts read, not to every part of
        the zip (for our own outputs, whose sheets are found without inflating the rest: a
        district summary's 指标明细 passes 64 MB at ~1,000 workbooks of 60 indicator rows).
        A submission is refused whole, as before, when any of its parts is past the limits."""
        self.path = path
        self.name = name
        self.parts_read_only = parts_read_only
        self.raw: bytes | None = None  # the whole file, when it is small enough to hold
        self.stamp: Stamp | None = None
        self.kept: dict[str, bytes] = {}  # the parts read that the write-back reads too (``package``)
        try:
            self.raw, stamp = read_whole(path)
            self.stamp = stamp if self.raw is not None else None  # (else taken once the parts are read)
            self.zf = zipfile.ZipFile(io.BytesIO(self.raw) if self.raw is not None else path)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise UnreadableWorkbook.at(
                name,
                None,
                None,
                "not-a-workbook",
                detail=f"zip 文件损坏：{short_reason(exc)}",
            ) from None
        if not parts_read_only:
            check_zip_sizes(self.zf, name)
        names = set(self.zf.namelist())
        if "xl/workbook.xml" not in names and "[Content_Types].xml" not in names:
            raise UnreadableWorkbook.at(name, None, None, "not-a-workbook", detail="zip 中没有工作簿内容")
        self.names = names

    def read(self, part: str) -> bytes:
        """Inflate one part, refusing to go past the limit whatever the header claims."""
        data = self._inflated(part)
        if part in BOOKKEEPING_PARTS:
            self.kept[part] = data
        return data

    def _inflated(self, part: str) -> bytes:
        if self.parts_read_only and (member := self.zf.NameToInfo.get(part)) is not None:
            check_member_size(member, self.name)
        if self.raw is not None:
            info = self.zf.NameToInfo.get(part)
            # (check_zip_sizes refused a declared size past the limit; no more is inflated)
            if info is not None and (data := inflate_plain(self.raw, info)) is not None:
                return data
        try:
            with self.zf.open(part) as fh:
                data = fh.read(limits.MAX_PART_BYTES + 1)
        except KeyError:
            raise UnreadableWorkbook.at(self.name, None, None, "not-a-workbook", detail=f"缺少部件 {part}") from None
        except (
            zipfile.BadZipFile,
            OSError,
            EOFError,
            ValueError,
            NotImplementedError,
        ) as exc:
            raise UnreadableWorkbook.at(
                self.name,
                None,
                None,
                "not-a-workbook",
                detail=f"{part} 损坏：{short_reason(exc)}",
            ) from None
        if len(data) > limits.MAX_PART_BYTES:
            raise UnreadableWorkbook.at(self.name, None, None, "too-large", detail=part)
        return data

    def xml(self, part: str, data: bytes | None = None) -> Element:
        if data is None:
            data = self.read(part)
        # a whole tree costs ~100 bytes an element: refuse what would not fit
        if data.count(b"<") > limits.MAX_ELEMENTS:
            raise UnreadableWorkbook.at(self.name, None, None, "too-large", detail=f"{part} 元素过多")
        check_depth(data, self.name, part)
        # no DTD (so no entity can be declared, let alone expanded: what defusedxml's
        # forbid_dtd checks), then the C tree builder; defusedxml's parser calls Python for
        # every element, which made a styles.xml cost more than the sheets
        return self._parse(lambda: plain_et.fromstring(checked(data)), part)

    def _parse(self, fn: Callable[[], T], part: str) -> T:
        try:
            return fn()
        except DefusedXmlException as exc:
            raise UnreadableWorkbook.at(
                self.name,
                None,
                None,
                "unsafe-xml",
                detail=f"{part}：{type(exc).__name__}",
            ) from None
        except (ParseError, expat.ExpatError) as exc:
            raise UnreadableWorkbook.at(
                self.name,
                None,
                None,
                "not-a-workbook",
                detail=f"{part} 不是有效的 XML：{short_reason(exc)}",
            ) from None

    def book(self) -> Book:
        if "xl/workbook.xml" not in self.names:
            raise UnreadableWorkbook.at(
                self.name,
                None,
                None,
                "not-a-workbook",
                detail="zip 中没有 xl/workbook.xml",
            )
        self.date1904, sheets = self._workbook("xl/workbook.xml")
        rels = self._rels("xl/_rels/workbook.xml.rels")
        self.targets: dict[str, str] = {}
        order: list[str] = []
        for sname, rid in sheets:
            target = rels.get(rid)
            if target:
                self.targets[sname] = target
                order.append(sname)
        self.shared = self._shared_strings(rels)
        self.styles = self._styles(rels)
        if self.raw is None:
            self.stamp = file_stamp(self.zf.fp.fileno()) if self.zf.fp else None
        return Book(
            self.path, order, self._sheet, stamp=self.stamp, package=self.package, unreviewed=scored_unreviewed(self.zf)
        )

    def package(self) -> Package | None:
        """The file as the write-back reads it (``Package.read``), from what was read here: its
        bytes, its zip directory and the bookkeeping parts and styles inflated already; None for
        a file too large to hold (read member by member)."""
        if self.raw is None or self.stamp is None:
            return None
        return Package.held(self.zf, self.raw, self.stamp, self.kept)

    def _workbook(self, part: str) -> tuple[bool, tuple[tuple[str, str], ...]]:
        """The workbook part's date1904 and its sheets' (name, relationship id), in order."""
        data = self.read(part)
        kept = len(data) <= _PART_BYTES_KEPT
        known = _WORKBOOKS.get(data) if kept else None
        if known is not None:
            return known
        wb = self.xml(part, data)
        date1904 = any(local_name(e.tag) == "workbookPr" and e.get("date1904") in ("1", "true") for e in wb.iter())
        sheets = []
        for e in wb.iter():
            if local_name(e.tag) == "sheet":
                # r:id in the transitional or the Strict (purl.oclc.org) relationships namespace
                rid = next((v for k, v in e.attrib.items() if k.endswith("}id")), None) or e.get("id") or ""
                sheets.append((e.get("name") or "", rid))
        found = (date1904, tuple(sheets))
        return _WORKBOOKS.remember(data, found) if kept else found

    def _rels(self, part: str) -> dict[str, str]:
        if part not in self.names:
            return {}
        data = self.read(part)
        kept = len(data) <= _PART_BYTES_KEPT
        known = _RELS.get((part, data)) if kept else None
        if known is not None:
            return dict(known)
        base = posixpath.dirname(posixpath.dirname(part))
        out = {}
        for e in self.xml(part, data):
            target = e.get("Target") or ""
            if target.startswith("/"):
                full = target.lstrip("/")
            else:
                full = posixpath.normpath(posixpath.join(base, target))
            out[e.get("Id") or ""] = full
            out["type:" + (e.get("Type") or "").rsplit("/", 1)[-1]] = full
        if kept:
            _RELS.remember((part, data), dict(out))
        return out

    def _shared_strings(self, rels: dict[str, str]) -> Sequence[str]:
        part = rels.get("type:sharedStrings", "xl/sharedStrings.xml")
        if part not in self.names:
            return []
        data = self.read(part)
        scannable = len(data) <= _WHOLE or (len(data) <= _SCANNED and data.count(b"<si") <= _SCANNED_STRINGS)
        if scannable and (scanned := scan_shared_strings(data, self.name, part)) is not None:
            return scanned
        out: list[str] = []

        def on_end(e: Element, local: str, depth: int) -> None:
            if local == "si" and depth == 2:
                if len(out) >= limits.MAX_SHARED:
                    raise UnreadableWorkbook.at(
                        self.name, None, None, "too-large", detail=f"共享字符串超过 {limits.MAX_SHARED:,} 条"
                    )
                out.append(text_of(e))

        if len(data) > _WHOLE:
            self._parse(lambda: stream_parse(checked(data), on_end, self.name, part, 2), part)
            return out

        def whole() -> None:  # a small part (the usual): one tree, no Python call per element
            check_depth(checked(data), self.name, part)
            for si in plain_et.fromstring(data):
                if si.tag.rpartition("}")[2] == "si":
                    on_end(si, "si", 2)

        self._parse(whole, part)
        return out

    def _styles(self, rels: dict[str, str]) -> list[str | None]:
        part = rels.get("type:styles", "xl/styles.xml")
        if part not in self.names:
            return []
        data = self.kept[part] = self.read(part)
        known = _STYLE_KINDS.get(data) if len(data) <= _STYLE_BYTES_KEPT else None
        if known is not None:
            return list(known)
        root = self.xml(part, data)
        custom: dict[int, str] = {}
        kinds: list[str | None] = []
        for e in root:
            tag = local_name(e.tag)
            if tag == "numFmts":
                for f in e:
                    try:
                        custom[int(f.get("numFmtId") or -1)] = f.get("formatCode") or ""
                    except ValueError:
                        continue
            elif tag == "cellXfs":
                for xf in e:
                    try:
                        fid = int(xf.get("numFmtId") or 0)
                    except ValueError:
                        fid = 0
                    kinds.append(_format_kind(fid, custom.get(fid)))
        if len(data) <= _STYLE_BYTES_KEPT:
            _STYLE_KINDS.remember(data, tuple(kinds))
        return kinds

    def _sheet(self, sheet: str) -> Grid:
        part = self.targets[sheet]
        grid = Grid(sheet)
        data = self.read(part)
        self._parse(lambda: self._fill(grid, data), part)
        return grid

    def _fill(self, grid: Grid, data: bytes) -> None:
        fill = SheetFill(
            grid, self.shared, self.styles, _EXCEL_EPOCH_1904 if self.date1904 else _EXCEL_EPOCH, self.name
        )
        if len(data) <= _SCANNED and scan_sheet(data, fill):
            return
        # Self-closing <c r=".." .../> cells carry no value (templates hold hundreds of styled
        # blanks); dropping them first (in C) saves work below.
        data = checked(_EMPTY_CELL.sub(b"", data))
        if len(data) > _WHOLE:
            fill.stream(data)
        else:
            check_depth(data, self.name, grid.name)
            fill.whole(plain_et.fromstring(data))


def _format_kind(fid: int, code: str | None) -> str | None:
    if fid in _BUILTIN_PERCENT_FMTS:
        return "percent"
    if fid in _BUILTIN_DATE_FMTS:
        return "date"
    if code:
        bare = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", code)
        if "%" in bare:
            return "percent"
        if re.search(r"[ymdhs]", bare, re.I) and not re.search(r"[#0?]", bare.split(";")[0]):
            return "date"
    return None
