"""Worker processes that one bad file cannot take down with it (issue 18).

Each worker takes one file at a time (``QUEUED`` sent ahead), under a budget: ``CPU_SECONDS`` of CPU and
``WALL_SECONDS`` of wall time per file (a watchdog thread), ``MEMORY_BYTES`` of address space
more than it started with (``RLIMIT_AS``). A file past its budget is reported at its name
(``too-slow`` / ``too-large``); a worker that dies (the kernel's OOM killer, a crash in a C
library) is replaced, its file in flight reported, the files queued behind it given to another
worker. Workers die with the parent (``PR_SET_PDEATHSIG`` on Linux, and the watchdog notices a
new parent elsewhere), so a killed batch leaves no process behind writing files.

Outcomes come back in file order through a bounded window: at most ``WINDOW_PER_JOB`` files per
worker in flight or waiting, and no new file is sent while the outcomes waiting for an earlier
one hold more than ``WINDOW_ROWS`` indicator rows, so memory does not grow with the batch.

A worker sends each outcome as soon as its file is done, but wakes the batch only every few
files (``BATCH``), when it has nothing more to do, or when the oldest outcome not yet announced
has waited ``HOLD_SECONDS``: it rings its own doorbell (a second pipe, the one the batch
watches) with the number of outcomes to read. Each wake of the batch's process costs it far more
than the outcome itself (its caches then hold the workers' data: unpickling an outcome takes
~40 µs warm and ~330 µs cold, ~110 µs each when four come together), and that process is the
one every file goes through. Nothing is held back from a worker that dies: what it sent is in
its pipe and read before its file in flight is reported."""

from __future__ import annotations

import collections
import contextlib
import ctypes
import gc
import multiprocessing as mp
import os
import pickle
import resource
import selectors
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from pathlib import Path

from selfeval_xl.errors import Problem
from selfeval_xl.outcome import FileOutcome


def _seconds() -> float:
    try:
        return max(0.1, float(os.environ.get("SELFEVAL_FILE_SECONDS") or 10))
    except ValueError:
        return 10.0


CPU_SECONDS = _seconds()  # CPU time for one file (SELFEVAL_FILE_SECONDS for a slow machine)
WALL_SECONDS = 60.0  # wall time for one file (a machine under load is slower, not stuck)
TICK_SECONDS = min(0.2, CPU_SECONDS / 4)  # how often the watchdog looks: a small budget, closely
MEMORY_BYTES = 256 * 1024 * 1024  # address space a worker may take beyond its start (~35 MB)
BATCH = 4  # outcomes a worker announces at once (its doorbell rings once for them)
HOLD_SECONDS = 0.1  # the longest an outcome waits to be announced, once its worker has more to do
QUEUED = BATCH + 1  # files sent to a worker ahead: it has the next one while its batch is read
TAIL_QUEUED = 2  # the last files: one in hand, one waiting
WINDOW_PER_JOB = 2 * QUEUED
WINDOW_ROWS = 40_000

_EXIT_SLOW = 97  # the watchdog ended a worker stuck on one file
_EXIT_ORPHAN = 98  # the parent is gone
_PR_SET_PDEATHSIG = 1

Task = tuple[int, Path, str]
Process = Callable[[Path, str], FileOutcome]


class TooSlow(BaseException):
    """Raised in a worker's main thread when its file is over the time budget (a BaseException,
    so that no ``except Exception`` in the scoring code swallows it; temp files are removed on
    the way out as for Ctrl-C)."""


def _die_with_parent(parent: int) -> None:
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(_EXIT_ORPHAN)


def _limit_memory() -> None:
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/self/statm") as fh:
            size = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        want = size + MEMORY_BYTES
        if hard == resource.RLIM_INFINITY or want <= hard:
            resource.setrlimit(resource.RLIMIT_AS, (want, hard))


