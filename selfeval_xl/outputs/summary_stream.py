"""The streamed long sheets (指标明细, 问题清单, and 汇总's rows): rows kept in temp files, spliced into the finished summary.

指标明细's and 问题清单's rows come deflated from where their workbooks were scored (``PieceStream``:
the pieces are appended as they are, the sheet's own XML deflated around them); 汇总's, written
once every workbook is in, are deflated at the splice on every core (``RowStream``)."""

from __future__ import annotations

import collections
import copy
import mmap
import os
import re
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING

from selfeval_xl.ooxml.deflate_pieces import Piece, crc_join, deflate_piece, last_piece
from selfeval_xl.ooxml.sheet_writer import Package, sheet_parts, styles_part
from selfeval_xl.ooxml.styles import Style, StyleSheet
from selfeval_xl.ooxml.xml_text import insert_before_close
from selfeval_xl.ooxml.zip_package import NS_PKG_REL, rels_part
from selfeval_xl.ooxml.zipcopy import ZipOut, raw_member
from selfeval_xl.outputs.summary_sheet import SheetRows
from selfeval_xl.reading.contract import col_letter

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor


class RowStream:
    """Sheet rows as XML text in a temp file beside the summary."""

    def __init__(self, beside: Path, name: str, ncols: int, suffix: str = ".xml"):
        self.ncols, self.last_row = ncols, 1  # row 1 is the header, written with the workbook
        fd, path = tempfile.mkstemp(prefix=f".{beside.stem}.{name}.", suffix=suffix, dir=beside.parent)
        self.path = Path(path)
        self.fh: IO[bytes] | None = os.fdopen(fd, "wb")

    def write(self, xml: bytes, rows: int = 1) -> None:
        """``rows`` rows of sheet XML (UTF-8), numbered or without references."""
        assert self.fh is not None
        self.fh.write(xml)
        self.last_row += rows

    def close(self) -> Path:
        if self.fh is not None:
            self.fh.close()
            self.fh = None
        return self.path

    def discard(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)


class PieceStream(RowStream):
    """Sheet rows without references (``summary_rows``), deflated, in a temp file beside the
    summary: the pieces as the workers made them, one after the other, with the CRC-32 and
    length of the rows they hold (``deflate_pieces``)."""

    def __init__(self, beside: Path, name: str, ncols: int):
        super().__init__(beside, name, ncols, suffix=".deflate")
        self.crc = self.size = 0

    def put(self, piece: Piece) -> None:
        """The rows of a piece, after those so far."""
        assert self.fh is not None
        if piece.size:
            self.fh.write(piece.deflated)
            self.crc, self.size = crc_join(self.crc, piece.crc, piece.size), self.size + piece.size
        self.last_row += piece.rows

    def write(self, xml: bytes, rows: int = 1) -> None:
        """``rows`` rows of sheet XML without references, deflated here."""
        self.put(deflate_piece(xml, rows))


def style_ids(styles_xml: str, late: Iterable[SheetRows] = ()) -> tuple[str, Callable[[Style | None], int]]:
    """``styles_xml`` with the styles of the ``late`` rows interned (append-only, reused when an
    identical entry is there), and the late rows' style → its ``cellXfs`` index."""
    sheet = StyleSheet(styles_xml)
    for rows in late:
        for styles in rows.styles:
            for style in styles:
                sheet.id(style)
    return sheet.xml, sheet.id


def splice(xlsx: Path, streams: dict[str, RowStream], late: dict[str, SheetRows] | None = None) -> None:
    """Put each stream's rows into its (header-only) sheet of ``xlsx``, in place; a sheet with
    ``late`` rows gets them written into its stream first, their styles into its styles.xml,
    their links into the sheet. XlsxWriter's other parts are copied as they are compressed; a
    ``PieceStream``'s pieces go in as they are, a ``RowStream``'s rows are deflated on every
    core (``_deflate``), the parts the same as one deflate stream would give."""
    late = late or {}
    pkg = Package.read(xlsx)
    try:
        parts = sheet_parts(pkg)
        styles_name = styles_part(pkg)
        if styles_name is None or styles_name not in pkg.parts:
            raise ValueError(f"{xlsx.name}: no styles part to add the streamed sheets' styles to")
        styles_xml, style_id = style_ids(pkg.text(styles_name), late.values())
        links: dict[str, SheetRows] = {}
        for name, rows in late.items():
            stream = streams[name]
            for xml in rows.render(style_id):
                stream.write(xml)
            stream.last_row = max(stream.last_row, rows.last_row)
            if rows.links and name in parts:
                links[parts[name]] = rows
        by_part = {parts[name]: st for name, st in streams.items() if name in parts}
        spliced = _Spliced(pkg, styles_name, styles_xml.encode("utf-8"), by_part, links)
        out = xlsx.with_name(xlsx.name + ".splice")
        try:
            try:
                spliced.write(xlsx, out)
            except OverflowError:  # a sheet past 4 GB: zipfile writes zip64
                spliced.write_zip64(out)
            pkg.close()
            os.replace(out, xlsx)
        finally:
            out.unlink(missing_ok=True)
    finally:
        pkg.close()
        for st in streams.values():
            st.discard()


