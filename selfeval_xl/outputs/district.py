"""The district-level report drafted from a summary workbook (汇总.xlsx, SPEC §4.2): grade
distribution, the lowest 预算执行率, where 申报 and 核定 differ most, the most common problems.
Reads only our own summary's sheets and headers (``layout``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from selfeval_xl.errors import problem_title
from selfeval_xl.outputs import district_tables as T
from selfeval_xl.outputs.charts import BAR_COLORS, bar_chart, hbar_chart
from selfeval_xl.outputs.district_review import heading, previous_blocks, review_blocks
from selfeval_xl.outputs.district_tables import namer, with_file
from selfeval_xl.outputs.report import Block, numeral, todo
from selfeval_xl.reading import contract as L
from selfeval_xl.reading.summary_table import year_text
from selfeval_xl.rounding import fmt_num, fmt_pct, fmt_score, round_half_up
from selfeval_xl.scoring.verdict import BLANK, NEEDS_CORRECTION, NEEDS_REVIEW, STATUS_ZH

TOP = 5


def _short(text: str, n: int = 16) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _amount(x: Any) -> str:
    """万元 with two decimals and thousands separators (0.9034 → 0.90)."""
    return f"{round_half_up(float(x), 2):,.2f}" if isinstance(x, int | float) else ""


def draft_district(summary: Path) -> list[Block]:
    f = T.load(summary)
    rows, waiting = T.records(f.ranked), T.records(f.waiting)
    unscored = T.records(f.unscored)
    name = namer(T.records(f.every))  # 单位（项目）, and the file where two rows share that
    years = sorted({y for v in f.every.get("评价年度", []) if (y := year_text(v))})
    year = "、".join(years) if years else todo("年度")
    out = [Block("title", f"{year}年度预算绩效自评结果汇总报告")]
    # the sections on 复核 and on last year appear only when the summary has their columns: the
    # numbers of those after them (named in the first paragraph) follow from that
    n = 5
    later: list[Block] = []
    for section in (review_blocks, previous_blocks):
        blocks = section(rows, n, name)
        later += blocks
        n += bool(blocks)

    out.append(Block("h1", "一、总体情况"))
    kinds = T.kind_counts(f)
    mean = f.ranked["final"].mean() if rows else 0
    statuses = T.status_counts(f)
    others = [
        f"{zh}{statuses[zh]}份"
        for zh in (STATUS_ZH[NEEDS_REVIEW], STATUS_ZH[NEEDS_CORRECTION], STATUS_ZH[BLANK])
        if statuses.get(zh, 0)
    ]
    out.append(
        Block(
            "p",
            f"本次共收到文件{len(f.every) + len(unscored)}份，已评定等级{len(rows)}份"
            + (f"（{'，'.join(f'{k}{n}份' for k, n in kinds.items())}）" if rows else "")
            + (f"，{'、'.join(others)}（暂无正式等级、不排名，见第{numeral(n + 1)}部分）" if others else "")
            + f"，未能评分{len(unscored)}份。已评定等级的平均得分{fmt_num(round_half_up(mean))}分。"
            f"数据来源：{summary.name}。",
        )
    )
    status_rows: list[tuple[str, ...]] = [(str(zh), str(n)) for zh, n in statuses.items()]
    if unscored:
        status_rows.append(("未能评分", str(len(unscored))))
    # as the 等级 table: the counts add up to the files received (the first paragraph's 共收到)
    status_rows.append(("合计", str(sum(int(n) for _, n in status_rows))))
    out.append(Block("table", headers=("状态", "数量"), rows=status_rows))
    if "单位名称" not in f.every.columns:  # (deleted from 汇总: the file names stand in)
        out.append(Block("p", todo("单位名称（汇总表的“汇总”工作表中没有“单位名称”列，下文以文件名称代替单位名称）")))
    out.append(Block("p", todo("本次自评工作的组织和复核情况")))

    out.append(Block("h1", "二、等级分布"))
    grades = T.grade_table(f)
    grade_rows: list[tuple[str, ...]] = [
        (str(g), str(int(r["数量"])), fmt_pct(r["占比"])) for g, r in grades.iterrows()
    ]
    grade_rows.append(("合计", str(len(rows)), "100.00%" if rows else ""))
    out.append(Block("table", headers=("等级", "数量", "占比"), rows=grade_rows))
    if rows:
        colors = [BAR_COLORS[min(i, len(BAR_COLORS) - 1)] for i in range(len(grades))]
        png = bar_chart([str(g) for g in grades.index], list(grades["数量"]), "等级分布", "单位数", colors)
        out.append(Block("image", "图1 等级分布", data=png))
    out += _by_kind(f) + _by_level1(f)

    out.append(Block("h1", "三、预算执行率最低的单位"))
    with_rate = T.records(T.lowest_rate(f, TOP))
    if with_rate:
        worst = with_rate[:TOP]
        png = hbar_chart(
            [_short(name(r)) for r in worst],
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
                    name(r),
                    _amount(r.get("全年预算数(万元)")),
                    _amount(r.get("全年执行数(万元)")),
                    fmt_pct(r["预算执行率"] * 100),
                    fmt_score(r["核定总分"]),
                )
                for r in with_rate[:TOP]
            ],
        )
    )

    out.append(Block("h1", "四、申报得分与核定得分差异最大的单位"))
    diffs = T.records(T.biggest_diffs(f, TOP))
    if diffs:
        out.append(
            Block(
                "table",
                # 等级 as 汇总 gives it: by the 复核总分 once reviewed, so not headed 核定等级
                headers=("单位（项目）", "申报总分", "核定总分", "差异", "等级"),
                widths=(7.6, 2.0, 2.0, 2.0, 2.0),
                rows=[
                    (
                        name(r),
                        fmt_score(r.get("申报总分")),
                        fmt_score(r["核定总分"]),
                        fmt_score(r["得分差异"]),
                        str(r.get("等级")),
                    )
                    for r in diffs[:TOP]
                ],
            )
        )
    else:
        out.append(Block("p", "各单位申报总分与核定总分一致（或未填写申报总分）。"))

    out += later
    out.append(heading(n, "常见问题"))
    common = T.common_problems(f, 8)
    out.append(
        Block(
            "table",
            headers=("问题", "次数", "涉及文件", "示例"),
            widths=(4.4, 1.4, 2.0, 7.8),
            rows=[
                (problem_title(str(code)), str(r["次数"]), str(r["涉及文件"]), str(r["示例"]))
                for code, r in common.iterrows()
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
            group = [r for r in waiting if r.get(L.R_STATUS) == zh]
            if zh == STATUS_ZH[NEEDS_CORRECTION]:  # those whose only errors are a reviewer's come apart
                reviewers = T.reviewer_only_errors(f)
                theirs = [r for r in group if r.get("文件") in reviewers]
                group = [r for r in group if r.get("文件") not in reviewers]
                if theirs:
                    out.append(
                        Block("p", f"{zh}{len(theirs)}份（复核得分填写有误，由复核人员改正后重新评分，不必退回单位）：")
                    )
                    out += [
                        Block(
                            "bullet",
                            f"{with_file(r)}：错误{r.get('错误数') or 0}个，警告{r.get('警告数') or 0}个",
                        )
                        for r in theirs
                    ]
            if group:
                out.append(Block("p", f"{zh}{len(group)}份（{what}）："))
                out += [
                    Block(
                        "bullet",
                        f"{with_file(r)}：错误{r.get('错误数') or 0}个，警告{r.get('警告数') or 0}个",
                    )
                    for r in group
                ]
        if unscored:
            out.append(Block("p", f"未能评分{len(unscored)}份："))
            out += [Block("bullet", f"{u.get('文件')}：{u.get('原因')}") for u in unscored]
    return out


def _by_kind(f: T.DistrictFrames) -> list[Block]:
    """等级 by 评价类型, when the batch holds more than one kind (项目支出 and 部门整体支出)."""
    table = T.kind_grades(f)
    if len(table) < 2:
        return []
    return [
        Block("p", "按评价类型："),
        Block(
            "table",
            headers=("评价类型", *(str(g) for g in table.columns), "合计"),
            widths=(3.6, *[round(12.0 / (len(table.columns) + 1), 2)] * (len(table.columns) + 1)),
            rows=[(str(k), *(str(n) for n in r), str(r.sum())) for k, r in table.iterrows()],
        ),
    ]


def _by_level1(f: T.DistrictFrames) -> list[Block]:
    """得分率 per 一级指标 over the graded files: where the district loses its points."""
    table = T.level1_rates(f)
    gap = (
        [
            Block(
                "p",
                todo(
                    f"各一级指标的得分率只计入了汇总表“{L.S_DETAIL}”工作表中的指标：超出 Excel 行数上限的指标在"
                    f" {f.spill_name} 中，但{f.detail_gap}，这部分指标未计入；请把评分时与汇总表一同写出的"
                    f" {f.spill_name} 原样放在汇总表旁后重新起草"
                ),
            )
        ]
        if f.detail_gap
        else []
    )
    if table.empty:
        why = T.level1_unsaid(f)
        return (
            [Block("p", todo(f"各一级指标的得分率（{why}，无法计算；请恢复后重新起草，或重新评分生成汇总表）"))]
            if why
            else []
        ) + gap
    weakest, lowest = table["得分率"].idxmin(), float(table["得分率"].min())
    return gap + [
        Block(
            "p",
            f"各一级指标的得分率（已评定等级文件的核定得分合计 ÷ 分值合计）如下，得分率最低的是{weakest}"
            f"（{fmt_pct(lowest)}）。",
        ),
        Block(
            "table",
            headers=("一级指标", "指标数", "分值合计", "核定得分合计", "得分率", "未得满分的指标"),
            widths=(3.4, 1.8, 2.4, 2.8, 2.2, 3.0),
            rows=[
                (
                    str(name),
                    str(int(r["指标数"])),
                    fmt_score(r["分值"]),
                    fmt_score(r["核定得分"]),
                    fmt_pct(r["得分率"]),
                    str(int(r["未满分"])),
                )
                for name, r in table.iterrows()
            ],
        ),
    ]
