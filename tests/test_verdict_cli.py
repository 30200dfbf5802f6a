"""The verdict end to end through the CLI, as a finance bureau runs it: a folder as departments
send it, an unfilled form, a 266-point form, a 不适用 row with 分值, a duplicate pair, and a
summary path that is the user's own file. Totals worked out by hand (rows as in test_verdict)."""

from __future__ import annotations

import json
import shutil

import docx
import openpyxl
import pytest
from click.testing import CliRunner
from conftest import base_rows, row

from selfeval_xl.cli import cli
from selfeval_xl.reading import contract as L


@pytest.fixture
def runner():
    return CliRunner()


def _info(n: int) -> dict:
    return {"单位名称": f"单位{n}", "单位编码": f"100-{n}", "项目名称": f"项目{n}"}


def _json(result) -> dict[str, dict]:
    return {o["file"]: o for o in map(json.loads, result.stdout.splitlines())}


def _rows(path, sheet):
    return list(openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True))


def _labels(path) -> dict:
    """The label/value rows of a written 评分结果 sheet (column A → B)."""
    return {r[0]: r[1] for r in _rows(path, L.SHEET_RESULTS) if r and isinstance(r[0], str)}


def test_folder_as_departments_send_it(runner, make_workbook, tmp_path):
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    # 甲 all met: 100. 乙 row 4 at 84 of ≥105人: 10 × 84/105 = 8 → 98.
    rows = base_rows()
    rows[1] = row("产出指标", "数量指标", "托养服务人次数", "≥105人", "84人", 10, reason="名额未满")
    made = [make_workbook("甲.xlsx", info=_info(1)), make_workbook("乙.xlsx", info=_info(2), indicators=rows)]
    # 丙 free text on row 8 (15 points) claiming 12: provisional 12 → 100 − 3 = 97, 待复核
    rows = base_rows()
    rows[5] = row("效益指标", "社会效益指标", "办学条件", "效果显著", "改善了学校的办学条件", 15, claimed=12)
    made.append(make_workbook("丙.xlsx", info=_info(3), indicators=rows))
    # 丁 a typo on row 4: 100 − 10 = 90 暂算, 待更正
    rows = base_rows()
    rows[1]["实际完成值"] = "约九成"
    made.append(make_workbook("丁.xlsx", info=_info(4), indicators=rows))
    # 戊 nothing filled in: 未填写
    rows = [dict(r, 实际完成值=None) for r in base_rows()]
    made.append(make_workbook("戊.xlsx", info=_info(5), indicators=rows, budget={"年度资金总额": (29.6, 29.6, None)}))
    for p in made:
        shutil.move(p, inbox / p.name)
    # what else departments send: a Word report, a PDF scan, a note, a WPS file that is not a workbook
    doc = docx.Document()
    doc.add_paragraph("自评报告")
    doc.save(inbox / "自评报告.docx")
    (inbox / "扫描件.pdf").write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    (inbox / "说明.txt").write_text("请查收", encoding="utf-8")
    (inbox / "己.et").write_bytes(b"WPS spreadsheet that is no workbook")
    (inbox / "~$甲.xlsx").write_bytes(b"lock")  # a lock file: not a submission
    summary = tmp_path / "汇总.xlsx"

    result = runner.invoke(cli, ["score", str(inbox), "--summary", str(summary), "--json", "--no-write-back"])
    assert result.exit_code == 1  # 丁 and 戊 have errors, 己.et cannot be read
    objs = _json(result)
    assert {f: (o["status"], o["total"], o["grade"]) for f, o in objs.items()} == {
        "甲.xlsx": ("final", 100, "优"),
        "乙.xlsx": ("final", 98, "优"),
        "丙.xlsx": ("needs-review", 97, "优"),
        "丁.xlsx": ("needs-correction", 90, None),
        "戊.xlsx": ("blank", objs["戊.xlsx"]["total"], None),
        "己.et": (None, None, None),
    }
    assert "请在 WPS 中另存为 .xlsx" in objs["己.et"]["problems"][0]["message"]
    # 9 files: 5 workbooks, 1 unreadable .et, 3 that are not workbooks (the lock file is not counted)
    assert result.stderr.splitlines()[-2] == (
        "共 9 个文件：已评分 2、待复核 1、待更正 1、未填写 1；无法读取 1；不是 Excel 工作簿 3（未评分）；"
        "等级：优 2、良 0、中 0、差 0"
    )
    for name, suffix in (("自评报告.docx", ".docx"), ("扫描件.pdf", ".pdf"), ("说明.txt", ".txt")):
        line = f"{name}：不是 Excel 工作簿（{suffix} 文件），未评分；如是自评表，请另存为 .xlsx 后重新提交"
        assert line in result.stderr.splitlines()

    # 汇总: ranked first, then 待复核, 待更正, 未填写, each unranked, each group under a thick line
    head, *rows_ = _rows(summary, L.S_SUMMARY)
    col = {h: i for i, h in enumerate(head)}
    got = [(r[col["文件"]], r[col["状态"]], r[col["排名"]], r[col["等级"]], r[col["核定总分"]]) for r in rows_]
    assert got == [
        ("甲.xlsx", "已评分", 1, "优", 100),
        ("乙.xlsx", "已评分", 2, "优", 98),
        ("丙.xlsx", "待复核", None, "优", 97),
        ("丁.xlsx", "待更正", None, None, 90),
        ("戊.xlsx", "未填写", None, None, None),
    ]
    ws = openpyxl.load_workbook(summary)[L.S_SUMMARY]
    tops = [ws.cell(r, 1).border.top.style for r in range(2, 7)]
    assert tops == [None, None, "thick", "thick", "thick"]
    assert ws.cell(5, col["核定总分"] + 1).number_format == '0.00"（暂算）"'

    # 等级分布: grades of the 2 ranked files; then every file's status
    grades = {r[0]: r[1] for r in _rows(summary, L.S_GRADES) if r[0]}
    assert grades["优"] == 2 and grades["良"] == 0
    table = _rows(summary, L.S_GRADES)
    start = next(i for i, r in enumerate(table) if r[0] == "状态")
    assert [(r[0], r[1]) for r in table[start + 1 : start + 7]] == [
        ("已评分", 2),
        ("已复核", 0),
        ("待复核", 1),
        ("待更正", 1),
        ("未填写", 1),
        ("合计", 5),
    ]
    # 未评分文件: the unreadable .et and every other file, so nothing is silently missed
    table = _rows(summary, L.S_UNSCORED)
    code, reason = table[0].index("代码"), table[0].index("原因")
    unscored = {r[0]: (r[code], r[reason]) for r in table[1:]}
    assert set(unscored) == {"己.et", "自评报告.docx", "扫描件.pdf", "说明.txt"}
    assert unscored["自评报告.docx"] == (
        "other-file",
        "不是 Excel 工作簿（.docx 文件），未评分；如是自评表，请另存为 .xlsx 后重新提交",
    )
    assert unscored["己.et"][0] == "not-a-workbook" and "请在 WPS 中另存为 .xlsx" in unscored["己.et"][1]

    # the district report shows the statuses
    out = tmp_path / "全区.md"
    assert runner.invoke(cli, ["report", "--summary", str(summary), "-o", str(out)]).exit_code == 0
    md = out.read_text(encoding="utf-8")
    assert "| 待复核 | 1 |" in md and "| 待更正 | 1 |" in md and "| 未填写 | 1 |" in md
    assert "- 单位4（项目4）（丁.xlsx）：错误1个，警告0个" in md


