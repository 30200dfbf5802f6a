"""The district summary (SPEC §4.2) and the batch around it: numbers equal the per-file results
and the JSON, ranks with ties, text stays text, interrupted batches leave nothing half-written."""

from __future__ import annotations

import csv
import json
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import base_rows, row

from selfeval_xl.batch import BatchOptions, run_batch
from selfeval_xl.cli import cli
from selfeval_xl.ooxml import sheet_writer as xw
from selfeval_xl.outputs.summary import SummaryWriter, competition_ranks
from selfeval_xl.reading import contract as L

FORMULA_TEXT = '=HYPERLINK("http://evil.example","点我")'


def test_competition_ranks():
    assert competition_ranks([95, 90, 90, 80]) == [1, 2, 2, 4]
    assert competition_ranks([70, 70, 70]) == [1, 1, 1]
    assert competition_ranks([]) == []


def _rows_with(changes: dict[int, dict]) -> list[dict]:
    rows = base_rows()
    for i, rec in changes.items():
        rows[i] = rec
    return rows


@pytest.fixture
def inbox(tmp_path, make_workbook) -> Path:
    """Four filled workbooks and one broken file in 收件箱/ (a sub-folder for one of them).

    a: all met                                   → 10 + 90 = 100 (优)
    b: 托养 84人 of ≥105人: 10 × 84/105 = 8        → 98 (优)
    c: same as b, 单位名称 is formula-looking text  → 98 (优), ties with b
    d: 康复 42.5% of ≥85%: 15 × 0.5 = 7.5;
       托养 52.5人 of ≥105人: 10 × 0.5 = 5          → 100 − 7.5 − 5 = 87.5 (良)
    """
    inbox = tmp_path / "收件箱"
    (inbox / "乡镇").mkdir(parents=True)
    partial = row("产出指标", "数量指标", "托养服务人次数", "≥105人", "84人", 10)
    make_workbook("a.xlsx")
    make_workbook("b.xlsx", indicators=_rows_with({1: partial}))
    make_workbook("c.xlsx", info={"单位名称": FORMULA_TEXT}, indicators=_rows_with({1: partial}))
    make_workbook(
        "d.xlsx",
        info={"单位名称": "丁单位", "申报总分": 95},
        indicators=_rows_with(
            {
                0: row("产出指标", "数量指标", "康复服务比例", "≥85%", "42.5%", 15),
                1: row("产出指标", "数量指标", "托养服务人次数", "≥105人", "52.5人", 10),
            }
        ),
    )
    for name in ("a", "b", "c"):
        (tmp_path / f"{name}.xlsx").rename(inbox / f"{name}.xlsx")
    (tmp_path / "d.xlsx").rename(inbox / "乡镇" / "d.xlsx")
    (inbox / "坏.xlsx").write_bytes(b"this is not a workbook")
    return inbox


def sheet_rows(path: Path, name: str) -> list[tuple]:
    return list(openpyxl.load_workbook(path)[name].iter_rows(values_only=True))


def as_dicts(rows: list[tuple]) -> list[dict]:
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:] if any(v is not None for v in r)]


