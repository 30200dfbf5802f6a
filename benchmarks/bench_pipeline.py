"""Measure selfeval against the floor and the openpyxl peer (SPEC §8), all in one run on the
same files. Prints numbers; asserts nothing.

    python benchmarks/bench_pipeline.py --n 1000

Workbooks: the bundled samples' shapes, filled from the template with ≈60 indicator rows each
(a typical real table), copied to N files. Figures, per workbook:
  floor        zip open + inflate every part; floor+parse adds an expat pass over every XML part
  read+score   selfeval's reader, checks and scoring (no writing)
  pipeline     `selfeval score DIR` as a subprocess: read, score, write back, summary (--jobs 1, 2)
  openpyxl     the straightforward peer: load, read the table, add a 50-row sheet, save
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from xml.parsers import expat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from selfeval_xl import fill_workbook, generate_template, load_rules, read_workbook, score  # noqa: E402
from selfeval_xl.batch import RuleBook  # noqa: E402
from selfeval_xl.sample_data import SAMPLES  # noqa: E402

TARGET_ROWS = 60


def make_inputs(folder: Path, n: int, office: bool = False) -> list[Path]:
    """N workbooks: each sample's rows repeated to ≈60 indicator rows (points split so that they
    still add up), saved by LibreOffice when ``office`` and it is installed, then copied
    round-robin."""
    folder.mkdir(parents=True, exist_ok=True)
    distinct = []
    with tempfile.TemporaryDirectory() as tmp:
        template = generate_template(Path(tmp) / "t.xlsx", load_rules())
        for s in SAMPLES:
            rows = s["rows"]
            k = max(1, TARGET_ROWS // len(rows))
            big = []
            for copy in range(k):
                for r in rows:
                    r2 = dict(r)
                    r2["三级指标"] = f"{r['三级指标']}（{copy + 1}）"
                    if isinstance(r2.get("分值"), int | float):
                        r2["分值"] = round(r2["分值"] / k, 4)
                    r2.pop("申报得分", None)
                    big.append(r2)
            distinct.append(fill_workbook(template, Path(tmp) / s["file"], s["info"], s["budget"], big))
        if office:
            distinct = office_saved(distinct, Path(tmp) / "office") or distinct
        files = []
        for i in range(n):
            dst = folder / f"unit_{i:05d}.xlsx"
            shutil.copyfile(distinct[i % len(distinct)], dst)
            files.append(dst)
    return files


def office_saved(files: list[Path], out: Path) -> list[Path] | None:
    """The files as an office suite saves them (LibreOffice headless: shared strings, real
    formula results), which is what departments send; None when LibreOffice is not here."""
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        return None
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            exe,
            f"-env:UserInstallation=file://{out}/.profile",
            "--headless",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(out),
            *map(str, files),
        ],
        check=False,
        capture_output=True,
        timeout=300,
        env={**os.environ, "HOME": str(out)},
    )
    saved = [out / f.name for f in files]
    return saved if all(p.exists() for p in saved) else None


def per_file(fn, files: list[Path], repeat: int = 1) -> float:
    """Best-of-``repeat`` wall time per file in ms."""
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        for f in files:
            fn(f)
        best = min(best, time.perf_counter() - t)
    return best / len(files) * 1000


def floor(path: Path) -> None:
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            zf.read(info)


def floor_parse(path: Path) -> None:
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            data = zf.read(info)
            if info.filename.endswith(".xml"):
                expat.ParserCreate().Parse(data, True)


def make_read_score():
    rulebook = RuleBook()

    def read_score(path: Path) -> None:
        data = read_workbook(path)
        score(data, rulebook.for_data(data))

    return read_score


def openpyxl_pipeline(path: Path) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(path)
    ws = wb["绩效指标"]
    total = 0.0
    for row in ws.iter_rows(min_row=2, values_only=True):
        if isinstance(row[8], int | float):
            total += row[8]
    out = wb.create_sheet("评分结果")
    for i in range(50):
        out.append([f"指标{i}", total, i])
    wb.save(path)


# Runs `selfeval score` and, on the way out, writes the peak RSS of that process and of its
# workers (not of anything else this benchmark started, such as LibreOffice) to a file.
_RUN_AND_MEASURE = """
import resource, sys
from selfeval_xl.cli import cli
try:
    cli(sys.argv[2:], prog_name="selfeval")
