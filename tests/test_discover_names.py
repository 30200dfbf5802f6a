"""Which files a folder's run takes by their names: a workbook named with a leading dot, macOS's
``._`` files and our temp files; a unit's file named like one of our outputs."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

from docx import Document

from selfeval_xl.discover import find_files
from selfeval_xl.ooxml.ownership import stamp
from selfeval_xl.reading import contract as L
from selfeval_xl.web.uploads import Placed, unzip

SAMPLE = sorted((Path(__file__).resolve().parent.parent / "samples").glob("*.xlsx"))[0]


def _names(folder: Path) -> tuple[list[str], list[str]]:
    workbooks, others = find_files([folder])
    return [d for _, d in workbooks], [d for _, d in others]


def test_a_workbook_named_with_a_leading_dot_is_scored_in_a_folder_and_in_a_zip(tmp_path):
    """``.隐藏.xlsx`` (on Windows a leading dot hides nothing) was passed over without a word in a
    folder and left out of an uploaded .zip, while the same file chosen alone on the page was
    scored as 隐藏.xlsx. Now a folder's run takes it, and a .zip unpacks it as 隐藏.xlsx; macOS's
    ``._甲.xlsx`` (Finder data) and the temp file we write a workbook through are still skipped."""
    folder = tmp_path / "收件"
    folder.mkdir()
    shutil.copy(SAMPLE, folder / "甲.xlsx")
    shutil.copy(SAMPLE, folder / ".隐藏.xlsx")
    (folder / "._甲.xlsx").write_bytes(b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X")
    (folder / ".甲.4242.abcd1234.tmp.xlsx").write_bytes(b"PK half written")
    assert _names(folder) == ([".隐藏.xlsx", "甲.xlsx"], [])

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for p in sorted(folder.iterdir()):
            zf.write(p, f"收件/{p.name}")
    upload = tmp_path / "up.zip"
    upload.write_bytes(buf.getvalue())
    placed = Placed()
    # 2 files unpacked: 甲.xlsx and .隐藏.xlsx (as 隐藏.xlsx); ._甲.xlsx and the temp file not
    assert unzip(upload, tmp_path / "out", "收件.zip", placed) == 2
    assert sorted(p.name for p in (tmp_path / "out" / "收件").iterdir()) == ["甲.xlsx", "隐藏.xlsx"]
    assert placed.notices == []


def test_a_units_file_named_like_our_output_is_listed_ours_skipped(tmp_path):
    """A unit's own ``甲.自评报告.docx`` or ``旧_指标明细.csv`` sent with the workbooks was passed over
    by its name alone, as if ours, and not listed in 未评分文件. Now only a file that is ours by its
    content (a report as we stamped it, a CSV with our header line) is skipped; the unit's are
    listed as any .docx or .csv is."""
    folder = tmp_path / "收件"
    folder.mkdir()
    shutil.copy(SAMPLE, folder / "甲.xlsx")
    unit_doc = Document()
    unit_doc.add_paragraph("甲单位2023年度项目支出绩效自评报告（单位自己写的）")
    unit_doc.save(folder / "甲.自评报告.docx")
    ours = folder / "乙.自评报告.docx"
    Document().save(ours)
    stamp(ours)  # as every report we write is stamped
    (folder / "丙.汇总报告.md").write_text("# 单位自己的汇总报告\n", encoding="utf-8")
    (folder / "汇总_指标明细.csv").write_text(",".join(L.DETAIL_HEADERS) + "\r\n甲.xlsx\r\n", encoding="utf-8-sig")
    (folder / "旧_指标明细.csv").write_text("序号,指标,得分\r\n1,数量,20\r\n", encoding="utf-8-sig")
    workbooks, others = _names(folder)
    assert workbooks == ["甲.xlsx"]
    assert others == ["丙.汇总报告.md", "旧_指标明细.csv", "甲.自评报告.docx"]
