"""Who may talk to the server. DNS rebinding (a web page whose name suddenly resolves to
127.0.0.1) reaches a local server under a foreign name: the Host header gives it away, so
only the names this server is known by are served, as Jupyter does. A write (POST) must also
come from this page's own origin."""

from __future__ import annotations

import ipaddress
import json
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

LOOPBACK_NAMES = {"localhost"}


def _ip(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None


def host_name(header: str) -> str:
    """The name part of a Host header: ``[::1]:8765`` → ``::1``, ``Localhost.:80`` → ``localhost``."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0].rstrip(".") if header.count(":") == 1 else header.rstrip(".")


def allowed_hosts(bind: str) -> Callable[[str], bool]:
    """Which Host names a server bound to ``bind`` answers to: on a loopback address, the
    loopback addresses and ``localhost``; on one other address or name, that one; on every
    address (0.0.0.0, ::), any IP address (an IP typed into the address bar cannot be
    rebound) and this machine's own names."""
    bind = bind.strip("[]").lower()
    ip = _ip(bind)
    if bind in LOOPBACK_NAMES or (ip is not None and ip.is_loopback):
        return lambda name: name in LOOPBACK_NAMES or bool((a := _ip(name)) and a.is_loopback)
    if ip is not None and ip.is_unspecified:
        own = {socket.gethostname().lower(), socket.getfqdn().lower()} | LOOPBACK_NAMES
        return lambda name: name in own or _ip(name) is not None
    return lambda name: name == bind or (ip is not None and _ip(name) == ip)


class HostGuard:
    """ASGI middleware: refuse (403, in Chinese) a request whose Host is not ours, and a POST
    whose Origin is another site's."""

    def __init__(self, app: ASGIApp, allowed: Callable[[str], bool]):
        self.app = app
        self.allowed = allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        name = host_name(host)
        if not host or not self.allowed(name):
            await _refuse(
                send,
                f"拒绝访问：“{name or '（空）'}”不是本服务的地址。为防止 DNS 重绑定攻击，"
                "本服务只接受启动时显示的地址（如 http://127.0.0.1:8765/）。",
            )
            return
        origin = headers.get("origin")
        if (
            scope["method"] not in ("GET", "HEAD")
            and origin is not None
            and urlsplit(origin).netloc.lower() != host.lower()
        ):
            await _refuse(send, "拒绝访问：请求来自其他网站，只接受本工具网页自己的请求。")
            return
        await self.app(scope, receive, send)


async def _refuse(send: Send, message: str) -> None:
    body = json.dumps({"error": message}, ensure_ascii=False).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
