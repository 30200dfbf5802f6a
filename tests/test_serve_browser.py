"""``selfeval serve`` in a real headless Chromium: what a person does on the page, checked
against what ``selfeval score --json`` says about the same files."""

from __future__ import annotations

import io
import os
import zipfile

import openpyxl
import pytest
from browser_support import chromium, download_to, downloaded, have_browser, wait_for
from serve_support import SAMPLES, Server, cli_json, xlsx_bomb, zip_bomb, zip_slip

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not have_browser(), reason="需要 Debian 的 chromium 和 chromium-driver"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("serve"))
    yield s
    s.stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = chromium(tmp_path_factory.mktemp("profile"), tmp_path_factory.mktemp("downloads"))
    yield driver
    driver.quit()


@pytest.fixture
def downloads(browser, tmp_path):
    return download_to(browser, tmp_path / "downloads")


@pytest.fixture(scope="module")
def expected(tmp_path_factory):
    return cli_json(SAMPLES, tmp_path_factory.mktemp("cli"))


def _by():
    from selenium.webdriver.common.by import By

    return By


def _result_rows(browser, timeout=180, what="results table"):
    """The results table's rows, once the page shows them."""
    By = _by()
    return wait_for(
        lambda: (
            browser.find_element(By.ID, "results").is_displayed()
            and browser.find_elements(By.CSS_SELECTOR, "#results-table tbody tr")
        ),
        timeout,
        what,
    )


def _upload(browser, url, paths, check=False):
    By = _by()
    browser.get(url)
    browser.find_element(By.ID, "files").send_keys("\n".join(str(p) for p in paths))
    if check:
        browser.find_element(By.ID, "check-only").click()
    start = browser.find_element(By.ID, "start")
    assert start.text == "开始评分" and start.is_enabled()
    start.click()
    return _result_rows(browser)


def _cells(tr):
    return [td.text for td in tr.find_elements(_by().TAG_NAME, "td")]


def _link(browser, starts):
    links = [a for a in browser.find_elements(_by().CSS_SELECTOR, "a[download]") if a.text.startswith(starts)]
    assert len(links) == 1, [a.text for a in browser.find_elements(_by().CSS_SELECTOR, "a[download]")]
    return links[0]


def test_samples_scored_as_the_cli_scores_them(server, browser, downloads, expected):
    By = _by()
    rows = _upload(browser, server.url, SAMPLES)
    table = {tr.get_attribute("data-file"): _cells(tr) for tr in rows}
    assert sorted(table) == sorted(expected)
    for file, (unit, project, total, reviewed, grade, status, errors, warnings, shown_file, _) in table.items():
        exp = expected[file]
        # 核定总分 as the CLI prints it (2 decimals); "暂算" follows a provisional total
        assert total.split()[0] == f"{exp['total']:.2f}", file
        assert grade.split()[0] == (exp["grade"] or "—")  # "暂定" follows a provisional grade
        # a 部门整体支出 has no 项目名称: the column names the kind instead
        assert unit == exp["unit"] and shown_file == file
        assert project == (exp["project"] or "（部门整体支出）" if exp["kind"] == "部门整体支出" else exp["project"])
        assert int(errors) == sum(p["severity"] == "error" for p in exp["problems"])
        assert int(warnings) == sum(p["severity"] == "warning" for p in exp["problems"])
        assert status in ("已评分", "已复核", "待复核", "待更正", "未填写")
        assert reviewed == ""  # no sample carries a reviewer's 复核得分
    assert browser.find_element(By.ID, "closing").text.startswith(f"共 {len(SAMPLES)} 个文件：已评分 ")

    # every link on the page says what it downloads; each row links its scored workbook
    assert all(a.text.startswith("下载") for a in browser.find_elements(By.CSS_SELECTOR, "a[download]"))
    row_links = [tr.find_elements(By.CSS_SELECTOR, "td:last-child a[download]") for tr in rows]
    assert all(len(links) == 1 for links in row_links)
    last = rows[-1].get_attribute("data-file")
    row_links[-1][0].click()
    wb = openpyxl.load_workbook(downloaded(downloads, last), read_only=True)
    assert "评分结果" in wb.sheetnames
    wb.close()
    assert not browser.find_element(By.ID, "detail").is_displayed()  # the link is not a click on the row

    # 汇总.xlsx: the same numbers, and the page lists the files in its order
    _link(browser, "下载汇总表").click()
    summary = downloaded(downloads, "汇总.xlsx")
    wb = openpyxl.load_workbook(summary, read_only=True)
    ws_rows = list(wb["汇总"].iter_rows(values_only=True))
    wb.close()
    header = list(ws_rows[0])
    f_col, t_col = header.index("文件"), header.index("核定总分")
    in_summary = [(r[f_col], r[t_col]) for r in ws_rows[1:] if r[f_col]]
    assert {f: round(t, 2) for f, t in in_summary} == {f: round(o["total"], 2) for f, o in expected.items()}
    page_order = [tr.get_attribute("data-file") for tr in rows]
    assert page_order == [f for f, _ in in_summary]
    # sorted high to low (all samples are graded without statuses in the way, or grouped by them)
    totals = [float(_cells(tr)[2].split()[0]) for tr in rows if _cells(tr)[5] in ("已评分", "已复核")]
    assert totals == sorted(totals, reverse=True)

    # every scored workbook in one .zip, each with its 评分结果 sheet and the same 核定总分
    _link(browser, "下载全部评分后的工作簿").click()
    bundle = downloaded(downloads, "评分后的工作簿.zip")
    with zipfile.ZipFile(bundle) as zf:
        assert sorted(zf.namelist()) == sorted(expected)
        for name in zf.namelist():
            wb = openpyxl.load_workbook(io.BytesIO(zf.read(name)), read_only=True, data_only=True)
            labels = {r[0]: r[1] for r in wb["评分结果"].iter_rows(values_only=True) if r and r[0]}
            wb.close()
            assert round(labels["核定总分"], 2) == round(expected[name]["total"], 2), name

    # the district report
    _link(browser, "下载全区汇总报告").click()
    district = downloaded(downloads, "汇总报告.docx")
    assert zipfile.is_zipfile(district)


