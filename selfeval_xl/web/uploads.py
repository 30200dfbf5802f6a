"""Uploaded files, received safely (SPEC §9): streamed to disk under size limits (a batch over
the limit leaves nothing behind), names made harmless, .zip folders unpacked with zip-slip and
zip-bomb guards. Nothing here trusts a name or a size that came from the browser or a zip."""

from __future__ import annotations

import re
import shutil
import stat
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from python_multipart.multipart import MultipartParser, parse_options_header

from selfeval_xl.discover import has_own_sheets, is_candidate, other_file, results_alone
from selfeval_xl.errors import Problem
from selfeval_xl.ooxml.extensions import WORKBOOK_EXTENSIONS
from selfeval_xl.ooxml.limits import PACKAGE_METHODS, method_name
from selfeval_xl.reading import contract as L
from selfeval_xl.zh_reason import zh_reason

MB = 1024 * 1024
FILE_LIMIT = 50 * MB  # one uploaded file, or one file inside an uploaded .zip
BATCH_LIMIT = 500 * MB  # everything uploaded in one batch, and everything unpacked from its .zip files
MAX_FILES = 20_000  # files in one batch (uploaded plus unpacked)
ACCEPTED = "、".join(sorted(WORKBOOK_EXTENSIONS)) + "、.zip"  # as the page lists them (app.js)


class UploadRefused(Exception):
    """The whole upload is refused (the message is Chinese and shown as is)."""

    def __init__(self, message: str, status: int = 413):
        super().__init__(message)
        self.message = message
        self.status = status


_BAD_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.IGNORECASE)
MAX_NAME_BYTES = 200  # well under the 255 bytes a Linux/Windows file name may take


def safe_name(raw: str, fallback: str = "未命名") -> str:
    """One harmless file name from what a browser or a zip called a file: the last path
    component only, no control or Windows-forbidden characters, no leading dots (a hidden
    file would be skipped), no ``.``/``..``, not too long for the file system."""
    name = unicodedata.normalize("NFC", raw).replace("\\", "/").split("/")[-1]
    name = _BAD_CHARS.sub("_", name).strip().lstrip(".").rstrip(". ")
    if _WINDOWS_RESERVED.match(name):
        name = "_" + name
    if not name:
        return fallback
    stem, dot, ext = name.rpartition(".")
    if not dot or len(ext) > 10:
        stem, ext = name, ""
    while len((stem + dot + ext).encode("utf-8")) > MAX_NAME_BYTES and stem:
        stem = stem[:-1]
    return (stem or fallback) + (dot + ext if ext else "")


def unique_in(folder: Path, name: str, taken: set[str]) -> Path:
    """``folder/name``, or ``name（2）`` etc. when the name is taken (compared without case,
    as Windows would when the results are unpacked there)."""
    stem, ext = (name[: -len(Path(name).suffix)], Path(name).suffix) if Path(name).suffix else (name, "")
    candidate, n = name, 1
    while candidate.lower() in taken:
        n += 1
        candidate = f"{stem}（{n}）{ext}"
    taken.add(candidate.lower())
    return folder / candidate


@dataclass
class Received:
    """One uploaded file as it arrived: its sanitised name and where its bytes are."""

    name: str
    path: Path
    size: int = 0


