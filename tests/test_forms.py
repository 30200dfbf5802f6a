"""The official 项目支出绩效自评表 as departments print it (merged header blocks, merged 一级/二级
cells, 其中： labels, a 总分 row), typed into Excel from real published forms: recognised and
scored exactly like the same data in our template (hand totals in test_realforms.py)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from selfeval_xl import read_workbook, score_file
from selfeval_xl.cli import cli
from selfeval_xl.file_scoring import RuleBook
from selfeval_xl.outputs.fill import put
from selfeval_xl.outputs.writeback import write_back
from selfeval_xl.reading import contract as L
from selfeval_xl.rules.ruleset import find_rules

TIANCHANG_ROWS = [  # real form 03 (天长市水利局 2022), as published
    ("产出指标(50分)", "数量指标", "完成中型灌区节水改造项目数量", "1", "1", 10, 10),
    ("产出指标(50分)", "数量指标", "完成农业综合水价改革项目", "1", "1", 10, 10),
    ("产出指标(50分)", "质量指标", "工程质量合格", None, None, 10, 10),
    ("产出指标(50分)", "时效指标", "年度资金支付完成率100%", None, None, 10, 10),
    ("产出指标(50分)", "成本指标", "资金执行在预算范围内", None, None, 10, 10),
    ("效益指标(30分)", "经济效益指标", "全市安全度汛", None, None, 10, 10),
    ("效益指标(30分)", "社会效益指标", "保护全市人口财产不受损失", None, None, 10, 10),
    ("效益指标(30分)", "生态效益指标", "/", "/", "/", None, None),
    ("效益指标(30分)", "可持续影响指标", "已建工程良性运行", None, None, 10, 10),
    ("满意度指标(10分)", "服务对象满意度指标", "服务对象满意度", "90%", "100%", 10, 10),
]


def build_form(
    path: Path,
    rows: list[tuple],
    budget: dict[str, tuple],
    budget_score: tuple[float, float] = (10, 10),
    total: float | None = None,
    unit: str = "万元",
    project: str = "水旱灾害防御经费",
    parent: str = "天长市水利局",
    year: int = 2022,
    adjusted_label: str = "全年预算数",
    nature: list[tuple[str, str]] | None = None,
    blank_after: int | None = None,
) -> Path:
    """The 财预〔2020〕10号 附件 layout, merged as printed. ``adjusted_label`` 调整后预算数 gives
    the 四川 variant; ``nature`` ((指标性质, 度量单位) per row) the 云南 one with two more columns."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "自评表"
    ws["A1"] = "项目支出绩效自评表"
    ws.merge_cells("A1:I1")
    ws["A2"] = f"（{year}年度）"
    ws.merge_cells("A2:I2")
    ws["A3"], ws["C3"] = "项目名称", project
    ws.merge_cells("A3:B3")
    ws.merge_cells("C3:I3")
    ws["A4"], ws["C4"], ws["F4"], ws["G4"] = "主管部门", parent, "实施单位", parent
    ws.merge_cells("A4:B4")
    ws.merge_cells("C4:E4")
    ws.merge_cells("G4:I4")
    ws["A5"] = f"项目资金（{unit}）"
    ws.merge_cells("A5:B9")
    for col, h in zip("DEFGHI", ("年初预算数", adjusted_label, "全年执行数", "分值", "执行率", "得分"), strict=True):
        ws[f"{col}5"] = h
    labels = ("年度资金总额", "其中：当年财政拨款", "上年结转资金", "其他资金")
    keys = ("年度资金总额", "当年财政拨款", "上年结转资金", "其他资金")
    for r, (label, key) in enumerate(zip(labels, keys, strict=True), start=6):
        ws[f"C{r}"] = label
        for col, v in zip("DEF", budget.get(key, (None, None, None)), strict=True):
            ws[f"{col}{r}"] = v
    ws["G6"], ws["I6"] = budget_score
    ws["A10"], ws["B10"], ws["F10"] = "年度总体目标", "预期目标", "实际完成情况"
    ws.merge_cells("A10:A11")
    ws["B11"], ws["F11"] = "确保全市安全度汛，保障人民群众生命财产安全。", "全年安全度汛，未发生重大险情。"
    ws["A12"] = "绩效指标"
    heads = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"]
    if nature:
        heads = [
            "一级指标",
            "二级指标",
            "三级指标",
            "指标性质",
            "年度指标值",
            "度量单位",
            "实际完成值",
            "分值",
            "得分",
            "偏差原因分析及改进措施",
        ]
    cols = "BCDEFGHIJK"[: len(heads)]
    for col, h in zip(cols, heads, strict=True):
        ws[f"{col}12"] = h
    r = 13
    start = {"B": r, "C": r}
    prev = {"B": None, "C": None}
    for i, (l1, l2, name, target, actual, points, score) in enumerate(rows):
        for col, v in (("B", l1), ("C", l2)):
            if v != prev[col]:
                if prev[col] is not None and r - 1 > start[col]:
                    ws.merge_cells(f"{col}{start[col]}:{col}{r - 1}")
                ws[f"{col}{r}"] = v
                start[col], prev[col] = r, v
        values = [name, target, actual, points, score]
        if nature:
            values = [name, nature[i][0], target, nature[i][1], actual, points, score]
        for col, v in zip(cols[2:], values, strict=False):
            put(ws[f"{col}{r}"], v)  # "=8个" typed in Excel is text, not a formula
        r += 1
        if blank_after is not None and i + 1 == blank_after:
            r += 1  # a stray empty row inside the table
            prev = {"B": None, "C": None}
        if i == len(rows) - 1:
            for col in "BC":
                if r - 1 > start[col]:
                    ws.merge_cells(f"{col}{start[col]}:{col}{r - 1}")
    ws.merge_cells(f"A12:A{r - 1}")
    ws[f"A{r}"] = "总分"
    points_col, score_col = cols[heads.index("分值")], cols[heads.index("得分")]
    ws.merge_cells(f"A{r}:{chr(ord(points_col) - 1)}{r}")
    ws[f"{points_col}{r}"] = 100
    ws[f"{score_col}{r}"] = total
    wb.save(path)
    return path


