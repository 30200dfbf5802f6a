"""round_half_up's shortcut for plain floats against the rule it stands for: ``decimal``'s
ROUND_HALF_UP on the shortest repr of the number rounded to 9 decimals (SPEC §3.8)."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from selfeval_xl.rounding import fmt_num, percent_fraction, round_half_up


def reference(x: float, places: int) -> float:
    """The rule, written out with ``decimal`` alone."""
    if math.isnan(x) or math.isinf(x) or abs(x) >= 1e15:
        return x
    d = Decimal(repr(round(x, 9)))
    return float(d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def same(a: float, b: float) -> bool:
    """Equal floats, the sign of a zero included (−0.0 shows as -0 in Excel's formula bar)."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1, a) == math.copysign(1, b)


@settings(max_examples=1000, deadline=None)
@given(
    st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.floats(min_value=-1e4, max_value=1e4),
        # the numbers a table holds: k thousandths, halves at every place, thirds
        st.integers(-(10**9), 10**9).map(lambda k: k / 1000),
        st.integers(-(10**9), 10**9).map(lambda k: k * 0.005),
        st.integers(-(10**6), 10**6).map(lambda k: k / 3),
        st.floats(min_value=-1e-3, max_value=1e-3),
        st.floats(min_value=1e13, max_value=1e15),
    ),
    st.sampled_from([0, 1, 2, 4, 6]),
)
# ties in decimal that binary holds below or above the half: 2.675 is 2.67499999999999982236431605997495353221893310546875
@example(2.675, 2)
@example(-2.675, 2)
@example(1.005, 2)
@example(-0.001, 2)  # rounds to −0.0 under decimal
@example(-0.0, 2)
@example(0.000015, 6)  # a repr with an exponent (1.5e-05)
@example(4.4999999999, 0)  # float noise below 1e-9 cleared first: 4.5 → 5
@example(999999999999999.9, 2)
# the near shortcut's edges: 0.49 from an integer at 10**places, a small negative to -0.0
@example(1.0049, 2)
@example(-1.0051, 2)
@example(-0.0049, 2)
@example(123456.4999994, 6)
def test_shortcut_matches_decimal(x: float, places: int) -> None:
    assert same(round_half_up(x, places), reference(x, places))


@pytest.mark.parametrize(
    ("x", "places", "want"),
    [
        (2.675, 2, 2.68),  # round() gives 2.67
        (-2.675, 2, -2.68),  # half away from zero
        (0.125, 2, 0.13),
        (9.80528, 2, 9.81),
        (66.66666666666667, 2, 66.67),
        (4.4999999999, 0, 5.0),
        (0.9512499999, 4, 0.9513),  # 0.95125 after the 1e-9 clean-up
    ],
)
def test_worked_values(x: float, places: int, want: float) -> None:
    assert round_half_up(x, places) == want


def test_other_types_keep_their_behaviour() -> None:
    assert round_half_up(None) is None  # type: ignore[arg-type]
    assert math.isnan(round_half_up(math.nan))
    assert round_half_up(3) == 3.0 and type(round_half_up(3)) is float  # an int cell's points
    assert round_half_up(math.inf) == math.inf
    assert fmt_num(2.675) == "2.675" and fmt_num(1 / 3) == "0.3333" and fmt_num(95.0) == "95"
    assert percent_fraction(95.125) == 0.95125 and percent_fraction(None) is None


def test_scores_in_report_tables_have_two_decimals() -> None:
    """As the results sheet and 汇总 show scores (0.00; changes +0.00;-0.00;0.00)."""
    from selfeval_xl.rounding import fmt_score, fmt_signed_score

    assert [fmt_score(x) for x in (9.2, 10.0, 10, 2.675, 99.105, -0.001, float("nan"), None)] == [
        "9.20",
        "10.00",
        "10.00",
        "2.68",  # 四舍五入, not round()'s 2.67
        "99.11",
        "0.00",  # never "-0.00"
        "",  # a 不适用 row has no score
        "",
    ]
    assert [fmt_signed_score(x) for x in (1.5, -2.0, 0.0, -0.004, 12)] == ["+1.50", "-2.00", "0.00", "0.00", "+12.00"]
