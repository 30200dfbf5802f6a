"""The drafted 自评报告: seed structure, every number from the workbook with its cell, marked
placeholders; read back from .docx and rendered once to PDF by LibreOffice."""

from __future__ import annotations

import re
import shutil

import docx
import pytest
from click.testing import CliRunner
from conftest import office_resave, soffice

from selfeval_xl import score_file
from selfeval_xl.cli import cli
from selfeval_xl.outputs.report import Block, draft, to_markdown

SEED = "红谷滩区应急管理局_2022年部门整体支出.xlsx"
PROJECT = "镜湖区残联_残疾人事业发展补助资金.xlsx"
SECTIONS = [
    "一、基本情况",
    "二、自评工作组织开展情况",
    "三、综合评价结论",
    "四、绩效目标完成情况",
    "五、偏离绩效目标的原因和改进措施",
    "六、申报得分与核定得分的差异",
    "七、绩效自评结果拟应用和公开情况",
]


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    from make_samples import make_samples

    return {p.name: p for p in make_samples(tmp_path_factory.mktemp("samples"))}


def assert_cited(sources, *rows):
    """Each (数据, 值, 工作表, 单元格) row is in the 附：数据来源 table."""
    missing = [row for row in rows if row not in sources]
    assert not missing, missing


def test_seed_report_in_markdown(samples):
    md = to_markdown(draft(score_file(samples[SEED]).card, inline_cites=True))
    assert md.startswith("# 南昌市红谷滩区应急管理局2022年度部门整体支出绩效自评报告\n")
    headings = [line[3:] for line in md.splitlines() if line.startswith("## ")]
    assert headings == SECTIONS
    # figures and where they come from (hand-checked in test_samples_roundtrip: 95.25 vs claimed 97)
    assert (
        "绩效自评得分95.25分，等级为“优”。单位申报97分（优）（基本信息!B11），比核定得分高1.75分，等级与核定一致。"
        in md
    )
    assert "全年预算数2,329.64万元（预算执行!C2）" in md and "预算执行率100.00%" in md
    assert "“三公”经费控制率 82.17%（“三公”经费实际支出数 9.86 ÷ “三公”经费预算数 12）" in md
    # scores in the tables with 2 decimals, as the results sheet and the summary show them: 重点支出安排率
    # (4 分) falls in the ≥80% band → 4 × 80% = 3.2 → 3.20; claimed 4 → 4.00; 4 − 3.2 = 0.80
    assert "| 重点支出安排率 | 4.00 | 3.20 | 0.80 | 绩效指标!J4 |" in md
    # 一级指标 table's last row: the points add up to 100, the total is the 95.25 above
    assert re.search(r"\| 合计 \| 100\.00 \| 95\.25 \|", md)
    # the rule set as a report names it: no "（默认）" (the tool's default, not the rules') and no file version
    assert "按“财预〔2013〕53号 部门整体支出”评分规则核定，2022年度部门整体支出绩效自评得分95.25分" in md
    assert "（默认）" not in md and " v1.0" not in md
    # unmet rows: with the unit's own reason and its cell, or a placeholder asking for one
    assert "原因：部分新兴行业领域事故起数下降不及预期，已纳入2023年重点监管（绩效指标!K17）" in md
    assert "【请补充：“预算调整率”的偏差原因】" in md
    # 15 of ≥12 = 125.00% (≥ 120%): the unit's reason for it is given, with its cell, not asked for
    assert (
        "- 组织应急演练次数：指标值 ≥12次，实际 15次（绩效指标!H13），为指标值的125.00%。"
        "原因：汛前和森林防火期加密演练（绩效指标!K13）。" in md
    )
    # 二、 organisation, （二） budget practice, the measures of （三） “三公” and of （四） 投入：预算配置,
    # （五） 过程：预算执行, （六） 过程：资产管理, the reasons of the three unmet 共性 rows, 五、 and 七、,
    # and the notice named in the opening sentence: 1 + 1 + 4 + 3 + 1 + 1 + 1 = 12
    assert md.count("【请补充：") == 12
    # numbers in prose at 2 decimals (the results sheet's 评分说明 keeps 4 for the hand check):
    # 预算调整率 224.34 ÷ 2105.3 = 10.6560% against ≤10% → 0.6560 points over → 0.66; × 0.2 = 0.1312 → 0.13;
    # 政府采购执行率 396.8 ÷ 420 = 94.4762% → 94.48 in "3 × 94.48 ÷ 100" (= 2.83, the score shown)
    assert "超出目标0.66个百分点 × 0.2 = 扣0.13分" in md
    assert "按 3 × 94.48 ÷ 100 计，得2.83/3分" in md
    assert not re.search(r"(?<![\d.])\d+\.\d{3,}(?![\d.])", md)