class _Spliced:
    """The finished summary's parts: XlsxWriter's package with its styles.xml replaced, the
    streamed rows in their sheets (``by_part``: sheet part → its rows) and the late rows' file
    links (``links``: sheet part → its rows) in them and their relationships, written either way."""

    def __init__(
        self,
        pkg: Package,
        styles_name: str,
        styles: bytes,
        by_part: dict[str, RowStream],
        links: dict[str, SheetRows] | None = None,
    ):
        self.pkg, self.styles_name, self.styles, self.by_part = pkg, styles_name, styles, by_part
        self.hyperlinks: dict[str, str] = {}  # sheet part → its <hyperlinks>
        self.rels: dict[str, bytes] = {}  # relationships part → its XML with the links
        for part, rows in (links or {}).items():
            name = rels_part(part)
            known = pkg.text(name) if name in pkg.parts else _NO_RELATIONSHIPS
            used = [int(n) for n in re.findall(r'\bId="rId(\d+)"', known)]
            self.hyperlinks[part], added = rows.hyperlinks(max(used, default=0) + 1)
            self.rels[name] = insert_before_close(known, "Relationships", added).encode("utf-8")

    def _head_tail(self, name: str, stream: RowStream) -> tuple[bytes, bytes]:
        """A streamed sheet's own XML (the header row) around where its rows go, its dimension
        set and its links put in their place."""
        xml = self.pkg.text(name)
        ref = f'<dimension ref="A1:{col_letter(stream.ncols - 1)}{stream.last_row}"/>'
        xml = re.sub(r"<dimension [^>]*/>", ref, xml, count=1)  # readers trust it
        cut = xml.index("</sheetData>")
        head, tail = xml[:cut], xml[cut:]
        links = self.hyperlinks.get(name)
        if links is not None:
            if "<hyperlinks" in tail:
                tail = insert_before_close(
                    tail, "hyperlinks", links.removeprefix("<hyperlinks>").removesuffix("</hyperlinks>")
                )
            else:  # where the schema puts them: before the first of what follows them
                at = min((m.start() for m in (_AFTER_HYPERLINKS.search(tail),) if m), default=tail.rindex("</"))
                tail = tail[:at] + links + tail[at:]
        return head.encode("utf-8"), tail.encode("utf-8")

    def _new_rels(self) -> list[str]:
        """The relationships parts the links need that the package does not have yet."""
        return [name for name in self.rels if name not in self.pkg.parts]

    def write(self, xlsx: Path, out: Path) -> None:
        """Unchanged parts copied compressed from ``xlsx``, the streamed sheets deflated on every core."""
        with open(xlsx, "rb") as raw, open(out, "wb") as fh:
            zo = ZipOut(fh)
            for info in self.pkg.infos:
                if info.filename == self.styles_name:
                    zo.add(info.filename, self.styles, info.date_time, info.external_attr)
                elif info.filename in self.rels:
                    zo.add(info.filename, self.rels[info.filename], info.date_time, info.external_attr)
                elif (stream := self.by_part.get(info.filename)) is not None:
                    head, tail = self._head_tail(info.filename, stream)
                    with open(stream.close(), "rb") as rows, tempfile.TemporaryFile(dir=stream.path.parent) as deflated:
                        if isinstance(stream, PieceStream):
                            crc, size = _joined(head, stream, rows, tail, deflated)
                        else:
                            crc, size = _deflate(_pieces(head, rows, tail), deflated)
                        deflated.flush()
                        with mmap.mmap(deflated.fileno(), 0, access=mmap.ACCESS_READ) as data:
                            member = copy.copy(info)
                            member.compress_type, member.flag_bits = zipfile.ZIP_DEFLATED, 0
                            member.CRC, member.file_size = crc, size
                            zo.copy(member, data)  # type: ignore[arg-type]  # any buffer does
                else:
                    zo.copy(info, raw_member(raw, info))
            for name in self._new_rels():
                zo.add(name, self.rels[name], self.pkg.infos[0].date_time)
            zo.close()

    def write_zip64(self, out: Path) -> None:
        """The same parts through zipfile, which writes zip64 records for a sheet past 4 GB."""
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=LEVEL) as zf:
            for info in self.pkg.infos:
                if info.filename == self.styles_name:
                    zf.writestr(info, self.styles)
                    continue
                if info.filename in self.rels:
                    zf.writestr(info, self.rels[info.filename])
                    continue
                stream = self.by_part.get(info.filename)
                if stream is None:
                    zf.writestr(info, self.pkg.parts[info.filename])
                    continue
                head, tail = self._head_tail(info.filename, stream)
                member = zipfile.ZipInfo(info.filename, info.date_time)
                member.compress_type = zipfile.ZIP_DEFLATED  # a bare ZipInfo would be stored uncompressed
                with zf.open(member, "w", force_zip64=True) as fh:
                    fh.write(head)
                    with open(stream.close(), "rb") as rows:
                        if isinstance(stream, PieceStream):
                            _inflate(rows, fh)
                        else:
                            shutil.copyfileobj(rows, fh)
                    fh.write(tail)
            for name in self._new_rels():
                member = zipfile.ZipInfo(name, self.pkg.infos[0].date_time)
                member.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(member, self.rels[name])


