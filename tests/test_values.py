"""The value parser: every form of SPEC §2.4, and a property test that it never raises."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from selfeval_xl.reading.values import (
    BLANK,
    DATE,
    NUMBER,
    TEXT,
    parse_amount,
    parse_operator_word,
    parse_value,
    unit_factor,
)


@pytest.mark.parametrize(
    ("text", "number", "unit", "operator"),
    [
        ("≥95%", 95, "%", "≥"),
        ("≤10天", 10, "天", "≤"),
        ("=100%", 100, "%", "="),
        ("不低于90%", 90, "%", "≥"),
        ("１２３个", 123, "个", None),  # full-width digits
        ("2,329.64万元", 2329.64, "万元", None),  # thousands separator + unit
        ("200余人", 200, "人", None),
        (">=95", 95, "", "≥"),
        ("＜5次", 5, "次", "<"),
        ("≥100百分比", 100, "%", "≥"),
        ("大于或等于95%", 95, "%", "≥"),  # the 或 people write in it: not 大于 and a text
        ("1200㎡", 1200, "平方米", None),  # ㎡ and m² are m2 after NFKC: no digit left in the unit
        ("1200m²", 1200, "平方米", None),
        ("≥500m³", 500, "立方米", "≥"),
        ("小于或等于10天", 10, "天", "≤"),
        ("90%以上", 90, "%", "≥"),
        ("10天以内", 10, "天", "≤"),
        ("1.5万人", 1.5, "万人", None),  # kept as typed: unit_factor converts it to 人
        ("5‰", 5, "‰", None),  # ‰ is kept: notes show 5, not 0.5 (its percent)
        (" 42 ", 42, "", None),
        ("不多于3次", 3, "次", "≤"),  # 不多于 as 不超过
        ("少于5起", 5, "起", "<"),  # 少于 as 低于
        ("多于100人", 100, "人", ">"),  # 多于 as 高于
    ],
)
def test_numbers_in_text(text, number, unit, operator):
    v = parse_value(text)
    assert (v.kind, v.number, v.unit, v.operator) == (NUMBER, pytest.approx(number), unit, operator)


@pytest.mark.parametrize(
    ("text", "year", "timely", "date", "operator"),
    [
        ("2022年12月31日前", None, False, dt.date(2022, 12, 31), "≤"),
        ("11月底前", 2021, False, dt.date(2021, 11, 30), "≤"),
        ("10月", 2021, True, dt.date(2021, 10, 31), None),  # bare month only in a 时效 row
        ("2023年12月底", None, False, dt.date(2023, 12, 31), "≤"),
        ("2021年12月完成", None, False, dt.date(2021, 12, 31), None),
        ("2022-06-30", None, False, dt.date(2022, 6, 30), None),
        ("年底前", 2022, False, dt.date(2022, 12, 31), "≤"),
        ("第三季度", 2022, False, dt.date(2022, 9, 30), None),
    ],
)
def test_dates(text, year, timely, date, operator):
    v = parse_value(text, year=year, timely=timely)
    assert (v.kind, v.date, v.operator) == (DATE, date, operator)


@pytest.mark.parametrize(
    ("text", "number", "unit"),
    [
        # 内 right after a quantity and its unit means 以内: ≤ that quantity, 内 not in the unit
        ("24小时内", 24, "小时"),
        ("10个工作日内", 10, "个工作日"),
        ("3日内", 3, "日"),
        ("30天内", 30, "天"),
        ("3个月内", 3, "个月"),
        ("1年内", 1, "年"),  # one digit: a duration, not a year
        ("5%内", 5, "%"),
        ("5万元内", 5, "万元"),  # (was 50000 in the unit 元内)
    ],
)
@pytest.mark.parametrize("timely", [False, True])
def test_within_after_a_quantity_is_less_or_equal(text, number, unit, timely):
    v = parse_value(text, year=2023, timely=timely)
    assert (v.kind, v.number, v.unit, v.operator) == (NUMBER, pytest.approx(number), unit, "≤")


@pytest.mark.parametrize(
    ("text", "date"),
    [
        # dates with 内 or a deadline word stay the dates they were: the period's last day, ≤
        ("2023年内", dt.date(2023, 12, 31)),  # four digits and 年内: the year 2023, not ≤ 2023 年
        ("2024年内", dt.date(2024, 12, 31)),  # its own year, not the 评价年度
        ("年内", dt.date(2023, 12, 31)),
        ("年内完成", dt.date(2023, 12, 31)),
        ("当年内", dt.date(2023, 12, 31)),
        ("12月内", dt.date(2023, 12, 31)),
        ("10月内", dt.date(2023, 10, 31)),
        ("12月底前", dt.date(2023, 12, 31)),
        ("2023年12月底前", dt.date(2023, 12, 31)),
        ("2023年12月31日内", dt.date(2023, 12, 31)),
    ],
)
@pytest.mark.parametrize("timely", [False, True])
def test_dates_with_within_stay_dates(text, date, timely):
    v = parse_value(text, year=2023, timely=timely)
    assert (v.kind, v.date, v.operator) == (DATE, date, "≤")


@pytest.mark.parametrize("text", ["3-5天内", "规定时间内", "一年内", "资金执行在预算范围内"])
def test_within_without_a_single_quantity_stays_text_without_an_operator(text):
    v = parse_value(text, year=2023)
    assert (v.kind, v.operator) == (TEXT, None)


def test_bare_month_outside_timely_row_is_a_number():
    assert parse_value("10月", year=2021).kind == NUMBER


def test_percent_formatted_cell_means_what_excel_shows():
    v = parse_value(0.95, percent_format=True)
    assert (v.number, v.unit, v.display) == (95, "%", "95%")
    assert parse_value(0.95).number == 0.95


@pytest.mark.parametrize(
    "text", ["达成年度指标", "好", "约九成", "3-5人", '=HYPERLINK("http://x")', "+cmd|' /C calc'!A0", "@SUM(A1)"]
)
def test_text_stays_text(text):
    v = parse_value(text)
    assert v.kind == TEXT
    assert v.display == text.strip()


def test_blank_and_dash():
    assert parse_value(None).kind == BLANK
    assert parse_value("   ").kind == BLANK
    assert parse_value("/").kind == TEXT


@pytest.mark.parametrize(
    ("word", "op"),
    [
        ("≥", "≥"),
        (">=", "≥"),
        ("正向", "≥"),
        ("反向", "≤"),
        ("<=", "≤"),
        ("等于", "="),
        ("定性", "定性"),
        ("", ""),
        (None, ""),
        ("大概", None),
        # the 多/少 words and 超过, as 不超过/低于/高于 are read
        ("不多于", "≤"),
        ("少于", "<"),
        ("多于", ">"),
        ("超过", ">"),
    ],
)
def test_operator_words(word, op):
    assert parse_operator_word(word) == op


@pytest.mark.parametrize(
    ("text", "number", "unit", "operator", "approx"),
    [
        ("三个", 3, "个", None, False),
        ("两个", 2, "个", None, False),
        ("十二次", 12, "次", None, False),  # 十 then 二: 10 + 2
        ("二十人", 20, "人", None, False),  # 二 × 十
        ("一百零五人", 105, "人", None, False),  # 1 × 100 + 零 + 5
        ("两千人次", 2000, "人次", None, False),
        ("三万人次", 3, "万人次", None, False),  # 万 stays in the unit, as after 3
        ("不少于十二次", 12, "次", "≥", False),
        ("≥三个", 3, "个", "≥", False),
        ("五个工作日内", 5, "个工作日", "≤", False),  # 内 after the unit, as 5个工作日内
        ("两百余人", 200, "人", None, True),  # as 200余人
        ("零起", 0, "起", None, False),
        ("百分之百", 100, "%", None, False),
        ("百分之九十五", 95, "%", None, False),  # 9 × 10 + 5
        ("百分之九十五点五", 95.5, "%", None, False),
        ("百分之九十以上", 90, "%", "≥", False),
    ],
)
def test_chinese_numerals_with_a_measure_word(text, number, unit, operator, approx):
    # an outside checker reads 三个 as 3个; each number worked out from the numerals above
    v = parse_value(text, year=2023)
    assert (v.kind, v.number, v.unit, v.operator, v.approx) == (NUMBER, number, unit, operator, approx)


@pytest.mark.parametrize(
    "text",
    # words that begin with a numeral, a numeral with no measure word (a score 八分 or 十 is
    # refused as before), a list of numerals, a Chinese year, a month or a day that may be a date,
    # 一年内 ("within the year"), an amount in words (amounts are typed in figures)
    [
        "一般",
        "一致",
        "十分满意",
        "一次性",
        "三公经费",
        "八分",
        "十",
        "一二",
        "二〇二三年",
        "三月",
        "十日内",
        "一年内",
        "五万元",
        "百分之",
        "百分之一二",
    ],
)
def test_chinese_numerals_without_a_measure_word_stay_text(text):
    assert parse_value(text, year=2023).kind == TEXT


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("2023年上半年", dt.date(2023, 6, 30)),
        ("2023年下半年", dt.date(2023, 12, 31)),
        ("下半年", dt.date(2023, 12, 31)),  # the 评价年度's
        ("2023年第三季度", dt.date(2023, 9, 30)),
        ("2023年4季度", dt.date(2023, 12, 31)),
        ("2023年度第一季度末", dt.date(2023, 3, 31)),
    ],
)
def test_half_years_and_quarters_with_a_year_are_dates(text, date):
    # as 上半年 and 第三季度 without the year were: the period's last day
    v = parse_value(text, year=2023)
    assert (v.kind, v.date) == (DATE, date)


def test_qian_yuan_is_a_thousand_yuan():
    # 5千元 = 5000元 = 0.5万元
    assert unit_factor("千元", "元") == 1000
    assert unit_factor("千元", "万元") == pytest.approx(0.1)
    assert parse_amount("5千元", unit="万元") == pytest.approx(0.5)


def test_amounts():
    assert parse_amount("2,329.64") == 2329.64
    assert parse_amount(None) is None
    with pytest.raises(ValueError):
        parse_amount("约两千万")


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.text(),
        st.text(alphabet="0123456789.,%≥≤<>=年月日前底余万元天人-/ 　１２"),
        st.floats(allow_nan=True, allow_infinity=True),
        st.integers(),
    )
)
def test_parser_never_raises(raw):
    v = parse_value(raw, year=2022, timely=True)
    assert v.kind in (BLANK, NUMBER, DATE, TEXT)
    if v.kind == NUMBER:
        assert v.number is not None and v.number == v.number  # a real number, never NaN
    if v.kind == DATE:
        assert isinstance(v.date, dt.date)
