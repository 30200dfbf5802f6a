"""``selfeval serve`` without a browser: a real server process, real HTTP. Host guard, path
traversal, upload names, size limits, hostile zips, concurrent batches, Ctrl-C."""

from __future__ import annotations

import io
import json
import re
import signal
import socket
import threading
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from serve_support import (
    SAMPLES,
    Server,
    cli_json,
    files_under,
    multipart,
    sample_files,
    wait_until,
    zip_bomb,
    zip_of,
    zip_slip,
)

from selfeval_xl.reading import contract as L
from selfeval_xl.web.guard import allowed_hosts, host_name
from selfeval_xl.web.uploads import MB, Placed, Receiver, UploadRefused, member_name, place, safe_name, unzip

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("serve"))
    yield s
    s.stop()


# --- the page -------------------------------------------------------------------------------


def test_page_and_its_files_come_from_the_package(server):
    status, headers, body = server.request("GET", "/")
    page = body.decode("utf-8")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "开始评分" in page and 'type="file" multiple' in page and "只检查" in page
    # every script and stylesheet is the server's own: nothing from the internet
    assert re.findall(r'(?:src|href)="([^"]+)"', page) == ["/static/style.css", "/static/app.js"]
    for path, kind in (("/static/app.js", "javascript"), ("/static/style.css", "css")):
        status, headers, body = server.request("GET", path)
        assert status == 200 and kind in headers["content-type"] and len(body) > 500
        assert b"http://" not in body and b"https://" not in body
    assert "default-src 'self'" in headers["content-security-policy"]
    # the page's checks before uploading are the server's own limits and file types
    config = server.json("/api/config")
    assert config["file_limit"] == 50 * MB and config["batch_limit"] == 500 * MB
    assert {".xlsx", ".xlsm", ".xls", ".ods", ".zip"} <= set(config["accepted"])


# --- who may ask ------------------------------------------------------------------------------


def test_foreign_host_header_is_refused(server):
    for host in (
        "evil.example",
        f"evil.example:{server.port}",
        f"rebind.attacker.test:{server.port}",
        "127.0.0.1.nip.io",
    ):
        status, _, body = server.request("GET", "/", host=host)
        assert status == 403, host
        message = json.loads(body)["error"]
        assert "DNS 重绑定" in message and host_name(host) in message
    # a refused Host reaches nothing behind the guard either
    status, _, _ = server.request("POST", "/api/batches", b"", host="evil.example")
    assert status == 403
    for host in (f"127.0.0.1:{server.port}", f"localhost:{server.port}", "localhost", f"[::1]:{server.port}"):
        assert server.request("GET", "/", host=host)[0] == 200, host


def test_request_without_host_is_refused(server):
    with socket.create_connection((server.host, server.port), timeout=10) as s:
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        reply = s.recv(4096)
    assert reply.startswith(b"HTTP/1.1 403")


def test_post_from_another_site_is_refused(server):
    body, ctype = multipart(sample_files()[:1])
    # a form on another site can post here (the browser sends Origin), but is refused
    status, _, reply = server.request(
        "POST", "/api/batches", body, {"Content-Type": ctype, "X-Selfeval": "1", "Origin": "http://evil.example"}
    )
    assert status == 403 and "其他网站" in json.loads(reply)["error"]
    # a plain cross-site form cannot set the X-Selfeval header (that would need a CORS preflight)
    status, _, reply = server.request("POST", "/api/batches", body, {"Content-Type": ctype})
    assert status == 403 and CJK.search(json.loads(reply)["error"])


def test_allowed_hosts_by_bound_address():
    loop = allowed_hosts("127.0.0.1")
    assert loop("localhost") and loop("127.0.0.1") and loop("::1") and loop("127.0.0.2")
    assert not loop("evil.example") and not loop("192.168.1.5") and not loop("localhost.evil.example")
    lan = allowed_hosts("192.168.1.5")
    assert lan("192.168.1.5") and not lan("evil.example") and not lan("localhost")
    anywhere = allowed_hosts("0.0.0.0")
    assert anywhere("10.1.2.3") and anywhere("localhost") and not anywhere("evil.example")
    assert host_name("[::1]:8765") == "::1" and host_name("LocalHost.:80") == "localhost"


# --- paths ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/static/../../../../etc/passwd",
        "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/static/..%2f..%2f..%2fetc%2fpasswd",
        "/..%2f..%2f..%2fetc/passwd",
        "/api/batches/..%2f..%2f..%2fetc/download/summary",
        "/api/batches/%2e%2e/rows/0/workbook",
        "/static/app.js/../../pyproject.toml",
        "/static/index.html%00.js",
    ],
)
def test_path_traversal_reaches_nothing(server, path):
    status, _, body = server.request("GET", path)
    assert status in (400, 404), (path, status)
    assert b"root:" not in body and b"[project]" not in body


