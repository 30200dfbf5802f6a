"""Batches scored for the web page: each in its own temporary folder, run off the request
thread with the same engine and worker pool as ``selfeval score`` (``batch.run_batch``), its
rows kept as the JSON objects ``selfeval score --json`` prints (SPEC §4.3), its downloads made
from the same files the CLI would write."""

from __future__ import annotations

import json
import secrets
import shutil
import tempfile
import threading
import zipfile
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from selfeval_xl._fs import atomic_write, os_reason
from selfeval_xl.batch import BatchOptions, FileOutcome, run_batch
from selfeval_xl.discover import is_summary, other_file, others_counted
from selfeval_xl.errors import Problem
from selfeval_xl.file_scoring import RuleBook, score_file
from selfeval_xl.reading import contract as L
from selfeval_xl.rounding import fmt_score
from selfeval_xl.scoring.verdict import (
    BLANK,
    NEEDS_CORRECTION,
    NEEDS_REVIEW,
    closing_counts,
    group_index,
    is_ranked,
    status_zh,
)

UNREAD = "无法读取"  # a file that could not be read at all (汇总's 未评分文件)

UPLOADS, SCORED, DETAILS, REPORTS = "上传的文件", "评分后的工作簿", "明细", "报告"
ZIP_NAME = "评分后的工作簿.zip"
DISTRICT_NAME = "汇总报告.docx"

_REPORT_LOCK = threading.Lock()  # matplotlib's pyplot (charts in reports) is not thread-safe
# 只检查 writes nothing to disk, so its rows' details live in memory (compressed, ~2 KB a file):
# at most this many bytes of them over all check batches, the oldest batches' let go first
CHECK_DETAILS_BYTES = 64 << 20
DETAILS_FREED = "只检查的明细只保存在内存中，这一批的明细已释放（之后又检查了更多文件）；如需查看，请重新检查"


class Cancelled(Exception):
    """The server is stopping: the batch ends where it is (no half-written file, no summary)."""


class NotAvailable(Exception):
    """A download that this batch does not have (Chinese message)."""


def _two(score: float | None) -> str | None:
    """A total as the CLI and the reports print it (``fmt_score``: two decimals); None stays None."""
    return None if score is None else fmt_score(score)


@dataclass
class Row:
    """One file of a batch as the results table shows it."""

    n: int
    file: str
    unit: str | None
    project: str | None
    kind: str | None
    total: float | None
    grade: str | None
    status: str | None
    reviewed_total: float | None
    errors: int
    warnings: int
    source: Path
    written: Path | None
    message: str | None  # why it could not be read

    @classmethod
    def of(cls, n: int, outcome: FileOutcome, obj: dict[str, Any]) -> Row:
        errors = sum(p["severity"] == "error" for p in obj["problems"])
        status = obj.get("status")
        return cls(
            n=n,
            file=obj["file"],
            unit=obj["unit"],
            project=obj["project"],
            kind=obj["kind"],
            total=obj["total"],
            grade=obj["grade"],
            status=status,
            reviewed_total=obj.get("reviewed_total"),
            errors=errors,
            warnings=len(obj["problems"]) - errors,
            source=outcome.path,
            written=outcome.written,
            message=outcome.error.message if outcome.error else None,
        )

    @property
    def final_total(self) -> float | None:
        """The total that grades and ranks: 复核总分 where a reviewer gave one, else 核定总分."""
        return self.reviewed_total if self.reviewed_total is not None else self.total

    @property
    def shown_total(self) -> str | None:
        """The 核定总分 as the page shows it: two decimals; none for a file not scored (unread, or
        未填写, whose summary row leaves it empty too)."""
        return None if self.status == BLANK else _two(self.total)

    @property
    def status_zh(self) -> str:
        return UNREAD if self.total is None else status_zh(self.status)

    def order(self) -> tuple[int, float, int]:
        """汇总's order (SPEC §4.2, as ``summary`` sorts): graded files by final total (复核总分
        where present), high to low, then 待复核 also by total, then 待更正 and 未填写 in file
        order; the files that could not be read at all come last (汇总 lists them apart)."""
        if self.total is None:
            return (4, 0.0, self.n)
        group = group_index(self.status)
        return (group, -(self.final_total or 0.0) if group < 2 else 0.0, self.n)

    @property
    def needs_correction_list(self) -> bool:
        """For these the drafted report is a list of what to correct (as ``selfeval report``)."""
        return self.status in (NEEDS_CORRECTION, BLANK)

    def public(self, base: str) -> dict[str, Any]:
        return {
            "n": self.n,
            "file": self.file,
            "unit": self.unit,
            "project": self.project,
            "kind": self.kind,
            "total": self.shown_total,
            "provisional": self.status == NEEDS_CORRECTION,
            "reviewed_total": _two(self.reviewed_total),
            "grade": self.grade,
            "provisional_grade": self.status == NEEDS_REVIEW,
            "status": self.status,
            "status_zh": self.status_zh,
            "errors": self.errors,
            "warnings": self.warnings,
            "message": self.message,
            "detail": f"{base}/rows/{self.n}",
            "workbook": f"{base}/rows/{self.n}/workbook" if self.written else None,
        }


