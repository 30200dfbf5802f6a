"""``selfeval template`` and ``selfeval convert``: blank or roster-filled templates, and an official form turned
into a template for next year."""

from __future__ import annotations

from pathlib import Path

import click

from selfeval_xl.click_zh import ZhCommand
from selfeval_xl.commands.common import output_ready, refuse, rules_for, rules_opt
from selfeval_xl.errors import SelfevalError
from selfeval_xl.outputs.roster import RosterClash, RosterError, make_roster_templates
from selfeval_xl.outputs.template import generate_template
from selfeval_xl.reading import contract as L


@click.command(
    cls=ZhCommand, name="template", help="生成空白自评模板（xlsx）；--roster 按名单为每个单位生成一份预填模板。"
)
@click.option("--kind", type=click.Choice(L.KINDS), default=L.KIND_PROJECT, show_default=True, help="评价类型")
@click.option(
    "--rules",
    "rules_path",
    help="规则集：TOML 文件路径或内置规则集的编号（如 hubei-project）；默认按评价类型用内置规则集",
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="输出文件，默认 自评模板_<评价类型>.xlsx"
)
@click.option(
    "--roster",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="单位名单（xlsx 或 csv，列：单位编码、单位名称、主管部门、项目名称）",
)
@click.option("--out-dir", type=click.Path(file_okay=False, path_type=Path), help="--roster 生成的模板放在此文件夹")
@click.pass_context
def template_cmd(
    ctx: click.Context,
    kind: str,
    rules_path: str | None,
    output: Path | None,
    roster: Path | None,
    out_dir: Path | None,
) -> None:
    rules = rules_for(rules_path, kind)
    kind_given = ctx.get_parameter_source("kind") is not click.core.ParameterSource.DEFAULT
    if kind_given and rules.kind != kind:  # never a 项目支出 template when 部门整体支出 was asked for
        raise click.UsageError(
            f"--kind {kind} 与规则集“{rules.name}”的评价类型（{rules.kind}）不符，请去掉其一或换用对应的规则集"
        )
    if roster is not None:
        if out_dir is None:
            raise click.UsageError("使用 --roster 时必须用 --out-dir 指定输出文件夹")
        try:
            made = make_roster_templates(roster, out_dir, rules)
        except RosterClash as exc:
            refuse(str(exc))
        except RosterError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"已按名单生成 {len(made)} 份模板：{out_dir}（规则集：{rules.label}）")
        return
    out = output or Path(f"自评模板_{rules.kind}.xlsx")
    output_ready(out, (".xlsx",), "模板")  # a template filled in place is the accountant's work
    generate_template(out, rules)
    click.echo(f"已生成模板：{out}（规则集：{rules.label}）")


@click.command(
    cls=ZhCommand, name="convert", help="把已有的《项目支出绩效自评表》（单表格式）转换为本工具的模板，便于来年填写。"
)
@click.argument("form", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="输出模板，默认 <原文件名>.模板.xlsx"
)
@rules_opt
def convert_cmd(form: Path, output: Path | None, rules_path: str | None) -> None:
    from selfeval_xl.outputs.convert import form_to_template

    rules = rules_for(rules_path, L.KIND_PROJECT)
    out = output or form.with_name(form.stem + ".模板.xlsx")
    output_ready(out, (".xlsx",), "模板")
    try:
        _, n, lost = form_to_template(form, out, rules)
    except SelfevalError as exc:
        raise click.ClickException(f"无法转换：{exc.problem}") from None
    click.echo(f"已转换：{out}（{n} 个指标；规则集：{rules.label}）")
    for line in lost:  # (what was typed but unreadable is carried over as typed: no line here)
        click.echo(f"注意：{line}", err=True)