except SystemExit:
    pass
finally:
    peak = max(resource.getrusage(w).ru_maxrss for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    open(sys.argv[1], "w").write(str(peak))
"""


def pipeline(folder: Path, jobs: int, work: Path) -> tuple[float, float]:
    """(seconds, peak RSS MB of the selfeval process and its workers) for `selfeval score` on
    a fresh copy."""
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(folder, work)
    rss_file = work.parent / f"rss_{jobs}.txt"
    args = ["score", str(work), "--summary", str(work.parent / f"汇总_{jobs}.xlsx"), "--jobs", str(jobs)]
    t = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", _RUN_AND_MEASURE, str(rss_file), *args],
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    seconds = time.perf_counter() - t
    return seconds, int(rss_file.read_text()) / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=200, help="number of workbooks (default 200)")
    ap.add_argument("--jobs", type=int, default=2, help="largest --jobs to try (default 2)")
    ap.add_argument(
        "--peer-n", type=int, default=None, help="workbooks for the slow openpyxl peer (default min(n, 300))"
    )
    ap.add_argument(
        "--made-by",
        choices=("office", "openpyxl"),
        default="office",
        help="inputs saved by LibreOffice (as departments' files are; the default, when installed) or as openpyxl wrote them",
    )
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        inputs = base / "inputs"
        t = time.perf_counter()
        files = make_inputs(inputs, args.n, office=args.made_by == "office")
        rows = len(read_workbook(files[0]).records)
        with zipfile.ZipFile(files[0]) as zf:
            made_by = "LibreOffice" if "sharedStrings" in " ".join(zf.namelist()) else "openpyxl"
        print(
            f"{args.n} workbooks (≈{rows} indicator rows each, saved by {made_by}) generated in {time.perf_counter() - t:.1f} s"
        )
        sample = files[: min(len(files), 200)]
        f_floor = per_file(floor, sample, 3)
        f_parse = per_file(floor_parse, sample, 3)
        f_ours = per_file(make_read_score(), sample, 3)
        print(f"floor (inflate)             {f_floor:7.2f} ms/workbook")
        print(f"floor (inflate + parse)     {f_parse:7.2f} ms/workbook")
        print(
            f"read + validate + score     {f_ours:7.2f} ms/workbook   = {f_ours / f_parse:5.1f}× floor+parse (target ≤ 10×)"
        )

        peer_n = args.peer_n or min(args.n, 300)
        peer_dir = base / "peer"
        shutil.copytree(inputs, peer_dir)
        peer_files = sorted(peer_dir.glob("*.xlsx"))[:peer_n]
        f_peer = per_file(openpyxl_pipeline, peer_files)
        print(f"openpyxl pipeline (peer)    {f_peer:7.2f} ms/workbook   (on {peer_n} workbooks)")

        single = None
        for jobs in sorted({1, args.jobs}):
            seconds, rss = pipeline(inputs, jobs, base / f"work{jobs}")
            ms = seconds / args.n * 1000
            single = single or ms
            print(
                f"selfeval score --jobs {jobs}    {ms:7.2f} ms/workbook   = {f_peer / ms:5.1f}× faster than openpyxl (target ≥ 5×)"
                f"   {1000 / ms:6.0f} workbooks/s   peak RSS {rss:5.0f} MB"
                + (f"   speed-up {single / ms:.2f}× (target ≥ 1.8× on 2 cores)" if jobs > 1 else "")
            )
        print(f"per core: {1000 / single:.0f} workbooks/s (whole pipeline, one process, including startup)")
        print(
            f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; median of nothing, best of 3 for the in-process figures"
        )
        _ = statistics  # keep the import for ad-hoc medians when editing


if __name__ == "__main__":
    main()
