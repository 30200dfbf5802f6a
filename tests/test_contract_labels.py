"""``contract.is_label``'s shortcut (issue 17: an indicator name is not NFKC-normalised just to
learn it is not the 预算执行率 line) answers what ``normalize_label(text) == label`` answers:
the characters it relies on are checked over every code point, and the answer over texts that
reach the label only through NFKC, decoration or brackets, and over generated ones."""

from __future__ import annotations

import sys
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from selfeval_xl.reading import contract as L


def _is_unified(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def test_every_character_that_decomposes_to_a_unified_ideograph_is_looked_for() -> None:
    # NFKC composes only characters that have a canonical decomposition (no unified ideograph
    # has one), so a unified ideograph in NFKC(text) comes from the NFKD of one character of
    # text: that character itself, or one of these
    missed = []
    for cp in range(sys.maxunicode + 1):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        nfkd = unicodedata.normalize("NFKD", ch)
        if nfkd != ch and any(map(_is_unified, nfkd)) and not L._IDEOGRAPH_SOURCES.match(ch):
            missed.append(f"U+{cp:04X}")
    assert missed == []


def test_texts_that_become_the_label_only_when_normalised() -> None:
    budget = L.LEVEL1_BUDGET  # 预算执行率
    yes = [
        "预算执行率",
        " 预算执行率（10分）",
        "*预算执行率：",
        "预算执行\uf9db",  # 率 as a compatibility ideograph (U+F9DB)
        "预算执\u2f8f率",  # 行 as the Kangxi radical (U+2F8F)
    ]
    no = ["布防飞机数量（1）", "资金执行在预算范围内（6）", "预算执行", "执行率", "", "預算執行率"]
    for text in yes:
        assert L.normalize_label(text) == budget, text
        assert L.is_label(text, budget), text
    for text in no:
        assert L.normalize_label(text) != budget, text
        assert not L.is_label(text, budget), text
    # the label's first character only as a character that decomposes to it
    assert L.is_label("\uf961", "率") and L.is_label("\u3192 ", "一") and L.is_label("\u2f00：", "一")
    # labels that do not start with a unified ideograph are always normalised
    assert L.is_label("ＡＢＣ", "ABC") and L.is_label(" x ", "x") and not L.is_label("y", "x")
    assert L.is_label(None, "") and not L.is_label(None, budget) and not L.is_label(12.0, budget)


_PIECES = st.sampled_from(
    ["预", "算", "执", "行", "率", "\u2f8f", "\uf961", "\u3192", "（", "）", "10分", " ", "：", "其中"]
)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.one_of(_PIECES, st.text(max_size=3)), max_size=8).map("".join),
    st.sampled_from(["预算执行率", "一", "率"]),
)
def test_same_answer_as_normalising(text: str, label: str) -> None:
    assert L.is_label(text, label) == (L.normalize_label(text) == label)


@pytest.mark.parametrize(
    ("typed", "level1"),
    [
        ("一、产出指标", "产出指标"),  # a numbered list of 一级指标, as many forms print them
        ("（二）效益指标", "效益指标"),
        ("三.满意度指标（10分）", "满意度指标"),
        ("2、效益", "效益指标"),
        ("1.产出指标", "产出指标"),
        ("一般性支出", "一般性支出"),  # 一 that is part of the word stays: not a standard name after it
        ("十一、其他", "十一其他"),  # numbered but not a standard name: only normalised
    ],
)
def test_a_numbered_level1_is_its_standard_name(typed, level1):
    assert L.canonical_level1(typed) == level1