def test_a_row_shows_its_indicators_and_problems(server, browser, downloads, expected):
    from docx import Document

    By = _by()
    name = "镜湖区残联_残疾人事业发展补助资金.xlsx"
    rows = _upload(browser, server.url, [p for p in SAMPLES if p.name == name])
    rows[0].click()
    detail = wait_for(lambda: browser.find_element(By.ID, "detail").is_displayed(), 30, "detail")
    assert detail
    exp = expected[name]
    assert browser.find_element(By.ID, "detail-title").text == name
    ind = browser.find_elements(By.CSS_SELECTOR, "#indicator-table tbody tr")
    assert len(ind) == len(exp["indicators"])
    first = _cells(ind[0])
    assert first[2] == exp["indicators"][0]["name"] and first[7] == f"{exp['indicators'][0]['score']:.2f}"
    probs = [_cells(tr) for tr in browser.find_elements(By.CSS_SELECTOR, "#problem-table tbody tr")]
    # the sample's two warnings: 申报总分 100 vs 核定 99.11 at 基本信息!B11, the row claimed 10 vs 9.11 at 绩效指标!J4
    assert sorted(p[0] for p in probs) == ["基本信息!B11", "绩效指标!J4"]
    assert all(p[1] == "警告" for p in probs)
    assert [p[2] for p in probs] == [p["message"] for p in exp["problems"]]

    _link(browser, "下载评分后的工作簿").click()
    wb = openpyxl.load_workbook(downloaded(downloads, name), read_only=True)
    assert "评分结果" in wb.sheetnames
    wb.close()
    _link(browser, "下载自评报告").click()
    report = Document(str(downloaded(downloads, name.removesuffix(".xlsx") + ".自评报告.docx")))
    assert exp["unit"] in report.paragraphs[0].text


def test_hostile_files_get_chinese_messages_and_good_files_still_score(server, browser, tmp_path, expected):
    By = _by()
    (tmp_path / "乱码.xlsx").write_bytes(os.urandom(20_000))
    (tmp_path / "炸弹.zip").write_bytes(zip_bomb(200))
    (tmp_path / "滑出.zip").write_bytes(zip_slip())
    (tmp_path / "大表.xlsx").write_bytes(xlsx_bomb(100))
    good = SAMPLES[:2]
    hostile = [tmp_path / n for n in ("乱码.xlsx", "炸弹.zip", "滑出.zip", "大表.xlsx")]
    rows = _upload(browser, server.url, [*hostile, *good])
    notices = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#notices li")]
    assert any("炸弹.zip" in n and "50 MB" in n for n in notices), notices
    assert any("滑出.zip" in n and "压缩包以外" in n for n in notices), notices
    table = {tr.get_attribute("data-file"): _cells(tr) for tr in rows}
    assert sorted(table) == sorted(["乱码.xlsx", "大表.xlsx", *(p.name for p in good)])
    for p in good:
        assert table[p.name][2].split()[0] == f"{expected[p.name]['total']:.2f}"
    for bad, words in (("乱码.xlsx", "不是有效的 Excel 工作簿"), ("大表.xlsx", "过大")):
        unit, _, total, _, _, status, errors, _, _, download = table[bad]
        assert download == ""  # nothing scored, nothing to download
        assert words in unit and total == "—" and status == "无法读取" and errors == "1"
    # the unreadable files come last, as in 汇总
    assert [tr.get_attribute("data-file") for tr in rows][-2:] == ["乱码.xlsx", "大表.xlsx"]


