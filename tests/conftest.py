"""Shared fixtures: a generated template and a factory that fills it by header text."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))  # make_samples

from sample_data import indicator_row

from selfeval_xl import fill_workbook, generate_template, load_rules

_CHECKOUT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True, scope="session")
def _nothing_written_into_the_checkout():
    """A test that forgets --summary writes 汇总.xlsx into the working folder, i.e. this checkout:
    every workbook in its root must be as it was before the session."""
    before = {p: p.stat().st_mtime_ns for p in _CHECKOUT.glob("*.xls*")}
    yield
    written = sorted(p.name for p in _CHECKOUT.glob("*.xls*") if before.get(p) != p.stat().st_mtime_ns)
    assert not written, f"tests wrote {written} into {_CHECKOUT}"


# A realistic filled project (real form 18 shape: 镜湖区残联 2023, amounts in 万元), all rows
# scored at full points so tests can change one thing at a time.
BASE_INFO = {
    "评价类型": "项目支出",
    "评价年度": 2023,
    "单位名称": "芜湖市镜湖区残疾人联合会",
    "单位编码": "340202-118",
    "主管部门": "芜湖市镜湖区残疾人联合会",
    "项目名称": "残疾人事业发展补助资金",
}
BASE_BUDGET = {"年度资金总额": (29.6, 29.6, 29.6), "当年财政拨款": (29.6, 29.6, 29.6)}


row = indicator_row  # the tests' short name


def base_rows() -> list[dict[str, Any]]:
    """90 points of indicators (plus the template's 预算执行率 10 = 100), all met."""
    return [
        row("产出指标", "数量指标", "康复服务比例", "≥85%", "100%", 15),
        row("产出指标", "数量指标", "托养服务人次数", "≥105人", "116人", 10),
        row("产出指标", "质量指标", "服务规范性", "规范", "达成年度指标", 10),
        row("产出指标", "时效指标", "项目完成时间", "2023年12月31日前", "2023年12月20日", 5),
        row("产出指标", "成本指标", "燃油补贴标准", "260元/辆", "260元/辆", 10),
        row("效益指标", "社会效益指标", "残疾人康复服务水平", "有所提高", "有所提高", 15),
        row("效益指标", "可持续影响指标", "服务长效机制", "长期", "达成年度指标", 15),
        row("满意度指标", "服务对象满意度指标", "服务对象满意度", "≥90%", "95%", 10),
    ]


@pytest.fixture(scope="session")
def project_rules():
    return load_rules()


@pytest.fixture(scope="session")
def template_path(tmp_path_factory, project_rules) -> Path:
    path = tmp_path_factory.mktemp("tpl") / "template.xlsx"
    return generate_template(path, project_rules)


MakeWorkbook = Callable[..., Path]


@pytest.fixture
def make_workbook(tmp_path, template_path) -> MakeWorkbook:
    def make(
        name: str = "项目A.xlsx",
        info: Mapping[str, Any] | None = None,
        budget: Mapping[str, Sequence[Any]] | None = None,
        indicators: Sequence[Mapping[str, Any]] | None = None,
    ) -> Path:
        full_info = {**BASE_INFO, **(info or {})}
        return fill_workbook(
            template_path,
            tmp_path / name,
            full_info,
            BASE_BUDGET if budget is None else budget,
            base_rows() if indicators is None else indicators,
        )

    return make


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def office_resave(src: Path, out_dir: Path, fmt: str = "xlsx") -> Path:
    """Open and re-save a file with headless LibreOffice, as an accountant's office suite would."""
    exe = soffice()
    if exe is None:
        pytest.skip("LibreOffice is not installed")
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = out_dir / ".lo-profile"
    filt = {"xlsx": "xlsx:Calc MS Excel 2007 XML", "ods": "ods", "xls": "xls:MS Excel 97", "pdf": "pdf"}[fmt]
    env = {**os.environ, "HOME": str(out_dir)}
    subprocess.run(
        [
            exe,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            filt,
            "--outdir",
            str(out_dir),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=180,
        env=env,
    )
    out = out_dir / f"{src.stem}.{fmt}"
    assert out.exists(), f"LibreOffice did not write {out}"
    return out


def tiny_png() -> bytes:
    """A real 2×2 red PNG, built by hand (no Pillow needed)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


X14_VALIDATION = (
    '<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
    'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    '<x14:dataValidations count="1" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
    '<x14:dataValidation type="list" allowBlank="1" showInputMessage="1" showErrorMessage="1">'
    "<x14:formula1><xm:f>基本信息!$B$2:$B$3</xm:f></x14:formula1><xm:sqref>C5</xm:sqref>"
    "</x14:dataValidation></x14:dataValidations></ext></extLst>"
)


def rich_workbook(path: Path, indicators: Sequence[Mapping[str, Any]] | None = None) -> Path:
    """A filled workbook as an office user's file might be: laid out by header text (not from
    our template), with an image, a comment, a formula with a real cached result (3) and an
    Excel-2010 (x14) cross-sheet validation, the things an openpyxl round trip would lose."""
    import io
    import zipfile

    import xlsxwriter

    from selfeval_xl.reading import contract as L

    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    info = wb.add_worksheet(L.SHEET_INFO)
    for r, (k, v) in enumerate({**BASE_INFO, "金额单位": "万元"}.items()):
        info.write_string(r, 0, k)
        info.write(r, 1, v)
    info.write_string(10, 0, "校验")
    info.write_formula(10, 1, "=1+2", None, 3)
    info.write_comment(0, 1, "请从下拉列表选择")
    info.insert_image("D2", "logo.png", {"image_data": io.BytesIO(tiny_png())})
    budget = wb.add_worksheet(L.SHEET_BUDGET)
    budget.write_row(0, 0, (L.B_CATEGORY, L.B_INITIAL, L.B_ADJUSTED, L.B_EXECUTED))
    for r, (cat, amounts) in enumerate(BASE_BUDGET.items(), start=1):
        budget.write_string(r, 0, cat)
        budget.write_row(r, 1, amounts)
    ind = wb.add_worksheet(L.SHEET_INDICATORS)
    cols = list(L.INDICATOR_TEMPLATE_COLUMNS)
    ind.write_row(0, 0, cols)
    budget_row = {"一级指标": "预算执行率", "三级指标": "预算执行率", "指标值": "100%", "分值": 10}
    for r, rec in enumerate([budget_row, *(base_rows() if indicators is None else indicators)], start=1):
        ind.write_number(r, 0, r)
        for header, value in rec.items():
            if isinstance(value, str):
                ind.write_string(r, cols.index(header), value)
            elif value is not None:
                ind.write_number(r, cols.index(header), value)
    wb.close()
    # Add the x14 validation the way Excel stores it (XlsxWriter cannot write one).
    with zipfile.ZipFile(path) as zf:
        parts = [(i, zf.read(i)) for i in zf.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info_, data in parts:
            if info_.filename == "xl/worksheets/sheet3.xml":
                data = data.replace(b"</worksheet>", X14_VALIDATION.encode() + b"</worksheet>")
            zf.writestr(info_, data)
    return path


# The keys of each `--json` indicator object, in SPEC §4.3's order (a contract: tools read them)
JSON_INDICATOR_KEYS = [
    "level1",
    "level2",
    "name",
    "operator",
    "target",
    "actual",
    "unit",
    "points",
    "score",
    "claimed",
    "reviewed",
    "review_note",
    "rate",
    "note",
]


def check_typed_row(make_workbook: Callable[..., Path], case: Sequence[Any]) -> None:
    """One row as typed, on the base form (``base_rows``) with one slot replaced, scored and
    checked: ``case`` is (id, slot, 二级指标, 三级指标, 指标值, 计量单位, 实际完成值, 分值, 偏差原因,
    the row's expected score, the file's problem codes, its status), each worked out by hand."""
    from selfeval_xl import score_file

    cid, slot, l2, name, target, unit, actual, points, reason, score, codes, status = case
    rows = base_rows()
    rows[slot] = row(rows[slot]["一级指标"], l2, name, target, actual, points, reason=reason, unit=unit)
    card = score_file(make_workbook(f"{cid}.xlsx", indicators=rows)).card
    got = next(r for r in card.records if r.name == name)
    assert got.score == score, got.note
    assert {p.code for p in card.problems} == codes, [str(p) for p in card.problems]
    assert card.status == status
