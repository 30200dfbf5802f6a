"""Instructions a worker executes per workbook (valgrind's count, issue 17): a measure that does
not drift with the machine. Prints numbers; asserts nothing.

    python benchmarks/bench_instructions.py [--k 10] [--made-by xlsxwriter] [--root OTHER_CHECKOUT ...]

CPU time on a shared 2-core VM varies ±10–25% between runs of the same code, so a change of a
few percent in the worker cannot be seen in ``bench_pipeline.py``. The number of instructions can:
two runs of the same code agree within ~0.2%. For each producer the benchmark's own workbooks are
scored the way a worker scores them (read, score, write back, summary rows, the message pickled;
the garbage collector's survivors frozen after the first file, as in ``pool``), under ``valgrind
--tool=cachegrind``, once on 1 file and once on 1 + K files; the difference divided by K is the
per-workbook count, with start-up and the first file's one-time work taken out.

``--root`` runs the same on other checkouts (their ``selfeval_xl`` on PYTHONPATH) and prints each
against the first: an A/B of a change. valgrind runs Python ~50× slower: K = 10 takes about a
minute per producer and checkout."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_pipeline import PRODUCERS, chosen_producers, make_inputs  # noqa: E402

# what one worker does with each file (file_scoring._process and pool._worker's pickling)
_WORKER = """
import gc, pickle, sys
from pathlib import Path
from selfeval_xl.batch import BatchOptions
from selfeval_xl.file_scoring import RuleBook, _process
options = BatchOptions(scored_at="2026-01-01 00:00", render_summary=True)
rulebook = RuleBook()
for i, path in enumerate(sorted(Path(sys.argv[1]).glob("*.xlsx"))[: int(sys.argv[2])]):
    outcome = _process(path, path.name, rulebook, options)
    pickle.dumps((i, outcome), pickle.HIGHEST_PROTOCOL)
    if i == 0:
        del outcome
        gc.collect()
        gc.freeze()
"""


def instructions(root: Path, folder: Path, n: int, scratch: Path) -> int:
    """valgrind's instruction count for scoring the first ``n`` workbooks of ``folder`` (on a
    fresh copy: scoring writes into them) with the checkout at ``root``."""
    work = scratch / "work"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(folder, work)
    env = {**os.environ, "PYTHONPATH": str(root), "PYTHONHASHSEED": "0"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # bytecode cached, as on an installed machine
    worker = [sys.executable, "-c", _WORKER, str(work), str(n)]
    # once without valgrind first: a checkout not run before compiles its bytecode then, which
    # would count in whichever run came first
    subprocess.run(worker, env=env, capture_output=True, cwd=scratch, check=False)
    shutil.rmtree(work)
    shutil.copytree(folder, work)
    valgrind = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"]
    done = subprocess.run([*valgrind, *worker], env=env, capture_output=True, text=True, cwd=scratch, check=False)
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if done.returncode != 0 or found is None:
        sys.exit(f"valgrind run failed ({root}):\n{done.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--k", type=int, default=10, help="workbooks counted after the first (default 10)")
    ap.add_argument("--made-by", choices=(*PRODUCERS, "all"), default="all", help="who wrote the inputs")
    ap.add_argument("--root", type=Path, action="append", default=[], help="another checkout to compare (repeatable)")
    args = ap.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (apt-get install valgrind): nothing measured")
    roots = [ROOT, *args.root]
    producers = chosen_producers(args.made_by)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        for made_by in producers:
            inputs = make_inputs(base / made_by / "inputs", 1 + args.k, made_by)[0].parent
            first = None
            for root in roots:
                one = instructions(root, inputs, 1, base)
                more = instructions(root, inputs, 1 + args.k, base)
                per = (more - one) / args.k / 1e6
                first = first if first is not None else per
                versus = f"   {per / first - 1:+6.1%} against {roots[0]}" if root != roots[0] else ""
                print(f"{made_by:<11} {str(root):<28} {per:8.2f} M instructions per workbook{versus}", flush=True)
    print(f"(valgrind cachegrind; 1 + {args.k} workbooks less 1; PYTHONHASHSEED=0)")


if __name__ == "__main__":
    main()
