"""Numbers written in Chinese numerals, as people type a count or a percentage in a value cell
(三个, 十二次, 一百零五人, 百分之九十五): ``values.parse_value`` reads them with these."""

from __future__ import annotations

import re

DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_POWERS = {"十": 10, "百": 100, "千": 1000}
NUMERAL_CHARS = "".join(DIGITS) + "".join(_POWERS)  # 零〇一二两三四五六七八九十百千
LEADING_NUMERAL = re.compile(f"^[{NUMERAL_CHARS}]+")  # (三 of 三个, 一百零五 of 一百零五人)


def chinese_numeral(text: str) -> int | None:
    """三 → 3, 十二 → 12, 二十 → 20, 一百零五 → 105, 两千 → 2000; None for what is no numeral
    (一二, 十十, 百千)."""
    total, digit, last_power = 0, None, 10_000
    for ch in text:
        if ch in DIGITS:
            if digit is not None and digit != 0:
                return None  # two digits in a row (一二): a list, not a number
            digit = DIGITS[ch]
        else:
            power = _POWERS[ch]
            if power >= last_power:
                return None
            total += (1 if digit is None else digit) * power
            digit, last_power = None, power
    return total + (digit or 0)


_PER_HUNDRED = re.compile(
    r"^百分之(?P<int>[零〇一二两三四五六七八九十百]+|\d+)(?:点(?P<dec>[零〇一二三四五六七八九]+))?$"
)


def chinese_percent(text: str) -> float | None:
    """百分之百 → 100, 百分之九十五 → 95, 百分之九十五点五 → 95.5 (a percentage in words); None otherwise."""
    m = _PER_HUNDRED.match(text)
    if m is None:
        return None
    whole = m.group("int")
    number = int(whole) if whole.isdigit() else chinese_numeral(whole)
    if number is None:
        return None
    decimals = "".join(str(DIGITS[ch]) for ch in m.group("dec") or "")
    return float(f"{number}.{decimals}") if decimals else float(number)
