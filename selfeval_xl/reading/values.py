"""Parsing what people type into value cells: ``≥95%``, ``200余人``, ``2,329.64万元``,
``2022年12月31日前``, ``11月底前``, ``三个``, ``达成年度指标``. ``parse_value`` never raises: text
that is not a number or a date stays text and the scoring decides whether that is a problem
(``parse_amount`` and ``parse_points``, for a cell that must hold an amount or a score, raise
``ValueError`` instead). Dates are read by ``dates``, Chinese numerals by ``numerals``."""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from dataclasses import dataclass

from selfeval_xl.reading.dates import DEADLINE_WORDS, parse_date
from selfeval_xl.reading.numerals import LEADING_NUMERAL, NUMERAL_CHARS, chinese_numeral, chinese_percent
from selfeval_xl.reading.text import normalize_text

BLANK = "blank"
NUMBER = "number"
DATE = "date"
TEXT = "text"

GE, GT, EQ, LE, LT, QUAL = "≥", ">", "=", "≤", "<", "定性"
OPERATORS = (GE, GT, EQ, LE, LT, QUAL)

# 指标性质 column words → operator. ``定量`` means "take it from the 指标值".
_OPERATOR_WORDS = {
    "≥": GE,
    ">=": GE,
    "=>": GE,
    "正向": GE,
    "大于等于": GE,
    "大于或等于": GE,
    "高于或等于": GE,
    "不低于": GE,
    "不少于": GE,
    "不小于": GE,
    ">": GT,
    "大于": GT,
    "高于": GT,
    "多于": GT,
    "超过": GT,
    "=": EQ,
    "==": EQ,
    "等于": EQ,
    "≤": LE,
    "<=": LE,
    "=<": LE,
    "反向": LE,
    "小于等于": LE,
    "小于或等于": LE,
    "低于或等于": LE,
    "不高于": LE,
    "不超过": LE,
    "不大于": LE,
    "不多于": LE,
    "<": LT,
    "小于": LT,
    "低于": LT,
    "少于": LT,
    "定性": QUAL,
    "定量": "",
}

# Operator words written in front of a value (longest first so that 大于等于 beats 大于).
_PREFIX_WORDS = sorted(
    [w for w in _OPERATOR_WORDS if w not in ("正向", "反向", "定性", "定量")] + ["至少", "达到", "最多", "约", "≈"],
    key=len,
    reverse=True,
)
# the same words by their first character, longest first as above
_PREFIX_BY_FIRST: dict[str, list[str]] = {}
for _word in _PREFIX_WORDS:
    _PREFIX_BY_FIRST.setdefault(_word[0], []).append(_word)
_PREFIX_OPERATOR = {**_OPERATOR_WORDS, "至少": GE, "达到": GE, "最多": LE}
_SUFFIX_OPERATOR = (
    ("及以上", GE),
    ("以上", GE),
    ("以内", LE),
    ("及以下", LE),
    ("以下", LE),
)
_SUFFIX_TUPLE = tuple(suffix for suffix, _ in _SUFFIX_OPERATOR)
_APPROX = ("余", "多", "左右", "上下")

