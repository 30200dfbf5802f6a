"""The web page's server side (Starlette): the page and its three static files from the package,
a JSON API for uploads, progress and details, and the downloads. Every request passes the host
guard first (``guard``)."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import AsyncIterator, Callable
from importlib import resources
from pathlib import Path

import anyio
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from selfeval_xl.ooxml.extensions import WORKBOOK_EXTENSIONS
from selfeval_xl.web.guard import HostGuard
from selfeval_xl.web.jobs import DISTRICT_NAME, ZIP_NAME, Batch, NotAvailable, Registry
from selfeval_xl.web.uploads import BATCH_LIMIT, FILE_LIMIT, MB, Receiver, UploadRefused, place

STATIC = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/static/app.js": ("app.js", "text/javascript; charset=utf-8"),
    "/static/style.css": ("style.css", "text/css; charset=utf-8"),
}
NO_STORE = {"Cache-Control": "no-store"}
SECURITY_HEADERS = {
    # the page loads only its own files; no frames (clickjacking), no sniffing
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _static(request: Request) -> Response:
    name, media = STATIC[request.url.path]
    body = (resources.files("selfeval_xl.web") / "static" / name).read_bytes()
    return Response(body, media_type=media, headers={**NO_STORE, **SECURITY_HEADERS})


def _error(message: str, status: int) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=NO_STORE)


# A refused upload is read to its end (and dropped) up to this many bytes, so that its client gets
# the Chinese refusal: one that sends the whole body before it reads the answer and asks to close
# the connection afterwards (Python's urllib) would otherwise meet a reset, as the server closes a
# connection with unread bytes in it. A client that keeps the connection open has the rest read and
# dropped by uvicorn after the answer.
DRAIN_LIMIT = 4 * BATCH_LIMIT
DRAIN_IDLE = 10.0  # seconds without a byte after which a refused upload is answered anyway


class _Body:
    """The request body as it arrives, remembering how much came and whether it has all come."""

    def __init__(self, request: Request):
        self.request = request
        self.read = 0
        self.done = False

    async def chunks(self) -> AsyncIterator[bytes]:
        while not self.done:
            message = await self.request.receive()
            if message["type"] == "http.disconnect":
                raise ClientDisconnect()
            chunk = message.get("body", b"")
            self.read += len(chunk)
            self.done = not message.get("more_body", False)
            if chunk:
                yield chunk

    def _closes(self) -> bool:
        """The client asked to close the connection after this request (HTTP/1.0 or Connection: close)."""
        connection = self.request.headers.get("connection", "").lower()
        return self.request.scope.get("http_version") == "1.0" or "close" in connection

    async def drain(self) -> None:
        """Read and drop the rest of a refused upload, for a client that closes the connection
        (up to DRAIN_LIMIT; answered anyway after DRAIN_IDLE seconds without a byte). Not when the
        client waits for "100 Continue" and has sent nothing yet: it reads the refusal first."""
        headers = self.request.headers
        expects = headers.get("expect", "").lower() == "100-continue"
        length = headers.get("content-length", "")
        if self.done or not self._closes() or (expects and self.read == 0):
            return
        if length.isdigit() and int(length) > DRAIN_LIMIT:
            return
        with contextlib.suppress(ClientDisconnect):
            chunks = self.chunks()
            while self.read <= DRAIN_LIMIT:
                with anyio.move_on_after(DRAIN_IDLE) as idle:
                    if await anext(chunks, None) is None:
                        return
                if idle.cancelled_caught:
                    return


async def _upload(request: Request) -> Response:
    """POST /api/batches?mode=score|check with the files as multipart/form-data. The body is
    streamed to the batch's folder; past a limit, or on a broken upload, the folder goes and
    nothing of the batch remains; the rest of a refused body is read and dropped before the answer."""
    body = _Body(request)
    response = await _take_upload(request, body)
    await body.drain()
    return response


async def _take_upload(request: Request, body: _Body) -> Response:
    registry: Registry = request.app.state.registry
    mode = request.query_params.get("mode", "score")
    if mode not in ("score", "check"):
        return _error("mode 只能是 score 或 check", 400)
    if request.headers.get("x-selfeval") != "1":  # forces a CORS preflight on cross-site posts
        return _error("请从本工具的网页上传文件", 403)
    ctype = request.headers.get("content-type", "")
    boundary = _boundary(ctype)
    if not ctype.startswith("multipart/form-data") or boundary is None:
        return _error("请用网页上的“选择文件”上传", 400)
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > BATCH_LIMIT + MB:  # + the form's own overhead
        return _error(Receiver.over_batch(BATCH_LIMIT), 413)
    batch_id, folder = registry.new_folder()
    receiver = Receiver(folder / "收到", boundary)
    try:
        async for chunk in body.chunks():
            await anyio.to_thread.run_sync(receiver.write, chunk)
        receiver.finish()
        if not receiver.files:
            raise UploadRefused("没有收到文件：请先选择工作簿或 .zip 压缩包", 400)
        placed = await anyio.to_thread.run_sync(place, receiver.files, folder / "上传的文件")
        shutil.rmtree(folder / "收到", ignore_errors=True)
        batch = Batch(batch_id, folder, mode, placed.notices, placed.refused)
        registry.start(batch)
    except UploadRefused as exc:
        receiver.close()
        shutil.rmtree(folder, ignore_errors=True)
        return _error(exc.message, exc.status)
    except ClientDisconnect:  # the page reloaded or closed mid-upload: nothing to answer, nothing kept
        receiver.close()
        shutil.rmtree(folder, ignore_errors=True)
        return Response(status_code=400)  # (to no one: not a traceback in the server's window)
    except BaseException:  # the server is stopping, a bug
        receiver.close()
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return JSONResponse({"id": batch_id, "url": batch.base}, status_code=202, headers=NO_STORE)


def _boundary(ctype: str) -> bytes | None:
    for part in ctype.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "boundary" and value:
            return value.strip('"').encode("latin-1")
    return None


def _config(request: Request) -> Response:
    """What the page checks before uploading: the accepted file types and the size limits."""
    accepted = sorted(WORKBOOK_EXTENSIONS) + [".zip"]
    return JSONResponse({"accepted": accepted, "file_limit": FILE_LIMIT, "batch_limit": BATCH_LIMIT})


def _batch(request: Request) -> Batch:
    return request.app.state.registry.get(request.path_params["batch_id"])


def _status(request: Request) -> Response:
    return JSONResponse(_batch(request).status(), headers=NO_STORE)


def _detail(request: Request) -> Response:
    return JSONResponse(_batch(request).detail(request.path_params["n"]), headers=NO_STORE)


def _file(path: Path, name: str | None = None) -> Response:
    return FileResponse(path, filename=name or path.name, headers=NO_STORE)


async def _download(request: Request) -> Response:
    batch, what = _batch(request), request.path_params["what"]
    if what == "summary":
        return _file(batch.summary_file())
    if what == "zip":
        return _file(await anyio.to_thread.run_sync(batch.zip_file), ZIP_NAME)
    if what == "district":
        return _file(await anyio.to_thread.run_sync(batch.district), DISTRICT_NAME)
    raise NotAvailable("没有这种下载")


async def _row_file(request: Request) -> Response:
    batch, n, what = _batch(request), request.path_params["n"], request.path_params["what"]
    if what == "workbook":
        return _file(batch.workbook(n))
    if what == "report":
        return _file(await anyio.to_thread.run_sync(batch.report, n))
    raise NotAvailable("没有这种下载")


async def _not_available(request: Request, exc: Exception) -> Response:
    return _error(str(exc), 404)


async def _not_found(request: Request, exc: Exception) -> Response:
    return _error("没有这个页面", 404)


async def _internal(request: Request, exc: Exception) -> Response:
    """A bug of ours while answering: said in Chinese on the page (the details go to the
    terminal that started the server); the server and the other batches go on."""
    return _error(f"程序出错（{type(exc).__name__}），请把启动服务的窗口里显示的信息发给技术支持", 500)


def create_app(registry: Registry, allowed_hosts: Callable[[str], bool]) -> HostGuard:
    """The ASGI app behind its Host/Origin guard; ``allowed_hosts`` decides which Host headers are served (``guard``)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await anyio.to_thread.run_sync(registry.close)

    routes = [Route(path, _static) for path in STATIC] + [
        Route("/api/config", _config),
        Route("/api/batches", _upload, methods=["POST"]),
        Route("/api/batches/{batch_id}", _status),
        Route("/api/batches/{batch_id}/rows/{n:int}", _detail),
        Route("/api/batches/{batch_id}/rows/{n:int}/{what}", _row_file),
        Route("/api/batches/{batch_id}/download/{what}", _download),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={NotAvailable: _not_available, 404: _not_found, 405: _not_found, Exception: _internal},
    )
    app.state.registry = registry
    return HostGuard(app, allowed_hosts)
