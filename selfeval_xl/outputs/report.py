"""A drafted 自评报告 for one scored workbook, in the seed report's section structure
(../shared/seed): every figure comes from the workbook and names its cell — in a closing
table 附：数据来源 (SPEC §4.5), or inline as （绩效指标!H4） with ``inline_cites``; what only
people can write is a clearly marked placeholder. The draft is a list of blocks, rendered to Markdown
here and to .docx by ``report_docx``."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from selfeval_xl.ooxml.grid import split_cell
from selfeval_xl.reading import contract as L
from selfeval_xl.rounding import fmt_num, fmt_pct, fmt_score, round_half_up
from selfeval_xl.rules.common_indicators import budget_item
from selfeval_xl.rules.formula import item_key
from selfeval_xl.scoring.audit import SLIP_CODES, gives_reason
from selfeval_xl.scoring.context import level1_of
from selfeval_xl.scoring.plan import M_NA
from selfeval_xl.scoring.review import brought_back, reviewed_subtotals
from selfeval_xl.scoring.scorecard import Scorecard
from selfeval_xl.scoring.verdict import AWAITING_NOTE, BLANK, NEEDS_CORRECTION, NEEDS_REVIEW, REVIEW_CODE, status_zh

PLACEHOLDER = "【请补充：{}】"
# what the opening sentence cites: the bureau's notice that called for this self-evaluation
NOTICE = "布置本次绩效自评的通知名称，如《××财政局关于开展××年度绩效自评工作的通知》"
CHART_WIDTH_CM = 14.0  # a figure's printed width (charts are drawn that wide, report_docx places them so)


@dataclass
class Block:
    """One piece of the report: a heading (level 0 title, 1, 2), a paragraph, a bullet or a
    table (``rows`` under ``headers``)."""

    kind: str  # title | h1 | h2 | p | bullet | table | image (``data``: PNG, ``text``: caption)
    text: str = ""
    headers: tuple[str, ...] = ()
    rows: Sequence[tuple[str, ...]] = field(default_factory=list)
    widths: tuple[float, ...] = ()  # table column widths in cm (the GB/T 9704 text width is 15.6 cm)
    data: bytes = b""


# what the report says of a row whose lost points follow a probable slip (``SLIP_CODES``), by its
# code; the unit and percent slips share the default
_SLIP_TEXT = {"operator-conflict": "指标性质与指标值中的符号不一致，得分可能按错的规则计算，请先核对更正。"}


def todo(what: str) -> str:
    return PLACEHOLDER.format(what)


SOURCES_TITLE = "附：数据来源"
SOURCES_HEADERS = ("数据", "数值", "工作表", "单元格")


class Cites:
    """Where the figures come from: inline （工作表!单元格） after each, or collected for the
    closing 附：数据来源 table (``inline`` False), each once."""

    def __init__(self, data: Any, inline: bool):
        self.data, self.inline = data, inline
        self.rows: list[tuple[str, str, str, str]] = []

    def __call__(self, what: str, value: object, sheet: str, cell: str | None) -> str:
        if not cell:
            return ""
        name = self.data.sheet(sheet)
        if self.inline:
            return f"（{name}!{cell}）"
        row = (what, _short(str(value)), name, cell)
        if row not in self.rows:
            self.rows.append(row)
        return ""

    def blocks(self) -> list[Block]:
        if self.inline or not self.rows:
            return []
        # the 工作表 column as wide as its longest name on one line (项目支出绩效自评表: 9 × 12 pt =
        # 3.81 cm + 0.38 cm of cell margins), within 2.4–4.6 cm; the 数值 column gives the room
        sheet = min(4.6, max(2.4, round(max(len(r[2]) for r in self.rows) * 12 * 2.54 / 72 + 0.38 + 0.1, 2)))
        widths = (5.0, round(15.6 - 5.0 - sheet - 1.7, 2), sheet, 1.7)
        table = Block("table", headers=SOURCES_HEADERS, rows=list(self.rows), widths=widths)
        return [Block("h1", SOURCES_TITLE), table]


def _short(text: str, n: int = 30) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _money(x: float | None) -> str:
    return "—" if x is None else f"{round_half_up(x, 2):,.2f}"


def _subject(card: Scorecard) -> tuple[str, object, str]:
    data, info = card.data, card.data.info
    unit = info.get(L.INFO_UNIT) or todo("单位名称")
    subject = (
        "部门整体支出"
        if data.kind == L.KIND_DEPARTMENT
        else f"“{quoted(str(info.get(L.INFO_PROJECT) or todo('项目名称')))}”项目支出"
    )
    return unit, data.year or todo("年度"), subject


def draft(card: Scorecard, inline_cites: bool = False) -> list[Block]:
    """The report for ``card`` as blocks, its figures sourced in a closing 附：数据来源 table (or
    inline with ``inline_cites``); for a file that must be corrected or filled first (待更正,
    未填写), what to fix instead (``draft_corrections``)."""
    if card.status in (NEEDS_CORRECTION, BLANK):
        return draft_corrections(card)
    data, rules, info = card.data, card.rules, card.data.info
    cite = Cites(data, inline_cites)
    dept = data.kind == L.KIND_DEPARTMENT
    unit, year, subject = _subject(card)
    out = [Block("title", f"{unit}{year}年度{subject}绩效自评报告")]
    # the opening as such reports have it (the seed: 根据《…通知》要求，我局对2022年度部门整体支出开展了
    # 绩效自评，现将情况汇报如下：); the notice is in no workbook: the one placeholder
    out.append(Block("p", f"根据{todo(NOTICE)}要求，{unit}对{year}年度{subject}开展了绩效自评，现将有关情况报告如下："))

    out.append(Block("h1", "一、基本情况"))
    goal = info.get(L.INFO_GOAL)
    out.append(
        Block(
            "p",
            f"年度总体目标：{goal}{cite(L.INFO_GOAL, goal, L.SHEET_INFO, data.info_cells.get(L.INFO_GOAL))}"
            if goal
            else f"年度总体目标：{todo('年初设定的年度总体目标')}",
        )
    )
    achieved = info.get(L.INFO_ACHIEVED)
    out.append(
        Block(
            "p",
            f"实际完成情况：{achieved}"
            + cite(L.INFO_ACHIEVED, achieved, L.SHEET_INFO, data.info_cells.get(L.INFO_ACHIEVED))
            if achieved
            else f"实际完成情况：{todo('年度总体目标的实际完成情况')}",
        )
    )

    out.append(Block("h1", "二、自评工作组织开展情况"))
    out.append(Block("p", todo("评价组织（领导小组、工作组）、评价方法和工作程序")))

    out.append(Block("h1", "三、综合评价结论"))
    out.append(Block("h2", "（一）得分情况"))
    claim = card.claimed_total
    verdict = (
        f"按“{rules.title}”评分规则核定，{year}年度{subject}绩效自评得分{fmt_num(card.total)}分，"
        + (f"经复核为{fmt_num(card.reviewed_total)}分，" if card.reviewed_total is not None else "")
        + f"等级为“{card.grade}”。"
    )
    if claim is not None:
        diff = round_half_up(claim - card.total)
        claimed_grade = rules.grade(claim)
        # a typed 申报总分 (96.555) as every score in the prose: rounded to 2 decimals, no trailing zeros
        shown = fmt_num(round_half_up(claim))
        if data.info.get(L.INFO_CLAIMED_TOTAL) is not None:
            where = cite(L.INFO_CLAIMED_TOTAL, shown, L.SHEET_INFO, data.info_cells.get(L.INFO_CLAIMED_TOTAL))
            verdict += f"单位申报{shown}分（{claimed_grade}）{where}，"
        else:
            verdict += _summed_claim(card, shown, claimed_grade, cite)
        if abs(diff) <= rules.claim_tolerance:
            verdict += "与核定得分一致。"
        else:
            # the grade goes by the 复核总分 once a reviewer has scored (card.grade is that grade)
            by_review = "复核后" if card.reviewed_total is not None else ""
            holds = (
                f"等级与{by_review or '核定'}{'等级' if by_review else ''}一致"
                if claimed_grade == card.grade
                else f"{by_review}等级应为“{card.grade}”而非“{claimed_grade}”"
            )
            verdict += f"比核定得分{'高' if diff > 0 else '低'}{fmt_num(abs(diff))}分，{holds}。"
        if any(p.code == "claimed-total-sum" for p in card.problems):
            # the unit's own figures disagree (a finding the bureau wants first, SPEC §3.10): the
            # sum as the check took it, Σ of every row's 申报得分
            row_sum = round_half_up(sum(r.claimed for r in card.records if not math.isnan(r.claimed)))
            verdict += f"各行申报得分合计{fmt_num(row_sum)}分，与申报总分不一致。"
    review = [p for p in card.problems if p.code == REVIEW_CODE]
    if review:
        verdict += (
            f"其中{len(review)}项指标的完成程度需复核人员判断（状态：{status_zh(card.status)}），上述得分和等级为暂定。"
        )
    out.append(Block("p", verdict))
    reviewed = card.reviewed_total is not None  # then the tables show the 复核得分 beside the 核定得分
    # the 小计 as 评分结果 shows them: a not-applicable row (left out of the total) in neither its
    # 一级指标's 分值 nor its score, so the rows add up to the applicable 分值 and the score that
    # the rescaled total comes from (83 of 85 → 83 × 100 ÷ 85 = 97.65)
    left_out = [r for r in card.records if r.method == M_NA]
    # a reviewer's score brings a left-out row back into the 复核总分 with its 分值: the 复核 figures
    # then stand on 分值 of their own (复核后分值), so that no 复核后得分 exceeds its 分值
    back = brought_back(card.records) if reviewed else []
    after = reviewed_subtotals(card.records) if reviewed else {}

    def review_cells(name: str) -> tuple[str, ...]:
        if not reviewed:
            return ()
        p, s = after.get(name, (0.0, math.nan))
        return ((fmt_score(p),) if back else ()) + (fmt_score(s) if s == s else "不适用",)

    table = [
        (name, fmt_score(p), fmt_score(s) if s == s else "不适用") + review_cells(name) for name, p, s in card.subtotals
    ]
    points = round_half_up(sum(p for _, p, _ in card.subtotals))
    after_points = round_half_up(sum(p for p, _ in after.values()))
    after_scored = round_half_up(sum(s for _, s in after.values() if s == s))
    full = fmt_score(rules.total_points)
    if left_out:
        scored = round_half_up(sum(s for _, _, s in card.subtotals if s == s))
        table.append(
            ("适用指标合计", fmt_score(points), fmt_score(scored))
            + (((fmt_score(after_points),) if back else ()) + (fmt_score(after_scored),) if reviewed else ())
        )
        table.append(
            ("折算后总分", full, fmt_score(card.total))
            + (((full,) if back else ()) + (fmt_score(card.reviewed_total),) if reviewed else ())
        )
    else:
        table.append(
            ("合计", fmt_score(points), fmt_score(card.total)) + ((fmt_score(card.reviewed_total),) if reviewed else ())
        )
    headers = ("一级指标", "分值", "核定得分") + (
        (("复核后分值",) if back else ()) + ("复核后得分",) if reviewed else ()
    )
    out.append(Block("table", headers=headers, rows=table))
    if left_out:
        names = "、".join(f"“{r.name}”（{fmt_num(r.points)}分）" for r in left_out)
        text = (
            f"不适用的指标{len(left_out)}项：{names}，不计分，分值不计入上表；"
            f"适用指标分值合计{fmt_num(points)}分，核定得分{fmt_num(scored)}分，"
            f"折算后总分为{fmt_num(scored)} × {fmt_num(rules.total_points)} ÷ {fmt_num(points)}"
            f" = {fmt_num(card.total)}分。"
        )
        if back and card.reviewed_total is not None:
            scores = "、".join(f"“{r.name}”{fmt_num(r.reviewed)}分" for r in back)
            text += (
                f"复核人员对其中{len(back)}项给出复核得分（{scores}），认定其适用，计入复核后得分，分值一并计入："
                + (
                    f"复核后分值合计{fmt_num(after_points)}分，得分{fmt_num(after_scored)}分，"
                    f"复核总分为{fmt_num(after_scored)} × {fmt_num(rules.total_points)} ÷ {fmt_num(after_points)}"
                    f" = {fmt_num(card.reviewed_total)}分。"
                    if len(back) < len(left_out)
                    else f"各项指标分值均计入，复核总分为{fmt_num(card.reviewed_total)}分，不折算。"
                )
            )
        out.append(Block("p", text))
    out += _budget(card, cite)
    if dept:
        out += _common_sections(card, cite)
    else:
        out.append(Block("h2", "（三）项目支出管理情况"))
        out.append(Block("p", todo("资金管理、项目实施、制度执行情况")))

    out.append(Block("h1", "四、绩效目标完成情况"))
    headers = ("一级指标", "二级指标", "三级指标", "指标值", "实际完成值", "分值", "核定得分", "申报得分")
    # 15.6 cm: the GB/T 9704 text width; 10.00 fits 1.5 (a 复核得分 column takes from the text columns)
    widths = (1.6, 2.0, 2.9, 2.1, 2.5, 1.5, 1.5, 1.5) if not reviewed else (1.6, 1.7, 2.2, 1.9, 2.2, 1.5, 1.5, 1.5, 1.5)
    out.append(
        Block(
            "table",
            headers=headers + (("复核得分",) if reviewed else ()),
            widths=widths,
            rows=[
                (
                    r.level1,
                    r.level2,
                    r.name,
                    r.target_text,
                    r.actual_text.split("（")[0],  # the formula and its inputs are in 三、
                    fmt_score(r.points),
                    "不适用" if r.method == M_NA else fmt_score(r.score),  # (left out of the total)
                    fmt_score(r.claimed),
                )
                + ((fmt_score(r.reviewed),) if reviewed else ())
                for r in card.records
            ],
        )
    )
    reasons = {row: rec.reason for row, rec in data.records.items()}
    # (a row the reviewer has judged says 已复核 instead: ``review.settle_review``)
    awaiting = {r.row for r in card.records if r.note.startswith(AWAITING_NOTE)}
    # rows below full points, and apart from them the rows awaiting a reviewer: their score is the
    # unit's own claim for now, full points or not, so neither "达到" nor "未达到" can be said of them
    # below full points by the machine's score or by the reviewer's (a row scored in full that the
    # reviewer cut, 5 → 4, fell short as much as one scored 4)
    unmet = [
        r
        for r in card.records
        if r.row not in awaiting
        and not math.isnan(r.points)
        and min(r.score, r.points if r.reviewed is None else r.reviewed) < r.points - 0.005
    ]
    pending = [r for r in card.records if r.row in awaiting]
    slips = {  # rows probably mistyped (0.98 for 98%, ≤ chosen for ≥95%): to be corrected, not explained
        int(m.group(1)): p.code
        for p in card.problems
        if p.code in SLIP_CODES and p.where.sheet == data.sheet(L.SHEET_INDICATORS)
        if (m := re.fullmatch(r"[A-Z]+(\d+)", p.where.cell or ""))
    }
    if unmet:
        out.append(Block("p", f"未完全达到目标的指标{len(unmet)}项："))
        out += [Block("bullet", _unmet_line(card, r, reasons, slips, cite)) for r in unmet]
    if pending:
        out.append(Block("p", f"完成程度需复核人员判断的指标{len(pending)}项（得分暂定）："))
        out += [Block("bullet", _pending_line(card, r, reasons, cite)) for r in pending]
    if not unmet:
        out.append(Block("p", "其余各项指标均达到年度目标。" if pending else "各项指标均达到年度目标。"))
    over = [p for p in card.problems if p.code == "over-achievement"]
    if over:
        out.append(Block("p", "以下指标实际完成值远超指标值，年初目标可能设置偏低，来年应据实细化："))
        by_row = {r.row: r for r in card.records}
        for p in over:
            digits = "".join(ch for ch in (p.where.cell or "") if ch.isdigit())
            hit = by_row.get(int(digits)) if digits else None
            if hit is None:
                out.append(Block("bullet", _reason(p.message, "")))
                continue
            where = cite(f"{hit.name} 实际完成值", hit.actual_text, p.where.sheet or L.SHEET_INDICATORS, p.where.cell)
            # the share as the warning worked it out (实际完成值为指标值的 125.00%)
            share = m.group(1) if (m := re.search(r"指标值的 ([\d.,]+%)", p.message)) else fmt_pct(hit.rate)
            text = f"{hit.name}：指标值 {hit.target_text}，实际 {hit.actual_text}{where}，为指标值的{share}。"
            reason = reasons.get(hit.row) or ""
            if gives_reason(reason):  # the unit has said why: its words, not a request for them
                cell = data.indicator_cell(hit.row, L.I_REASON)
                text += _reason(reason, cite(hit.name + " 偏差原因", reason, L.SHEET_INDICATORS, cell))
            else:
                text += todo(f"“{quoted(hit.name)}”远超指标值的原因")
            out.append(Block("bullet", text))

    out.append(Block("h1", "五、偏离绩效目标的原因和改进措施"))
    # each once: one reason merged over several rows (or copied down) is one reason
    given = list(dict.fromkeys(reasons[r.row] for r in unmet + pending if gives_reason(reasons.get(r.row))))
    for reason in given:
        out.append(Block("bullet", reason))
    out.append(Block("p", todo("存在的问题和改进措施（如绩效目标细化、预算执行进度、考核频次）")))

    out.append(Block("h1", "六、申报得分与核定得分的差异"))
    diffs = [r for r in card.records if not math.isnan(r.claimed) and abs(r.claimed - r.score) > rules.claim_tolerance]
    if diffs:
        out.append(
            Block(
                "table",
                headers=("三级指标", "申报得分", "核定得分", "差异", "位置"),
                widths=(6.0, 2.2, 2.2, 2.0, 3.2),
                rows=[
                    (
                        r.name,
                        fmt_score(r.claimed),
                        fmt_score(r.score),
                        fmt_score(r.diff),
                        f"{data.sheet(L.SHEET_INDICATORS)}!{data.indicator_cell(r.row, L.I_CLAIMED)}",
                    )
                    for r in diffs
                ],
            )
        )
    else:
        out.append(Block("p", "各行申报得分与核定得分一致（或未填写申报得分）。"))
    errors = card.errors
    if errors:
        out.append(Block("p", f"另有{len(errors)}个错误需要更正后重新评分："))
        out += [Block("bullet", f"{_place(p.where) or p.where.file}：{p.message}") for p in errors]

    out.append(Block("h1", "七、绩效自评结果拟应用和公开情况"))
    out.append(
        Block(
            "p",
            f"{year}年度{subject}绩效自评得分{fmt_num(card.final_total)}分"
            + ("（复核后）" if card.reviewed_total is not None else "")
            # a file awaiting a reviewer has a provisional total and grade (SPEC §3.12): said here
            # too, where a reader looks for the result without reading 三、
            + (
                f"，暂定等级“{card.grade}”（{len(review)}项指标待复核，得分和等级以复核结果为准）。"
                if card.status == NEEDS_REVIEW
                else f"，等级“{card.grade}”。"
            )
            + todo("结果应用和公开安排"),
        )
    )
    return out + cite.blocks()


def draft_corrections(card: Scorecard) -> list[Block]:
    """For a 待更正 or 未填写 file: what the unit must fix before a report can be drafted, each
    item with its cell; no 偏差原因 is asked for a typo."""
    unit, year, subject = _subject(card)
    out = [Block("title", f"{unit}{year}年度{subject}绩效自评表更正清单")]
    # a reviewer's 复核得分 typed wrong is the bureau's to fix, not the unit's (SPEC §4.4 makes it
    # an error all the same, so the file waits as 待更正)
    reviewers, units = card.reviewer_errors, card.unit_errors
    if card.status == BLANK:
        out.append(
            Block(
                "p",
                f"自评表尚未填写（状态：{status_zh(card.status)}）：各项指标的实际完成值和全年执行数都是空的。"
                "请填写后重新评分，再起草自评报告。",
            )
        )
    elif units:
        out.append(
            Block(
                "p",
                f"自评表有{len(units)}处错误（状态：{status_zh(card.status)}），暂不能评定等级、起草自评报告。"
                "请按下列清单逐项更正后重新评分。",
            )
        )
    else:
        out.append(
            Block(
                "p",
                f"自评表本身没有错误；“{L.SHEET_RESULTS}”表中复核人员填写的内容有{len(reviewers)}处错误"
                f"（状态：{status_zh(card.status)}），暂不能评定等级、起草自评报告。请复核人员改正后重新评分，单位不必更正。",
            )
        )
    sections = []
    if units or card.status == BLANK:
        sections.append(("需要更正的问题", units))
    if reviewers:
        sections.append((f"复核人员需要改正的内容（“{L.SHEET_RESULTS}”表，单位不必处理）", reviewers))
    for k, (title, found) in enumerate(sections):
        out.append(Block("h1", f"{numeral(k + 1)}、{title}"))
        out.append(
            Block(
                "table",
                headers=("位置", "问题"),
                widths=(4.0, 11.6),
                rows=[(p.where.location or "（整个文件）", p.message) for p in found],
            )
        )
    n = len(sections)
    warnings = card.warnings
    if warnings:
        out.append(Block("h1", f"{numeral(n + 1)}、其他提示"))
        out += [Block("bullet", f"{_place(p.where) or p.where.file}：{p.message}") for p in warnings]
        n += 1
    if card.status == NEEDS_CORRECTION:
        out.append(Block("h1", f"{numeral(n + 1)}、暂算得分"))
        out.append(
            Block(
                "p",
                f"按现有数据暂算{fmt_num(card.total)}分，仅供核对，不评定等级；更正后以重新评分的结果为准。",
            )
        )
    return out


_NUMERALS = "一二三四五六七八九十"


def numeral(n: int) -> str:
    """A section's number as a report writes it (一, 二, … 十, then 11, 12 …)."""
    return _NUMERALS[n - 1] if n <= len(_NUMERALS) else str(n)