def test_upload_names_cannot_escape(server, tmp_path):
    good = SAMPLES[0].read_bytes()
    names = [
        "../../逃逸1.xlsx",
        "/etc/逃逸2.xlsx",
        "..\\..\\逃逸3.xlsx",
        "C:\\Windows\\逃逸4.xlsx",
        "a/../../逃逸5.xlsx",
        ".隐藏.xlsx",
        "CON.xlsx",
        "..",
        'quote"s.xlsx',
    ]
    done = server.run([(n, good) for n in names])
    files = [r["file"] for r in done["rows"]]
    for f in files:
        assert "/" not in f and "\\" not in f and not f.startswith(".") and ".." not in f.split("/")
    assert sorted(files) == sorted(
        [
            "逃逸1.xlsx",
            "逃逸2.xlsx",
            "逃逸3.xlsx",
            "逃逸4.xlsx",
            "逃逸5.xlsx",
            "隐藏.xlsx",
            "_CON.xlsx",
            "quote%22s.xlsx",  # the browser's escaping of " is kept as text
        ]
    )
    # ".." has no extension: refused with a notice, not scored
    assert any("不是 Excel 工作簿" in n for n in done["notices"])
    # nothing landed outside the server's temporary folder
    outside = [p for p in files_under(server.tmp) if server.temp_roots()[0] not in p.parents]
    assert outside == []
    assert not list(server.tmp.parent.glob("逃逸*"))


def test_zip_slip_is_refused_and_other_files_still_score(server):
    good = SAMPLES[2]
    done = server.run([("提交.zip", zip_slip()), (good.name, good.read_bytes())])
    assert [r["file"] for r in done["rows"]] == [good.name]
    assert done["rows"][0]["total"] is not None
    (notice,) = done["notices"]
    assert "提交.zip" in notice and "../../逃逸.xlsx" in notice and "整个压缩包已拒绝" in notice
    kept = [p.name for p in files_under(server.temp_roots()[0] / done["id"])]
    assert "逃逸.xlsx" not in kept and "好文件.xlsx" not in kept  # the whole .zip is refused
    assert not list(server.tmp.parent.glob("逃逸.xlsx")) and not list(server.tmp.glob("逃逸.xlsx"))


def test_an_empty_zip_is_said_not_lost(server):
    # an empty .zip, and one holding only what a Mac adds (__MACOSX/, ._ files): nothing to
    # score, each named in a notice beside the workbook that scores
    good = SAMPLES[2]
    mac_only = zip_of({"__MACOSX/._甲.xlsx": b"x", "._乙.xlsx": b"y"})
    done = server.run([("空.zip", zip_of({})), ("苹果.zip", mac_only), (good.name, good.read_bytes())])
    assert [r["file"] for r in done["rows"]] == [good.name]
    assert sorted(done["notices"]) == sorted(
        f"压缩包“{name}”里没有文件（空的，或只有隐藏文件、系统文件），未评分" for name in ("空.zip", "苹果.zip")
    )


def test_a_zip_inside_a_zip_is_said_to_be_one(server):
    # a folder's .zip holding another unit's .zip: the inner one is not unpacked, and the notice
    # and 未评分文件 say so (not "如是自评表，请另存为 .xlsx")
    import openpyxl

    good = SAMPLES[2]
    outer = zip_of({f"收件/{good.name}": good.read_bytes(), "收件/其它单位.zip": zip_of({"乙.xlsx": b"x"})})
    done = server.run([("文件夹.zip", outer)])
    assert [r["file"] for r in done["rows"]] == [f"文件夹/收件/{good.name}"]
    assert done["notices"] == [
        "“文件夹/收件/其它单位.zip”：压缩包，没有解开，其中的文件未评分；请解开后把其中的工作簿放进来重新评分"
    ]
    status, _, body = server.request("GET", done["downloads"]["summary"])
    assert status == 200
    ws = openpyxl.load_workbook(io.BytesIO(body))[L.S_UNSCORED]
    rows = [r for r in ws.iter_rows(values_only=True)]
    (row,) = [r for r in rows[1:] if r[0] and str(r[0]).endswith("其它单位.zip")]
    assert "other-zip" in row and not any("另存为 .xlsx" in str(v) for v in row)


def test_refused_uploads_are_listed_in_the_summary(server):
    # the summary is the bureau's record of what it was sent: a refused .zip (one member escapes
    # the folder), an empty .zip and a .docx are in 未评分文件 with the page's reason, as a .docx
    # in a scored folder is; the closing line counts them (1 scored + 3 refused = 4 files)
    import openpyxl

    good = SAMPLES[2]
    done = server.run(
        [("提交.zip", zip_slip()), ("空.zip", zip_of({})), ("说明.docx", b"PK\x03\x04"), (good.name, good.read_bytes())]
    )
    assert [r["file"] for r in done["rows"]] == [good.name]
    assert done["closing"].startswith("共 4 个文件：") and "；上传时未接收 3" in done["closing"]
    status, _, body = server.request("GET", done["downloads"]["summary"])
    assert status == 200
    ws = openpyxl.load_workbook(io.BytesIO(body))[L.S_UNSCORED]
    rows = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True) if r[0]}
    assert set(rows) == {"提交.zip", "空.zip", "说明.docx"}
    assert rows["提交.zip"][2] == "upload-refused" and "整个压缩包已拒绝" in rows["提交.zip"][3]
    assert rows["空.zip"][2] == "upload-refused" and "里没有文件" in rows["空.zip"][3]
    assert rows["说明.docx"][2] == "other-file" and ".docx" in rows["说明.docx"][3]


