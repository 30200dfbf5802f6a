"""Hostile load and bad moments (issue 18): each input is built here, small, and every run is
bounded in time (a hang fails the test instead of stalling the suite) and measured in memory."""

from __future__ import annotations

import errno
import os
import random
import re
import shutil
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from _measure import run_measured, selfeval
from conftest import BASE_BUDGET, BASE_INFO, base_rows

from selfeval_xl import fill_workbook, score_file
from selfeval_xl.reading import contract as L

INDICATORS = "xl/worksheets/sheet4.xml"  # 绩效指标 in the generated template


def good(folder: Path, name: str, template: Path) -> Path:
    """A workbook that scores 100, its own submission (项目名称 carries the file's name, so that
    two of them in one run are not duplicates)."""
    info = {**BASE_INFO, "项目名称": f"{BASE_INFO['项目名称']}（{Path(name).stem[:20]}）"}
    return fill_workbook(template, folder / name, info, BASE_BUDGET, base_rows())


def patch(path: Path, member: str, edit: Callable[[bytes], bytes]) -> Path:
    with zipfile.ZipFile(path) as zf:
        items = [(i, zf.read(i)) for i in zf.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in items:
            zf.writestr(info, edit(data) if info.filename == member else data)
    return path


@pytest.mark.parametrize(
    "row", [b'<row r="' + b"9" * 5000 + b'"/>', b'<row r="9"><c r="A9" s="' + b"9" * 5000 + b'"/></row>']
)
def test_numbers_longer_than_int_takes_are_read_not_a_program_error(tmp_path, template_path, row):
    # a row number past int()'s 4,300 digits stopped the file with "处理该文件时程序出错
    # (ValueError: Exceeds the limit …)": now it is a row past the cap, skipped below a table
    # that ended long before it, and a style index that long is a style past the styles: scored
    path = patch(
        good(tmp_path, "长数字.xlsx", template_path),
        INDICATORS,
        lambda xml: xml.replace(b"</sheetData>", row + b"</sheetData>", 1),
    )
    outcome = score_file(path)
    assert outcome.error is None and outcome.card is not None and outcome.card.total == 100


BAD_REFERENCES = {
    # (what is typed over the generated 绩效指标 sheet, the reference the message names)
    "表头行0": ((b'<row r="1"', b'<row r="0"'), "行号“0”"),
    "行号-1": ((b'<row r="2"', b'<row r="-1"'), "行号“-1”"),
    "单元格D0": ((b'r="D2"', b'r="D0"'), "单元格引用“D0”"),
    "单元格D-1": ((b'r="D2"', b'r="D-1"'), "单元格引用“D-1”"),
    # a merged range reaching row 0 (it was taken as rows 0–2, its value filled over rows that are
    # not its own): refused like a cell A0
    "合并A0": (
        (b"</sheetData>", b'</sheetData><mergeCells count="1"><mergeCell ref="A0:B2"/></mergeCells>'),
        "合并单元格“A0:B2”",
    ),
}


@pytest.mark.parametrize("how", ["scanned", "tree", "streamed"])
@pytest.mark.parametrize("bad", BAD_REFERENCES, ids=list(BAD_REFERENCES))
def test_a_row_or_cell_numbered_0_or_minus_1_refuses_the_file(tmp_path, template_path, monkeypatch, bad, how):
    """<row r="0">, <row r="-1">, <c r="D0">, <c r="D-1">: no cell a spreadsheet has. They were put
    on real cells: the header row numbered 0 made “在前 10 行找不到表头”, a row numbered 0 was
    read as a blank row 2 ending the table (分值合计 0), D0 landed on D2 and D-1 on the next
    column, silently. The file is damaged: not-a-workbook naming the sheet and the reference, the
    same whichever way the part is read (scanned, parsed as a tree, parsed incrementally)."""
    (old, new), named = BAD_REFERENCES[bad]
    comment = b"" if how == "scanned" else b"<!-- x -->"  # a comment: not scanned

    def edit(xml: bytes) -> bytes:
        return xml.replace(old, new, 1).replace(b"<sheetData>", comment + b"<sheetData>", 1)

    if how == "streamed":
        from selfeval_xl.ooxml import xlsx_book

        monkeypatch.setattr(xlsx_book, "_WHOLE", 0)
    path = patch(good(tmp_path, "引用.xlsx", template_path), INDICATORS, edit)
    outcome = score_file(path)
    assert outcome.card is None and outcome.error is not None
    assert (outcome.error.code, outcome.error.where.sheet) == ("not-a-workbook", "绩效指标")
    assert str(outcome.error) == (
        f"引用.xlsx 绩效指标：不是有效的 Excel 工作簿（{named}无效，行号应从 1 开始，文件已损坏；"
        "请用 Excel 或 WPS 打开、另存后再提交）"
    )


FAR_ROWS = {
    # Ctrl+End lands there: a row height, a styled blank, a value typed at the sheet's last cell
    "行高": b'<row r="1048576" ht="20" customHeight="1"/>',
    "格式": b'<row r="1048576"><c r="K1048576" s="1"/></row>',
    "末格": b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>z</t></is></c></row>',
    "三万行": b'<row r="30000"><c r="D30000"><v>1</v></c><c r="I30000"><v>5</v></c></row>',
}


@pytest.mark.parametrize("comment", [b"", b"<!-- x -->"])  # scanned; parsed as a tree
@pytest.mark.parametrize("far", FAR_ROWS, ids=list(FAR_ROWS))
def test_one_row_past_the_row_cap_below_a_finished_table_is_not_ten_thousand_indicators(
    tmp_path, template_path, far, comment
):
    # A 9-row table and one row numbered past the 20,000 rows read (with <dimension> saying
    # A1:XFD1048576): refused as "指标行超过 10000 行" though the table ends at row 11. The row is
    # skipped, every row above it read: the file scores as without it.
    def edit(xml: bytes) -> bytes:
        xml = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', xml)
        return xml.replace(b"</sheetData>", comment + FAR_ROWS[far] + b"</sheetData>", 1)

    path = patch(good(tmp_path, "末行.xlsx", template_path), INDICATORS, edit)
    outcome = score_file(path)
    assert outcome.error is None, str(outcome.error)
    assert outcome.card is not None and outcome.card.total == 100
    assert not outcome.card.problems, [str(p) for p in outcome.card.problems]


def test_rows_after_a_row_past_the_cap_are_still_read(tmp_path, template_path):
    # the far row first, the table after it (rows out of order, as no office suite writes them
    # but a generator may): reading goes on past the skipped row, so the whole table is read
    path = patch(
        good(tmp_path, "乱序.xlsx", template_path),
        INDICATORS,
        lambda xml: xml.replace(b"<sheetData>", b"<sheetData>" + FAR_ROWS["三万行"], 1),
    )
    outcome = score_file(path)
    assert outcome.error is None and outcome.card is not None and outcome.card.total == 100


# --- 1. regex backtracking ------------------------------------------------------------------
def test_run_of_unclosed_cell_tags_in_a_comment_reads_in_linear_time(tmp_path, template_path):
    # 100,000 "<c r=" with no ">" inside a comment: 1.3 MB (varied, so the compression ratio
    # stays legal). The old pre-pass was quadratic (16 KB took 15.7 s, 400 KB over 60 s).
    rnd = random.Random(18)
    run_of_tags = "".join(f'<c r="A{rnd.randrange(10**6)}' for _ in range(100_000)).encode()
    path = patch(
        good(tmp_path, "注释.xlsx", template_path),
        INDICATORS,
        lambda xml: xml.replace(b"<sheetData>", b"<!-- " + run_of_tags + b" --><sheetData>", 1),
    )
    run = run_measured(selfeval("validate", str(path)), timeout=60)
    assert run.returncode == 0, run.stderr
    assert "核定总分 100.00" in run.stdout
    assert run.peak_mb < 300


# --- 2. merged-cell bomb --------------------------------------------------------------------
def test_merges_down_to_the_last_excel_row_cost_nothing(tmp_path, template_path):
    # 200 merges B20:C1048576 (the 18 KB file): expanded row by row they were 304 MB
    # each; clipped to the rows that hold anything they add nothing, and the file scores.
    merges = b"".join(b'<mergeCell ref="B%d:C1048576"/>' % (20 + i) for i in range(200))

    def edit(xml: bytes) -> bytes:
        xml = re.sub(rb"<mergeCells[^>]*>.*?</mergeCells>", b"", xml, flags=re.S)
        return xml.replace(b"</sheetData>", b'</sheetData><mergeCells count="200">' + merges + b"</mergeCells>", 1)

    path = patch(good(tmp_path, "合并炸弹.xlsx", template_path), INDICATORS, edit)
    run = run_measured(selfeval("validate", str(path)), timeout=60)
    assert "Traceback" not in run.stderr
    assert "核定总分 100.00" in run.stdout, run.stdout + run.stderr
    assert run.peak_mb < 300


# --- 3. memory bounded by what is read ------------------------------------------------------
@pytest.mark.parametrize("comment", [b"", b"<!-- x -->"])
def test_dense_sheet_stops_at_the_row_cap_within_bounded_memory(tmp_path, template_path, comment):
    # 20,040 rows of two 50-character texts (about 3 MB of XML, under the 64 MB part limit but
    # over the size parsed as one tree): stopping at 20,000 rows (too-many-rows), never holding
    # the whole tree (a 10 MB dense sheet cost 1.77 GB). Plain, the part is scanned; with a
    # comment in it, it is parsed incrementally.
    text = "指标说明" * 12 + "xx"
    rows = "".join(
        f'<row r="{r}"><c r="K{r}" t="str"><v>{text}{r}</v></c><c r="L{r}" t="str"><v>{text}</v></c></row>'
        for r in range(60, 20_100)
    )
    path = patch(
        good(tmp_path, "稠密.xlsx", template_path),
        INDICATORS,
        lambda xml: xml.replace(b"</sheetData>", comment + rows.encode() + b"</sheetData>", 1),
    )
    run = run_measured(selfeval("validate", str(path)), timeout=60)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "指标行超过" in run.stderr
    assert run.peak_mb < 300


def test_shared_strings_past_the_cap_are_refused(tmp_path, template_path, monkeypatch):
    # The 2.4 M shared strings cost 771 MB; past MAX_SHARED (1 M) a workbook is refused.
    # The cap is lowered here so that the test input stays small: 3,000 strings over a cap of
    # 2,000, read incrementally (each <si> dropped once read).
    from selfeval_xl.ooxml import limits

    monkeypatch.setattr(limits, "MAX_SHARED", 2_000)
    strings = "".join(f"<si><t>{i}</t></si>" for i in range(3_000)).encode()
    path = tmp_path / "共享字符串.xlsx"  # the template itself: filled copies use inline strings
    shutil.copy(template_path, path)
    patch(path, "xl/sharedStrings.xml", lambda xml: xml.replace(b"</sst>", strings + b"</sst>", 1))
    outcome = score_file(path)
    assert outcome.error is not None and outcome.error.code == "too-large"
    assert "共享字符串超过 2,000 条" in outcome.error.message


@pytest.mark.parametrize("member", [INDICATORS, "xl/styles.xml"])
def test_deep_nesting_is_refused(tmp_path, template_path, member):
    # 100,000 nested elements (700 KB; the 1 M cost 481 MB)
    deep = b"<a>" * 100_000 + b"</a>" * 100_000

    def edit(xml: bytes) -> bytes:
        close = b"</sheetData>" if member == INDICATORS else b"</styleSheet>"
        return xml.replace(close, (b"<extLst>" + deep + b"</extLst>" if member != INDICATORS else deep) + close, 1)

    path = patch(good(tmp_path, "嵌套.xlsx", template_path), member, edit)
    outcome = score_file(path)
    assert outcome.error is not None and outcome.error.code == "too-large", outcome.problems
    assert "嵌套" in outcome.error.message


# --- 4 and 5. budgets in workers; a worker that dies is replaced ----------------------------
def ods_bomb(path: Path, rows: int = 50_000, cols: int = 1_000) -> Path:
    """A 1 KB .ods whose one repeated cell is 50 M cells to calamine (it allocates them all)."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content'
        ' xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="基本信息">'
        f'<table:table-row table:number-rows-repeated="{rows}"><table:table-cell office:value-type="float"'
        f' office:value="1" table:number-columns-repeated="{cols}"><text:p>1</text:p></table:table-cell>'
        "</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        zf.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest'
            ' xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
            '<manifest:file-entry manifest:full-path="/"'
            ' manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>",
        )
    return path


def copies(folder: Path, template: Path, n: int, stem: str = "正常") -> list[Path]:
    """``n`` good workbooks, each its own submission (项目名称 ends in its number: the same
    submission twice would be a duplicate, warned and written twice)."""
    first = good(folder, f"{stem}00.xlsx", template)
    # openpyxl writes each CJK character of the name as a character reference
    project = "".join(f"&#{ord(c)};" for c in BASE_INFO["项目名称"]).encode()
    out = [first]
    for i in range(1, n):
        out.append(folder / f"{stem}{i:02d}.xlsx")
        shutil.copy(first, out[-1])

        def numbered(xml: bytes, i: int = i) -> bytes:
            assert project in xml, "the copy would be a duplicate"
            return xml.replace(project, project + b"%d" % i)

        patch(out[-1], "xl/worksheets/sheet2.xml", numbered)
    return out


def json_lines(text: str) -> dict[str, dict]:
    import json

    return {o["file"]: o for o in map(json.loads, text.splitlines())}


def test_a_file_that_kills_its_worker_is_reported_and_the_batch_goes_on(tmp_path, template_path):
    # The .ods bomb makes calamine ask for 2 GB: past the worker's address-space budget the
    # allocation fails and the Rust library aborts the process (as the OOM killer would kill
    # it). The pool is replaced, the file in flight reported too-large, the 20 good files on
    # both sides of it scored and written.
    folder = tmp_path / "收件箱"
    folder.mkdir()
    goods = copies(folder, template_path, 20)
    ods_bomb(folder / "正常10炸弹.ods")
    run = run_measured(
        selfeval("score", str(folder), "--json", "--jobs", "2", "--summary", str(tmp_path / "汇总.xlsx"))
    )
    assert "Traceback" not in run.stderr and "backtrace" not in run.stderr, run.stderr
    assert run.returncode == 1
    objs = json_lines(run.stdout)
    assert len(objs) == 21
    bomb = objs["正常10炸弹.ods"]
    assert [p["code"] for p in bomb["problems"]] == ["too-large"]
    assert "处理进程被系统终止" in bomb["problems"][0]["message"]  # the worker died; another took over
    for g in goods:
        assert objs[g.name]["total"] == 100, g.name
        with zipfile.ZipFile(g) as zf:
            assert f'name="{L.SHEET_RESULTS}"'.encode() in zf.read("xl/workbook.xml")
    assert (tmp_path / "汇总.xlsx").exists()
    assert run.peak_mb < 300


def test_a_file_over_its_time_budget_is_reported_too_slow(tmp_path, template_path):
    # A legal but long workbook (9,600 indicator rows, just under the 10,000 cap: ~0.35 s of
    # CPU on a fast machine) against the smallest budget, 0.1 s (SELFEVAL_FILE_SECONDS, the
    # setting for a slow machine; the watchdog then looks every 0.025 s): stopped at its name,
    # the others (a few ms each) scored.
    import os

    folder = tmp_path / "收件箱"
    folder.mkdir()
    copies(folder, template_path, 3)
    rows = [dict(r, 三级指标=f"{r['三级指标']}{i}") for i in range(1200) for r in base_rows()]
    assert len(rows) == 9600
    fill_workbook(template_path, folder / "很长.xlsx", BASE_INFO, BASE_BUDGET, rows)
    env = {**os.environ, "SELFEVAL_FILE_SECONDS": "0.1"}
    run = run_measured(
        selfeval("score", str(folder), "--json", "--no-write-back", "--summary", str(tmp_path / "s.xlsx")), env=env
    )
    assert "Traceback" not in run.stderr
    objs = json_lines(run.stdout)
    assert [p["code"] for p in objs["很长.xlsx"]["problems"]] == ["too-slow"]
    assert "很长.xlsx" in run.stderr and "0.1 秒" in run.stderr
    assert all(objs[f"正常{i:02d}.xlsx"]["total"] == 100 for i in range(3))


# --- 6 and 7. workers die with the parent; what a killed run leaves, the next run removes ---
def _session(sid: int) -> list[int]:
    """Live (not zombie) processes in session ``sid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[3]) == sid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def _start_batch(folder: Path, summary: Path):  # type: ignore[no-untyped-def]
    import subprocess
    import time

    before = {f.name: f.stat().st_ino for f in folder.iterdir()}
    proc = subprocess.Popen(
        selfeval("score", str(folder), "--jobs", "2", "--summary", str(summary)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while len(_session(proc.pid)) < 3:  # the parent and its two workers
        assert time.monotonic() < deadline and proc.poll() is None, "workers never started"
        time.sleep(0.01)
    # some files written (a written-back file is a new file renamed over the old), others in
    # flight: watched for, not slept for, so that a fast machine does not finish first
    while not any(f.stat().st_ino != before[f.name] for f in folder.iterdir() if f.name in before):
        assert time.monotonic() < deadline and proc.poll() is None, "nothing was written"
        time.sleep(0.005)
    return proc


def _gone(sid: int, within: float = 5) -> bool:
    import time

    deadline = time.monotonic() + within
    while _session(sid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _intact(folder: Path) -> None:
    for f in folder.iterdir():
        assert not f.name.startswith("."), f"left behind: {f.name}"
        with zipfile.ZipFile(f) as zf:
            assert zf.testzip() is None


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_workers_die_with_a_killed_parent_and_the_next_run_cleans_up(tmp_path, template_path):
    import signal

    folder = tmp_path / "收件箱"
    folder.mkdir()
    copies(folder, template_path, 600)  # still scoring when killed (~1 s of work on a fast machine)
    proc = _start_batch(folder, tmp_path / "汇总.xlsx")
    try:
        proc.kill()  # kill -9: no chance to clean up
        proc.wait()
        proc.stderr.close()
        assert _gone(proc.pid), "workers outlived the parent"
    finally:
        for pid in _session(proc.pid):
            os.kill(pid, signal.SIGKILL)
    assert not (tmp_path / "汇总.xlsx").exists()
    # a temp file a killed worker was writing (made here as such a worker leaves it: its pid is
    # gone) and a scratch folder of a dead run: the next run removes both, not a live run's
    dead = _dead_pid()
    (folder / f".正常00.{dead}.abcd1234.tmp.xlsx").write_bytes(b"PK half")
    (tmp_path / f".selfeval-{dead}.abcd1234").mkdir()
    live = folder / f".正常01.{os.getpid()}.abcd1234.tmp.xlsx"
    live.write_bytes(b"PK another run, still writing")
    run = run_measured(selfeval("score", str(folder), "--jobs", "2", "--summary", str(tmp_path / "汇总.xlsx")))
    assert run.returncode == 0, run.stderr
    assert live.exists()
    live.unlink()
    _intact(folder)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def _dead_pid() -> int:
    import subprocess

    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_zombie_writers_temp_file_is_removed(tmp_path):
    # a killed run's worker that nothing reaps (a container whose first process is no init) is a
    # zombie: kill(pid, 0) still finds it, but it writes nothing any more
    import subprocess
    import time

    from selfeval_xl._fs import remove_stale

    child = subprocess.Popen(["true"])  # not waited for: a zombie once it exits
    stat = Path(f"/proc/{child.pid}/stat")
    deadline = time.monotonic() + 10
    while stat.read_text().rpartition(")")[2].split()[0] != "Z":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    try:
        left = tmp_path / f".正常00.{child.pid}.abcd1234.tmp.xlsx"
        left.write_bytes(b"PK half")
        live = tmp_path / f".正常01.{os.getpid()}.abcd1234.tmp.xlsx"
        live.write_bytes(b"PK still writing")
        assert remove_stale({tmp_path}) == 1
        assert not left.exists() and live.exists()
    finally:
        child.wait()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
@pytest.mark.parametrize("signum", ["SIGTERM", "SIGHUP"])
def test_sigterm_and_sighup_take_the_ctrl_c_path(tmp_path, template_path, signum):
    import signal

    folder = tmp_path / "收件箱"
    folder.mkdir()
    copies(folder, template_path, 600)  # still scoring when stopped (~1 s of work on a fast machine)
    proc = _start_batch(folder, tmp_path / "汇总.xlsx")
    sig = getattr(signal, signum)
    try:
        os.kill(proc.pid, sig)  # the parent only, as `kill PID` or a closed terminal does
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 128 + sig
        assert "Traceback" not in err.decode() and "已中断" in err.decode()
        assert _gone(proc.pid)
    finally:
        for pid in _session(proc.pid):
            os.kill(pid, signal.SIGKILL)
    assert not (tmp_path / "汇总.xlsx").exists()
    _intact(folder)  # every workbook whole (written back or untouched), no temp file left
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# --- 8. the summary cannot be written -------------------------------------------------------
@pytest.fixture
def small_disk(tmp_path):  # type: ignore[no-untyped-def]
    """A 3 MB tmpfs (mounting needs root; skipped otherwise), unmounted afterwards."""
    import subprocess

    mnt = tmp_path / "小磁盘"
    mnt.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mnt)]).returncode:
        pytest.skip("needs root to mount a small tmpfs")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=True)