def _place(where: Any) -> str:
    """A problem's place in words (“绩效指标”表 H4 单元格), for prose without ``!`` references."""
    if not where.sheet:
        return ""
    return f"“{where.sheet}”表" + (f" {where.cell} 单元格" if where.cell else "")


def _budget(card: Scorecard, cite: Cites) -> list[Block]:
    """（二）: the 年度资金总额 figures and the rate, then what each filled 资金类别 line (当年财政拨款,
    上年结转资金, 其他资金) makes of the 全年预算数 and the 全年执行数, each figure sourced."""
    data, b = card.data, card.budget
    cols = data.budget_columns

    def figure(header: str, value: float, line: Any) -> str:
        """``当年财政拨款 2,100.00万元`` with its source."""
        cell = f"{cols[header]}{line.row}" if header in cols else None
        source = cite(f"{line.category} {header}", f"{_money(value)}万元", L.SHEET_BUDGET, cell)
        return f"{line.category}{_money(value)}万元{source}"

    def whole(header: str, value: float | None) -> str:
        return f"{header}未填写" if value is None else f"{header}{_money(value)}万元{_total_cite(card, header, cite)}"

    text = (
        f"{whole(L.B_INITIAL, b.initial)}，{whole(L.B_ADJUSTED, b.adjusted)}，"
        f"{whole(L.B_EXECUTED, b.executed)}，预算执行率{fmt_pct(b.rate) or '无法计算'}"
        "（全年执行数 ÷ 全年预算数）。"
    )
    # the 资金类别 lines that hold money (a line left blank or all 0 is no source of funds), each
    # figure as filled (a 0 spent of a budget is said), in the workbook's 金额单位 → 万元
    lines = [
        line
        for c in L.BUDGET_ROWS[1:]
        if (line := data.budget.get(c)) is not None and any(getattr(line, a) for _, a in L.BUDGET_AMOUNTS)
    ]
    parts = []
    for header, attr in ((L.B_ADJUSTED, "adjusted"), (L.B_EXECUTED, "executed")):
        filled = [(line, v * data.amount_scale) for line in lines if (v := getattr(line, attr)) is not None]
        if filled:
            parts.append(f"{header}中，" + "、".join(figure(header, v, line) for line, v in filled))
    if parts:
        text += "；".join(parts) + "。"
    return [
        Block("h2", "（二）预算编制和执行情况"),
        Block("p", text),
        Block("p", todo("预算编制过程和执行中的主要做法")),
    ]