def test_uploads_named_like_our_own_files_are_not_lost(server):
    """Files that ``selfeval score`` skips in a folder by their name alone, chosen one by one on
    the page, vanished without a word (not in the table, not counted, no notice): a unit's
    workbook called 汇总.xlsx, a reviewed ``X.xls.评分结果.xlsx`` sent back without its X.xls, and
    Excel's ``~$`` lock file. The workbook is scored under another name; the others are named
    with the reason, counted and listed in 未评分文件."""
    jinghu = next(p for p in SAMPLES if p.name.startswith("镜湖区残联"))  # 核定总分 99.11
    tianchang = next(p for p in SAMPLES if p.name.startswith("天长市水利局"))  # 核定总分 100
    lock = b"\x0bAdministrator" + b"\x00" * 150  # what Excel leaves beside an open workbook
    done = server.run(
        [
            ("汇总.xlsx", jinghu.read_bytes()),
            ("乙.xls.评分结果.xlsx", tianchang.read_bytes()),
            ("~$甲.xlsx", lock),
            ("甲.xlsx", tianchang.read_bytes()),
        ]
    )
    # 汇总.xlsx is the name of this batch's own summary: the unit's workbook is scored as 汇总（2）.xlsx
    assert [(r["file"], r["total"]) for r in done["rows"]] == [("甲.xlsx", "100.00"), ("汇总（2）.xlsx", "99.11")]
    assert sorted(done["notices"]) == sorted(
        [
            "“汇总.xlsx”与本工具的汇总表同名，按“汇总（2）.xlsx”评分",
            "“乙.xls.评分结果.xlsx”：本工具为“乙.xls”写的评分结果，这一批上传的文件中没有原文件，不能单独评分；"
            "复核后要重新评分，请把它和原文件一起上传",
            "“~$甲.xlsx”是 Excel 打开工作簿时生成的临时锁定文件，不是工作簿，未评分",
        ]
    )
    # 4 files sent: 2 scored (已评分), the results file counted as a scored folder counts it, the lock file not taken
    assert done["closing"].startswith("共 4 个文件：已评分 2、")
    assert "；评分结果缺原文件 1（未评分）；上传时未接收 1" in done["closing"]


def test_a_results_file_alone_in_a_zip_is_named_as_when_uploaded_loose(server):
    """A folder's .zip holding a reviewer's ``X.xls.评分结果.xlsx`` without X.xls: unpacked, it was
    passed over without a word (the same file chosen on its own was named). Now the notice, the
    closing count and 未评分文件 say what it is, as ``selfeval score`` says it for a folder."""
    jinghu = next(p for p in SAMPLES if p.name.startswith("镜湖区残联"))  # 核定总分 99.11, 优
    tianchang = next(p for p in SAMPLES if p.name.startswith("天长市水利局"))
    folder = zip_of({"收件/甲.xlsx": jinghu.read_bytes(), "收件/复核/乙.xls.评分结果.xlsx": tianchang.read_bytes()})
    done = server.run([("文件夹.zip", folder)])
    assert [(r["file"], r["total"]) for r in done["rows"]] == [("文件夹/收件/甲.xlsx", "99.11")]
    why = (
        "本工具为“乙.xls”写的评分结果，同一文件夹里没有原文件，不能单独评分；"
        "复核后要重新评分，请把它和原文件放在同一文件夹"
    )
    assert done["notices"] == [f"“文件夹/收件/复核/乙.xls.评分结果.xlsx”：{why}"]
    # 2 files: 甲 scored (优), the results file listed
    assert done["closing"] == (
        "共 2 个文件：已评分 1、待复核 0、待更正 0、未填写 0；评分结果缺原文件 1（未评分）；等级：优 1、良 0、中 0、差 0"
    )
    status, _, body = server.request("GET", done["downloads"]["summary"])
    assert status == 200
    ws = openpyxl.load_workbook(io.BytesIO(body))[L.S_UNSCORED]
    rows = [r for r in ws.iter_rows(min_row=2, values_only=True) if r[0]]
    assert rows == [("文件夹/收件/复核/乙.xls.评分结果.xlsx", "评分结果缺原文件", "results-alone", why)]


def test_our_own_summary_uploaded_under_its_name_gets_one_notice(server, tmp_path):
    """Our summary uploaded under its own name 汇总.xlsx got two notices: “按‘汇总（2）.xlsx’评分”,
    then “‘汇总（2）.xlsx’是本工具生成的汇总表，已跳过”. Now one, naming the file as uploaded; and a
    sample list is called a sample list (it was called a 汇总表 too)."""
    from click.testing import CliRunner

    from selfeval_xl.cli import cli

    jinghu = next(p for p in SAMPLES if p.name.startswith("镜湖区残联"))  # 核定总分 99.11
    (tmp_path / "上次").mkdir()
    (tmp_path / "上次" / "甲.xlsx").write_bytes(jinghu.read_bytes())
    summary, sample = tmp_path / "s.xlsx", tmp_path / "l.xlsx"
    assert CliRunner().invoke(cli, ["score", str(tmp_path / "上次"), "--summary", str(summary)]).exit_code == 0
    assert CliRunner().invoke(cli, ["sample", str(summary), "-o", str(sample)]).exit_code == 0
    done = server.run(
        [("汇总.xlsx", summary.read_bytes()), ("抽查名单.xlsx", sample.read_bytes()), ("甲.xlsx", jinghu.read_bytes())]
    )
    assert [(r["file"], r["total"]) for r in done["rows"]] == [("甲.xlsx", "99.11")]
    assert done["notices"] == [  # in file order, as the folder is scored
        "“抽查名单.xlsx”是本工具生成的抽查名单，不是单位提交的工作簿，已跳过",
        "“汇总.xlsx”是本工具生成的汇总表，不是单位提交的工作簿，已跳过",
    ]
    # the batch's own summary is still there under its name, of the one workbook scored
    assert done["closing"].startswith("共 1 个文件：已评分 1、")


