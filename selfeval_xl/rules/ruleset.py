"""Rule sets as data: a TOML file → a validated ``RuleSet``. Bad files raise ``RuleSetError``
naming the file and the key. Every default is stated once, in ``DEFAULTS``: a key a TOML leaves
out takes it (the bundled rule sets restate none, except the two method choices they declare)."""

from __future__ import annotations

import functools
import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from selfeval_xl.errors import RuleSetError
from selfeval_xl.reading import contract as L
from selfeval_xl.reading.contract import KIND_DEPARTMENT, KIND_PROJECT, KINDS
from selfeval_xl.rules import rule_kinds
from selfeval_xl.rules.formula import Formula, FormulaError, item_key, parse_formula
from selfeval_xl.rules.toml_table import TomlTable
from selfeval_xl.zh_reason import zh_reason

BUILTIN = {KIND_PROJECT: "project_cy2020_10.toml", KIND_DEPARTMENT: "department_cy2013_53.toml"}
REVERSE_METHODS = rule_kinds.REVERSE_METHODS
NA_POINTS = ("rescale", "error")  # SPEC §3.13: a not-applicable row that still carries 分值
COMMON_METHODS = rule_kinds.COMMON_METHODS

# The value of every optional rule-set key ("table.key"), stated here and nowhere else.
DEFAULTS: Mapping[str, Any] = MappingProxyType(
    {
        "budget.indicator": "预算执行率",  # the 预算执行率 row's 三级指标 (and 一级指标 unless budget.level1)
        "budget.level2": "",
        "budget.target": 100.0,  # percent, shown in the template row
        "budget.rate_tolerance": 0.01,  # percentage points a typed 实际完成值 may differ from the computed rate
        "budget.sum_tolerance": 0.01,  # 万元 between 年度资金总额 and the sum of its sub-rows
        "scoring.total_points": 100,
        "scoring.reverse_method": "ratio",  # SPEC §3.3: ratio (P × t ÷ a) or linear (P × max(0, 1 − (a − t) ÷ t))
        "scoring.na_points": "rescale",  # SPEC §3.13: rescale (left out, total rescaled, warned) or error
        "scoring.over_achievement": 1.2,  # SPEC §3.5: a ≥ 1.2 × t → warning, no deduction
        "scoring.equal_tolerance": 1e-9,  # SPEC §3.4: relative tolerance for "="
        "scoring.claim_tolerance": 0.01,  # SPEC §3.10: 申报 vs 核定
        "scoring.satisfaction_fallback": "产出指标",  # with no 满意度 rows their points may sit here
        "scoring.cost_level2": "成本指标",  # a bare number under it means ≤
        "qualitative.scales": [],
        "level1.level2": [],
        "data.unit": "",
        "data.note": "",
        "common.level2": "",
        "common.operator": "≥",
        "common.description": "",
    }
)
# Budget figures (年度资金总额, in 万元) that 共性指标 formulas may use besides 部门整体数据 items.
BUDGET_NAMES = dict(L.BUDGET_AMOUNTS)  # header text → Budget attribute


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


# a 部门整体数据 item in one of these units counts whole things (编制人数、在职人数 in 人)
COUNT_UNITS = frozenset({"人", "个", "户", "家", "辆", "台", "套", "件", "处"})


@dataclass(frozen=True)
class DataItem:
    """One 部门整体数据 item the rule set's formulas need."""

    name: str
    unit: str
    note: str
    money: bool  # an amount: bare numbers are in the workbook's 金额单位

    @property
    def count(self) -> bool:
        """A count of whole things (编制人数、在职人数 in 人), not an amount."""
        return not self.money and self.unit in COUNT_UNITS