_NUMBER = re.compile(r"^([+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+)")
_PERCENT_UNITS = {"%", "百分比", "百分点"}
# (千元 is the unit of many finance tables: 5千元 is 5000元, 0.5万元)
CURRENCY_SCALE = {"元": 1.0, "千元": 1e3, "万元": 1e4, "亿元": 1e8}
# 万 and 亿, how many they count: before a unit (万人, 亿人次: ``scaled_unit``), after a Chinese
# numeral (三万人次), or alone after a number (1.2万: ``scoring.plan``)
SCALE_WORDS = {"万": 1e4, "亿": 1e8}
# units one converts into another exactly, by kind: a value in one is compared with a target in
# another of its kind after converting (36小时 against ≤2天 is 1.5天, 0.15% against ≤0.9‰ is
# 1.5‰: ‰ stays the unit typed, so that notes show the form's numbers); units of different kinds,
# or not listed (人 and 人次, 个工作日), are compared by their numbers as typed (two units of time
# among them with a unit-mismatch warning: ``scorer._times_apart``)
UNIT_SCALE: dict[str, tuple[str, float]] = {
    **{unit: ("money", scale) for unit, scale in CURRENCY_SCALE.items()},
    **{"%": ("rate", 1.0), "‰": ("rate", 0.1)},
    **{
        "分钟": ("time", 1 / 60),
        "小时": ("time", 1.0),
        "个小时": ("time", 1.0),
        "天": ("time", 24.0),
        "日": ("time", 24.0),
        "周": ("time", 168.0),
        "星期": ("time", 168.0),
        "个星期": ("time", 168.0),
    },
    # calendar months, quarters and years (a month is no fixed number of days or hours: none of
    # them converts to 天, ``scorer._times_apart``)
    **{"月": ("months", 1.0), "个月": ("months", 1.0), "季度": ("months", 3.0), "个季度": ("months", 3.0)},
    **{"年": ("months", 12.0)},
    **{"克": ("mass", 1e-3), "千克": ("mass", 1.0), "公斤": ("mass", 1.0), "斤": ("mass", 0.5), "吨": ("mass", 1e3)},
    **{"kg": ("mass", 1.0)},  # (the symbols people type beside the Chinese names; ㎏ and ㎞ are these after NFKC)
    **{
        "米": ("length", 1.0),
        "千米": ("length", 1e3),
        "公里": ("length", 1e3),
        "m": ("length", 1.0),
        "km": ("length", 1e3),
    },
    **{"平方米": ("area", 1.0), "亩": ("area", 1e4 / 15), "公顷": ("area", 1e4), "平方公里": ("area", 1e6)},
}


def unit_factor(unit: str, into: str) -> float | None:
    """What a number in ``unit`` is multiplied by to be in ``into`` (both of one kind of
    ``UNIT_SCALE``, or one unit with and without 万/亿 (万人 and 人, 万亩 and 公顷), and
    different); None otherwise."""
    if unit == into:
        return None
    a, b = UNIT_SCALE.get(unit), UNIT_SCALE.get(into)
    if a is not None and b is not None:
        return a[1] / b[1] if a[0] == b[0] else None
    (base, scale), (into_base, into_scale) = scaled_unit(unit), scaled_unit(into)
    if scale == into_scale:
        return None  # (neither has 万/亿 before it: no kind in common)
    if base == into_base:
        return scale / into_scale
    factor = unit_factor(base, into_base)
    return None if factor is None else factor * scale / into_scale


def scaled_unit(unit: str) -> tuple[str, float]:
    """A unit written with 万/亿 before it (万人, 亿人次; not 万元 and 亿元, money units of their
    own) as its plain unit and that scale: (人, 10000)."""
    if len(unit) > 1 and unit[0] in SCALE_WORDS and unit not in CURRENCY_SCALE:
        return unit[1:], SCALE_WORDS[unit[0]]
    return unit, 1.0


@dataclass(frozen=True)
class Value:
    """One parsed cell: a number with unit, a date, text, or blank."""

    kind: str
    raw: object = None
    number: float | None = None
    unit: str = ""
    operator: str | None = None
    date: dt.date | None = None
    text: str = ""
    approx: bool = False

    @functools.cached_property  # (kept in the instance: the parsed texts are shared, ``_parse_text``)
    def display(self) -> str:
        """The value as a person wrote it (for results and messages)."""
        if self.raw is None:
            return ""
        if isinstance(self.raw, float):
            if out_of_range(self.raw):
                return f"{self.raw:g}"
            if self.unit == "%":
                return f"{_fmt(self.number)}%"
            return _fmt(self.raw)
        if isinstance(self.raw, dt.datetime):
            return self.raw.date().isoformat()
        if isinstance(self.raw, dt.date):
            return self.raw.isoformat()
        return str(self.raw).strip()


