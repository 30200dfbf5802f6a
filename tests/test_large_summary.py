"""A district summary whose 指标明细 is past the size a submission's part may have (64 MB: about
1,000 workbooks of 60 indicator rows) is still ours: rescored over, sampled, reported from."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

from _measure import run_measured, selfeval
from test_hostile import copies

from selfeval_xl.discover import is_summary
from selfeval_xl.ooxml import limits
from selfeval_xl.reading import contract as L


def _part_of(zf: zipfile.ZipFile, sheet: str) -> str:
    rid = re.search(rf'<sheet name="{sheet}" sheetId="\d+" r:id="(rId\d+)"', zf.read("xl/workbook.xml").decode())
    assert rid, sheet
    rels = zf.read("xl/_rels/workbook.xml.rels").decode()
    target = re.search(rf'Id="{rid.group(1)}"[^>]*Target="([^"]+)"|Target="([^"]+)"[^>]*Id="{rid.group(1)}"', rels)
    assert target
    return "xl/" + (target.group(1) or target.group(2)).removeprefix("/xl/")


def _lengthen_details(summary: Path) -> int:
    """Repeats the last row of 指标明细 (as the summary wrote it) until the part is past the limit;
    its inflated size."""
    with zipfile.ZipFile(summary) as zf:
        items = [(i, zf.read(i)) for i in zf.infolist()]
        details = _part_of(zf, "指标明细")
    out = 0
    with zipfile.ZipFile(summary, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in items:
            if info.filename == details:
                row = data[data.rindex(b"<row ") : data.index(b"</sheetData>")]
                data = data.replace(b"</sheetData>", row * (limits.MAX_PART_BYTES // len(row) + 1) + b"</sheetData>")
                out = len(data)
            zf.writestr(info, data, compresslevel=1)
    return out


def test_a_summary_with_a_details_sheet_past_64_mb_is_still_ours(tmp_path, template_path):
    folder = tmp_path / "收件箱"
    folder.mkdir()
    copies(folder, template_path, 3)
    summary = tmp_path / "汇总.xlsx"
    assert run_measured(selfeval("score", str(folder), "--summary", str(summary))).returncode == 0
    assert _lengthen_details(summary) > limits.MAX_PART_BYTES

    # found ours without inflating 指标明细 (before, the whole file was refused as too large, so
    # a rerun stopped with “不是本工具生成的汇总表” and the summary could not be replaced)
    assert is_summary(summary)
    sample = run_measured(selfeval("sample", str(summary), "--count", "2", "--seed", "1"))
    assert sample.returncode == 0, sample.stderr
    with zipfile.ZipFile(tmp_path / "抽查名单.xlsx") as zf:
        assert f'name="{L.S_SAMPLE}"'.encode() in zf.read("xl/workbook.xml")
    report = run_measured(selfeval("report", "--summary", str(summary), "-o", str(tmp_path / "区县报告.docx")))
    assert report.returncode == 0, report.stderr
    # a copy of it put among the submissions (renamed) is skipped as ours, not reported too large
    shutil.copy(summary, folder / "去年的汇总.xlsx")
    rerun = run_measured(selfeval("score", str(folder), "--summary", str(summary)))
    assert rerun.returncode == 0, rerun.stderr
    assert "跳过本工具生成的文件：去年的汇总.xlsx" in rerun.stderr and "too-large" not in rerun.stderr
    with zipfile.ZipFile(summary) as zf:  # replaced by this run's summary, of normal size
        assert zf.getinfo(_part_of(zf, "指标明细")).file_size < 1 << 20
