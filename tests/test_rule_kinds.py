"""The rule-kind registry (rules/rule_kinds.py) is closed and complete: every kind the bundled
rule sets and the committed samples use is in it, the scorer finds kinds only there, an unknown
kind in a TOML is a RuleSetError naming file and key, and each default is stated once."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from selfeval_xl import load_rules, score_file
from selfeval_xl.errors import RuleSetError
from selfeval_xl.reading.values import EQ, GE, GT, LE, LT
from selfeval_xl.rules import rule_kinds
from selfeval_xl.rules.rule_kinds import KINDS, Case
from selfeval_xl.rules.ruleset import DEFAULTS, builtin_path, bundled
from selfeval_xl.scoring.plan import M_DATE, M_INVALID, M_NA, M_QUAL

ROOT = Path(__file__).resolve().parent.parent
SCORER_OWN = {M_QUAL, M_DATE, M_NA, M_INVALID}  # rows judged by words or dates, or not scored


def test_the_registry_is_closed():
    with pytest.raises(TypeError):
        KINDS["cube"] = KINDS["ge"]  # type: ignore[index]
    assert not SCORER_OWN & set(KINDS)
    # every numeric 指标性质 is scored by exactly one kind
    for op in (GE, GT, LE, LT, EQ):
        assert [k.name for k in KINDS.values() if op in k.operators] == [rule_kinds.for_operator(op).name]


def test_every_kind_the_bundled_rule_sets_name_is_registered():
    for ruleset_id, path in bundled().items():
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        rules = load_rules(path)
        assert rules.reverse_method in rule_kinds.REVERSE_METHODS, ruleset_id
        for entry in raw.get("common", []):
            kind = rule_kinds.for_common(entry["method"], entry.get("operator", DEFAULTS["common.operator"]))
            assert kind is not None and kind.name in KINDS, (ruleset_id, entry["name"])
            # the keys the kind reads are in the entry
            assert all(key in entry for key in kind.common_keys), (ruleset_id, entry["name"])
        for common in rules.common:
            assert common.kind is KINDS[common.kind.name]


def test_every_method_the_samples_are_scored_by_is_registered():
    seen: set[str] = set()
    for path in sorted((ROOT / "samples").glob("*.xlsx")):
        card = score_file(path).card
        assert card is not None, path.name
        seen |= {r.method for r in card.records}
    assert seen <= set(KINDS) | SCORER_OWN
    # the samples use every registered kind (a kind nothing reaches would be dead weight)
    assert set(KINDS) <= seen


def test_each_kind_scores_and_explains_by_hand():
    rules = load_rules()
    dept = load_rules(builtin_path("部门整体支出"))
    step = next(c for c in dept.common if c.method == "step" and c.per_point == 0.5)  # 在职人员控制率 ≤100%
    bands = next(c for c in dept.common if c.method == "bands")  # 重点支出安排率 ≥90/80/70/60

    def run(name: str, case: Case) -> tuple[float, str]:
        kind = KINDS[name]
        score = kind.score(case)
        return round(score, 2), kind.explain(case, score)

    # ≥: 10 × 45 ÷ 50 = 9
    assert run("ge", Case(10, 50, 45, GE, rules)) == (9, "≥：10 × 45 ÷ 50")
    # ≤ (ratio): 10 × 10 ÷ 12 = 8.33
    assert run("le", Case(10, 10, 12, LE, rules)) == (8.33, "≤：10 × 10 ÷ 12")
    # =: short of the target like ≥: 5 × 8 ÷ 10 = 4
    assert run("eq", Case(5, 10, 8, EQ, rules)) == (4, "=：5 × 8 ÷ 10")
    # 预算执行率 90%: 10 × min(90%, 100%) = 9
    assert run("budget", Case(10, 100, 90, GE, rules)) == (9, "预算执行率 90.00%，10 × min(90.00%, 100%)")
    # step: 104% against ≤100%, 0.5 a point: 3 − 4 × 0.5 = 1
    assert run("step", Case(3, 100, 104, LE, rules, "%", step)) == (1, "超出目标 4 个百分点 × 0.5 = 扣 2 分")
    # bands: 75% reaches the ≥70% band: 4 × 60% = 2.4
    assert run("bands", Case(4, 90, 75, GE, rules, "%", bands)) == (2.4, "≥70% 档，得 60% × 4")


def test_an_unknown_kind_in_a_toml_is_a_rule_set_error_naming_file_and_key(tmp_path):
    text = builtin_path("部门整体支出").read_text(encoding="utf-8")
    bad = tmp_path / "省厅.toml"
    bad.write_text(text.replace('method = "step"', 'method = "cube"', 1), encoding="utf-8")
    with pytest.raises(RuleSetError) as caught:
        load_rules(bad)
    err = caught.value
    assert (err.source, err.key) == ("省厅.toml", "common 第1项.method")
    assert str(err) == "省厅.toml [common 第1项] method：未知的方法“cube”，应为 ratio、step、bands"


def test_each_default_is_stated_once(tmp_path):
    # the bundled rule sets restate no default of [budget] and [scoring] (a key they set differs
    # from it: the 部门整体支出 budget row's level2), but for the two method choices each states
    stated = {"scoring.reverse_method", "scoring.na_points"}
    missing = object()
    for ruleset_id, path in bundled().items():
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        for dotted in DEFAULTS:
            table, key = dotted.split(".")
            if table in ("budget", "scoring") and dotted not in stated:
                assert raw.get(table, {}).get(key, missing) != DEFAULTS[dotted], (ruleset_id, dotted)
    # and the loader gives those defaults: a ≥ 1.2 × t warns (SPEC §3.5)
    rules = load_rules()
    assert rules.over_achievement == DEFAULTS["scoring.over_achievement"] == 1.2
    assert (rules.budget_indicator, rules.budget_target, rules.claim_tolerance) == ("预算执行率", 100, 0.01)
    # a rule set that sets one overrides it
    text = builtin_path("项目支出").read_text(encoding="utf-8")
    own = tmp_path / "own.toml"
    own.write_text(text.replace("[scoring]\n", "[scoring]\nover_achievement = 1.3\n"), encoding="utf-8")
    assert load_rules(own).over_achievement == 1.3


def test_the_readme_lists_every_default_as_the_loader_has_it():
    # README stands alone (users have no source): its table of optional keys is the loader's
    listed = {}
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 3 and cells[0].strip("`") in DEFAULTS:
            listed[cells[0].strip("`")] = tomllib.loads(f"v = {cells[1].strip('`')}")["v"]
    assert listed == dict(DEFAULTS)