_new = object.__new__


def _make(
    kind: str,
    raw: object = None,
    number: float | None = None,
    unit: str = "",
    operator: str | None = None,
    date: dt.date | None = None,
    text: str = "",
    approx: bool = False,
) -> Value:
    """``Value(...)``, built as the frozen dataclass's own __init__ would, without its eight
    object.__setattr__ calls (a third of parsing a cell). Same fields, same order."""
    v = _new(Value)
    v.__dict__.update(
        kind=kind, raw=raw, number=number, unit=unit, operator=operator, date=date, text=text, approx=approx
    )
    return v


def _fmt(x: float | None) -> str:
    if x is None:
        return ""
    if float(x).is_integer():
        return str(int(x))
    return f"{x:.10g}"


_YEAR = re.compile(r"(\d{4})(?:\.0+)?(?:年度?)?")


def parse_year(raw: object) -> int | None:
    """A 评价年度 as people type it: ``2023``, ``2023年``, ``2023年度``, full-width ``２０２３``
    (a number cell 2023.0 too); None for anything else or a year outside 1990–2100."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        raw = int(raw) if float(raw).is_integer() else raw
    m = _YEAR.fullmatch(normalize_text(raw))
    year = int(m.group(1)) if m else None
    return year if year is not None and 1990 <= year <= 2100 else None


def parse_operator_word(text: object) -> str | None:
    """A 指标性质 cell → operator; ``''`` for 定量/blank (use the value's own operator);
    ``None`` when the word is not recognised."""
    if text is None:
        return ""
    if type(text) is str and len(text) <= 32:
        return _operator_word(text)  # the few words of the 指标性质 column, over and over
    return _operator_word.__wrapped__(text)


@functools.lru_cache(maxsize=1024)
def _operator_word(text: object) -> str | None:
    s = normalize_text(text)
    if not s:
        return ""
    if s in _OPERATOR_WORDS:
        return _OPERATOR_WORDS[s]
    # 正向指标 / 定性指标, 大于等于(≥), ≥(大于等于): the word with its suffix or gloss, when
    # every part names the same operator
    s = s.removesuffix("指标")
    parts = [p for p in re.split(r"[()]", s) if p]
    found = {_OPERATOR_WORDS.get(p.removesuffix("指标")) for p in parts}
    return found.pop() if len(found) == 1 and None not in found else None


def _split_operator(s: str) -> tuple[str | None, str]:
    for word in _PREFIX_BY_FIRST.get(s[:1], ()):
        if s.startswith(word) and len(s) > len(word):
            op = _PREFIX_OPERATOR.get(word)
            return op, s[len(word) :]
    return None, s


# Beyond these a cell holds no amount, rate or count anyone means (and 2-decimal rounding in
# ``decimal`` would fail): it is read as text and reported as out of range where a number is due.
MAX_MAGNITUDE = 1e15
MIN_MAGNITUDE = 1e-300


def out_of_range(x: float) -> bool:
    """A finite number too large (≥ 10^15) or too close to 0 (a subnormal) to be meant."""
    return math.isfinite(x) and (abs(x) >= MAX_MAGNITUDE or 0 < abs(x) < MIN_MAGNITUDE)


def parse_value(
    raw: object,
    *,
    percent_format: bool = False,
    year: int | None = None,
    timely: bool = False,
) -> Value:
    """Parse a cell's value. ``percent_format``: the cell shows a number as a percentage, so
    0.95 means 95%. ``year``: the 评价年度, for dates written without a year. ``timely``: a
    时效 row, where a bare ``10月`` is a month."""
    if type(raw) is str and len(raw) <= _CACHED_TEXT and (year is None or type(year) is int) and type(timely) is bool:
        return _parse_text(raw, year, timely)  # the same few texts in every workbook (≥95%, 完成, 1个)
    return _parse_any(raw, percent_format, year, timely)


_CACHED_TEXT = 64  # longer texts (a sentence in 实际完成值) seldom repeat and are not kept


def _parse_any(raw: object, percent_format: bool, year: int | None, timely: bool) -> Value:
    try:
        return _parse_value(raw, percent_format, year, timely)
    except (ValueError, OverflowError, TypeError):
        return Value(TEXT, raw, text=normalize_text(raw))


@functools.lru_cache(maxsize=4096)
def _parse_text(raw: str, year: int | None, timely: bool) -> Value:
    """``parse_value`` of a text, kept: it depends on nothing but these three (``percent_format``
    applies to numbers only), and a ``Value`` is immutable, so one serves every cell that holds
    the text. ``year`` is an int or None and ``timely`` a bool (so 2023 and 2023.0, or True and
    1, never share an entry: the caller checks the types)."""
    return _parse_any(raw, False, year, timely)


def _parse_value(raw: object, percent_format: bool, year: int | None, timely: bool) -> Value:
    if raw is None:
        return _make(BLANK, None)
    if isinstance(raw, bool):
        return _make(TEXT, raw, text="是" if raw else "否")
    if isinstance(raw, int | float):
        x = float(raw)
        a = abs(x)
        if not a < MAX_MAGNITUDE or 0 < a < MIN_MAGNITUDE:  # not finite, or out_of_range(x)
            return _make(TEXT, raw, text=str(raw))
        if percent_format:
            return _make(NUMBER, x, number=round(x * 100, 10), unit="%")
        return _make(NUMBER, x, number=x)
    if isinstance(raw, dt.datetime | dt.date):
        d = raw.date() if isinstance(raw, dt.datetime) else raw
        return _make(DATE, raw, date=d)
    s = normalize_text(raw)
    if not s or s in ("-", "—", "/", "—/", "无数据"):
        return _make(BLANK, raw) if not s else _make(TEXT, raw, text=s)
    common = _COMMON.fullmatch(s)
    if common is not None and _plain_unit(common.group(3)):
        # ≥90%, 92%, ≤30万元, 1个: what the steps below make of it (tests/test_values_fast.py holds the
        # two to each other), without them
        op, number, unit = common.groups()
        return _make(NUMBER, raw, number=float(number), unit=unit, operator=_COMMON_OPERATORS[op], text=s)
    operator, rest = _split_operator(s)
    # 约 and ≈ are the prefix words that give no operator: they say the number is approximate
    approx = operator is None and rest is not s
    if rest.endswith(_SUFFIX_TUPLE):
        for suffix, op in _SUFFIX_OPERATOR:
            if rest.endswith(suffix) and len(rest) > len(suffix):
                rest = rest[: -len(suffix)]
                operator = operator or op
                break
    date = parse_date(rest, year, allow_month_only=timely)
    if date is not None:
        if operator is None and any(w in rest for w in DEADLINE_WORDS):
            operator = LE
        return _make(DATE, raw, date=date, operator=operator, text=s)
    m = _NUMBER.match(rest)
    if m:
        number = float(m.group(1).replace(",", ""))
        unit = rest[m.end() :]
    elif (counted := _chinese_count(rest)) is not None:
        number, unit = counted  # 三个, 两次, 十二人: a count in Chinese numerals
    elif (share := chinese_percent(rest)) is not None:
        number, unit = share, "%"  # 百分之百, 百分之九十五
    else:
        return _make(TEXT, raw, operator=operator, text=s)
    if ")" in unit:
        unit = _TRAILING_NOTE.sub("", unit)  # ≥95%(含), 100%(全覆盖): a note, not the unit
    # 24小时内, 10个工作日内: 内 right after a quantity and its unit is 以内, ≤ (a date such as
    # 2023年内 or 12月内 was read above; a bare 3内 has no unit and is left as it was)
    within = unit.endswith("内") and len(unit) > 1
    if within:
        unit = unit[:-1]
    unit = _UNIT_SYMBOLS.get(unit, unit)  # (1200㎡: m2 once NFKC has made ㎡ and m² plain)
    if unit.startswith(_APPROX) or unit.endswith(_APPROX):
        for word in _APPROX:
            if unit.startswith(word):
                unit, approx = unit[len(word) :], True
            if unit.endswith(word):
                unit, approx = unit[: -len(word)], True
    if unit in _PERCENT_UNITS:
        unit = "%"
    if not _looks_like_unit(unit) or out_of_range(number):
        return _make(TEXT, raw, operator=operator, text=s)  # (3-5天内 stays text, no ≤ of its own)
    if within and operator is None:
        operator = LE
    return _make(NUMBER, raw, number=number, unit=unit, operator=operator, text=s, approx=approx)


# What a count in Chinese numerals is a count of (三个, 两次, 十二人, 五个工作日, 三万人次): measure
# words only, so that words that begin with a numeral (一般, 一致, 十分, 一次性, 三公经费) stay
# text; not 分 (a score is typed as a number, 八分 is no score), not 元 (an amount neither), not 月,
# 日 or 年 alone (三月, 十日 may be dates, 一年内 is often "within the year"; 三个月 is a count)
_CN_MEASURES = frozenset(
    "个 人 人次 户 户次 名 位 次 项 家 所 台 台套 套 辆 架 艘 座 条 篇 期 场 场次 批 件 起 例 处 间 张 份 本 册 "
    "块 栋 幢 支 种 类 组 队 村 镇 乡 校 只 头 株 棵 亩 吨 公里 千米 米 平方米 天 周 个月 个季度 小时 个小时 "
    "课时 学时 工作日 个工作日 轮".split()
)


def _chinese_count(rest: str) -> tuple[float, str] | None:
    """A count written in Chinese numerals with its measure word (``三个``, ``两百余人``,
    ``五个工作日内``): (number, the rest as a unit to read as after digits); None otherwise."""
    m = LEADING_NUMERAL.match(rest)
    if m is None or (number := chinese_numeral(m.group())) is None:
        return None
    unit = rest[m.end() :]
    core = _TRAILING_NOTE.sub("", unit).removesuffix("内")
    for word in _APPROX:
        core = core.removeprefix(word).removesuffix(word)
    core = core[1:] if core[:1] in SCALE_WORDS else core
    return (float(number), unit) if core in _CN_MEASURES else None


# The commonest values, ≥/≤ or nothing, a number of at most three digits before and after the
# point (never four in a row: so never a year, no date pattern applies), and a unit with no digit
_COMMON = re.compile(r"([≥≤]?)([0-9]{1,3}(?:\.[0-9]{1,3})?)([^0-9]{0,8})")
_COMMON_OPERATORS = {"≥": GE, "≤": LE, "": None}


@functools.lru_cache(maxsize=1024)
def _plain_unit(unit: str) -> bool:
    """Whether _parse_value's steps leave ``unit`` after such a number as it is and read the
    whole as a number in that unit: no 以上/以下/内 (an operator), 年/月/季/旬 (a date), note in
    brackets, 余/多/左右 (approx), percent word, and a unit by _looks_like_unit."""
    if unit.endswith(_SUFFIX_TUPLE) or unit.endswith("内") or any(ch in unit for ch in "年月季旬)"):
        return False
    if unit.startswith(_APPROX) or unit.endswith(_APPROX):
        return False
    if unit in _PERCENT_UNITS:
        return unit == "%"
    return _looks_like_unit(unit)


_TRAILING_NOTE = re.compile(r"\([^()]*\)$")
# units written with a power, as NFKC leaves them (㎡, m² → m2): their Chinese names
_UNIT_SYMBOLS = {"m2": "平方米", "m3": "立方米", "km2": "平方公里"}
_UNIT_CHARS = re.compile(r"^[^\d]{0,8}$")


def _looks_like_unit(unit: str) -> bool:
    """A short tail without digits (``人``, ``万元``, ``个村``); ``3-5人`` or ``1次/2年`` are text."""
    return bool(_UNIT_CHARS.match(unit)) and not unit.startswith((".", "-", "~", "至", "/"))


# A figure typed after its label, as an accountant reads it (the unit repeated the indicator's
# name): 满意度95%, 完成率100%, 达标率为98%, 覆盖率达到96%, 满意度：≥90%. The label is the row's
# 三级指标 (受益人数1200人), the word it ends in (人数1200人), or any word ending in 率 or 度;
# then 为 / 达到 / 达 / 是 and a colon, each optional; then a number as ``parse_value`` reads one
# (after the 三级指标 or its word, a date too: 完成时间2023年12月20日 in the row 项目完成时间).
# A word alone (满意, 达成年度指标) has no number after it and stays text.
_RATE_LABEL = re.compile(r"[\u4e00-\u9fff]{1,9}[率度]")
_CJK_TAIL = re.compile(r"[\u4e00-\u9fff]{2,}$")
_LABEL_LINK = re.compile(r"(为|达到|达|是)?:?")


def labelled_figure(v: Value, name: str, year: int | None = None, timely: bool = False) -> Value:
    """A text value that is a figure after its label (``满意度95%`` in the row 服务对象满意度,
    ``覆盖率达到96%``) as that figure, shown as typed; ``v`` itself otherwise. ``name``: the
    row's 三级指标. ``达``/``达到`` between label and number is ≥ (``满意度达到90%`` as a target),
    as ``达到90%`` is; an operator written after the label is kept (``满意度≥90%``)."""
    if v.kind != TEXT or type(v.raw) is not str or len(v.raw) > _CACHED_TEXT or not _MAY_HOLD_FIGURE.search(v.raw):
        return v
    found = _labelled(v.raw, name, year, timely)
    return v if found is None else found


# What a figure parse_value reads holds at least one of (a digit, a Chinese numeral, 年 or 季 of a
# date such as 上半年): most texts (达成, 良好, 按时完成) have none and are no labelled figure
_MAY_HOLD_FIGURE = re.compile(rf"[\d{NUMERAL_CHARS}年季]")


@functools.lru_cache(maxsize=1024)
def _labelled(raw: str, name: str, year: int | None, timely: bool) -> Value | None:
    s = normalize_text(raw)
    rate = _RATE_LABEL.match(s)
    named = _labels(normalize_text(name) if name else "")
    for label in (*named, rate.group() if rate else ""):
        if not label or not s.startswith(label):
            continue
        rest = s[len(label) :]
        link = _LABEL_LINK.match(rest)  # (always matches, perhaps nothing)
        figure = rest[link.end() :] if link else rest
        v = parse_value(figure, year=year, timely=timely) if figure else None
        if v is not None and v.kind == DATE and label in named:
            # 完成时间2024年3月20日 in the row 项目完成时间: that date (judged by its words it was
            # 达成 for the 完成 in it, however late)
            return _make(DATE, raw, date=v.date, operator=v.operator, text=s)
        if v is None or v.kind != NUMBER:
            continue
        operator = v.operator
        if operator is None and link is not None and link.group(1) in ("达", "达到"):
            operator = GE
        return _make(NUMBER, raw, number=v.number, unit=v.unit, operator=operator, text=s, approx=v.approx)
    return None


@functools.lru_cache(maxsize=256)
def _labels(name: str) -> tuple[str, ...]:
    """The labels a row's 三级指标 gives, longest first: the name without a note in brackets
    (服务对象满意度(%)), and each ending of its last run of Chinese characters of two or more
    (对象满意度, 满意度, 意度: the word it ends in, 满意度 or 人数)."""
    while name.endswith(")") and (bare := _TRAILING_NOTE.sub("", name)) != name:
        name = bare
    if not name:
        return ()
    labels = [name]
    if (tail := _CJK_TAIL.search(name)) is not None:
        word = tail.group()
        labels += [word[i:] for i in range(len(word) - 1) if word[i:] != name]
    return tuple(labels)


def parse_amount(raw: object, percent_format: bool = False, unit: str | None = None) -> float | None:
    """An amount cell (no operator): number or ``None`` when blank. With ``unit`` (the
    workbook's 金额单位, 元 or 万元), an amount written with its own currency unit is converted
    to it (``23,296,400元`` in a 万元 workbook → 2329.64); ``120万`` is 120万元 and a leading ``¥``
    or ``￥`` is dropped (``￥1,200,000.00``). Raises ``ValueError`` when the text is not an amount,
    an approximate one among them (``约29.6万元``, ``29.6万元左右``, ``30余万元``): an amount in a
    budget table is exact, as a score is (``points_number``)."""
    if isinstance(raw, str) and (bare := without_yen(raw)) is not None:
        raw = bare
    v = parse_value(raw, percent_format=percent_format)
    if v.kind == BLANK:
        return None
    money = money_unit(v.unit)
    if (
        v.kind == NUMBER
        and v.operator is None
        and not v.approx
        and (money in ("", *CURRENCY_SCALE))
        and v.number is not None
    ):
        if unit in CURRENCY_SCALE and money in CURRENCY_SCALE and money != unit:
            return v.number * CURRENCY_SCALE[money] / CURRENCY_SCALE[unit]
        return v.number
    raise ValueError(v.display)


def without_yen(text: str) -> str | None:
    """An amount typed with a leading ``¥`` or ``￥`` (``￥1,200,000.00``) without it; None when it
    has none."""
    stripped = text.lstrip()
    return stripped[1:] if stripped.startswith(("¥", "￥")) else None


def money_unit(unit: str) -> str:
    """A parsed amount's unit as money: ``万`` alone is 万元 (``120万``), ``亿`` alone 亿元
    (``1.2亿``), as a bare 万/亿 against an amount target is (``scoring.plan``)."""
    return unit + "元" if unit in SCALE_WORDS else unit


def unit_word(raw: object) -> str:
    """A 计量单位 cell: normalised text, the percent words (百分比, 百分点, ％) as ``%`` as in a value
    (``≥100百分比`` is 100%), so that a number under 计量单位 百分比 is a percentage."""
    text = normalize_text(raw)
    return "%" if text in _PERCENT_UNITS else text


def points_number(v: Value) -> float | None:
    """The score a parsed 分值 / 得分 / 总分 cell says: a plain number, in 分 or in nothing
    (``97``, ``97.5分``); None when it is anything else (``≥90``, ``97万元``, ``约97分``,
    ``97分左右``, text, blank): a score is exact, an approximate one is not taken as its number."""
    if v.kind == NUMBER and v.operator is None and not v.approx and v.unit in ("", "分") and v.number is not None:
        return v.number
    return None


def parse_points(raw: object) -> float | None:
    """A 分值 / 得分 / 总分 typed as people type scores: ``97``, ``97.5分``, ``９７``; ``None`` when
    blank. Raises ``ValueError`` when the text is no score (``九十七``, ``≥90``, ``97万元``, ``约97``)."""
    v = parse_value(raw)
    if v.kind == BLANK:
        return None
    number = points_number(v)
    if number is None:
        raise ValueError(v.display)
    return number


def is_blank(v: object) -> bool:
    """A cell value that holds nothing: none, or only spaces."""
    return v is None or (isinstance(v, str) and not v.strip())


def cell_text(v: object) -> str:
    """A cell's value as the text a person reads: stripped, a whole float without ``.0``."""
    if type(v) is str:  # (the commonest: every text cell of every indicator row)
        return v.strip()
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()