class _Watchdog(threading.Thread):
    """Ends the worker's current file when it is over budget, and the worker when the parent
    is gone. A file stuck in Python gets ``TooSlow`` raised; one stuck inside a C call gets the
    worker ended after a grace period (the parent reports the file as too slow)."""

    def __init__(self, parent: int):
        super().__init__(daemon=True)
        self.parent = parent
        self.started: tuple[float, float] | None = None  # (monotonic, CPU) when the file began
        self.warned = False

    def begin(self) -> None:
        self.warned = False
        self.started = (time.monotonic(), time.process_time())

    def end(self) -> None:
        self.started = None

    def run(self) -> None:
        while True:
            time.sleep(TICK_SECONDS)
            if os.getppid() != self.parent:
                os._exit(_EXIT_ORPHAN)
            started = self.started
            if started is None:
                continue
            wall = time.monotonic() - started[0]
            cpu = time.process_time() - started[1]
            if cpu > CPU_SECONDS + 2 or wall > WALL_SECONDS + 2:
                os._exit(_EXIT_SLOW)
            if (cpu > CPU_SECONDS or wall > WALL_SECONDS) and not self.warned:
                self.warned = True
                signal.pthread_kill(threading.main_thread().ident, signal.SIGUSR1)  # type: ignore[arg-type]


def _raise_too_slow(signum: int, frame: object) -> None:
    raise TooSlow()


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt()


def _send_room(conn: Connection) -> int:
    """Bytes a worker may send unannounced: a quarter of what its end of the connection (a
    socket pair) holds unread, so that a send never waits for a batch that was not told to
    read (a larger outcome is announced before it is sent, and the batch reads it as it comes)."""
    import socket

    try:
        sock = socket.socket(fileno=conn.fileno())
    except OSError:
        return 8 * 1024
    try:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)  # as far as the system lets it
        return int(sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)) // 4
    except OSError:
        return 8 * 1024
    finally:
        sock.detach()  # the connection's, not this object's, to close


class _Outbox:
    """A worker's outcomes: each sent as soon as it is made, announced a few at a time (the
    doorbell rung with how many to read)."""

    def __init__(self, conn: Connection, bell: int):
        self.conn, self.bell = conn, bell
        self.room = _send_room(conn)
        self.pending = self.pending_bytes = 0  # sent but not announced, and their size
        self.first_sent = 0.0  # when the oldest of them was sent

    def send(self, message: bytes) -> None:
        if self.pending_bytes + len(message) > self.room:  # it could fill the pipe: announced first
            self._ring(self.pending + 1)
            self.conn.send_bytes(message)
            return
        self.conn.send_bytes(message)
        self.pending += 1
        self.pending_bytes += len(message)
        if self.pending == 1:
            self.first_sent = time.monotonic()
        # no next file waiting (the worker would wait for one with outcomes unannounced), or enough
        if self.pending >= BATCH or not self.conn.poll() or time.monotonic() - self.first_sent >= HOLD_SECONDS:
            self._ring(self.pending)

    def _ring(self, count: int) -> None:
        os.write(self.bell, bytes((count,)))
        self.pending = self.pending_bytes = 0


def _worker(conn: Connection, bell: int, parent: int, process: Process) -> None:
    _die_with_parent(parent)
    # what a C library prints as it aborts (a Rust allocation failure, with a backtrace) is not
    # for the user: the parent reports the file in one Chinese line instead
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
    signal.signal(signal.SIGTERM, _raise_interrupt)  # the parent asks: clean up like Ctrl-C
    signal.signal(signal.SIGUSR1, _raise_too_slow)
    watchdog = _Watchdog(parent)
    watchdog.start()
    _limit_memory()
    outbox = _Outbox(conn, bell)
    try:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _HELD)  # held since the fork (``_Worker``)
        settled = False
        while True:
            task = _loads(conn.recv_bytes())
            if task is None:
                return
            index, text, display = task
            path = Path(text)  # (sent as text: ``_Worker.send``)
            watchdog.begin()
            try:
                outcome = process(path, display)
            except TooSlow:
                outcome = _failed(path, display, "too-slow", seconds=f"{CPU_SECONDS:g}")
            except MemoryError:
                outcome = _failed(path, display, "too-large", detail="处理时内存超出限制")
            finally:
                watchdog.end()
            outbox.send(_dumps((index, outcome)))
            if not settled:
                # after the first file, what stays (modules, rule sets, the caches) is set aside
                # from the garbage collector: its passes then walk only what each file makes
                del outcome
                gc.collect()
                gc.freeze()
                settled = True
    except (KeyboardInterrupt, EOFError, BrokenPipeError):
        return