def _has_results(path: Path) -> bool:
    with zipfile.ZipFile(path) as zf:
        return f'name="{L.SHEET_RESULTS}"'.encode() in zf.read("xl/workbook.xml")


def test_disk_full_still_writes_what_fits_says_so_and_leaves_nothing(small_disk, template_path):
    # 80 workbooks (~17 KB each, ~20 KB once written back: the same 4 KB pages) and the summary
    # on a small disk filled to 24 KB free (one write-back's temp copy and a page to spare): the
    # write-backs fit (each one's copy replaces its original) until the summary's rows (~2 KB a
    # workbook, deflated) take the rest; later ones fail whole (the original untouched), the
    # summary cannot be written; the run says 磁盘空间不足, counts only what was written, exits
    # 1, and leaves no temp file on the full disk. The rows arrive behind the workers, but never
    # by more than the files the workers may have in flight (10 each) and what a write buffer
    # holds (8 KB): the disk is full by the ~40th write-back however the processes are
    # scheduled, with 40 to spare (15–17 are written here; with 30 workbooks a loaded machine
    # once wrote every one first).
    folder = small_disk / "收件箱"
    folder.mkdir()
    goods = copies(folder, template_path, 80)
    before = {g.name: g.read_bytes() for g in goods}
    filler = small_disk / "占位"
    free = os.statvfs(small_disk).f_bavail * os.statvfs(small_disk).f_frsize
    filler.write_bytes(b"\0" * (free - 24 * 1024))
    run = run_measured(selfeval("score", str(folder), "--summary", str(small_disk / "汇总.xlsx")))
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    assert "磁盘空间不足" in run.stderr and "无法写入汇总表" in run.stderr
    written = [g for g in goods if _has_results(g)]
    untouched = [g for g in goods if g.read_bytes() == before[g.name]]
    assert len(written) + len(untouched) == 80 and written and untouched
    assert f"评分结果：{len(written)} 个文件已写回原工作簿，{len(untouched)} 个未写回" in run.stdout
    assert sorted(p.name for p in small_disk.rglob("*")) == sorted(["收件箱", "占位", *before])