class Batch:
    """One upload's scoring: ``mode`` "score" (write scored copies, the summary, reports) or
    "check" (validate only: the uploaded files are deleted as soon as they are read)."""

    def __init__(self, batch_id: str, folder: Path, mode: str, notices: list[str], refused: Sequence[Problem] = ()):
        self.id, self.folder, self.mode = batch_id, folder, mode
        self.notices = list(notices)
        self.refused = tuple(refused)  # uploads not taken (their notices are above): in 未评分文件 too
        self.uploads, self.scored, self.summary = folder / UPLOADS, folder / SCORED, folder / L.SUMMARY_FILE
        self.state = "running"  # running | done | failed
        self.message = ""
        self.total = self.done = 0
        self.grade_order: tuple[str, ...] = ()  # the rule sets' grades, in order (from the batch's tally)
        self.current = ""
        self.rows: list[Row] = []
        self.others: list[str] = []  # files in the uploaded folders that are not workbooks
        self._details: dict[int, bytes] = {}  # check mode keeps them in memory only (JSON, compressed)
        self.details_freed = False  # check mode: let go to keep the server's memory bounded
        self._lock = threading.Lock()
        self.thread: threading.Thread | None = None

    @property
    def base(self) -> str:
        return f"/api/batches/{self.id}"

    # --- running ----------------------------------------------------------------------------
    def run(self, jobs: int, stopping: threading.Event) -> None:
        check = self.mode == "check"
        options = BatchOptions(
            write_back=not check,
            out_dir=None if check else self.scored,
            summary=None if check else self.summary,
            jobs=jobs,
            isolate=True,  # uploads are untrusted: each file under the workers' time and memory budget
            refused=self.refused,
        )

        def started(total: int) -> None:
            self.total = total

        def arrived(outcome: FileOutcome) -> None:
            if stopping.is_set():
                raise Cancelled
            self.done += 1
            self.current = outcome.display
            if outcome.skipped:
                what = "汇总表" if is_summary(outcome.path) else "抽查名单"  # (the two kinds the reader skips)
                self.notices.append(f"“{outcome.display}”是本工具生成的{what}，不是单位提交的工作簿，已跳过")
                return
            obj = outcome.as_dict()
            row = Row.of(len(self.rows), outcome, obj)
            self._keep_detail(row.n, obj)
            self.rows.append(row)

        try:
            result = run_batch([self.uploads], options, on_start=started, on_outcome=arrived)
            self.grade_order = tuple(result.tally.grade_order)  # (the closing line names each, 0 too)
            self._found_late(result.duplicates, result.others)
            if result.summary_error is not None:  # the workbooks were still scored and written
                self.notices.append(f"汇总表未能写入（{os_reason(result.summary_error)}）")
        except Cancelled:
            self.state, self.message = "failed", "服务已停止，评分未完成"
            return
        except Exception as exc:  # a bug of ours, or the disk is full: said on the page, server goes on
            self.state, self.message = "failed", f"评分时出错（{type(exc).__name__}: {str(exc)[:200]}）"
            return
        finally:
            if check:
                shutil.rmtree(self.uploads, ignore_errors=True)
        self.rows.sort(key=Row.order)
        self.state = "done"

    def _keep_detail(self, n: int, obj: dict[str, Any]) -> None:
        keep = {
            k: obj.get(k) for k in ("file", "unit", "project", "total", "grade", "status", "indicators", "problems")
        }
        if self.mode == "check":
            self._details[n] = zlib.compress(json.dumps(keep, ensure_ascii=False).encode("utf-8"), 1)
        else:
            path = self.folder / DETAILS / f"{n}.json"
            path.parent.mkdir(exist_ok=True)
            path.write_text(json.dumps(keep, ensure_ascii=False), encoding="utf-8")

    # --- what the page asks for ---------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "mode": self.mode,
            "state": self.state,
            "message": self.message,
            "total": self.total,
            "done": self.done,
            "current": self.current,
            "notices": self.notices,
        }
        if self.state != "done":
            return out
        out["rows"] = [r.public(self.base) for r in self.rows]
        out["closing"] = self.closing()
        if self.mode == "score":
            out["downloads"] = {
                "summary": f"{self.base}/download/summary" if self.summary.exists() else None,
                "zip": f"{self.base}/download/zip" if any(r.written for r in self.rows) else None,
                "district": f"{self.base}/download/district" if any(r.total is not None for r in self.rows) else None,
            }
        return out

    def closing(self) -> str:
        """The CLI's closing line: files per status, the files that could not be read, those
        that are not workbooks, the grades of the ranked files."""
        text = f"共 {len(self.rows) + len(self.others) + len(self.refused)} 个文件："
        text += closing_counts(Counter(r.status for r in self.rows if r.total is not None and r.status is not None))
        unread = sum(r.total is None for r in self.rows)
        if unread:
            text += f"；无法读取 {unread}"
        # a results file without its original is counted as one, uploaded alone or in a .zip
        alone = [p.where.file for p in self.refused if p.code == "results-alone"]
        text += others_counted([*self.others, *alone])
        if len(self.refused) > len(alone):
            text += f"；上传时未接收 {len(self.refused) - len(alone)}"
        grades = Counter(r.grade for r in self.rows if r.grade and is_ranked(r.status))
        if not grades:
            return text
        order = [*self.grade_order, *(g for g in grades if g not in self.grade_order)]
        return text + "；等级：" + "、".join(f"{g} {grades.get(g, 0)}" for g in order)

    def _found_late(self, duplicates: dict[str, Problem], others: list[str]) -> None:
        """What only the whole run knows: the same submission in two files (a warning on each,
        added to its row and details as ``selfeval score --json`` adds it) and the files in the
        uploaded folders that are not workbooks."""
        for row in self.rows:
            problem = duplicates.get(row.file)
            if problem is None:
                continue
            if problem.is_error:
                row.errors += 1
            else:
                row.warnings += 1
            detail = self._load_detail(row.n)
            detail["problems"].append(problem.as_dict())
            self._keep_detail(row.n, detail)
        self.others = list(others)
        self.notices.extend(f"“{d}”：{other_file(d).message}" for d in others)

    def row(self, n: int) -> Row:
        found = next((r for r in self.rows if r.n == n), None)
        if found is None:
            raise NotAvailable("没有这一行")
        return found

    def _load_detail(self, n: int) -> dict[str, Any]:
        if self.mode == "check":
            if self.details_freed:
                raise NotAvailable(DETAILS_FREED)
            return dict(json.loads(zlib.decompress(self._details[n])))
        return dict(json.loads((self.folder / DETAILS / f"{n}.json").read_text(encoding="utf-8")))

    @property
    def details_bytes(self) -> int:
        """Memory the details of a check batch hold (0 for a scoring batch: they are on disk)."""
        return sum(map(len, list(self._details.values())))

    def free_details(self) -> None:
        self.details_freed = True
        self._details = {}

    def detail(self, n: int) -> dict[str, Any]:
        row = self.row(n)
        obj = self._load_detail(n)
        obj["status_zh"] = row.status_zh
        obj["total"] = row.shown_total
        obj["reviewed_total"] = _two(row.reviewed_total)
        obj["provisional"] = row.status == NEEDS_CORRECTION
        obj["downloads"] = {
            "workbook": f"{self.base}/rows/{n}/workbook" if row.written else None,
            "workbook_name": row.written.name if row.written else None,
            "report": f"{self.base}/rows/{n}/report" if self.mode == "score" and row.total is not None else None,
            "report_is_correction_list": row.needs_correction_list,
        }
        return obj

    # --- downloads (made when first asked for) --------------------------------------------------
    def summary_file(self) -> Path:
        if self.mode != "score" or not self.summary.exists():
            raise NotAvailable("这一批没有汇总表")
        return self.summary

    def workbook(self, n: int) -> Path:
        row = self.row(n)
        if row.written is None:
            raise NotAvailable("这个文件没有评分后的工作簿")
        return row.written

    def zip_file(self) -> Path:
        """Every scored workbook in one .zip, in the folders they were uploaded in."""
        out = self.folder / ZIP_NAME
        with self._lock:
            if not out.exists():
                written = sorted(p for p in self.scored.rglob("*") if p.is_file()) if self.scored.is_dir() else []
                if not written:
                    raise NotAvailable("这一批没有评分后的工作簿")

                def make(tmp: Path) -> None:
                    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
                        for p in written:
                            zf.write(p, p.relative_to(self.scored).as_posix())

                atomic_write(out, make)
        return out

    def report(self, n: int) -> Path:
        """The drafted 自评报告 of one workbook, as ``selfeval report`` drafts it (a 更正清单 for
        a file to be corrected or not filled in)."""
        row = self.row(n)
        if self.mode != "score" or row.total is None:
            raise NotAvailable("这个文件未能评分，无法起草报告")
        what = ".更正清单.docx" if row.needs_correction_list else ".自评报告.docx"
        out = self.folder / REPORTS / str(n) / (Path(row.file).stem + what)
        with _REPORT_LOCK:
            if not out.exists():
                from selfeval_xl.outputs.report import draft
                from selfeval_xl.outputs.report_docx import write_docx

                outcome = score_file(row.source, row.file, RuleBook())
                if outcome.card is None:
                    raise NotAvailable(f"无法起草报告：{outcome.error}")
                out.parent.mkdir(parents=True, exist_ok=True)
                write_docx(draft(outcome.card), out)
        return out

    def district(self) -> Path:
        """The drafted district report from this batch's 汇总.xlsx."""
        summary = self.summary_file()
        out = self.folder / REPORTS / DISTRICT_NAME
        with _REPORT_LOCK:
            if not out.exists():
                from selfeval_xl.outputs.district import draft_district
                from selfeval_xl.outputs.report_docx import write_docx

                out.parent.mkdir(parents=True, exist_ok=True)
                write_docx(draft_district(summary), out)
        return out


