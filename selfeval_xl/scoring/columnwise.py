"""Computed rows scored column-wise with pandas: one DataFrame for a chunk of rows (of any number
of workbooks), grouped by rule kind and rule set, each group through its kind's column function.

Measured by ``benchmarks/bench_scoring_paths.py`` on real rows: a rule kind scores one row in
≈ 0.5 µs of plain Python, while merely moving a row's three numbers into columns costs more than
that, so row by row is faster at every chunk size tried (1–1,024 workbooks, up to 31,000 rows).
The scorer therefore scores row by row; this path is kept, tested equal to it, for callers whose
rows are many and already at hand (and so that the benchmark can keep checking the choice)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from selfeval_xl.rules.rule_kinds import Case, RuleKind


def score_cases(items: Sequence[tuple[RuleKind, Case]]) -> list[float]:
    """The unrounded score of every (kind, case), in order, as one DataFrame (kind, rule set, 分值,
    指标值, 实际完成值) grouped by kind and rule set, each group through its kind's column function
    (kinds without one: row by row)."""
    import pandas as pd

    kinds = {kind.name: kind for kind, _ in items}
    rule_sets = {id(case.rules): case.rules for _, case in items}
    frame = pd.DataFrame(
        {
            "kind": [kind.name for kind, _ in items],
            "rules": [id(case.rules) for _, case in items],
            "p": [case.points for _, case in items],
            "t": [case.target for _, case in items],
            "a": [case.actual for _, case in items],
        }
    )
    # floats whatever was typed: 分值 10 and 指标值 95 arrive as ints, a score of 8.75 must not
    p, t, a = (frame[col].to_numpy(dtype=float) for col in ("p", "t", "a"))
    out = p.copy()
    for key, rows in frame.groupby(["kind", "rules"], sort=False).indices.items():
        name, rules_id = cast(tuple[str, int], key)  # a two-column groupby's keys are pairs
        kind = kinds[str(name)]
        if kind.columns is None:
            out[rows] = [kind.score(items[i][1]) for i in rows]
        else:
            out[rows] = kind.columns(p[rows], t[rows], a[rows], rule_sets[int(rules_id)])
    return [float(x) for x in out.tolist()]