def test_unfilled_form(runner, make_workbook):
    rows = [dict(r, 实际完成值=None) for r in base_rows()]
    path = make_workbook("空表.xlsx", indicators=rows, budget={"年度资金总额": (29.6, 29.6, None)})
    result = runner.invoke(cli, ["score", str(path), "--json", "--summary", str(path.with_name("s.xlsx"))])
    assert result.exit_code == 1
    obj = _json(result)["空表.xlsx"]
    assert (obj["status"], obj["grade"]) == ("blank", None)
    assert [(p["code"], p["sheet"], p["cell"]) for p in obj["problems"]] == [("blank-form", "绩效指标", "H3")]
    assert "空表.xlsx：未填写（不评分），错误 1，警告 0" in result.stderr.splitlines()
    assert "共 1 个文件：已评分 0、待复核 0、待更正 0、未填写 1" in result.stderr.splitlines()
    labels = _labels(path)
    assert (labels["状态"], labels["等级"], labels["核定总分"]) == ("未填写", "不评定", None)
    # the drafted report says to fill it in first, and the command says it failed
    result = runner.invoke(cli, ["report", str(path), "-o", str(path.with_name("r.md"))])
    assert result.exit_code == 1
    assert "自评表尚未填写" in path.with_name("r.md").read_text(encoding="utf-8")