@pytest.mark.parametrize(
    ("name", "advice"),
    [("很大的文件.xlsx", "请去掉它"), ("收件箱.zip", "拆成几个不超过 50 MB 的压缩包")],  # a folder's .zip: split it
)
def test_file_over_the_limit_is_refused_on_the_page(server, browser, tmp_path, name, advice):
    By = _by()
    big = tmp_path / name
    with open(big, "wb") as fh:
        fh.truncate(51 * 1024 * 1024)  # sparse: nothing is written
    browser.get(server.url)
    browser.find_element(By.ID, "files").send_keys(str(big))
    message = wait_for(lambda: browser.find_element(By.ID, "message").text, 10, "message")
    assert name in message and "50 MB" in message and advice in message
    assert not browser.find_element(By.ID, "start").is_enabled()


def test_check_mode_shows_problems_and_offers_nothing_to_download(server, browser):
    By = _by()
    name = "大英县司法局_安可替代补助资金.xlsx"  # the sample with a deliberate error
    rows = _upload(browser, server.url, [p for p in SAMPLES if p.name == name], check=True)
    assert browser.find_element(By.ID, "results-title").text == "检查结果（未保存任何文件）"
    assert browser.find_elements(By.CSS_SELECTOR, "a[download]") == []
    assert int(_cells(rows[0])[6]) >= 1
    rows[0].click()
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#problem-table tbody tr.error"), 30, "problems")
    assert browser.find_elements(By.CSS_SELECTOR, "a[download]") == []


def test_page_under_a_foreign_name_is_refused(server, tmp_path):
    """DNS rebinding as a browser meets it: a foreign name that resolves to 127.0.0.1."""
    By = _by()
    driver = chromium(tmp_path / "profile", tmp_path / "dl", ("--host-resolver-rules=MAP rebind.example 127.0.0.1",))
    try:
        driver.get(f"http://rebind.example:{server.port}/")
        body = driver.find_element(By.TAG_NAME, "body").text
        assert "拒绝访问" in body and "DNS 重绑定" in body
        assert driver.find_elements(By.ID, "start") == []
        driver.get(server.url)  # the real address still works
        assert driver.find_element(By.ID, "start").text == "开始评分"
    finally:
        driver.quit()


def test_files_dropped_on_the_page_are_scored(server, browser, expected):
    """Drag-and-drop: a real drop event carrying a sample, as Explorer or Finder delivers it."""
    import base64

    By = _by()
    sample = SAMPLES[3]
    browser.get(server.url)
    browser.execute_script(
        """
        const [name, b64] = arguments;
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([bytes], name));
        const drop = document.getElementById("drop");
        drop.dispatchEvent(new DragEvent("dragover", {dataTransfer: dt, bubbles: true, cancelable: true}));
        drop.dispatchEvent(new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true}));
        """,
        sample.name,
        base64.b64encode(sample.read_bytes()).decode(),
    )

    def chosen() -> list[str]:
        # read in one script call: the page may redraw the list between a find and a .text
        return browser.execute_script(
            "return Array.from(document.querySelectorAll('#chosen-table tbody td:first-child'), td => td.innerText)"
        )

    wait_for(lambda: chosen() == [sample.name], 20, "the dropped file listed")
    assert chosen() == [sample.name]
    browser.find_element(By.ID, "start").click()
    rows = _result_rows(browser, 120)
    assert _cells(rows[0])[2].split()[0] == f"{expected[sample.name]['total']:.2f}"