def test_sources_in_a_closing_table_by_default(samples):
    """Without --inline-cites no sentence carries a cell reference; 附：数据来源 lists each
    figure once with its sheet and cell (SPEC §4.5)."""
    blocks = draft(score_file(samples[SEED]).card)
    prose = [b.text for b in blocks if b.kind in ("p", "bullet")]
    assert not [t for t in prose if re.search(r"!\$?[A-Z]{1,3}\$?\d", t)]
    assert "单位申报97分（优），比核定得分高1.75分" in " ".join(prose)
    assert "全年预算数2,329.64万元，全年执行数" in " ".join(prose)
    assert [b.text for b in blocks if b.kind == "h1"][-1] == "附：数据来源"
    sources = blocks[-1]
    assert sources.kind == "table" and sources.headers == ("数据", "数值", "工作表", "单元格")
    assert ("申报总分", "97", "基本信息", "B11") in sources.rows
    assert ("全年预算数", "2,329.64万元", "预算执行", "C2") in sources.rows
    reason = "部分新兴行业领域事故起数下降不及预期，已纳入2023年重点监管"
    assert ("生产安全事故起数同比降幅 偏差原因", reason[:29] + "…", "绩效指标", "K17") in sources.rows
    assert len(set(sources.rows)) == len(sources.rows)


def test_project_report_asks_for_what_only_people_know(samples):
    md = to_markdown(draft(score_file(samples[PROJECT]).card))
    assert "“残疾人事业发展补助资金”项目支出绩效自评报告" in md.splitlines()[0]
    assert "【请补充：资金管理、项目实施、制度执行情况】" in md
    assert "（三）“三公”经费控制情况" not in md


