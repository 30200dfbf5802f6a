"""selfeval template --roster: one prefilled template per unit, names safe on Windows."""

from __future__ import annotations

import pytest
import xlsxwriter
from click.testing import CliRunner

from selfeval_xl.cli import cli
from selfeval_xl.outputs.roster import RosterError, read_roster, safe_filename
from selfeval_xl.reading import contract as L
from selfeval_xl.reading.layouts import read_workbook

HEADER = "单位编码,单位名称,主管部门,项目名称\n"


def test_csv_roster_in_gbk_makes_prefilled_templates(tmp_path):
    roster = tmp_path / "名单.csv"
    text = (
        HEADER
        + "340202118,芜湖市镜湖区残疾人联合会,芜湖市镜湖区残疾人联合会,残疾人事业发展补助资金\n"
        + '341181007,天长市水利局,天长市水利局,"水旱灾害防御经费: 2022/第1批"\n'
        + '341181007,天长市水利局,天长市水利局,"水旱灾害防御经费: 2022/第1批"\n'
        + ",,,\n"
    )
    roster.write_bytes(text.encode("gbk"))  # what Excel saves as CSV on Chinese Windows
    out = tmp_path / "模板"
    result = CliRunner().invoke(cli, ["template", "--roster", str(roster), "--out-dir", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("已按名单生成 3 份模板：")
    names = sorted(p.name for p in out.iterdir())
    # ":" and "/" are not allowed in Windows names; the duplicate row gets "_2"
    assert names == [
        "340202118_芜湖市镜湖区残疾人联合会_残疾人事业发展补助资金.xlsx",
        "341181007_天长市水利局_水旱灾害防御经费_ 2022_第1批.xlsx",
        "341181007_天长市水利局_水旱灾害防御经费_ 2022_第1批_2.xlsx",
    ]
    data = read_workbook(out / names[0])
    assert data.info[L.INFO_UNIT] == "芜湖市镜湖区残疾人联合会"
    assert data.info[L.INFO_UNIT_CODE] == "340202118"
    assert data.info[L.INFO_PARENT] == "芜湖市镜湖区残疾人联合会"
    assert data.info[L.INFO_PROJECT] == "残疾人事业发展补助资金"
    assert data.info[L.INFO_KIND] == "项目支出"


def test_xlsx_roster_with_title_row_and_numeric_codes(tmp_path):
    roster = tmp_path / "名单.xlsx"
    wb = xlsxwriter.Workbook(str(roster))
    ws = wb.add_worksheet("名单")
    ws.write_string(0, 0, "2023年度项目支出绩效自评单位名单")
    ws.write_row(1, 0, ["序号", "单位编码", "单位名称", "主管部门", "项目名称", "评价年度"])
    ws.write_row(2, 0, [1, 530001, "云南省应急管理厅", "云南省应急管理厅", "森林草原航空消防租机补助经费", 2022])
    wb.close()
    rows = read_roster(roster)
    assert rows == [
        {
            "单位编码": "530001",
            "单位名称": "云南省应急管理厅",
            "主管部门": "云南省应急管理厅",
            "项目名称": "森林草原航空消防租机补助经费",
            "评价年度": "2022",
        }
    ]
    out = tmp_path / "out"
    assert CliRunner().invoke(cli, ["template", "--roster", str(roster), "--out-dir", str(out)]).exit_code == 0
    data = read_workbook(out / "530001_云南省应急管理厅_森林草原航空消防租机补助经费.xlsx")
    assert data.year == 2022


def test_roster_errors_are_clear(tmp_path):
    bad = tmp_path / "名单.csv"
    bad.write_text("单位名称,项目名称\n甲,乙\n", encoding="utf-8")
    with pytest.raises(RosterError, match="名单.csv：名单缺少列“单位编码”“主管部门”"):
        read_roster(bad)
    result = CliRunner().invoke(cli, ["template", "--roster", str(bad), "--out-dir", str(tmp_path / "o")])
    assert result.exit_code == 1 and "名单缺少列" in result.output
    result = CliRunner().invoke(cli, ["template", "--roster", str(bad)])
    assert result.exit_code == 2 and "--out-dir" in result.output


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (["CON"], "_CON.xlsx"),
        (["com1.项目"], "_com1.项目.xlsx"),
        (['a<b>c|d?e*f"g\\h'], "a_b_c_d_e_f_g_h.xlsx"),
        (["  项目. "], "项目.xlsx"),
        (["", ""], "未命名单位.xlsx"),
        (["甲" * 150], "甲" * 82 + ".xlsx"),  # (255 - 5 bytes of ".xlsx" - 4 for "_99") // 3 bytes a character
    ],
)
def test_safe_filename(parts, expected):
    assert safe_filename(parts) == expected
