"""Low-level, defensive workbook reading: a grid of cells per sheet, with number formats
(percent/date), formulas and merged ranges. ``.xlsx``/``.xlsm`` are parsed straight from the
zip (the floor is inflate + parse; openpyxl is 15× slower and hides nothing we need);
``.xls``/``.ods`` go through python-calamine. Every failure to open becomes
``UnreadableWorkbook`` with a stable code."""

from __future__ import annotations

import datetime as dt
import errno
import os
import posixpath
import re
import stat
import xml.etree.ElementTree as plain_et
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError
from xml.parsers import expat

import defusedxml.ElementTree as safe_et
from defusedxml import DefusedXmlException

from selfeval_xl.errors import UnreadableWorkbook
from selfeval_xl.ooxml.xml_guard import check_depth, checked, stream_parse
from selfeval_xl.zh_reason import zh_reason

# Limits that keep a hostile or broken file from taking the machine down.
MAX_PART_BYTES = 64 * 1024 * 1024  # one inflated part
MAX_TOTAL_BYTES = 256 * 1024 * 1024  # all declared parts together
MAX_RATIO = 200  # inflated/compressed, for parts over 1 MiB
MAX_ROWS = 20_000  # rows read from one sheet; more is refused by the reader
MAX_CELLS = 500_000  # non-empty cells in one sheet (a 20,000-row table is 25 cells wide)
MAX_MERGES = 20_000  # merged ranges kept from one sheet
MAX_SHARED = 1_000_000  # shared strings
MAX_ELEMENTS = 1_000_000  # elements in a part parsed whole (workbook, styles, relationships)
_WHOLE = 2 << 20  # sheet parts up to this size are parsed whole (at most ~40 MB of tree)

ZIP_EXTENSIONS = {".xlsx", ".xlsm"}
WPS_EXTENSIONS = {".et", ".ett"}  # WPS 表格's own: BIFF8 or OOXML inside, which calamine detects
CALAMINE_EXTENSIONS = {".xls", ".ods", ".xlsb"} | WPS_EXTENSIONS
WORKBOOK_EXTENSIONS = ZIP_EXTENSIONS | CALAMINE_EXTENSIONS

_CELL_REF = re.compile(r"([A-Z]+)(\d+)")
# Valueless cells that say where they are. The attribute runs stop at the next "<" (never in
# an attribute value) so that a run of "<c r=" with no ">" cannot make every match attempt scan
# to the end of the part: linear, not quadratic.
_EMPTY_CELL = re.compile(rb"<(?:\w+:)?c\b(?=[^<>]*\br=\")[^<>]*(?:/>|>\s*</(?:\w+:)?c>)")
_RANGE = re.compile(r"([A-Z]+)(\d+):([A-Z]+)(\d+)")
_BUILTIN_DATE_FMTS = set(range(14, 23)) | set(range(45, 48)) | {27, 30, 36, 50, 57}
_BUILTIN_PERCENT_FMTS = {9, 10}
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_EXCEL_EPOCH_1904 = dt.datetime(1904, 1, 1)


@dataclass(slots=True)
class Cell:
    """A cell's value as the file stores it (number, text, bool, datetime or None)."""

    value: object
    percent: bool = False
    formula: str | None = None

    @property
    def formula_without_cache(self) -> bool:
        return self.formula is not None and (self.value is None or self.value == "")


@dataclass
class Grid:
    """One sheet: cells keyed by (1-based row, 0-based column), merged ranges."""

    name: str
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r1, c1, r2, c2
    truncated: bool = False

    @property
    def max_row(self) -> int:
        return max((r for r, _ in self.cells), default=0)

    def get(self, row: int, col: int) -> Cell | None:
        return self.cells.get((row, col))

    def value(self, row: int, col: int) -> object:
        c = self.cells.get((row, col))
        return None if c is None else c.value

    def rows(self) -> Iterator[int]:
        return iter(sorted({r for r, _ in self.cells}))