def test_a_disk_that_fills_while_the_summary_is_finished_gives_it_up_with_a_reason(small_disk, template_path, tmp_path):
    # the workbooks are elsewhere; the summary's disk fills up after the last workbook was added,
    # so it is XlsxWriter (writing 汇总 and the other short sheets) that meets the full disk. It
    # reports that as its own FileCreateError, not an OSError: the batch must still give the
    # summary up with the disk's reason and leave nothing on that disk.
    from selfeval_xl.batch import BatchOptions, run_batch

    folder = tmp_path / "收件箱"
    folder.mkdir()
    goods = copies(folder, template_path, 3)
    filler = small_disk / "占位"
    seen = []

    def fill_after_the_last(outcome) -> None:  # type: ignore[no-untyped-def]
        seen.append(outcome)
        if len(seen) == len(goods):
            free = os.statvfs(small_disk).f_bavail * os.statvfs(small_disk).f_frsize
            filler.write_bytes(b"\0" * (free - 32 * 1024))  # room for the rows still buffered, not for more

    summary = small_disk / "汇总.xlsx"
    result = run_batch([folder], BatchOptions(write_back=False, summary=summary), on_outcome=fill_after_the_last)
    assert result.summary is None and isinstance(result.summary_error, OSError)
    assert result.summary_error.errno == errno.ENOSPC
    assert [p.name for p in small_disk.iterdir()] == ["占位"]  # no summary, no temp file, no scratch folder