def test_form_whose_points_add_to_266(runner, make_workbook):
    rows = [dict(r, 分值=r["分值"] * 2) for r in base_rows()]
    rows.append(row("产出指标", "数量指标", "加分项", "≥1个", "1个", 76))
    path = make_workbook("266.xlsx", indicators=rows)
    result = runner.invoke(cli, ["score", str(path), "--json", "--summary", str(path.with_name("s.xlsx"))])
    assert result.exit_code == 1
    obj = _json(result)["266.xlsx"]
    # 10 + 180 + 76 = 266 points, all met: 266 暂算, never 优
    assert (obj["status"], obj["total"], obj["grade"]) == ("needs-correction", 266, None)
    assert ("points-total", "I1") in {(p["code"], p["cell"]) for p in obj["problems"]}
    labels = _labels(path)
    assert (labels["核定总分"], labels["等级"], labels["状态"]) == (266, "待更正后评定", "待更正")


def test_not_applicable_row_with_points(runner, make_workbook):
    rows = base_rows()
    rows[1] = row("产出指标", "数量指标", "托养服务人次数", "≥105人", "84人", 10, reason="名额未满")
    rows[5] = row("效益指标", "生态效益指标", "/", "/", "/", 15)
    path = make_workbook("不适用.xlsx", indicators=rows)
    result = runner.invoke(cli, ["score", str(path), "--json", "--summary", str(path.with_name("s.xlsx"))])
    assert result.exit_code == 0  # a warning only
    obj = _json(result)["不适用.xlsx"]
    # 83 of the 85 applicable points, × 100 ÷ 85 = 97.65
    assert (obj["status"], obj["total"], obj["grade"]) == ("final", 97.65, "优")
    assert [(p["code"], p["cell"]) for p in obj["problems"]] == [("not-applicable-rescaled", "I8")]
    problems = [r for r in _rows(path, L.SHEET_RESULTS) if r and r[0] == "警告"]
    assert [(r[1], r[2][:19]) for r in problems] == [("绩效指标!I8", "该行标为不适用（“/”）但有分值 15")]


def test_duplicate_pair(runner, make_workbook, tmp_path):
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    for name in ("残联.xlsx", "残联（修改后）.xlsx"):
        shutil.move(make_workbook(name), inbox / name)
    summary = tmp_path / "汇总.xlsx"
    result = runner.invoke(cli, ["score", str(inbox), "--json", "--summary", str(summary)])
    assert result.exit_code == 0
    objs = _json(result)
    # same 单位编码 340202-118, 项目名称, 2023, 项目支出: each is told about the other, at 单位编码 (B5)
    for name, other in (("残联.xlsx", "残联（修改后）.xlsx"), ("残联（修改后）.xlsx", "残联.xlsx")):
        assert [(p["code"], p["sheet"], p["cell"]) for p in objs[name]["problems"]] == [("duplicate", "基本信息", "B5")]
        assert objs[name]["problems"][0]["message"].startswith(f"与 {other} 是同一单位、同一项目、同一年度的自评表")
        # the file's own 评分结果 says so too (written again once the run knew)
        problems = [r for r in _rows(inbox / name, L.SHEET_RESULTS) if r and r[0] == "警告"]
        assert [(r[1], r[2][: len(other) + 2]) for r in problems] == [("基本信息!B5", f"与 {other}")]
    listed = [r for r in _rows(summary, L.S_PROBLEMS) if r[L.PROBLEM_LIST_HEADERS.index("代码")] == "duplicate"]
    assert sorted((r[0], r[2]) for r in listed) == [("残联.xlsx", "B5"), ("残联（修改后）.xlsx", "B5")]
    head, *rows_ = _rows(summary, L.S_SUMMARY)
    assert [r[head.index("警告数")] for r in rows_] == [1, 1]
    # validate says the same, once every file is read
    result = runner.invoke(cli, ["validate", str(inbox)])
    assert sum("重复提交" in line or "同一单位、同一项目" in line for line in result.stderr.splitlines()) == 2


