"""Reading: sheets by name, headers by text, decorated labels, merged cells, formats, and every
problem code the reader raises."""

from __future__ import annotations

import zipfile

import openpyxl
import pytest

from selfeval_xl import UnreadableWorkbook, load_rules, read_workbook, score
from selfeval_xl.outputs.fill import put
from selfeval_xl.reading import contract as L


def problems(data):
    return [(p.code, str(p.where)) for p in data.problems]


def test_header_moved_columns_reordered_and_decorated_labels(tmp_path):
    """A workbook not made from our template: titles above the headers, columns in another
    order, extra columns, labels with ``*``, ``：``, ``其中：`` and full-width text."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = " 基本信息 "
    ws["A1"] = "基本情况"
    for i, (label, value) in enumerate(
        [
            ("* 评价类型：", "项目支出"),
            ("评价年度", "２０２２"),
            ("单位名称 ", "宣城市地震局"),
            ("项目名称", "防震减灾综合保障"),
            ("申报总分", "100"),
        ],
        start=3,
    ):
        ws.cell(i, 1, label)
        ws.cell(i, 2, value)
    ws = wb.create_sheet("预算执行")
    ws["A1"] = "2021年预算执行情况"
    ws.append([])
    ws.append(["备注", "资金类别", "全年执行数（万元）", "年初预算数（万元）", "全年预算数（万元）"])
    ws.append([None, "年度资金总额", "55", "55", "55"])
    ws.append([None, "其中：当年财政拨款", "55", "55", "55"])
    ws = wb.create_sheet("绩效指标")
    ws["A1"] = "防震减灾项目支出绩效自评表（2021年度）"
    ws["A2"] = "单位：宣城市地震局"
    headers = ["实际完成值", "分值", "一级指标", "二级指标", "三级指标", "年度指标值", "申报得分", "自填备注"]
    ws.append(headers)  # row 3
    ws.append(["100%", 10, "预算执行率", None, "预算执行率", "100%", 10, None])
    ws.append(["200余人", 10, "产出指标(50分)", "数量指标", "接受业务培训人数", "200", 10, None])
    ws.append(["600余人", 10, None, None, "科普馆参观人数", "500", 10, None])
    ws.append(["100%", 10, None, "质量指标", "台站正常运行", "100%", 10, None])
    ws.append(["99.12%", 10, None, None, "台网运行率", "≥95%", 10, None])
    ws.append(["10月", 5, None, "时效指标", "业务培训时限", "11月底前", 5, None])
    ws.append(["10月", 5, None, None, "科普宣传时限", "11月底前", 5, None])
    ws.append(["100%", 40, "效益指标(30分)+满意度", "社会效益指标", "社会公众防震减灾意识", "≥90%", 40, None])
    ws.append([])
    ws.append(["ignored after blank", 99, "x", "y", "z", "1", 1, None])
    path = tmp_path / "宣城地震局.xlsx"
    wb.save(path)

    data = read_workbook(path)
    assert data.info["评价年度"] == 2022 and data.info["单位名称"] == "宣城市地震局"
    assert data.budget["当年财政拨款"].executed == 55
    assert data.columns["实际完成值"] == "A" and data.columns["指标值"] == "F"
    frame = data.indicators
    assert list(frame.index) == [4, 5, 6, 7, 8, 9, 10, 11]  # stops at the first blank row (12)
    assert list(frame["level1"])[1:4] == ["产出指标(50分)"] * 3  # carried down over blanks
    assert frame.loc[8, "level2"] == "质量指标"
    card = score(data, load_rules())
    # every row met: 10 + 10 + 10 + 10 + 10 + 5 + 5 + 40 = 100
    assert card.total == 100 and card.grade == "优"
    assert [p.where.cell for p in card.problems if p.code == "over-achievement"] == ["A6"]


def test_merged_level_cells(make_workbook):
    path = make_workbook()
    wb = openpyxl.load_workbook(path)
    ws = wb["绩效指标"]
    ws.merge_cells("B3:B9")  # 产出指标 over 产出 rows 3–7 and (wrongly) 效益 rows 8–9
    ws.merge_cells("C3:C4")
    wb.save(path)
    data = read_workbook(path)
    assert list(data.indicators.loc[3:9, "level1"]) == ["产出指标"] * 7
    assert data.indicators.loc[4, "level2"] == "数量指标"


def test_percent_formats_and_numbers_as_text(make_workbook):
    path = make_workbook(budget={"年度资金总额": ("２，３２９.６４", "2,329.64", "2,100.00")})
    wb = openpyxl.load_workbook(path)
    ws = wb["绩效指标"]
    ws["H3"] = 0.95  # 康复服务比例 ≥85%, typed as 95% in Excel
    ws["H3"].number_format = "0%"
    ws["H10"] = 0.9  # 满意度 ≥90%, shown as 90.00%
    ws["H10"].number_format = "0.00%"
    wb.save(path)
    data = read_workbook(path)
    assert data.budget["年度资金总额"].adjusted == 2329.64
    assert data.indicators.loc[3, "actual"].number == 95
    card = score(data, load_rules())
    assert card.rows.loc[3, "actual_text"] == "95%"
    assert card.rows.loc[10, "score"] == 10  # 90% ≥ 90%
    assert card.rows.loc[2, "score"] == 9.01  # 2100 / 2329.64 = 90.14% → 9.01


def test_formula_without_cached_value_is_reported(make_workbook):
    path = make_workbook()
    wb = openpyxl.load_workbook(path)
    wb["预算执行"]["D2"] = "=D3"  # openpyxl stores no cached result
    wb.save(path)
    data = read_workbook(path)
    assert ("formula-no-cache", "项目A.xlsx 预算执行!D2") in problems(data)


def test_info_problems(make_workbook):
    path = make_workbook(info={"评价年度": "二〇二二", "评价类型": "项目", "单位名称": None})
    wb = openpyxl.load_workbook(path)
    ws = wb["基本信息"]
    ws["B4"] = None
    wb.save(path)
    data = read_workbook(path)
    assert set(problems(data)) >= {
        ("bad-year", "项目A.xlsx 基本信息!B3"),
        ("bad-kind", "项目A.xlsx 基本信息!B2"),
        ("missing-value", "项目A.xlsx 基本信息!B4"),
    }


@pytest.mark.parametrize(
    "typed",
    ["2023年", "2023年度", "２０２３", "２０２３年度", " 2023 年 ", 2023],
)
def test_year_as_people_type_it(make_workbook, typed):
    # 评价年度 typed with 年/年度, full-width digits or spaces is the year 2023, no bad-year
    data = read_workbook(make_workbook(info={"评价年度": typed}))
    assert data.year == 2023
    assert not [p for p in data.problems if p.code == "bad-year"]


@pytest.mark.parametrize("typed", ["2023年12月", "23年", "FY2023", "1989", "2023.5"])
def test_year_that_is_not_a_year(make_workbook, typed):
    # a month, a two-digit year, a prefix, a year before 1990, a fraction: bad-year at B3
    data = read_workbook(make_workbook(info={"评价年度": typed}))
    assert data.year is None
    assert ("bad-year", "项目A.xlsx 基本信息!B3") in problems(data)


def test_row_problems(make_workbook):
    rows = [
        {
            "一级指标": "产出指标",
            "二级指标": "数量指标",
            "三级指标": "a",
            "指标性质": "大概",
            "指标值": "10",
            "实际完成值": "10",
            "分值": 10,
        },
        {
            "一级指标": "产出指标",
            "二级指标": "数量指标",
            "三级指标": "b",
            "指标值": "10",
            "实际完成值": "10",
            "分值": -5,
        },
        {
            "一级指标": "产出指标",
            "二级指标": "数量指标",
            "三级指标": "c",
            "指标值": "10",
            "实际完成值": "10",
            "分值": "十分",
        },
        {
            "一级指标": "产出指标",
            "二级指标": "数量指标",
            "三级指标": "d",
            "指标值": "≥10",
            "实际完成值": None,
            "分值": 10,
        },
    ]
    data = read_workbook(make_workbook(indicators=rows))
    assert problems(data) == [
        ("bad-operator", "项目A.xlsx 绩效指标!E3"),
        ("bad-points", "项目A.xlsx 绩效指标!I4"),
        ("not-a-number", "项目A.xlsx 绩效指标!I5"),
    ]
    card = score(data, load_rules())
    assert ("missing-value", "项目A.xlsx 绩效指标!H6") in [(p.code, str(p.where)) for p in card.problems]


def test_missing_sheet_and_header(make_workbook, tmp_path):
    path = make_workbook()
    wb = openpyxl.load_workbook(path)
    del wb["预算执行"]
    wb.save(path)
    with pytest.raises(UnreadableWorkbook) as exc:
        read_workbook(path)
    assert exc.value.code == "missing-sheet"
    # the template's sheets are 说明, 基本信息, 预算执行, 绩效指标 and the hidden _meta (not named)
    assert str(exc.value) == (
        "项目A.xlsx：缺少工作表“预算执行”；工作簿中的工作表有：“说明”、“基本信息”、“绩效指标”。"
        "若其中一张就是它，请改名为“预算执行”"
    )

    path = make_workbook("b.xlsx")
    wb = openpyxl.load_workbook(path)
    put(wb["绩效指标"]["D1"], "指标名称")
    wb.save(path)
    with pytest.raises(UnreadableWorkbook) as exc:
        read_workbook(path)
    assert exc.value.code == "missing-header"
    assert str(exc.value) == "b.xlsx 绩效指标：在前 10 行找不到表头“三级指标”"


@pytest.mark.parametrize("renamed", ["绩效指标表", "Sheet1"])
def test_a_renamed_sheet_is_named_in_the_message(make_workbook, renamed):
    """绩效指标 renamed 绩效指标表 or Sheet1: the error said only “缺少工作表‘绩效指标’”, and the
    accountant, who sees a sheet of indicators, could not tell what was wrong. It names the sheets
    the workbook has, in their order, so the one to rename is plain to see."""
    path = make_workbook()
    wb = openpyxl.load_workbook(path)
    wb["绩效指标"].title = renamed
    wb.save(path)
    with pytest.raises(UnreadableWorkbook) as exc:
        read_workbook(path)
    assert (exc.value.code, exc.value.problem.where.sheet) == ("missing-sheet", None)
    assert str(exc.value) == (
        f"项目A.xlsx：缺少工作表“绩效指标”；工作簿中的工作表有：“说明”、“基本信息”、“预算执行”、“{renamed}”。"
        "若其中一张就是它，请改名为“绩效指标”"
    )


def test_not_a_workbook(tmp_path):
    txt = tmp_path / "报告.xlsx"
    txt.write_text("这不是表格", encoding="utf-8")
    with pytest.raises(UnreadableWorkbook) as exc:
        read_workbook(txt)
    assert exc.value.code == "not-a-workbook"
    z = tmp_path / "压缩包.xlsx"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(UnreadableWorkbook) as exc:
        read_workbook(z)
    assert exc.value.code == "not-a-workbook"


def test_entity_declarations_are_refused(make_workbook, tmp_path):
    src = make_workbook()
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/workbook.xml":
                body = data.split(b"?>", 1)[-1]
                data = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>' + body
            zout.writestr(item, data)
    with pytest.raises(UnreadableWorkbook) as exc:
        read_workbook(bomb)
    assert exc.value.code == "unsafe-xml"


def test_amounts_written_with_their_own_unit(make_workbook):
    # a 万元 workbook where one accountant typed yuan with the unit: 23,296,400元 = 2329.64 万元
    budget = {"年度资金总额": ("21,053,000元", "23,296,400元", "2329.64万元")}
    card = score(read_workbook(make_workbook(budget=budget)), load_rules())
    assert (card.budget.initial, card.budget.adjusted, card.budget.executed) == (2105.3, 2329.64, 2329.64)
    assert card.budget.rate == 100


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_entities_in_a_worksheet_are_refused(make_workbook, tmp_path, encoding):
    src = make_workbook()
    bomb = tmp_path / f"bomb-{encoding}.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet4.xml":
                body = data.decode("utf-8").split("?>", 1)[-1]
                text = f'<?xml version="1.0" encoding="{encoding}"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>' + body
                data = text.encode(encoding)
            zout.writestr(item, data)
    with pytest.raises(UnreadableWorkbook) as exc:
        read_workbook(bomb)
    assert exc.value.code == "unsafe-xml"


def test_one_header_finder_first_full_row_leftmost_column_and_the_closest_rows_gap():
    from selfeval_xl.ooxml.grid import Cell, Grid
    from selfeval_xl.reading.headers import find_header, first_missing

    grid = Grid("绩效指标")
    texts = {
        (1, 0): "一级指标",  # 2 of the 5 required: first missing would be 指标值
        (1, 1): "三级指标",
        (3, 0): "一级指标",  # 4 of 5 (年度指标值, 完成值 are aliases): lacks only 分值
        (3, 2): "三级指标",
        (3, 3): "年度指标值",
        (3, 4): "完成值",
        (11, 0): "一级指标",  # all 5 (权重 = 分值), but below the first 10 rows
        (11, 1): "三级指标",
        (11, 2): "指标值",
        (11, 3): "实际完成值",
        (11, 4): "权重",
        (11, 6): "三级指标",  # a repeated header: the leftmost column counts
    }
    for (r, c), text in texts.items():
        grid.cells[(r, c)] = Cell(text)
    required, aliases = L.INDICATOR_REQUIRED, L.INDICATOR_HEADER_ALIASES
    assert find_header(grid, required, aliases) is None
    assert first_missing(grid, required, aliases) == "分值"  # named from row 3, the closest, not row 1
    row, cols = find_header(grid, required, aliases, search_rows=11)
    assert row == 11 and cols["三级指标"] == 1 and cols["分值"] == 4