def as_clerk(args: list[str]) -> list[str]:
    """``args`` without root's power to ignore file permissions (as a clerk's account runs)."""
    if os.geteuid() != 0:
        return args
    if not shutil.which("setpriv"):
        pytest.skip("root without setpriv: permissions do not apply")
    drop = "-dac_override,-dac_read_search"
    return ["setpriv", f"--bounding-set={drop}", f"--inh-caps={drop}", "--", *args]


def test_summary_in_a_folder_we_may_not_write_still_scores_and_writes_every_workbook(tmp_path, template_path):
    folder, locked = tmp_path / "收件箱", tmp_path / "只读"
    folder.mkdir()
    locked.mkdir()
    goods = copies(folder, template_path, 3)
    os.chmod(locked, 0o555)
    try:
        run = run_measured(as_clerk(selfeval("score", str(folder), "--summary", str(locked / "汇总.xlsx"))))
        assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
        assert "无法写入汇总表" in run.stderr and "没有写入权限" in run.stderr
        assert "评分结果：3 个文件已写回原工作簿" in run.stdout
        assert all(_has_results(g) for g in goods)
        assert list(locked.iterdir()) == []
    finally:
        os.chmod(locked, 0o755)


# --- 9. a file name that is not UTF-8 -------------------------------------------------------
@pytest.mark.skipif(sys.platform != "linux", reason="file names are bytes on Linux")
@pytest.mark.parametrize("out_dir", [False, True])
def test_a_gbk_file_name_is_shown_replaced_and_written_under_its_raw_name(tmp_path, template_path, out_dir):
    # "自评.xlsx" in GBK, as `unzip` leaves a zip made on Chinese Windows
    folder = tmp_path / "收件箱"
    folder.mkdir()
    raw = os.fsdecode(b"\xd7\xd4\xc6\xc0.xlsx")
    good(folder, "甲.xlsx", template_path).rename(folder / raw)
    good(folder, "乙.xlsx", template_path)
    args = ["score", str(folder), "--json", "--summary", str(tmp_path / "汇总.xlsx")]
    if out_dir:
        args += ["--out-dir", str(tmp_path / "副本")]
    run = run_measured(selfeval(*args))
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    objs = json_lines(run.stdout)
    assert set(objs) == {"\ufffd\ufffd\ufffd\ufffd.xlsx", "乙.xlsx"}
    assert all(o["total"] == 100 for o in objs.values())
    target = (tmp_path / "副本" / raw) if out_dir else folder / raw
    assert _has_results(target)  # written to the file with the raw bytes of its name
    assert (tmp_path / "汇总.xlsx").exists()
    assert sorted(os.listdir(os.fsencode(folder))) == sorted([b"\xd7\xd4\xc6\xc0.xlsx", "乙.xlsx".encode()])


