"""Ending on kill (SIGTERM) or a closed terminal (SIGHUP) as on Ctrl-C: the same unwinding, so
temp files are removed and workers stopped whichever way a run is asked to end."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterator
from types import FrameType

Handler = Callable[[int, FrameType | None], None]
# the signals that ask a run to end (SIGHUP only where there is one)
STOP_SIGNALS = tuple(s for s in (signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None)


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP (``signum``), unwound like Ctrl-C."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def raise_stopped(signum: int, frame: FrameType | None) -> None:
    raise Stopped(signum)


@contextlib.contextmanager
def handling(handlers: dict[int, Handler]) -> Iterator[None]:
    """``handlers`` (signal → handler) installed for the duration, the old ones put back after;
    outside the main thread (a library caller) signals are left alone."""
    try:
        old = {s: signal.signal(s, h) for s, h in handlers.items()}
    except ValueError:
        yield
        return
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)