@dataclass
class Book:
    """An opened workbook: sheet names in order and a way to parse one sheet on demand."""

    path: Path
    sheet_names: list[str]
    _loader: object = None
    _cache: dict[str, Grid] = field(default_factory=dict)

    def sheet(self, name: str) -> Grid:
        if name not in self._cache:
            self._cache[name] = self._loader(name)  # type: ignore[operator]
        return self._cache[name]


def col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def open_book(path: Path, display: str | None = None) -> Book:
    """Open a workbook for reading; raise ``UnreadableWorkbook`` when it cannot be read."""
    name = display or path.name
    try:
        # the type first, without blocking: a FIFO or a device named .xlsx must not hang the batch
        if stat.S_ISDIR(os.stat(path).st_mode):
            _folder(path, name)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        try:
            kind = os.fstat(fd).st_mode
            if not stat.S_ISREG(kind):
                raise UnreadableWorkbook.at(name, None, None, "not-a-workbook", detail=_not_a_file(path, kind))
            head = os.read(fd, 8)
        finally:
            os.close(fd)
    except OSError as exc:
        raise UnreadableWorkbook.at(name, None, None, "not-a-workbook", detail=_os_reason(exc)) from None
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        if _is_encrypted_ole(path):
            raise UnreadableWorkbook.at(name, None, None, "encrypted")
        _check_file_size(path, name)
        return _open_calamine(path, name)
    if path.suffix.lower() in CALAMINE_EXTENSIONS:
        # calamine inflates and expands whatever it is given: the zip limits first
        if head.startswith(b"PK"):
            try:
                with zipfile.ZipFile(path) as zf:
                    _check_zip_sizes(zf, name)
            except (zipfile.BadZipFile, OSError, ValueError) as exc:
                raise UnreadableWorkbook.at(name, None, None, "not-a-workbook", detail=_short(exc)) from None
        else:
            _check_file_size(path, name)
        return _open_calamine(path, name)
    if not head.startswith(b"PK"):
        raise UnreadableWorkbook.at(name, None, None, "not-a-workbook", detail="文件不是 zip 格式的 .xlsx")
    return _XlsxBook(path, name).book()


def _folder(path: Path, name: str) -> None:
    """A folder where a file was expected: one that could not be listed while looking for
    workbooks is reported as such (its files were not scored)."""
    try:
        os.listdir(path)
    except OSError as exc:
        raise UnreadableWorkbook.at(name, None, None, "unreadable-folder", detail=_os_reason(exc)) from None
    raise UnreadableWorkbook.at(name, None, None, "not-a-workbook", detail="这是文件夹，不是文件")