_NO_RELATIONSHIPS = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{NS_PKG_REL}"></Relationships>'
)

# What follows <hyperlinks> in a worksheet (ECMA-376 CT_Worksheet), the first of which they go before
_AFTER_HYPERLINKS = re.compile(
    r"<(?:printOptions|pageMargins|pageSetup|headerFooter|rowBreaks|colBreaks|customProperties|cellWatches"
    r"|ignoredErrors|smartTags|drawing|legacyDrawing|legacyDrawingHF|drawingHF|picture|oleObjects|controls"
    r"|webPublishItems|tableParts|extLst)\b"
)


# 汇总's rows (a ``RowStream``) are deflated at level 3, not zipfile's 6: 2.8× less CPU for 12%
# more bytes (measured when the long sheets were deflated here too: 0.33 against 0.92 ms and 331
# against 294 KB per 60 workbooks), a serial step at the end of a batch. (The long sheets' pieces
# come deflated from the workers, at ``deflate_pieces.LEVEL``.)
LEVEL = 3
_CHUNK = 1 << 20  # bytes deflated by one task
_WINDOW = 1 << 15  # deflate's window: each chunk starts with the last 32 KB of the one before


def _pieces(head: bytes, rows: IO[bytes], tail: bytes) -> Iterator[bytes]:
    yield head
    while chunk := rows.read(_CHUNK):
        yield chunk
    yield tail


def _joined(head: bytes, stream: PieceStream, pieces: IO[bytes], tail: bytes, out: IO[bytes]) -> tuple[int, int]:
    """The sheet's own XML around the stream's pieces, as one raw deflate stream into ``out``:
    (CRC-32, length) of the XML."""
    first = deflate_piece(head)
    out.write(first.deflated)
    shutil.copyfileobj(pieces, out, _CHUNK)
    out.write(last_piece(tail))
    crc = zlib.crc32(tail, crc_join(first.crc, stream.crc, stream.size))  # (the tail is here: continued over)
    return crc, first.size + stream.size + len(tail)


def _inflate(pieces: IO[bytes], out: IO[bytes]) -> None:
    """The rows of a stream of pieces, inflated into ``out``."""
    d = zlib.decompressobj(-15)
    while chunk := pieces.read(_CHUNK):
        out.write(d.decompress(chunk))


def _deflate(pieces: Iterator[bytes], out: IO[bytes], level: int = LEVEL) -> tuple[int, int]:
    """Raw deflate of the pieces' concatenation into ``out``, chunk by chunk on every core
    (zlib lets go of the GIL), as pigz does: each chunk primed with the 32 KB before it, so the
    output is as small as one stream's, and ended on a byte boundary (a sync flush) but the
    last; the chunks together are one deflate stream. (CRC-32, length) of the data."""

    def deflate(chunk: bytes, primer: bytes, last: bool) -> bytes:
        co = (
            zlib.compressobj(level, zlib.DEFLATED, -15, zdict=primer)
            if primer
            else zlib.compressobj(level, zlib.DEFLATED, -15)
        )
        return co.compress(chunk) + co.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)

    crc = size = 0
    primer = b""
    pending: collections.deque[Future[bytes]] = collections.deque()
    cores = max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    pool: ThreadPoolExecutor | None = None  # started for a second chunk: a short sheet is deflated here
    try:
        chunk = b""
        for piece in pieces:
            chunk += piece
            if len(chunk) < _CHUNK:
                continue
            crc, size = zlib.crc32(chunk, crc), size + len(chunk)
            if pool is None:
                from concurrent.futures import ThreadPoolExecutor  # threads for a long sheet only

                pool = ThreadPoolExecutor(max_workers=cores)
            pending.append(pool.submit(deflate, chunk, primer, False))
            primer, chunk = chunk[-_WINDOW:], b""
            while len(pending) > 2 * cores:  # memory: a few chunks in flight
                out.write(pending.popleft().result())
        crc, size = zlib.crc32(chunk, crc), size + len(chunk)
        while pending:
            out.write(pending.popleft().result())
        out.write(deflate(chunk, primer, True))
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return crc, size