def test_server_refusal_reaches_the_browser(server, browser):
    """Past the page's own check (a script posting 51 MB itself), the server's Chinese refusal
    arrives as an answer, not as a broken connection, and leaves no batch behind."""
    browser.get(server.url)
    before = sorted(p.name for p in server.temp_roots()[0].iterdir())
    status, text = browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        const form = new FormData();
        form.append("files", new Blob([new Uint8Array(51 * 1024 * 1024)]), "超大.xlsx");
        const xhr = new XMLHttpRequest();
        xhr.open("POST", "/api/batches?mode=score");
        xhr.setRequestHeader("X-Selfeval", "1");
        xhr.onload = () => done([xhr.status, xhr.responseText]);
        xhr.onerror = () => done([0, "network error"]);
        xhr.send(form);
        """
    )
    assert status == 413 and "超大.xlsx" in text and "50 MB" in text
    assert sorted(p.name for p in server.temp_roots()[0].iterdir()) == before


def test_reviewed_total_has_its_own_column(server, browser, make_workbook, tmp_path):
    """复核总分 (SPEC §4.2's column, §4.3's ``reviewed_total``) beside 核定总分; blank where nobody reviewed;
    the files ranked by the final total as in 汇总."""
    from test_review import ENTRIES, score_in_place, type_entries

    By = _by()
    folder = tmp_path / "收件"
    folder.mkdir()
    reviewed = make_workbook("收件/甲.xlsx", info={"项目名称": "康复服务项目"})
    plain = make_workbook("收件/乙.xlsx", info={"项目名称": "托养服务项目"})
    score_in_place(folder, tmp_path)
    type_entries(reviewed, ENTRIES)  # 康复服务比例 15 → 9, 服务规范性 10 → 4.5
    sample = next(p for p in SAMPLES if p.name == "镜湖区残联_残疾人事业发展补助资金.xlsx")  # 核定总分 99.11
    rows = _upload(browser, server.url, [reviewed, plain, sample])
    header = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "#results-table thead th")]
    assert header[2:5] == ["核定总分", "复核总分", "等级"]
    table = [_cells(tr) for tr in rows]
    # 甲: 核定 100, 复核 100 − (15 − 9) − (10 − 4.5) = 88.5 → 良, 已复核, ranked by 88.50;
    # 乙: 100, not reviewed → 优 first; the sample's 99.11 (优) between them
    assert [(r[8], r[2], r[3], r[4], r[5]) for r in table] == [
        ("乙.xlsx", "100.00", "", "优", "已评分"),
        (sample.name, "99.11", "", "优", "已评分"),
        ("甲.xlsx", "100.00", "88.50", "良", "已复核"),
    ]
    _shot(browser, "复核总分.png")
    rows[2].click()
    wait_for(lambda: browser.find_element(By.ID, "detail").is_displayed(), 30, "detail")
    assert "核定总分 100.00，复核总分 88.50，等级 良" in browser.find_element(By.ID, "detail-summary").text
    # the reviewer's 复核得分 on its indicator rows, blank on the rows left to 核定得分
    ind = {c[2]: c for c in map(_cells, browser.find_elements(By.CSS_SELECTOR, "#indicator-table tbody tr"))}
    assert (ind["康复服务比例"][7:10], ind["服务规范性"][9], ind["托养服务人次数"][9]) == (
        ["15.00", "", "9.00"],
        "4.50",
        "",
    )
    # and the 复核意见 beside them, as typed (its line break kept; an opinion with no score too)
    header = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "#indicator-table thead th")]
    assert header[-2:] == ["评分说明", "复核意见"]
    assert (ind["康复服务比例"][11], ind["服务规范性"][11], ind["托养服务人次数"][11], ind["服务长效机制"][11]) == (
        "抽查发现服务记录不全，扣 6 分",
        "规范性\n证明材料不足",
        "同意核定得分",
        "",
    )
    _shot(browser, "复核总分-明细.png")


def _shot(browser, name):
    """A screenshot for a person to look at, when SELFEVAL_SHOTS names a folder."""
    if os.environ.get("SELFEVAL_SHOTS"):
        browser.save_screenshot(os.path.join(os.environ["SELFEVAL_SHOTS"], name))


def test_a_reload_comes_back_to_the_batch(server, browser, expected):
    """F5 (or Back) after a batch: the page follows the same batch again and shows its results,
    instead of an empty page while the server keeps them."""
    rows = _upload(browser, server.url, SAMPLES[:2])
    before = [_cells(tr)[:3] for tr in rows]
    browser.refresh()
    again = _result_rows(browser, 60, "the results again after a reload")
    assert [_cells(tr)[:3] for tr in again] == before


def test_a_file_changed_after_it_was_chosen_is_named_not_the_server(server, browser, tmp_path):
    """A workbook saved again in Excel after it was chosen cannot be uploaded (the browser fails
    the whole upload): the page names it and takes it off the list, instead of saying the
    server is gone."""
    import shutil

    By = _by()
    edited = tmp_path / "正在编辑.xlsx"
    shutil.copyfile(SAMPLES[0], edited)
    browser.get(server.url)
    browser.find_element(By.ID, "files").send_keys(f"{edited}\n{SAMPLES[1]}")
    wait_for(lambda: len(browser.find_elements(By.CSS_SELECTOR, "#chosen-table tbody tr")) == 2, 20, "two chosen")
    edited.write_bytes(SAMPLES[2].read_bytes())  # saved again, another size and time
    os.utime(edited, (1_900_000_000, 1_900_000_000))
    browser.find_element(By.ID, "start").click()
    message = wait_for(lambda: browser.find_element(By.ID, "message").text, 20, "a message")
    assert "“正在编辑.xlsx”无法读取" in message and "无法连接到评分服务" not in message
    names = browser.execute_script(
        "return Array.from(document.querySelectorAll('#chosen-table tbody td:first-child'), td => td.innerText)"
    )
    assert names == [SAMPLES[1].name]


def test_a_download_that_fails_says_why_on_the_page(server, browser):
    """A download link whose batch is gone (the server restarted) shows the server's Chinese
    reason on the page rather than a failed “.json” in the browser's download list."""
    By = _by()
    _upload(browser, server.url, SAMPLES[:1])
    link = _link(browser, "下载汇总表")
    browser.execute_script(
        "arguments[0].href = arguments[0].href.replace(/batches\\/[^/]+\\//, 'batches/0000gone/')", link
    )
    link.click()
    message = wait_for(lambda: browser.find_element(By.ID, "message").text, 20, "a message")
    assert "找不到这一批" in message


