"""``selfeval serve``: bind, say where the page is (in Chinese), open the browser, serve until
Ctrl-C, then remove every temporary folder."""

from __future__ import annotations

import contextlib
import ipaddress
import os
import signal
import socket
import threading
import time
import webbrowser
from collections.abc import Callable, Iterator
from types import FrameType

import uvicorn

from selfeval_xl.stopping import Handler, handling, raise_stopped
from selfeval_xl.web.app import create_app
from selfeval_xl.web.guard import allowed_hosts
from selfeval_xl.web.jobs import Registry


class BindError(Exception):
    """The address cannot be used (Chinese message)."""


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _bind(host: str, port: int) -> socket.socket:
    """The listening socket, made here so that a busy port is one Chinese line, not a log."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise BindError(f"无法识别地址 {host}（{exc.strerror}）") from None
    family, _, _, _, addr = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    if os.name != "nt":  # on Windows SO_REUSEADDR would let two servers share the port
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(addr)
    except OSError as exc:
        sock.close()
        if exc.errno in (98, 48, 10048):  # EADDRINUSE on Linux, macOS, Windows
            raise BindError(f"端口 {port} 已被占用（可能本工具已经在运行），请用 --port 换一个端口") from None
        raise BindError(f"无法使用地址 {host}:{port}（{exc.strerror or exc}）") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def page_url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 - only for display
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    open_browser: bool = True,
    jobs: int = 0,
    say: Callable[[str], None] = print,
) -> None:
    """Run the page's server until Ctrl-C (or SIGTERM, SIGHUP); the temporary folders go on the way out."""
    sock = _bind(host, port)
    port = sock.getsockname()[1]
    url = page_url(host, port)
    registry = Registry(jobs)
    try:
        app = create_app(registry, allowed_hosts(host))
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on", timeout_graceful_shutdown=5)
        server = uvicorn.Server(config)
        if not is_loopback(host):
            say(
                f"注意：服务绑定在 {host}，局域网中的其他电脑也可能访问本页面并上传文件；"
                "如只在本机使用，请去掉 --host（默认 127.0.0.1）。"
            )
        say(f"评分网页已启动：{url}")
        say("请在浏览器中打开上面的地址（不会上传到互联网，文件只在本机处理）。按 Ctrl-C 停止服务。")
        if open_browser:
            threading.Thread(target=_open_when_ready, args=(server, url), daemon=True).start()
        with contextlib.suppress(KeyboardInterrupt), _stop_signals(server):  # uvicorn re-raises what it handled
            server.run(sockets=[sock])
    finally:
        sock.close()
        registry.close()
    with contextlib.suppress(OSError):  # the terminal window may be gone (SIGHUP)
        say("评分网页已停止，临时文件已删除。")


@contextlib.contextmanager
def _stop_signals(server: uvicorn.Server) -> Iterator[None]:
    """End on SIGTERM and SIGHUP as on Ctrl-C: the closing line, the temporary folders removed, exit 0.

    uvicorn handles SIGTERM itself (a graceful shutdown, the lifespan's end) and then raises it
    again under the handler it found, which by default kills the process before the closing line;
    that handler is ours and unwinds like Ctrl-C. SIGHUP, which uvicorn leaves alone (the default
    kills the process and leaves the uploads in the temporary folder), asks uvicorn for the same
    shutdown as SIGTERM."""

    def hang_up(signum: int, frame: FrameType | None) -> None:
        server.handle_exit(signal.SIGTERM, frame)

    handlers: dict[int, Handler] = {signal.SIGTERM: raise_stopped}
    if hasattr(signal, "SIGHUP"):
        handlers[signal.SIGHUP] = hang_up
    with handling(handlers):
        yield


def _open_when_ready(server: uvicorn.Server, url: str) -> None:
    for _ in range(100):
        if server.started:
            webbrowser.open(url)
            return
        time.sleep(0.1)