def _not_a_file(path: Path, mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "这是命名管道，不是文件，已跳过"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "这是设备，不是文件，已跳过"
    return "不是普通文件，已跳过"


def _os_reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "符号链接循环，无法打开"
    if isinstance(exc, FileNotFoundError):
        return "文件不存在或已被移走"
    if isinstance(exc, PermissionError):
        return "没有读取权限"
    return f"无法读取：{exc.strerror or exc}"


def _check_file_size(path: Path, name: str) -> None:
    size = path.stat().st_size
    if size > MAX_PART_BYTES:
        raise UnreadableWorkbook.at(name, None, None, "too-large", detail=f"文件 {size // 1048576} MB")


def _is_encrypted_ole(path: Path) -> bool:
    # An encrypted .xlsx is an OLE container holding an "EncryptedPackage" stream; the
    # directory entry names are UTF-16LE. A plain .xls is also OLE but has no such stream.
    marker = "EncryptedPackage".encode("utf-16-le")
    with open(path, "rb") as fh:
        data = fh.read(4 * 1024 * 1024)
    return marker in data


def _open_calamine(path: Path, name: str) -> Book:
    try:
        from python_calamine import CalamineWorkbook

        wb = CalamineWorkbook.from_path(str(path))
        names = list(wb.sheet_names)
    except Exception as exc:  # calamine raises its own error types for every kind of damage
        detail = _short(exc)
        if path.suffix.lower() in WPS_EXTENSIONS:
            detail = f"WPS 表格文件无法读取：{detail}；请在 WPS 中另存为 .xlsx 后再提交"
        raise UnreadableWorkbook.at(name, None, None, "not-a-workbook", detail=detail) from None

    def load(sheet: str) -> Grid:
        grid = Grid(sheet)
        try:
            cs = wb.get_sheet_by_name(sheet)
            start_row, start_col = cs.start or (0, 0)
            for r, row in enumerate(cs.iter_rows()):
                if r >= MAX_ROWS:
                    grid.truncated = True
                    break
                for c, v in enumerate(row):
                    if v == "" or v is None:
                        continue
                    if isinstance(v, dt.time):
                        v = v.isoformat()
                    grid.cells[(start_row + r + 1, start_col + c)] = Cell(v)
            for rng in (cs.merged_cell_ranges or [])[:MAX_MERGES]:
                (r1, c1), (r2, c2) = rng
                if r1 < MAX_ROWS:
                    grid.merges.append((r1 + 1, c1, min(r2 + 1, MAX_ROWS), c2))
        except Exception as exc:
            raise UnreadableWorkbook.at(name, sheet, None, "not-a-workbook", detail=_short(exc)) from None
        return grid

    return Book(path, names, load)


def _short(exc: BaseException) -> str:
    """The reason in Chinese (library texts such as “File is not a zip file” never reach users)."""
    return zh_reason(exc)[:160]


def _check_zip_sizes(zf: zipfile.ZipFile, name: str) -> None:
    total = 0
    for info in zf.infolist():
        total += info.file_size
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
    if total > MAX_TOTAL_BYTES:
        raise UnreadableWorkbook.at(
            name,
            None,
            None,
            "too-large",
            detail=f"解压后共 {total // 1048576} MB",
        )


class _XlsxBook:
    """Zip-level reader for .xlsx/.xlsm with size and XML-safety guards."""

    def __init__(self, path: Path, name: str):
        self.path = path
        self.name = name
        try:
            self.zf = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise UnreadableWorkbook.at(
                name,
                None,
                None,
                "not-a-workbook",
                detail=f"zip 文件损坏：{_short(exc)}",
            ) from None
        _check_zip_sizes(self.zf, name)
        names = set(self.zf.namelist())
        if "xl/workbook.xml" not in names and "[Content_Types].xml" not in names:
            raise UnreadableWorkbook.at(name, None, None, "not-a-workbook", detail="zip 中没有工作簿内容")
        self.names = names

    def read(self, part: str) -> bytes:
        """Inflate one part, refusing to go past the limit whatever the header claims."""
        try:
            with self.zf.open(part) as fh:
                data = fh.read(MAX_PART_BYTES + 1)
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
                detail=f"{part} 损坏：{_short(exc)}",
            ) from None
        if len(data) > MAX_PART_BYTES:
            raise UnreadableWorkbook.at(self.name, None, None, "too-large", detail=part)
        return data

    def xml(self, part: str) -> Element:
        data = self.read(part)
        # a whole tree costs ~100 bytes an element: refuse what would not fit
        if data.count(b"<") > MAX_ELEMENTS:
            raise UnreadableWorkbook.at(self.name, None, None, "too-large", detail=f"{part} 元素过多")
        check_depth(data, self.name, part)
        return self._parse(lambda: safe_et.fromstring(data, forbid_dtd=True), part)

    def _parse(self, fn, part: str):  # type: ignore[no-untyped-def]
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
                detail=f"{part} 不是有效的 XML：{_short(exc)}",
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
        wb = self.xml("xl/workbook.xml")
        rels = self._rels("xl/_rels/workbook.xml.rels")
        self.date1904 = any(_local(e.tag) == "workbookPr" and e.get("date1904") in ("1", "true") for e in wb.iter())
        self.targets: dict[str, str] = {}
        order: list[str] = []
        for e in wb.iter():
            if _local(e.tag) == "sheet":
                # r:id in the transitional or the Strict (purl.oclc.org) relationships namespace
                rid = next((v for k, v in e.attrib.items() if k.endswith("}id")), None) or e.get("id") or ""
                sname = e.get("name") or ""
                target = rels.get(rid)
                if target:
                    self.targets[sname] = target
                    order.append(sname)
        self.shared = self._shared_strings(rels)
        self.styles = self._styles(rels)
        return Book(self.path, order, self._sheet)

    def _rels(self, part: str) -> dict[str, str]:
        if part not in self.names:
            return {}
        base = posixpath.dirname(posixpath.dirname(part))
        out = {}
        for e in self.xml(part):
            target = e.get("Target") or ""
            if target.startswith("/"):
                full = target.lstrip("/")
            else:
                full = posixpath.normpath(posixpath.join(base, target))
            out[e.get("Id") or ""] = full
            out["type:" + (e.get("Type") or "").rsplit("/", 1)[-1]] = full
        return out

    def _shared_strings(self, rels: dict[str, str]) -> list[str]:
        part = rels.get("type:sharedStrings", "xl/sharedStrings.xml")
        if part not in self.names:
            return []
        data = self.read(part)
        out: list[str] = []

        def on_end(e: Element, local: str, depth: int) -> None:
            if local == "si" and depth == 2:
                if len(out) >= MAX_SHARED:
                    raise UnreadableWorkbook.at(
                        self.name, None, None, "too-large", detail=f"共享字符串超过 {MAX_SHARED:,} 条"
                    )
                out.append(_text_of(e))

        self._parse(lambda: stream_parse(checked(data), on_end, self.name, part, 2), part)
        return out

    def _styles(self, rels: dict[str, str]) -> list[str | None]:
        part = rels.get("type:styles", "xl/styles.xml")
        if part not in self.names:
            return []
        root = self.xml(part)
        custom: dict[int, str] = {}
        kinds: list[str | None] = []
        for e in root:
            tag = _local(e.tag)
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
        return kinds

    def _sheet(self, sheet: str) -> Grid:
        part = self.targets[sheet]
        grid = Grid(sheet)
        data = self.read(part)
        self._parse(lambda: self._fill(grid, data), part)
        return grid

    def _fill(self, grid: Grid, data: bytes) -> None:
        # Self-closing <c r=".." .../> cells carry no value (templates hold hundreds of styled
        # blanks); dropping them first (in C) saves work below.
        data = checked(_EMPTY_CELL.sub(b"", data))
        fill = _SheetFill(
            grid, self.shared, self.styles, _EXCEL_EPOCH_1904 if self.date1904 else _EXCEL_EPOCH, self.name
        )
        if len(data) > _WHOLE:
            fill.stream(data)
        else:
            check_depth(data, self.name, grid.name)
            fill.whole(plain_et.fromstring(data))