def test_summary_equals_results_and_json(inbox, tmp_path):
    summary = tmp_path / "out" / "汇总.xlsx"
    result = CliRunner().invoke(cli, ["score", str(inbox), "--summary", str(summary), "--json"])
    assert result.exit_code == 1  # 坏.xlsx could not be read
    objs = {o["file"]: o for o in map(json.loads, result.stdout.splitlines())}
    assert set(objs) == {"a.xlsx", "b.xlsx", "c.xlsx", "乡镇/d.xlsx", "坏.xlsx"}

    rows = as_dicts(sheet_rows(summary, L.S_SUMMARY))
    got = [(r["文件"], r["核定总分"], r["等级"], r["排名"]) for r in rows]
    assert got == [
        ("a.xlsx", 100, "优", 1),
        ("b.xlsx", 98, "优", 2),
        ("c.xlsx", 98, "优", 2),
        ("乡镇/d.xlsx", 87.5, "良", 4),
    ]
    d = rows[3]
    assert (d["产出指标得分"], d["申报总分"], d["得分差异"]) == (37.5, 95, 7.5)  # 50 − 12.5; 95 − 87.5
    assert d["单位名称"] == "丁单位" and d["评价年度"] == 2023 and d["全年预算数(万元)"] == 29.6
    assert rows[2]["单位名称"] == FORMULA_TEXT  # text, not a formula
    for r in rows:
        obj = objs[r["文件"]]
        assert r["核定总分"] == obj["total"] and r["等级"] == obj["grade"]
        assert r["预算执行率"] == pytest.approx(obj["budget"]["rate"] / 100)
        assert r["错误数"] == sum(p["severity"] == "error" for p in obj["problems"])
        # and the 评分结果 sheet written into the workbook says the same
        res = sheet_rows(inbox / r["文件"], L.SHEET_RESULTS)
        assert next(x[1] for x in res if x and x[0] == L.R_TOTAL) == r["核定总分"]

    detail = as_dicts(sheet_rows(summary, L.S_DETAIL))
    assert len(detail) == 4 * 9  # 8 base rows + the 预算执行率 row per workbook
    b_row = next(x for x in detail if x["文件"] == "b.xlsx" and x["三级指标"] == "托养服务人次数")
    assert (b_row["分值"], b_row["核定得分"], b_row["完成率"]) == (10, 8, 0.8)

    problems = as_dicts(sheet_rows(summary, L.S_PROBLEMS))
    broken = [p for p in problems if p["文件"] == "坏.xlsx"]
    assert [(p["工作表"], p["单元格"], p["级别"], p["代码"]) for p in broken] == [
        (None, None, "错误", "not-a-workbook")
    ]
    assert any(p["文件"] == "b.xlsx" and p["代码"] == "missing-reason" and p["单元格"] == "K4" for p in problems)
    unscored = as_dicts(sheet_rows(summary, L.S_UNSCORED))
    assert [(u["文件"], u["代码"]) for u in unscored] == [("坏.xlsx", "not-a-workbook")]
    # the page note of an empty 未评分文件 (tests/test_print.py) is not printed above a listed file
    assert openpyxl.load_workbook(summary)[L.S_UNSCORED].oddHeader.center.text is None

    grades = as_dicts(sheet_rows(summary, L.S_GRADES))
    assert [(g["等级"], g["全部数量"], g["全部占比"]) for g in grades] == [
        ("优", 3, 0.75),
        ("良", 1, 0.25),
        ("中", 0, 0),
        ("差", 0, 0),
        ("合计", 4, 1),
        # then files per status (the unreadable 坏.xlsx is in 未评分文件, not here)
        ("状态", "全部数量", "全部占比"),
        ("已评分", 4, 1),
        ("已复核", 0, 0),
        ("待复核", 0, 0),
        ("待更正", 0, 0),
        ("未填写", 0, 0),
        ("合计", 4, 1),
    ]
    with zipfile.ZipFile(summary) as zf:
        assert "xl/charts/chart1.xml" in zf.namelist()
        for name in zf.namelist():
            if name.startswith("xl/worksheets/sheet"):
                assert b"<f>" not in zf.read(name), name  # no input text became a formula
    ws = openpyxl.load_workbook(summary)[L.S_SUMMARY]
    assert ws.freeze_panes == "C2" and ws.auto_filter.ref == "A1:V5"  # … 文件, 状态, 复核总分
    # relative link from out/ to the scored file (XlsxWriter stores it Windows-style)
    assert ws["T2"].hyperlink.target == "..\\收件箱\\a.xlsx"


