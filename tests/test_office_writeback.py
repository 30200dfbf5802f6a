"""Real LibreOffice on our outputs: a written-back workbook and the summary open and re-save;
the re-saved workbook scores the same and takes a second write-back cleanly; .ods input gets
a side file."""

from __future__ import annotations

import zipfile

import openpyxl
import pytest
from conftest import base_rows, office_resave, rich_workbook, row, soffice

from selfeval_xl import score_file
from selfeval_xl.batch import BatchOptions, run_batch
from selfeval_xl.outputs.writeback import write_back
from selfeval_xl.reading import contract as L

pytestmark = pytest.mark.office


@pytest.fixture(autouse=True)
def _need_office():
    if soffice() is None:
        pytest.skip("LibreOffice is not installed")


def results_total(path):
    ws = openpyxl.load_workbook(path)[L.SHEET_RESULTS]
    return next(r[1] for r in ws.iter_rows(values_only=True) if r and r[0] == L.R_TOTAL)


def test_written_back_workbook_survives_office_resave(tmp_path):
    rows = base_rows()
    rows[1] = row("产出指标", "数量指标", "托养服务人次数", "≥105人", "84人", 10)  # 10 × 84/105 = 8 → 98
    src = rich_workbook(tmp_path / "项目A.xlsx", rows)
    summary = tmp_path / "汇总" / "汇总.xlsx"
    run_batch([src], BatchOptions(summary=summary))
    assert results_total(src) == 98

    resaved = office_resave(src, tmp_path / "resaved")
    with zipfile.ZipFile(resaved) as zf:
        assert any(n.startswith("xl/media/") for n in zf.namelist())  # the image is still there
    wb = openpyxl.load_workbook(resaved)
    assert wb.sheetnames == [L.SHEET_INFO, L.SHEET_BUDGET, L.SHEET_INDICATORS, L.SHEET_RESULTS]
    links = [c.hyperlink for c in wb[L.SHEET_RESULTS]["B"] if c.hyperlink is not None]
    assert links, "problem links lost in LibreOffice"
    assert score_file(resaved).card.total == 98
    assert results_total(resaved) == 98

    # a second write-back into the office-saved file replaces its results sheet
    dst, problem = write_back(score_file(resaved).card, resaved, resaved.name, "2026-11-27 10:00")
    assert problem is None
    wb = openpyxl.load_workbook(dst)
    assert wb.sheetnames.count(L.SHEET_RESULTS) == 1 and results_total(dst) == 98
    again = office_resave(dst, tmp_path / "again")
    assert results_total(again) == 98 and score_file(again).card.total == 98

    opened = office_resave(summary, tmp_path / "summary")
    ws = openpyxl.load_workbook(opened)[L.S_SUMMARY]
    header = [c.value for c in ws[1]]
    assert ws.cell(2, header.index("核定总分") + 1).value == 98


def test_ods_input_gets_a_side_file(tmp_path, make_workbook):
    ods = office_resave(make_workbook("项目B.xlsx"), tmp_path / "ods", "ods")
    before = ods.read_bytes()
    card = score_file(ods).card
    dst, problem = write_back(card, ods, ods.name, "2026-11-27 10:00")
    assert problem is None and dst == ods.with_name("项目B.ods.评分结果.xlsx")
    assert ods.read_bytes() == before
    assert results_total(dst) == 100
    assert results_total(office_resave(dst, tmp_path / "side")) == 100


def test_xls_input_scores_and_gets_a_side_file(tmp_path, make_workbook):
    xls = office_resave(make_workbook("项目C.xlsx"), tmp_path / "xls", "xls")
    before = xls.read_bytes()
    card = score_file(xls).card
    assert card.total == 100 and not card.errors
    dst, problem = write_back(card, xls, xls.name, "2026-11-27 10:00")
    assert problem is None and dst == xls.with_name("项目C.xls.评分结果.xlsx")
    assert xls.read_bytes() == before and results_total(dst) == 100


def test_xls_and_ods_of_one_name_keep_both_results(tmp_path, make_workbook):
    """jh.xls and jh.ods in one folder: each result in its own side file (named after the whole
    file name), the same names on a rerun, and neither side file is scored as a submission."""
    inbox = tmp_path / "收件"
    inbox.mkdir()
    full = make_workbook("jh.xlsx")  # all indicators met: 100
    for src, fmt in ((full, "xls"), (full, "ods")):
        made = office_resave(src, tmp_path / fmt, fmt)
        (inbox / made.name).write_bytes(made.read_bytes())
    options = BatchOptions(summary=tmp_path / "汇总.xlsx", jobs=1)
    first = run_batch([inbox], options)
    names = sorted(p.name for p in inbox.iterdir())
    assert names == ["jh.ods", "jh.ods.评分结果.xlsx", "jh.xls", "jh.xls.评分结果.xlsx"]
    assert first.tally.files == 2 and first.tally.written == 2
    assert [results_total(inbox / n) for n in names[1::2]] == [100, 100]  # each its own result
    again = run_batch([inbox], options)
    assert sorted(p.name for p in inbox.iterdir()) == names  # no new names, nothing scored twice
    assert again.tally.files == 2 and not again.others


def test_an_ods_with_a_stray_cell_far_below_its_table_is_scored(tmp_path, make_workbook):
    # a cell typed at row 25,000 of 绩效指标 (past the 20,000 rows a sheet is read to) under a
    # finished table: the .xlsx reader skips such rows (the table ends well above them); the
    # .ods/.xls one refused the file as 指标行超过 10000 行. Scored now: all rows full, 100
    path = make_workbook("远处.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["绩效指标"].cell(25_000, 4, "备注")
    wb.save(path)
    ods = office_resave(path, tmp_path / "ods", "ods")
    outcome = score_file(ods)
    assert outcome.error is None, outcome.error
    assert outcome.card.total == 100 and not outcome.card.errors