class _SheetFill:
    """Cells of one worksheet into a ``Grid``, from a whole tree (a part up to ``_WHOLE``
    bytes: fastest) or parsed incrementally (larger parts: each cell read as it closes and
    dropped). Either way reading stops past ``MAX_ROWS`` rows and more than ``MAX_CELLS``
    cells or ``MAX_DEPTH`` nesting is refused, so a dense or hostile sheet cannot take the
    memory with it."""

    def __init__(self, grid: Grid, shared: list[str], styles: list[str | None], epoch: dt.datetime, name: str):
        self.grid, self.shared, self.styles, self.epoch, self.name = grid, shared, styles, epoch, name
        self.row_no = self.rows = 0
        self.col_no = -1

    def row(self, e: Element) -> bool:
        """Start of a row; False once past the row cap (the grid is marked truncated)."""
        r = e.get("r")
        self.row_no = int(r) if r and r.isdigit() else self.row_no + 1
        self.col_no = -1
        self.rows += 1
        if self.row_no > MAX_ROWS or self.rows > MAX_ROWS:
            self.grid.truncated = True
            return False
        return True

    def cell(self, c: Element) -> None:
        ref = c.get("r")
        m = _CELL_REF.match(ref) if ref else None
        col_no = self.col_no = col_index(m.group(1)) if m else self.col_no + 1
        v = f = inline_e = None
        for child in c:
            t = child.tag.rsplit("}", 1)[-1]
            if t == "v":
                v = child
            elif t == "f":
                f = child
            elif t == "is":
                inline_e = child
        if v is None and f is None and inline_e is None:
            return
        style = None
        s = c.get("s")
        if s and s.isdigit() and int(s) < len(self.styles):
            style = self.styles[int(s)]
        v_text = (v.text or "") if v is not None else None
        formula = (f.text or "") if f is not None else None
        inline = _text_of(inline_e) if inline_e is not None else None
        value = _typed_value(c.get("t") or "n", v_text, inline, style, self.shared, self.epoch)
        if value is None and formula is None:
            return
        cells = self.grid.cells
        if len(cells) >= MAX_CELLS:
            raise UnreadableWorkbook.at(
                self.name, self.grid.name, None, "too-large", detail=f"超过 {MAX_CELLS:,} 个单元格"
            )
        cells[(self.row_no, col_no)] = Cell(value, style == "percent", formula)

    def merge(self, mc: Element) -> None:
        merges = self.grid.merges
        mm = _RANGE.match(mc.get("ref") or "")
        if mm and len(merges) < MAX_MERGES:
            r1, r2 = int(mm.group(2)), int(mm.group(4))
            if r1 <= MAX_ROWS:  # clipped to the rows that are read at all
                merges.append((r1, col_index(mm.group(1)), min(r2, MAX_ROWS), col_index(mm.group(3))))

    def whole(self, root: Element) -> None:
        ns = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
        c_tag = ns + "c"
        sheet_data = root.find(ns + "sheetData")
        for row in sheet_data if sheet_data is not None else ():
            if not self.row(row):
                break
            for c in row:
                if c.tag == c_tag:
                    self.cell(c)
        for mc in root.iter(ns + "mergeCell"):
            self.merge(mc)

    def stream(self, data: bytes) -> None:
        def on_start(e: Element, local: str, depth: int) -> bool:
            return not (local == "row" and depth == 3 and not self.row(e))

        def on_end(e: Element, local: str, depth: int) -> None:
            if local == "c" and depth == 4:
                self.cell(e)
            elif local == "mergeCell":
                self.merge(e)

        # a cell keeps its children until it closes; rows and above are dropped
        stream_parse(data, on_end, self.name, "", 4, on_start, self.grid.name)


