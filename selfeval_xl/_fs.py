"""Atomic file replacement: write a temp file in the same folder, then ``os.replace``; and
removing the temp files a killed run of ours left behind."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temp path beside ``path``; when the block succeeds, move it over ``path``. On any
    failure (including Ctrl-C) the temp file is removed and ``path`` is untouched."""
    try:
        tmp = new_temp(path)
    except OSError as exc:
        raise _named(exc, path) from None
    try:
        yield tmp
        commit(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if (
            isinstance(exc, OSError)
            and isinstance(exc.filename, str | os.PathLike)
            and os.fspath(exc.filename) == str(tmp)
        ):
            raise _named(exc, path) from None
        raise


def _named(exc: OSError, path: Path) -> OSError:
    """``exc`` naming ``path``, the file the user asked for, rather than our hidden temp file
    beside it (``.t.1234.ab12cd34.tmp.xlsx`` means nothing to them)."""
    exc.filename = str(path)
    exc.filename2 = None
    return exc


def new_temp(path: Path) -> Path:
    """An empty temp file beside ``path`` (same folder, so ``commit`` is a rename)."""
    path = Path(path)
    fd, name = tempfile.mkstemp(prefix=temp_prefix(path), suffix=".tmp" + path.suffix, dir=path.parent)
    os.close(fd)
    return Path(name)


def commit(tmp: Path, path: Path) -> None:
    """Move the finished ``tmp`` over ``path``, with the mode the user would expect (mkstemp
    makes 0600 files)."""
    try:
        mode = os.stat(path).st_mode & 0o777
    except (OSError, ValueError):  # none there (what os.path.exists says False to)
        mode = 0o666 & ~_umask()
    with contextlib.suppress(OSError):
        os.chmod(tmp, mode)
    os.replace(tmp, path)


def shown(name: str) -> str:
    """A file name as text to show: a name that is not UTF-8 (GBK bytes from a zip made on
    Chinese Windows) arrives with its bytes escaped; those are shown as "\ufffd" while the
    path itself keeps the raw bytes for opening and writing."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return os.fsencode(name).decode("utf-8", "replace")


def os_reason(exc: OSError) -> str:
    """Why a file could not be written, in the user's words."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "磁盘空间不足"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "没有写入权限"
    if exc.errno == errno.EROFS:
        return "磁盘或文件夹是只读的"
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        return "路径中有同名的文件而不是文件夹"
    if exc.errno == errno.ENAMETOOLONG:
        return "文件名或路径过长"
    return _OS_ZH.get(exc.errno or 0) or exc.strerror or str(exc)


# the other common errno texts in the user's words
_OS_ZH = {
    errno.ENOENT: "文件或文件夹不存在",
    errno.EISDIR: "这是一个文件夹，不是文件",
    errno.EIO: "磁盘读写出错",
    errno.EBUSY: "文件正被其他程序占用",
    errno.ETXTBSY: "文件正被其他程序占用",
    errno.EMFILE: "同时打开的文件过多",
    errno.ENFILE: "同时打开的文件过多",
    errno.EFBIG: "文件过大",
    errno.ELOOP: "路径中的链接形成了循环",
    errno.ENXIO: "设备不存在",
    errno.EINVAL: "文件名或参数无效",
}


def atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """Call ``write(tmp)`` for a temp path beside ``path``, then move it over ``path`` (what ``write`` returns is
    ignored, so ``lambda tmp: tmp.write_text(...)`` will do)."""
    with atomic_path(path) as tmp:
        write(tmp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# .<name>.<pid>.<8 random>.tmp<suffix>[.splice]: the pid says whose it is (mkstemp's random part is 8
# characters of [a-z0-9_]); a scratch folder is .selfeval-<pid>.<8 random>
_OURS = re.compile(r"^\..*\.(\d+)\.[a-z0-9_]{8}\.tmp(\.[^.]+){0,2}$|^\.selfeval-(\d+)\.[a-z0-9_]{8}$")
NAME_MAX = 255  # bytes in one file name (ext4, NTFS in characters; the lower bound matters)


def temp_prefix(path: Path) -> str:
    """``.<stem>.<pid>.``, the stem cut short so the temp name (8 random characters, ".tmp" and
    the suffix follow) fits in a file name even when ``path``'s own name is near the limit."""
    tail = f".{os.getpid()}."
    room = NAME_MAX - len(os.fsencode(f"{tail}xxxxxxxx.tmp{path.suffix}")) - 1
    stem = os.fsencode(path.stem)[:room].decode("utf-8", "ignore") if len(os.fsencode(path.stem)) > room else path.stem
    return f".{stem}{tail}"


def scratch_dir(beside: Path) -> Path:
    """A private folder beside ``beside`` for temp parts (removed by the caller, or as stale)."""
    return Path(tempfile.mkdtemp(prefix=f".selfeval-{os.getpid()}.", dir=beside.parent))


def _alive(pid: int) -> bool:
    """Whether process ``pid`` still runs. A zombie does not: a killed run's workers stay zombies
    where nothing reaps orphans (a container whose first process is not an init), and their
    temp files would never be removed."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:  # Linux: "pid (name) state ..."
            return fh.read().rpartition(b")")[2].split()[:1] != [b"Z"]
    except OSError:
        return True  # no /proc (macOS): kill(pid, 0) is all there is


def remove_stale(folders: set[Path]) -> int:
    """Remove our temp files and scratch folders in ``folders`` whose process is gone (a run
    killed by SIGKILL or a power cut cannot clean up after itself). Another run's live temp
    files, and files of other users, are left alone. Returns how many were removed."""
    me = os.geteuid() if hasattr(os, "geteuid") else None
    removed = 0
    for folder in folders:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if not entry.name.startswith("."):
                continue
            m = _OURS.match(entry.name)
            if m is None or _alive(int(m.group(1) or m.group(3))):
                continue
            with contextlib.suppress(OSError):
                if me is not None and entry.stat(follow_symlinks=False).st_uid != me:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path)
                else:
                    os.unlink(entry.path)
                removed += 1
    return removed
