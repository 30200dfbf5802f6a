"""Build the official single-sheet 项目支出绩效自评表 (财预〔2020〕10号 附件) the ways departments
really type it: merged 一级/二级 cells, optional 指标性质 and 度量单位 columns, a 总分 row or not,
``=100%`` typed as text or (as Excel takes it in a General cell) as a formula, numbers stored
with a percent format. Used by test_realforms_typed.py."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl

from selfeval_xl.outputs.fill import put


@dataclass
class Typed:
    """A cell typed a particular way: ``formula`` keeps a leading ``=`` as Excel does in a General
    cell (a formula with no cached value until an office suite re-saves it); ``fmt`` is the number
    format (``0%``: 1 shown as 100%)."""

    value: Any
    fmt: str | None = None
    formula: bool = False


@dataclass
class PrintedLine:
    """One line of the 项目资金 block as a form prints it: its label (``其中：本年财政拨款``,
    ``总额``, ``地方资金``), its 年初预算数 / 全年预算数 / 全年执行数 and the 执行率 it prints (a
    ``Typed`` number shown as a percentage, or text such as ``31.00%``; None: left blank)."""

    label: str
    amounts: tuple
    rate: Any = None


def _write(cell, v: Any) -> None:
    if isinstance(v, Typed):
        if v.formula:
            cell.value = v.value  # openpyxl stores "=..." as a formula, no cached value
        else:
            put(cell, v.value)
        if v.fmt:
            cell.number_format = v.fmt
    else:
        put(cell, v)


def build_official(
    path: Path,
    rows: list[dict[str, Any]],
    budget: dict[str, tuple] | list[PrintedLine],
    *,
    budget_score: tuple[Any, Any] = (10, None),
    total: Any = "absent",
    unit: str = "万元",
    project: str = "项目",
    parent: str = "主管部门",
    agency: str | None = None,
    year: int = 2022,
    nature_column: bool = False,
    unit_column: bool = False,
    merge: bool = True,
) -> Path:
    """``rows``: dicts with l1, l2, name, target, actual, points, score, and optional reason,
    nature (指标性质), unit (度量单位). ``budget``: amounts by our 资金类别 (printed under our
    labels), or the lines as a form prints them (``PrintedLine``: its own labels, in its order,
    with the 执行率 it prints). ``total``: "absent" (no 总分 row), None (row, blank), or the
    claimed total."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "自评表"
    ws["A1"] = "项目支出绩效自评表"
    ws["A2"] = f"（{year}年度）"
    ws["A3"], ws["C3"] = "项目名称", project
    ws["A4"], ws["C4"], ws["F4"], ws["G4"] = "主管部门", parent, "实施单位", agency or parent
    ws["A5"] = f"项目资金（{unit}）"
    if merge:
        for rng in ("A1:I1", "A2:I2", "A3:B3", "C3:I3", "A4:B4", "C4:E4", "G4:I4", "A5:B9"):
            ws.merge_cells(rng)
    for col, h in zip("DEFGHI", ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"), strict=True):
        ws[f"{col}5"] = h
    if isinstance(budget, dict):
        labels = ("年度资金总额", "其中：当年财政拨款", "上年结转资金", "其他资金")
        keys = ("年度资金总额", "当年财政拨款", "上年结转资金", "其他资金")
        lines = [
            PrintedLine(label, budget.get(key, (None, None, None))) for label, key in zip(labels, keys, strict=True)
        ]
    else:
        lines = budget
    assert len(lines) <= 4, "the official block has four lines (rows 6-9)"
    for r, line in enumerate(lines, start=6):
        ws[f"C{r}"] = line.label
        for col, v in zip("DEF", line.amounts, strict=True):
            _write(ws[f"{col}{r}"], v)
        if line.rate is not None:
            _write(ws[f"H{r}"], line.rate)
    _write(ws["G6"], budget_score[0])
    _write(ws["I6"], budget_score[1])
    ws["A10"], ws["B10"], ws["F10"] = "年度总体目标", "预期目标", "实际完成情况"
    ws["B11"], ws["F11"] = "按计划完成项目建设任务，发挥资金效益。", "已按计划完成，资金效益良好。"
    ws["A12"] = "绩效指标"
    heads = ["一级指标", "二级指标", "三级指标"]
    keys_ = ["l1", "l2", "name"]
    if nature_column:
        heads.append("指标性质")
        keys_.append("nature")
    heads.append("年度指标值")
    keys_.append("target")
    if unit_column:
        heads.append("度量单位")
        keys_.append("unit")
    heads += ["实际完成值", "分值", "得分", "偏差原因分析及改进措施"]
    keys_ += ["actual", "points", "score", "reason"]
    cols = [openpyxl.utils.get_column_letter(i) for i in range(2, 2 + len(heads))]
    for col, h in zip(cols, heads, strict=True):
        ws[f"{col}12"] = h
    r = 13
    start = {"B": r, "C": r}
    prev: dict[str, Any] = {"B": None, "C": None}
    for i, spec in enumerate(rows):
        for col, key in (("B", "l1"), ("C", "l2")):
            v = spec.get(key)
            if not merge:
                ws[f"{col}{r}"] = v
                continue
            if v != prev[col]:
                if prev[col] is not None and r - 1 > start[col]:
                    ws.merge_cells(f"{col}{start[col]}:{col}{r - 1}")
                ws[f"{col}{r}"] = v
                start[col], prev[col] = r, v
        for col, key in zip(cols[2:], keys_[2:], strict=True):
            _write(ws[f"{col}{r}"], spec.get(key))
        r += 1
        if merge and i == len(rows) - 1:
            for col in "BC":
                if r - 1 > start[col]:
                    ws.merge_cells(f"{col}{start[col]}:{col}{r - 1}")
    if merge:
        ws.merge_cells(f"A12:A{r - 1}")
    if total != "absent":
        points_col, score_col = cols[heads.index("分值")], cols[heads.index("得分")]
        ws[f"A{r}"] = "总分"
        ws[f"{points_col}{r}"] = 100
        _write(ws[f"{score_col}{r}"], total)
    wb.save(path)
    return path


REAL_FORMS = Path(__file__).resolve().parent / "real_forms"


def _budget_key(name: str) -> str:
    if "总额" in name:
        return "年度资金总额"
    if "财政" in name:
        return "当年财政拨款"
    return "上年结转资金" if "结转" in name else "其他资金"


def real_form_rows(form: dict[str, Any]) -> list[dict[str, Any]]:
    """The published indicator rows, as printed: cut-off rows (``…(truncated)``) left out."""
    out = []
    for i in form["indicators"]:
        if "truncated" in str(i["name"]) or "truncated" in str(i.get("actual")):
            continue
        name = "/" if str(i["name"]).startswith("/") else i["name"]
        out.append(
            dict(
                l1=i["level1"],
                l2=i["level2"],
                name=name,
                target=i["target"],
                actual=i["actual"],
                points=i["points"],
                score=i["score"],
                reason=i.get("deviation_note"),
            )
        )
    return out


def real_form_budget(form: dict[str, Any]) -> dict[str, tuple]:
    """The 项目资金 block by category; a form that prints no 总额 line (云南: 中央转移支付, 省级配套)
    gets its published totals on the 年度资金总额 line and its parts on the lines below, in order."""
    b = form["budget"]
    rows = b.get("rows") or [{"name": "年度资金总额", **b}]
    out: dict[str, tuple] = {}
    if not any("总额" in r["name"] for r in rows):
        out["年度资金总额"] = (b.get("initial"), b.get("adjusted"), b.get("executed"))
        for key, r in zip(("当年财政拨款", "其他资金"), rows, strict=False):
            out[key] = (r.get("initial"), r.get("adjusted"), r.get("executed"))
        return out
    for r in rows:
        key = _budget_key(r["name"])
        if key not in out:
            out[key] = (r.get("initial"), r.get("adjusted"), r.get("executed"))
    return out


def _printed_rate(line: dict[str, Any]) -> Any:
    """The 执行率 a 项目资金 line prints: the text transcribed (``31.00%``), else the rate as a
    number shown as a percentage (0.4517 → 45.17%); None when the form prints none."""
    if line.get("rate_published") is not None:
        return line["rate_published"]
    rate = line.get("rate")
    return None if rate is None else Typed(rate, "0.00%")


def real_form_budget_lines(form: dict[str, Any]) -> list[PrintedLine]:
    """The 项目资金 block as the form prints it: each line under its own label (其中：本年财政拨款,
    总额, 财政专户管理资金, 地方资金), in its order, with the 执行率 it prints. A form that prints
    no 总额 line (云南: 中央转移支付, 省级配套) gets its published totals on a 年度资金总额 line
    above its own lines (the official sheet has one)."""
    b = form["budget"]
    rows = b.get("rows") or [{"name": "年度资金总额", **b}]
    amounts = lambda r: (r.get("initial"), r.get("adjusted"), r.get("executed"))  # noqa: E731
    lines = [PrintedLine(r["name"], amounts(r), _printed_rate(r)) for r in rows]
    if not any("总额" in r["name"] for r in rows):
        lines.insert(0, PrintedLine("年度资金总额", amounts(b), _printed_rate(b)))
    return lines


def build_real_form(path: Path, form: dict[str, Any], rows: list[dict[str, Any]] | None = None) -> Path:
    """A published form on the official sheet as printed: its own 项目资金 lines (labels, amounts,
    执行率), 分值/得分 and 总分."""
    b = form["budget"]
    return build_official(
        path,
        real_form_rows(form) if rows is None else rows,
        real_form_budget_lines(form),
        budget_score=(b.get("points"), b.get("score")),
        total=form.get("total_score"),
        unit=b.get("unit") or "万元",
        project=form["title"][:40],
        parent=form["unit"],
        agency=form["unit"],
        year=form["year"],
    )


def three_rows() -> list[dict]:
    """A small form's indicator rows, all met: 产出 50 + 效益 30 + 满意度 10 = 90 points (the
    预算执行率 line's 10 makes 100), as fresh dicts a test may change."""
    return [
        dict(l1="产出指标", l2="数量指标", name="新建道路里程", target="≥10公里", actual="10公里", points=50, score=50),
        dict(
            l1="效益指标",
            l2="社会效益指标",
            name="出行条件改善",
            target="达成年度指标",
            actual="达成年度指标",
            points=30,
            score=30,
        ),
        dict(
            l1="满意度指标",
            l2="服务对象满意度指标",
            name="群众满意度",
            target="≥90%",
            actual="96%",
            points=10,
            score=10,
        ),
    ]
