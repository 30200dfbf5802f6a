"""The ``selfeval`` command: thin click layer over the library (help text in Chinese)."""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import click

from . import layout as L
from .batch import FileOutcome, score_paths
from .errors import RuleSetError
from .rules import RuleSet, load_rules
from .scoring import fmt_num
from .template import generate_template


def _rules(path: Path | None, kind: str | None = None) -> RuleSet | None:
    if path is None and kind is None:
        return None
    try:
        return load_rules(path, kind or L.KIND_PROJECT)
    except RuleSetError as exc:
        raise click.UsageError(str(exc)) from None


def _problem_line(p) -> str:  # type: ignore[no-untyped-def]
    return f"{'错误' if p.is_error else '警告'}：{p}"


def _file_line(o: FileOutcome) -> str:
    if o.card is None:
        return f"{o.display}：未评分（{o.error.message if o.error else ''}）"
    c = o.card
    claimed = f"，申报 {fmt_num(c.claimed_total)}" if c.claimed_total is not None else ""
    return f"{o.display}：核定总分 {c.total:.2f}（{c.grade}）{claimed}，错误 {len(c.errors)}，警告 {len(c.warnings)}"


def _closing(outcomes: list[FileOutcome]) -> str:
    scored = [o for o in outcomes if o.card]
    grades = Counter(o.card.grade for o in scored if o.card)
    order = []
    for o in scored:
        if o.card:
            order = [g for g, _ in o.card.rules.grades] + [o.card.rules.lowest_grade]
            break
    dist = "、".join(f"{g} {grades.get(g, 0)}" for g in order) if order else ""
    text = f"共 {len(outcomes)} 个文件：已评分 {len(scored)}，未评分 {len(outcomes) - len(scored)}"
    return text + (f"；{dist}" if dist else "")


def _json_obj(o: FileOutcome) -> dict:
    if o.card is not None:
        return o.card.as_dict()
    keys = ("kind", "year", "unit", "unit_code", "project", "total", "grade", "claimed_total")
    return {
        "file": o.display,
        **{k: None for k in keys},
        "budget": None,
        "indicators": [],
        "problems": [p.as_dict() for p in o.problems],
    }


@click.group(help="预算绩效自评评分工具：生成模板、校验、评分。")
@click.version_option(package_name="selfeval_xl", message="%(version)s")
def cli() -> None:
    pass


@cli.command(name="template", help="生成空白自评模板（xlsx）。")
@click.option("--kind", type=click.Choice(L.KINDS), default=L.KIND_PROJECT, show_default=True, help="评价类型")
@click.option(
    "--rules",
    "rules_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="规则集文件（TOML）；默认用内置规则集",
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="输出文件，默认 自评模板_<评价类型>.xlsx"
)
def template_cmd(kind: str, rules_path: Path | None, output: Path | None) -> None:
    rules = _rules(rules_path, kind)
    assert rules is not None
    out = output or Path(f"自评模板_{rules.kind}.xlsx")
    generate_template(out, rules)
    click.echo(f"已生成模板：{out}（规则集：{rules.label}）")


def _run(paths: Iterable[Path], rules_path: Path | None, as_json: bool) -> list[FileOutcome]:
    rules = _rules(rules_path)
    outcomes: list[FileOutcome] = []
    for outcome in score_paths(paths, rules):
        outcomes.append(outcome)
        for p in outcome.problems:
            click.echo(_problem_line(p), err=True)
        if as_json:
            click.echo(json.dumps(_json_obj(outcome), ensure_ascii=False))
        else:
            click.echo(_file_line(outcome))
    if not outcomes:
        click.echo("没有找到可评分的工作簿（.xlsx/.xlsm/.xls/.ods）", err=True)
    click.echo(_closing(outcomes), err=as_json)
    return outcomes


_paths_arg = click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
_rules_opt = click.option(
    "--rules",
    "rules_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="规则集文件（TOML）；默认按评价类型用内置规则集",
)


@cli.command(name="validate", help="校验工作簿，只报告问题，不写任何文件。")
@_paths_arg
@_rules_opt
@click.pass_context
def validate_cmd(ctx: click.Context, paths: tuple[Path, ...], rules_path: Path | None) -> None:
    outcomes = _run(paths, rules_path, as_json=False)
    ctx.exit(1 if any(o.has_errors for o in outcomes) else 0)


@cli.command(name="score", help="评分：文件或文件夹（递归，跳过 ~$ 锁文件、隐藏文件和本工具的输出）。")
@_paths_arg
@_rules_opt
@click.option("--json", "as_json", is_flag=True, help="每个工作簿输出一行 JSON（JSON Lines）")
@click.option("--no-write-back", is_flag=True, help="不把评分结果写回工作簿")
@click.pass_context
def score_cmd(
    ctx: click.Context, paths: tuple[Path, ...], rules_path: Path | None, as_json: bool, no_write_back: bool
) -> None:
    outcomes = _run(paths, rules_path, as_json=as_json)
    ctx.exit(1 if any(o.has_errors for o in outcomes) else 0)


def main() -> None:  # pragma: no cover - console entry
    cli(prog_name="selfeval")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