def test_docx_reads_back(samples, tmp_path):
    src = tmp_path / SEED
    shutil.copyfile(samples[SEED], src)
    out = tmp_path / "报告.docx"
    result = CliRunner().invoke(cli, ["report", str(src), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"已起草报告（核定总分 95.25，优）：{out}（待人工补充 12 处）")
    d = docx.Document(str(out))
    heads = [(p.style.name, p.text) for p in d.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert heads[0] == ("Title", "南昌市红谷滩区应急管理局2022年度部门整体支出绩效自评报告")
    assert [t for s, t in heads if s == "Heading 1"] == [*SECTIONS, "附：数据来源"]
    indicators = d.tables[1]
    assert len(indicators.rows) == 1 + 19 and indicators.rows[3].cells[2].text == "重点支出安排率"
    assert [c.text for c in indicators.rows[3].cells[4:]] == ["87.30%", "4.00", "3.20", "4.00"]  # 4 × 80% = 3.2
    marked = [r for p in d.paragraphs for r in p.runs if r.text.startswith("【请补充")]
    assert len(marked) == 12 and all(r.bold and r.font.highlight_color is not None for r in marked)
    assert d.styles["Normal"].element.rPr.rFonts.get(docx.oxml.ns.qn("w:eastAsia")) == "仿宋"
    # .md works too; anything else is a usage error
    assert CliRunner().invoke(cli, ["report", str(src), "-o", str(tmp_path / "r.md")]).exit_code == 0
    assert CliRunner().invoke(cli, ["report", str(src), "-o", str(tmp_path / "r.pdf")]).exit_code == 2


@pytest.mark.office
def test_docx_renders_to_pdf(samples, tmp_path):
    if soffice() is None:
        pytest.skip("LibreOffice is not installed")
    out = tmp_path / "报告.docx"
    assert CliRunner().invoke(cli, ["report", str(samples[SEED]), "-o", str(out)]).exit_code == 0
    pdf = office_resave(out, tmp_path / "pdf", "pdf")
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 20_000


@pytest.mark.office
def test_report_tables_print_figures_whole_and_words_unbroken(samples, tmp_path):
    """Printed tables: a figure is never split over two lines (100.00 / % in the 2.2 cm 预算执行率
    column: the column widens, from the 单位 column), narrow headers break between words (核定 /
    得分, not 核定得 / 分), and a column of figures is right-aligned while one mixing figures and
    words (指标值: ≤10%, 达成年度指标) stays left."""
    import subprocess

    from docx.enum.text import WD_ALIGN_PARAGRAPH

    if soffice() is None:
        pytest.skip("LibreOffice is not installed")
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    for p in samples.values():
        shutil.copyfile(p, inbox / p.name)
    summary = tmp_path / "汇总.xlsx"
    CliRunner().invoke(cli, ["score", str(inbox), "--summary", str(summary), "--no-write-back"])
    out = tmp_path / "全区.docx"
    assert CliRunner().invoke(cli, ["report", "--summary", str(summary), "-o", str(out)]).exit_code == 0
    pdf = office_resave(out, tmp_path / "pdf", "pdf")
    words = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    # 天长's 880 of 880 = 100.00% (the longest rate), whole on its line; no line is a lone %
    assert "100.00%" in words and "%" not in [w.strip() for w in words.splitlines()]
    report = tmp_path / "报告.docx"
    assert CliRunner().invoke(cli, ["report", str(samples[SEED]), "-o", str(report)]).exit_code == 0
    table = docx.Document(str(report)).tables[1]  # 一级指标 二级指标 三级指标 指标值 实际完成值 分值 核定得分 申报得分
    assert [c.text for c in table.rows[0].cells] == [
        "一级\n指标",
        "二级指标",
        "三级指标",
        "指标值",
        "实际完成值",
        "分值",
        "核定\n得分",
        "申报\n得分",
    ]
    aligns = [c.paragraphs[0].alignment for c in table.rows[3].cells]
    assert aligns[3] == WD_ALIGN_PARAGRAPH.LEFT and aligns[5:] == [WD_ALIGN_PARAGRAPH.RIGHT] * 3


def test_district_report_from_the_summary(samples, tmp_path):
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    for p in samples.values():
        shutil.copyfile(p, inbox / p.name)
    summary = tmp_path / "汇总.xlsx"
    assert CliRunner().invoke(cli, ["score", str(inbox), "--summary", str(summary), "--no-write-back"]).exit_code == 1
    out = tmp_path / "全区.md"
    result = CliRunner().invoke(cli, ["report", "--summary", str(summary), "-o", str(out)])
    assert result.exit_code == 0, result.output
    md = out.read_text(encoding="utf-8")
    assert md.startswith("# 2022、2023年度预算绩效自评结果汇总报告")
    assert (
        "本次共收到文件10份，已评定等级8份（项目支出6份，部门整体支出2份），"
        "待更正2份（暂无正式等级、不排名，见第七部分），未能评分0份。" in md
    )
    # sections: 一 to 四 always; 五 复核情况 (the summary has the 复核总分 column, none entered);
    # no 上年 section (made without --previous); 六 常见问题; 七 the files left out — as referred to
    assert "## 五、复核情况" in md and "## 六、常见问题" in md and "## 七、待复核、待更正" in md
    assert "| 已评分 | 8 |" in md and "| 待更正 | 2 |" in md
    # 等级 of the 8 graded: 优 4 (100, 100, 99.11, 95.25) 4/8 = 50.00%, 良 2 (85.74, 83.81), 中 1
    # (64.37), 差 1 (39.58) 1/8 = 12.50%; the two 待更正 samples (77.64, 10 暂算) are not graded
    assert "| 优 | 4 | 50.00% |" in md and "| 差 | 1 | 12.50% |" in md
    # lowest execution first: 宣城 46/148 = 31.08%
    section = md.split("## 三、")[1].split("## 四、")[0]
    first = [line for line in section.splitlines() if line.startswith("| ") and "单位（项目）" not in line][0]
    assert first.startswith("| 宣城市农业农村局") and "31.08%" in first
    # biggest 申报 − 核定 first among graded files: 普陀 60 − 39.58 = 20.42 (大英's 100 − 10 暂算 is
    # a consequence of its error, not a finding)
    section = md.split("## 四、")[1].split("## 五、")[0]
    first = [line for line in section.splitlines() if line.startswith("| ") and "单位（项目）" not in line][0]
    assert first.startswith("| 上海市普陀区体育事业管理中心") and first.endswith("| 60.00 | 39.58 | 20.42 | 差 |")
    section = md.split("## 七、")[1]
    assert "待更正2份（有错误，退回单位更正后重新评分）：" in section
    assert "- 大英县司法局（2023年全县安可替代补助资金项目）（大英县司法局_安可替代补助资金.xlsx）：错误1个" in section
    # problems by their Chinese titles, never the internal codes
    assert "| 得分低于分值但未说明偏差原因 |" in md and "missing-reason" not in md
    # amounts rounded to 2 decimals: 普陀 executed 0.9034 万元 of 2 → 0.90, 45.17%
    assert "| 上海市普陀区体育事业管理中心（援滇对口支援及结对帮扶经费） | 2.00 | 0.90 | 45.17% | 39.58 |" in md
    assert "0.9034" not in md
    # the charts: written beside the .md, embedded in the .docx
    pngs = sorted(tmp_path.glob("全区.图*.png"))
    assert [p.name for p in pngs] == ["全区.图1.png", "全区.图2.png"]
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in pngs) and "![图1 等级分布](全区.图1.png)" in md
    # drawn as wide as they print (14 cm at 150 dpi = 14 ÷ 2.54 × 150 ≈ 827 px), long unit names
    # included, so the 10 pt labels print at 10 pt (a wider image was shrunk: labels at ~7 pt)
    widths = [int.from_bytes(p.read_bytes()[16:20], "big") for p in pngs]
    assert all(abs(w - 827) <= 2 for w in widths), widths
    out = tmp_path / "全区.docx"
    assert CliRunner().invoke(cli, ["report", "--summary", str(summary), "-o", str(out)]).exit_code == 0
    assert len(docx.Document(str(out)).inline_shapes) == 2
    assert CliRunner().invoke(cli, ["report"]).exit_code == 2


def test_an_unmet_budget_rate_is_cited_where_it_comes_from(samples):
    # 云南: 预算执行率 9,265.35 ÷ 10,441 = 88.74% < 100%, an unmet row; its 绩效指标 row leaves the
    # 实际完成值 cell blank (the rate is computed), so the source named is 预算执行's 全年执行数
    card = score_file(samples["云南省应急管理厅_航空消防租机补助经费.xlsx"]).card
    md = to_markdown(draft(card))
    assert "- 预算执行率：指标值 100%，实际 88.74%，得8.87/10分。" in md
    sources = md.split("## 附：数据来源")[1]
    assert "| 预算执行率 实际完成值 |" not in sources
    budget_col = card.data.budget_columns["全年执行数"]
    assert f"| 全年执行数 | 9,265.35万元 | 预算执行 | {budget_col}" in sources


def test_common_figures_are_cited_from_the_department_data(samples):
    """A 共性 row's 实际完成值 is computed from 部门整体数据 (its 绩效指标 cell is blank in the seed):
    the sources named are the data cells the formula read, not 绩效指标!H4. 重点支出安排率 1486.2 ÷
    1702.35 = 87.30% (unmet) is 部门整体数据 B15 and B16; 在职人员控制率 28 ÷ 30 (met, in 三、) is B3
    and B2; 预算调整率's 年初预算数 2,105.30 万元 is 预算执行!B2."""
    card = score_file(samples[SEED]).card
    assert card.data.records[4].actual.kind == "blank"  # (H4: nothing typed there)
    sources = draft(card)[-1].rows
    assert not [r for r in sources if r[2] == "绩效指标" and r[3] in ("H4", "H6", "H10")]
    assert_cited(
        sources,
        ("重点项目支出", "1486.2", "部门整体数据", "B15"),
        ("项目总支出", "1702.35", "部门整体数据", "B16"),
        ("在职人数", "28", "部门整体数据", "B3"),
        ("编制人数", "30", "部门整体数据", "B2"),
        ("年初预算数", "2,105.30万元", "预算执行", "B2"),
    )
    assert len(set(sources)) == len(sources)
    md = to_markdown(draft(card, inline_cites=True))
    assert (
        "- 重点支出安排率：指标值 ≥90%，实际 87.30%（重点项目支出 1486.2 ÷ 项目总支出 1702.35）（部门整体数据!B15）（部门整体数据!B16），得3.2/4分。"
        in md
    )


def test_one_reason_merged_over_rows_is_cited_at_its_cell_and_listed_once(make_workbook):
    """A template's 偏差原因 (K) merged K3:K10 over all eight 个性 rows, two of them below 分值:
    康复服务比例80% of ≥85% → 15 × 80/85 = 14.12; 服务对象满意度81% of ≥90% → 10 × 81/90 = 9.
    Both rows take the one reason (no missing-reason warning); the sources table cites it at K3,
    where it is typed (K10 is the merge's hidden, empty cell), and 五、 lists it once, not once a row."""
    import openpyxl
    from conftest import base_rows

    rows = base_rows()
    rows[0] = dict(rows[0], 实际完成值="80%", 偏差原因分析及改进措施="人员不足，明年增补")
    rows[7] = dict(rows[7], 实际完成值="81%")
    path = make_workbook(indicators=rows)
    wb = openpyxl.load_workbook(path)
    ws = wb["绩效指标"]
    assert (ws["D3"].value, ws["D10"].value, ws["K2"].value) == ("康复服务比例", "服务对象满意度", None)
    ws.merge_cells("K3:K10")
    wb.save(path)
    card = score_file(path).card
    assert [p.code for p in card.problems] == []
    assert [(r.name, r.score) for r in card.records if r.score < r.points] == [
        ("康复服务比例", 14.12),
        ("服务对象满意度", 9),
    ]
    blocks = draft(card)
    at = [b.text for b in blocks].index("五、偏离绩效目标的原因和改进措施")
    end = next(i for i in range(at + 1, len(blocks)) if blocks[i].kind == "h1")
    assert [b.text for b in blocks[at + 1 : end] if b.kind == "bullet"] == ["人员不足，明年增补"]
    sources = next(b for b in blocks if b.kind == "table" and b.headers and b.headers[0] == "数据")
    reasons = [r for r in sources.rows if r[0].endswith("偏差原因")]
    assert [r[3] for r in reasons] == ["K3", "K3"]


def test_prose_rounds_a_typed_claim_to_two_decimals(make_workbook):
    """Scores in the prose are rounded to 2 decimals without trailing zeros (as the seed's
    "自评得分97分"), the tables show 0.00: a typed 申报总分 96.555 read "单位申报 96.555 分".
    Hand-worked: 96.555 → 96.56 (half up); all rows met, 核定 100; 100 − 96.555 = 3.445 → 3.45."""
    path = make_workbook(info={"申报总分": 96.555})
    prose = " ".join(b.text for b in draft(score_file(path).card) if b.kind in ("p", "bullet"))
    assert "单位申报96.56分（优），比核定得分低3.45分" in prose
    assert "96.555" not in prose


def test_a_row_awaiting_review_at_full_points_is_not_called_met(make_workbook):
    """服务规范性 (10 分) has prose for its actual and claims 10: 待复核, counted at its claim for now,
    so every row is at full points (总分 100 − 10 + 10 = 100, 暂定 优). The report must not say every
    target was met, and 七、 (where the result is stated) must call the grade provisional."""
    from conftest import base_rows, row

    rows = base_rows()
    rows[2] = row("产出指标", "质量指标", "服务规范性", "规范", "改善了服务对象的康复条件", 10, claimed=10)
    card = score_file(make_workbook(indicators=rows)).card
    assert (card.status, card.total, card.grade) == ("needs-review", 100, "优")
    md = to_markdown(draft(card))
    assert "各项指标均达到年度目标。" not in md.replace("其余各项指标均达到年度目标。", "")
    assert "完成程度需复核人员判断的指标1项（得分暂定）：" in md
    assert (
        "- 服务规范性：指标值 规范，实际 改善了服务对象的康复条件，得10/10分，完成程度待复核人员判断，得分为暂定。"
        in md
    )
    assert "其余各项指标均达到年度目标。" in md
    closing = md.split("## 七、绩效自评结果拟应用和公开情况")[1]
    assert "得分100分，暂定等级“优”（1项指标待复核，得分和等级以复核结果为准）。" in closing


def test_a_department_budget_rate_below_target_is_cited_at_the_budget_sheet(samples):
    """示例区文化广电: its 预算执行率 row sits under 一级指标 过程 (a 部门整体支出 layout), 1,426 ÷
    1,620.40 = 88.00% → 10 × 88% = 8.8, unmet. Its 绩效指标 H5 is blank (computed): the source
    named must be 预算执行 D2 (全年执行数 1,426.00 万元), not the blank H5."""
    card = score_file(samples["示例区文化广电旅游体育局_2023年部门整体支出.xlsx"]).card
    assert card.data.records[5].actual.kind == "blank"
    sources = draft(card)[-1].rows
    assert not [r for r in sources if (r[2], r[3]) == ("绩效指标", "H5")]
    assert ("全年执行数", "1,426.00万元", "预算执行", "D2") in sources


def test_nested_quotes_and_reason_sentences(samples):
    """Chinese nests quotation marks “‘…’”: the placeholder for “三公”经费变动率's reason reads
    “‘三公’经费变动率”的偏差原因, never ““三公”经费变动率”. A unit's reason typed without a final
    full stop ends its sentence with one in the report (the next sentence must not run on)."""
    md = to_markdown(draft(score_file(samples["示例区文化广电旅游体育局_2023年部门整体支出.xlsx"]).card))
    assert "【请补充：“‘三公’经费变动率”的偏差原因】" in md
    assert "““" not in md and "””" not in md
    assert "原因：三季度极端天气影响，景区闭园 12 天。" in md


def test_common_rows_read_as_prose_and_a_claim_sum_that_disagrees_is_said(samples):
    """示例区文化广电's 共性 rows in 三、 read without the 评分说明's operator label and with the score
    said once: 政府采购执行率 260 ÷ 260 = 100% against ≥100% → full 3 points; 预算调整率 40.4 ÷ 1580 =
    2.56% ≤10% → full 3. Its 申报总分 92 is not the sum of its rows' 申报得分: 3+3+4+9+3+3+3+3+3+4
    (共性) + 10+8+6+6 (产出) + 9+9 (效益) + 10 (满意度) = 96 — said beside the 申报总分."""
    md = to_markdown(draft(score_file(samples["示例区文化广电旅游体育局_2023年部门整体支出.xlsx"]).card))
    assert (
        "- 政府采购执行率 100.00%（政府采购实际金额 260 ÷ 政府采购预算数 260）：达到指标值 ≥100%，得满分（3分）。" in md
    )
    assert "- 预算调整率 2.56%（预算调整数 40.4 ÷ 年初预算数 1580）：≤10%，得满分（3分）。" in md
    assert "：≥：" not in md and "得满分，得" not in md
    assert (
        "单位申报92分（优），比核定得分高8.19分，等级应为“良”而非“优”。各行申报得分合计96分，与申报总分不一致。" in md
    )


def test_sources_table_prints_each_sheet_name_on_one_line(samples, tmp_path):
    """附：数据来源's 工作表 column fits its longest name: the official form's 项目支出绩效自评表 is 9
    characters × 12 pt = 108 pt = 3.81 cm, + 0.38 cm cell margins + 0.1 = 4.29 cm (it was 2.4 cm,
    and printed 项目支出 / 绩效自评 / 表 on three lines); 数值 takes the rest: 15.6 − 5.0 − 4.29 − 1.7
    = 4.61. The seed's 部门整体数据 (6 × 0.4233 + 0.48 = 3.02 cm) likewise."""
    import subprocess

    form = draft(score_file(samples["棠溪镇人民政府_村级补助及运转经费（自评表）.xlsx"]).card)[-1]
    assert form.headers == ("数据", "数值", "工作表", "单元格") and form.widths == (5.0, 4.61, 4.29, 1.7)
    assert draft(score_file(samples[SEED]).card)[-1].widths == (5.0, 5.88, 3.02, 1.7)
    if soffice() is None:
        pytest.skip("LibreOffice is not installed")
    src = tmp_path / "表.xlsx"
    shutil.copyfile(samples["棠溪镇人民政府_村级补助及运转经费（自评表）.xlsx"], src)
    out = tmp_path / "报告.docx"
    assert CliRunner().invoke(cli, ["report", str(src), "-o", str(out)]).exit_code == 0
    pdf = office_resave(out, tmp_path / "pdf", "pdf")
    text = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    sources = text.split("附：数据来源")[1]
    # 目标, 完成情况, 申报总分, and the three budget figures: its 年度资金总额 line is typed 0 and rebuilt
    # from its one filled line, so they are 当年财政拨款's D7, E7, F7 (the 全年预算数 and 全年执行数 of
    # the split are those same cells, listed once): 3 + 3 = 6
    assert sources.count("项目支出绩效自评表") == 6


def test_an_over_achieving_row_without_a_reason_asks_for_one(make_workbook):
    """托养服务人次数 ≥105人, actual 130人: 130 ÷ 105 = 123.81% ≥ 120% → over-achievement (full 10
    points, no reason typed). The report says the figures and asks for the reason in a placeholder;
    the warning's own instruction (请在偏差原因中说明) is for the workbook, not for the report."""
    from conftest import base_rows

    rows = base_rows()
    rows[1] = dict(rows[1], 实际完成值="130人")
    card = score_file(make_workbook(indicators=rows)).card
    assert [p.code for p in card.problems] == ["over-achievement"]
    md = to_markdown(draft(card))
    assert (
        "- 托养服务人次数：指标值 ≥105人，实际 130人，为指标值的123.81%。【请补充：“托养服务人次数”远超指标值的原因】"
        in md
    )
    assert "请在偏差原因中说明" not in md


def _budget_paragraph(blocks) -> str:
    heads = [b.text for b in blocks]
    return blocks[heads.index("（二）预算编制和执行情况") + 1].text


def test_the_budget_split_is_stated_with_its_sources(make_workbook):
    """预算执行 in 元 with three 资金类别 lines (年初预算数 / 全年预算数 / 全年执行数): 年度资金总额
    21,053,000 / 23,296,400 / 21,500,000; 当年财政拨款 20,000,000 / 21,000,000 / 20,500,000; 上年结转资金
    1,053,000 / 1,053,000 / 1,000,000; 其他资金 0 / 1,243,400 / 0. In 万元 (÷ 10,000): totals 2,105.30 /
    2,329.64 / 2,150.00, rate 2,150 ÷ 2,329.64 = 92.29%; 全年预算数 2,100.00 + 105.30 + 124.34 = 2,329.64,
    全年执行数 2,050.00 + 100.00 + 0 = 2,150.00 (其他资金's 0 spent of its 124.34 is said). Rows: the
    template's 年度资金总额 is row 2, then 当年财政拨款 3, 上年结转资金 4, 其他资金 5; columns B C D."""
    path = make_workbook(
        info={"金额单位": "元"},
        budget={
            "年度资金总额": (21053000, 23296400, 21500000),
            "当年财政拨款": (20000000, 21000000, 20500000),
            "上年结转资金": (1053000, 1053000, 1000000),
            "其他资金": (0, 1243400, 0),
        },
    )
    blocks = draft(score_file(path).card)
    assert _budget_paragraph(blocks) == (
        "年初预算数2,105.30万元，全年预算数2,329.64万元，全年执行数2,150.00万元，预算执行率92.29%"
        "（全年执行数 ÷ 全年预算数）。全年预算数中，当年财政拨款2,100.00万元、上年结转资金105.30万元、"
        "其他资金124.34万元；全年执行数中，当年财政拨款2,050.00万元、上年结转资金100.00万元、其他资金0.00万元。"
    )
    sources = blocks[-1].rows
    assert_cited(
        sources,
        ("当年财政拨款 全年预算数", "2,100.00万元", "预算执行", "C3"),
        ("上年结转资金 全年预算数", "105.30万元", "预算执行", "C4"),
        ("其他资金 全年预算数", "124.34万元", "预算执行", "C5"),
        ("当年财政拨款 全年执行数", "2,050.00万元", "预算执行", "D3"),
        ("上年结转资金 全年执行数", "100.00万元", "预算执行", "D4"),
        ("其他资金 全年执行数", "0.00万元", "预算执行", "D5"),
    )
    # inline, each figure names its own cell
    inline = _budget_paragraph(draft(score_file(path).card, inline_cites=True))
    assert "上年结转资金105.30万元（预算执行!C4）" in inline and "其他资金0.00万元（预算执行!D5）" in inline


def test_a_budget_line_left_blank_or_all_zero_is_not_stated(make_workbook):
    """Only 当年财政拨款 holds money (29.6 each); 上年结转资金 is blank and 其他资金 typed 0, 0, 0:
    neither is a source of funds, neither is named."""
    path = make_workbook(
        budget={"年度资金总额": (29.6, 29.6, 29.6), "当年财政拨款": (29.6, 29.6, 29.6), "其他资金": (0, 0, 0)}
    )
    blocks = draft(score_file(path).card)
    assert _budget_paragraph(blocks).endswith(
        "全年预算数中，当年财政拨款29.60万元；全年执行数中，当年财政拨款29.60万元。"
    )
    assert not [r for r in blocks[-1].rows if r[0].startswith(("上年结转资金", "其他资金"))]


def test_numbers_and_their_units_are_written_together_but_quoted_text_is_kept(make_workbook):
    """What the report writes puts no space between a number and the unit after it (2,329.64万元,
    95.25分, 3项), as the seed (自评得分97分, 2329.64万元) and GB/T 15835 do; what it quotes from the
    workbook stays as typed, spaces included. 托养服务人次数 ≥105人 typed 84 人 with reason
    "缺 21 人，已补报": 84 ÷ 105 × 10 = 8 分 (unmet); 燃油补贴标准 target typed "≤260 元/辆"."""
    from conftest import base_rows

    rows = base_rows()
    rows[1] = dict(rows[1], 实际完成值="84 人", 偏差原因分析及改进措施="缺 21 人，已补报")
    rows[4] = dict(rows[4], 指标值="≤260 元/辆")
    blocks = draft(score_file(make_workbook(indicators=rows)).card)
    text = "\n".join(b.text for b in blocks if b.kind != "table")
    # 100 − 10 + 8 = 98
    assert "绩效自评得分98分，等级为“优”。" in text
    assert "未完全达到目标的指标1项：" in text
    assert "托养服务人次数：指标值 ≥105人，实际 84 人，得8/10分。原因：缺 21 人，已补报。" in text
    table = next(b for b in blocks if b.kind == "table" and "指标值" in b.headers)
    assert ("≤260 元/辆", "260元/辆") in [(r[3], r[4]) for r in table.rows]
    # nothing the report writes itself leaves a space before a unit (the spaced ones above are 人,
    # quoted from the workbook)
    assert not re.findall(r"\d (?:分|万元|项|个|份|处|%|个百分点)", text)


def test_common_rows_stand_under_headings_that_name_them(samples):
    """The seed's 共性 rows: “三公” ones in （三） (their names say so), the others by the rule set's
    一级/二级 (department_cy2013_53.toml): 投入/预算配置 在职人员控制率, 重点支出安排率; 过程/预算执行
    预算调整率, 结转结余率, 公用经费控制率, 政府采购执行率; 过程/资产管理 固定资产利用率. 在职人员控制率
    and 重点支出安排率 stood under （四）预算管理和资产管理情况, which names neither."""
    blocks = draft(score_file(samples[SEED]).card)
    sections: dict[str, list[str]] = {}
    for b in blocks[: [x.text for x in blocks].index("四、绩效目标完成情况")]:
        if b.kind == "h2":
            sections[b.text] = []
        elif b.kind == "bullet" and sections:
            sections[list(sections)[-1]].append(b.text.split(" ")[0])
    assert sections == {
        "（一）得分情况": [],
        "（二）预算编制和执行情况": [],
        "（三）“三公”经费控制情况": ["“三公”经费变动率", "“三公”经费控制率"],
        "（四）投入：预算配置情况": ["在职人员控制率", "重点支出安排率"],
        "（五）过程：预算执行情况": ["预算调整率", "结转结余率", "公用经费控制率", "政府采购执行率"],
        "（六）过程：资产管理情况": ["固定资产利用率"],
    }
    # each section asks for what was done in its own field (four identical requests read as one)
    asks = [b.text for b in blocks if b.kind == "p" and b.text.endswith("方面的主要做法和措施】")]
    assert asks == [
        "【请补充：“三公”经费管理方面的主要做法和措施】",
        "【请补充：预算配置方面的主要做法和措施】",
        "【请补充：预算执行方面的主要做法和措施】",
        "【请补充：资产管理方面的主要做法和措施】",
    ]


def test_the_report_opens_as_such_reports_do(samples):
    """The seed opens 根据《…通知》要求，我局对2022年度部门整体支出开展了绩效自评，现将情况汇报如下：
    unit, year and subject come from the workbook; the notice is asked for."""
    notice = "【请补充：布置本次绩效自评的通知名称，如《××财政局关于开展××年度绩效自评工作的通知》】"
    seed = draft(score_file(samples[SEED]).card)
    assert seed[1] == Block(
        "p",
        f"根据{notice}要求，南昌市红谷滩区应急管理局对2022年度部门整体支出开展了绩效自评，现将有关情况报告如下：",
    )
    project = draft(score_file(samples[PROJECT]).card)
    assert project[1].text == (
        f"根据{notice}要求，芜湖市镜湖区残疾人联合会对2023年度“残疾人事业发展补助资金”项目支出开展了绩效自评，"
        "现将有关情况报告如下："
    )


def test_a_rebuilt_total_is_cited_at_the_lines_it_was_built_from(make_workbook):
    """年度资金总额 left blank, 当年财政拨款 20 / 25 / 24 and 上年结转资金 5 / 5 / 5: the scorer rebuilds
    the total as 25 / 30 / 29 (budget-total-rebuilt) and the rate is 29 ÷ 30 = 96.67%. Row 2 holds
    nothing, so no figure may be sourced there: each total names the lines' cells (rows 3 and 4)."""
    path = make_workbook(budget={"当年财政拨款": (20, 25, 24), "上年结转资金": (5, 5, 5)})
    card = score_file(path).card
    assert sorted(p.where.cell for p in card.problems if p.code == "budget-total-rebuilt") == ["B2", "C2", "D2"]
    inline = _budget_paragraph(draft(card, inline_cites=True))
    assert inline.startswith(
        "年初预算数25.00万元（预算执行!B3）（预算执行!B4），全年预算数30.00万元（预算执行!C3）（预算执行!C4），"
        "全年执行数29.00万元（预算执行!D3）（预算执行!D4），预算执行率96.67%"
    )
    sources = draft(card)[-1].rows
    assert not [r for r in sources if r[2] == "预算执行" and r[3].endswith("2")]
    assert ("上年结转资金 年初预算数", "5.00万元", "预算执行", "B4") in sources
    # the 预算执行率 row (96.67% < 100%, unmet) names the same cells for its 实际完成值
    md = to_markdown(draft(card, inline_cites=True))
    assert "- 预算执行率：指标值 100%，实际 96.67%（预算执行!D3）（预算执行!D4），得9.67/10分。" in md


def test_a_claim_summed_from_the_rows_is_cited_at_the_rows_not_an_empty_total_cell(make_workbook, template_path):
    """No 申报总分 typed (基本信息!B11 blank): the scorer takes Σ of the rows' 申报得分 as the claim.
    The report cited it at 基本信息!B11, a cell holding nothing; it says the total is a sum and cites
    the rows' 申报得分 cells (绩效指标 J3:J10: the 8 rows under the 预算执行率 row 2).
    Hand-worked: every row met, 核定 10 + 90 = 100; claims 分值 on each row but 托养服务人次数 8 of 10:
    88. The 预算执行率 row left blank counts at its 核定得分 10 → 98; 98 − 100 = −2 (低2分), 98 ≥ 90 优."""
    from conftest import BASE_BUDGET, BASE_INFO, base_rows

    from selfeval_xl.outputs.fill import fill_workbook

    rows = [dict(r, 申报得分=8 if r["三级指标"] == "托养服务人次数" else r["分值"]) for r in base_rows()]
    card = score_file(make_workbook(indicators=rows)).card
    assert (card.total, card.claimed_total) == (100, 98)
    blocks = draft(card)
    prose = " ".join(b.text for b in blocks if b.kind == "p")
    assert (
        "单位未填写申报总分，各行申报得分合计（预算执行率一行未填，按核定得分计）为98分（优），比核定得分低2分，"
        "等级与核定一致。" in prose
    )
    sources = blocks[-1].rows
    assert ("各行申报得分合计", "98", "绩效指标", "J3:J10") in sources
    assert not [r for r in sources if r[2] == "基本信息" and r[3] == "B11"]
    # the 预算执行率 row claimed too (10): Σ 10 + 88 = 98 from J2:J10, nothing counted at its 核定得分
    path = fill_workbook(
        template_path,
        make_workbook().parent / "乙.xlsx",
        BASE_INFO,
        BASE_BUDGET,
        rows,
        owned={"预算执行率": {"申报得分": 10}},
    )
    card = score_file(path).card
    assert card.claimed_total == 98
    blocks = draft(card, inline_cites=True)
    prose = " ".join(b.text for b in blocks if b.kind == "p")
    assert "单位未填写申报总分，各行申报得分合计为98分（优）（绩效指标!J2:J10），比核定得分低2分" in prose
    # a typed 申报总分 is still cited at its own cell
    card = score_file(make_workbook("丙.xlsx", info={"申报总分": 98}, indicators=rows)).card
    prose = " ".join(b.text for b in draft(card, inline_cites=True) if b.kind == "p")
    assert "单位申报98分（优）（基本信息!B11），比核定得分低2分" in prose