def test_rerun_is_idempotent_and_skips_own_outputs(inbox, tmp_path):
    out = inbox / "已评分"  # inside the folder being scored, on purpose
    summary = out / "汇总.xlsx"
    args = ["score", str(inbox), "--out-dir", str(out), "--summary", str(summary)]
    first = CliRunner().invoke(cli, args)
    first_rows = sheet_rows(summary, L.S_SUMMARY)
    second = CliRunner().invoke(cli, args)
    assert first.exit_code == second.exit_code == 1
    assert sheet_rows(summary, L.S_SUMMARY) == first_rows
    assert len(first_rows) == 1 + 4
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.xlsx")) == [
        "a.xlsx",
        "b.xlsx",
        "c.xlsx",
        "乡镇/d.xlsx",
        "汇总.xlsx",
    ]
    # a renamed summary dropped into the folder is recognised and skipped, not reported
    (summary).rename(inbox / "2023年汇总.xlsx")
    third = CliRunner().invoke(
        cli, ["score", str(inbox), "--out-dir", str(out), "--no-write-back", "--summary", str(tmp_path / "s.xlsx")]
    )
    assert "跳过本工具生成的文件：2023年汇总.xlsx" in third.stderr
    assert len(sheet_rows(tmp_path / "s.xlsx", L.S_SUMMARY)) == 1 + 4


def test_long_detail_spills_to_csv(inbox, tmp_path, monkeypatch):
    monkeypatch.setattr(SummaryWriter, "detail_limit", 10)
    summary = tmp_path / "汇总.xlsx"
    result = run_batch([inbox], BatchOptions(write_back=False, summary=summary))
    assert result.detail_csv == tmp_path / "汇总_指标明细.csv"
    assert len(sheet_rows(summary, L.S_DETAIL)) == 1 + 10
    with open(result.detail_csv, encoding="utf-8-sig", newline="") as fh:
        spilled = list(csv.reader(fh))
    assert spilled[0] == list(L.DETAIL_HEADERS) and len(spilled) == 1 + 36 - 10
    assert any("汇总_指标明细.csv" in str(r[0]) for r in sheet_rows(summary, L.S_SUMMARY) if r[0])


def test_spill_from_worker_processes_is_the_same(inbox, tmp_path, monkeypatch):
    # from workers, each outcome's indicators come packed and the summary has their rows
    # rendered: the rows past the limit are unpacked for the CSV, the same as in one process
    monkeypatch.setattr(SummaryWriter, "detail_limit", 10)
    here = run_batch([inbox], BatchOptions(write_back=False, summary=tmp_path / "a" / "汇总.xlsx"))
    pool = run_batch(
        [inbox], BatchOptions(write_back=False, summary=tmp_path / "b" / "汇总.xlsx", jobs=2, isolate=True)
    )
    assert here.detail_csv is not None and pool.detail_csv is not None
    spilled = pool.detail_csv.read_bytes()
    assert spilled == here.detail_csv.read_bytes() and spilled.count(b"\n") == 1 + 36 - 10
    assert sheet_rows(pool.summary, L.S_DETAIL) == sheet_rows(here.summary, L.S_DETAIL)


def test_summary_past_the_plain_zip_limits_has_the_same_parts(inbox, tmp_path, monkeypatch):
    # a streamed sheet past 4 GB makes the zip writer give up (zip64 needed): zipfile writes
    # the summary instead, part for part the same
    import zipfile

    from selfeval_xl.outputs import summary_stream

    plain = run_batch([inbox], BatchOptions(write_back=False, summary=tmp_path / "a" / "汇总.xlsx")).summary

    def too_big(self, *args):
        raise OverflowError("zip64 needed")

    monkeypatch.setattr(summary_stream.ZipOut, "close", too_big)
    big = run_batch([inbox], BatchOptions(write_back=False, summary=tmp_path / "b" / "汇总.xlsx")).summary
    assert plain is not None and big is not None
    with zipfile.ZipFile(plain) as a, zipfile.ZipFile(big) as b:
        assert a.namelist() == b.namelist()
        for name in a.namelist():
            if name != "docProps/core.xml":  # XlsxWriter stamps the time it wrote the file
                assert a.read(name) == b.read(name), name
    assert sorted(p.name for p in big.parent.iterdir()) == ["汇总.xlsx"]  # no scratch left


