"""Dates as people type them in a value cell (``2022年12月31日前``, ``11月底``, ``第四季度``,
``2023年上半年``, ISO ``2023-12-31``) and inside a sentence (``已于2024年3月完成验收``): a month,
a quarter or a year is its last day. ``values.parse_value`` reads a date cell with ``parse_date``."""

from __future__ import annotations

import calendar
import datetime as dt
import re

from selfeval_xl.reading.text import normalize_text

_DATE_FILLER_BEFORE = r"(?:已于|已在|已|在|于|截至|截止|截止到|截止至)?"
_DATE_FILLER_AFTER = r"(?:之前|以前|前|内|止|已完成|完成|全部完成|按时完成|底前|末前)*"
# 上旬 / 中旬 / 下旬 of a month: by the 10th, the 20th, the month's end
_TEN_DAYS = [(re.compile(r"(\d{1,2})月上旬"), r"\1月10日"), (re.compile(r"(\d{1,2})月中旬"), r"\1月20日")]
_LATE_MONTH = re.compile(r"(\d{1,2})月下旬")
_Y = r"(?P<y>\d{4})"
_M = r"(?P<m>\d{1,2})"
_D = r"(?P<d>\d{1,2})"
_DATE_PATTERNS = [
    re.compile(rf"^{_DATE_FILLER_BEFORE}{_Y}[-/.年]{_M}[-/.月]{_D}日?{_DATE_FILLER_AFTER}$"),
    re.compile(rf"^{_DATE_FILLER_BEFORE}{_Y}年{_M}月(?:底|末|份)?{_DATE_FILLER_AFTER}$"),
    re.compile(rf"^{_DATE_FILLER_BEFORE}{_Y}[-/.]{_M}{_DATE_FILLER_AFTER}$"),
    re.compile(rf"^{_DATE_FILLER_BEFORE}{_Y}年(?:底|末|度|内)?{_DATE_FILLER_AFTER}$"),
    # 2023年上半年 / 2023年下半年, 2023年第四季度 / 2023年4季度: the period's last day, as without the year
    re.compile(rf"^{_DATE_FILLER_BEFORE}{_Y}年度?(?P<half>[上下])半年{_DATE_FILLER_AFTER}$"),
    re.compile(rf"^{_DATE_FILLER_BEFORE}{_Y}年度?第?(?P<q>[一二三四1-4])季度(?:末|底)?{_DATE_FILLER_AFTER}$"),
]
_DATE_PATTERNS_NO_YEAR = [
    re.compile(rf"^{_DATE_FILLER_BEFORE}{_M}月{_D}日{_DATE_FILLER_AFTER}$"),
    re.compile(rf"^{_DATE_FILLER_BEFORE}{_M}月(?P<end>底|末|份)?{_DATE_FILLER_AFTER}$"),
    re.compile(rf"^{_DATE_FILLER_BEFORE}(?P<ye>年底|年末|年内|本年度|当年){_DATE_FILLER_AFTER}$"),
    re.compile(rf"^{_DATE_FILLER_BEFORE}(?P<half>[上下])半年{_DATE_FILLER_AFTER}$"),
    re.compile(rf"^{_DATE_FILLER_BEFORE}第?(?P<q>[一二三四1-4])季度(?:末|底)?{_DATE_FILLER_AFTER}$"),
]
# What each pattern of _DATE_PATTERNS_NO_YEAR needs in the text, one of them at least: 月 (the
# first two), its 年 words (the third, the fourth), 季度 (the fifth)
_NO_YEAR_HINT = re.compile("月|年底|年末|年内|本年度|当年|半年|季度")
_QUARTER = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
# words that make a date a deadline (12月底前, 截至2023年: ≤ it) and a bare 10月 a date
DEADLINE_WORDS = ("前", "之前", "以前", "截止", "截至", "底", "末", "内")


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _half_year_end(year: int, half: str) -> dt.date:
    """The last day of 上半年 (30 June) or 下半年 (31 December)."""
    return dt.date(year, 6, 30) if half == "上" else dt.date(year, 12, 31)


