"""SPEC §6: one workbook per kind of trouble, each with its exact problem code and place, and a
folder that mixes them all with good workbooks: the good ones score, every bad one gets a
one-line Chinese reason, inputs stay byte-identical except the intended write-back, no traceback,
memory stays small."""

from __future__ import annotations

import io
import json
import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from _measure import run_measured, selfeval
from conftest import BASE_BUDGET, BASE_INFO, base_rows, row

from selfeval_xl import fill_workbook, score_file
from selfeval_xl.batch import BatchOptions, run_batch
from selfeval_xl.reading import contract as L

FORMULA_TEXTS = {
    "单位名称": '=HYPERLINK("http://evil.example","点我")',
    "项目名称": "+cmd|' /C calc'!A0",
    "主管部门": "@SUM(1+1)",
}


def patch_member(path: Path, member: str, edit: Callable[[bytes], bytes]) -> Path:
    """Rewrite one zip member of ``path`` in place (how a program other than an office suite
    would leave the file)."""
    with zipfile.ZipFile(path) as zf:
        items = [(i, zf.read(i)) for i in zf.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in items:
            zf.writestr(info, edit(data) if info.filename == member else data)
    return path


def _good(folder: Path, name: str, template: Path, **changes) -> Path:
    info = {**BASE_INFO, **changes.pop("info", {})}
    return fill_workbook(template, folder / name, info, BASE_BUDGET, changes.pop("rows", base_rows()))


# Each builder makes its file in ``folder`` and returns (code, "sheet!cell" or sheet or None)
# of the problem that must be reported; None for files that must score cleanly.
def not_a_zip(folder: Path, template: Path):
    (folder / "不是zip.xlsx").write_text("这是一份 Word 另存的文字", encoding="utf-8")
    return "not-a-workbook", None


def zip_not_workbook(folder: Path, template: Path):
    with zipfile.ZipFile(folder / "压缩包改名.xlsx", "w") as zf:
        zf.writestr("说明.txt", "附件见压缩包")
    return "not-a-workbook", None


def encrypted(folder: Path, template: Path):
    from msoffcrypto.format.ooxml import OOXMLFile

    good = _good(folder, "加密.tmp.xlsx", template)
    out = io.BytesIO()
    with open(good, "rb") as fh:
        OOXMLFile(fh).encrypt("123456", out)  # what Excel writes for 文件→保护工作簿→用密码进行加密
    (folder / "加密.xlsx").write_bytes(out.getvalue())
    good.unlink()
    return "encrypted", None


def missing_sheet(folder: Path, template: Path):
    path = _good(folder, "缺少绩效指标表.xlsx", template)
    wb = openpyxl.load_workbook(path)
    del wb[L.SHEET_INDICATORS]
    wb.save(path)
    return "missing-sheet", None


def inserted_blank_row(folder: Path, template: Path):
    # a blank row after the 3rd data row ends the table there (SPEC §2.4): the rows below are
    # not read, so Σ分值 = 10 + 15 + 10 = 35 ≠ 100
    path = _good(folder, "中间插入空行.xlsx", template)
    wb = openpyxl.load_workbook(path)
    wb[L.SHEET_INDICATORS].insert_rows(5)
    wb.save(path)
    return "points-total", "绩效指标!I1"


def formula_without_cache(folder: Path, template: Path):
    path = _good(folder, "公式没有结果.xlsx", template)
    wb = openpyxl.load_workbook(path)
    wb[L.SHEET_INDICATORS]["H3"] = "=1+1"  # openpyxl saves no cached result
    wb.save(path)
    return "formula-no-cache", "绩效指标!H3"


def stale_formula_cache(folder: Path, template: Path):
    # 执行率 (E2) says 50% though 29.6 of 29.6 was spent: a cache no program recalculated
    path = _good(folder, "公式结果过期.xlsx", template)

    def edit(xml: bytes) -> bytes:
        return re.sub(
            rb'<c r="E2"([^>]*?)(?:/>|>.*?</c>)', rb'<c r="E2"\1><f>D2/C2</f><v>0.5</v></c>', xml, count=1, flags=re.S
        )

    patch_member(path, "xl/worksheets/sheet3.xml", edit)
    return "formula-cache-mismatch", "预算执行!E2"


def formula_looking_text(folder: Path, template: Path):
    rows = base_rows()
    rows[0] = row("产出指标", "数量指标", "-2+3", "≥85%", "100%", 15)
    rows[4] = {**rows[4], "偏差原因分析及改进措施": "=1+1"}
    _good(folder, "公式样文字.xlsx", template, info=FORMULA_TEXTS, rows=rows)
    return None, None


def huge_dimension(folder: Path, template: Path):
    path = _good(folder, "声称百万行.xlsx", template)
    patch_member(
        path,
        "xl/worksheets/sheet4.xml",
        lambda x: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', x),
    )
    return None, None


def wps_dimension(folder: Path, template: Path):
    path = _good(folder, "WPS维度A1.xlsx", template)
    patch_member(
        path, "xl/worksheets/sheet4.xml", lambda x: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1"', x)
    )
    return None, None


def too_many_rows(folder: Path, template: Path):
    path = _good(folder, "一万多行.xlsx", template)

    def edit(xml: bytes) -> bytes:  # rows 11… replaced by 10,009 more filled rows
        extra = b"".join(
            b'<row r="%d"><c r="D%d" t="inlineStr"><is><t>x</t></is></c></row>' % (r, r) for r in range(11, 10_020)
        )
        start, end = xml.index(b'<row r="11"'), xml.index(b"</sheetData>")
        return xml[:start] + extra + xml[end:]

    patch_member(path, "xl/worksheets/sheet4.xml", edit)
    return "too-many-rows", "绩效指标"


def zip_bomb(folder: Path, template: Path):
    path = _good(folder, "压缩炸弹.xlsx", template)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/media/image1.bin", b"\0" * (70 * 1024 * 1024))  # 70 MB → ~70 KB
    return "too-large", None


def entity_tricks(folder: Path, template: Path):
    path = _good(folder, "实体声明.xlsx", template)

    def edit(xml: bytes) -> bytes:
        body = xml.split(b"?>", 1)[-1]
        return b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>' + body

    patch_member(path, "xl/workbook.xml", edit)
    return "unsafe-xml", None


def open_in_excel(folder: Path, template: Path):
    _good(folder, "正在编辑.xlsx", template)
    (folder / "~$正在编辑.xlsx").write_bytes(b"\x0bExcel user")
    return "locked", None


def blank_required(folder: Path, template: Path):
    _good(folder, "漏填年度.xlsx", template, info={"评价年度": None})
    return "missing-value", "基本信息!B3"


BUILDERS = [
    not_a_zip,
    zip_not_workbook,
    encrypted,
    missing_sheet,
    inserted_blank_row,
    formula_without_cache,
    stale_formula_cache,
    formula_looking_text,
    huge_dimension,
    wps_dimension,
    too_many_rows,
    zip_bomb,
    entity_tricks,
    open_in_excel,
    blank_required,
]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory, template_path):
    """Every troubled file plus three good ones: {file: (code, place)} and {builder: file}."""
    folder = tmp_path_factory.mktemp("收件箱")
    expected, made_by = {}, {}
    for build in BUILDERS:
        before = set(folder.iterdir())
        code, where = build(folder, template_path)
        (made,) = [p for p in set(folder.iterdir()) - before if not p.name.startswith("~$")]
        expected[made.name] = (code, where)
        made_by[build.__name__] = made.name
    for i in range(3):
        good = _good(folder, f"正常{i}.xlsx", template_path)
        expected[good.name] = (None, None)
    return folder, expected, made_by