def test_files_chosen_while_a_reload_resumes_are_kept(server, browser):
    """A reload resumes the tab's last batch; files chosen before that answer arrives are a new
    choice, not that batch's files: they stay listed (they were cleared when it came back done)."""
    By = _by()
    _upload(browser, server.url, SAMPLES[:1])
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 800, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    try:
        browser.refresh()
        browser.find_element(By.ID, "files").send_keys(str(SAMPLES[1]))
        _result_rows(browser, 60, "the resumed batch's results")
    finally:
        browser.execute_cdp_cmd(
            "Network.emulateNetworkConditions",
            {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        )
    names = browser.execute_script(
        "return Array.from(document.querySelectorAll('#chosen-table tbody td:first-child'), td => td.innerText)"
    )
    assert names == [SAMPLES[1].name]
    assert browser.find_element(By.ID, "start").is_enabled()


def test_enter_on_a_rows_download_link_downloads_without_opening_the_row(server, browser, downloads):
    """Keyboard only: Tab to a row's 下载 link and press Enter. The workbook downloads and the
    row's details stay closed, as with a mouse click on the link (the Enter also reached the
    row, which opened its details under the download)."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    By = _by()
    name = "镜湖区残联_残疾人事业发展补助资金.xlsx"
    rows = _upload(browser, server.url, [p for p in SAMPLES if p.name == name])
    link = rows[0].find_element(By.CSS_SELECTOR, "td:last-child a[download]")
    browser.execute_script("arguments[0].focus()", link)
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    wb = openpyxl.load_workbook(downloaded(downloads, name), read_only=True)
    assert "评分结果" in wb.sheetnames
    wb.close()
    assert not browser.find_element(By.ID, "detail").is_displayed()
    # Enter on the row itself still opens it
    browser.execute_script("arguments[0].focus()", rows[0])
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    wait_for(lambda: browser.find_element(By.ID, "detail").is_displayed(), 30, "detail")
    assert browser.find_element(By.ID, "detail-title").text == name


def _emulate_width(browser, width):
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": width, "height": 844, "deviceScaleFactor": 1, "mobile": True}
    )


def test_a_phone_wide_page_stays_readable(server, browser, tmp_path):
    """At 390 px (a phone; a narrow window): the page never scrolls sideways (only the wide
    tables do, inside their own box), 单位 and 项目 keep a readable width instead of one or
    two characters a line, and each 移除 button is one line."""
    By = _by()
    (tmp_path / "说明.docx").write_bytes(b"PK\x03\x04")  # its notice lists the accepted types
    name = "镜湖区残联_残疾人事业发展补助资金.xlsx"
    good = next(p for p in SAMPLES if p.name == name)
    _emulate_width(browser, 390)
    try:
        browser.get(server.url)
        browser.find_element(By.ID, "files").send_keys(f"{good}\n{tmp_path / '说明.docx'}")
        # 移除 at 13 px with line-height 1.6 is one 20.8 px line + 2 px padding + 2 px border
        # ≈ 25 px; it wrapped to 移/除 (two lines, ≈ 46 px)
        heights = browser.execute_script(
            "return Array.from(document.querySelectorAll('#chosen-table button'), b => b.getBoundingClientRect().height)"
        )
        assert len(heights) == 2 and all(h < 35 for h in heights), heights
        browser.find_element(By.ID, "start").click()
        rows = _result_rows(browser)
        assert browser.find_element(By.ID, "notices").text.startswith("“说明.docx”不是 Excel 工作簿")
        widths = browser.execute_script(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= widths[1] == 390, widths
        # 单位 and 项目 at least 7 characters of 15 px (105 px) plus 2 × 8 px padding: 芜湖市镜湖区残疾人联合会
        # (12 characters) takes two lines, not six
        unit, project = (
            browser.execute_script("return arguments[0].getBoundingClientRect().width", td)
            for td in rows[0].find_elements(By.TAG_NAME, "td")[:2]
        )
        assert unit >= 121 and project >= 121, (unit, project)
        _shot(browser, "手机宽度.png")
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_a_batch_with_no_workbook_shows_no_empty_table(server, browser, tmp_path):
    """Only files that are not workbooks: the closing line and the notice say so, 汇总.xlsx
    (with its 未评分文件) is offered, and no empty results table with “点击一行” under it."""
    By = _by()
    (tmp_path / "说明.docx").write_bytes(b"PK\x03\x04")
    browser.get(server.url)
    browser.find_element(By.ID, "files").send_keys(str(tmp_path / "说明.docx"))
    browser.find_element(By.ID, "start").click()
    closing = wait_for(lambda: browser.find_element(By.ID, "closing").text, 60, "closing line")
    # one file, taken by nobody: 已评分 0 …, 上传时未接收 1
    assert closing == "共 1 个文件：已评分 0、待复核 0、待更正 0、未填写 0；上传时未接收 1"
    assert [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#downloads a")] == ["下载汇总表（汇总.xlsx）"]
    assert not browser.find_element(By.ID, "results-table").is_displayed()
    assert not browser.find_element(By.ID, "results-hint").is_displayed()
    # and a batch with rows afterwards shows the table again
    rows = _upload(browser, server.url, SAMPLES[:1])
    assert len(rows) == 1 and browser.find_element(By.ID, "results-hint").is_displayed()


def test_a_reviewed_total_with_errors_is_marked_provisional(server, browser, make_workbook, tmp_path):
    """A reviewer's 复核得分 that is not a number or exceeds 分值 is an error: the file is 待更正 and
    its 复核总分 leaves those entries out, so it will change once they are corrected. Like the 核定总分
    beside it, it is shown as 暂算 (it was shown as a plain figure, as if final)."""
    from test_review import at, score_in_place, type_entries

    By = _by()
    folder = tmp_path / "收件"
    folder.mkdir()
    path = make_workbook("收件/复核有误.xlsx")
    score_in_place(folder, tmp_path)
    # 托养服务人次数 has 10 分: 12 is out of range; 约九分 is not a number; 项目完成时间 5 → 3 counts
    type_entries(path, {at("L", 1): "约九分", at("L", 2): 12, at("L", 4): 3})
    rows = _upload(browser, server.url, [path])
    unit, project, total, reviewed, grade, status, errors, *_ = _cells(rows[0])
    # 核定总分 100 (every row full); 复核总分 = 100 − (5 − 3) = 98; two errors → 待更正, no grade
    assert (total, reviewed, grade, status, errors) == ("100.00 暂算", "98.00 暂算", "—", "待更正", "2")
    rows[0].click()
    wait_for(lambda: browser.find_element(By.ID, "detail").is_displayed(), 30, "detail")
    summary = browser.find_element(By.ID, "detail-summary").text
    assert "核定总分 100.00（暂算），复核总分 98.00（暂算），待更正" in summary, summary