def test_interrupted_batch_leaves_no_half_written_file(inbox, tmp_path, monkeypatch):
    before = {p: p.read_bytes() for p in inbox.rglob("*.xlsx")}
    real_save = xw.Package.save
    calls = {"n": 0}

    def save_then_ctrl_c(self, *a, **k):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real_save(self, *a, **k)

    monkeypatch.setattr(xw.Package, "save", save_then_ctrl_c)
    summary = tmp_path / "汇总.xlsx"
    with pytest.raises(KeyboardInterrupt):
        run_batch([inbox], BatchOptions(summary=summary))
    assert not summary.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["收件箱"]  # no temp summary left
    after = {p: p.read_bytes() for p in inbox.rglob("*") if p.is_file()}
    assert set(after) == set(before)  # no temp files beside the workbooks
    # a.xlsx was finished before the interrupt; b.xlsx was being written and is untouched
    assert L.SHEET_RESULTS in openpyxl.load_workbook(inbox / "a.xlsx").sheetnames
    assert after[inbox / "b.xlsx"] == before[inbox / "b.xlsx"]


def test_parallel_batch_gives_the_same_summary(inbox, tmp_path):
    # 4 workbooks × 5 copies = 20 files (enough for 2 workers, 8 files each at least)
    for src in [inbox / "a.xlsx", inbox / "b.xlsx", inbox / "c.xlsx", inbox / "乡镇" / "d.xlsx"]:
        for i in range(4):
            shutil.copyfile(src, inbox / f"{src.stem}_{i}.xlsx")
    sheets = {}
    for jobs in (1, 2):
        out = tmp_path / f"j{jobs}.xlsx"
        result = run_batch([inbox], BatchOptions(write_back=False, summary=out, jobs=jobs, scored_at="x"))
        assert result.tally.files == 21 and result.tally.scored == 20
        wb = openpyxl.load_workbook(out)
        sheets[jobs] = {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb}
    assert sheets[1] == sheets[2]
    assert len(sheets[2][L.S_DETAIL]) == 1 + 20 * 9


def test_streamed_sheets_are_compressed(inbox, tmp_path):
    summary = tmp_path / "汇总.xlsx"
    run_batch([inbox], BatchOptions(write_back=False, summary=summary))
    with zipfile.ZipFile(summary) as zf:
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in zf.infolist())


def test_file_link_with_hash_and_spaces_reaches_the_file(make_workbook, tmp_path):
    """A file named 甲#2 [副本] 100%.xlsx: 汇总's link is escaped as Excel escapes file links — "#" as %23
    (XlsxWriter took it for a place inside the file: the link pointed at “甲” with location “2 …”),
    " " %20, "[" %5b, "]" %5d, "%" %25 — and the sample list reads it back to the file's name."""
    from selfeval_xl.reading.summary_table import file_links

    name = "甲#2 [副本] 100%.xlsx"
    (tmp_path / "收件").mkdir()
    make_workbook(f"收件/{name}")
    run_batch([tmp_path / "收件"], BatchOptions(summary=tmp_path / "汇总.xlsx", write_back=False))
    link = openpyxl.load_workbook(tmp_path / "汇总.xlsx")[L.S_SUMMARY]["T2"].hyperlink
    assert (link.target, link.location) == ("收件\\甲%232%20%5b副本%5d%20100%25.xlsx", None)
    assert file_links(tmp_path / "汇总.xlsx") == {name: f"收件/{name}"}