def test_summary_that_is_not_ours_is_never_overwritten(runner, make_workbook, tmp_path, monkeypatch):
    path = make_workbook("a.xlsx")
    theirs = tmp_path / "汇总.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "我的台账"
    wb.active["A1"] = "两年的工作"
    wb.save(theirs)
    before, workbook_before = theirs.read_bytes(), path.read_bytes()
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["score", "a.xlsx"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "错误：汇总.xlsx 不是本工具生成的汇总表，为免覆盖已停止，未评分任何文件；请用 --summary 指定其他文件名"
    ]
    # checked before any work: neither the summary nor the workbook was touched
    assert theirs.read_bytes() == before and path.read_bytes() == workbook_before
    # our own summary is replaced as usual
    assert runner.invoke(cli, ["score", "a.xlsx", "--summary", "ours.xlsx"]).exit_code == 0
    assert runner.invoke(cli, ["score", "a.xlsx", "--summary", "ours.xlsx"]).exit_code == 0


def test_report_for_a_file_to_correct_lists_what_to_fix(runner, make_workbook):
    rows = base_rows()
    rows[1]["实际完成值"] = "约九成"
    path = make_workbook("错字.xlsx", indicators=rows)
    out = path.with_name("错字.md")
    result = runner.invoke(cli, ["report", str(path), "-o", str(out)])
    assert result.exit_code == 1
    assert result.stdout.startswith("已起草更正清单（待更正，1 处需更正；")
    md = out.read_text(encoding="utf-8")
    assert "| 绩效指标!H4 | 实际完成值“约九成”无法识别为数值 |" in md
    assert "偏差原因" not in md and "按现有数据暂算90分" in md


def test_duplicate_counts_in_the_terminal_line_as_in_the_workbook(runner, make_workbook, tmp_path):
    # two copies of one submission; the copy also claims 9 for row 4 (托养服务人次数, met → 10): one
    # warning of its own (申报得分 9 ≠ 核定 10) + the duplicate = 2; the original has only the
    # duplicate = 1. The terminal says what the workbooks and 汇总 say, each line with its duplicate
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    rows = base_rows()
    rows[1]["申报得分"] = 9
    shutil.move(make_workbook("镜湖区残联.xlsx"), inbox / "镜湖区残联.xlsx")
    shutil.move(make_workbook("副本.xlsx", indicators=rows), inbox / "镜湖区残联 - 副本.xlsx")
    summary = tmp_path / "汇总.xlsx"
    result = runner.invoke(cli, ["score", str(inbox), "--summary", str(summary)])
    assert result.exit_code == 0, result.output
    head, *rows_ = _rows(summary, L.S_SUMMARY)
    counts = {r[head.index("文件")]: r[head.index("警告数")] for r in rows_ if r[0] is not None}
    assert counts == {"镜湖区残联.xlsx": 1, "镜湖区残联 - 副本.xlsx": 2}
    for name, n in counts.items():
        assert _labels(inbox / name)["警告数"] == n
    lines = result.stderr.splitlines()
    copy = lines.index("镜湖区残联 - 副本.xlsx：已评分，核定总分 100.00（优），错误 0，警告 2")
    assert lines[copy + 1].startswith("警告：镜湖区残联 - 副本.xlsx 基本信息!B5：与 镜湖区残联.xlsx 是同一单位")
    assert "镜湖区残联.xlsx：已评分，核定总分 100.00（优），错误 0，警告 1" in lines
    # --verbose lists the file's own warning and then the duplicate under its line
    result = runner.invoke(cli, ["score", str(inbox), "--verbose", "--summary", str(summary)])
    lines = result.stderr.splitlines()
    copy = lines.index("镜湖区残联 - 副本.xlsx：已评分，核定总分 100.00（优），错误 0，警告 2")
    assert [line.split("：")[0] for line in lines[copy + 1 : copy + 3]] == ["警告", "警告"]
    assert "申报得分 9 与核定得分 10 不一致" in lines[copy + 1] and "同一单位" in lines[copy + 2]
    # validate counts it the same way (its file lines go to stdout, each file's problems before it)
    result = runner.invoke(cli, ["validate", str(inbox)])
    assert "镜湖区残联 - 副本.xlsx：已评分，核定总分 100.00（优），错误 0，警告 2" in result.stdout.splitlines()
    assert "镜湖区残联.xlsx：已评分，核定总分 100.00（优），错误 0，警告 1" in result.stdout.splitlines()
    assert sum("同一单位" in line for line in result.stderr.splitlines()) == 2
