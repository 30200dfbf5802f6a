"""Render what people print, from the bundled samples, to PNG under docs/ (for the README):
page 1 of a sample's 评分结果 sheet and page 1 of its drafted 自评报告, each through
LibreOffice headless → PDF → pdftoppm. Rerun after changing the layout, so the images stay
true:  .venv/bin/python scripts/render_docs.py [--out docs] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from selfeval_xl.demo import samples_dir
from selfeval_xl.file_scoring import score_file
from selfeval_xl.ooxml.sheet_writer import write_sheet
from selfeval_xl.outputs.report import draft
from selfeval_xl.outputs.report_docx import write_docx
from selfeval_xl.outputs.results_sheet import results_sheet
from selfeval_xl.reading import contract as L

SAMPLE = "红谷滩区应急管理局_2022年部门整体支出.xlsx"  # the seed department: a full, real-sized sheet
SCORED_AT = "2023-03-15 09:30"  # a fixed time, so reruns give the same image


def to_pdf(src: Path, out_dir: Path) -> Path:
    """``src`` converted by headless LibreOffice (its own profile, so it runs beside an open one)."""
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        raise SystemExit("需要 LibreOffice（soffice）")
    profile = out_dir / ".lo-profile"
    subprocess.run(
        [exe, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore"]
        + ["--convert-to", "pdf", "--outdir", str(out_dir), str(src)],
        check=True,
        capture_output=True,
        timeout=180,
        env={**os.environ, "HOME": str(out_dir)},
    )
    return out_dir / (src.stem + ".pdf")


def to_png(pdf: Path, png: Path, page: int = 1, dpi: int = 80) -> Path:
    stem = png.with_suffix("")
    subprocess.run(
        ["pdftoppm", "-f", str(page), "-l", str(page), "-r", str(dpi), "-png", "-singlefile", str(pdf), str(stem)],
        check=True,
        timeout=120,
    )
    return png


def results_workbook(sample: Path, out: Path) -> Path:
    """The sample's 评分结果 sheet alone in a workbook (as a side file gets it)."""
    card = score_file(sample).card
    assert card is not None
    write_sheet(None, out, L.SHEET_RESULTS, results_sheet(card, SCORED_AT, link_cells=False))
    return out


def report_docx(sample: Path, out: Path) -> Path:
    card = score_file(sample).card
    assert card is not None
    return write_docx(draft(card), out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "docs")
    ap.add_argument("--keep", type=Path, help="keep the workbook, .docx and PDFs in this folder")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        sample = samples_dir() / SAMPLE
        xlsx = results_workbook(sample, work / "评分结果.xlsx")
        docx = report_docx(sample, work / "自评报告.docx")
        print(to_png(to_pdf(xlsx, work), args.out / "评分结果.png"))
        print(to_png(to_pdf(docx, work), args.out / "自评报告.png"))


if __name__ == "__main__":
    main()
