"""The bundled samples: each scored as worked out by hand; the committed files match their
generator; and the template round-trips through real LibreOffice (xlsx re-save and .ods)."""

from __future__ import annotations

import sys
from pathlib import Path

import openpyxl
import pytest
from conftest import office_resave, soffice

from selfeval_xl import score_file

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from make_samples import make_samples  # noqa: E402

# Hand-worked totals (SPEC §3) for every sample:
EXPECTED = {
    # 10 + 15 + 10×164/180 = 9.11 + 10 + 5 + 10 + 15 + 15 + 10 = 99.11
    "镜湖区残联_残疾人事业发展补助资金.xlsx": (99.11, "优"),
    # 10×9265.353442/10441 = 8.87; 20; 20×909.93/928 = 19.61; ≤: 10×0.09/0.15 = 6; 较显著 one step below 显著 → 60% × 20 = 12; 10; 10×88/95 = 9.26
    "云南省应急管理厅_航空消防租机补助经费.xlsx": (85.74, "良"),
    # 10×46/148 = 3.11; 20; 10 (46 ≤ 102); late → 0; 10×70/95 = 7.37; 15; 一般 two steps below 好 → 0; 10×80/90 = 8.89
    "宣城市农业农村局_动物防疫补助.xlsx": (64.37, "中"),
    # 10×9034/20000 = 4.52; 30×45.17/90 = 15.06; 未完成 claim 5 in [0,6) → 5; late, claim 5 in [0,6) → 5; 一般 two below 显著 → 0 (claim 20 outside [0,18)); 10
    "普陀区体育事业管理中心_援滇经费.xlsx": (39.58, "差"),
    # 3.36/3.36 → 10; "完成" is not a number for ≤30万元 → 0
    "大英县司法局_安可替代补助资金.xlsx": (10.0, "差"),
    # every row met: 100
    "天长市水利局_水旱灾害防御经费.xlsx": (100.0, "优"),
}


def total_grade(path: Path) -> tuple[float, str]:
    card = score_file(path).card
    return card.total, card.grade


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    return make_samples(tmp_path_factory.mktemp("samples"))


def test_samples_score_as_worked_by_hand(generated):
    got = {p.name: total_grade(p) for p in generated}
    assert got == EXPECTED


def test_samples_cover_grades_warnings_errors(generated):
    cards = [score_file(p).card for p in generated]
    assert {c.grade for c in cards} == {"优", "良", "中", "差"}
    assert any(c.warnings and not c.errors for c in cards)
    assert [c.data.file for c in cards if c.errors] == ["大英县司法局_安可替代补助资金.xlsx"]


def test_committed_samples_match_generator():
    committed = sorted((ROOT / "samples").glob("*.xlsx"))
    assert {p.name for p in committed} == set(EXPECTED)
    for p in committed:
        assert total_grade(p) == EXPECTED[p.name], p.name


def test_template_has_contract_sheets(template_path):
    wb = openpyxl.load_workbook(template_path)
    assert wb.sheetnames == ["说明", "基本信息", "预算执行", "绩效指标", "_meta"]
    assert wb["_meta"].sheet_state == "hidden"
    ws = wb["绩效指标"]
    assert [c.value for c in ws[1]] == [
        "序号",
        "一级指标",
        "二级指标",
        "三级指标",
        "指标性质",
        "指标值",
        "计量单位",
        "实际完成值",
        "分值",
        "申报得分",
        "偏差原因分析及改进措施",
    ]
    assert ws.freeze_panes == "A2" and ws.protection.sheet
    assert ws["B2"].value == "预算执行率" and ws["B2"].protection.locked and not ws["D3"].protection.locked
    assert ws["B2"].font.name == "宋体"
    assert len(ws.data_validations.dataValidation) == 7


@pytest.mark.office
def test_libreoffice_roundtrip(generated, template_path, tmp_path):
    """Open and re-save every sample with LibreOffice (as an accountant's office suite would),
    also as .ods: the scores do not change. The blank template opens too."""
    if soffice() is None:
        pytest.skip("LibreOffice is not installed")
    for p in generated[:5]:
        resaved = office_resave(p, tmp_path / "xlsx")
        assert total_grade(resaved) == EXPECTED[p.name]
    ods = office_resave(generated[1], tmp_path / "ods", "ods")
    assert total_grade(ods) == EXPECTED[generated[1].name]
    reopened = office_resave(template_path, tmp_path / "tpl")
    assert openpyxl.load_workbook(reopened).sheetnames[:4] == ["说明", "基本信息", "预算执行", "绩效指标"]
