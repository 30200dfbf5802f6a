"""Helpers for the ``selfeval serve`` tests: a real server in its own process (with its own
TMPDIR, so its temporary folders can be checked), raw HTTP requests, hostile files."""

from __future__ import annotations

import http.client
import io
import json
import os
import signal
import subprocess
import sys
import time
import uuid
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "samples").glob("*.xlsx"))


class Server:
    """``python -m selfeval_xl serve --no-browser --port 0`` with ``TMPDIR=tmp``."""

    def __init__(self, tmp: Path, *extra: str, browser: str | None = None):
        """``browser``: a command for Python's ``webbrowser`` (``$BROWSER``) instead of ``--no-browser``."""
        self.tmp = tmp
        env = {**os.environ, "TMPDIR": str(tmp), "PYTHONUNBUFFERED": "1"}
        flags = ["--no-browser"] if browser is None else []
        if browser is not None:
            env["BROWSER"] = browser
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "selfeval_xl", "serve", *flags, "--port", "0", *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
        )
        self.lines: list[str] = []
        assert self.proc.stdout is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("server did not start: " + (self.proc.stderr.read() if self.proc.stderr else ""))
            self.lines.append(line.rstrip("\n"))
            if "http://" in line:
                self.url = line[line.index("http://") :].strip()
                break
        parts = urlsplit(self.url)
        self.host, self.port = parts.hostname or "", parts.port or 80

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        host: str | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            conn.putheader("Host", host if host is not None else f"{self.host}:{self.port}")
            for k, v in (headers or {}).items():
                conn.putheader(k, v)
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()

    def json(self, path: str) -> dict[str, Any]:
        status, _, body = self.request("GET", path)
        assert status == 200, body
        return json.loads(body)

    def upload(self, files: list[tuple[str, bytes]], mode: str = "score") -> tuple[int, dict[str, Any]]:
        body, ctype = multipart(files)
        status, _, reply = self.request(
            "POST", f"/api/batches?mode={mode}", body, {"Content-Type": ctype, "X-Selfeval": "1"}
        )
        return status, json.loads(reply)

    def run(self, files: list[tuple[str, bytes]], mode: str = "score", timeout: float = 120) -> dict[str, Any]:
        """Upload and wait until the batch is done; the final status."""
        status, reply = self.upload(files, mode)
        assert status == 202, reply
        return self.wait(reply["url"], timeout)

    def wait(self, url: str, timeout: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.json(url)
            if state["state"] != "running":
                assert state["state"] == "done", state
                return state
            time.sleep(0.2)
        raise TimeoutError(url)

    def temp_roots(self) -> list[Path]:
        return sorted(self.tmp.glob("selfeval-serve-*"))

    def stop(self, signum: int = signal.SIGINT) -> tuple[int, str]:
        """Ctrl-C, as a person would press it (or ``signum``); the exit code and everything printed."""
        if self.proc.poll() is None:
            self.proc.send_signal(signum)
        out, err = self.proc.communicate(timeout=60)
        return self.proc.returncode, "\n".join(self.lines) + "\n" + out + err


def multipart(files: list[tuple[str, bytes]], field: str = "files") -> tuple[bytes, str]:
    """A multipart/form-data body as a browser sends it (file names raw UTF-8, quotes escaped)."""
    boundary = "----selfevaltest" + uuid.uuid4().hex
    out = io.BytesIO()
    for name, data in files:
        quoted = name.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
        out.write(f"--{boundary}\r\n".encode())
        out.write(f'Content-Disposition: form-data; name="{field}"; filename="{quoted}"\r\n'.encode())
        out.write(b"Content-Type: application/octet-stream\r\n\r\n")
        out.write(data)
        out.write(b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def sample_files(names: list[str] | None = None) -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in SAMPLES if names is None or p.name in names]


def zip_of(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def zip_slip() -> bytes:
    """A .zip whose second member climbs out of the folder it is unpacked into."""
    return zip_of({"好文件.xlsx": SAMPLES[0].read_bytes(), "../../逃逸.xlsx": SAMPLES[1].read_bytes()})


def zip_bomb(megabytes: int = 200) -> bytes:
    """A .zip of ~200 KB holding one 'workbook' that inflates to ``megabytes`` MB of zeros."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        with zf.open("炸弹.xlsx", "w", force_zip64=True) as fh:
            chunk = b"\0" * (1 << 20)
            for _ in range(megabytes):
                fh.write(chunk)
    return buf.getvalue()


def xlsx_bomb(megabytes: int = 100) -> bytes:
    """An .xlsx whose sheet XML inflates to ``megabytes`` MB (past the reader's 64 MB a part)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            chunk = b" " * (1 << 20)
            for _ in range(megabytes):
                fh.write(chunk)
    return buf.getvalue()


def cli_json(paths: list[Path], cwd: Path) -> dict[str, dict[str, Any]]:
    """``selfeval score --json`` on ``paths`` (no write-back), keyed by file name."""
    run = subprocess.run(
        [sys.executable, "-m", "selfeval_xl", "score", "--json", "--no-write-back", *map(str, paths)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode in (0, 1), run.stderr
    objs = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    return {o["file"]: o for o in objs}


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def wait_until(check: Any, timeout: float) -> Any:
    """``check()``'s first true value, polled until ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.1)
    raise TimeoutError(repr(check))