@dataclass(frozen=True)
class Common:
    """A 共性指标 row owned by the rule set: its place, points, formula and scoring method."""

    level1: str
    level2: str
    name: str
    points: float
    formula: Formula
    operator: str  # ≥ or ≤
    target: float  # percent
    method: str  # ratio / step / bands
    per_point: float = 0.0  # step: points off per percentage point beyond the target
    bands: tuple[tuple[float, float], ...] = ()  # bands: (threshold %, share of points), best first
    description: str = ""

    @property
    def key(self) -> str:
        return item_key(self.name)

    @property
    def kind(self) -> rule_kinds.RuleKind:
        """The rule kind its method selects (checked by the loader)."""
        kind = rule_kinds.for_common(self.method, self.operator)
        assert kind is not None, self.method
        return kind

    def describe(self) -> str:
        """The 评分方法 text the template shows."""
        if self.description:
            return self.description
        describe = self.kind.describe
        return describe(self) if describe else self.kind.title

    def fingerprint(self) -> str:
        return (
            f"{self.key}|{self.points:g}|{self.operator}|{self.target:g}|{self.method}|{self.per_point:g}|{self.bands}"
        )


# 三级指标 texts as 共性指标 keys, remembered (every row of every workbook is looked up)
_key = functools.lru_cache(maxsize=16384)(item_key)


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
    budget_level1: str
    budget_level2: str
    na_points: str
    data_items: tuple[DataItem, ...] = ()
    common: tuple[Common, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def common_for(self, name: object) -> Common | None:
        """The 共性指标 a 三级指标 text names, if any."""
        return self._common_by_key.get(_key(name) if type(name) is str else item_key(name))

    @functools.cached_property
    def classified(self) -> dict[tuple[str, str], str | None]:
        """(actual, target) texts → the band a 定性 row falls in under these rules' scales, as the
        scorer works it out (scoring/qualitative.py), remembered for the next row."""
        return {}

    @functools.cached_property
    def _common_by_key(self) -> dict[str, Common]:
        found: dict[str, Common] = {}
        for c in self.common:
            found.setdefault(c.key, c)  # the first with a key, as the rule set lists them
        return found

    @property
    def fingerprint(self) -> str:
        """A short hash of everything the rule set owns in a template (the budget row and the
        共性 rows): stored in ``_meta`` so that scoring can tell a template from another version."""
        text = "\n".join(
            [f"budget|{self.budget_indicator}|{self.budget_points:g}|{self.budget_target:g}"]
            + [c.fingerprint() for c in self.common]
        )
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

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

    @property
    def title(self) -> str:
        """The rule set's name as a report names it: without "（默认）", which is this tool's
        choice of a default and no part of the rules, and without the rule file's version."""
        return self.name.removesuffix("（默认）").strip()

    def band(self, key: str) -> Band:
        return self._bands_by_key[key]

    @functools.cached_property
    def _bands_by_key(self) -> dict[str, Band]:
        found: dict[str, Band] = {}
        for b in self.bands:
            found.setdefault(b.key, b)
        return found


def builtin_path(kind: str) -> Path:
    """The bundled rule-set file for a kind of evaluation."""
    if kind not in BUILTIN:
        raise RuleSetError(f"尚未内置“{kind}”的规则集，请用 --rules 指定规则文件")
    return Path(str(resources.files("selfeval_xl.rules") / "builtin" / BUILTIN[kind]))


@functools.cache
def bundled() -> dict[str, Path]:
    """The bundled rule sets by id (``cy2020-10-project``, ``hubei-project``, …)."""
    folder = Path(str(resources.files("selfeval_xl.rules") / "builtin"))
    out = {}
    for p in sorted(folder.glob("*.toml")):
        try:
            out[str(tomllib.loads(p.read_text(encoding="utf-8"))["ruleset"]["id"])] = p
        except (tomllib.TOMLDecodeError, KeyError, TypeError):  # pragma: no cover - our own files
            continue
    return out


def find_rules(spec: Path | str) -> RuleSet:
    """A rule set named by a file path or by the id of a bundled one (``--rules hubei-project``)."""
    p = Path(spec)
    if p.is_file():
        return load_rules(p)
    ids = bundled()
    if str(spec) in ids:
        return load_rules(ids[str(spec)])
    raise RuleSetError(f"找不到规则集“{spec}”：既不是文件，也不是内置规则集（内置：{'、'.join(ids)}）")


def load_rules(path: Path | str | None = None, kind: str = KIND_PROJECT) -> RuleSet:
    """Load and check a rule set; ``None`` loads the bundled default for ``kind``."""
    p = Path(path) if path is not None else builtin_path(kind)
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RuleSetError(f"{p.name}：无法读取规则文件（{zh_reason(exc)}）", p.name) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RuleSetError(f"{p.name}：不是有效的 TOML（{zh_reason(exc)}）", p.name) from None
    return _build(raw, p.name)


def _build(raw: dict[str, Any], source: str) -> RuleSet:
    top = TomlTable(raw, "", source)
    meta = top.table("ruleset")
    kind = meta.get("kind", str)
    if kind not in KINDS:
        raise meta.error("kind", f"应为 {' 或 '.join(KINDS)}，而不是“{kind}”")
    grades_t = top.table("grades")
    bands_raw = grades_t.get("bands", list)
    grades = []
    for i, b in enumerate(bands_raw, 1):
        bk = TomlTable(b, f"grades.bands 第{i}项", source)
        grades.append((bk.get("label", str), bk.number("min", low=0)))
    if [g[1] for g in grades] != sorted((g[1] for g in grades), reverse=True):
        raise grades_t.error("bands", "下限应从高到低排列")
    budget = top.table("budget")
    scoring = top.table("scoring")
    d = DEFAULTS
    reverse = scoring.get("reverse_method", str, d["scoring.reverse_method"])
    if reverse not in REVERSE_METHODS:
        raise scoring.error(
            "reverse_method",
            f"未知的方法“{reverse}”，应为 {' 或 '.join(REVERSE_METHODS)}",
        )
    na_points = scoring.get("na_points", str, d["scoring.na_points"])
    if na_points not in NA_POINTS:
        raise scoring.error("na_points", f"未知的处理方式“{na_points}”，应为 {' 或 '.join(NA_POINTS)}")
    level1 = []
    for i, entry in enumerate(top.get("level1", list), 1):
        lk = TomlTable(entry, f"level1 第{i}项", source)
        level1.append(
            Level1(
                lk.get("name", str),
                lk.number("points", low=0),
                tuple(lk.get("level2", list, d["level1.level2"])),
            )
        )
    total_points = scoring.number("total_points", d["scoring.total_points"], low=0)
    budget_points = budget.number("points", low=0)
    budget_indicator = budget.get("indicator", str, d["budget.indicator"])
    budget_level1 = budget.get("level1", str, budget_indicator)
    # A level1's points include everything under it; the budget row counts on its own only
    # when its 一级指标 is not one of [[level1]] (项目支出: 预算执行率 is its own 一级).
    planned = sum(lv.points for lv in level1)
    if budget_level1 not in {lv.name for lv in level1}:
        planned += budget_points
    if abs(planned - total_points) > 1e-9:
        raise top.error(
            "level1",
            f"预算执行率与各一级指标分值合计 {planned:g}，应为 {total_points:g}",
        )
    data_items = _data_items(top, source)
    common = _common(top, source, data_items, level1, budget_indicator)
    for lv in level1:
        owned = sum(c.points for c in common if c.level1 == lv.name)
        owned += budget_points if lv.name == budget_level1 else 0.0
        if owned > lv.points + 1e-9:
            raise top.error("common", f"一级指标“{lv.name}”下共性指标分值合计 {owned:g}，超过其分值 {lv.points:g}")
    qual = top.table("qualitative")
    bands = []
    for key in ("achieved", "partial", "failed"):
        bt = qual.table(key)
        low, high = bt.number("low", low=0), bt.number("high", low=0)
        default = bt.number("default", low=0)
        if not (low <= high <= 1):
            raise bt.error("low/high", "应满足 0 ≤ low ≤ high ≤ 1")
        if not (low <= default <= high):
            raise bt.error("default", f"{default:g} 不在 [{low:g}, {high:g}] 内")
        words = tuple(str(w) for w in bt.get("words", list))
        label = bt.get("label", str)
        bands.append(Band(key, label, low, high, default, (label, *words)))
    scales = tuple(tuple(str(w) for w in s) for s in qual.get("scales", list, d["qualitative.scales"]))
    return RuleSet(
        id=meta.get("id", str),
        name=meta.get("name", str),
        version=str(meta.get("version", (str, int, float))),
        kind=kind,
        source=source,
        grades=tuple(grades),
        lowest_grade=grades_t.get("lowest", str),
        budget_indicator=budget_indicator,
        budget_level1=budget_level1,
        budget_level2=budget.get("level2", str, d["budget.level2"]),
        data_items=data_items,
        common=common,
        budget_points=budget_points,
        budget_target=budget.number("target", d["budget.target"]),
        rate_tolerance=budget.number("rate_tolerance", d["budget.rate_tolerance"], low=0),
        sum_tolerance=budget.number("sum_tolerance", d["budget.sum_tolerance"], low=0),
        level1=tuple(level1),
        total_points=total_points,
        reverse_method=reverse,
        na_points=na_points,
        over_achievement=scoring.number("over_achievement", d["scoring.over_achievement"], low=1),
        equal_tolerance=scoring.number("equal_tolerance", d["scoring.equal_tolerance"], low=0),
        claim_tolerance=scoring.number("claim_tolerance", d["scoring.claim_tolerance"], low=0),
        satisfaction_fallback=scoring.get("satisfaction_fallback", str, d["scoring.satisfaction_fallback"]),
        cost_level2=scoring.get("cost_level2", str, d["scoring.cost_level2"]),
        bands=tuple(bands),
        scales=scales,
        extra={
            k: v
            for k, v in raw.items()
            if k not in ("ruleset", "grades", "budget", "level1", "scoring", "qualitative", "data", "common")
        },
    )


def _data_items(top: TomlTable, source: str) -> tuple[DataItem, ...]:
    items = []
    for i, entry in enumerate(top.get("data", list, []), 1):
        dk = TomlTable(entry, f"data 第{i}项", source)
        unit = dk.get("unit", str, DEFAULTS["data.unit"])
        note = dk.get("note", str, DEFAULTS["data.note"])
        items.append(DataItem(dk.get("name", str), unit, note, unit in ("万元", "元")))
    keys = [item_key(d.name) for d in items]
    dup = next((d.name for d, k in zip(items, keys, strict=True) if keys.count(k) > 1), None)
    if dup:
        raise top.error("data", f"数据项“{dup}”重复")
    return tuple(items)


def _common(
    top: TomlTable, source: str, data_items: tuple[DataItem, ...], level1: list[Level1], budget_indicator: str
) -> tuple[Common, ...]:
    known = {item_key(d.name) for d in data_items} | {item_key(n) for n in BUDGET_NAMES}
    level1_names = {lv.name for lv in level1}
    out: list[Common] = []
    for i, entry in enumerate(top.get("common", list, []), 1):
        ck = TomlTable(entry, f"common 第{i}项", source)
        name = ck.get("name", str)
        try:
            formula = parse_formula(ck.get("formula", str))
        except FormulaError as exc:
            raise ck.error("formula", str(exc)) from None
        unknown = [n for n in formula.names if item_key(n) not in known]
        if unknown:
            raise ck.error("formula", f"数据项“{unknown[0]}”未在 [[data]] 中定义")
        operator = ck.get("operator", str, DEFAULTS["common.operator"])
        if operator not in ("≥", "≤"):
            raise ck.error("operator", f"应为 ≥ 或 ≤，而不是“{operator}”")
        method = ck.get("method", str)
        kind = rule_kinds.for_common(method, operator)
        if kind is None:
            raise ck.error("method", f"未知的方法“{method}”，应为 {'、'.join(COMMON_METHODS)}")
        lv1 = ck.get("level1", str)
        if lv1 not in level1_names:
            raise ck.error("level1", f"一级指标“{lv1}”未在 [[level1]] 中定义")
        params = kind.read(ck, operator, i) if kind.read else {}
        c = Common(
            level1=lv1,
            level2=ck.get("level2", str, DEFAULTS["common.level2"]),
            name=name,
            points=ck.number("points", low=0),
            formula=formula,
            operator=operator,
            target=ck.number("target"),
            method=method,
            description=ck.get("description", str, DEFAULTS["common.description"]),
            **params,
        )
        if c.key == item_key(budget_indicator) or any(o.key == c.key for o in out):
            raise ck.error("name", f"共性指标“{name}”重复")
        out.append(c)
    return tuple(out)


__all__ = [
    "Band",
    "Common",
    "DataItem",
    "Level1",
    "RuleSet",
    "builtin_path",
    "bundled",
    "find_rules",
    "load_rules",
    "KIND_DEPARTMENT",
]