def test_form_03_read_and_scored_like_the_template(tmp_path):
    path = build_form(
        tmp_path / "天长.xlsx",
        TIANCHANG_ROWS,
        {"年度资金总额": (880, 880, 880), "当年财政拨款": (880, 880, 880)},
        total=100,
    )
    data = read_workbook(path, layout="form")
    assert data.info[L.INFO_PROJECT] == "水旱灾害防御经费" and data.info[L.INFO_UNIT] == "天长市水利局"
    assert data.year == 2022 and data.info[L.INFO_CLAIMED_TOTAL] == 100
    assert data.info_cells[L.INFO_CLAIMED_TOTAL] == "H23"  # 总分 row: 13 + 10 rows
    assert (data.budget["年度资金总额"].adjusted, data.budget["当年财政拨款"].executed) == (880, 880)
    assert data.info[L.INFO_GOAL].startswith("确保全市安全度汛")
    outcome = score_file(path)
    card = outcome.card
    # as test_realforms (same published data): 10 (880/880) + 10 + 10 + 0 × 6 + 10 = 40, 差
    assert (card.total, card.grade, card.status) == (40, None, "needs-correction")
    assert card.records[0].name == "预算执行率" and card.records[0].claimed == 10
    # the rows with no 实际完成值 are named by their cells in the form (F = 实际完成值)
    missing = [p.where.cell for p in card.problems if p.code == "missing-value"]
    assert missing == ["F15", "F16", "F17", "F18", "F19", "F21"]
    # the provisional 40 is not held against the 申报总分 100 while those rows are empty
    assert [p.code for p in card.problems if p.code == "claimed-total-mismatch"] == []
    assert all(p.where.sheet == "自评表" for p in card.problems)


def test_form_02_zero_total_row_and_yuan(tmp_path):
    # real form 02 (池州 棠溪镇 2022): 年度资金总额 row left at 0; here typed in 元
    rows = [
        ("产出指标(50分)", "数量指标", "补助村(社区)数量", "=8个", "8", 8, 8),
        ("产出指标(50分)", "数量指标", "保障村干部人数", "=42个", "42", 8, 8),
        ("产出指标(50分)", "质量指标", "补助资格合规性", "合规", "达成预期指标", 8, 8),
        ("产出指标(50分)", "质量指标", "经费审批流程规范性", "严格执行相关制度规定", "达成预期指标", 8, 8),
        ("产出指标(50分)", "时效指标", "补助经费到位及时性", "及时", "达成预期指标", 8, 8),
        ("产出指标(50分)", "成本指标", "项目总成本", "≤2026400元", "1329120", 10, 10),
        (
            "效益指标(30分)",
            "经济效益指标",
            "对保障村(社区)两委机构正常运行的影响程度",
            "效果明显",
            "达成预期指标",
            10,
            10,
        ),
        ("效益指标(30分)", "社会效益指标", "提高村(社区)干部工作积极性的影响程度", "效果明显", "达成预期指标", 10, 10),
    ]
    budget = {"年度资金总额": (0, 0, 0), "当年财政拨款": (2026400, 1329120, 1329120)}
    path = build_form(
        tmp_path / "棠溪.xlsx",
        rows,
        budget,
        budget_score=(10, 0),
        unit="元",
        project="村级补助及运转经费",
        parent="池州市贵池区棠溪镇人民政府",
    )
    card = score_file(path).card
    assert card.data.info[L.INFO_AMOUNT_UNIT] == "元"
    # 年度资金总额 rebuilt from 当年财政拨款 (warning on D6:F6); 1329120/1329120 = 100% → 10, though 0 was published
    assert [p.where.cell for p in card.problems if p.code == "budget-total-rebuilt"] == ["D6", "E6", "F6"]
    assert card.records[0].score == 10 and card.records[0].claimed == 0
    # 8 × 5 + 10 + 10 + 10 + 10 = 80 (Σ分值 80: the page was cut off) → points-total error
    assert card.total == 80 and any(p.code == "points-total" for p in card.errors)


def test_form_scores_from_the_cli_and_takes_a_results_sheet(tmp_path):
    path = build_form(tmp_path / "天长.xlsx", TIANCHANG_ROWS, {"年度资金总额": (880, 880, 880)}, total=100)
    summary = tmp_path / "汇总.xlsx"
    result = CliRunner().invoke(cli, ["score", str(path), "--summary", str(summary)])
    assert result.exit_code == 1  # the missing values are errors
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["自评表", L.SHEET_RESULTS]
    assert dict(r[:2] for r in wb[L.SHEET_RESULTS].iter_rows(values_only=True) if r[0])[L.R_TOTAL] == 40
    assert write_back(score_file(path).card, path, path.name, "x")[1] is None  # rerun replaces


