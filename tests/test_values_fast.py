"""The value parser's shortcuts (issue 17) give exactly what its general steps give: the
common-number path (``≥90%``, ``92%``, ``≤30 万元``, ``1个``) and the no-year date precheck, each
compared with the parser run with that shortcut switched off, on every text of the real
published forms and on generated ones."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from selfeval_xl.reading import dates, values
from selfeval_xl.reading.values import parse_date, parse_value

REAL_FORMS = Path(__file__).resolve().parent / "real_forms"


@contextlib.contextmanager
def general_path() -> Iterator[None]:
    """The parser with both shortcuts off: the common-number pattern matches nothing, and the
    precheck finds a hint (the empty one) in every text; and texts are parsed afresh, not taken
    from the kept ones (``_parse_text``), which the shortcuts made."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(values, "_parse_text", values._parse_text.__wrapped__)
        mp.setattr(values, "_COMMON", re.compile(r"(?!)"))
        mp.setattr(dates, "_NO_YEAR_HINT", re.compile(""))
        yield


def same(raw: object, year: int | None, timely: bool) -> None:
    fast = parse_value(raw, year=year, timely=timely)
    with general_path():
        general = parse_value(raw, year=year, timely=timely)
    assert repr(fast) == repr(general)  # repr: 1 and 1.0, True and 1 told apart
    assert type(fast.number) is type(general.number)


def _strings(node: object) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for v in node.values():
            yield from _strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from _strings(v)


REAL_TEXTS = sorted({s for f in sorted(REAL_FORMS.glob("*.json")) for s in _strings(json.loads(f.read_text()))})


def test_the_real_forms_hold_texts_the_shortcut_takes():
    assert len(REAL_TEXTS) > 250
    taken = [s for s in REAL_TEXTS if values._COMMON.fullmatch(values.normalize_text(s))]
    assert len(taken) > 20  # ≥90%, 100%, 8个, ...: the shortcut is exercised by real values


@pytest.mark.parametrize("year", [None, 2022])
def test_every_text_of_the_real_forms_reads_as_the_general_path_reads_it(year):
    for text in REAL_TEXTS:
        for timely in (False, True):
            same(text, year, timely)


# numbers as people type them, with what may come before and after
OPERATORS = ["", "≥", "≤", "≧", "⩽", ">", "=", "≥ ", "不低于", "约", "＞"]
NUMBERS = ["0", "1", "4", "12", "100", "0.5", "999.999", "1.2345", "1000", "2023", "2023.12", "1,000", "１２", ".5"]
UNITS = [
    "", "%", "％", "个", "人", "次", "万元", "元", "亿元", "万人", "万", "亿", "小时", "天", "元/辆", "‰",
    "百分比", "百分点", "以上", "及以上", "以内", "以下", "个以上", "余人", "多", "左右", "人次上下", "年",
    "月", "月底", "月前", "季度", "旬", "日", "(含)", "%(含)", "分", "个村", "km", ".5", "-", "~3", "至5",
    "/年", "年度", "前", "底", "内", " ", "  个", "ABCDEFGHI", "点", "分钟以内", "天内", "万元左右", "季",
    "月5日", "月上旬", "号", "日前", "期", "年底前", ",", "，", "、2",
]  # fmt: skip
_ALPHABET = "0123456789.,%‰≥≤><=约余多个人次天年月日季度旬底末前内以上下及万亿元百分比点/()（）-—～ 　０１％达到"


def test_every_operator_number_and_unit_reads_as_the_general_path_reads_it():
    for op in OPERATORS:
        for number in NUMBERS:
            for unit in UNITS:
                for year in (None, 2023):
                    same(op + number + unit, year, False)
                    same(op + number + unit, year, True)


@settings(max_examples=1500, deadline=None)
@given(
    st.one_of(
        st.tuples(st.sampled_from(OPERATORS), st.from_regex(r"[0-9]{1,5}(\.[0-9]{0,4})?", fullmatch=True))
        .map("".join)
        .flatmap(lambda head: st.sampled_from(UNITS).map(lambda unit: head + unit)),
        st.text(_ALPHABET, max_size=10),
    ),
    st.sampled_from([None, 2023]),
    st.booleans(),
)
def test_generated_texts_read_as_the_general_path_reads_them(text, year, timely):
    same(text, year, timely)