def _dumps(message: object) -> bytes:
    """A message between the batch and a worker, pickled plainly: ``Connection.send`` makes a
    multiprocessing pickler for every message, copying its table of reducers each time, for
    objects (sockets, connections) these messages never hold."""
    return pickle.dumps(message, pickle.HIGHEST_PROTOCOL)


_loads = pickle.loads


def _failed(path: Path, display: str, code: str, **fields: str) -> FileOutcome:
    return FileOutcome(path, display, error=Problem.at(display, None, None, code, **fields))


def _death(task: Task, exitcode: int | None) -> FileOutcome:
    _, path, display = task
    if exitcode == _EXIT_SLOW:
        return _failed(path, display, "too-slow", seconds=f"{CPU_SECONDS:g}")
    if exitcode is not None and -exitcode in (signal.SIGKILL, signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS):
        return _failed(path, display, "too-large", detail="处理时内存不足，处理进程被系统终止")
    if exitcode == 0 or (exitcode is not None and -exitcode in _HELD):
        # stopped from outside (kill, a task manager): the worker unwinds as on Ctrl-C and exits 0
        # with its file unfinished (or dies of the signal before its handler is set)
        return _failed(path, display, "worker-stopped")
    detail = f"处理进程意外退出（退出码 {exitcode}）"
    return _failed(path, display, "internal-error", detail=detail)


# Ctrl-C, kill and a closed terminal: held back while a worker is forked (the child would otherwise
# run this process's handler in the middle of Python's after-fork work, printing a traceback to the
# user's terminal when a run is stopped just as its workers start); let through once the child has
# its own handlers (``_worker``) and, in this process, as soon as the child exists
_HELD = {signal.SIGINT, signal.SIGTERM} | ({signal.SIGHUP} if hasattr(signal, "SIGHUP") else set())


class _Worker:
    def __init__(self, ctx: mp.context.ForkContext, process: Process):
        self.conn, child = ctx.Pipe()
        self.bell, bell = os.pipe()  # the worker's doorbell: read here, rung there
        os.set_blocking(self.bell, False)
        self.proc = ctx.Process(target=_worker, args=(child, bell, os.getpid(), process), daemon=True)
        held = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
        # what this process holds (modules, the rule sets, the file list) is set aside from the
        # garbage collector across the fork: the child's one collection (after its first file,
        # ``_worker``) then walks only what that file made, not every module again (~10 ms a
        # worker, before any outcome comes back); this process takes it back at once
        gc.freeze()
        try:
            self.proc.start()
        finally:
            gc.unfreeze()
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
            os.close(bell)
        child.close()
        self.queued: collections.deque[Task] = collections.deque()

    def announced(self) -> int:
        """How many outcomes the worker has rung for since the last call."""
        count = 0
        with contextlib.suppress(BlockingIOError):
            while rung := os.read(self.bell, 4096):
                count += sum(rung)
        return count

    def close(self) -> None:
        for close in (self.conn.close, lambda: os.close(self.bell)):
            with contextlib.suppress(OSError):
                close()

    def send(self, task: Task) -> None:
        self.queued.append(task)
        index, path, display = task
        self.conn.send_bytes(_dumps((index, str(path), display)))  # plain values: no Path to rebuild

    def watch(self, selector: selectors.BaseSelector) -> None:
        selector.register(self.bell, selectors.EVENT_READ)
        selector.register(self.proc.sentinel, selectors.EVENT_READ)

    def unwatch(self, selector: selectors.BaseSelector) -> None:
        selector.unregister(self.bell)
        selector.unregister(self.proc.sentinel)


