"""What people really type, as their office suite saves it (real LibreOffice): ``=`` targets of
the shared real forms typed as formulas, with no cached value (a script's file) and with the
cached value LibreOffice computes on re-saving; WPS .et and .xls inputs and where their results
go. Hand-worked totals as in test_realforms."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import office_resave, row
from test_forms import build_form

from selfeval_xl import load_rules, read_workbook, score, score_file
from selfeval_xl.cli import cli

pytestmark = pytest.mark.office

REAL = Path(__file__).resolve().parent / "real_forms"


def _real(name: str) -> dict:
    return json.loads((REAL / name).read_text(encoding="utf-8"))


def _as_formulas(path: Path, sheet: str | None, cells: list[str]) -> None:
    """Turn the text ``=100%`` already in these cells into the formula Excel makes of it."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet] if sheet else wb.active
    for ref in cells:
        text = ws[ref].value
        assert isinstance(text, str) and text.startswith("="), (ref, text)
        ws[ref] = text  # openpyxl: a string starting with "=" is a formula, stored without a result
    wb.save(path)


def _formula_cells(path: Path, sheet: str | None) -> dict[str, tuple[str, object]]:
    """Cell → (formula text, cached value) as the file stores them."""
    import xml.etree.ElementTree as ET
    import zipfile

    wb = openpyxl.load_workbook(path)
    index = (wb.sheetnames.index(sheet) if sheet else 0) + 1
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    with zipfile.ZipFile(path) as zf:
        root = ET.fromstring(zf.read(f"xl/worksheets/sheet{index}.xml"))
    out = {}
    for c in root.iter(ns + "c"):
        f = c.find(ns + "f")
        if f is not None:
            v = c.find(ns + "v")
            out[c.get("r")] = (f.text, None if v is None else v.text)
    return out


def test_form_11_qingshen_equal_targets_as_formulas(make_workbook, tmp_path):
    """青神县发展和改革局 2023 工资性支出: both targets ``=100%`` (四川 form). The published form
    left the values blank; its consistency note: reported at 100%, the rules give 100 in total."""
    form = _real("11_qingshen_fagai_gongzi_2023.json")
    budget = {"年度资金总额": (238.93, 251.89, 251.89), "当年财政拨款": (238.93, 251.89, 251.89)}
    rows = [
        row(i["level1"], i["level2"], i["name"], i["target"], "=100%", i["points"], claimed=i["points"])
        for i in form["indicators"]
    ]
    assert [r["指标值"] for r in rows] == ["=100%", "=100%"]
    info = {
        "评价年度": form["year"],
        "单位名称": form["unit"],
        "单位编码": "51000021R",
        "项目名称": "工资性支出",
        "申报总分": 100,  # as the consistency note expects
    }
    path = make_workbook("11.xlsx", info=info, budget=budget, indicators=rows)
    # 251.89/251.89 → 10; 100% = 100% on both rows → 60 + 30; no 满意度 rows: its 10 sit in 产出 (60)
    typed = score(read_workbook(path), load_rules())
    assert (typed.total, typed.grade, typed.status, typed.problems) == (100, "优", "final", [])

    # the same, typed into General cells of Excel: 指标值 and 实际完成值 become formulas "100%"
    _as_formulas(path, "绩效指标", ["F3", "F4", "H3", "H4"])
    assert _formula_cells(path, "绩效指标")["F3"] == ("100%", None)  # no cached value
    card = score(read_workbook(path), load_rules())
    assert (card.total, card.grade, card.status, card.problems) == (100, "优", "final", [])

    # opened and saved by an office suite: the formulas now carry the cached value 1
    saved = office_resave(path, tmp_path / "lo")
    assert _formula_cells(saved, "绩效指标")["F3"] == ("100%", "1")
    card = score(read_workbook(saved), load_rules())
    # read as typed (=100%), not as the cached 1: no "10000%" over-achievement, same 100
    assert (card.total, card.grade, card.status, card.problems) == (100, "优", "final", [])
    assert [r.operator for r in card.records[1:]] == ["=", "="]


def test_form_02_chizhou_equal_targets_as_formulas_in_the_official_form(tmp_path):
    """池州 棠溪镇 2022 in the official one-sheet layout: ``=8个`` and ``=42个`` typed as formulas
    (Excel: #NAME?, LibreOffice likewise). 年度资金总额 row all 0 → rebuilt from 当年财政拨款:
    132.912/132.912 → 10; 8 × 5 + 10 + 10 + 10 = 70; total 80, and Σ分值 80 ≠ 100 → 待更正."""
    form = _real("02_chizhou_tangxi_cunji_2022.json")
    rows = [
        (i["level1"], i["level2"], i["name"], i["target"], i["actual"], i["points"], i["score"])
        for i in form["indicators"]
    ]
    assert [r[3] for r in rows[:2]] == ["=8个", "=42个"]
    budget = {"年度资金总额": (0, 0, 0), "当年财政拨款": (202.64, 132.912, 132.912)}
    path = build_form(
        tmp_path / "02.xlsx", rows, budget, budget_score=(10, 0), total=None, project="村级补助及运转经费", year=2022
    )
    expected = [10, 8, 8, 8, 8, 8, 10, 10, 10]

    def check(p: Path) -> None:
        card = score_file(p).card
        assert [r.score for r in card.records] == expected
        assert (card.total, card.status) == (80, "needs-correction")
        assert [r.target_text for r in card.records[1:3]] == ["=8个", "=42个"]
        assert not [x for x in card.problems if x.code.startswith("formula")]
        assert [x.code for x in card.errors] == ["points-total"]  # the page was cut off, nothing else

    check(path)  # typed as text
    _as_formulas(path, None, ["E13", "E14"])  # 年度指标值 is column E in this layout
    assert _formula_cells(path, None)["E13"] == ("8个", None)
    check(path)  # a formula with no cached value
    saved = office_resave(path, tmp_path / "lo")
    assert _formula_cells(saved, None)["E13"] == ("8个", "#NAME?")
    check(saved)  # a formula whose cached value is an error


def test_wps_et_and_xls_inputs_and_where_results_go(make_workbook, tmp_path):
    src = make_workbook("源.xlsx")
    xls = office_resave(src, tmp_path / "xls", "xls")  # BIFF8, as WPS and old Excel save
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    shutil.copyfile(xls, inbox / "旧格式.xls")
    shutil.copyfile(xls, inbox / "金山.et")  # WPS 表格's own extension over the same format
    result = CliRunner().invoke(cli, ["score", str(inbox), "--json", "--summary", str(tmp_path / "s.xlsx")])
    objs = {o["file"]: o for o in map(json.loads, result.stdout.splitlines())}
    # both read and scored as the .xlsx they came from (100, 优); each pair is one submission twice
    assert {f: (o["total"], o["grade"]) for f, o in objs.items()} == {"旧格式.xls": (100, "优"), "金山.et": (100, "优")}
    assert result.exit_code == 0
    # results beside them, named: the originals are not touched
    assert (inbox / "旧格式.xls.评分结果.xlsx").exists() and (inbox / "金山.et.评分结果.xlsx").exists()
    assert (
        "评分结果：非 .xlsx 文件的评分结果另存为 旧格式.xls.评分结果.xlsx、金山.et.评分结果.xlsx（原文件未改动）"
        in (result.stderr.splitlines())
    )
    assert (inbox / "旧格式.xls").read_bytes() == xls.read_bytes()