# --- 10, 12, 13. what the file system holds -------------------------------------------------
def test_an_unreadable_subfolder_is_listed_and_the_run_exits_1(tmp_path, template_path):
    folder = tmp_path / "收件箱"
    (folder / "乙单位").mkdir(parents=True)
    good(folder, "甲.xlsx", template_path)
    good(folder / "乙单位", "乙.xlsx", template_path)
    os.chmod(folder / "乙单位", 0)
    try:
        summary = tmp_path / "汇总.xlsx"
        run = run_measured(as_clerk(selfeval("score", str(folder), "--json", "--summary", str(summary))))
    finally:
        os.chmod(folder / "乙单位", 0o755)
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    objs = json_lines(run.stdout)
    assert objs["甲.xlsx"]["total"] == 100
    assert [p["code"] for p in objs["乙单位/"]["problems"]] == ["unreadable-folder"]
    assert "乙单位/：未评分（文件夹无法读取（没有读取权限），其中的文件未评分）" in run.stderr
    import openpyxl

    unscored = [r[0] for r in openpyxl.load_workbook(summary)[L.S_UNSCORED].iter_rows(min_row=2, values_only=True)]
    assert unscored == ["乙单位/"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs")
def test_a_fifo_a_device_a_folder_and_a_symlink_loop_named_like_workbooks_never_block(tmp_path, template_path):
    folder = tmp_path / "收件箱"
    folder.mkdir()
    good(folder, "甲.xlsx", template_path)
    os.mkfifo(folder / "管道.xlsx")  # opening it to read would wait for a writer forever
    (folder / "循环.xlsx").symlink_to(folder / "循环.xlsx")
    (folder / "断链.xlsx").symlink_to(folder / "不存在.xlsx")
    (tmp_path / "文件夹.xlsx").mkdir()
    args = [str(folder), str(folder / "管道.xlsx"), "/dev/null", str(tmp_path / "文件夹.xlsx")]
    run = run_measured(selfeval("score", *args, "--json", "--summary", str(tmp_path / "汇总.xlsx")), timeout=60)
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    objs = json_lines(run.stdout)
    assert objs["甲.xlsx"]["total"] == 100
    reasons = {name: o["problems"][0]["message"] for name, o in objs.items() if o["total"] is None}
    assert "命名管道" in reasons["管道.xlsx"]
    assert "设备" in reasons["null"]
    assert "符号链接循环" in reasons["循环.xlsx"]
    assert "不存在" in reasons["断链.xlsx"]
    assert len(objs) == 5  # the FIFO named twice counts once; the empty folder holds nothing to score


def test_a_file_reached_twice_counts_once(tmp_path, template_path):
    folder = tmp_path / "收件箱"
    folder.mkdir()
    good(folder, "甲.xlsx", template_path)
    good(folder, "乙.xlsx", template_path)
    run = run_measured(
        selfeval(
            "validate", str(folder), str(folder), str(folder / "甲.xlsx"), str(tmp_path / "收件箱" / "." / "乙.xlsx")
        )
    )
    assert run.returncode == 0, run.stderr
    assert "共 2 个文件：已评分 2" in run.stdout


# --- 11. read-only files and symlinks -------------------------------------------------------
def test_a_read_only_file_is_not_written_and_says_so(tmp_path, template_path):
    folder = tmp_path / "收件箱"
    folder.mkdir()
    ro = good(folder, "只读.xlsx", template_path)
    good(folder, "可写.xlsx", template_path)
    before = ro.read_bytes()
    os.chmod(ro, 0o444)
    run = run_measured(selfeval("score", str(folder), "--json", "--summary", str(tmp_path / "汇总.xlsx")))
    assert run.returncode == 0, run.stderr  # a warning, like a file open in Excel
    objs = json_lines(run.stdout)
    assert [p["code"] for p in objs["只读.xlsx"]["problems"]] == ["read-only"]
    assert ro.read_bytes() == before and os.stat(ro).st_mode & 0o777 == 0o444
    assert _has_results(folder / "可写.xlsx")
    assert "1 个文件已写回原工作簿，1 个未写回" in run.stderr  # with --json the closing lines go to stderr


def test_a_symlink_is_written_through_to_its_target_and_stays_a_link(tmp_path, template_path):
    store = tmp_path / "档案"
    store.mkdir()
    target = good(store, "甲.xlsx", template_path)
    folder = tmp_path / "收件箱"
    folder.mkdir()
    (folder / "甲.xlsx").symlink_to(target)
    run = run_measured(selfeval("score", str(folder), "--summary", str(tmp_path / "汇总.xlsx")))
    assert run.returncode == 0, run.stderr
    assert (folder / "甲.xlsx").is_symlink() and (folder / "甲.xlsx").resolve() == target
    assert _has_results(target)
    assert [p.name for p in store.iterdir()] == ["甲.xlsx"]  # no temp file left beside the target


# --- 15. a user's own sheet named 评分结果 ----------------------------------------------------
def test_a_users_own_results_sheet_is_kept_and_ours_goes_beside_it(tmp_path, template_path):
    import io

    import openpyxl
    from openpyxl.drawing.image import Image
    from PIL import Image as PILImage

    path = good(tmp_path, "自有评分结果.xlsx", template_path)
    wb = openpyxl.load_workbook(path)
    ws = wb.create_sheet(L.SHEET_RESULTS)
    ws["A1"] = "本单位自评结果说明（请勿删除）"
    png = io.BytesIO()
    PILImage.new("RGB", (40, 20), "red").save(png, "PNG")
    ws.add_image(Image(png), "B3")
    wb.save(path)
    with zipfile.ZipFile(path) as zf:
        pictures = {n: zf.read(n) for n in zf.namelist() if n.startswith("xl/media/")}
    assert pictures
    for _ in range(2):  # a rerun replaces our sheet, never theirs, never a third one
        run = run_measured(selfeval("score", str(path), "--json", "--summary", str(tmp_path / "汇总.xlsx")))
        assert run.returncode == 0, run.stderr
        (obj,) = json_lines(run.stdout).values()
        assert [p["code"] for p in obj["problems"]] == ["results-renamed"]
        assert "评分结果(2)" in obj["problems"][0]["message"]
        wb = openpyxl.load_workbook(path)
        assert wb.sheetnames[-2:] == [L.SHEET_RESULTS, f"{L.SHEET_RESULTS}(2)"]
        assert wb[L.SHEET_RESULTS]["A1"].value == "本单位自评结果说明（请勿删除）"
        ours = [r for r in wb[f"{L.SHEET_RESULTS}(2)"].iter_rows(values_only=True) if r and r[0] == "一级指标"]
        assert ours
        with zipfile.ZipFile(path) as zf:
            assert {n: zf.read(n) for n in zf.namelist() if n.startswith("xl/media/")} == pictures


# --- 16. the overflow CSV -------------------------------------------------------------------
def test_the_overflow_csv_neutralises_formula_text(tmp_path, template_path, monkeypatch):
    import csv

    from conftest import row

    from selfeval_xl.batch import BatchOptions, run_batch
    from selfeval_xl.outputs.summary import SummaryWriter

    monkeypatch.setattr(SummaryWriter, "detail_limit", 2)  # the rest spills, as past 1,048,575 rows
    rows = base_rows()
    rows[2] = row("产出指标", "质量指标", "=cmd|' /C calc'!A0", "规范", "达成年度指标", 10)
    rows[3] = row("产出指标", "时效指标", "+1+1", "2023年12月31日前", "2023年12月20日", 5)
    rows[4] = {**row("产出指标", "成本指标", "@SUM(1)", "260元/辆", "260元/辆", 10), "偏差原因分析及改进措施": "-2+3"}
    info = {**BASE_INFO, "单位名称": "\t=1+1"}  # the reader trims the tab; "=1+1" is left
    fill_workbook(template_path, tmp_path / "注入.xlsx", info, BASE_BUDGET, rows)
    summary = tmp_path / "out" / "汇总.xlsx"
    result = run_batch([tmp_path / "注入.xlsx"], BatchOptions(write_back=False, summary=summary))
    with open(result.detail_csv, encoding="utf-8-sig", newline="") as fh:
        spilled = list(csv.reader(fh))
    cells = [c for r in spilled[1:] for c in r]
    assert "'=cmd|' /C calc'!A0" in cells and "'+1+1" in cells and "'@SUM(1)" in cells and "'=1+1" in cells
    assert not any(c[:1] in ("=", "+", "@", "\t", "\r") or (c[:1] == "-" and not _number(c)) for c in cells)
    assert "10.0" in cells or "10" in cells  # numbers stay numbers
    assert sorted(p.name for p in summary.parent.iterdir()) == ["汇总.xlsx", "汇总_指标明细.csv"]  # no scratch left


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# --- 17. absurd numbers ---------------------------------------------------------------------
@pytest.mark.parametrize("number", [1e24, -1e300, 1e-320])
def test_an_absurd_number_is_a_located_problem_not_an_internal_error(tmp_path, template_path, number):
    from conftest import row

    rows = base_rows()
    rows[1] = row("产出指标", "数量指标", "托养服务人次数", "≥105人", number, 10)
    budget = {"年度资金总额": (29.6, 29.6, number), "当年财政拨款": (29.6, 29.6, number)}
    path = fill_workbook(template_path, tmp_path / "大数.xlsx", BASE_INFO, budget, rows)
    outcome = score_file(path)
    assert outcome.error is None, outcome.error
    hits = {p.where.location for p in outcome.problems if p.code == "out-of-range"}
    # 实际完成值 of the 2nd indicator row (row 4: header, 预算执行率, then the rows) and 全年执行数
    assert hits == {"绩效指标!H4", "预算执行!D2", "预算执行!D3"}
    assert all("数值超出范围" in p.message for p in outcome.problems if p.code == "out-of-range")


# --- 18. many zip members -------------------------------------------------------------------
def test_write_back_into_a_package_of_70000_members_is_linear_and_valid(tmp_path, template_path):
    # Past 65,535 members the end record needs zip64; membership was a list scan (70 k members
    # took 31 s, 140 k 100 s). Every member is kept, the package stays readable.
    path = good(tmp_path, "部件很多.xlsx", template_path)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_STORED) as zf:
        for k in range(70_000):
            zf.writestr(f"customXml/item{k}.xml", b"<a/>")
    before = set(zipfile.ZipFile(path).namelist())
    run = run_measured(selfeval("score", str(path), "--summary", str(tmp_path / "汇总.xlsx")), timeout=120)
    assert run.returncode == 0, run.stderr
    with zipfile.ZipFile(path) as zf:
        after = set(zf.namelist())
        assert zf.testzip() is None
    assert before < after and len(after - before) == 1  # the results sheet's part
    from python_calamine import CalamineWorkbook

    assert CalamineWorkbook.from_path(str(path)).sheet_names[-1] == L.SHEET_RESULTS


