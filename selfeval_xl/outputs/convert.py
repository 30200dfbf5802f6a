"""``selfeval convert``: a standard 自评表 form turned into our template, for next year."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any

from selfeval_xl.errors import UnreadableWorkbook
from selfeval_xl.outputs.fill import fill_workbook
from selfeval_xl.outputs.template import generate_template
from selfeval_xl.reading import contract as L
from selfeval_xl.reading.layouts import read_workbook
from selfeval_xl.rules.ruleset import RuleSet


def _cell_text(v: Any) -> Any:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return v


def form_to_template(form: Path, out: Path, rules: RuleSet) -> tuple[Path, int]:
    """Write ``out`` (a filled template) from the form in ``form``; returns it and the number
    of indicator rows carried over."""
    data = read_workbook(form, layout="form")
    if data is None:  # one of our own outputs
        raise UnreadableWorkbook.at(form.name, None, None, "no-form")
    info = {k: v for k, v in data.info.items() if k in L.INFO_LABELS}
    budget = {cat: (row.initial, row.adjusted, row.executed) for cat, row in data.budget.items()}
    rows, owned = [], {}
    for rec in data.records.values():
        if rec.name == rules.budget_indicator:
            if not math.isnan(rec.claimed):
                owned[rules.budget_indicator] = {L.I_CLAIMED: rec.claimed}
            continue
        rows.append(
            {
                L.I_LEVEL1: L.canonical_level1(rec.level1),
                L.I_LEVEL2: rec.level2,
                L.I_NAME: rec.name,
                L.I_OPERATOR: rec.operator or None,
                L.I_TARGET: rec.target.display or None,
                L.I_UNIT: rec.unit or None,
                L.I_ACTUAL: rec.actual.display or None,
                L.I_POINTS: _cell_text(rec.points),
                L.I_CLAIMED: _cell_text(rec.claimed),
                L.I_REASON: rec.reason or None,
            }
        )
    with tempfile.TemporaryDirectory() as tmp:
        template = generate_template(Path(tmp) / "t.xlsx", rules)
        fill_workbook(template, out, info, budget, rows, owned=owned, ours=True)
    return out, len(rows)