class Registry:
    """Every batch of this server, under one temporary folder that goes when the server stops."""

    def __init__(self, jobs: int = 0):
        self.jobs = jobs
        self.root = Path(tempfile.mkdtemp(prefix="selfeval-serve-"))
        self.batches: dict[str, Batch] = {}
        self.stopping = threading.Event()
        self._lock = threading.Lock()

    def new_folder(self) -> tuple[str, Path]:
        """A fresh id (unguessable: one tab cannot stumble on another's batch) and its folder."""
        batch_id = secrets.token_urlsafe(16)
        folder = self.root / batch_id
        folder.mkdir()
        return batch_id, folder

    def start(self, batch: Batch) -> None:
        with self._lock:
            if self.stopping.is_set():
                raise NotAvailable("服务正在停止")
            self.batches[batch.id] = batch
        batch.thread = threading.Thread(target=self._run, args=(batch,), name=f"batch-{batch.id[:6]}", daemon=True)
        batch.thread.start()

    def _run(self, batch: Batch) -> None:
        try:
            batch.run(self.jobs, self.stopping)
        finally:
            self._bound_check_details()

    def _bound_check_details(self) -> None:
        """Let go of the oldest finished check batches' details while all check batches together
        hold more than CHECK_DETAILS_BYTES (the newest keeps its own, whatever its size; one still
        running is never touched)."""
        with self._lock:
            kept = [b for b in self.batches.values() if b.mode == "check" and not b.details_freed]
            total = sum(b.details_bytes for b in kept)
            for old in kept[:-1]:
                if total <= CHECK_DETAILS_BYTES:
                    break
                if old.state != "running":
                    total -= old.details_bytes
                    old.free_details()

    def get(self, batch_id: str) -> Batch:
        batch = self.batches.get(batch_id)
        if batch is None:
            raise NotAvailable("找不到这一批（服务重启后以前的结果不再保留）")
        return batch

    def close(self, timeout: float = 60.0) -> None:
        """Stop: running batches end at their next file, then every temporary folder goes."""
        self.stopping.set()
        for batch in list(self.batches.values()):
            if batch.thread is not None:
                batch.thread.join(timeout)
        shutil.rmtree(self.root, ignore_errors=True)