@dataclass
class Receiver:
    """Feeds a multipart/form-data body into files under ``folder`` (named by number: no name
    from the browser touches the disk here), refusing past the limits."""

    folder: Path
    boundary: bytes
    file_limit: int = FILE_LIMIT
    batch_limit: int = BATCH_LIMIT
    files: list[Received] = field(default_factory=list)
    total: int = 0

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._header_name = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._current: Received | None = None
        self._fh: BinaryIO | None = None
        self.ended = False
        self.parser = MultipartParser(
            self.boundary,
            {
                "on_part_begin": self._part_begin,
                "on_header_field": self._header_field,
                "on_header_value": self._header_value_data,
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._part_data,
                "on_part_end": self._part_end,
                "on_end": self._end,
            },
        )

    def write(self, chunk: bytes) -> None:
        try:
            self.parser.write(chunk)
        except UploadRefused:
            self.close()
            raise
        except Exception as exc:  # a malformed body
            self.close()
            raise UploadRefused(
                f"上传的数据不完整或格式不对（{type(exc).__name__}），请重新选择文件上传", 400
            ) from None

    def finish(self) -> None:
        """The body has ended: it must have ended where the form ends."""
        self.close()
        if not self.ended:
            raise UploadRefused("上传的数据不完整（连接中断？），未上传任何文件，请重新上传", 400)

    @staticmethod
    def over_batch(limit: int) -> str:
        return f"这一批文件合计超过 {limit // MB} MB，未上传任何文件。请分几批上传（每批不超过 {limit // MB} MB）"

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    # --- parser callbacks -------------------------------------------------------------------
    def _part_begin(self) -> None:
        self._headers = {}
        self._header_name = self._header_value = b""

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_data(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._header_name.strip().lower()] = self._header_value.strip()
        self._header_name = self._header_value = b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        filename = options.get(b"filename")
        if filename is None:  # an ordinary form field: ignored
            self._current = None
            return
        if len(self.files) >= MAX_FILES:
            raise UploadRefused(f"一次最多上传 {MAX_FILES} 个文件，请分批上传")
        name = safe_name(filename.decode("utf-8", "replace"))
        self._current = Received(name, self.folder / f"{len(self.files):05d}.upload")
        self.files.append(self._current)
        self._fh = open(self._current.path, "wb")  # noqa: SIM115 - closed in _part_end/close

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._current is None or self._fh is None:
            return
        n = end - start
        self._current.size += n
        self.total += n
        if self._current.size > self.file_limit:
            limit = self.file_limit // MB
            name = self._current.name
            what = (  # a folder's .zip is the usual way over the limit: split it, don't leave it out
                f"请把它拆成几个不超过 {limit} MB 的压缩包（或直接选择其中的工作簿）后重新上传"
                if name.lower().endswith(".zip")
                else f"请去掉这个文件后重新上传（每个文件不超过 {limit} MB）"
            )
            raise UploadRefused(f"文件“{name}”超过 {limit} MB，未上传任何文件。{what}")
        if self.total > self.batch_limit:
            raise UploadRefused(self.over_batch(self.batch_limit))
        self._fh.write(data[start:end])

    def _end(self) -> None:
        self.ended = True

    def _part_end(self) -> None:
        self.close()
        self._current = None


# --- placing the received files ------------------------------------------------------------


@dataclass
class Placed:
    """What became of the uploads: notices (Chinese, one per refused file) and the bytes
    unpacked from .zip files so far (counted against the batch limit)."""

    notices: list[str] = field(default_factory=list)
    unpacked: int = 0
    count: int = 0
    refused: list[Problem] = field(default_factory=list)  # for the summary's 未评分文件

    def refuse(self, name: str, notice: str, problem: Problem | None = None) -> None:
        """An upload not scored: said on the page (``notice``) and listed in the summary's
        未评分文件 (as ``problem``, else ``upload-refused`` with the notice as its reason), so that
        the bureau's record of the batch names every file it was sent."""
        self.notices.append(notice)
        self.refused.append(problem or Problem.at(name, None, None, "upload-refused", reason=notice))


# Names that scoring a folder skips as our own files (``discover``): a file chosen by name on the
# page is one the user means, so it is scored under another name (汇总.xlsx → 汇总（2）.xlsx; one of
# our summaries is still known by its sheets and skipped with a notice) or refused with the reason.
_OURS_BY_NAME = {L.SUMMARY_FILE.lower(): "汇总表", L.SAMPLE_FILE.lower(): "抽查名单"}


def _not_a_submission(name: str, uploaded: set[str]) -> tuple[str, Problem | None] | None:
    """Why a workbook uploaded as ``name`` would not be scored (the notice, and the problem for
    未评分文件 when it is not ``upload-refused``), or None. ``X.xls.评分结果.xlsx`` sent with X.xls
    is where a reviewer typed 复核得分: read beside X.xls, as in a folder; sent alone it is named
    as a scored folder or .zip names it (``results-alone``)."""
    if name.startswith("~$"):
        return f"“{name}”是 Excel 打开工作簿时生成的临时锁定文件，不是工作簿，未评分", None
    if name.endswith(L.RESULT_SUFFIX) and name[: -len(L.RESULT_SUFFIX)].lower() not in uploaded:
        problem = results_alone(name, uploaded=True)
        return f"“{name}”：{problem.message}", problem
    return None


# LibreOffice's lock beside an open workbook, ``.~lock.甲.xlsx#``, as ``safe_name`` leaves it (no leading dot)
_LIBREOFFICE_LOCK = re.compile(r"~lock\.(.+)#")


