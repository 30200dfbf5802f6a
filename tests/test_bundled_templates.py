"""The blank templates shipped in workbook_templates/ are what `selfeval template` writes today
(regenerate them with `python scripts/make_templates.py` after changing the template)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import openpyxl
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from make_templates import make_templates  # noqa: E402

from selfeval_xl.rules.ruleset import bundled  # noqa: E402


def _shape(path: Path) -> dict:
    """What an accountant gets: sheets (and which are hidden), every cell value, the drop-down
    lists and input messages, locked cells, the _meta sheet, and how it prints: column widths,
    row heights and merged ranges."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        cells = {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None}
        locks = sorted(c.coordinate for row in ws.iter_rows() for c in row if c.protection.locked is False)
        validations = sorted(
            (str(dv.sqref), dv.type, dv.formula1, dv.prompt, dv.promptTitle)
            for dv in ws.data_validations.dataValidation
        )
        widths = {k: d.width for k, d in ws.column_dimensions.items() if d.customWidth}
        heights = {k: d.height for k, d in ws.row_dimensions.items() if d.height is not None}
        merged = sorted(str(r) for r in ws.merged_cells.ranges)
        out[ws.title] = (ws.sheet_state, cells, locks, validations, ws.protection.sheet, widths, heights, merged)
    return out


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> dict[str, Path]:
    return {p.name: p for p in make_templates(tmp_path_factory.mktemp("templates"))}


def test_one_template_per_bundled_rule_set(fresh):
    shipped = sorted(p.name for p in (ROOT / "workbook_templates").glob("*.xlsx"))
    assert shipped == sorted(fresh)
    assert len(shipped) == len(bundled()) >= 3


def test_shipped_templates_match_what_selfeval_writes(fresh):
    for name, made in fresh.items():
        assert _shape(ROOT / "workbook_templates" / name) == _shape(made), (
            f"workbook_templates/{name} is stale: run python scripts/make_templates.py"
        )


def test_guide_names_the_rule_set_as_people_do(fresh):
    """说明 names the rule set as the rules call it: "（默认）" is this tool's choice of a default
    and "v1.0" the rule file's revision, neither of which an accountant filling the form needs."""
    for name, path in fresh.items():
        guide = openpyxl.load_workbook(path)["说明"]
        lines = [
            c.value for row in guide.iter_rows() for c in row if isinstance(c.value, str) and "规则集：" in c.value
        ]
        assert len(lines) == 1, name
        assert "（默认）" not in lines[0] and " v" not in lines[0], lines[0]


def test_guide_steps_are_numbered_one_after_another(fresh):
    """说明's numbered steps read 1, 2, 3 … with none skipped (a step once removed left 6 then 8)."""
    for name, path in fresh.items():
        guide = openpyxl.load_workbook(path)["说明"]
        numbers = [
            int(m.group(1))
            for row in guide.iter_rows()
            for c in row
            if isinstance(c.value, str) and (m := re.match(r"(\d+)\. ", c.value))
        ]
        assert numbers == list(range(1, len(numbers) + 1)), (name, numbers)
