"""The words of SPEC §3.6–3.7: a qualitative actual's band (达成 / 部分达成 / 未达成, by the
label, a synonym or an ordinal scale against the target), free text left to a reviewer, and
dates against a deadline. A part of the scorer."""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from typing import TYPE_CHECKING

from selfeval_xl.reading import contract as L
from selfeval_xl.reading.dates import dates_in
from selfeval_xl.reading.rows import IndicatorRow
from selfeval_xl.reading.text import normalize_text
from selfeval_xl.reading.values import DATE, QUAL, TEXT, Value
from selfeval_xl.rounding import fmt_num
from selfeval_xl.rules.ruleset import Band
from selfeval_xl.scoring.context import ScoringContext, label
from selfeval_xl.scoring.verdict import AWAITING_NOTE, REVIEW_CODE

if TYPE_CHECKING:
    from selfeval_xl.scoring.plan import RowPlan


class QualitativeRules(ScoringContext):
    """Scores 定性 and date rows."""

    def classify(self, target: Value, actual: Value) -> str | None:
        """The band key (achieved/partial/failed) for an actual text, or None (remembered per
        rule set: a district's tables say 达成 / 完成 / 好 against the same targets)."""
        a = label(actual.text or actual.display)
        t = label(target.text or target.display)
        memo = self.rules.classified
        if (a, t) not in memo:
            if len(memo) >= 16384:
                memo.clear()
            memo[a, t] = self._classify(a, t)
        return memo[a, t]

    def _classify(self, a: str, t: str) -> str | None:
        if not a:
            return None
        if a == t:
            return "achieved"
        if frozenset((a, t)) in _OPPOSITES:
            # a yes/no question answered against its target (是否发生安全事故：否, actual 是; 安全事故
            # 无, actual 有): the other answer misses it. 是 means 达成 (SPEC §3.6) where the target
            # asks for 是, not here
            return "failed"
        if t in NONE_ANSWERS and a in NONE_ANSWERS:
            return "achieved"  # 安全事故 无 → 没有 / 未发生; 是否发生事故 否 → 无: the same answer
        if (t in _YES_ANSWERS and a in NONE_ANSWERS) or (t in NONE_ANSWERS and a == "有"):
            return "failed"  # 有应急预案 → 没有; 违规情况 无 → 有 (as 有 against 无 above)
        for scale in self.rules.scales:
            pa, pt = _scale_pos(a, scale), _scale_pos(t, scale)
            if pa is not None and pt is not None:
                step = pa - pt
                return "achieved" if step <= 0 else "partial" if step == 1 else "failed"
        for band in self.rules.bands:
            if a in band.words:
                return band.key
        # a band word naming what was measured (实现率60%, 完成率达到60%, 合格率85%, 完成度): a figure
        # a person judges against the target, not the word's band
        if any(w + m in a for band in self.rules.bands for w in band.words if len(w) >= 2 for m in _MEASURE):
            return None
        # longer phrases: negatives first (未完成 contains 完成)
        for key in ("failed", "partial", "achieved"):
            band = self.rules.band(key)
            for w in band.words:
                if len(w) < 2 or w not in a:
                    continue
                negation = None if key == "failed" else _negation_before(a, w)
                if negation is None:
                    # 完成60% / 实现了预期目标的60%: the word says done, the figure says how much
                    # (less than all): a person judges
                    return None if key == "achieved" and _partial_share(a) else key
                # 未能完成 / 没有达到 / 不达标 / 未能在…前完成 say the opposite of the word they
                # contain: never 达成. A plain negation is the 未达成 band (as 未完成 / 未达到 /
                # 不及时 are); "not fully" (未全部完成, 未完全达成) could be either lower band, and a
                # negation that may be another clause's (未在检查中发现问题按时完成) either band:
                # a person judges.
                return "failed" if negation == _NOT else None
        return None

    def score_qualitative(self, row: int, r: IndicatorRow, points: float) -> tuple[float, str]:
        if r.target.kind == DATE and r.target.date is not None and r.operator != QUAL:
            # a date target against prose with dates in it that were not taken as the date done
            # (``prose_date``): 2023年10月开工，2024年3月完成 is not judged by its 完成
            _, why = prose_date(r.actual, r.target.date, self.data.year)
            # (2023年12月延期完成 and 未能在…前完成: their words say 未达成; 未能于…前全部完成 not)
            if why and not (why == _NOT_KEPT_WHY and self.classify(r.target, r.actual) == "failed"):
                return self.awaiting(row, r, points, f"实际完成值“{r.actual.display}”{why}", f"实际完成值{why}")
        key = self.classify(r.target, r.actual)
        if key is None:
            # free prose (改善了学校的办学条件): nobody can fix it by retyping; a person judges it.
            # Until then the row counts its 申报得分 when that is within the points, else 0.
            actual, target = r.actual, r.target
            if actual.kind == "number" and any(ch.isdigit() for ch in target.display):
                # 95% against a target such as 90%-100%: the target is the text
                what = f"指标值“{target.display}”不是单一数值（实际完成值 {actual.display}）"
                why = "指标值不是单一数值"
            elif actual.kind == "number":  # 100% against 合格: a number for a target in words
                what = f"指标值“{target.display}”是文字、实际完成值是数值 {actual.display}"
                why = "指标值是文字、实际完成值是数值"
            else:
                what = f"实际完成值“{actual.display}”是文字描述"
                why = "实际完成值是文字描述"
            return self.awaiting(row, r, points, what, why)
        band = self.rules.band(key)
        return self._band_score(row, r, points, band, f"定性：判为“{band.label}”")

    def awaiting(self, row: int, r: IndicatorRow, points: float, what: str, why: str) -> tuple[float, str]:
        """A row a person judges (``what`` the unit is told, ``why`` the 评分说明's reason): until
        then it counts its 申报得分 when that is within the points, else 0."""
        claimed = r.claimed
        usable = not math.isnan(claimed) and 0 <= claimed <= points + 1e-9
        provisional = claimed if usable else 0.0
        # a claim over the points (an error of its own) is not what the row counts: 暂计 0 分
        basis = f"暂按申报得分 {fmt_num(provisional)} 分" if usable else "暂计 0 分"
        self.add_row(row, L.I_ACTUAL, REVIEW_CODE, what=what, value=r.actual.display, provisional=basis)
        self.review_rows.add(row)
        return provisional, f"{AWAITING_NOTE}{why}，需人工判断完成程度，{basis}"

    def _band_score(self, row: int, r: IndicatorRow, points: float, band: Band, note: str) -> tuple[float, str]:
        claimed = r.claimed
        default = points * band.default
        if not math.isnan(claimed) and not math.isnan(points) and points > 0:
            if band.contains(claimed / points):
                return claimed, f"{note}，申报得分在档内"
            if claimed <= points:
                self.band_rows.add(row)  # the claim is reported here, not again as 申报≠核定
                self.add_row(
                    row,
                    L.I_CLAIMED,
                    "claim-out-of-band",
                    claimed=fmt_num(claimed),
                    band=band.label,
                    range=(
                        f"{fmt_num(points * band.low)}–{fmt_num(points * band.high)} 分"
                        if band.high >= 1.0
                        else f"{fmt_num(points * band.low)} 分至不足 {fmt_num(points * band.high)} 分"
                    ),
                    score=fmt_num(default),
                )
        return default, f"{note}，按 {fmt_num(band.default * 100)}% 计分"

    def score_date(self, row: int, r: IndicatorRow, plan: RowPlan, points: float) -> tuple[float, str]:
        a_date, deadline = plan.actual_date, r.target.date
        assert a_date is not None and deadline is not None  # a date row has both (``Resolver``)
        read = f"{plan.converted}；" if plan.converted else ""  # (a date read from prose: said so)
        if a_date <= deadline:
            return (
                points,
                f"{read}时效：{a_date.isoformat()} 不晚于 {deadline.isoformat()}",
            )
        failed = self.rules.band("failed")
        claimed = r.claimed
        if not math.isnan(claimed) and points > 0 and failed.contains(claimed / points):
            return (
                claimed,
                f"{read}时效：晚于 {deadline.isoformat()}，申报得分在未达成档内",
            )
        self.add_row(
            row,
            L.I_ACTUAL,
            "late",
            actual=a_date.isoformat(),
            target=deadline.isoformat(),
        )
        return 0.0, f"{read}时效：晚于 {deadline.isoformat()}，计 0 分"