def _text_of(e: Element) -> str:
    """Text of a shared string or inline string, rich runs joined, phonetic runs skipped."""
    parts: list[str] = []
    for child in e.iter():
        tag = _local(child.tag)
        if tag == "t" and child.text:
            parts.append(child.text)
        elif tag == "rPh":
            # phonetic guide text is not part of the value; remove what iter() will visit
            for t in child.iter():
                if _local(t.tag) == "t":
                    t.text = None
    return "".join(parts)


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


def _typed_value(
    t: str, v_text: str | None, inline: str | None, style: str | None, shared: list[str], epoch: dt.datetime
) -> object:
    """A cell's value from its type attribute, ``<v>`` text, inline string and number format."""
    if t == "s":
        try:
            return shared[int(v_text or "")]
        except (ValueError, IndexError):
            return None
    if t == "inlineStr":
        return inline
    if t == "str":
        return v_text
    if t == "e":
        return v_text or None  # a cached error (#DIV/0!) is a result, shown as such, not a missing one
    if t == "b":
        return v_text == "1" if v_text is not None else None
    if t == "d":
        try:
            return dt.datetime.fromisoformat(v_text or "")
        except ValueError:
            return v_text
    if v_text is None or v_text == "":
        return None
    try:
        num = float(v_text)
    except ValueError:
        return v_text
    if style == "date" and 0 < num < 2958466:
        value = epoch + dt.timedelta(days=num)
        return value.date() if value.time() == dt.time(0) else value
    return num
