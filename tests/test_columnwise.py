"""Computed rows scored column-wise (pandas/numpy) give exactly the row-by-row scores: on random
rows for every kind that has a column form, and by hand on a few rows."""

from __future__ import annotations

import dataclasses
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from selfeval_xl import load_rules
from selfeval_xl.rules.rule_kinds import KINDS, Case
from selfeval_xl.rules.ruleset import builtin_path
from selfeval_xl.scoring.columnwise import score_cases

RULES = load_rules(builtin_path("项目支出"))
LINEAR = dataclasses.replace(RULES, reverse_method="linear")
COLUMN_KINDS = [k for k in KINDS.values() if k.columns is not None]

number = st.one_of(
    st.sampled_from([0.0, 1.0, 95.0, 100.0, 120.0, -5.0]),
    st.floats(min_value=-1e4, max_value=1e6, allow_nan=False, allow_infinity=False),
)
case = st.builds(
    lambda p, t, a, rules: Case(p, t, a, "≥", rules),
    st.floats(min_value=0.5, max_value=100),
    number,
    number,
    st.sampled_from([RULES, LINEAR]),
)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(COLUMN_KINDS), st.lists(case, min_size=1, max_size=40))
def test_column_scores_equal_row_scores(kind, cases):
    by_row = [kind.score(c) for c in cases]
    by_column = score_cases([(kind, c) for c in cases])
    assert all(math.isclose(x, y, rel_tol=1e-12, abs_tol=1e-12) for x, y in zip(by_row, by_column, strict=True))


def test_column_scores_by_hand():
    rows = [
        (KINDS["ge"], Case(10, 95, 98, "≥", RULES)),  # 98 ≥ 95 → 10
        (KINDS["ge"], Case(10, 100, 80, "≥", RULES)),  # 10 × 80 ÷ 100 = 8
        (KINDS["le"], Case(10, 50, 100, "≤", RULES)),  # ratio: 10 × 50 ÷ 100 = 5
        (KINDS["le"], Case(10, 50, 60, "≤", LINEAR)),  # linear: 10 × (1 − (60 − 50) ÷ 50) = 8
        (KINDS["eq"], Case(10, 100, 90, "=", RULES)),  # 10 × 90 ÷ 100 = 9
        (KINDS["budget"], Case(10, 100, 87.5, "≥", RULES, "%")),  # 10 × min(87.5%, 100%) = 8.75
    ]
    assert score_cases(rows) == [10, 8, 5, 8, 9, 8.75]


def test_the_scoring_paths_benchmark_prints_both_paths():
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_scoring_paths.py"
    result = subprocess.run(
        [sys.executable, str(script), "--max-chunk", "4"], capture_output=True, text=True, timeout=240, check=True
    )
    lines = result.stdout.splitlines()
    assert "row by row" in lines[1] and "column-wise" in lines[1]
    assert [line.split()[0] for line in lines[2:-1]] == ["1", "4"]
    assert lines[-1].startswith("column-wise (pandas) wins")