def _lock_file(name: str) -> str | None:
    """The notice for an office program's lock file uploaded as ``name`` (it names the workbook
    that was open, not itself a workbook: refused as “.xlsx# 文件” it read as if it were one
    saved in a wrong format), or None."""
    if (lock := _LIBREOFFICE_LOCK.fullmatch(name)) is not None:
        return (
            f"“.{name}”是 LibreOffice 打开工作簿“{lock.group(1)}”时生成的锁定文件，不是工作簿，未评分；请上传工作簿本身"
        )
    return None


def place(received: list[Received], root: Path, batch_limit: int = BATCH_LIMIT) -> Placed:
    """Move each upload into ``root`` under its safe, unique name; unpack each .zip into a
    folder named after it. A file that is neither is refused with a notice, and so is one that
    scoring would pass over by its name (``_not_a_submission``)."""
    root.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set(_OURS_BY_NAME)
    kept: set[str] = set()  # our own summaries or sample lists placed under their own names
    uploaded = {r.name.lower() for r in received}
    placed = Placed()
    for r in received:
        ext = Path(r.name).suffix.lower()
        if (lock := _lock_file(r.name)) is not None:
            r.path.unlink(missing_ok=True)
            placed.refuse(f".{r.name}", lock)  # (as the user chose it)
        elif ext in WORKBOOK_EXTENSIONS and (why := _not_a_submission(r.name, uploaded)) is not None:
            r.path.unlink(missing_ok=True)
            placed.refuse(r.name, *why)
        elif ext in WORKBOOK_EXTENSIONS:
            ours = _OURS_BY_NAME.get(r.name.lower())
            if ours is not None and has_own_sheets(r.path, *L.OWN_OUTPUT_SHEETS):
                # one of our own summaries or sample lists: kept under its name, to be skipped
                # with one notice when scored (as one renamed is), not renamed and noticed twice
                target = root / r.name if r.name.lower() not in kept else unique_in(root, r.name, taken)
                kept.add(r.name.lower())
                r.path.replace(target)
                placed.count += 1
                continue
            target = unique_in(root, r.name, taken)
            if ours is not None:
                placed.notices.append(f"“{r.name}”与本工具的{ours}同名，按“{target.name}”评分")
            r.path.replace(target)
            placed.count += 1
        elif ext == ".zip":
            stem = safe_name(Path(r.name).stem, "压缩包")
            dest = unique_in(root, stem, taken)
            try:
                found = unzip(r.path, dest, r.name, placed, batch_limit)
                placed.count += found
                if not found:  # (nothing to score or to list as not a workbook: said, not silent)
                    placed.refuse(r.name, f"压缩包“{r.name}”里没有文件（空的，或只有隐藏文件、系统文件），未评分")
            except UploadRefused as exc:
                shutil.rmtree(dest, ignore_errors=True)
                placed.refuse(r.name, exc.message)
            r.path.unlink(missing_ok=True)
        else:
            r.path.unlink(missing_ok=True)
            placed.refuse(
                r.name,
                f"“{r.name}”不是 Excel 工作簿或 .zip 压缩包（可上传 {ACCEPTED}），未评分",
                other_file(r.name),  # as a .docx in a scored folder is listed
            )
    return placed


def member_name(info: zipfile.ZipInfo) -> str:
    """A member's name as its maker meant it: zips made by Windows in a Chinese locale store
    GBK names without the UTF-8 flag, which ``zipfile`` decodes as cp437."""
    name = info.filename
    if info.flag_bits & 0x800:
        return name
    try:
        raw = name.encode("cp437")
    except UnicodeEncodeError:
        return name
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return name


def _escapes(name: str) -> bool:
    """A member path that would land outside the folder it is unpacked into (zip-slip)."""
    norm = name.replace("\\", "/")
    parts = norm.split("/")
    return norm.startswith("/") or bool(re.match(r"^[A-Za-z]:", norm)) or ".." in parts


def _skipped(parts: list[str]) -> bool:
    """Not unpacked: macOS resource forks, hidden folders and hidden files (never scored anyway),
    except a workbook named ``.甲.xlsx``: scored as 甲.xlsx, as a scored folder scores it (on
    Windows a leading dot hides nothing; ``._甲.xlsx`` is macOS's, not a workbook)."""
    if any(p.startswith(".") or p == "__MACOSX" for p in parts[:-1]):
        return True
    return parts[-1].startswith(".") and not is_candidate(Path(parts[-1]))


