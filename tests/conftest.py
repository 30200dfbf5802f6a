"""Shared fixtures: a generated template and a factory that fills it by header text."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from selfeval_xl import fill_workbook, generate_template, load_rules
from selfeval_xl.sample_data import indicator_row

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
