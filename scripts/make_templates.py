"""Regenerate workbook_templates/*.xlsx: the blank template of every bundled rule set, for an
accountant to take directly (the same file `selfeval template --rules <id>` writes)."""

from __future__ import annotations

import sys
from pathlib import Path

from selfeval_xl import generate_template, load_rules
from selfeval_xl.rules.ruleset import bundled

ROOT = Path(__file__).resolve().parent.parent


def template_name(ruleset_id: str, kind: str) -> str:
    """``项目支出_cy2020-10-project.xlsx``: the kind first, so a person sees which to take."""
    return f"{kind}_{ruleset_id}.xlsx"


def make_templates(out_dir: Path) -> list[Path]:
    """Write one blank template per bundled rule set into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    made = []
    for ruleset_id, path in bundled().items():
        rules = load_rules(path)
        made.append(generate_template(out_dir / template_name(ruleset_id, rules.kind), rules))
    return made


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "workbook_templates"
    for made in make_templates(target):
        print(made)
