"""The bundled samples: each scored as worked out by hand; the committed files match their
generator; and the template round-trips through real LibreOffice (xlsx re-save and .ods)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from conftest import office_resave, soffice
from make_samples import make_samples  # scripts/, on sys.path via conftest

from selfeval_xl import score_file

ROOT = Path(__file__).resolve().parent.parent

# Hand-worked totals (SPEC §3) for every sample:
EXPECTED = {
    # 10 + 15 + 10×164/180 = 9.11 + 10 + 5 + 10 + 15 + 15 + 10 = 99.11
    "镜湖区残联_残疾人事业发展补助资金.xlsx": (99.11, "优"),
    # 10×9265.353442/10441 = 8.87; 20; 20×909.93/928 = 19.61; ≤: 10×0.9/1.5 = 6 (‰); 较显著 one step below 显著 → 60% × 20 = 12; 10; 10×88/95 = 9.26
    "云南省应急管理厅_航空消防租机补助经费.xlsx": (85.74, "良"),
    # 10×46/148 = 3.11; 20; 10 (46 ≤ 102); late → 0; 10×70/95 = 7.37; 15; 一般 two steps below 好 → 0; 10×80/90 = 8.89
    "宣城市农业农村局_动物防疫补助.xlsx": (64.37, "中"),
    # 10×9034/20000 = 4.52; 30×45.17/90 = 15.06; 未完成 claim 5 in [0,6) → 5; late, claim 5 in [0,6) → 5; 一般 two below 显著 → 0 (claim 20 outside [0,18)); 10
    "普陀区体育事业管理中心_援滇经费.xlsx": (39.58, "差"),
    # 3.36/3.36 → 10; "完成" is not a number for ≤30万元 → 0; errors: 暂算, no grade (待更正)
    "大英县司法局_安可替代补助资金.xlsx": (10.0, None),
    # every row met: 100
    "天长市水利局_水旱灾害防御经费.xlsx": (100.0, "优"),
    # 部门整体支出 (default rule set; 共性 rows from 部门整体数据):
    # 共性 10 (2329.64/2329.64) + 3 (28/30 = 93.33% ≤ 100) + 3 (三公 (9.86−10.52)/10.52 = −6.27% ≤ 0)
    #   + 3.2 (1486.2/1702.35 = 87.30% → 80% band × 4) + 2.87 (224.34/2105.30 = 10.656%: 3 − 0.656 × 0.2)
    #   + 3 (31.23/2329.64 = 1.34%) + 3 (179.25/186.40) + 3 (9.86/12) + 2.83 (3 × 396.8/420)
    #   + 5 (612.58/640.15 = 95.69% ≥ 95) = 38.90
    # 个性 8 + 6 + 6 + 5 + 5 + 8.35 (10 × 16.7/20) + 5 + 3 (基本达成: claim 4 is not in [3, 4) → 60%) + 10 = 56.35
    "红谷滩区应急管理局_2022年部门整体支出.xlsx": (95.25, "优"),
    # 共性 8.80 (1426/1620.40) + 0.73 (23/22 = 104.545%: 3 − 4.545 × 0.5) + 0 (三公 +20%: 3 − 10)
    #   + 2.4 (600/800 = 75% → 60% band) + 3 (40.40/1580 = 2.56%) + 2.60 (194.40/1620.40 = 11.997%: 3 − 1.997 × 0.2)
    #   + 3 (118.5/120) + 0 (三公 8.64/8 = 108%: 3 − 8 × 0.5) + 3 (260/260) + 3 (300/380 = 78.95% → 60% × 5) = 26.53
    # 个性 10 + 8 + 6 + 6 + 8.5 (10 × 8.5/10) + 9 (达成, claim 9 in [8, 10]) + 9.78 (10 × 88/90) = 57.28
    "示例区文化广电旅游体育局_2023年部门整体支出.xlsx": (83.81, "良"),
    # 共性 8 (3050/3812.5) + 3 (45/45) + 0 (上年三公 blank) + 2.4 (1400/2000 = 70%) + 3 (252.5/3560 = 7.09%)
    #   + 1 (762.5/3812.5 = 20%: 3 − 10 × 0.2) + 0 (275.6/260 = 106%: 3 − 6 × 0.5) + 3 (14.2/15)
    #   + 0 (政府采购 36 bought of a 政府采购预算数 0) + 4 (1850/2000 = 92.5% → 80% × 5, on the rule's 5 points, not the edited 8) = 24.40
    # 个性 9.2 (10 × 4.6/5) + 10 + 9.8 (= : 10 × 98/100) + 8.8 (10 × 22/25) + 6 (部分达成, claim 8 not in [6, 8))
    #   + 9.44 (10 × 85/90) = 53.24; errors (共性 cells edited): 暂算, no grade (待更正)
    "示例区卫生健康委员会_2023年部门整体支出.xlsx": (77.64, None),
    # the official single-sheet form (real form 02): 年度资金总额 0 → rebuilt from 当年财政拨款,
    # 132.912/132.912 = 100% → 10; "=8个" vs 8 and "=42个" vs 42 → 8 + 8; three 达成 rows 8 × 3;
    # ≤202.6 vs 132.9 → 10; four 达成 效益/满意度 rows 10 × 3 and ≥90% vs 95% → 10 = 100
    "棠溪镇人民政府_村级补助及运转经费（自评表）.xlsx": (100.0, "优"),
}


def total_grade(path: Path) -> tuple[float, str | None]:
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
    assert {c.grade for c in cards if c.status == "final"} == {"优", "良", "中", "差"}
    assert {c.status for c in cards if c.errors} == {"needs-correction"}
    assert any(c.warnings and not c.errors for c in cards)
    assert sorted(c.data.file for c in cards if c.errors) == [
        "大英县司法局_安可替代补助资金.xlsx",
        "示例区卫生健康委员会_2023年部门整体支出.xlsx",
    ]
    assert {c.data.kind for c in cards} == {"项目支出", "部门整体支出"}


def test_a_sample_is_the_official_single_sheet_form(generated):
    """One sample is the 项目支出绩效自评表 as units send it: one sheet, merged header cells, the
    项目资金 block; it is read as a form and its published claims are checked (申报 90 vs 100)."""
    form = next(p for p in generated if "自评表" in p.name)
    wb = openpyxl.load_workbook(form)
    assert wb.sheetnames == ["项目支出绩效自评表"]
    ws = wb.active
    merged = {str(m) for m in ws.merged_cells.ranges}
    assert {"A1:I1", "A3:B3", "C3:I3", "A5:B9", "A10:A11"} <= merged
    assert ws["A5"].value == "项目资金（万元）" and ws["E5"].value == "全年预算数"
    assert ws["E13"].value == "=8个" and ws["E13"].data_type == "s"
    card = score_file(form).card
    assert card.data.sheet_names  # read through the form reader, not the template's sheets
    assert (card.total, card.claimed_total, card.data.info["单位名称"]) == (100, 90, "池州市贵池区棠溪镇人民政府")
    assert {p.code for p in card.problems} == {"budget-total-rebuilt", "score-mismatch", "claimed-total-mismatch"}


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
    # 指标性质, 一级, 二级, 指标值, 实际完成值, 分值, 申报得分, 偏差原因 (the last added by audit 61)
    assert len(ws.data_validations.dataValidation) == 8


@pytest.mark.office
def test_libreoffice_roundtrip(generated, template_path, tmp_path):
    """Open and re-save every sample with LibreOffice (as an accountant's office suite would),
    also as .ods: the scores do not change. The blank template opens too."""
    if soffice() is None:
        pytest.skip("LibreOffice is not installed")
    seed = next(p for p in generated if p.name.startswith("红谷滩区"))
    for p in [*generated[:5], seed]:
        resaved = office_resave(p, tmp_path / "xlsx")
        assert total_grade(resaved) == EXPECTED[p.name]
    ods = office_resave(generated[1], tmp_path / "ods", "ods")
    assert total_grade(ods) == EXPECTED[generated[1].name]
    reopened = office_resave(template_path, tmp_path / "tpl")
    assert openpyxl.load_workbook(reopened).sheetnames[:4] == ["说明", "基本信息", "预算执行", "绩效指标"]