def test_a_reviewed_results_file_sent_with_its_original_is_read_not_refused(server, tmp_path):
    """``X.xls.评分结果.xlsx`` uploaded together with X.xls: it is where the reviewer typed 复核得分,
    read when X.xls is scored (as in a folder), so no notice and nothing refused."""
    jinghu = next(p for p in SAMPLES if p.name.startswith("镜湖区残联"))
    done = server.run([("丙.xlsx", jinghu.read_bytes()), ("丙.xlsx.评分结果.xlsx", jinghu.read_bytes())])
    assert [r["file"] for r in done["rows"]] == ["丙.xlsx"]
    assert done["notices"] == [] and "上传时未接收" not in done["closing"]


# --- sizes ------------------------------------------------------------------------------------


def test_file_over_50_mb_is_refused_with_nothing_left(server):
    before = files_under(server.temp_roots()[0])
    status, reply = server.upload([(SAMPLES[0].name, SAMPLES[0].read_bytes()), ("大文件.xlsx", b"\0" * (50 * MB + 1))])
    assert status == 413
    assert "大文件.xlsx" in reply["error"] and "50 MB" in reply["error"] and "未上传任何文件" in reply["error"]
    assert files_under(server.temp_roots()[0]) == before  # no partial batch


def test_a_page_closed_mid_upload_leaves_no_traceback_in_the_server_window(tmp_path):
    # half of a 2-file upload sent, then the connection closed (the page reloaded): the batch's
    # folder goes, as before, and the window a person keeps open shows no “Exception in ASGI
    # application” traceback (it printed one from ClientDisconnect)
    own = Server(tmp_path)
    try:
        body, ctype = multipart(
            [(SAMPLES[0].name, SAMPLES[0].read_bytes()), (SAMPLES[1].name, SAMPLES[1].read_bytes())]
        )
        with socket.create_connection((own.host, own.port), timeout=20) as s:
            head = f"POST /api/batches HTTP/1.1\r\nHost: {own.host}:{own.port}\r\n"
            head += f"Content-Type: {ctype}\r\nX-Selfeval: 1\r\nContent-Length: {len(body)}\r\n\r\n"
            s.sendall(head.encode() + body[: len(body) // 2])
            time.sleep(0.5)
        assert wait_until(lambda: not files_under(own.temp_roots()[0]), 20)
        time.sleep(1)  # (the server has taken the disconnect in by now)
    finally:
        _, printed = own.stop()
    assert "Traceback" not in printed and "Exception in ASGI" not in printed, printed


def test_batch_over_500_mb_is_refused_before_reading(server):
    body, ctype = multipart([("a.xlsx", b"x")])
    conn_headers = {"Content-Type": ctype, "X-Selfeval": "1", "Content-Length": str(600 * MB)}
    # only the headers and a few bytes are sent: the refusal must not wait for 600 MB
    with socket.create_connection((server.host, server.port), timeout=20) as s:
        head = f"POST /api/batches HTTP/1.1\r\nHost: {server.host}:{server.port}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in conn_headers.items()) + "\r\n"
        s.sendall(head.encode() + body)
        got = b""
        while b"}" not in got and (chunk := s.recv(65536)):
            got += chunk
        reply = got.decode("utf-8", "replace")
    assert reply.startswith("HTTP/1.1 413")
    assert "500 MB" in reply and "分几批" in reply


def _urllib_post(server, data, ctype, length=None):
    """An upload from Python's urllib, as a script of the bureau's would send it: the whole body
    first, then the answer; it asks to close the connection after the request."""
    import urllib.error
    import urllib.request

    headers = {"Content-Type": ctype, "X-Selfeval": "1"}
    if length is not None:
        headers["Content-Length"] = str(length)
    req = urllib.request.Request(server.url + "api/batches?mode=score", data=data, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_refused_upload_reaches_a_client_that_sends_everything_first(server):
    """A file over 50 MB from urllib: refused at its 50th MB, the rest read and dropped, so that the
    client gets the Chinese refusal (it used to get "Connection reset by peer"); a good file beside
    it is not kept either."""
    before = files_under(server.temp_roots()[0])
    body, ctype = multipart([(SAMPLES[0].name, SAMPLES[0].read_bytes()), ("大文件.xlsx", b"\0" * (80 * MB))])
    status, reply = _urllib_post(server, body, ctype)
    assert status == 413, reply
    assert "大文件.xlsx" in reply["error"] and "50 MB" in reply["error"] and "未上传任何文件" in reply["error"]
    assert files_under(server.temp_roots()[0]) == before
    assert server.run(sample_files([SAMPLES[0].name]))["rows"]  # the server goes on


def test_batch_over_500_mb_reaches_a_client_that_sends_everything_first(server):
    """A batch declared at 501 MB + 1 byte (over 500 MB and the form's 1 MB allowance) is refused from
    its Content-Length alone; urllib still sends all of it before reading, and gets the refusal."""
    head, ctype = multipart([("大批.xlsx", b"")])
    cut = head.index(b"\r\n--" + ctype.split("boundary=")[1].encode() + b"--")
    size = 501 * MB + 1 - len(head)  # the file's bytes, so that the whole body is 501 MB + 1

    def body():
        yield head[:cut]
        block = b"\0" * MB
        for _ in range(size // MB):
            yield block
        yield b"\0" * (size % MB)
        yield head[cut:]

    status, reply = _urllib_post(server, body(), ctype, length=len(head) + size)
    assert status == 413, reply
    assert "500 MB" in reply["error"] and "分几批" in reply["error"]


def test_receiver_limits_stream_without_content_length(tmp_path):
    """The limits hold on the streamed bytes themselves (a chunked upload has no length)."""
    body, ctype = multipart([("一.xlsx", b"a" * 4000), ("二.xlsx", b"b" * 4000), ("三.xlsx", b"c" * 4000)])
    boundary = ctype.split("boundary=")[1].encode()
    r = Receiver(tmp_path / "in", boundary, file_limit=5000, batch_limit=10_000)
    with pytest.raises(UploadRefused, match="合计超过"):
        for i in range(0, len(body), 1000):
            r.write(body[i : i + 1000])
    r = Receiver(tmp_path / "in2", boundary, file_limit=3000, batch_limit=10_000)
    with pytest.raises(UploadRefused, match="“一.xlsx”超过"):
        r.write(body)
    # a folder's .zip over the per-file limit: split it (the bureau's whole inbox in one .zip)
    zipped, zctype = multipart([("收件箱.zip", b"z" * 4000)])
    r = Receiver(tmp_path / "in4", zctype.split("boundary=")[1].encode(), file_limit=3000, batch_limit=10_000)
    with pytest.raises(UploadRefused, match="“收件箱.zip”超过 0 MB.*拆成几个不超过 0 MB 的压缩包"):
        r.write(zipped)
    r = Receiver(tmp_path / "in3", boundary)
    r.write(body[:-10])
    with pytest.raises(UploadRefused, match="不完整"):
        r.finish()


def test_zip_bomb_is_refused(server):
    good = SAMPLES[3]
    done = server.run([("炸弹.zip", zip_bomb(200)), (good.name, good.read_bytes())])
    assert [r["file"] for r in done["rows"]] == [good.name]
    (notice,) = done["notices"]
    assert "炸弹.zip" in notice and "50 MB" in notice
    assert sum(p.stat().st_size for p in files_under(server.tmp)) < 60 * MB


def test_unzip_does_not_trust_declared_sizes(tmp_path):
    """A member whose headers understate its size is refused as damaged, and nothing stays."""
    import struct

    data = bytearray(zip_of({"单位.xlsx": b"\0" * 300_000}))
    local, central = data.index(b"PK\x03\x04"), data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, local + 22, 100)  # uncompressed size, local header
    struct.pack_into("<I", data, central + 24, 100)  # and central directory
    src = tmp_path / "lie.zip"
    src.write_bytes(bytes(data))
    with pytest.raises(UploadRefused, match="已损坏"):
        unzip(src, tmp_path / "out", "lie.zip", Placed())
    # and the unpacked total is counted across members against the batch limit
    src.write_bytes(zip_of({"a.xlsx": b"\0" * 3000, "b.xlsx": b"\0" * 3000}))
    with pytest.raises(UploadRefused, match="合计超过"):
        unzip(src, tmp_path / "out2", "lie.zip", Placed(), batch_limit=5000)


def test_unzip_refuses_what_zipfile_would_inflate_without_a_bound(tmp_path):
    """A bzip2 member declaring 100 bytes that holds 64 MB (~50 bytes of bzip2): zipfile
    inflates a whole block per read whatever the sizes say, so the server's own memory took it
    all before the size checks saw a byte. Refused by its method, nothing inflated or left."""
    import struct
    import tracemalloc
    import zlib

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("单位.xlsx", b"PK" + b"\0" * (64 * MB), zipfile.ZIP_BZIP2)
    data = bytearray(buf.getvalue())
    local, central = data.index(b"PK\x03\x04"), data.index(b"PK\x01\x02")
    for crc_at in (local + 14, central + 16):  # the CRC-32 and size of the first 100 bytes
        struct.pack_into("<I", data, crc_at, zlib.crc32(b"PK" + b"\0" * 98))
        struct.pack_into("<I", data, crc_at + 8, 100)
    src = tmp_path / "bz.zip"
    src.write_bytes(bytes(data))
    assert src.stat().st_size < 1024
    tracemalloc.start()
    try:
        with pytest.raises(UploadRefused, match="bzip2"):
            unzip(src, tmp_path / "out", "bz.zip", Placed())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * MB
    assert not list((tmp_path / "out").rglob("*.xlsx"))


def test_safe_names_and_zip_name_encodings():
    assert safe_name("../../a.xlsx") == "a.xlsx"
    assert safe_name("C:\\x\\单位.xlsx") == "单位.xlsx"
    assert safe_name("...") == "未命名"
    assert safe_name("a\x00b<>.xlsx") == "a_b__.xlsx"
    long = safe_name("长" * 300 + ".xlsx")
    assert long.endswith(".xlsx") and len(long.encode()) <= 200
    # a zip made by Windows in a Chinese locale: GBK names without the UTF-8 flag
    info = zipfile.ZipInfo("单位甲.xlsx".encode("gbk").decode("cp437"))
    assert member_name(info) == "单位甲.xlsx"


def test_zip_of_a_folder_keeps_its_structure(server, tmp_path):
    a, b = SAMPLES[0], SAMPLES[4]
    folder_zip = zip_of({f"甲区/{a.name}": a.read_bytes(), f"乙区/二级/{b.name}": b.read_bytes(), "说明.txt": b"x"})
    done = server.run([("全区提交.zip", folder_zip)])
    assert sorted(r["file"] for r in done["rows"]) == sorted(
        [f"全区提交/甲区/{a.name}", f"全区提交/乙区/二级/{b.name}"]
    )
    status, headers, body = server.request("GET", done["downloads"]["zip"])
    assert status == 200 and "attachment" in headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(body)) as zf:
        assert sorted(zf.namelist()) == sorted([f"全区提交/甲区/{a.name}", f"全区提交/乙区/二级/{b.name}"])
        for name in zf.namelist():
            wb = openpyxl.load_workbook(io.BytesIO(zf.read(name)), read_only=True)
            assert "评分结果" in wb.sheetnames
            wb.close()


# --- batches ----------------------------------------------------------------------------------


def test_two_concurrent_batches_do_not_mix(server, tmp_path):
    first, second = [p.name for p in SAMPLES[:4]], [p.name for p in SAMPLES[4:]]
    results: dict[str, dict] = {}

    def go(key: str, names: list[str]) -> None:
        results[key] = server.run(sample_files(names))

    threads = [threading.Thread(target=go, args=(k, n)) for k, n in (("a", first), ("b", second))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    a, b = results["a"], results["b"]
    assert a["id"] != b["id"]
    assert sorted(r["file"] for r in a["rows"]) == sorted(first)
    assert sorted(r["file"] for r in b["rows"]) == sorted(second)
    expected = cli_json(SAMPLES, tmp_path)
    for batch, names in ((a, first), (b, second)):
        for r in batch["rows"]:  # same numbers as the CLI
            assert r["total"] == f"{expected[r['file']]['total']:.2f}"
        status, _, body = server.request("GET", batch["downloads"]["summary"])
        wb = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
        ws = wb["汇总"]
        header = [c.value for c in next(ws.iter_rows(max_row=1))]
        col = header.index("文件")
        in_summary = [row[col] for row in ws.iter_rows(min_row=2, values_only=True) if row[col]]
        wb.close()
        scored = [n for n in names if expected[n]["total"] is not None]
        assert sorted(in_summary) == sorted(scored)


def test_check_mode_keeps_nothing(server):
    good = SAMPLES[5]
    done = server.run([(good.name, good.read_bytes())], mode="check")
    assert done["mode"] == "check" and "downloads" not in done
    (row,) = done["rows"]
    detail = server.json(row["detail"])
    assert (
        detail["indicators"] and [detail["downloads"][k] for k in ("workbook", "workbook_name", "report")] == [None] * 3
    )
    folder = server.temp_roots()[0] / done["id"]
    assert not [p for p in files_under(folder)]  # no uploaded or scored workbook, no summary


def test_unknown_batch_and_row(server):
    status, _, body = server.request("GET", "/api/batches/nope")
    assert status == 404 and CJK.search(json.loads(body)["error"])
    done = server.run(sample_files([SAMPLES[0].name]))
    status, _, body = server.request("GET", f"/api/batches/{done['id']}/rows/7")
    assert status == 404


# --- start and stop ---------------------------------------------------------------------------


def test_ctrl_c_stops_and_removes_temporary_folders(tmp_path):
    s = Server(tmp_path)
    assert s.url.startswith("http://127.0.0.1:") and "评分网页已启动" in s.lines[0]
    done = s.run(sample_files([SAMPLES[0].name]))
    assert s.request("GET", done["downloads"]["zip"])[0] == 200
    assert files_under(s.temp_roots()[0])
    code, out = s.stop()
    assert code == 0, out
    assert "已停止" in out and "Traceback" not in out
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP"])
def test_kill_and_closed_terminal_end_as_ctrl_c_does(tmp_path, signame):
    """``kill`` (SIGTERM) and closing the terminal window (SIGHUP) end the server as Ctrl-C does: the
    closing line, exit code 0, the uploads and results gone from the temporary folder. (SIGTERM used to
    end it without the closing line, killed by the signal uvicorn raised again; SIGHUP killed it at once
    and left the uploaded workbooks in the temporary folder.)"""
    s = Server(tmp_path)
    s.run(sample_files([SAMPLES[0].name]))
    assert files_under(s.temp_roots()[0])  # the upload and its scored copy are there
    code, out = s.stop(getattr(signal, signame))
    assert code == 0, out
    assert out.rstrip().endswith("评分网页已停止，临时文件已删除。") and "Traceback" not in out, out
    assert list(tmp_path.iterdir()) == []


def test_the_browser_is_opened_at_the_page(tmp_path):
    """Without --no-browser the default browser opens the page ($BROWSER stands in for it)."""
    opened = tmp_path / "opened.txt"
    fake = tmp_path / "browser.sh"
    fake.write_text(f'#!/bin/sh\necho "$1" > {opened}\n')
    fake.chmod(0o755)
    s = Server(tmp_path / "tmp", browser=f"{fake} %s")
    try:
        url = wait_until(lambda: opened.exists() and opened.read_text().strip(), 30)
        assert url == s.url
    finally:
        assert s.stop()[0] == 0


def test_busy_port_is_one_chinese_line(server, tmp_path):
    import subprocess
    import sys

    run = subprocess.run(
        [sys.executable, "-m", "selfeval_xl", "serve", "--no-browser", "--port", str(server.port)],
        capture_output=True,
        text=True,
        timeout=60,
        env={"TMPDIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert run.returncode == 1
    assert f"端口 {server.port} 已被占用" in run.stderr and "Traceback" not in run.stderr
    assert list(Path(tmp_path).iterdir()) == []


def test_addresses_shown_and_warned_about():
    from selfeval_xl.web.server import is_loopback, page_url

    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost") and is_loopback("127.0.0.9")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5") and not is_loopback("example.lan")
    assert page_url("0.0.0.0", 8765) == "http://127.0.0.1:8765/" and page_url("::1", 80) == "http://[::1]:80/"


def test_serve_help_is_chinese():
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-m", "selfeval_xl", "serve", "--help"], capture_output=True, text=True)
    assert run.returncode == 0 and "--no-browser" in run.stdout and "不自动打开浏览器" in run.stdout


def test_place_refuses_what_is_not_a_workbook(tmp_path):
    from selfeval_xl.web.uploads import Received

    (tmp_path / "r").mkdir()
    a = tmp_path / "r" / "0"
    a.write_bytes(b"x")
    b = tmp_path / "r" / "1"
    b.write_bytes(b"y")
    placed = place([Received("说明.docx", a), Received("单位.XLSX", b)], tmp_path / "out")
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["单位.XLSX"]
    assert len(placed.notices) == 1 and "说明.docx" in placed.notices[0]
    # the accepted types are listed with the Chinese enumeration comma, as the page's own line
    # under the drop zone lists them (they read ".et, .ett, .ods, …" in a Chinese sentence)
    assert placed.notices[0] == (
        "“说明.docx”不是 Excel 工作簿或 .zip 压缩包（可上传 .et、.ett、.ods、.xls、.xlsb、.xlsm、.xlsx、.zip），未评分"
    )


def test_a_symbolic_link_in_a_zip_is_named_not_dropped(tmp_path):
    """A .zip made with ``zip -y`` stores a symbolic link as a link: it was left out without a word.
    It is still not followed (it points outside the upload), but named, and listed in 未评分文件."""
    import stat

    from selfeval_xl.web.uploads import Received

    link = zipfile.ZipInfo("收件/链接.xlsx")
    link.create_system = 3  # Unix: the mode is in the high 16 bits
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("收件/甲.xlsx", SAMPLES[0].read_bytes())
        zf.writestr(link, "../../别处/丁.xlsx")
    (tmp_path / "r").mkdir()
    upload = tmp_path / "r" / "0"
    upload.write_bytes(buf.getvalue())
    placed = place([Received("文件夹.zip", upload)], tmp_path / "out")
    assert sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*.xlsx")) == [
        "文件夹/收件/甲.xlsx"
    ]
    why = (
        "压缩包“文件夹.zip”中的“收件/链接.xlsx”是符号链接（指向别处的文件），没有解压，未评分；"
        "请把它指向的文件本身放进压缩包后重新上传"
    )
    assert placed.notices == [why]
    assert [(p.where.file, p.code, p.message) for p in placed.refused] == [
        ("文件夹/收件/链接.xlsx", "upload-refused", f"上传时未接收：{why}")
    ]


def test_rows_sorted_as_the_summary_sorts_them():
    """Ranked by final total (复核总分 where present), then 待复核 by total, then 待更正 and 未填写
    in file order, then the unreadable files (SPEC §4.2)."""
    from selfeval_xl.web.jobs import Row

    def row(n, total, status, reviewed=None):
        return Row(n, f"{n}.xlsx", "单位", "项目", "项目支出", total, "优", status, reviewed, 0, 0, Path(), None, None)

    rows = [
        row(0, 70.0, "needs-correction"),
        row(1, None, None),
        row(2, 80.0, "final"),
        row(3, 60.0, "needs-correction"),
        row(4, 75.0, "reviewed", reviewed=95.0),  # ranked by its 复核总分 95
        row(5, 0.0, "blank"),
        row(6, 85.0, "needs-review"),
        row(7, 90.0, "needs-review"),
        row(8, 80.0, "final"),  # ties keep file order
    ]
    assert [r.n for r in sorted(rows, key=Row.order)] == [4, 2, 8, 7, 6, 0, 3, 5, 1]
    assert [r.status_zh for r in sorted(rows, key=Row.order)] == [
        "已复核",
        "已评分",
        "已评分",
        "待复核",
        "待复核",
        "待更正",
        "待更正",
        "未填写",
        "无法读取",
    ]
    # a 未填写 file is not scored: no total on the page (汇总 leaves its 核定总分 empty too)
    assert rows[5].public("/b")["total"] is None and rows[2].public("/b")["total"] == "80.00"


@pytest.mark.office
def test_ods_and_xls_uploads_get_result_workbooks_beside_them(server, tmp_path):
    """An .ods or .xls (saved by LibreOffice, as an office suite would) is scored like the CLI
    scores it; its results come back as <name>.<ext>.评分结果.xlsx, the upload itself unchanged."""
    from conftest import office_resave

    ods = office_resave(SAMPLES[4], tmp_path / "ods", "ods")
    xls = office_resave(SAMPLES[6], tmp_path / "xls", "xls")
    expected = cli_json([ods, xls], tmp_path)
    done = server.run([(ods.name, ods.read_bytes()), (xls.name, xls.read_bytes())])
    for r in done["rows"]:
        assert r["total"] == f"{expected[r['file']]['total']:.2f}"
        detail = server.json(r["detail"])
        assert detail["downloads"]["workbook_name"] == Path(r["file"]).name + ".评分结果.xlsx"
        status, _, body = server.request("GET", detail["downloads"]["workbook"])
        wb = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
        assert wb.sheetnames == ["评分结果"]
        wb.close()
    with zipfile.ZipFile(io.BytesIO(server.request("GET", done["downloads"]["zip"])[2])) as zf:
        assert sorted(zf.namelist()) == sorted(n + ".评分结果.xlsx" for n in (ods.name, xls.name))


def test_same_submission_twice_warned_on_both_as_the_cli_does(server, tmp_path):
    sample = SAMPLES[0]
    done = server.run([("第一次.xlsx", sample.read_bytes()), ("第二次.xlsx", sample.read_bytes())])
    (tmp_path / "第一次.xlsx").write_bytes(sample.read_bytes())
    (tmp_path / "第二次.xlsx").write_bytes(sample.read_bytes())
    expected = cli_json([tmp_path / "第一次.xlsx", tmp_path / "第二次.xlsx"], tmp_path)
    for r in done["rows"]:
        exp = expected[r["file"]]
        assert r["warnings"] == sum(p["severity"] == "warning" for p in exp["problems"])
        detail = server.json(r["detail"])
        assert detail["problems"] == exp["problems"]
        other = "第二次.xlsx" if r["file"] == "第一次.xlsx" else "第一次.xlsx"
        assert any(p["code"] == "duplicate" and other in p["message"] for p in detail["problems"])


def test_a_file_to_correct_gets_a_correction_list(server):
    """As `selfeval report` drafts it: 待更正 → 更正清单, not a 自评报告 (the sample 大英县司法局
    has the deliberate error 实际完成值“完成”)."""
    from docx import Document

    name = "大英县司法局_安可替代补助资金.xlsx"
    done = server.run(sample_files([name]))
    (row,) = done["rows"]
    assert row["status"] == "needs-correction" and row["status_zh"] == "待更正" and row["grade"] is None
    assert row["provisional"] and "；等级" not in done["closing"]  # an ungraded file adds no grade
    detail = server.json(row["detail"])
    assert detail["downloads"]["report_is_correction_list"]
    status, headers, body = server.request("GET", detail["downloads"]["report"])
    assert status == 200 and "%E6%9B%B4%E6%AD%A3%E6%B8%85%E5%8D%95.docx" in headers["content-disposition"]  # 更正清单
    doc = Document(io.BytesIO(body))
    assert doc.paragraphs[0].text.endswith("更正清单") and "待更正" in doc.paragraphs[1].text


def test_check_details_stay_bounded_in_memory(tmp_path, monkeypatch):
    """只检查 keeps its details in memory only (nothing of a check is written): compressed, and
    past CHECK_DETAILS_BYTES over all check batches the oldest finished batches let go of theirs,
    whose rows then say so in Chinese; the newest keeps its own."""
    import shutil

    from selfeval_xl.web import jobs

    monkeypatch.setattr(jobs, "CHECK_DETAILS_BYTES", 1)
    registry = jobs.Registry(jobs=1)
    try:
        batches = []
        for sample in SAMPLES[:2]:
            batch_id, folder = registry.new_folder()
            (folder / jobs.UPLOADS).mkdir()
            shutil.copy(sample, folder / jobs.UPLOADS / sample.name)
            batch = jobs.Batch(batch_id, folder, "check", [])
            registry.start(batch)
            assert batch.thread is not None
            batch.thread.join(120)
            assert batch.state == "done", batch.message
            batches.append(batch)
        older, newer = batches
        assert newer.detail(0)["indicators"] and not newer.details_freed
        raw = len(json.dumps({k: newer.detail(0)[k] for k in ("indicators", "problems")}, ensure_ascii=False).encode())
        assert 0 < newer.details_bytes < raw  # kept compressed
        assert older.details_freed and older.details_bytes == 0
        with pytest.raises(jobs.NotAvailable, match="已释放"):
            older.detail(0)
        assert older.status()["rows"]  # its results table is still there
    finally:
        registry.close()


def test_closing_line_is_the_clis(server, tmp_path):
    """The page's closing line is the one `selfeval score` prints for the same files: every
    grade of the rule set named, in its order, 0 too (中 0、差 0)."""
    import subprocess
    import sys

    names = ["镜湖区残联_残疾人事业发展补助资金.xlsx", "天长市水利局_水旱灾害防御经费.xlsx"]  # 优 and 优
    done = server.run(sample_files(names))
    for name, data in sample_files(names):
        (tmp_path / name).write_bytes(data)
    run = subprocess.run(
        [sys.executable, "-m", "selfeval_xl", "score", "--no-write-back", *names],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    cli_line = next(line for line in run.stdout.splitlines() if line.startswith("共 "))
    assert done["closing"] == cli_line and "中 0、差 0" in cli_line


def test_a_libreoffice_lock_file_is_named_as_one(tmp_path):
    """``.~lock.甲.xlsx#`` (what LibreOffice leaves beside an open 甲.xlsx) chosen on the page was
    refused as “不是 Excel 工作簿或 .zip 压缩包”, as if a workbook saved in a wrong format. Now it is
    named as the lock file it is, naming the workbook that was open; still not scored, still
    listed in 未评分文件 (upload-refused), and the workbook beside it scored."""
    from selfeval_xl.web.uploads import Received

    (tmp_path / "r").mkdir()
    lock, book = tmp_path / "r" / "0", tmp_path / "r" / "1"
    lock.write_bytes(",张三,PC/张三,01.06.2024 09:30,file:///C:/Users/zhang/AppData/Roaming/LibreOffice/4;".encode())
    book.write_bytes(SAMPLES[0].read_bytes())
    placed = place([Received(safe_name(".~lock.甲.xlsx#"), lock), Received("甲.xlsx", book)], tmp_path / "out")
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["甲.xlsx"]
    why = "“.~lock.甲.xlsx#”是 LibreOffice 打开工作簿“甲.xlsx”时生成的锁定文件，不是工作簿，未评分；请上传工作簿本身"
    assert placed.notices == [why]
    assert [(p.where.file, p.code) for p in placed.refused] == [(".~lock.甲.xlsx#", "upload-refused")]
    assert not lock.exists()