def test_file_links_are_the_targets_xlsxwriter_makes(tmp_path):
    """汇总's rows (and their links) are written without XlsxWriter since issue 17: each link's
    target must be what XlsxWriter's write_url makes of the same file_url, which Excel, WPS and
    LibreOffice open (relative with backslashes, file:/// before an absolute path, escaped once)."""
    import re
    import zipfile

    import xlsxwriter

    from selfeval_xl.outputs.summary_sheet import link_target
    from selfeval_xl.outputs.summary_xlsx import file_url

    targets = [
        "a.xlsx",
        "./b.xlsx",
        "../收件箱/甲 #2 [终].xlsx",
        "50%{x}.xlsx",
        "/srv/submissions/乙.xlsx",
        "C:/Users/财务/丙.xlsx",
        "//server/share/丁.xlsx",
    ]
    book = xlsxwriter.Workbook(str(tmp_path / "links.xlsx"))
    ws = book.add_worksheet()
    for r, target in enumerate(targets):
        ws.write_url(r, 0, file_url(target), string=target)
    book.close()
    rels = zipfile.ZipFile(tmp_path / "links.xlsx").read("xl/worksheets/_rels/sheet1.xml.rels").decode()
    made = [t.replace("&amp;", "&") for t in re.findall(r'Target="([^"]*)"', rels)]
    assert made == [link_target(t) for t in targets]


def test_files_past_excels_link_limit_are_named_without_a_link(inbox, tmp_path, monkeypatch):
    """Excel keeps at most 65,530 hyperlinks a sheet; past them (2 here) a file's name is still
    written, as plain text (XlsxWriter used to drop the cell with a warning on the console)."""
    from selfeval_xl.outputs import summary_sheet

    monkeypatch.setattr(summary_sheet, "MAX_LINKS", 2)
    summary = tmp_path / "汇总.xlsx"
    run_batch([inbox], BatchOptions(write_back=False, summary=summary))
    ws = openpyxl.load_workbook(summary)[L.S_SUMMARY]
    file_col = [c.value for c in ws[1]].index("文件") + 1
    cells = [ws.cell(r, file_col) for r in range(2, 6)]  # a, b, c, d scored (坏 is in 未评分文件)
    assert sorted(c.value for c in cells) == ["a.xlsx", "b.xlsx", "c.xlsx", "乡镇/d.xlsx"]
    assert [c.hyperlink is not None for c in cells] == [True, True, False, False]
    assert [c.font.u for c in cells] == ["single", "single", None, None]


@pytest.mark.parametrize("size", [0, 1000, 3 * (1 << 20) + 12345])
def test_streamed_sheets_deflate_to_one_stream(size):
    """A sheet of less than a chunk is deflated in this thread, a longer one chunk by chunk on
    every core: either way one raw deflate stream of the pieces, with their CRC-32 and length."""
    import io
    import zlib

    from selfeval_xl.outputs.summary_stream import _deflate

    rows = (
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>%d</t></is></c></row>' % (i, i, i * 7919)
        for i in range(size // 50 + 1)
    )
    data = b"".join(rows)[:size]  # (every row is over 50 bytes: enough of them)
    pieces = [data[i : i + 70_000] for i in range(0, len(data), 70_000)] or [b""]
    out = io.BytesIO()
    crc, length = _deflate(iter(pieces), out)
    assert zlib.decompress(out.getvalue(), -15) == data
    assert (crc, length) == (zlib.crc32(data), len(data))


def test_detail_names_a_level1_one_way_to_pivot_on(make_workbook, tmp_path):
    # a form that writes its 一级指标 with the points, 产出指标(50分) / 效益指标（30分）: in 指标明细 the
    # column holds the standard names, as 汇总's subtotal columns do, so a pivot does not split them
    rows = base_rows()
    rows[0] = {**rows[0], "一级指标": "产出指标(50分)"}
    rows[5] = {**rows[5], "一级指标": "效益指标（30分）"}
    folder = tmp_path / "收件"
    folder.mkdir()
    make_workbook("收件/a.xlsx", indicators=rows)
    summary = tmp_path / "汇总.xlsx"
    run_batch([folder], BatchOptions(summary=summary))
    detail = as_dicts(sheet_rows(summary, L.S_DETAIL))
    assert sorted({d["一级指标"] for d in detail}) == sorted({"预算执行率", "产出指标", "效益指标", "满意度指标"})