# the words of a delay: they speak of time whatever clause they stand in (因疫情延期，2023年12月20日完成)
_DELAYED = ("延期", "逾期", "推迟", "延迟", "延后", "滞后", "超期")
# what says a date was not kept (未能在2023年12月31日前完成, 延期至…, 没有按时): beside a date on
# time, the sentence does not say it was done by then
_NOT_KEPT = ("未", "没", "不能", "不及", "不按", "无法", "难以", *_DELAYED)
_NOT_KEPT_WHY = "含日期，又有“未”“延期”等字样"
# what makes a negation in a clause without the date one about the date kept (未按期完成，2023年
# 12月20日完成初验), where 未发生安全事故 beside 2023年12月20日完成 is another matter
_TIMELY = ("完成", "完工", "竣工", "按时", "按期", "如期", "及时", "准时", "期限", "工期", "进度", "时间")
# the punctuation that ends a clause (NFKC has made ，；！？ into , ; ! ?); not the . of 2023.12.20
_CLAUSE_END = re.compile(r"[,;!?。]")


def _not_kept(text: str, year: int | None) -> bool:
    """Whether ``text`` says its date was not kept: a word of ``_NOT_KEPT`` in the clause that
    holds the date (2023年12月20日未完成, 延期至…), or in another clause about time (因疫情延期，…;
    未按期完成，…); not a negation of something else (2023年12月20日完成，未发生安全事故)."""
    for clause in _CLAUSE_END.split(text):
        if dates_in(clause, year):
            if any(w in clause for w in _NOT_KEPT):
                return True
        elif any(w in clause for w in _DELAYED) or (
            any(w in clause for w in _NOT_KEPT) and any(w in clause for w in _TIMELY)
        ):
            return True
    return False