# a number written with more than two decimals (not part of a longer run of digits and dots)
_LONG_DECIMAL = re.compile(r"(?<![\d.])\d+\.\d{3,}(?![\d.])")


def two_decimals(text: str) -> str:
    """A scoring note with its numbers at two decimals, as report prose rounds them (SPEC §4.5):
    the results sheet keeps four in its 评分说明 so that the sum can be redone by hand
    (``超出目标 4.5455 个百分点 × 0.5 = 扣 2.2727 分`` → ``超出目标 4.55 个百分点 × 0.5 = 扣 2.27 分``)."""
    return _LONG_DECIMAL.sub(lambda m: fmt_num(round_half_up(float(m.group(0)), 2)), text)


def _total_cite(card: Scorecard, header: str, cite: Cites) -> str:
    """Where a 年度资金总额 figure (``header``: 年初预算数, 全年预算数, 全年执行数) comes from: its cell on
    that line; or, when the line was left blank or 0 and the scorer rebuilt the figure as the sum of
    the 资金类别 lines (``budget-total-rebuilt``), each line's cell — the total's own cell holds 0."""
    data, cols = card.data, card.data.budget_columns
    attr = dict(L.BUDGET_AMOUNTS)[header]
    total, value = data.budget.get(L.B_TOTAL), getattr(card.budget, attr)
    if value and not (getattr(total, attr) if total is not None else None) and header in cols:
        lines = [data.budget.get(c) for c in L.BUDGET_ROWS[1:]]
        return "".join(
            cite(
                f"{line.category} {header}",
                f"{_money(v * data.amount_scale)}万元",
                L.SHEET_BUDGET,
                f"{cols[header]}{line.row}",
            )
            for line in lines
            if line is not None and (v := getattr(line, attr)) is not None
        )
    cell = f"{cols[header]}{total.row}" if total is not None and header in cols else None
    return cite(header, f"{_money(value)}万元", L.SHEET_BUDGET, cell)