# --- 19 and 20. bookkeeping parts with traps ------------------------------------------------
def _member(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read(name)


def test_closing_tags_inside_comments_do_not_receive_the_new_sheet(tmp_path, template_path):
    path = good(tmp_path, "注释陷阱.xlsx", template_path)
    trap = b"<!-- </sheets> </Relationships> </Types> -->"
    patch(path, "xl/workbook.xml", lambda x: x.replace(b"</workbook>", trap + b"</workbook>"))
    # and in styles.xml, comments of unclosed <font> and <xf> tags inside the very lists we add to
    style_trap = b"<!-- " + b"<font><xf " * 2_000 + b"-->"

    def styles(x: bytes) -> bytes:
        return re.sub(rb"(<(?:fonts|cellXfs)\b[^>]*>)", lambda m: m.group(1) + style_trap, x)

    patch(path, "xl/styles.xml", styles)
    patch(path, "xl/_rels/workbook.xml.rels", lambda x: x.replace(b"</Relationships>", b"</Relationships>" + trap))
    patch(path, "[Content_Types].xml", lambda x: x.replace(b"</Types>", b"</Types>" + trap))
    for _ in range(2):  # a rerun replaces the sheet: no orphan part
        run = run_measured(selfeval("score", str(path), "--summary", str(tmp_path / "汇总.xlsx")))
        assert run.returncode == 0, run.stderr
    import openpyxl

    assert openpyxl.load_workbook(path).sheetnames[-1] == L.SHEET_RESULTS
    with zipfile.ZipFile(path) as zf:
        sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
        assert len(sheets) == 6  # the template's five and ours, once
        for part in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml"):
            assert trap in zf.read(part)  # the comments themselves untouched
        styles_xml = zf.read("xl/styles.xml")
    assert styles_xml.count(style_trap) == 2
    from xml.etree import ElementTree

    root = ElementTree.fromstring(styles_xml)
    for section in ("fonts", "cellXfs"):  # counts and indices over the real entries only
        (el,) = [e for e in root if e.tag.endswith("}" + section)]
        assert int(el.get("count")) == len(el)


def test_a_stale_override_for_the_next_sheet_part_is_not_duplicated(tmp_path, template_path):
    path = good(tmp_path, "残留声明.xlsx", template_path)
    stale = b'<Override PartName="/xl/worksheets/sheet6.xml" ContentType="application/xml"/>'
    patch(path, "[Content_Types].xml", lambda x: x.replace(b"</Types>", stale + b"</Types>"))
    run = run_measured(selfeval("score", str(path), "--summary", str(tmp_path / "汇总.xlsx")))
    assert run.returncode == 0, run.stderr
    names = re.findall(rb'PartName="([^"]+)"', _member(path, "[Content_Types].xml"))
    assert len(names) == len(set(names))  # valid OPC: every PartName once
    import openpyxl

    assert openpyxl.load_workbook(path).sheetnames[-1] == L.SHEET_RESULTS


# --- 14. names at the length limit ----------------------------------------------------------
@pytest.mark.parametrize("stem", ["甲" * 79, "甲" * 83 + "a"])  # 242 and 255 bytes with ".xlsx"
def test_a_name_at_the_length_limit_is_scored_and_written(tmp_path, template_path, stem):
    name = stem + ".xlsx"
    assert len(name.encode()) in (242, 255)
    path = good(tmp_path, "长名.xlsx", template_path).rename(tmp_path / name)
    run = run_measured(selfeval("score", str(path), "--json", "--summary", str(tmp_path / "汇总.xlsx")))
    assert run.returncode == 0, run.stderr
    (obj,) = json_lines(run.stdout).values()
    assert obj["total"] == 100 and obj["problems"] == []
    assert _has_results(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, "汇总.xlsx"])