def prose_date(actual: Value, deadline: dt.date, year: int | None) -> tuple[dt.date | None, str]:
    """The date done that a text in 实际完成值 gives against a date target (SPEC §3.7): the one
    date written in it (``已于2024年3月完成验收``, ``完成时间2024年3月``; one without a year in the
    评价年度 ``year``), or None and why a person is to judge instead: two dates or more (开工 and
    完成: which one is meant is not guessed), or one on time beside words saying it was not kept
    (``_not_kept``: in the date's clause, or in another about time; a late date is late whatever
    the words). ``(None, "")``: no date in it, judged by its words (按时完成)."""
    if actual.kind != TEXT:
        return None, ""
    found = dates_in(actual.text or actual.display, year)
    if not found:
        return None, ""
    if len(found) > 1:
        return None, f"含 {len(found)} 个日期"
    if found[0] <= deadline and _not_kept(normalize_text(actual.text or actual.display), year):
        return None, _NOT_KEPT_WHY
    return found[0], ""


# the answers of a yes/no indicator (是否…, 有无…): each misses a target that is the other
_OPPOSITES = frozenset((frozenset(("是", "否")), frozenset(("有", "无"))))
# the ways of saying "none, it did not happen" (安全事故：无 / 没有 / 未发生; 是否发生：否): one answer
NONE_ANSWERS = frozenset(("无", "否", "零", "没有", "未发生", "无发生"))
_YES_ANSWERS = frozenset(("是", "有"))
# what follows a band word that names a rate or a degree (完成率, 完成度), not a state
_MEASURE = ("率", "度")
# a percentage in a text (NFKC has made ％ into %)
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%")


def _partial_share(text: str) -> bool:
    """Whether the text gives a percentage below 100 (完成60%, 实现预期的85%)."""
    return any(float(x) < 100 for x in _PERCENT.findall(text))