def _formula_cites(card: Scorecard, r: Any, cite: Cites) -> str | None:
    """Where a 共性 row's figures come from: each item its formula read, at its cell in 部门整体数据
    (or 预算执行 for the budget figures); None for a row that is no 共性指标."""
    common = card.rules.common_for(r.name) if card.rules.common else None
    if common is None:
        return None
    data = card.data
    out = ""
    for name in common.formula.names:
        if (budget := budget_item(data, name)) is not None:
            out += _total_cite(card, budget[1], cite)
        elif (entry := data.dept_data.get(item_key(name))) is not None:
            out += cite(entry.name, entry.value.display, L.SHEET_DEPT_DATA, entry.cell)
    return out


# in a scoring note (written for the results sheet, where it is read beside its figures): a number
# and the unit after it, 分 or 个百分点 (``扣 0.13 分``, ``0.66 个百分点``)
_NOTE_UNIT = re.compile(r"(\d) (?=分(?![母值数])|个百分点)")
# and no space between the words and a number that has its unit (``扣 0.13分`` → ``扣0.13分``)
_NOTE_LEAD = re.compile(r"(?<=[\u4e00-\u9fff]) (?=\d[\d.,]*(?:分(?![母值数])|个百分点))")


def tight_units(note: str) -> str:
    """A 共性 row's scoring note with no space between a number and its unit, as the report writes
    numbers (``超出目标 0.66 个百分点 × 0.2 = 扣 0.13 分`` → ``超出目标0.66个百分点 × 0.2 = 扣0.13分``).
    Only for notes the scorer wrote of rule-set figures: never for text quoted from a workbook."""
    return _NOTE_LEAD.sub("", _NOTE_UNIT.sub(r"\1", note))


