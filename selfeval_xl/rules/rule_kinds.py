"""The closed registry of rule kinds (SPEC §3.1–3.4, §3.11): how a computed row scores from its
分值, 指标值 and 实际完成值. Each kind names the 指标性质 it scores, the ``[[common]]`` method that
selects it and the keys that method reads, its score function, its 评分说明 and its 评分方法 text.

Adding a rule kind is one entry in ``KINDS`` (with any new rule-set key in ``ruleset.py``): the
loader accepts its ``[[common]] method`` and the scorer looks it up by name. Rows judged by words
or dates (定性, 时效) are not computed kinds: the scorer's qualitative rules handle them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from selfeval_xl.reading.values import EQ, GE, GT, LE, LT
from selfeval_xl.rounding import fmt_num, fmt_pct, round_half_up

if TYPE_CHECKING:
    from selfeval_xl.rules.ruleset import Common, RuleSet
    from selfeval_xl.rules.toml_table import TomlTable

# The ``[scoring] reverse_method`` choices of the ≤ kind (SPEC §3.3).
REVERSE_METHODS = ("ratio", "linear")
# The kind of the 预算执行率 row (chosen by its name, not by a 指标性质).
BUDGET = "budget"


@dataclass(slots=True)
class Case:
    """One computed row as a kind sees it: 分值, target and actual in one unit (percent for the
    budget and 共性 rows), the operator shown, the rule set, and the 共性指标 if it is one."""

    points: float
    target: float
    actual: float
    operator: str
    rules: RuleSet
    unit: str = ""  # the target's unit (``%`` for the budget and 共性 rows)
    common: Common | None = None


Warn = Callable[..., None]  # warn(code, **fields): a problem at the row's 实际完成值
# the same score for whole columns at once: (分值, 指标值, 实际完成值 as numpy float arrays, rule
# set) → the scores as an array (numpy loads only when a kind is scored column-wise)
ColumnScore = Callable[[Any, Any, Any, "RuleSet"], Any]


@dataclass(frozen=True)
class RuleKind:
    """One way of scoring a computed row."""

    name: str
    title: str  # what it does, in the words of a rule-set author
    score: Callable[[Case], float]  # unrounded
    explain: Callable[[Case, float], str]  # 评分说明 for the (unrounded) score
    operators: tuple[str, ...] = ()  # 个性 rows with these 指标性质 score by this kind
    common_method: str = ""  # a [[common]] ``method`` that selects it (with a matching operator)
    common_keys: tuple[str, ...] = ()  # [[common]] keys it needs besides the shared ones
    read: Callable[[TomlTable, str, int], dict[str, Any]] | None = None  # those keys → Common fields
    describe: Callable[[Common], str] | None = None  # the 评分方法 text a template shows
    compares: bool = False  # the actual is compared with the target (unit and scale slips checked)
    check: Callable[[Case, Warn], None] | None = None  # warnings of its own (no deduction)
    rate_is_actual: bool = False  # 完成率 is the actual itself (a computed percentage)
    # ``score`` for whole columns (numpy), for many rows at once (scoring/columnwise.py); equal
    # to ``score`` row by row (tests/test_rule_kinds.py checks it on random rows)
    columns: ColumnScore | None = None


# --- ≥ / ≤ / = (SPEC §3.2–3.4) ------------------------------------------------------------
def _score_ge(c: Case) -> float:
    p, t, a = c.points, c.target, c.actual
    if t == 0:
        return p if a >= 0 else 0.0
    return p if a >= t else p * max(a, 0.0) / t


def _columns_ge(p: Any, t: Any, a: Any, rules: RuleSet) -> Any:
    import numpy as np

    with np.errstate(all="ignore"):  # the branch np.where discards may divide by 0
        part = p * np.maximum(a, 0.0) / t
    return np.where(t == 0, np.where(a >= 0, p, 0.0), np.where(a >= t, p, part))


def _score_le(c: Case) -> float:
    p, t, a = c.points, c.target, c.actual
    if t == 0:
        return p if a <= 0 else 0.0
    if a <= t:
        return p
    if c.rules.reverse_method == "linear":
        return p * max(0.0, 1 - (a - t) / abs(t))
    if t < 0:
        # a cut (≤-5%) short of the target: the share of it achieved, a ÷ t (−3 of −5: 60%);
        # t ÷ a would exceed P (10 × −5 ÷ −3 = 16.67), and no cut at all (a ≥ 0) is 0
        return p * max(0.0, a / t)
    return p * t / a if a else 0.0


def _columns_le(p: Any, t: Any, a: Any, rules: RuleSet) -> Any:
    import numpy as np

    with np.errstate(all="ignore"):  # the branch np.where discards may divide by 0
        if rules.reverse_method == "linear":
            part = p * np.maximum(0.0, 1 - (a - t) / np.abs(t))
        else:
            part = np.where(t < 0, p * np.maximum(0.0, a / t), np.where(a != 0, p * t / a, 0.0))
    return np.where(t == 0, np.where(a <= 0, p, 0.0), np.where(a <= t, p, part))


def _score_eq(c: Case) -> float:
    p, t, a = c.points, c.target, c.actual
    if t == 0:
        return p if a <= 0 else 0.0
    equal = abs(a - t) <= c.rules.equal_tolerance * max(abs(t), abs(a))
    return p if equal or a > t else p * max(a, 0.0) / t


def _columns_eq(p: Any, t: Any, a: Any, rules: RuleSet) -> Any:
    import numpy as np

    equal = np.abs(a - t) <= rules.equal_tolerance * np.maximum(np.abs(t), np.abs(a))
    with np.errstate(all="ignore"):  # the branch np.where discards may divide by 0
        part = p * np.maximum(a, 0.0) / t
    return np.where(t == 0, np.where(a <= 0, p, 0.0), np.where(equal | (a > t), p, part))


def _full(c: Case, score: float) -> str | None:
    if score >= c.points - 1e-9:
        return f"{c.operator}：实际 {fmt_num(c.actual)}，指标 {fmt_num(c.target)}，得满分"
    if c.target == 0:  # no ratio to show (÷ 0): the side of 0 the actual is on
        side = "低于" if c.operator in (GE, GT) else "超过"
        return f"{c.operator}：指标 0，实际 {fmt_num(c.actual)} {side} 0，计 0 分"
    return None


def _all_digits(x: float) -> str:
    """A number with every digit it was scored with (float noise past 10 decimals dropped)."""
    if abs(x) < 0.1:
        return fmt_num(x)
    return f"{Decimal(repr(round(x, 10))).normalize():f}"


def _figures(
    score: float, formula: Callable[..., float], *xs: float, shown: Callable[[float], str] = fmt_num
) -> list[str]:
    """The numbers of a note's formula as it shows them (``shown``: 4 decimals), or with all their
    digits where the shown ones would not give the score (2 decimals, half up): a reader who
    works the note out gets the 核定得分."""
    texts = [shown(x) for x in xs]
    if round_half_up(formula(*(float(t) for t in texts))) == round_half_up(score):
        return texts
    return [_all_digits(x) for x in xs]


def _explain_ratio(c: Case, score: float) -> str:
    if full := _full(c, score):
        return full
    p, a, t = _figures(score, lambda p, a, t: p * max(a, 0) / t, c.points, c.actual, c.target)
    return f"{c.operator}：{p} × {a if c.actual >= 0 else f'max({a}, 0)'} ÷ {t}"


def _explain_le(c: Case, score: float) -> str:
    if full := _full(c, score):
        return full
    if c.rules.reverse_method == "ratio" and c.target < 0:
        p, a, t = _figures(score, lambda p, a, t: p * max(0, a / t), c.points, c.actual, c.target)
        return f"{c.operator}：{p} × {a} ÷ {t}" if score > 0 else f"{c.operator}：{p} × max(0, {a} ÷ {t})"
    if c.rules.reverse_method == "ratio":
        p, t, a = _figures(score, lambda p, t, a: p * t / a, c.points, c.target, c.actual)
        return f"{c.operator}：{p} × {t} ÷ {a}"
    p, a, t = _figures(score, lambda p, a, t: p * max(0, 1 - (a - t) / abs(t)), c.points, c.actual, c.target)
    within = f"1 − ({a} − {t}) ÷ {t}" if c.target > 0 else f"1 − ({a} − ({t})) ÷ {t.removeprefix('-')}"
    if score <= 0:  # at or past twice the target: the formula's own floor
        return f"{c.operator}：{p} × max(0, {within})"
    return f"{c.operator}：{p} × ({within})"


def _warn_over(c: Case, warn: Warn) -> None:
    """SPEC §3.5: an actual at or beyond ``over_achievement`` × the target is asked about."""
    limit = c.rules.over_achievement
    if c.target > 0 and c.actual >= limit * c.target * (1 - 1e-12):
        # (``ask``: how the unit is asked for its reason, filled in by the scorer, which sees it)
        warn("over-achievement", ratio=fmt_pct(c.actual / c.target * 100), limit=fmt_pct(limit * 100), ask="")


def _warn_eq(c: Case, warn: Warn) -> None:
    _warn_over(c, warn)
    t, a = c.target, c.actual
    if a > t and abs(a - t) > c.rules.equal_tolerance * max(abs(a), abs(t)):
        warn("equal-exceeded", actual=fmt_num(a) + c.unit, target=fmt_num(t) + c.unit)  # 98% 超过 95%


def _describe_ratio(c: Common) -> str:
    t = f"{c.target:g}%"
    how = "实际÷目标" if c.operator == GE else "目标÷实际"
    return f"{c.operator}{t} 得满分，否则按 {how} 计分"


# --- 预算执行率 (SPEC §3.1) ----------------------------------------------------------------
def _score_budget(c: Case) -> float:
    return c.points * min(max(c.actual, 0.0) / 100, 1.0)


def _columns_budget(p: Any, t: Any, a: Any, rules: RuleSet) -> Any:
    import numpy as np

    return p * np.minimum(np.maximum(a, 0.0) / 100, 1.0)


def _explain_budget(c: Case, score: float) -> str:
    # the rate as the sheet shows it (2 decimals) in the formula too, unless that would not give
    # the score: 90.145% shows as 90.15%, and 10 × 90.15% = 9.015 → 9.02, not the 9.01 scored
    p = c.points
    (a,) = _figures(score, lambda a: p * min(max(a, 0), 100) / 100, c.actual, shown=lambda x: fmt_pct(x)[:-1])
    rate = f"{a}%" if c.actual >= 0 else f"max({a}%, 0)"  # (a negative rate counts as 0)
    return f"预算执行率 {fmt_pct(c.actual)}，{fmt_num(p)} × min({rate}, 100%)"


# --- 共性指标 step and bands (SPEC §3.11) ----------------------------------------------------
def _common(c: Case) -> Common:
    assert c.common is not None, "a 共性 kind scores 共性 rows only"
    return c.common


def _step_over(c: Case) -> float:
    return c.actual - c.target if c.operator == LE else c.target - c.actual


def _score_step(c: Case) -> float:
    over = _step_over(c)
    return c.points if over <= 1e-9 else max(0.0, c.points - _common(c).per_point * over)


def _explain_step(c: Case, score: float) -> str:
    over = _step_over(c)
    if over <= 1e-9:
        return f"{c.operator}{fmt_num(c.target)}%，得满分"
    per_point = _common(c).per_point
    off = per_point * over
    side = "超出" if c.operator == LE else "低于"
    how = f"{side}目标 {fmt_num(over)} 个百分点 × {fmt_num(per_point)}"
    if off > c.points:  # 20 × 0.5 = 10 off 3 points: say the sum as it is, and where it stops
        return f"{how} = {fmt_num(off)} 分，扣完为止（扣 {fmt_num(c.points)} 分）"
    return f"{how} = 扣 {fmt_num(off)} 分"


def _read_step(keys: TomlTable, operator: str, index: int) -> dict[str, Any]:
    return {"per_point": keys.number("per_point", low=0)}


def _describe_step(c: Common) -> str:
    side = "超" if c.operator == LE else "低于目标"
    return f"{c.operator}{c.target:g}% 得满分，每{side} 1 个百分点扣 {c.per_point:g} 分，扣完为止"


def _band(c: Case) -> tuple[float, float] | None:
    # by the rate as the sheet shows it (2 decimals, SPEC §3.8): 89.995% shows as 90.00% and is in
    # the ≥90% band, not in the one below beside a note that says 90.00%
    shown = round_half_up(c.actual)
    for threshold, share in _common(c).bands:
        if (shown >= threshold - 1e-9) if c.operator == GE else (shown <= threshold + 1e-9):
            return threshold, share
    return None


def _score_bands(c: Case) -> float:
    band = _band(c)
    return c.points * band[1] if band else 0.0


def _explain_bands(c: Case, score: float) -> str:
    band = _band(c)
    if band is None:
        return "低于最低档，计 0 分"
    threshold, share = band
    return f"{c.operator}{fmt_num(threshold)}% 档，得 {fmt_num(share * 100)}% × {fmt_num(c.points)}"


def _read_bands(keys: TomlTable, operator: str, index: int) -> dict[str, Any]:
    bound = "min" if operator == GE else "max"
    bands = tuple(
        (
            keys.at(f"common 第{index}项 bands 第{j}项", b).number(bound),
            keys.at("", b).number("share", low=0),
        )
        for j, b in enumerate(keys.get("bands", list), 1)
    )
    ordered = sorted(bands, key=lambda b: b[0], reverse=operator == GE)
    if not bands or list(bands) != ordered:
        raise keys.error("bands", f"应按 {bound} 从最好到最差排列，至少一档")
    return {"bands": bands}


def _describe_bands(c: Common) -> str:
    parts = [f"{c.operator}{b:g}% 得 {share:.0%}" for b, share in c.bands]
    return "；".join(parts) + "；其余 0 分"


# --- the registry ------------------------------------------------------------------------
KINDS: Mapping[str, RuleKind] = MappingProxyType(
    {
        k.name: k
        for k in (
            RuleKind(
                "ge",
                "≥：达到指标值得满分，否则按 实际÷指标 计分",
                _score_ge,
                _explain_ratio,
                operators=(GE, GT),
                common_method="ratio",
                describe=_describe_ratio,
                compares=True,
                check=_warn_over,
                columns=_columns_ge,
            ),
            RuleKind(
                "le",
                "≤：不超过指标值得满分，否则按 指标÷实际（或线性）计分",
                _score_le,
                _explain_le,
                operators=(LE, LT),
                common_method="ratio",
                describe=_describe_ratio,
                compares=True,
                columns=_columns_le,
            ),
            RuleKind(
                "eq",
                "=：等于（或超过）指标值得满分，否则按 实际÷指标 计分",
                _score_eq,
                _explain_ratio,
                operators=(EQ,),
                compares=True,
                check=_warn_eq,
                columns=_columns_eq,
            ),
            RuleKind(
                BUDGET,
                "预算执行率：分值 × min(执行率, 100%)",
                _score_budget,
                _explain_budget,
                rate_is_actual=True,
                columns=_columns_budget,
            ),
            RuleKind(
                "step",
                "共性指标：达到目标得满分，每差 1 个百分点扣 per_point 分，扣完为止",
                _score_step,
                _explain_step,
                common_method="step",
                common_keys=("per_point",),
                read=_read_step,
                describe=_describe_step,
                rate_is_actual=True,
            ),
            RuleKind(
                "bands",
                "共性指标：按所在档次得分值的相应比例，低于最低档 0 分",
                _score_bands,
                _explain_bands,
                common_method="bands",
                common_keys=("bands",),
                read=_read_bands,
                describe=_describe_bands,
                rate_is_actual=True,
            ),
        )
    }
)

# The [[common]] methods a rule set may name, in registry order (ratio, step, bands).
COMMON_METHODS = tuple(dict.fromkeys(k.common_method for k in KINDS.values() if k.common_method))


_BY_OPERATOR = {op: k for k in reversed(list(KINDS.values())) for op in k.operators}  # the first kind wins


def for_operator(operator: str) -> RuleKind:
    """The kind that scores a 个性 row with this numeric 指标性质."""
    return _BY_OPERATOR[operator]


def for_common(method: str, operator: str) -> RuleKind | None:
    """The kind a ``[[common]]`` method selects for its operator (None: not a known method)."""
    return next(
        (k for k in KINDS.values() if k.common_method == method and (not k.operators or operator in k.operators)),
        None,
    )