# Every date pattern below needs a digit, 年 or 季 (季度): text with none of them is no date
_MAYBE_DATE = re.compile(r"\d|年|季")
_FOUR_DIGITS = re.compile(r"\d{4}")  # the year every pattern of _DATE_PATTERNS starts with


def parse_date(text: str, year: int | None, allow_month_only: bool = False) -> dt.date | None:
    """A date written the Chinese way (``2022年12月31日前``, ``11月底``) or ISO. Month and year
    precision become the last day of that period. ``None`` when it is not a date."""
    if not _MAYBE_DATE.search(text):
        return None
    if "旬" in text:
        for pattern, day in _TEN_DAYS:
            text = pattern.sub(day, text)
        text = _LATE_MONTH.sub(r"\1月底", text)
    for pattern in _DATE_PATTERNS if _FOUR_DIGITS.search(text) else ():
        m = pattern.match(text)
        if m:
            g = m.groupdict()
            try:
                y = int(g["y"])
                if g.get("half"):
                    return _half_year_end(y, g["half"])
                if g.get("q"):
                    return _month_end(y, _QUARTER[g["q"]] * 3)
                if g.get("d"):
                    return dt.date(y, int(g["m"]), int(g["d"]))
                if g.get("m"):
                    return _month_end(y, int(g["m"]))
                return dt.date(y, 12, 31)
            except ValueError:
                return None
    if year is None or not _NO_YEAR_HINT.search(text):
        return None  # (年度, 全年: no pattern below can match)
    for pattern in _DATE_PATTERNS_NO_YEAR:
        m = pattern.match(text)
        if not m:
            continue
        g = m.groupdict()
        try:
            if g.get("ye"):
                return dt.date(year, 12, 31)
            if g.get("half"):
                return _half_year_end(year, g["half"])
            if g.get("q"):
                return _month_end(year, _QUARTER[g["q"]] * 3)
            if g.get("d"):
                return dt.date(year, int(g["m"]), int(g["d"]))
            # A bare "10月" is a date only in a 时效 row or with a deadline word.
            if g.get("end") or allow_month_only or any(w in text for w in DEADLINE_WORDS):
                return _month_end(year, int(g["m"]))
        except ValueError:
            return None
    return None


# A date inside a sentence (已于2024年3月完成验收, 完成时间2024年3月, 项目于12月20日通过验收), as the
# patterns above write one: a year (19xx/20xx) with a month and perhaps a day, ISO-like 2024-03-20,
# a month with a day, a 旬 or 底/末/份, a quarter or half of a year, a year alone, 年底/年末. Digits
# are never taken from inside a longer number (1200.5万元 is no 1200年5月; 3个月 is no 3月).
_DATE_IN_TEXT = re.compile(
    r"(?<![\d.])(?:"
    r"(?:19|20)\d{2}[-/.]\d{1,2}(?:[-/.]\d{1,2})?(?![\d.])"
    r"|(?:(?:19|20)\d{2}年度?)?"
    r"(?:第?[一二三四1-4]季度(?:末|底)?|[上下]半年|\d{1,2}月(?:\d{1,2}日|[上中下]旬|底|末|份)?)"
    r"|(?:19|20)\d{2}年(?:底|末|度)?"
    r")"
    r"|年底|年末"
)


def dates_in(text: str, year: int | None) -> list[dt.date]:
    """The dates written inside a text (``已于2024年3月完成验收``: 2024-03-31), each once, in the
    order written, as ``parse_date`` reads each alone in a 时效 row (a month is its last day; one
    without a year is in ``year``, the 评价年度, or none without it)."""
    found: list[dt.date] = []
    for m in _DATE_IN_TEXT.finditer(normalize_text(text)):
        date = parse_date(m.group(), year, allow_month_only=True)
        if date is not None and date not in found:
            found.append(date)
    return found