# a scoring note's operator label (``≥：``), and its way of saying a ratio row reached its target
_OP_LABEL = re.compile(r"(^|；)[≥≤=<>]：")
_RATIO_FULL = re.compile(r"[≥≤=<>]：实际 [^，；]+，指标 [^，；]+，得满分$")


def _common_result(r: Any) -> str:
    """How a 共性 row was scored, in report prose: the results sheet's 评分说明 without its
    operator label (``≥：3 × 94.48 ÷ 100`` reads 按 3 × 94.48 ÷ 100 计), then the score once
    (``≤0%，得满分（3分）``, not ``≤0%，得满分，得 3/3分``)."""
    note = tight_units(two_decimals(r.note))  # (before 指标值 as typed is put in)
    if _RATIO_FULL.search(note):
        note = _RATIO_FULL.sub(f"达到指标值 {r.target_text}，得满分", note)
    elif "×" in note and _OP_LABEL.search(note):  # a ratio's formula
        note = "按 " + _OP_LABEL.sub(r"\1", note) + " 计"
    elif r.method == "bands":  # ≥80% 档，得 80% × 4
        note = note.replace("档，得 ", "档，按 ", 1) + " 计"
    else:
        note = _OP_LABEL.sub(r"\1", note)
    if note.endswith("得满分"):
        return f"{note}（{fmt_num(r.points)}分）"
    return f"{note}，得{fmt_num(r.score)}/{fmt_num(r.points)}分"