def unzip(zip_path: Path, dest: Path, display: str, placed: Placed, batch_limit: int = BATCH_LIMIT) -> int:
    """Unpack ``zip_path`` (uploaded as ``display``) into ``dest``, keeping its folders; return
    the number of files. The whole .zip is refused (``UploadRefused``) when any member would
    escape ``dest``, when a member would inflate past the per-file limit or all of them past
    what is left of the batch limit — checked on the declared sizes first, then on the bytes
    actually inflated, whatever the headers claim."""
    try:
        zf = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UploadRefused(f"“{display}”不是有效的 .zip 压缩包，未评分") from None
    with zf:
        members: list[tuple[zipfile.ZipInfo, list[str]]] = []
        links: list[str] = []  # symbolic links (zip -y): not followed, named once the zip is taken
        declared = 0
        for info in zf.infolist():
            name = member_name(info)
            if _escapes(name):
                raise UploadRefused(
                    f"压缩包“{display}”中的“{name}”指向压缩包以外的位置（含 .. 或绝对路径），整个压缩包已拒绝"
                )
            if info.is_dir():
                continue
            parts = [p for p in name.replace("\\", "/").split("/") if p]
            if not parts or _skipped(parts):
                continue
            if stat.S_ISLNK(info.external_attr >> 16):
                links.append("/".join(parts))
                continue
            if info.file_size > FILE_LIMIT:
                raise UploadRefused(f"压缩包“{display}”中的“{name}”解压后超过 {FILE_LIMIT // MB} MB，整个压缩包已拒绝")
            if info.compress_type not in PACKAGE_METHODS and not info.flag_bits & 0x1:
                # zipfile inflates bzip2/LZMA blocks without a bound, whatever the sizes declared
                raise UploadRefused(
                    f"压缩包“{display}”中的“{name}”使用了不支持的压缩方式 {method_name(info)}，整个压缩包已拒绝；"
                    "请用系统自带的“发送到→压缩(zipped)文件夹”重新打包"
                )
            declared += info.file_size
            members.append((info, parts))
        if placed.unpacked + declared > batch_limit:
            raise UploadRefused(f"压缩包“{display}”解压后合计超过 {batch_limit // MB} MB，整个压缩包已拒绝")
        if placed.count + len(members) > MAX_FILES:
            raise UploadRefused(f"压缩包“{display}”中的文件超过 {MAX_FILES} 个，整个压缩包已拒绝")
        taken: dict[Path, set[str]] = {}
        for info, parts in members:
            folder = dest
            for p in parts[:-1]:
                folder = folder / safe_name(p, "文件夹")
            target = unique_in(folder, safe_name(parts[-1]), taken.setdefault(folder, set()))
            folder.mkdir(parents=True, exist_ok=True)
            placed.unpacked += _inflate(zf, info, target, display, lambda n: _over(placed, n, batch_limit, display))
        for link in links:
            placed.refuse(
                f"{dest.name}/{link}",
                f"压缩包“{display}”中的“{link}”是符号链接（指向别处的文件），没有解压，未评分；"
                "请把它指向的文件本身放进压缩包后重新上传",
            )
        return len(members) + len(links)


def _over(placed: Placed, n: int, batch_limit: int, display: str) -> None:
    if placed.unpacked + n > batch_limit:
        raise UploadRefused(f"压缩包“{display}”解压后合计超过 {batch_limit // MB} MB，整个压缩包已拒绝")


def _inflate(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, display: str, check: Callable[[int], None]
) -> int:
    written = 0
    try:
        with zf.open(info) as src, open(target, "wb") as out:
            while chunk := src.read(1 << 20):
                written += len(chunk)
                if written > FILE_LIMIT:
                    raise UploadRefused(
                        f"压缩包“{display}”中的“{member_name(info)}”解压后超过 {FILE_LIMIT // MB} MB，整个压缩包已拒绝"
                    )
                check(written)
                out.write(chunk)
    except RuntimeError:  # a member with a password
        target.unlink(missing_ok=True)
        raise UploadRefused(f"压缩包“{display}”有密码保护，无法解压，未评分") from None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        target.unlink(missing_ok=True)
        raise UploadRefused(f"压缩包“{display}”已损坏，无法解压（{zh_reason(exc)}），未评分") from None
    return written
