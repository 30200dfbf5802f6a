"""Regenerate samples/*.xlsx from selfeval_xl/sample_data.py (never edit the files by hand)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from selfeval_xl import fill_workbook, generate_template, load_rules
from selfeval_xl.sample_data import SAMPLES


def make_samples(out_dir: Path) -> list[Path]:
    """Write every sample workbook into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        template = generate_template(Path(tmp) / "template.xlsx", load_rules())
        return [fill_workbook(template, out_dir / s["file"], s["info"], s["budget"], s["rows"]) for s in SAMPLES]


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "samples"
    for path in make_samples(target):
        print(path)