def _left_out_result(r: Any) -> str:
    """A 共性 row left out (0 ÷ 0), in report prose: 不适用（政府采购实际金额 0 ÷ 政府采购预算数 0，
    分子分母均为 0），分值3分不计，总分按适用指标分值折算."""
    why = r.note.split("，不计分")[0]
    # (a reviewer who scored it judged it applicable: it counts in the 复核总分)
    back = f"；{_reviewed_text(r).removeprefix('，')}，计入复核总分" if r.reviewed is not None else ""
    return f"{why}，分值{fmt_num(r.points)}分不计，总分按适用指标分值折算{back}"


def _common_sections(card: Scorecard, cite: Cites) -> list[Block]:
    """（三） on the “三公” rows as the seed reports them (their names say “三公”), then a section per
    一级/二级 of the rule set for the other 共性 rows (（四）投入：预算配置情况 …), so that every
    row stands under a heading that names it. The 预算执行率 row is in （二）."""
    common = [(r, c) for r in card.records if (c := card.rules.common_for(r.name)) is not None]
    sanggong = [r for r, c in common if "三公" in c.key]
    blocks = _common_section(card, "（三）“三公”经费控制情况", sanggong, "“三公”经费管理", cite)
    groups: dict[tuple[str, str], list[Any]] = {(c.level1, c.level2): [] for c in card.rules.common}
    for r, c in common:
        if "三公" not in c.key:
            groups[(c.level1, c.level2)].append(r)
    filled = [(levels, rows) for levels, rows in groups.items() if rows]
    for n, ((level1, level2), rows) in enumerate(filled, start=4):
        blocks += _common_section(card, f"（{numeral(n)}）{level1}：{level2}情况", rows, level2, cite)
    return blocks