# dates written without a year, as people write them, and near misses
_NO_YEAR = st.tuples(
    st.sampled_from(["", "已", "在", "截至", "于"]),
    st.sampled_from(
        [
            "10月", "10月5日", "1月上旬", "3月下旬", "12月底", "年底", "年末", "年内", "本年度", "当年", "上半年",
            "第一季度", "2季度", "三季度末", "第5季度", "年度", "全年", "下半年", "月底", "本年", "1年", "13月",
        ]
    ),
    st.sampled_from(["", "前", "之前", "内", "完成", "底前", "以前完成", "左右"]),
).map("".join)  # fmt: skip


@settings(max_examples=1000, deadline=None)
@given(st.one_of(_NO_YEAR, st.text(_ALPHABET + "第一二三四半本当年末", max_size=12)), st.booleans())
def test_the_no_year_precheck_refuses_only_what_no_pattern_matches(text, allow_month_only):
    fast = parse_date(text, 2023, allow_month_only)
    with general_path():
        assert parse_date(text, 2023, allow_month_only) == fast


@pytest.mark.parametrize(
    ("text", "kind", "number", "unit", "operator"),
    [
        # worked out from the rules by hand: ≥ is the operator, 90 the number, % the unit
        ("≥90%", "number", 90.0, "%", "≥"),
        ("≤30 万元", "number", 30.0, "万元", "≤"),  # the space is dropped, 万元 is a currency unit
        ("1个", "number", 1.0, "个", None),
        ("2023.12", "date", None, "", None),  # four digits: a year, not the shortcut's
        ("90%以上", "number", 90.0, "%", "≥"),  # 以上 makes it ≥
        ("1.5万人", "number", 1.5, "万人", None),  # 万人 is a unit of its own (converts to 人)
    ],
)
def test_worked_examples(text, kind, number, unit, operator):
    v = parse_value(text, year=2023)
    assert (v.kind, v.number, v.unit, v.operator) == (kind, number, unit, operator)


def _fresh(text: str, year: int | None, timely: bool) -> values.Value:
    """The text parsed by the parser's own steps, nothing kept."""
    return values._parse_any(text, False, year, timely)


@pytest.mark.parametrize(
    "text", ["≥95%", "完成", "10月", "10月底前", "2022年12月31日前", "1个", "", " ", "—", "无数据", "十", "≤30 万元"]
)
def test_a_kept_text_reads_as_a_fresh_parse_whatever_came_before(text):
    # the same text under every year and 时效 in turn, twice, then backwards: each call gives
    # what that text, year and 时效 give afresh (10月 is a date only in a 时效 row, with a year)
    calls = [(year, timely) for year in (None, 2022, 2023) for timely in (False, True)]
    for year, timely in [*calls, *calls, *reversed(calls)]:
        assert repr(parse_value(text, year=year, timely=timely)) == repr(_fresh(text, year, timely))


def test_a_kept_text_is_kept_only_for_an_int_year_and_a_bool_timely():
    values._parse_text.cache_clear()
    parse_value("10月", year=2023, timely=True)
    assert parse_value("10月", year=2023, timely=True).date == dt.date(2023, 10, 31)
    # 2023.0 == 2023 and 1 == True as keys: such calls are parsed afresh, never served the
    # entry above (dt.date(2023.0, ...) raises, so 10月 is then text)
    assert parse_value("10月", year=2023.0, timely=True).kind == "text"  # type: ignore[arg-type]
    assert repr(parse_value("10月", year=2023, timely=1)) == repr(_fresh("10月", 2023, 1))  # type: ignore[arg-type]
    assert values._parse_text.cache_info().hits == 1
    # a long text (a sentence) is not kept
    long = "完成" * 40
    assert repr(parse_value(long, year=2023)) == repr(_fresh(long, 2023, False))
    assert values._parse_text.cache_info().currsize == 1
