"""Measure selfeval against the floor and the openpyxl peer (SPEC §8), all in one run on the
same files. Prints numbers; asserts nothing.

    python benchmarks/bench_pipeline.py --n 1000

Workbooks: the bundled samples' shapes, filled from the template with ≈60 indicator rows each
(a typical real table), copied to N files. Figures, per workbook:
  floor        zip open + inflate every part; floor+parse adds an expat pass over every XML part
  read+score   selfeval's reader, checks and scoring (no writing)
  pipeline     `selfeval score DIR` as a subprocess: read, score, write back, summary (--jobs 1, 2)
  rerun        `selfeval score DIR` again on what --jobs 1 wrote (a review round: our 评分结果 is read)
  openpyxl     the straightforward peer: load, read the table, add a 50-row sheet, save
  start-up     `selfeval --version`, and `selfeval score` on an empty folder (the fixed cost of a run)
Each figure is measured for inputs written by openpyxl, by XlsxWriter and re-saved by LibreOffice
(--made-by all, the default), then a summary table and a projection for 100,000 workbooks.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from xml.parsers import expat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))  # sample_data: the samples as data, not shipped

from sample_data import SAMPLES  # noqa: E402

from selfeval_xl import fill_workbook, generate_template, load_rules, read_workbook, score  # noqa: E402
from selfeval_xl.batch import RuleBook  # noqa: E402

TARGET_ROWS = 60


PRODUCERS = ("openpyxl", "xlsxwriter", "office")


def chosen_producers(made_by: str) -> tuple[str, ...]:
    """The producers ``--made-by`` names (``all``: every one), less LibreOffice when it is not
    installed (said once)."""
    producers = PRODUCERS if made_by == "all" else (made_by,)
    if "office" in producers and shutil.which("soffice") is None and shutil.which("libreoffice") is None:
        print("LibreOffice not installed: the office producer is skipped")
        producers = tuple(p for p in producers if p != "office")
    return producers


def make_inputs(folder: Path, n: int, made_by: str = "openpyxl", rows: int = TARGET_ROWS) -> list[Path]:
    """N workbooks: each sample's rows repeated to ≈``rows`` indicator rows (points split so that
    they still add up; a sample keeps at least its own rows), as ``made_by`` writes them (openpyxl
    fills the template; ``xlsxwriter`` rewrites every sheet's values with XlsxWriter, as exporting
    systems do; ``office`` re-saves with LibreOffice when it is installed), then copied
    round-robin."""
    folder.mkdir(parents=True, exist_ok=True)
    distinct = []
    with tempfile.TemporaryDirectory() as tmp:
        template = generate_template(Path(tmp) / "t.xlsx", load_rules())
        for s in SAMPLES:
            own = s["rows"]
            k = max(1, rows // len(own))
            big = []
            for copy in range(k):
                for r in own:
                    r2 = dict(r)
                    r2["三级指标"] = f"{r['三级指标']}（{copy + 1}）"
                    if isinstance(r2.get("分值"), int | float):
                        r2["分值"] = round(r2["分值"] / k, 4)
                    r2.pop("申报得分", None)
                    big.append(r2)
            distinct.append(fill_workbook(template, Path(tmp) / s["file"], s["info"], s["budget"], big))
        if made_by == "office":
            distinct = office_saved(distinct, Path(tmp) / "office") or distinct
        elif made_by == "xlsxwriter":
            distinct = [xlsxwriter_saved(f, Path(tmp) / "xlsxwriter") for f in distinct]
        files = []
        for i in range(n):
            dst = folder / f"unit_{i:05d}.xlsx"
            as_own_project(distinct[i % len(distinct)], dst, SAMPLES[i % len(distinct)]["info"], i)
            files.append(dst)
    return files


def as_own_project(src: Path, dst: Path, info: dict, i: int) -> None:
    """A copy of ``src`` made a submission of its own (its 项目名称, or else its 单位编码, with
    ``（第 i 份）`` added): N different submissions, as a bureau receives them, not N copies of
    six (which are duplicates, SPEC §3.13, each scored twice). Patched in the zip, so no office
    suite rewrites it; a text an office suite split into runs is skipped for the next one."""
    with zipfile.ZipFile(src) as zin:
        parts = [(item, zin.read(item)) for item in zin.infolist()]
    for text in (str(info["项目名称"]), str(info.get("单位编码") or "")):
        olds = (text.encode(), "".join(ch if ch.isascii() else f"&#{ord(ch)};" for ch in text).encode())
        new = f"{text}（第 {i} 份）".encode()
        patched = [
            (item, _replace_all(data, olds, new) if item.filename.endswith(".xml") else data) for item, data in parts
        ]
        if text and patched != parts:
            parts = patched
            break
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item, data in parts:
            zout.writestr(item, data)


def _replace_all(data: bytes, olds: tuple[bytes, ...], new: bytes) -> bytes:
    for old in olds:
        data = data.replace(old, new)
    return data


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


def xlsxwriter_saved(path: Path, out: Path) -> Path:
    """The workbook's sheets and values (percent formats kept, formulas with their cached value,
    hidden sheets hidden) written again by XlsxWriter: shared strings, its own styles."""
    import openpyxl
    import xlsxwriter

    out.mkdir(parents=True, exist_ok=True)
    values = openpyxl.load_workbook(path, data_only=True)
    formulas = openpyxl.load_workbook(path)
    target = out / path.name
    book = xlsxwriter.Workbook(str(target))
    percent = book.add_format({"num_format": "0.00%"})
    for ws in formulas.worksheets:
        sheet = book.add_worksheet(ws.title)
        if ws.sheet_state != "visible":
            sheet.hide()
        cached = values[ws.title]
        for row in ws.iter_rows():
            for c in row:
                if c.value is None:
                    continue
                fmt = percent if "%" in (c.number_format or "") else None
                if isinstance(c.value, str) and c.value.startswith("="):
                    sheet.write_formula(c.row - 1, c.column - 1, c.value, fmt, cached[c.coordinate].value)
                else:
                    sheet.write(c.row - 1, c.column - 1, c.value, fmt)
    book.close()
    return target


def per_file(fn, files: list[Path], repeat: int = 1, kernel: list[float] | None = None) -> float:
    """Best-of-``repeat`` wall time per file in ms; the kernel's CPU per file (ms) of that best
    round appended to ``kernel``."""
    best, best_kernel = float("inf"), 0.0
    for _ in range(repeat):
        k = resource.getrusage(resource.RUSAGE_SELF).ru_stime
        t = time.perf_counter()
        for f in files:
            fn(f)
        if (spent := time.perf_counter() - t) < best:
            best, best_kernel = spent, resource.getrusage(resource.RUSAGE_SELF).ru_stime - k
    if kernel is not None:
        kernel.append(best_kernel / len(files) * 1000)
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
    usage = [resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    peak = max(u.ru_maxrss for u in usage)
    cpu = [u.ru_utime + u.ru_stime for u in usage]
    kernel = sum(u.ru_stime for u in usage)
    open(sys.argv[1], "w").write(f"{peak} {cpu[0]} {cpu[1]} {kernel}")
"""