def test_roster_names_of_100_chinese_characters_make_templates(tmp_path):
    roster = tmp_path / "名单.csv"
    unit = "芜湖市镜湖区" + "残疾人联合会" * 16  # 102 characters
    roster.write_text(
        f"单位编码,单位名称,主管部门,项目名称\n340202-118,{unit},{unit[:10]},{'项目' * 50}\n", encoding="utf-8"
    )
    run = run_measured(selfeval("template", "--roster", str(roster), "--out-dir", str(tmp_path / "模板")))
    assert run.returncode == 0, run.stderr
    (made,) = (tmp_path / "模板").iterdir()
    assert made.name.startswith("340202-118_芜湖市镜湖区残疾人联合会") and len(made.name.encode()) <= 255
    assert _has_results(made) is False  # a template, complete and readable


# --- 21. Strict OOXML, UTF-16 parts, cached errors ------------------------------------------
TRANSITIONAL = {
    b"http://schemas.openxmlformats.org/spreadsheetml/2006/main": b"http://purl.oclc.org/ooxml/spreadsheetml/main",
    b"http://schemas.openxmlformats.org/officeDocument/2006/relationships": (
        b"http://purl.oclc.org/ooxml/officeDocument/relationships"
    ),
}


def strict(path: Path) -> Path:
    """The workbook as Excel's "Strict Open XML" saves it: the same parts under the ISO
    namespaces (purl.oclc.org) for the spreadsheet, relationships and relationship types."""

    def edit(data: bytes) -> bytes:
        for old, new in TRANSITIONAL.items():
            data = data.replace(old, new)
        return data

    with zipfile.ZipFile(path) as zf:
        items = [(i, zf.read(i)) for i in zf.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in items:
            zf.writestr(info, edit(data) if info.filename.endswith((".xml", ".rels")) else data)
    return path


def test_a_strict_ooxml_workbook_is_read_and_written_back_keeping_its_styles(tmp_path, template_path):
    path = strict(good(tmp_path, "严格格式.xlsx", template_path))
    styles = _member(path, "xl/styles.xml")
    assert b"purl.oclc.org" in _member(path, "xl/workbook.xml")
    run = run_measured(selfeval("score", str(path), "--json", "--summary", str(tmp_path / "汇总.xlsx")))
    assert run.returncode == 0, run.stderr
    (obj,) = json_lines(run.stdout).values()
    assert obj["total"] == 100  # was: 缺少工作表
    after = _member(path, "xl/styles.xml")
    # theirs, appended to (fonts, fills, cellXfs), not replaced by a transitional blank one
    assert after.startswith(styles[: styles.index(b"<fonts")]) and b"purl.oclc.org" in after
    assert after.endswith(styles[styles.index(b"</cellXfs>") :])
    rels = _member(path, "xl/_rels/workbook.xml.rels")
    assert b"schemas.openxmlformats.org/officeDocument" not in rels  # our relationship in their namespace
    from selfeval_xl.ooxml.package import open_book

    book = open_book(path)
    assert book.sheet_names[-1] == L.SHEET_RESULTS
    assert any(v.value == "一级指标" for v in book.sheet(L.SHEET_RESULTS).cells.values())
    run = run_measured(selfeval("score", str(path), "--json", "--summary", str(tmp_path / "汇总.xlsx")))
    assert open_book(path).sheet_names.count(L.SHEET_RESULTS) == 1  # rerun replaces


def test_a_utf16_workbook_part_is_written_back(tmp_path, template_path):
    path = good(tmp_path, "UTF16.xlsx", template_path)

    def utf16(data: bytes) -> bytes:
        text = data.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
        if not text.startswith("<?xml"):
            text = '<?xml version="1.0" encoding="UTF-16"?>' + text
        return text.encode("utf-16")

    patch(path, "xl/workbook.xml", utf16)
    run = run_measured(selfeval("score", str(path), "--json", "--summary", str(tmp_path / "汇总.xlsx")))
    assert run.returncode == 0, run.stderr
    assert _has_results(path)
    import openpyxl

    assert openpyxl.load_workbook(path).sheetnames[-1] == L.SHEET_RESULTS


def test_a_cached_error_value_is_not_called_a_formula_without_result(tmp_path, template_path):
    path = good(tmp_path, "除零.xlsx", template_path)
    # 实际完成值 of the 2nd indicator row: a formula whose saved result is #DIV/0!
    patch(
        path,
        INDICATORS,
        lambda xml: re.sub(
            rb'<c r="H4"[^>]*?(?:/>|>.*?</c>)',
            b'<c r="H4" t="e"><f>1/0</f><v>#DIV/0!</v></c>',
            xml,
            count=1,
            flags=re.S,
        ),
    )
    outcome = score_file(path)
    codes = {p.code: p for p in outcome.problems}
    assert "formula-no-cache" not in codes
    assert codes["not-a-number"].where.location == "绩效指标!H4" and "#DIV/0!" in codes["not-a-number"].message


def test_validate_keeps_the_same_budget(tmp_path, template_path):
    # `validate` writes nothing but reads the same files: the .ods bomb is stopped there too
    copies(tmp_path, template_path, 2)
    ods_bomb(tmp_path / "炸弹.ods")
    run = run_measured(selfeval("validate", str(tmp_path)))
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "炸弹.ods：未评分（工作簿内容过大" in run.stdout
    assert "共 3 个文件：已评分 2" in run.stdout
    assert run.peak_mb < 300


def test_the_pool_does_not_run_ahead_of_a_slow_file(tmp_path):
    # 110 legal 9,990-row workbooks cost 1.1 GB at the default -j: while one file took long,
    # the other worker ran on and every finished outcome waited in memory. Now a worker is sent
    # a file only while fewer than WINDOW_PER_JOB × jobs files past the first unfinished one
    # are started.
    import time

    from selfeval_xl import pool
    from selfeval_xl.errors import Problem
    from selfeval_xl.outcome import FileOutcome

    log = tmp_path / "started.txt"

    def process(path: Path, display: str) -> FileOutcome:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(display + "\n")
        if display == "0":
            time.sleep(1.5)  # the slow one, first in order
        return FileOutcome(path, display, error=Problem.at(display, None, None, "not-a-workbook", detail="-"))

    files = [(tmp_path / f"{i}.xlsx", str(i)) for i in range(40)]
    taken = []
    for outcome in pool.supervised(files, 2, process):
        if not taken:
            started = len(log.read_text(encoding="utf-8").splitlines())
            assert started <= 1 + pool.WINDOW_PER_JOB * 2 < 40, started  # × 2 jobs past file 0 (not all 40)
        taken.append(outcome.display)
    assert taken == [str(i) for i in range(40)]  # in file order


def test_outcomes_sent_but_not_yet_announced_survive_their_worker_and_the_right_file_is_blamed(tmp_path, monkeypatch):
    # A worker sends each outcome at once but rings the batch only every few files (pool.BATCH).
    # When it dies, what it sent and had not rung for must still arrive, and only the file it
    # was on is reported as the one that ended it; the files queued behind it go to another.
    import signal
    import time

    from selfeval_xl import pool
    from selfeval_xl.errors import Problem
    from selfeval_xl.outcome import FileOutcome

    def process(path: Path, display: str) -> FileOutcome:
        if display == "6":
            os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's OOM killer ends a worker
        time.sleep(0.05)  # the batch has sent the next files by the time this one is done
        return FileOutcome(path, display, error=Problem.at(display, None, None, "not-a-workbook", detail=display))

    # announced four at a time, never for lack of time: 4 and 5 are sent, not rung for, when 6 kills
    monkeypatch.setattr(pool, "HOLD_SECONDS", 60.0)
    files = [(tmp_path / f"{i}.xlsx", str(i)) for i in range(12)]
    got = list(pool.supervised(files, 1, process))  # one worker: files 0–5 come before 6 on it
    assert [o.display for o in got] == [str(i) for i in range(12)]
    codes = {o.display: o.error.code for o in got if o.error is not None}
    assert codes["6"] == "too-large"  # killed by a signal: reported as running out of memory
    assert all(codes[str(i)] == "not-a-workbook" for i in range(12) if i != 6), codes
    assert [o.error.fields["detail"] for o in got if o.display != "6"] == [str(i) for i in range(12) if i != 6]


def test_a_worker_stopped_from_outside_is_not_blamed_on_its_file(tmp_path):
    # kill (SIGTERM) on a worker, as a task manager or an administrator ends it: the worker
    # unwinds like Ctrl-C and exits 0 with its file unfinished. The file was reported as
    # internal-error, "处理进程意外退出（退出码 0）… 请把文件发给技术支持": nothing is wrong
    # with it. It is now worker-stopped, asking for a rerun; the other files are scored.
    import signal
    import time

    from selfeval_xl import pool
    from selfeval_xl.errors import Problem
    from selfeval_xl.outcome import FileOutcome

    def process(path: Path, display: str) -> FileOutcome:
        if display == "3":
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # (the handler unwinds before this ends)
        return FileOutcome(path, display, error=Problem.at(display, None, None, "not-a-workbook", detail=display))

    files = [(tmp_path / f"{i}.xlsx", str(i)) for i in range(6)]
    got = {o.display: o.error for o in pool.supervised(files, 1, process)}
    assert sorted(got) == [str(i) for i in range(6)]
    assert got["3"].code == "worker-stopped"
    assert (
        got["3"].message
        == "处理这个文件的进程被外部终止（例如在任务管理器中结束、kill 命令），这个文件没有评分；请重新运行评分"
    )
    assert all(got[str(i)].code == "not-a-workbook" for i in range(6) if i != 3)


_BIG_OUTCOMES = """
import sys
from pathlib import Path
from selfeval_xl import pool
from selfeval_xl.errors import Problem
from selfeval_xl.outcome import FileOutcome

def process(path, display):
    detail = display + "x" * 3_000_000  # ~3 MB: more than a socket pair holds unread
    return FileOutcome(path, display, error=Problem.at(display, None, None, "not-a-workbook", detail=detail))

files = [(Path(sys.argv[1]) / f"{i}.xlsx", str(i)) for i in range(6)]
got = list(pool.supervised(files, 2, process))
assert [o.display for o in got] == [str(i) for i in range(6)]
assert all(o.error.fields["detail"].startswith(o.display + "x") for o in got)
print("ok")
"""


def test_an_outcome_too_big_to_wait_in_the_pipe_is_announced_before_it_is_sent(tmp_path):
    # Unannounced outcomes must never fill the pipe: the worker would wait on a batch that was
    # not told to read, for ever. Past its room, an outcome is announced first and read as it
    # is sent. (In a child process, so that a hang fails the test instead of stopping the suite.)
    import subprocess

    run = subprocess.run(
        [sys.executable, "-c", _BIG_OUTCOMES, str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr[-2000:]


def test_write_back_of_a_large_legal_workbook_copies_member_by_member(tmp_path, template_path):
    # 180 MB of pictures (three 60 MB members, each under the 64 MB part limit): write-back
    # used to read the whole file into memory; now it copies one member at a time.
    path = good(tmp_path, "大图片.xlsx", template_path)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_STORED) as zf:
        for k in range(3):
            zf.writestr(f"xl/media/image{k + 1}.png", os.urandom(60 * 1024 * 1024))
    run = run_measured(selfeval("score", str(path), "--summary", str(tmp_path / "汇总.xlsx")), timeout=120)
    assert run.returncode == 0, run.stderr
    assert _has_results(path)
    with zipfile.ZipFile(path) as zf:
        assert zf.getinfo("xl/media/image3.png").file_size == 60 * 1024 * 1024
    assert run.peak_mb < 200, run.peak_mb  # the whole file in memory was 265 MB; one member ~120


def test_template_on_a_full_disk_is_one_chinese_line_and_leaves_nothing(small_disk):
    # XlsxWriter wraps the disk's OSError in its own FileCreateError; the command line's one-line
    # file error must still be what the user sees, and no half-written template stays behind
    filler = small_disk / "占位"
    free = os.statvfs(small_disk).f_bavail * os.statvfs(small_disk).f_frsize
    filler.write_bytes(b"\0" * (free - 4 * 1024))  # a template is ~15 KB: it cannot fit
    run = run_measured(selfeval("template", "-o", str(small_disk / "模板.xlsx")))
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    assert run.stderr.startswith("错误：无法读写文件") and "磁盘空间不足" in run.stderr, run.stderr
    assert sorted(p.name for p in small_disk.iterdir()) == ["占位"]
