"""Blank (or prefilled) input templates, written with XlsxWriter from a rule set (SPEC §2): the workbook and its
hidden _meta sheet here, each visible sheet in its own template_* module."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from selfeval_xl._fs import atomic_write
from selfeval_xl.ooxml.ownership import stamp
from selfeval_xl.outputs import pagesetup as P
from selfeval_xl.outputs.summary_xlsx import close_workbook
from selfeval_xl.outputs.template_data_sheets import budget_sheet, dept_data_sheet, info_sheet
from selfeval_xl.outputs.template_guide import guide_sheet
from selfeval_xl.outputs.template_indicators import indicators_sheet
from selfeval_xl.outputs.template_style import FONT, Formats
from selfeval_xl.reading import contract as L
from selfeval_xl.rules.ruleset import RuleSet

if TYPE_CHECKING:
    import xlsxwriter

TEMPLATE_VERSION = "1"


def generate_template(
    path: Path | str,
    rules: RuleSet,
    prefill: Mapping[str, Any] | None = None,
) -> Path:
    """Write a template for ``rules.kind`` to ``path`` (atomically); ``prefill`` fills
    基本信息 values by label."""
    path = Path(path)
    values = {L.INFO_KIND: rules.kind, L.INFO_AMOUNT_UNIT: "万元", **(prefill or {})}

    def write(tmp: Path) -> None:
        _write(tmp, rules, values)
        stamp(tmp)  # ours until someone saves it: then never replaced (ownership)

    atomic_write(path, write)
    return path


def _write(tmp: Path, rules: RuleSet, values: Mapping[str, Any]) -> None:
    import xlsxwriter  # loads on first use, not with the command line

    wb = xlsxwriter.Workbook(
        str(tmp),
        {
            "default_format_properties": FONT,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    f = Formats(wb)
    unit, project = values.get(L.INFO_UNIT), values.get(L.INFO_PROJECT)
    whose = (str(unit or ""), str(project or "")) if unit else (f"预算绩效自评表（{rules.kind}）",)
    guide_sheet(wb, f, rules)
    info_sheet(wb, f, rules, values)
    budget_sheet(wb, f)
    if rules.data_items:
        dept_data_sheet(wb, f, rules)
    indicators_sheet(wb, f, rules)
    for ws in wb.worksheets():
        # a blank template does not know its unit yet: its file name (&F) stands in for it
        ws.set_footer(P.footer_text(*whose, ws.name, codes="" if unit else "&F"), {"margin": P.MARGIN_HF})
    _meta(wb, f, rules)
    close_workbook(wb)  # a full disk: the OSError, not XlsxWriter's wrapper


def _meta(wb: xlsxwriter.Workbook, f: Formats, rules: RuleSet) -> None:
    ws = wb.add_worksheet(L.SHEET_META)
    rows = (
        ("ruleset_id", rules.id),
        ("ruleset_name", rules.name),
        ("ruleset_version", rules.version),
        ("kind", rules.kind),
        ("template_version", TEMPLATE_VERSION),
        ("common_fingerprint", rules.fingerprint),
    )
    for i, (k, v) in enumerate(rows):
        ws.write_string(i, 0, k)
        ws.write_string(i, 1, v)
    ws.hide()