def _common_section(card: Scorecard, title: str, rows: list[Any], topic: str, cite: Cites) -> list[Block]:
    """A heading, a line per 共性 row (its figures, sourced, and how it scored), then a placeholder
    for what was done about ``topic`` (each section's own: the four read apart in the draft)."""
    blocks = [Block("h2", title)]
    for r in rows:
        where = _formula_cites(card, r, cite) or ""
        if r.method == M_NA:  # 0 ÷ 0: the data say the indicator did not apply (no figure to show)
            blocks.append(Block("bullet", f"{r.name}{where}：{_left_out_result(r)}。"))
            continue
        blocks.append(Block("bullet", f"{r.name} {r.actual_text}{where}：{_common_result(r)}。"))
    blocks.append(Block("p", todo(f"{topic}方面的主要做法和措施")))
    return blocks


def to_markdown(blocks: list[Block], image_path: Callable[[int, Block], str] | None = None) -> str:
    """Markdown; images are referenced by ``image_path(index, block)`` (which writes them) or
    left out when no writer is given."""
    lines: list[str] = []
    images = 0
    for b in blocks:
        if b.kind == "image":
            if image_path is not None:
                images += 1
                lines += [f"![{b.text}]({image_path(images, b)})", ""]
            continue
        if b.kind in ("title", "h1", "h2"):
            if lines and lines[-1]:
                lines.append("")
            lines += ["#" * {"title": 1, "h1": 2, "h2": 3}[b.kind] + " " + b.text, ""]
        elif b.kind == "bullet":
            lines.append(f"- {b.text}")
        elif b.kind == "p":
            lines += ["", b.text, ""] if lines and lines[-1].startswith("- ") else [b.text, ""]
        elif b.kind == "table":
            esc = lambda v: str(v).replace("|", "\\|")  # noqa: E731
            lines.append("| " + " | ".join(b.headers) + " |")
            lines.append("|" + "---|" * len(b.headers))
            lines += ["| " + " | ".join(esc(v) for v in row) + " |" for row in b.rows]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _actual_cite(card: Scorecard, r: Any, cite: Cites) -> str:
    """Where a row's 实际完成值 comes from: 预算执行 for the 预算执行率 row (its 绩效指标 cell is
    left blank: the rate is computed), 部门整体数据 for a 共性 row, else its own cell."""
    data, total = card.data, card.data.budget.get(L.B_TOTAL)
    ind = card.rules.budget_indicator
    if (
        (level1_of(r.level1) == ind or L.is_label(r.name, ind))
        and total is not None
        and L.B_EXECUTED in data.budget_columns
    ):
        return _total_cite(card, L.B_EXECUTED, cite)
    if (used := _formula_cites(card, r, cite)) is not None:
        return used
    actual_cell = data.indicator_cell(r.row, L.I_ACTUAL)
    return cite(f"{r.name} 实际完成值", r.actual_text, L.SHEET_INDICATORS, actual_cell)


def _reviewed_text(r: Any) -> str:
    if r.reviewed is None:  # the reviewer's judgment, and why, where given
        return ""
    return f"，复核为{fmt_num(round_half_up(r.reviewed))}分" + (
        f"（复核意见：{r.review_note}）" if r.review_note else ""
    )


def _reason(reason: str, where: str) -> str:
    """The unit's 偏差原因 as a sentence of the report, its source (inline, when asked for) before
    the full stop: typed without one (or with ``；`` ``.``), it would run into the next sentence."""
    text = reason.strip().rstrip("。；;.，,")
    return f"原因：{text}{where}" + ("" if text.endswith(("！", "？", "…", "!", "?")) and not where else "。")


