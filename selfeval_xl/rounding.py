"""Rounding and number display shared by rules, scoring, results and reports: 四舍五入 to 2 decimals
(SPEC §3.8), numbers without trailing zeros, percentages."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

__all__ = [
    "differs_by_more",
    "fmt_num",
    "fmt_pct",
    "fmt_score",
    "fmt_signed_score",
    "percent_fraction",
    "round_half_up",
]

_SCALE = [10**k for k in range(16)]
# The near shortcut (``round_half_up``). With T the exact x × 10**places and S the decimal the
# rule rounds (the repr of x rounded to 9 decimals): |S × 10**places − T| ≤ (0.5e-9 + ulp(x)) ×
# 10**places < 1e-3 for places ≤ 6 and |T| < 1e12, and the computed t = x × 10**places is within
# |T| × 2**-53 < 1.2e-4 of T. So where t is less than 0.49 from its nearest integer q, S ×
# 10**places is less than 0.5 from q: half up and half even both give q, and the rule's result
# is float(q × 10**-places), which q / 10**places is (int / int is correctly rounded). A zero
# keeps the sign of x, as the rule's −0.00 for a small negative number does.
_NEAR_PLACES = 6
_NEAR_LIMIT = 1e12
_NEAR_HALF = 0.49


def round_half_up(x: float, places: int = 2) -> float:
    """四舍五入 to ``places`` decimals (2.675 → 2.68, unlike round()). Float noise below
    1e-9 is cleared first so that 4.4999999999 computed for 4.5 still rounds as 4.5.

    The rule is that of ``decimal`` (``_decimal_round``) on the shortest repr of ``round(x, 9)``;
    a float with a plain repr takes a shortcut to the same result: the repr's digits cut after
    ``places`` decimals, the cut-off digit rounding away from zero, the integer divided by
    10**places (int / int is correctly rounded, as is ``float(Decimal)``). The scorer rounds
    a few hundred numbers a workbook, so the shortcut pays.

    Shorter still, for most numbers (``_NEAR_*``): where ``x`` × 10**places is not near a half,
    no rule can round it but to its nearest integer q, and the result is q / 10**places."""
    if type(x) is float:
        if not -1e15 < x < 1e15:
            return x  # NaN (no number), ±inf or past 1e15: no decimals left to round
        if places <= _NEAR_PLACES:
            t = x * _SCALE[places]
            if -_NEAR_LIMIT < t < _NEAR_LIMIT:
                q = round(t)
                if -_NEAR_HALF < t - q < _NEAR_HALF:
                    return q / _SCALE[places] if q else math.copysign(0.0, x)
        if places >= 16:
            return _decimal_round(x, places)
        y = round(x, 9)
        if y.is_integer():
            return y
        s = repr(y)
        if "e" not in s:  # a plain repr: digits, one "." (exponents from 1e-5 down go the slow way)
            i = s.index(".")
            if len(s) - i - 1 <= places:
                return y  # nothing to cut: the same digits, the same float
            cut = i + 1 + places
            if s[0] == "-":
                q = int(s[1:i] + s[i + 1 : cut]) + (s[cut] >= "5")
                return -(q / _SCALE[places])
            q = int(s[:i] + s[i + 1 : cut]) + (s[cut] >= "5")
            return q / _SCALE[places]
    return _decimal_round(x, places)


def differs_by_more(a: float, b: float, tol: float) -> bool:
    """Whether ``a`` and ``b`` differ by more than ``tol`` as the numbers are written: 90.51 against
    90.5 (or 100.01 against 100) differs by exactly 0.01, not by the 0.01000000000000512 that float
    subtraction gives, so it is within a tolerance of 0.01. Only float noise is ignored (1e-9, or
    1e-12 of the numbers' size for amounts past 1000), never a difference that can be typed."""
    return abs(a - b) > tol + max(1e-9, 1e-12 * max(abs(a), abs(b)))


def _decimal_round(x: float, places: int) -> float:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return x
    if not math.isfinite(x) or abs(x) >= 1e15:
        return float(x)  # no decimals left to round (and past ``decimal``'s 28 digits)
    d = Decimal(repr(round(float(x), 9)))
    return float(d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def fmt_num(x: float | None) -> str:
    """A number for messages: no trailing zeros (95, 9.26), 4 decimals, or 4 significant digits
    below 0.1 (0.00005)."""
    if type(x) is float and x.is_integer() and -1e15 < x < 1e15:
        return f"{int(x)}"  # what the lines below make of it, sooner (points, targets, most scores)
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    if 0 < abs(x) < 0.1 and math.isfinite(x):
        return _fmt_small(x)
    r = round_half_up(x, 4)
    return f"{int(r)}" if float(r).is_integer() else f"{r:.4f}".rstrip("0").rstrip(".")


def _fmt_small(x: float) -> str:
    """A number below 0.1 with 4 significant digits (0.00005, 0.001235): four decimals would show
    0.00005 as 0.0001 and 0.00012 as 0.0001, numbers the form does not hold."""
    places = min(3 - math.floor(math.log10(abs(x))), 20)
    d = Decimal(repr(x)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{d:f}".rstrip("0").rstrip(".")


def fmt_score(x: float | None) -> str:
    """A score or points in a table: 2 decimals, as the results sheet, the summary (``0.00``) and the
    page show them (9.2 → ``9.20``, 10 → ``10.00``); blank for none (a 不适用 row's NaN)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return f"{round_half_up(x, 2) + 0.0:.2f}"  # + 0.0: -0.0 shows as 0.00


def fmt_signed_score(x: float) -> str:
    """A change of score in a table, as the summary's ``+0.00;-0.00;0.00``: ``+1.50``, ``-2.00``, ``0.00``."""
    r = round_half_up(x, 2) + 0.0
    return f"{r:+.2f}" if r else "0.00"


def fmt_pct(x: float | None) -> str:
    """A percentage with 2 decimals (SPEC §3.8): 90.1401 → ``90.14%``."""
    return "" if x is None else f"{round_half_up(x, 2):.2f}%"


def percent_fraction(x: float | None) -> float | None:
    """A percentage (95.12) as the fraction a ``0.00%`` cell holds (0.9512), without float noise."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return round_half_up(x / 100, 6)
