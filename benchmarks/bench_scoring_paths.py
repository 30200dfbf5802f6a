"""Row-by-row against column-wise (pandas) scoring of the computed rows, for growing chunks of
workbooks. Prints figures; asserts nothing.

    python benchmarks/bench_scoring_paths.py [--max-chunk 512]

The rows are real: the bundled samples' shapes filled to ≈60 indicator rows (as bench_pipeline
makes them), read and resolved by selfeval, then every computed row (≥ ≤ = 预算执行率) of a
chunk of N workbooks is scored (a) one row at a time by its rule kind and (b) all at once through
one DataFrame per kind (``scoring.columnwise``). Qualitative and date rows are row-wise in both.
The last line says from how many rows the column-wise path wins here, if it does: the scorer
scores row by row because, measured here, it is faster at every chunk size.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_pipeline import make_inputs  # noqa: E402

from selfeval_xl import load_rules, read_workbook  # noqa: E402
from selfeval_xl.rules import common_indicators as CM  # noqa: E402
from selfeval_xl.rules.rule_kinds import KINDS, Case, RuleKind  # noqa: E402
from selfeval_xl.scoring.columnwise import score_cases  # noqa: E402
from selfeval_xl.scoring.scorer import _Scorer  # noqa: E402


def computed_rows(files: list[Path]) -> list[list[tuple[RuleKind, Case]]]:
    """Per workbook, its computed rows as (kind, case): read, resolved as the scorer does."""
    rules = load_rules()
    out = []
    for path in files:
        data = read_workbook(path)
        scorer = _Scorer(data, rules)
        budget = scorer.budget()
        scorer.dept = CM.DeptData(data, rules, budget, scorer.add_at)
        items = []
        for row, r in data.records.items():
            plan = scorer.resolve(row, r, budget)
            points = float(r.points if plan.points is None else plan.points)
            if plan.method in KINDS and not (math.isnan(points) or math.isnan(plan.actual)):
                case = Case(points, plan.target, plan.actual, plan.operator, rules, plan.unit or "", plan.common)
                items.append((KINDS[plan.method], case))
        out.append(items)
    return out


def best_of(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-chunk", type=int, default=512, help="largest chunk of workbooks")
    args = ap.parse_args()
    sizes = [n for n in (1, 4, 8, 16, 32, 64, 128, 256, 512, 1024) if n <= args.max_chunk]
    with tempfile.TemporaryDirectory() as tmp:
        distinct = make_inputs(Path(tmp) / "in", len(distinct_samples := range(10)))
        per_book = computed_rows(distinct[: len(distinct_samples)])
    print(f"computed rows per workbook: {sum(map(len, per_book)) / len(per_book):.0f} (of ≈60 indicator rows)")
    print(f"{'workbooks':>10} {'rows':>7} {'row by row':>12} {'column-wise':>12} {'faster':>12}")
    crossover = None
    for n in sizes:
        chunk = [item for i in range(n) for item in per_book[i % len(per_book)]]
        repeat = max(3, 2000 // max(1, len(chunk)))
        by_row = best_of(lambda chunk=chunk: [kind.score(case) for kind, case in chunk], repeat)
        by_column = best_of(lambda chunk=chunk: score_cases(chunk), repeat)
        faster = "column-wise" if by_column < by_row else "row by row"
        if by_column < by_row and crossover is None:
            crossover = len(chunk)
        print(f"{n:>10} {len(chunk):>7} {by_row * 1e3:>10.3f}ms {by_column * 1e3:>10.3f}ms {faster:>12}")
    where = f"from ≈{crossover} rows" if crossover else "at none of these chunk sizes (the scorer stays row by row)"
    print(f"column-wise (pandas) wins {where}")


if __name__ == "__main__":
    main()