def _rows(outcome: FileOutcome) -> int:
    result = outcome.result
    return 1 + (result.n_rows if result is not None and result.obj is not None else 0)


def supervised(files: list[tuple[Path, str]], jobs: int, process: Process) -> Iterator[FileOutcome]:
    """``process(path, display)`` for every file, in ``jobs`` supervised workers; outcomes in
    file order."""
    ctx = mp.get_context("fork")
    workers = [_Worker(ctx, process) for _ in range(jobs)]
    todo: collections.deque[Task] = collections.deque((i, p, d) for i, (p, d) in enumerate(files))
    done: dict[int, FileOutcome] = {}
    waiting_rows = 0
    next_out = 0
    idle_deaths = 0
    # one selector for the whole run (``connection.wait`` and ``Connection.poll`` make one
    # per call: three a file), watching each worker's doorbell and its exit
    selector = selectors.DefaultSelector()
    for w in workers:
        w.watch(selector)
    try:
        while next_out < len(files):
            window = WINDOW_PER_JOB * jobs
            # near the end, queues kept short: files sent ahead all at once could leave one
            # worker with several still to do while the other has none
            depth = QUEUED if len(todo) >= QUEUED * jobs else TAIL_QUEUED
            for w in sorted(workers, key=lambda w: len(w.queued)):
                while (
                    todo
                    and len(w.queued) < depth
                    and todo[0][0] < next_out + window
                    and (waiting_rows < WINDOW_ROWS or todo[0][0] == next_out)
                ):
                    w.send(todo.popleft())
            ready = {key.fileobj for key, _ in selector.select()}
            for k, w in enumerate(workers):
                dead = w.proc.sentinel in ready
                if w.bell in ready or dead:
                    try:
                        # a live worker's pipe: the outcomes it rang for; a dead one's: whatever
                        # it sent before it went
                        count = w.announced()
                        while w.queued and (count > 0 if not dead else w.conn.poll()):
                            index, outcome = _loads(w.conn.recv_bytes())
                            w.queued.popleft()
                            done[index] = outcome
                            waiting_rows += _rows(outcome)
                            count -= 1
                    except (EOFError, OSError):
                        dead = True
                if dead:
                    w.unwatch(selector)
                    w.proc.join()
                    if w.queued:
                        lost = w.queued.popleft()
                        done[lost[0]] = _death(lost, w.proc.exitcode)
                        todo.extendleft(reversed(w.queued))  # the files queued behind it: again
                    else:
                        idle_deaths += 1
                        if idle_deaths > 3 and todo:  # workers cannot even start: no endless respawning
                            lost = todo.popleft()
                            done[lost[0]] = _death(lost, w.proc.exitcode)
                    w.close()
                    workers[k] = _Worker(ctx, process)
                    workers[k].watch(selector)
            while next_out in done:
                outcome = done.pop(next_out)
                waiting_rows -= _rows(outcome)
                next_out += 1
                yield outcome
    finally:
        selector.close()
        _stop(workers)


def _stop(workers: list[_Worker]) -> None:
    """Ask every worker to finish (an idle one exits; a busy one is interrupted like Ctrl-C and
    removes its temp file), then make sure none is left."""
    for w in workers:
        with contextlib.suppress(OSError, ValueError):
            if w.queued and w.proc.pid is not None:  # started, so it has one
                os.kill(w.proc.pid, signal.SIGTERM)
            else:
                w.conn.send_bytes(_dumps(None))
    deadline = time.monotonic() + 5
    for w in workers:
        w.proc.join(max(0.0, deadline - time.monotonic()))
        if w.proc.is_alive():
            w.proc.kill()
            w.proc.join()
        w.close()