def test_convert_form_to_template(tmp_path):
    path = build_form(
        tmp_path / "天长.xlsx",
        TIANCHANG_ROWS,
        {"年度资金总额": (880, 880, 880), "当年财政拨款": (880, 880, 880)},
        total=100,
    )
    out = tmp_path / "2023模板.xlsx"
    result = CliRunner().invoke(cli, ["convert", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = read_workbook(out)
    assert data.info[L.INFO_PROJECT] == "水旱灾害防御经费" and data.info[L.INFO_CLAIMED_TOTAL] == 100
    assert data.budget["年度资金总额"].adjusted == 880
    names = [r.name for r in data.records.values()]
    assert names[0] == "预算执行率" and "完成中型灌区节水改造项目数量" in names and "/" not in names
    # the converted template scores the same as the form itself
    assert score_file(out).card.total == score_file(path).card.total == 40


def test_yunnan_and_sichuan_variants(tmp_path):
    # 云南: 指标性质 and 度量单位 columns; 四川: 调整后预算数 instead of 全年预算数.
    rows = [  # real form 17 (云南 航空消防 2022), points as in our sample
        ("产出指标", "数量指标", "布防飞机数量", "6", "6", 20, 20),
        ("产出指标", "数量指标", "飞机飞行时长", "928", "909.93", 20, 20),
        ("产出指标", "质量指标", "单机平均飞行小时数偏差率", "15", "9", 10, 10),
        ("效益指标", "社会效益指标", "森林草原火灾受害率", "显著", "较显著", 20, 20),
        ("效益指标", "可持续影响指标", "航空消防能力", "长期", "达成年度指标", 10, 10),
        ("满意度指标", "服务对象满意度指标", "服务对象满意度", "95", "88", 10, 10),
    ]
    nature = [("≥", "架"), ("≥", "小时"), ("≤", "%"), ("定性", ""), ("定性", ""), ("≥", "%")]
    budget = {"年度资金总额": (None, 10441, 9265.353442), "当年财政拨款": (None, 10441, 9265.353442)}
    path = build_form(tmp_path / "云南.xlsx", rows, budget, total=100, adjusted_label="调整后预算数", nature=nature)
    card = score_file(path).card
    # 10 × 9265.353442/10441 = 8.87; 20; 20 × 909.93/928 = 19.61; ≤: 10 × 15/... 9 ≤ 15 → 10;
    # 较显著 one step below 显著 → 部分达成, claim 20 outside [12, 16) → 60% × 20 = 12; 10; 10 × 88/95 = 9.26
    assert [r.score for r in card.records] == [8.87, 20, 19.61, 10, 12, 10, 9.26]
    assert card.total == 89.74
    assert [r.unit for r in card.records][1:3] == ["架", "小时"]


def test_layout_can_be_forced(tmp_path, make_workbook):
    form = build_form(tmp_path / "天长.xlsx", TIANCHANG_ROWS, {"年度资金总额": (880, 880, 880)}, total=100)
    assert score_file(form, layout="template").error.code == "missing-sheet"
    assert score_file(form, layout="form").card.total == 40
    ours = make_workbook()
    # --layout form on our template: no form found by its labels (not "缺少工作表“绩效指标”", which it has)
    error = score_file(ours, layout="form").error
    assert error.code == "no-form" and "没有找到《项目支出绩效自评表》" in error.message
    assert "缺少工作表" not in error.message
    result = CliRunner().invoke(cli, ["validate", str(form), "--layout", "template"])
    assert result.exit_code == 1 and "未评分" in result.stdout


def test_stray_blank_rows_and_a_hubei_budget_row(tmp_path):
    # 湖北: 预算执行情况 worth 20; a blank row typed between two indicators (stray, not the end)
    rows = [
        ("产出指标", "数量指标", "新建道路里程", "≥10公里", "10公里", 40, 40),
        ("效益指标", "社会效益指标", "群众出行条件改善", "达成年度指标", "达成", 30, 30),
        ("满意度指标", "服务对象满意度指标", "满意度", "≥90%", "96%", 10, 10),
    ]
    path = build_form(
        tmp_path / "广水.xlsx", rows, {"年度资金总额": (500, 500, 450)}, budget_score=(20, 20), total=100, blank_after=1
    )
    default = score_file(path).card
    # all three indicators are read across the blank row; the budget row carries the form's 20
    assert [r.name for r in default.records] == ["预算执行率", "新建道路里程", "群众出行条件改善", "满意度"]
    hubei = score_file(path, rulebook=RuleBook(find_rules("hubei-project"))).card
    # 湖北 rule set: 20 × 450/500 = 18; 40 + 30 + 10 → 98, no level1 warning
    assert hubei.total == 98 and not [p for p in hubei.problems if p.code == "level1-points"]
    # the unit claimed 20 for 预算执行率 (90% executed): flagged at the 得分 cell of the 项目资金 block (I6)
    assert [p.where.cell for p in hubei.problems if p.code == "score-mismatch"] == ["I6"]
    # 18 < 20 but the 项目资金 block has no 偏差原因 cell: no reason is asked there (not at its 执行率 H6)
    assert [p.where.cell for p in hubei.problems if p.code == "missing-reason"] == []


def test_form_without_initial_budget_column(tmp_path):
    path = build_form(tmp_path / "无年初.xlsx", TIANCHANG_ROWS, {"年度资金总额": (880, 880, 792)}, total=100)
    wb = openpyxl.load_workbook(path)
    for r in range(5, 10):
        wb.active[f"D{r}"] = None  # some provinces print only 全年预算数 / 全年执行数
    wb.save(path)
    card = score_file(path).card
    assert card.budget.initial is None and card.budget.rate == 90  # 792 / 880
    assert card.records[0].score == 9  # 10 × 90%


def test_cut_off_form_without_budget_block(tmp_path):
    # a page cut off above the table: only 项目名称 and the 绩效指标 block survive
    path = build_form(tmp_path / "残缺.xlsx", TIANCHANG_ROWS[:2], {}, total=20)
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    for rng in list(ws.merged_cells.ranges):
        if rng.min_row >= 5 and rng.max_row <= 11:
            ws.unmerge_cells(str(rng))
    for r in range(5, 12):
        for c in range(1, 10):
            ws.cell(r, c).value = None
    wb.save(path)
    card = score_file(path).card
    assert card is not None and [r.name for r in card.records] == [
        "完成中型灌区节水改造项目数量",
        "完成农业综合水价改革项目",
    ]
    # no 项目资金 block: the missing budget line is an error naming the sheet (no cell to point
    # at, and never the title row); both rows met (1 = 1): 10 + 10
    assert [(p.where.sheet, p.where.cell) for p in card.errors if p.code == "budget-line-missing"] == [("自评表", None)]
    assert card.total == 20


def test_second_form_in_the_same_workbook_is_reported(tmp_path):
    path = build_form(tmp_path / "两张.xlsx", TIANCHANG_ROWS, {"年度资金总额": (880, 880, 880)}, total=100)
    wb = openpyxl.load_workbook(path)
    copy = wb.copy_worksheet(wb.active)
    copy.title = "项目二"
    wb.save(path)
    card = score_file(path).card
    assert [(p.code, p.where.sheet) for p in card.problems if p.code == "more-forms"] == [("more-forms", "自评表")]
    assert "项目二" in next(p.message for p in card.problems if p.code == "more-forms")


def test_goal_on_the_label_row_not_the_header_below(tmp_path):
    """年度总体目标 in A11 with its text in C11 and the indicator header right below (row 12):
    the goal is C11's text, never a header cell such as 偏差原因分析及改进措施 (I12)."""
    path = build_form(tmp_path / "同行.xlsx", TIANCHANG_ROWS, {"年度资金总额": (880, 880, 880)}, total=100)
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    ws.unmerge_cells("A10:A11")
    for ref in ("A10", "B10", "F10", "B11", "F11"):
        ws[ref] = None
    ws["A11"], ws["C11"] = "年度总体目标", "完成灌区节水改造，全市安全度汛。"
    wb.save(path)
    data = read_workbook(path, layout="form")
    assert data.info[L.INFO_GOAL] == "完成灌区节水改造，全市安全度汛。"
    assert data.info_cells[L.INFO_GOAL] == "C11"
    assert L.INFO_ACHIEVED not in data.info  # one text on the row: no 实际完成情况


def test_goal_label_with_no_text_takes_nothing_from_the_header_row(tmp_path):
    """The label alone, the indicator header below: no goal (it is missing), not a column title."""
    path = build_form(tmp_path / "空.xlsx", TIANCHANG_ROWS, {"年度资金总额": (880, 880, 880)}, total=100)
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    ws.unmerge_cells("A10:A11")
    for ref in ("A10", "B10", "F10", "B11", "F11"):
        ws[ref] = None
    ws["A11"] = "年度总体目标"
    wb.save(path)
    data = read_workbook(path, layout="form")
    assert L.INFO_GOAL not in data.info and L.INFO_ACHIEVED not in data.info


def test_convert_on_a_workbook_with_no_form_says_so(make_workbook):
    ours = make_workbook()  # our template: no 项目支出绩效自评表 labels on any sheet
    result = CliRunner().invoke(cli, ["convert", str(ours), "-o", str(ours.with_name("out.xlsx"))])
    assert result.exit_code == 1
    assert "没有找到《项目支出绩效自评表》" in result.output and "缺少工作表" not in result.output
    assert not ours.with_name("out.xlsx").exists()


def test_each_file_is_opened_once_and_our_summary_is_never_read_as_a_form(tmp_path, make_workbook, monkeypatch):
    # Which layout a file is in is decided on the workbook opened once (an official form used
    # to be opened three times: template reader → missing-sheet → own-summary check → form reader).
    from selfeval_xl.ooxml.xlsx_book import XlsxBook

    opened: list[str] = []
    real = XlsxBook.book

    def book(self):
        opened.append(self.path.name)
        return real(self)

    monkeypatch.setattr(XlsxBook, "book", book)
    form = build_form(tmp_path / "天长.xlsx", TIANCHANG_ROWS, {"年度资金总额": (880, 880, 880)}, total=100)
    ours = make_workbook()
    assert score_file(form).card.total == 40  # as when the form layout is forced
    assert score_file(ours).card is not None
    assert opened == ["天长.xlsx", ours.name]
    # a summary of ours, renamed: skipped whatever --layout says, opened once each time
    summary = tmp_path / "2023年汇总.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = L.S_SUMMARY
    wb.create_sheet(L.S_PROBLEMS)
    wb.create_sheet(L.S_UNSCORED)
    wb.save(summary)
    opened.clear()
    for layout in ("auto", "template", "form"):
        outcome = score_file(summary, layout=layout)
        assert outcome.skipped and outcome.error is None
    assert opened == ["2023年汇总.xlsx"] * 3


# --- the official form as published variants print it (a tester's cases, rebuilt by hand) ---

FULL_ROWS = [  # every row met and claimed in full: 50 + 30 + 10 = 90 for the indicators
    ("产出指标", "数量指标", "新建道路里程", "≥10公里", "10公里", 50, 50),
    ("效益指标", "社会效益指标", "群众出行条件改善", "达成年度指标", "达成年度指标", 30, 30),
    ("满意度指标", "服务对象满意度指标", "满意度", "≥90%", "96%", 10, 10),
]
FULL_BUDGET = {"年度资金总额": (100, 100, 90), "当年财政拨款": (100, 100, 90)}


def _unmerged_form(path: Path, rows: list[dict], above: list[str], year_line: str) -> Path:
    """An unmerged official form with ``above`` lines put over its title (附件2, blank rows) and
    ``year_line`` as the line under the title."""
    from official_form import build_official

    build_official(
        path, rows, FULL_BUDGET, budget_score=(10, 9), total=99, merge=False, parent="某市交通局", agency="某市公路中心"
    )
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    ws["A2"] = year_line or None
    if above:
        ws.insert_rows(1, len(above))
        for i, text in enumerate(above, start=1):
            ws[f"A{i}"] = text or None
    wb.save(path)
    return path


def _rows_as_dicts(rows: list[tuple]) -> list[dict]:
    keys = ("l1", "l2", "name", "target", "actual", "points", "score")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def test_year_in_full_width_digits_or_below_row_4(tmp_path):
    rows = _rows_as_dicts(FULL_ROWS)
    cases = {
        "全角": ([], "（２０２３年度）"),  # NFKC: ２０２３ is 2023
        "附件2": (["附件2"], "（2023年度）"),  # year line at row 3
        "空行": (["附件2", "", ""], "（２０２３年度）"),  # year line at row 5, title at row 4
    }
    for name, (above, line) in cases.items():
        data = read_workbook(_unmerged_form(tmp_path / f"{name}.xlsx", rows, above, line))
        assert data.year == 2023, name
        assert not [p for p in data.problems if p.code == "missing-value" and p.fields.get("field") == "评价年度"]


def test_year_end_target_is_dated_with_a_full_width_year(tmp_path):
    # 时效 row: 年底前 against 2023年11月. With the year (２０２３ in the title) 年底前 is
    # 2023-12-31 and 2023年11月 is 2023-11-30: on time, 10 of 10. Without it the row was a
    # needs-review text.
    rows = _rows_as_dicts(FULL_ROWS)
    rows[0] = dict(
        l1="产出指标", l2="时效指标", name="完成时间", target="年底前", actual="2023年11月", points=50, score=50
    )
    card = score_file(_unmerged_form(tmp_path / "年底前.xlsx", rows, [], "（２０２３年度）")).card
    assert [p.code for p in card.problems if p.code == "needs-review"] == []
    # 10 × 90/100 = 9 (budget) + 50 + 30 + 10 = 99
    assert [r.score for r in card.records] == [9, 50, 30, 10] and card.total == 99


def test_a_form_without_a_year_says_so_at_its_title(tmp_path):
    rows = _rows_as_dicts(FULL_ROWS)
    # no year line; the title pushed to A2 by an 附件2 line: reported at the title, as the
    # template reports a blank 评价年度 (missing-value, an error)
    data = read_workbook(_unmerged_form(tmp_path / "无年度.xlsx", rows, ["附件2"], ""))
    assert data.year is None
    assert [(p.code, p.severity, p.where.sheet, p.where.cell) for p in data.problems if p.code == "missing-value"] == [
        ("missing-value", "error", "自评表", "A2")
    ]
    # a date above the tables (填报日期) is no 评价年度: 2024年3月5日 is not taken as 2024
    data = read_workbook(_unmerged_form(tmp_path / "填报日期.xlsx", rows, [], "填报日期：2024年3月5日"))
    assert data.year is None
    assert [p.where.cell for p in data.problems if p.code == "missing-value"] == ["A1"]


def _respelled(tmp_path: Path, name: str, indicator: dict[str, str], budget: dict[str, str] | None = None) -> Path:
    """FULL_ROWS on the official form (budget 100/100/90, 分值 10, 得分 9) with header cells
    respelled: ``indicator`` on row 12 (G 分值, F 实际完成值, H 得分), ``budget`` on row 5
    (G 分值, I 得分)."""
    path = build_form(tmp_path / f"{name}.xlsx", FULL_ROWS, FULL_BUDGET, budget_score=(10, 9), total=99)
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    for cell, text in indicator.items():
        ws[cell] = text
    for cell, text in (budget or {}).items():
        ws[cell] = text
    wb.save(path)
    return path


def test_published_header_spellings_are_read(tmp_path):
    # each spelling alone, where the form has it (the 项目资金 block spelled the same way)
    spellings = {
        "标准分值": ({"G12": "标准分值"}, {"G5": "标准分值"}),
        "指标分值": ({"G12": "指标分值"}, {"G5": "指标分值"}),
        "分数": ({"G12": "分数"}, {"G5": "分数"}),
        "全年实际完成值": ({"F12": "全年实际完成值"}, None),
        "实际完成情况": ({"F12": "实际完成情况"}, None),
        "自评分": ({"H12": "自评分"}, {"I5": "自评分"}),
        "评分": ({"H12": "评分"}, {"I5": "评分"}),
        "评价得分": ({"H12": "评价得分"}, {"I5": "评价得分"}),
        "自评得分": ({"H12": "自评得分"}, {"I5": "自评得分"}),
    }
    for name, (indicator, budget) in spellings.items():
        outcome = score_file(_respelled(tmp_path, name, indicator, budget))
        assert outcome.error is None, (name, outcome.error)
        card = outcome.card
        # 10 × 90/100 = 9; 50 + 30 + 10 all met: 99, every claim (9, 50, 30, 10) read and equal
        assert [r.points for r in card.records] == [10, 50, 30, 10], name
        assert [r.claimed for r in card.records] == [9, 50, 30, 10], name
        assert card.total == 99 and card.errors == [], name


def test_a_bare_pingfen_or_fenshu_is_never_preferred_to_a_plain_header(tmp_path):
    # 评分 alone is the score column (claims 9, 50, 30, 10 read)
    card = score_file(_respelled(tmp_path, "评分", {"H12": "评分"}, {"I5": "评分"})).card
    assert [r.claimed for r in card.records] == [9, 50, 30, 10]
    # 评分 left of 得分 (a reviewer's column, say, all 0): the claims are 得分's (I), not 评分's (H)
    path = _respelled(tmp_path, "评分和得分", {"H12": "评分", "I12": "得分"})
    wb = openpyxl.load_workbook(path)
    for r in (13, 14, 15):
        ws = wb.active
        ws[f"I{r}"], ws[f"H{r}"] = ws[f"H{r}"].value, 0
    wb.save(path)
    card = score_file(path).card
    assert [r.claimed for r in card.records] == [9, 50, 30, 10]
    # 分数 beside 分值 may be the score or the points: points stay 分值's, 分数 is not guessed
    # to be 得分 (no claims read on the indicator rows)
    card = score_file(_respelled(tmp_path, "分值和分数", {"H12": "分数"})).card
    assert [r.points for r in card.records] == [10, 50, 30, 10]
    assert [r.claimed for r in card.records][1:] == [pytest.approx(float("nan"), nan_ok=True)] * 3
    # … and the unit is told so at that header cell, with the name that would be read
    (unread,) = [p for p in card.problems if p.code == "form-header-unread"]
    assert unread.where.cell == "H12" and "“分数”与“分值”" in unread.message and "改为“得分”" in unread.message
    # not when the form has its 得分 too (评分 left of 得分 above: nothing was left unread that matters)
    card = score_file(path).card
    assert not [p for p in card.problems if p.code == "form-header-unread"]


def test_a_form_missing_a_header_names_it_and_its_row(tmp_path):
    # 分值 spelled 满分 (not a spelling we know): the sheet clearly is a form (title, 项目名称,
    # 绩效指标), so the error names the header and the header row's first cell (一级指标 in B12),
    # not "缺少工作表“基本信息”"
    path = _respelled(tmp_path, "满分", {"G12": "满分"})
    for layout in ("auto", "form"):
        error = score_file(path, layout=layout).error
        assert (error.code, error.where.sheet, error.where.cell) == ("form-missing-header", "自评表", "B12")
        assert "“分值”" in error.message and "第 12 行" in error.message and "标准分值" in error.message
        assert "基本信息" not in error.message
    # 实际完成值 missing likewise
    error = score_file(_respelled(tmp_path, "完成", {"F12": "完成数"})).error
    assert (error.code, error.where.cell, error.fields["header"]) == ("form-missing-header", "B12", "实际完成值")


def test_printed_execution_rate_is_compared_with_the_computed_one(tmp_path):
    # 100/100/90: computed 90 / 100 = 90%. The 执行率 cell (H6) as typed:
    typed = {
        "95%": ("95%", None),  # 95 − 90 = 5 points > 0.01 → warning at H6
        "90%": ("90%", None),  # equal
        "0.9": (0.9, None),  # 0.9 × 100 = 90: equal (a ratio typed in a General cell)
        "0.9格式": (0.9, "0.00%"),  # shown as 90.00%
        "90": (90, None),
        "90.004%": ("90.004%", None),  # 0.004 ≤ 0.01: within the tolerance
    }
    found = {}
    for name, (value, fmt) in typed.items():
        path = build_form(tmp_path / f"{name}.xlsx", FULL_ROWS, FULL_BUDGET, budget_score=(10, 9), total=99)
        wb = openpyxl.load_workbook(path)
        wb.active["H6"] = value
        if fmt:
            wb.active["H6"].number_format = fmt
        wb.save(path)
        card = score_file(path).card
        found[name] = [p.where.cell for p in card.problems if p.code == "budget-rate-mismatch"]
        assert card.records[0].score == 9  # scored by the computed rate whatever was printed
    assert found == {"95%": ["H6"], "90%": [], "0.9": [], "0.9格式": [], "90": [], "90.004%": []}


def _split_header_form(path: Path, upper: dict[str, str], lower: dict[str, str], merges: list[str]) -> Path:
    """The official form with its indicator header over rows 12–13 (``upper``, ``lower``: cell →
    text; ``merges``: the header's merged ranges) and its rows from 14: 预算执行率 108/120, 产出 50,
    效益 30 and 满意度 10, as budget systems export it."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "自评表"
    ws["A1"], ws["A2"] = "项目支出绩效自评表", "（2023年度）"
    ws["A3"], ws["C3"] = "项目名称", "职业技能培训补助"
    ws["A4"], ws["C4"], ws["F4"], ws["G4"] = "主管部门", "某市人社局", "实施单位", "某市职业技能培训中心"
    ws["A5"] = "项目资金（万元）"
    for col, h in zip("DEFGHI", ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"), strict=True):
        ws[f"{col}5"] = h
    ws["C6"], ws["D6"], ws["E6"], ws["F6"], ws["G6"], ws["H6"], ws["I6"] = "年度资金总额", 100, 120, 108, 10, "90%", 9
    ws["A10"], ws["B10"], ws["F10"] = "年度总体目标", "预期目标", "实际完成情况"
    ws["B11"], ws["F11"] = "全年培训500人次以上，学员满意度90%以上。", "全年培训520人次，满意度81%。"
    ws["A12"] = "绩效指标"
    for cell, text in (upper | lower).items():
        ws[cell] = text
    for rng in merges:
        ws.merge_cells(rng)
    rows = [
        ("产出指标", "数量指标", "培训人次", "≥500人次", "520人次", 50, 50, None),
        ("效益指标", "社会效益指标", "技能提升效果", "显著", "较显著", 30, 20, "部分学员提升有限"),
        ("满意度指标", "服务对象满意度指标", "学员满意度", "≥90%", "81%", 10, 9, "培训时间安排不便"),
    ]
    for r, values in enumerate(rows, start=14):
        for col, v in zip("BCDEFGHI", values, strict=True):
            ws[f"{col}{r}"] = v
    ws["A17"], ws["G17"], ws["H17"] = "总分", 100, 88
    wb.save(path)
    return path


def test_an_indicator_header_split_over_two_rows_is_read(tmp_path):
    """Budget systems export the header over two rows: 绩效指标 merged over 一级/二级/三级
    指标 (the other headers merged down both rows), or 分值 and 得分 under a merged 自评情况 (the
    other headers typed in the upper row only). Both are one header: the rows below it are read."""
    names = ("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施")
    heads = dict(zip("BCDEFGHI", names, strict=True))
    levels_below = _split_header_form(
        tmp_path / "绩效指标在上.xlsx",
        {"B12": "绩效指标", **{f"{c}12": h for c, h in heads.items() if c not in "BCD"}},
        {f"{c}13": h for c, h in heads.items() if c in "BCD"},
        ["B12:D12", *(f"{c}12:{c}13" for c in "EFGHI")],
    )
    scores_below = _split_header_form(
        tmp_path / "自评情况.xlsx",
        {"G12": "自评情况", **{f"{c}12": h for c, h in heads.items() if c not in "GH"}},
        {"G13": "分值", "H13": "得分"},
        ["G12:H12"],
    )
    for path in (levels_below, scores_below):
        outcome = score_file(path)
        assert outcome.error is None, (path.name, outcome.error)
        card = outcome.card
        assert [r.name for r in card.records] == ["预算执行率", "培训人次", "技能提升效果", "学员满意度"]
        # 10 × 108/120 = 9; 520 ≥ 500 → 50; 较显著 one step below 显著 → 部分达成 [18, 24) of 30,
        # claim 20 in the band → 20; 10 × 81/90 = 9: 9 + 50 + 20 + 9 = 88 (良), as claimed
        assert [r.score for r in card.records] == [9, 50, 20, 9], path.name
        assert [r.claimed for r in card.records] == [9, 50, 20, 9], path.name
        assert (card.total, card.grade) == (88, "良")
        assert card.problems == [], (path.name, [p.message for p in card.problems])


def test_budget_rows_labelled_caizheng_zijin_and_shangnian_jieyu(tmp_path):
    """The 项目资金 block as 青神 (real form 11) and other counties label it: 其中：财政资金 and
    上年结余 are the 当年财政拨款 and 上年结转资金 lines. Read so, the parts add up to the total: no
    warning that 年度资金总额 differs from the sum of the one part recognised (其他资金)."""
    budget = {
        "年度资金总额": (100, 130, 117),
        "当年财政拨款": (90, 100, 90),
        "上年结转资金": (0, 10, 9),
        "其他资金": (10, 20, 18),
    }
    path = build_form(tmp_path / "财政资金.xlsx", FULL_ROWS, budget, budget_score=(10, 9), total=99)
    wb = openpyxl.load_workbook(path)
    wb.active["C7"], wb.active["C8"] = "其中：财政资金", "上年结余"
    wb.save(path)
    data = read_workbook(path)
    assert data.budget[L.B_CURRENT].row == 7 and data.budget[L.B_CARRYOVER].row == 8
    card = score_file(path).card
    # 90 + 9 + 18 = 117 = the total's 全年执行数 (100 + 10 + 20 = 130, 90 + 0 + 10 = 100): no mismatch;
    # 10 × 117/130 = 9, then 50 + 30 + 10 all met: 99
    assert [p.where.cell for p in card.problems if p.code == "budget-total-mismatch"] == []
    assert card.total == 99


def test_budget_lines_of_other_labels_count_towards_the_total(tmp_path):
    """转移支付 projects split the money as 其中：中央财政资金 / 省级财政资金, labels none of ours. The
    total is checked against our lines or against all of them: 100 + 20 = 120 (全年预算数) and
    90 + 18 = 108 (全年执行数) add up with the 中央财政资金 line, so no mismatch; a total that adds up
    with neither is still told, against our lines' sum as before."""
    budget = {"年度资金总额": (100, 120, 108), "当年财政拨款": (90, 100, 90), "其他资金": (10, 20, 18)}
    path = build_form(tmp_path / "中央资金.xlsx", FULL_ROWS, budget, budget_score=(10, 9), total=99)
    wb = openpyxl.load_workbook(path)
    wb.active["C7"] = "其中：中央财政资金"
    wb.save(path)
    data = read_workbook(path)
    assert L.B_CURRENT not in data.budget  # (the line is none of ours: not read as one)
    card = score_file(path).card
    # 10 × 108/120 = 9, then 50 + 30 + 10 all met: 99; nothing told
    assert [p.code for p in card.problems] == []
    assert card.total == 99
    # the 全年预算数 total typed 130: neither 20 (ours) nor 120 (all) → told at E6, against 20
    wb = openpyxl.load_workbook(path)
    wb.active["E6"] = 130
    wb.save(path)
    found = [p for p in score_file(path).card.problems if p.code == "budget-total-mismatch"]
    assert [p.where.cell for p in found] == ["E6"] and "20" in found[0].message


def test_signature_line_right_under_a_table_without_total_row_is_not_an_indicator(tmp_path):
    """No 总分 row and no blank row: the line 填表人：… | 联系电话：… | 填报日期：… follows the last
    indicator at once, its cells under 一级指标, 三级指标 and 得分. It ends the table; it is not an
    indicator row lacking 实际完成值 and 分值 with an unreadable 申报得分."""
    path = build_form(tmp_path / "签字行.xlsx", FULL_ROWS, FULL_BUDGET, budget_score=(10, 9), total=99)
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    for rng in [str(r) for r in ws.merged_cells.ranges if r.min_row == 16]:
        ws.unmerge_cells(rng)
    for col in "ABCDEFGHI":
        ws[f"{col}16"] = None  # the 总分 row gone
    ws["B16"], ws["D16"], ws["H16"] = "填表人：张三", "联系电话：13800000000", "填报日期：2024年3月5日"
    wb.save(path)
    card = score_file(path).card
    assert [r.name for r in card.records] == ["预算执行率", "新建道路里程", "群众出行条件改善", "满意度"]
    # 10 × 90/100 = 9; 50 + 30 + 10 all met: 99; nothing to correct
    assert (card.total, card.errors) == (99, [])
    # one blank row between: the line is no indicator left unread below the table either
    ws.insert_rows(16)
    wb.save(path)
    card = score_file(path).card
    assert (card.total, card.problems) == (99, [])


def test_amount_unit_is_the_blocks_not_a_place_name_with_yuan(tmp_path):
    """填报单位：元谋县… above a 项目资金（万元） block: the amounts are in 万元 (元谋 is a county,
    not the unit). A written 金额单位：元 still says 元."""
    path = build_form(
        tmp_path / "元谋.xlsx", FULL_ROWS, FULL_BUDGET, budget_score=(10, 9), total=99, parent="元谋县水务局"
    )
    wb = openpyxl.load_workbook(path)
    wb.active["A2"] = "（2022年度）    填报单位：元谋县水务局"
    wb.save(path)
    data = read_workbook(path)
    # 全年预算数 100 stays 100 万元 (not 100 元 = 0.01 万元 in the summaries)
    assert data.info[L.INFO_AMOUNT_UNIT] == "万元"
    path = build_form(tmp_path / "金额单位.xlsx", FULL_ROWS, FULL_BUDGET, budget_score=(10, 9), total=99)
    wb = openpyxl.load_workbook(path)
    wb.active["A2"], wb.active["A5"] = "（2022年度）    金额单位：元", "项目资金"
    wb.save(path)
    assert read_workbook(path).info[L.INFO_AMOUNT_UNIT] == "元"


def test_budget_amounts_typed_with_wan_yen_or_a_dash(tmp_path):
    """The 项目资金 block as people type it: 120万 for 120万元, ￥1,200,000.00 in a 元 form, and
    —, /, - in the lines that have no money (no 上年结转资金): amounts and blanks, not errors."""
    typed = {
        "年度资金总额": ("100万", "120万", "108万"),
        "当年财政拨款": (100, 120, 108),
        "上年结转资金": ("—", "/", "-"),
        "其他资金": ("－", "——", "／"),
    }
    path = build_form(tmp_path / "万.xlsx", FULL_ROWS, typed, budget_score=(10, 9), total=99)
    card = score_file(path).card
    # 108 / 120 = 90% → 10 × 0.9 = 9; 50 + 30 + 10: 99; no cell unreadable
    assert (card.budget.adjusted, card.budget.executed) == (120, 108)
    assert card.errors == [] and card.total == 99
    yuan = {"年度资金总额": ("¥1,000,000.00", "￥1,200,000.00", "1,080,000.00元"), "当年财政拨款": (1e6, 1.2e6, 1.08e6)}
    path = build_form(tmp_path / "元.xlsx", FULL_ROWS, yuan, budget_score=(10, 9), total=99, unit="元")
    card = score_file(path).card
    # 1,080,000 / 1,200,000 = 90% → 9; total 99
    assert card.errors == [] and card.total == 99
