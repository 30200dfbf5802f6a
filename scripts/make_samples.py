"""Regenerate samples/*.xlsx from scripts/sample_data.py (never edit the files by hand)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from sample_data import DEPT_SAMPLES, FORM_SAMPLES, SAMPLES

from selfeval_xl import fill_workbook, generate_template, load_rules
from selfeval_xl.outputs.form_writer import write_form
from selfeval_xl.reading.contract import KIND_DEPARTMENT, KIND_PROJECT


def make_samples(out_dir: Path) -> list[Path]:
    """Write every sample workbook (项目支出 and 部门整体支出 templates, and the official single-sheet
    form) into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    made = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind, samples in ((KIND_PROJECT, SAMPLES), (KIND_DEPARTMENT, DEPT_SAMPLES)):
            template = generate_template(Path(tmp) / f"{kind}.xlsx", load_rules(None, kind))
            for s in samples:
                made.append(
                    fill_workbook(
                        template,
                        out_dir / s["file"],
                        s["info"],
                        s["budget"],
                        s["rows"],
                        dept_data=s.get("data"),
                        owned=s.get("owned"),
                    )
                )
    made += [write_form(out_dir / s["file"], s) for s in FORM_SAMPLES]
    return made


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "samples"
    for path in make_samples(target):
        print(path)