@pytest.mark.parametrize("build", BUILDERS, ids=[b.__name__ for b in BUILDERS])
def test_each_trouble_has_its_code_and_place(mixed, build):
    folder, expected, made_by = mixed
    file_name = made_by[build.__name__]
    code, where = expected[file_name]
    outcome = score_file(folder / file_name)
    if code is None or code == "locked":  # scores cleanly; "locked" only appears on writing back
        assert not outcome.errors, [str(p) for p in outcome.errors]
        assert outcome.card.total == 100
        return
    hits = [p for p in outcome.problems if p.code == code]
    assert hits, (file_name, [str(p) for p in outcome.problems])
    if where is not None:
        assert where in {p.where.location for p in hits}
    assert all(str(p).startswith(file_name) for p in hits)


def test_the_whole_mixed_folder(mixed, tmp_path):
    folder, expected, _ = mixed
    work = tmp_path / "收件箱"
    shutil.copytree(folder, work)
    before = {p.name: p.read_bytes() for p in work.iterdir()}
    summary = tmp_path / "汇总.xlsx"
    # the scoring run's own peak (os.wait4 on its pid), not every child this test process ever had
    proc = run_measured(selfeval("score", str(work), "--summary", str(summary), "--json", "--jobs", "2"), timeout=300)
    peak_mb = proc.peak_mb
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    objs = {o["file"]: o for o in map(json.loads, proc.stdout.splitlines())}
    assert set(objs) == set(expected)  # the lock file itself is not a workbook to score
    for name, (code, _) in expected.items():
        codes = {p["code"] for p in objs[name]["problems"]}
        if code is None:
            assert objs[name]["total"] == 100 and not any(p["severity"] == "error" for p in objs[name]["problems"]), (
                name
            )
        else:
            assert code in codes, (name, codes)
    # one stderr line per file with problems, each naming the file, in Chinese; the good files
    # are copies of one submission, so each also gets a duplicate warning: its line (shown once the
    # run is done) counts it, as its workbook does
    err_lines = [
        line
        for line in proc.stderr.splitlines()
        if "：" in line and not line.startswith(("评分结果", "汇总表", "共 ", "警告："))
    ]
    assert {line.split("：", 1)[0] for line in err_lines} == {n for n, o in objs.items() if o["problems"]}
    assert all("重复提交" in line for line in proc.stderr.splitlines() if line.startswith("警告："))
    # inputs: unreadable and locked files byte-identical; scored ones changed only by write-back
    for name, data in before.items():
        after = (work / name).read_bytes()
        if name in objs and objs[name]["total"] is not None and name != "正在编辑.xlsx":
            assert L.SHEET_RESULTS in openpyxl.load_workbook(work / name, read_only=True).sheetnames
        else:
            assert after == data, name
    # formula-looking text stayed literal everywhere: JSON, results sheet, summary
    literal = objs["公式样文字.xlsx"]
    assert literal["unit"] == FORMULA_TEXTS["单位名称"] and literal["project"] == FORMULA_TEXTS["项目名称"]
    assert literal["indicators"][1]["name"] == "-2+3"
    results = openpyxl.load_workbook(work / "公式样文字.xlsx")[L.SHEET_RESULTS]
    assert results["C5"].value == "-2+3" and results["C5"].data_type == "s"  # below title block and header
    summary_rows = list(openpyxl.load_workbook(summary)[L.S_SUMMARY].iter_rows(values_only=True))
    assert any(r[1] == FORMULA_TEXTS["单位名称"] and r[3] == FORMULA_TEXTS["项目名称"] for r in summary_rows)
    with zipfile.ZipFile(summary) as zf:
        assert not any(b"<f>" in zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/"))
    unscored = [r[0] for r in openpyxl.load_workbook(summary)[L.S_UNSCORED].iter_rows(min_row=2, values_only=True)]
    assert set(unscored) == {n for n, o in objs.items() if o["total"] is None}
    assert peak_mb < 300


def test_file_that_vanishes_mid_batch(tmp_path, template_path):
    for name in ("甲.xlsx", "乙.xlsx", "丙.xlsx"):
        _good(tmp_path, name, template_path)
    seen = []

    def vanish(outcome):
        seen.append(outcome)
        if outcome.display == "丙.xlsx":  # files are taken in name order: 丙, 乙, 甲
            (tmp_path / "乙.xlsx").unlink()

    result = run_batch([tmp_path], BatchOptions(summary=None, write_back=False), on_outcome=vanish)
    gone = next(o for o in seen if o.display == "乙.xlsx")
    assert gone.error.code == "not-a-workbook" and "文件不存在或已被移走" in gone.error.message
    assert result.tally.files == 3 and result.tally.scored == 2


def test_internal_error_is_reported_not_raised(tmp_path, template_path, monkeypatch):
    from selfeval_xl import file_scoring

    path = _good(tmp_path, "甲.xlsx", template_path)

    def broken(*a, **k):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(file_scoring, "score", broken)
    outcome = score_file(path)
    assert outcome.error.code == "internal-error" and "ZeroDivisionError" in outcome.error.message
    with pytest.raises(ZeroDivisionError):
        score_file(path, debug=True)


def test_indicators_below_a_blank_row_are_pointed_at(mixed):
    # the inserted blank row (row 5) ends the table after 预算执行率, 康复服务比例 and 托养服务人次数
    # (rows 2-4); the six rows from 服务规范性 to 服务对象满意度 moved to rows 6-11 are not read, and
    # the warning says so at the blank row, besides Σ分值 35 ≠ 100
    folder, _, made_by = mixed
    outcome = score_file(folder / made_by["inserted_blank_row"])
    hits = [p for p in outcome.problems if p.code == "rows-after-blank"]
    assert [p.where.location for p in hits] == ["绩效指标!A5"] and hits[0].severity == "warning"
    assert "第 5 行整行空白" in hits[0].message and "从第 6 行起还有 6 行" in hits[0].message
    assert any(p.code == "points-total" for p in outcome.problems)
    # a table that simply ends (every good file) says nothing of the kind
    assert not [p for p in score_file(folder / "正常0.xlsx").problems if p.code == "rows-after-blank"]


def test_claims_below_a_blank_row_are_not_a_second_problem(make_workbook):
    # every row claims its full points and 申报总分 is 100; a blank row after the 3rd data row
    # cuts the table: Σ申报得分 of the rows read (10 + 15 + 10 = 35) differs from 100 only because
    # of the cut, said by rows-after-blank (and points-total): no claimed-total-sum besides
    from conftest import base_rows

    rows = [{**r, "申报得分": r["分值"]} for r in base_rows()]
    path = make_workbook(info={"申报总分": 100}, indicators=rows)
    wb = openpyxl.load_workbook(path)
    ws = wb[L.SHEET_INDICATORS]
    ws["J2"] = 10  # 预算执行率's claim (its row is the template's)
    ws.insert_rows(5)
    wb.save(path)
    codes = [p.code for p in score_file(path).problems]
    assert "rows-after-blank" in codes and "points-total" in codes
    assert "claimed-total-sum" not in codes
