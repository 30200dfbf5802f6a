"""Write the official single-sheet 项目支出绩效自评表 (财预〔2020〕10号 附件) the way units send
it — merged header cells, the 项目资金 block, the 绩效指标 table with merged 一级/二级 cells and
总分 — from a ``sample_data.FORM_SAMPLES`` entry, for ``samples/`` (SPEC §7). It prints on
one A4 page wide like every sheet selfeval writes (SPEC §4.5)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from selfeval_xl.outputs import pagesetup as P

COLS = "ABCDEFGHI"
INDICATOR_HEADS = (
    "一级指标",
    "二级指标",
    "三级指标",
    "年度指标值",
    "实际完成值",
    "分值",
    "得分",
    "偏差原因分析及改进措施",
)
BUDGET_HEADS = ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分")
BUDGET_LABELS = (
    ("年度资金总额", "年度资金总额"),
    ("其中：当年财政拨款", "当年财政拨款"),
    ("上年结转资金", "上年结转资金"),
    ("其他资金", "其他资金"),
)


def write_form(path: Path, s: dict[str, Any]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert isinstance(ws, Worksheet)  # a new workbook's one sheet (typed as "maybe a chartsheet, maybe none")
    ws.title = "项目支出绩效自评表"
    put = _Putter(ws)
    put("A1", "项目支出绩效自评表", merge="A1:I1", font=Font(name="宋体", size=16, bold=True), center=True)
    put("A2", f"（{s['year']}年度）", merge="A2:I2", center=True)
    put("A3", "项目名称", merge="A3:B3")
    put("C3", s["project"], merge="C3:I3")
    put("A4", "主管部门", merge="A4:B4")
    put("C4", s["parent"], merge="C4:E4")
    put("F4", "实施单位")
    put("G4", s["unit"], merge="G4:I4")
    put("A5", f"项目资金（{s['amount_unit']}）", merge="A5:B9", center=True)
    for col, h in zip("DEFGHI", BUDGET_HEADS, strict=True):
        put(f"{col}5", h, center=True)
    for r, (label, key) in enumerate(BUDGET_LABELS, start=6):
        put(f"C{r}", label)
        for col, v in zip("DEF", s["budget"].get(key, (None, None, None)), strict=True):
            put(f"{col}{r}", v)
    put("G6", s["budget_score"][0])
    put("I6", s["budget_score"][1])
    put("A10", "年度总体目标", merge="A10:A11", center=True)
    put("B10", "预期目标", merge="B10:E10", center=True)
    put("F10", "实际完成情况", merge="F10:I10", center=True)
    put("B11", s["goal"], merge="B11:E11")
    put("F11", s["achieved"], merge="F11:I11")
    for col, h in zip(COLS[1:], INDICATOR_HEADS, strict=True):
        put(f"{col}12", h, center=True)
    r = 13
    for l1, l2, name, target, actual, points, score in s["rows"]:
        for col, v in zip(COLS[1:], (l1, l2, name, target, actual, points, score, None), strict=True):
            put(f"{col}{r}", v)
        r += 1
    last = r - 1
    put("A12", "绩效指标", merge=f"A12:A{last}", center=True)
    for col in "BC":  # equal neighbours merged, as printed
        start = 13
        for rr in range(14, last + 2):
            if rr > last or ws[f"{col}{rr}"].value != ws[f"{col}{start}"].value:
                if rr - 1 > start:
                    for k in range(start + 1, rr):
                        ws[f"{col}{k}"].value = None
                    ws.merge_cells(f"{col}{start}:{col}{rr - 1}")
                start = rr
    put(f"A{r}", "总分", merge=f"A{r}:F{r}", center=True)
    put(f"G{r}", 100)
    put(f"H{r}", s["total"])
    put(f"I{r}", None)
    _lay_out(ws, r)
    wb.save(path)
    return path


class _Putter:
    """Values with the form's thin grid and wrapping, merges drawn whole."""

    side = Side(style="thin")

    def __init__(self, ws: Worksheet):
        self.ws = ws

    def __call__(self, ref: str, value: Any, merge: str | None = None, font: Font | None = None, center: bool = False):
        ws = self.ws
        ws[ref] = value
        if isinstance(value, str) and value.startswith("="):
            ws[ref].data_type = "s"  # "=8个" as typed into the form is text, not a formula
        cells = ws[merge] if merge else ((ws[ref],),)
        for row in cells:
            for cell in row:
                cell.border = Border(left=self.side, right=self.side, top=self.side, bottom=self.side)
                cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center" if center else "left")
                cell.font = font or Font(name="宋体", size=11)
        if merge:
            ws.merge_cells(merge)


def _lay_out(ws: Worksheet, last: int) -> None:
    """Widths from the texts, heights for wrapped cells (merged cells never grow by
    themselves), A4 portrait one page wide, the footer naming unit and project."""
    widths = {c: 10.0 if c == "A" else 6.0 for c in COLS}
    for row in ws.iter_rows(min_row=5, max_row=last):
        for cell in row:
            if cell.value is not None and cell.coordinate not in ws.merged_cells:
                w = min(P.text_width(cell.value) + P.PAD, 24)
                widths[cell.column_letter] = max(widths[cell.column_letter], w)
    for c, width in widths.items():
        ws.column_dimensions[c].width = width
    spans = {}
    for m in ws.merged_cells.ranges:
        spans[(m.min_row, m.min_col)] = sum(widths[COLS[c - 1]] for c in range(m.min_col, m.max_col + 1))
    for r in range(1, last + 1):
        lines = 1
        for cell in ws[r]:
            if cell.value is None:
                continue
            width = spans.get((r, cell.column), widths[cell.column_letter])
            lines = max(lines, P.lines_needed(cell.value, width))
        ws.row_dimensions[r].height = P.row_height(lines, 16 if r == 1 else P.FONT_PT)
    plan = P.plan_page(list(widths.values()))
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = plan.orientation
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.print_title_rows = "12:12"
    ws.page_margins.left = ws.page_margins.right = P.MARGIN_LR
    footer = ws.oddFooter
    assert footer is not None  # a sheet's footer items always exist; openpyxl's attribute merely allows None
    footer.left.text = f"{ws['G4'].value}  {ws['C3'].value}"
    footer.right.text = "第 &P 页 共 &N 页"
