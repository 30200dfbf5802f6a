"""Rule sets as data: a TOML file → a validated ``RuleSet``. Bad files raise ``RuleSetError``
naming the file and the key."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import RuleSetError
from .layout import KIND_DEPARTMENT, KIND_PROJECT, KINDS

BUILTIN = {KIND_PROJECT: "project_cy2020_10.toml"}
REVERSE_METHODS = ("ratio", "linear")


@dataclass(frozen=True)
class Band:
    """One qualitative band: a share range of the points, a default share and its words."""

    key: str
    label: str
    low: float
    high: float
    default: float
    words: tuple[str, ...]

    def contains(self, share: float) -> bool:
        if self.high >= 1.0:
            return self.low - 1e-9 <= share <= self.high + 1e-9
        return self.low - 1e-9 <= share < self.high - 1e-9


@dataclass(frozen=True)
class Level1:
    name: str
    points: float
    level2: tuple[str, ...]


@dataclass(frozen=True)
class RuleSet:
    """Everything configurable about scoring one kind of evaluation."""

    id: str
    name: str
    version: str
    kind: str
    source: str
    grades: tuple[tuple[str, float], ...]
    lowest_grade: str
    budget_indicator: str
    budget_points: float
    budget_target: float
    rate_tolerance: float
    sum_tolerance: float
    level1: tuple[Level1, ...]
    total_points: float
    reverse_method: str
    over_achievement: float
    equal_tolerance: float
    claim_tolerance: float
    satisfaction_fallback: str
    cost_level2: str
    bands: tuple[Band, ...]  # achieved, partial, failed
    scales: tuple[tuple[str, ...], ...]
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def grade(self, total: float) -> str:
        """The grade label for a total (lower bounds inclusive)."""
        for label, low in self.grades:
            if total >= low - 1e-9:
                return label
        return self.lowest_grade

    @property
    def grade_labels(self) -> tuple[str, ...]:
        """Grades best first (优, 良, 中, 差)."""
        return (*(g for g, _ in self.grades), self.lowest_grade)

    @property
    def label(self) -> str:
        return f"{self.name} v{self.version}"

    def band(self, key: str) -> Band:
        return next(b for b in self.bands if b.key == key)


def builtin_path(kind: str) -> Path:
    """The bundled rule-set file for a kind of evaluation."""
    if kind not in BUILTIN:
        raise RuleSetError(f"尚未内置“{kind}”的规则集，请用 --rules 指定规则文件")
    return Path(str(resources.files("selfeval_xl") / "workbook_templates" / BUILTIN[kind]))


def load_rules(path: Path | str | None = None, kind: str = KIND_PROJECT) -> RuleSet:
    """Load and check a rule set; ``None`` loads the bundled default for ``kind``."""
    p = Path(path) if path is not None else builtin_path(kind)
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RuleSetError(f"{p.name}：无法读取规则文件（{exc.strerror or exc}）") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RuleSetError(f"{p.name}：不是有效的 TOML（{exc}）") from None
    return _build(raw, p.name)


class _Keys:
    """Typed access to a TOML table that names the file and key in every error."""

    def __init__(self, table: object, where: str, source: str):
        if not isinstance(table, dict):
            raise RuleSetError(f"{source} [{where}]：应为表（table）")
        self.t, self.where, self.source = table, where, source

    def _err(self, key: str, what: str) -> RuleSetError:
        section = f" [{self.where}]" if self.where else ""
        return RuleSetError(f"{self.source}{section} {key}：{what}")

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
        if key not in self.t:
            if default is ...:
                raise self._err(key, "缺少此项")
            return default
        value = self.t[key]
        if isinstance(value, bool) and kind is not bool or not isinstance(value, kind):
            raise self._err(key, f"类型不对（{value!r}）")
        return value

    def number(self, key: str, default: Any = ..., low: float | None = None) -> float:
        value = float(self.get(key, (int, float), default))
        if low is not None and value < low:
            raise self._err(key, f"不能小于 {low}")
        return value

    def table(self, key: str) -> _Keys:
        return _Keys(
            self.get(key, dict),
            f"{self.where}.{key}" if self.where else key,
            self.source,
        )


def _build(raw: dict[str, Any], source: str) -> RuleSet:
    top = _Keys(raw, "", source)
    meta = top.table("ruleset")
    kind = meta.get("kind", str)
    if kind not in KINDS:
        raise meta._err("kind", f"应为 {' 或 '.join(KINDS)}，而不是“{kind}”")
    grades_t = top.table("grades")
    bands_raw = grades_t.get("bands", list)
    grades = []
    for i, b in enumerate(bands_raw, 1):
        bk = _Keys(b, f"grades.bands 第{i}项", source)
        grades.append((bk.get("label", str), bk.number("min", low=0)))
    if [g[1] for g in grades] != sorted((g[1] for g in grades), reverse=True):
        raise grades_t._err("bands", "下限应从高到低排列")
    budget = top.table("budget")
    scoring = top.table("scoring")
    reverse = scoring.get("reverse_method", str, "ratio")
    if reverse not in REVERSE_METHODS:
        raise scoring._err(
            "reverse_method",
            f"未知的方法“{reverse}”，应为 {' 或 '.join(REVERSE_METHODS)}",
        )
    level1 = []
    for i, entry in enumerate(top.get("level1", list), 1):
        lk = _Keys(entry, f"level1 第{i}项", source)
        level1.append(
            Level1(
                lk.get("name", str),
                lk.number("points", low=0),
                tuple(lk.get("level2", list, [])),
            )
        )
    total_points = scoring.number("total_points", 100, low=0)
    budget_points = budget.number("points", low=0)
    planned = budget_points + sum(lv.points for lv in level1)
    if kind == KIND_PROJECT and abs(planned - total_points) > 1e-9:
        raise top._err(
            "level1",
            f"预算执行率与各一级指标分值合计 {planned:g}，应为 {total_points:g}",
        )
    qual = top.table("qualitative")
    bands = []
    for key in ("achieved", "partial", "failed"):
        bt = qual.table(key)
        low, high = bt.number("low", low=0), bt.number("high", low=0)
        default = bt.number("default", low=0)
        if not (low <= high <= 1):
            raise bt._err("low/high", "应满足 0 ≤ low ≤ high ≤ 1")
        if not (low <= default <= high):
            raise bt._err("default", f"{default:g} 不在 [{low:g}, {high:g}] 内")
        words = tuple(str(w) for w in bt.get("words", list))
        label = bt.get("label", str)
        bands.append(Band(key, label, low, high, default, (label, *words)))
    scales = tuple(tuple(str(w) for w in s) for s in qual.get("scales", list, []))
    return RuleSet(
        id=meta.get("id", str),
        name=meta.get("name", str),
        version=str(meta.get("version", (str, int, float))),
        kind=kind,
        source=source,
        grades=tuple(grades),
        lowest_grade=grades_t.get("lowest", str),
        budget_indicator=budget.get("indicator", str, "预算执行率"),
        budget_points=budget_points,
        budget_target=budget.number("target", 100.0),
        rate_tolerance=budget.number("rate_tolerance", 0.01, low=0),
        sum_tolerance=budget.number("sum_tolerance", 0.01, low=0),
        level1=tuple(level1),
        total_points=total_points,
        reverse_method=reverse,
        over_achievement=scoring.number("over_achievement", 1.2, low=1),
        equal_tolerance=scoring.number("equal_tolerance", 1e-9, low=0),
        claim_tolerance=scoring.number("claim_tolerance", 0.01, low=0),
        satisfaction_fallback=scoring.get("satisfaction_fallback", str, "产出指标"),
        cost_level2=scoring.get("cost_level2", str, "成本指标"),
        bands=tuple(bands),
        scales=scales,
        extra={
            k: v for k, v in raw.items() if k not in ("ruleset", "grades", "budget", "level1", "scoring", "qualitative")
        },
    )


__all__ = ["Band", "Level1", "RuleSet", "builtin_path", "load_rules", "KIND_DEPARTMENT"]