# A negation before a band word (未能完成, 没有达到, 不达标, 未如期完成), reaching over what it
# may carry between them: 能 / 够, then at most three short phrases that say when or how the
# thing was (not) done — a time phrase after 在 / 于 (未能在2023年12月31日前完成, 不能在规定时间内
# 完成, 未能于年底前全部完成) or without one (未能年底前完成, 未当年完成), 按 / 依 and a plan or
# time (未按计划时间完成), a manner (按时, 如期, 及时, 顺利) or "fully" (全部, 完全). The words of a
# time phrase are a closed list (dates, 年底, 规定, 计划, 时间, 期限, 工期 …) and none is a verb, so
# a negation of another clause stays with it (未发生安全事故按时完成, 未超出预算、按期完成: the
# 、 and the spaces are gone from the text matched), as it does across a , 。 ; (按时完成，未发生…).
_TIME_WORD = (
    r"(?:\d|[〇零一二三四五六七八九十]|以前|之前|以内|之内|年度|季度|月份|期限|期间|期内|工期|日期|预期"
    r"|时间|时限|时点|节点|规定|计划|合同|约定|要求|预定|既定|进度|截止|[年月日号底末初前内当本今上下半全季的个天周旬止])"
)
_TIME_END = r"(?:前|内|底|末|年|月|日|号|年度|期限|期间|期内|工期|时间|时限|节点)"
_MANNER = r"(?:按时|按期|如期|及时|准时|顺利|如数|按质按量|保质保量|完全|全部|全面|足额|都|均)"
_PHRASE = (
    rf"(?:(?:在|于){_TIME_WORD}{{1,16}}"  # 在2023年12月31日前, 于年底前, 在规定时间内
    rf"|(?:按照|依照|按|依){_TIME_WORD}{{0,8}}"  # 按计划时间, 按合同约定
    rf"|{_MANNER}"
    rf"|{_TIME_WORD}{{1,12}}{_TIME_END})"  # 年底前, 当年 (not 不日: a word before the end)
)
_NEGATOR = r"(?:未|不|没有|没|无法|难以)(?:能够|能|够|曾)?"
_NEGATION = re.compile(rf"{_NEGATOR}(?P<q>{_PHRASE}{{0,3}})$")
# what 在 / 于 / 按 after a negation brings that is no time phrase of the list (未能在资金到位后完成,
# 未在检查中发现问题按时完成): whose action is denied is not guessed, a person judges
_UNSURE_NEGATION = re.compile(rf"{_NEGATOR}(?:在|于|按照|依照|按|依)[^,.;!?。…]{{1,20}}$")
_FULLY = ("完全", "全部", "全面", "足额", "都", "均")
_NOT, _NOT_FULLY, _UNSURE = "not", "not-fully", "unsure"


def _negation_before(text: str, word: str) -> str | None:
    """Whether the first ``word`` in ``text`` is negated: ``_NOT`` (未能完成, 未能在2023年12月31日前
    完成), ``_NOT_FULLY`` (未全部完成, 未能于年底前全部完成: not all of it, which is not all or
    nothing), ``_UNSURE`` (未能在资金到位后完成: a negation whose reach is not known) or None."""
    before = text[: text.index(word)]
    m = _NEGATION.search(before)
    if m is None:
        return _UNSURE if _UNSURE_NEGATION.search(before) else None
    fully = any(f in m.group("q") for f in _FULLY) or word.startswith(_FULLY)
    return _NOT_FULLY if fully else _NOT


_SCALE_SUBJECTS = ("效果", "作用", "程度", "水平", "质量", "成效", "效益")


# the 优/良/中 grades as they are also written (SPEC §3.9 names 优秀/良好/中等 as grade labels)
_SCALE_ALIASES = {"优秀": "优", "良好": "良", "中等": "中"}


def _scale_pos(text: str, scale: tuple[str, ...]) -> int | None:
    pos = _pos_on(text, scale)
    if pos is None:
        # 优秀/良好/中等 as the 优 > 良 > 中 grades, alone or after a subject (效果良好): only when
        # the text is no word of the scale itself (a rule set's own 优秀 > 良好 > 合格 keeps them)
        for long, short in _SCALE_ALIASES.items():
            if text.endswith(long) and text[: -len(long)] in ("", *_SCALE_SUBJECTS):
                return _pos_on(text[: -len(long)] + short, scale)
    return pos


def _pos_on(text: str, scale: tuple[str, ...]) -> int | None:
    for i, word in _longest_first(scale):
        if text == word:
            return i
        if text.endswith(word) and text[: -len(word)] in _SCALE_SUBJECTS:
            return i
    return None


@functools.lru_cache(maxsize=64)
def _longest_first(scale: tuple[str, ...]) -> tuple[tuple[int, str], ...]:
    """A scale's words with their positions, the longest first (较好 before 好, which it ends
    with); worked out once per scale of a rule set."""
    return tuple(sorted(enumerate(scale), key=lambda iw: -len(iw[1])))