def _selfeval_env() -> dict[str, str]:
    """The environment `selfeval` runs in here: this checkout, with bytecode caching as on any
    installed machine (a PYTHONDONTWRITEBYTECODE=1 sandbox would otherwise recompile every changed
    module at every start, ~0.1 s that no user pays after the first run)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def pipeline(folder: Path, jobs: int, work: Path, again: bool = False) -> tuple[float, float, float, float, float]:
    """(seconds, peak RSS MB of the selfeval process and its workers, CPU seconds of the main
    process alone, CPU seconds of its workers, the kernel's part of both) for `selfeval score` on a fresh copy of
    ``folder`` in ``work``; ``again``: on ``work`` as an earlier run left it."""
    if not again:
        if work.exists():
            shutil.rmtree(work)
        shutil.copytree(folder, work)
    rss_file = work.parent / f"rss_{jobs}.txt"
    summary = work.parent / f"汇总_{jobs}.xlsx"
    summary.unlink(missing_ok=True)
    args = ["score", str(work), "--summary", str(summary), "--jobs", str(jobs)]
    t = time.perf_counter()
    with open(work.parent / f"stderr_{jobs}.txt", "w+b") as err:
        done = subprocess.run(
            [sys.executable, "-c", _RUN_AND_MEASURE, str(rss_file), *args],
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=_selfeval_env(),
        )
        seconds = time.perf_counter() - t
        # the wrapper swallows selfeval's own exit code (1 for files with errors, by design): a run
        # that stopped early shows as a missing summary, a crash as the wrapper's nonzero exit
        if done.returncode != 0 or not summary.exists():
            err.seek(0)
            tail = err.read().decode("utf-8", "replace")[-2000:]
            raise SystemExit(f"selfeval score failed (exit {done.returncode}): no figure for this run\n{tail}")
    peak, main_cpu, workers_cpu, kernel = rss_file.read_text().split()
    return seconds, int(peak) / 1024, float(main_cpu), float(workers_cpu), float(kernel)


def startup(base: Path) -> tuple[float, float]:
    """Best-of-5 wall seconds of `selfeval --version` and of `selfeval score` on an empty folder
    (imports, rule set, an empty summary written: the fixed cost of every run)."""
    empty = base / "startup" / "empty"
    empty.mkdir(parents=True)
    env = _selfeval_env()
    entry = "from selfeval_xl.cli import main; main()"
    figures = []
    for args in (["--version"], ["score", str(empty), "--summary", str(empty.parent / "汇总.xlsx")]):
        best = float("inf")
        for _ in range(5):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-c", entry, *args], check=False, capture_output=True, env=env)
            best = min(best, time.perf_counter() - t)
        figures.append(best)
    return figures[0], figures[1]


def speedup_model(figures: dict[str, float], n: int) -> None:
    """Why --jobs 2 gains what it gains, from this run's figures: at --jobs 1 the coordinating
    process works on the idle second core, so the wall time is S + W (S the serial part: start-up,
    loading the engine, the summary's last write; W the worker's time for every file); at --jobs 2
    its CPU for the files (C) shares the two cores with the workers: S + (W + C) / 2. Solved for
    W and S; 2W / (W + C) is the speed-up with no serial part at all."""
    t1, t2 = figures["jobs1"] * n / 1000, figures["jobs2"] * n / 1000
    c = max(figures["main2"] * n / 1000 - figures["main_fixed"], 0.0)
    w = 2 * (t1 - t2) + c
    s = t1 - w
    print(
        f"speed-up model              --jobs 1 = S + W, --jobs 2 = S + (W + C)/2: W {w:.2f} s, C {c:.2f} s, "
        f"S {s:.2f} s → {2 * w / (w + c):.2f}× were S zero, {(s + 0.1 + w) / (s + 0.1 + (w + c) / 2):.2f}× with 0.1 s more of it"
    )


def measure_producer(base: Path, made_by: str, args: argparse.Namespace) -> dict[str, float]:
    """Every per-workbook figure for inputs written by one producer, printed as it is measured."""
    inputs = base / made_by / "inputs"
    t = time.perf_counter()
    files = make_inputs(inputs, args.n, made_by)
    rows = len(read_workbook(files[0]).records)
    print(
        f"\n== inputs written by {made_by}: {args.n} workbooks, ≈{rows} indicator rows each ({time.perf_counter() - t:.1f} s to make)"
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
    peer_dir = base / made_by / "peer"
    shutil.copytree(inputs, peer_dir)
    peer_files = sorted(peer_dir.glob("*.xlsx"))[:peer_n]
    # ``--rounds`` rounds, each the peer then every selfeval run, and the best of each measure:
    # the same chance for both sides, and a drift of the machine's speed (this VM's swings by
    # ±15–25% over minutes) falls on both sides of a ratio
    runs: dict[int, list[tuple[float, float, float, float, float]]] = {jobs: [] for jobs in sorted({1, args.jobs})}
    peer_runs: list[tuple[float, float]] = []
    for _ in range(args.rounds):
        kernel: list[float] = []
        peer_runs.append((per_file(openpyxl_pipeline, peer_files, kernel=kernel), kernel[0]))
        for jobs, found in runs.items():
            found.append(pipeline(inputs, jobs, base / made_by / f"work{jobs}"))
    f_peer, peer_kernel = min(peer_runs)
    print(
        f"openpyxl pipeline (peer)    {f_peer:7.2f} ms/workbook   (on {peer_n} workbooks; "
        f"of which kernel {peer_kernel:.2f} ms CPU)"
    )

    figures = {"read_score_x_floor": f_ours / f_parse, "peer": f_peer}
    for jobs, found in runs.items():
        seconds, rss, main_cpu, workers_cpu, kernel_cpu = min(found)
        ms = seconds / args.n * 1000
        figures[f"jobs{jobs}"], figures[f"rss{jobs}"] = ms, rss
        figures[f"main{jobs}"] = main_cpu / args.n * 1000  # ms of the main process per workbook
        # the CPU of the whole run (main process and workers): the same work, so more of it at
        # --jobs 2 is what running on both cores at once costs (shared caches, a busy machine)
        figures[f"cpu{jobs}"] = (main_cpu + workers_cpu) / args.n * 1000
        speedup = figures["jobs1"] / ms
        print(
            f"selfeval score --jobs {jobs}    {ms:7.2f} ms/workbook   = {f_peer / ms:5.1f}× faster than openpyxl (target ≥ 5×)"
            f"   {1000 / ms:6.0f} workbooks/s   peak RSS {rss:5.0f} MB   main process {figures[f'main{jobs}']:.2f} ms CPU"
            f"   all processes {figures[f'cpu{jobs}']:.2f} ms CPU (kernel {kernel_cpu / args.n * 1000:.2f})"
            + (
                f"   speed-up {speedup:.2f}× (target ≥ 1.85× on 2 cores; CPU ×{figures[f'cpu{jobs}'] / figures['cpu1']:.2f}"
                f" the --jobs 1 run's for the same work)"
                if jobs > 1
                else ""
            )
        )
    # the coordinating process's fixed CPU (start-up, loading the engine at the first file, an
    # almost empty summary): a run on one of the workbooks, taken out of its per-workbook figure
    one = base / made_by / "one"
    one.mkdir()
    shutil.copy(files[0], one / files[0].name)
    figures["main_fixed"] = min(pipeline(one, args.jobs, base / made_by / "work_one")[2] for _ in range(3))
    if args.jobs == 2:
        speedup_model(figures, args.n)
    # a rerun (a review round): every workbook holds our 评分结果 now, read for its 复核 entries
    seconds, *_ = pipeline(inputs, 1, base / made_by / "work1", again=True)
    figures["rerun"] = seconds / args.n * 1000
    print(
        f"selfeval score again -j 1   {figures['rerun']:7.2f} ms/workbook   "
        f"= {figures['rerun'] / figures['jobs1']:4.2f}× the first run (the files hold our 评分结果 now)"
    )
    return figures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    # SPEC §8 states the pipeline target on 1,000 workbooks: the run's fixed cost (start-up, the
    # summary's serial close) is spread over as many files as the contract says
    ap.add_argument(
        "--n", type=int, default=1000, help="number of workbooks (default 1000, as SPEC §8 states the target)"
    )
    ap.add_argument("--jobs", type=int, default=2, help="largest --jobs to try (default 2)")
    ap.add_argument(
        "--peer-n", type=int, default=None, help="workbooks for the slow openpyxl peer (default min(n, 300))"
    )
    ap.add_argument(
        "--made-by",
        choices=(*PRODUCERS, "all"),
        default="all",
        help="who wrote the inputs: openpyxl, XlsxWriter, LibreOffice re-save (office), or all three in one run (default)",
    )
    ap.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="interleaved rounds of the openpyxl peer and each selfeval run, best of each kept (default 3)",
    )
    ap.add_argument(
        "--rss-n",
        type=int,
        default=0,
        help="also run `selfeval score --jobs 2` on this many workbooks for peak RSS (e.g. 10000)",
    )
    args = ap.parse_args()
    producers = chosen_producers(args.made_by)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        version, empty_run = startup(base)
        print(
            f"start-up: selfeval --version {version:.2f} s, selfeval score on an empty folder {empty_run:.2f} s (target ≤ 0.3 s)"
        )
        results = {made_by: measure_producer(base, made_by, args) for made_by in producers}

        print("\n== summary (one run, same machine)")
        print(
            f"{'input written by':<18}{'read+score ÷ floor':>20}{'--jobs 1 vs openpyxl':>24}{'--jobs 2 speed-up':>20}"
        )
        for made_by, f in results.items():
            print(
                f"{made_by:<18}{f['read_score_x_floor']:>19.1f}×{f['peer'] / f['jobs1']:>23.1f}×"
                + (f"{f['jobs1'] / f[f'jobs{args.jobs}']:>19.2f}×" if args.jobs > 1 else "")
            )
        # A core's rate: with --jobs N on N cores every core is busy, the coordinating process
        # (which receives, numbers and prints every file beside the workers) included, so N × the
        # wall time per workbook is what one core spends on it. --jobs 1 would flatter it: the
        # coordinating process works on the second core there.
        cores = min(args.jobs, os.cpu_count() or 1)
        per_core = {made_by: f[f"jobs{args.jobs}"] * cores for made_by, f in results.items()}
        single, worst = min(per_core.values()), max(per_core.values())
        print(
            f"per core: {1000 / worst:.0f}–{1000 / single:.0f} workbooks/s "
            f"(whole pipeline at --jobs {args.jobs}, every core busy, including startup)"
        )
        # Projection: 100,000 workbooks spread over 16 cores, each as fast as one measured here
        # (storage that keeps up; the slowest producer's rate), but never faster than the one
        # coordinating process can take them: it receives, numbers and prints every file and
        # writes the summary, serially, whatever the number of workers (Amdahl)
        # (its fixed CPU, measured on one workbook, taken out: it does not grow with the batch; the
        # summary's deflate threads are in its CPU, so the bound is somewhat high)
        main = max(
            (f[f"main{args.jobs}"] * args.n / 1000 - f["main_fixed"]) / max(args.n - 1, 1) * 1000
            for f in results.values()
        )
        linear, serial = 100_000 * worst / 16 / 1000, 100_000 * main / 1000
        print(
            f"projection: 100,000 workbooks on 16 cores ≈ {max(linear, serial):.0f} s "
            f"(spread over 16 cores at {worst:.1f} ms per workbook per core: {linear:.0f} s; but the coordinating "
            f"process spends {main:.2f} ms of CPU per workbook besides its fixed cost, receiving, printing and "
            f"summarising, one after another: ≈ {serial:.0f} s however many cores; target < 60 s)"
        )
        if args.rss_n:
            big = make_inputs(base / "rss" / "inputs", args.rss_n, producers[-1])
            seconds, rss, *_ = pipeline(big[0].parent, 2, base / "rss" / "work")
            print(f"{args.rss_n} workbooks, --jobs 2: {seconds:.0f} s, peak RSS {rss:.0f} MB (target < 300 MB)")
        print(
            f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]} ({sys.executable}); best of 3 for the in-process figures, best of {args.rounds} interleaved rounds for the openpyxl peer and each `selfeval score` run"
        )


if __name__ == "__main__":
    main()
