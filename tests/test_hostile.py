"""Hostile load and bad moments (issue 18): each input is built here, small, and every run is
bounded in time (a hang fails the test instead of stalling the suite) and measured in memory."""

from __future__ import annotations

import random
import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from _measure import run_measured, selfeval
from conftest import BASE_BUDGET, BASE_INFO, base_rows

from selfeval_xl import fill_workbook, score_file

INDICATORS = "xl/worksheets/sheet4.xml"  # 绩效指标 in the generated template


def good(folder: Path, name: str, template: Path) -> Path:
    return fill_workbook(template, folder / name, BASE_INFO, BASE_BUDGET, base_rows())


def patch(path: Path, member: str, edit: Callable[[bytes], bytes]) -> Path:
    with zipfile.ZipFile(path) as zf:
        items = [(i, zf.read(i)) for i in zf.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in items:
            zf.writestr(info, edit(data) if info.filename == member else data)
    return path


# --- 1. regex backtracking ------------------------------------------------------------------
def test_run_of_unclosed_cell_tags_in_a_comment_reads_in_linear_time(tmp_path, template_path):
    # 100,000 "<c r=" with no ">" inside a comment: 1.3 MB (varied, so the compression ratio
    # stays legal). The old pre-pass was quadratic (16 KB took 15.7 s, 400 KB over 60 s).
    rnd = random.Random(18)
    run_of_tags = "".join(f'<c r="A{rnd.randrange(10**6)}' for _ in range(100_000)).encode()
    path = patch(
        good(tmp_path, "注释.xlsx", template_path),
        INDICATORS,
        lambda xml: xml.replace(b"<sheetData>", b"<!-- " + run_of_tags + b" --><sheetData>", 1),
    )
    run = run_measured(selfeval("validate", str(path)), timeout=60)
    assert run.returncode == 0, run.stderr
    assert "核定总分 100.00" in run.stdout
    assert run.peak_mb < 300


# --- 2. merged-cell bomb --------------------------------------------------------------------
def test_merges_down_to_the_last_excel_row_cost_nothing(tmp_path, template_path):
    # 200 merges B20:C1048576 (the 18 KB file): expanded row by row they were 304 MB
    # each; clipped to the rows that hold anything they add nothing, and the file scores.
    merges = b"".join(b'<mergeCell ref="B%d:C1048576"/>' % (20 + i) for i in range(200))

    def edit(xml: bytes) -> bytes:
        xml = re.sub(rb"<mergeCells[^>]*>.*?</mergeCells>", b"", xml, flags=re.S)
        return xml.replace(b"</sheetData>", b'</sheetData><mergeCells count="200">' + merges + b"</mergeCells>", 1)

    path = patch(good(tmp_path, "合并炸弹.xlsx", template_path), INDICATORS, edit)
    run = run_measured(selfeval("validate", str(path)), timeout=60)
    assert "Traceback" not in run.stderr
    assert "核定总分 100.00" in run.stdout, run.stdout + run.stderr
    assert run.peak_mb < 300


# --- 3. memory bounded by what is read ------------------------------------------------------
def test_dense_sheet_stops_at_the_row_cap_within_bounded_memory(tmp_path, template_path):
    # 20,040 rows of two 50-character texts (about 3 MB of XML, under the 64 MB part limit but
    # over the size parsed whole): read incrementally, stopping at 20,000 rows (too-many-rows),
    # never holding the whole tree (a 10 MB dense sheet cost 1.77 GB).
    text = "指标说明" * 12 + "xx"
    rows = "".join(
        f'<row r="{r}"><c r="K{r}" t="str"><v>{text}{r}</v></c><c r="L{r}" t="str"><v>{text}</v></c></row>'
        for r in range(60, 20_100)
    )
    path = patch(
        good(tmp_path, "稠密.xlsx", template_path),
        INDICATORS,
        lambda xml: xml.replace(b"</sheetData>", rows.encode() + b"</sheetData>", 1),
    )
    run = run_measured(selfeval("validate", str(path)), timeout=60)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "指标行超过" in run.stderr
    assert run.peak_mb < 300


def test_shared_strings_past_the_cap_are_refused(tmp_path, template_path, monkeypatch):
    # The 2.4 M shared strings cost 771 MB; past MAX_SHARED (1 M) a workbook is refused.
    # The cap is lowered here so that the test input stays small: 3,000 strings over a cap of
    # 2,000, read incrementally (each <si> dropped once read).
    from selfeval_xl import xlsx

    monkeypatch.setattr(xlsx, "MAX_SHARED", 2_000)
    strings = "".join(f"<si><t>{i}</t></si>" for i in range(3_000)).encode()
    path = tmp_path / "共享字符串.xlsx"  # the template itself: filled copies use inline strings
    shutil.copy(template_path, path)
    patch(path, "xl/sharedStrings.xml", lambda xml: xml.replace(b"</sst>", strings + b"</sst>", 1))
    outcome = score_file(path)
    assert outcome.error is not None and outcome.error.code == "too-large"
    assert "共享字符串超过 2,000 条" in outcome.error.message


@pytest.mark.parametrize("member", [INDICATORS, "xl/styles.xml"])
def test_deep_nesting_is_refused(tmp_path, template_path, member):
    # 100,000 nested elements (700 KB; the 1 M cost 481 MB)
    deep = b"<a>" * 100_000 + b"</a>" * 100_000

    def edit(xml: bytes) -> bytes:
        close = b"</sheetData>" if member == INDICATORS else b"</styleSheet>"
        return xml.replace(close, (b"<extLst>" + deep + b"</extLst>" if member != INDICATORS else deep) + close, 1)

    path = patch(good(tmp_path, "嵌套.xlsx", template_path), member, edit)
    outcome = score_file(path)
    assert outcome.error is not None and outcome.error.code == "too-large", outcome.problems
    assert "嵌套" in outcome.error.message
