"""The summary's streamed sheets' cell styles are fixed indices: worker processes render and
deflate 指标明细 and 问题清单 rows with cells of cellXfs 1, 2 and 3, which the summary book
reserves in XlsxWriter before anything else. These tests fail if that meeting point breaks: a
new XlsxWriter that numbers its formats otherwise, or an index pointing at the wrong format."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import base_rows, row, soffice

from selfeval_xl.batch import BatchOptions, run_batch
from selfeval_xl.ooxml.sheet_writer import Package, sheet_parts, styles_part
from selfeval_xl.outputs.summary_kinds import STREAM_XF
from selfeval_xl.reading import contract as L

# 托养 84人 of ≥105人: 完成率 84 / 105 = 80%, 核定得分 10 × 0.8 = 8; the unit claimed 9.5, so
# 得分差异 = 9.5 − 8 = 1.5
PARTIAL = row("产出指标", "数量指标", "托养服务人次数", "≥105人", "84人", 10, claimed=9.5, reason="受场地限制")
SHOWN = {"完成率": "80.00%", "分值": "10.00", "核定得分": "8.00", "申报得分": "9.50", "得分差异": "1.50"}


@pytest.fixture
def summary(tmp_path, make_workbook) -> Path:
    rows = base_rows()
    rows[1] = PARTIAL
    make_workbook("甲.xlsx", indicators=rows)
    make_workbook("乙.xlsx")
    out = tmp_path / "out" / "汇总.xlsx"
    # two worker processes: the rows are rendered there, by style name, and spliced here
    result = run_batch(
        [tmp_path / "甲.xlsx", tmp_path / "乙.xlsx"], BatchOptions(write_back=False, summary=out, jobs=2, isolate=True)
    )
    assert result.summary == out
    return out


def test_detail_numbers_carry_their_formats(summary):
    ws = openpyxl.load_workbook(summary)[L.S_DETAIL]
    headers = [c.value for c in ws[1]]
    col = {h: headers.index(h) for h in headers}
    partial = next(
        r for r in ws.iter_rows(min_row=2) if r[col["三级指标"]].value == "托养服务人次数" and r[0].value == "甲.xlsx"
    )
    got = {h: (partial[col[h]].value, partial[col[h]].number_format) for h in SHOWN}
    assert got == {
        "完成率": (0.8, "0.00%"),
        "分值": (10, "0.00"),
        "核定得分": (8, "0.00"),
        "申报得分": (9.5, "0.00"),
        "得分差异": (1.5, "0.00"),
    }
    for r in ws.iter_rows(min_row=2):
        for c in (c for c in r if c.value is not None):
            assert c.alignment.vertical == "top"  # every streamed cell, like XlsxWriter's
            if headers[c.column - 1] in ("文件", "三级指标", "评分说明"):
                assert c.alignment.wrap_text and c.number_format == "General"
    problems = openpyxl.load_workbook(summary)[L.S_PROBLEMS]
    assert problems.max_row > 1
    assert all(c.alignment.wrap_text for r in problems.iter_rows(min_row=2) for c in r if c.value is not None)


def test_every_style_index_is_in_the_finished_styles_part(summary):
    pkg = Package.read(summary)
    try:
        styles = pkg.text(styles_part(pkg) or "")
        xfs = re.search(r"<cellXfs\b[^>]*>(.*?)</cellXfs>", styles, re.S)
        assert xfs is not None
        count = int(re.search(r'count="(\d+)"', styles[xfs.start() : xfs.start(1)]).group(1))
        assert count == len(re.findall(r"<xf\b", xfs.group(1)))
        for name in (L.S_DETAIL, L.S_PROBLEMS):
            xml = pkg.parts[sheet_parts(pkg)[name]]
            used = {int(s) for s in re.findall(rb'<c [^>]*\bs="(\d+)"', xml)}
            assert used and max(used) < count
        # the reserved entries are what the rows mean by them: 1 wraps, 2 is 0.00, 3 is 0.00%
        xf = re.findall(r"<xf\b.*?(?:/>|</xf>)", xfs.group(1), re.S)
        for kind, num_fmt, wrap in (("text", "0", True), ("num", "2", False), ("pct", "10", False)):
            entry = xf[STREAM_XF[kind]]
            assert f'numFmtId="{num_fmt}"' in entry and ('wrapText="1"' in entry) == wrap, (kind, entry)
            assert 'fontId="0"' in entry and 'fillId="0"' in entry and 'borderId="0"' in entry
    finally:
        pkg.close()
    with zipfile.ZipFile(summary) as zf:
        assert zf.testzip() is None


@pytest.mark.office
def test_libreoffice_shows_the_numbers_as_formatted(summary, tmp_path):
    exe = soffice()
    if exe is None:
        pytest.skip("LibreOffice is not installed")
    out = tmp_path / "csv"
    # 指标明细 (sheet 3) as CSV, "save cell contents as shown" on
    filt = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,3"
    profile = tmp_path / ".lo-profile"
    subprocess.run(
        [exe, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore", "--convert-to", filt]
        + ["--outdir", str(out), str(summary)],
        check=True,
        capture_output=True,
        timeout=180,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    (path,) = out.glob("*.csv")
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    partial = next(r for r in rows if r["三级指标"] == "托养服务人次数" and r["文件"] == "甲.xlsx")
    assert {h: partial[h] for h in SHOWN} == SHOWN
