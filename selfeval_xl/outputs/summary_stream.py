"""The streamed long sheets (指标明细, 问题清单): rows kept in temp files, spliced into the finished summary."""

from __future__ import annotations

import os
import re
import tempfile
import zipfile
from pathlib import Path
from typing import IO

from selfeval_xl.ooxml.sheet_writer import Package, sheet_parts, styles_part
from selfeval_xl.ooxml.styles import StyleSheet
from selfeval_xl.outputs.summary_rows import STAND_IN, STREAM_STYLES
from selfeval_xl.reading.contract import col_letter


class RowStream:
    """Sheet rows as XML text in a temp file beside the summary."""

    def __init__(self, beside: Path, name: str, ncols: int):
        self.ncols, self.last_row = ncols, 1  # row 1 is the header, written with the workbook
        fd, path = tempfile.mkstemp(prefix=f".{beside.stem}.{name}.", suffix=".xml", dir=beside.parent)
        self.path = Path(path)
        self.fh: IO[bytes] | None = os.fdopen(fd, "wb")

    def write(self, xml: bytes, rows: int = 1) -> None:
        """``rows`` rows of sheet XML (UTF-8), numbered already."""
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


def style_ids(styles_xml: str) -> tuple[str, dict[bytes, bytes]]:
    """``styles_xml`` with the streamed sheets' styles interned (append-only, reused when an
    identical entry is there), and each style's stand-in → its ``cellXfs`` index as text."""
    sheet = StyleSheet(styles_xml)
    ids = {STAND_IN[name].encode(): str(sheet.id(style)).encode() for name, style in STREAM_STYLES.items()}
    return sheet.xml, ids


def _copy_resolved(src: IO[bytes], dst: IO[bytes], ids: dict[bytes, bytes]) -> None:
    """Copy the rows, each style stand-in replaced by its index (one byte each: never split
    between chunks)."""
    while chunk := src.read(1 << 20):
        for stand_in, index in ids.items():
            chunk = chunk.replace(stand_in, index)
        dst.write(chunk)


def splice(xlsx: Path, streams: dict[str, RowStream]) -> None:
    """Put each stream's rows into its (header-only) sheet of ``xlsx``, in place, and the
    streamed styles into its styles.xml."""
    pkg = Package.read(xlsx)
    parts = sheet_parts(pkg)
    styles_name = styles_part(pkg)
    if styles_name is None or styles_name not in pkg.parts:
        raise ValueError(f"{xlsx.name}: no styles part to add the streamed sheets' styles to")
    styles_xml, ids = style_ids(pkg.text(styles_name))
    out = xlsx.with_name(xlsx.name + ".splice")
    try:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            for info in pkg.infos:
                if info.filename == styles_name:
                    zf.writestr(info, styles_xml.encode("utf-8"))
                    continue
                stream = next((st for name, st in streams.items() if parts.get(name) == info.filename), None)
                if stream is None:
                    zf.writestr(info, pkg.parts[info.filename])
                    continue
                xml = pkg.text(info.filename)
                ref = f'<dimension ref="A1:{col_letter(stream.ncols - 1)}{stream.last_row}"/>'
                xml = re.sub(r"<dimension [^>]*/>", ref, xml, count=1)  # readers trust it
                cut = xml.index("</sheetData>")
                member = zipfile.ZipInfo(info.filename, info.date_time)
                member.compress_type = zipfile.ZIP_DEFLATED  # a bare ZipInfo would be stored uncompressed
                with zf.open(member, "w", force_zip64=True) as fh:
                    fh.write(xml[:cut].encode("utf-8"))
                    with open(stream.close(), "rb") as rows:
                        _copy_resolved(rows, fh, ids)
                    fh.write(xml[cut:].encode("utf-8"))
        pkg.close()
        os.replace(out, xlsx)
    finally:
        pkg.close()
        out.unlink(missing_ok=True)
        for st in streams.values():
            st.discard()
