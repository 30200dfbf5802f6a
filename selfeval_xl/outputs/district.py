"""The district-level report drafted from a summary workbook (汇总.xlsx, SPEC §4.2): grade
distribution, the lowest 预算执行率, where 申报 and 核定 differ most, the most common problems.
Reads only our own summary's sheets and headers (``layout``)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl

from selfeval_xl.errors import problem_title
from selfeval_xl.outputs.charts import BAR_COLORS, bar_chart, hbar_chart
from selfeval_xl.outputs.district_review import heading, previous_blocks, review_blocks
from selfeval_xl.outputs.report import Block, todo
from selfeval_xl.reading import contract as L
from selfeval_xl.scoring.rounding import fmt_num, fmt_pct, round_half_up
from selfeval_xl.scoring.verdict import BLANK, FINAL, NEEDS_CORRECTION, NEEDS_REVIEW, REVIEWED, STATUS_ZH

RANKED_ZH = {STATUS_ZH[FINAL], STATUS_ZH[REVIEWED]}

TOP = 5


def _table(path: Path, sheet: str) -> list[dict[str, Any]]:
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        if sheet not in wb.sheetnames:
            return []
        rows = list(wb[sheet].iter_rows(values_only=True))
    finally:
        wb.close()
    if not rows:
        return []
    header = [str(h) if h is not None else "" for h in rows[0]]
    return [
        # 单位编码 (the first column) is often blank: a standard form has none
        dict(zip(header, r, strict=False))
        for r in rows[1:]
        if r and any(v is not None for v in r)
    ]


def _name(r: dict[str, Any]) -> str:
    unit, project = r.get("单位名称") or "", r.get("项目名称") or ""
    return f"{unit}（{project}）" if project else str(unit)


def _short(text: str, n: int = 16) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _status(r: dict[str, Any]) -> str:
    """The 状态 of a 汇总 row (a summary made before statuses existed: 已评分)."""
    return str(r.get(L.R_STATUS) or STATUS_ZH[FINAL])


def _final(r: dict[str, Any]) -> float:
    reviewed = r.get(L.R_REVIEWED_TOTAL)
    return reviewed if isinstance(reviewed, int | float) else r["核定总分"]


def _amount(x: Any) -> str:
    """万元 with two decimals and thousands separators (0.9034 → 0.90)."""
    return f"{round_half_up(float(x), 2):,.2f}" if isinstance(x, int | float) else ""


def draft_district(summary: Path) -> list[Block]:
    every = [r for r in _table(summary, L.S_SUMMARY) if r.get("文件")]
    # graded and ranked files carry the figures; the others are listed apart (SPEC §3.12)
    rows = [r for r in every if _status(r) in RANKED_ZH and isinstance(r.get("核定总分"), int | float)]
    waiting = [r for r in every if r not in rows]
    problems = _table(summary, L.S_PROBLEMS)
    unscored = _table(summary, L.S_UNSCORED)
    years = sorted({r["评价年度"] for r in every if r.get("评价年度")})
    year = "、".join(str(y) for y in years) if years else todo("年度")
    out = [Block("title", f"{year}年度预算绩效自评结果汇总报告")]

    out.append(Block("h1", "一、总体情况"))
    kinds = Counter(r.get("评价类型") or "未注明" for r in rows)
    mean = sum(_final(r) for r in rows) / len(rows) if rows else 0
    statuses = Counter(_status(r) for r in every)
    others = [
        f"{zh} {statuses[zh]} 份"
        for zh in (STATUS_ZH[NEEDS_REVIEW], STATUS_ZH[NEEDS_CORRECTION], STATUS_ZH[BLANK])
        if statuses[zh]
    ]
    out.append(
        Block(
            "p",
            f"本次共收到文件 {len(every) + len(unscored)} 份，已评定等级 {len(rows)} 份"
            + (f"（{'，'.join(f'{k} {n} 份' for k, n in kinds.items())}）" if rows else "")
            + (f"，{'、'.join(others)}（暂不评定等级、不排名，见第六部分）" if others else "")
            + f"，未能评分 {len(unscored)} 份。已评定等级的平均得分 {fmt_num(round(mean, 2))} 分。"
            f"数据来源：{summary.name}。",
        )
    )
    out.append(
        Block(
            "table",
            headers=("状态", "数量"),
            rows=[(zh, str(statuses[zh])) for zh in STATUS_ZH.values() if statuses[zh]]
            + ([("未能评分", str(len(unscored)))] if unscored else []),
        )
    )
    out.append(Block("p", todo("本次自评工作的组织和复核情况")))

    out.append(Block("h1", "二、等级分布"))
    grades = Counter(r.get("等级") for r in rows)
    order = sorted(grades, key=lambda g: -max((_final(r) for r in rows if r.get("等级") == g), default=0))
    out.append(
        Block(
            "table",
            headers=("等级", "数量", "占比"),
            rows=[(str(g), str(grades[g]), fmt_pct(grades[g] / len(rows) * 100)) for g in order]
            + [("合计", str(len(rows)), "100.00%" if rows else "")],
        )
    )

    if rows:
        colors = [BAR_COLORS[min(i, len(BAR_COLORS) - 1)] for i in range(len(order))]
        png = bar_chart([str(g) for g in order], [grades[g] for g in order], "等级分布", "单位数", colors)
        out.append(Block("image", "图1 等级分布", data=png))

    out.append(Block("h1", "三、预算执行率最低的单位"))
    with_rate = sorted((r for r in rows if isinstance(r.get("预算执行率"), int | float)), key=lambda r: r["预算执行率"])
    if with_rate:
        worst = with_rate[:TOP]
        png = hbar_chart(
            [_short(_name(r)) for r in worst],
            [r["预算执行率"] * 100 for r in worst],
            "预算执行率最低的单位",
            "预算执行率（%）",
        )
        out.append(Block("image", "图2 预算执行率最低的单位", data=png))
    out.append(
        Block(
            "table",
            headers=("单位（项目）", "全年预算数(万元)", "全年执行数(万元)", "预算执行率", "核定总分"),
            widths=(6.2, 2.6, 2.6, 2.2, 2.0),
            rows=[
                (
                    _name(r),
                    _amount(r.get("全年预算数(万元)")),
                    _amount(r.get("全年执行数(万元)")),
                    fmt_pct(r["预算执行率"] * 100),
                    fmt_num(r["核定总分"]),
                )
                for r in with_rate[:TOP]
            ],
        )
    )

    out.append(Block("h1", "四、申报得分与核定得分差异最大的单位"))
    diffs = sorted(
        (r for r in rows if isinstance(r.get("得分差异"), int | float) and r["得分差异"]),
        key=lambda r: -abs(r["得分差异"]),
    )
    if diffs:
        out.append(
            Block(
                "table",
                headers=("单位（项目）", "申报总分", "核定总分", "差异", "核定等级"),
                widths=(7.6, 2.0, 2.0, 2.0, 2.0),
                rows=[
                    (
                        _name(r),
                        fmt_num(r.get("申报总分")),
                        fmt_num(r["核定总分"]),
                        fmt_num(r["得分差异"]),
                        str(r.get("等级")),
                    )
                    for r in diffs[:TOP]
                ],
            )
        )
    else:
        out.append(Block("p", "各单位申报总分与核定总分一致（或未填写申报总分）。"))

    n = 5  # the sections on 复核 and on last year appear only when the summary has their columns
    for section in (review_blocks, previous_blocks):
        blocks = section(rows, n)
        out += blocks
        n += bool(blocks)
    out.append(heading(n, "常见问题"))
    by_code = Counter(p.get("代码") for p in problems)
    files = {code: len({p.get("文件") for p in problems if p.get("代码") == code}) for code in by_code}
    example = {p.get("代码"): p.get("说明") for p in reversed(problems)}
    out.append(
        Block(
            "table",
            headers=("问题", "次数", "涉及文件", "示例"),
            widths=(4.4, 1.4, 2.0, 7.8),
            rows=[
                (problem_title(str(code)), str(n), str(files[code]), str(example[code]))
                for code, n in by_code.most_common(8)
            ],
        )
    )
    out.append(Block("p", todo("对共性问题的分析和整改要求")))

    if waiting or unscored:
        out.append(heading(n + 1, "待复核、待更正、未填写和未能评分的文件"))
        for zh, what in (
            (STATUS_ZH[NEEDS_REVIEW], "有指标需人工判断，复核后定级"),
            (STATUS_ZH[NEEDS_CORRECTION], "有错误，退回单位更正后重新评分"),
            (STATUS_ZH[BLANK], "未填写实际完成情况"),
        ):
            group = [r for r in waiting if _status(r) == zh]
            if group:
                out.append(Block("p", f"{zh} {len(group)} 份（{what}）："))
                out += [
                    Block(
                        "bullet",
                        f"{_name(r)}（{r.get('文件')}）：错误 {r.get('错误数') or 0} 个，警告 {r.get('警告数') or 0} 个",
                    )
                    for r in group
                ]
        if unscored:
            out.append(Block("p", f"未能评分 {len(unscored)} 份："))
            out += [Block("bullet", f"{u.get('文件')}：{u.get('原因')}") for u in unscored]
    return out