def _figures(card: Scorecard, r: Any, cite: Cites) -> str:
    """指标值 ≥85%，实际 68% (its source cited); a value the form leaves blank is said to be
    missing (a 项目决策/项目管理 row judged by its 分值 and 申报得分 has neither), not printed as
    an empty “指标值 ，实际 ，” with an empty cell cited as the source of nothing."""
    target, actual = r.target_text.strip(), r.actual_text.strip()
    if not target and not actual:
        return "没有指标值和实际完成值"
    return (f"指标值 {target}" if target else "没有指标值") + (
        f"，实际 {actual}{_actual_cite(card, r, cite)}" if actual else "，没有实际完成值"
    )


def _unmet_line(card: Scorecard, r: Any, reasons: dict[int, Any], slips: dict[int, str], cite: Cites) -> str:
    """A row below full points: its figures, the reviewer's judgment, then why (the unit's
    偏差原因, or a placeholder asking for it; a probable slip is to be corrected instead)."""
    data = card.data
    text = (
        f"{r.name}：{_figures(card, r, cite)}，"
        f"得{fmt_num(r.score)}/{fmt_num(round_half_up(r.points))}分{_reviewed_text(r)}。"
    )
    reason = reasons.get(r.row) or ""
    if r.row in slips:
        return text + _SLIP_TEXT.get(slips[r.row], "指标值与实际完成值的单位或百分数可能填错，请先核对更正。")
    if gives_reason(reason):
        where = cite(r.name + " 偏差原因", reason, L.SHEET_INDICATORS, data.indicator_cell(r.row, L.I_REASON))
        return text + _reason(reason, where)
    return text + todo(f"“{quoted(r.name)}”的偏差原因")


def _pending_line(card: Scorecard, r: Any, reasons: dict[int, Any], cite: Cites) -> str:
    """A row awaiting a reviewer: its figures and its provisional score (the unit's claim)."""
    text = (
        f"{r.name}：{_figures(card, r, cite)}，"
        f"得{fmt_num(r.score)}/{fmt_num(round_half_up(r.points))}分{_claim_basis(card, r, cite)}，"
        "完成程度待复核人员判断，得分为暂定。"
    )
    reason = reasons.get(r.row) or ""
    if gives_reason(reason) and r.score < r.points - 0.005:
        where = cite(r.name + " 偏差原因", reason, L.SHEET_INDICATORS, card.data.indicator_cell(r.row, L.I_REASON))
        text += _reason(reason, where)
    return text


def _claim_basis(card: Scorecard, r: Any, cite: Cites) -> str:
    """For a row awaiting judgment with no values at all: its provisional score is the unit's
    申报得分 — said so, and that cell cited as the figure's source."""
    if r.target_text.strip() or r.actual_text.strip() or math.isnan(r.claimed) or abs(r.claimed - r.score) > 0.005:
        return ""
    shown = fmt_num(round_half_up(r.claimed))
    cell = card.data.indicator_cell(r.row, L.I_CLAIMED)
    return f"（暂按申报得分{cite(f'{r.name} 申报得分', shown, L.SHEET_INDICATORS, cell)}）"


def _summed_claim(card: Scorecard, shown: str, grade: str, cite: Cites) -> str:
    """The claim when no 申报总分 was typed: the scorer took Σ of the rows' 申报得分 (the
    预算执行率 row, when left blank, at its 核定得分), so the report says so and cites those
    cells, not the empty 申报总分 cell beside its label (it cited 基本信息!B11 holding nothing)."""
    claimed = [r for r in card.records if not math.isnan(r.claimed)]
    budget_at_score = len(claimed) < len(card.records)
    basis = "各行申报得分合计" + ("（预算执行率一行未填，按核定得分计）" if budget_at_score else "")
    cells = [card.data.indicator_cell(r.row, L.I_CLAIMED) for r in claimed]
    where = cite("各行申报得分合计", shown, L.SHEET_INDICATORS, _cell_span(cells))
    return f"单位未填写申报总分，{basis}为{shown}分（{grade}）{where}，"


def _cell_span(cells: Sequence[str]) -> str | None:
    """Cells as ranges, one per column: ``J3:J10`` (a form whose 预算执行率 得分 stands in its
    项目资金 block: ``I6、H13:H22``)."""
    rows: dict[str, list[int]] = {}
    for cell in cells:
        if (at := split_cell(cell)) is not None:
            rows.setdefault(at[0], []).append(at[1])
    spans = sorted(
        ((min(rs), f"{c}{min(rs)}" + (f":{c}{max(rs)}" if max(rs) > min(rs) else "")) for c, rs in rows.items())
    )
    return "、".join(s for _, s in spans) or None


def quoted(text: str) -> str:
    """``text`` to stand inside “…”: its own double quotes become single ones, as Chinese nests
    quotation marks (“‘三公’经费变动率”的偏差原因, not ““三公”经费变动率”的偏差原因)."""
    return text.replace("“", "‘").replace("”", "’")
