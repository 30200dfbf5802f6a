"""The ``selfeval`` command: thin click layer over the library (help text in Chinese)."""

from __future__ import annotations

import contextlib
import json
import signal
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import click

from selfeval_xl import click_zh
from selfeval_xl._fs import atomic_write, os_reason, shown
from selfeval_xl.batch import (
    LAYOUTS,
    BatchOptions,
    BatchResult,
    FileOutcome,
    RuleBook,
    Tally,
    run_batch,
    score_file,
    score_paths,
)
from selfeval_xl.demo import copy_samples
from selfeval_xl.discover import find_other_files, is_own_summary
from selfeval_xl.duplicates import Duplicates
from selfeval_xl.errors import Problem, RuleSetError, SelfevalError
from selfeval_xl.ooxml.ownership import refusal, stamped_text
from selfeval_xl.ooxml.package import open_book
from selfeval_xl.outputs.roster import RosterClash, RosterError, make_roster_templates
from selfeval_xl.outputs.template import generate_template
from selfeval_xl.outputs.writeback import lock_file
from selfeval_xl.reading import contract as L
from selfeval_xl.rules.ruleset import RuleSet, find_rules, load_rules
from selfeval_xl.scoring.rounding import fmt_num
from selfeval_xl.scoring.verdict import BLANK, NEEDS_CORRECTION, NEEDS_REVIEW, closing_counts, status_zh

click_zh.install()  # click's own usage messages and help words in Chinese


def _rules(spec: str | None, kind: str | None = None) -> RuleSet | None:
    if spec is None and kind is None:
        return None
    try:
        return find_rules(spec) if spec is not None else load_rules(None, kind or L.KIND_PROJECT)
    except RuleSetError as exc:
        raise click.UsageError(str(exc)) from None


def _problem_line(p) -> str:  # type: ignore[no-untyped-def]
    return f"{'错误' if p.is_error else '警告'}：{p}"


NOTHING_FOUND = "没有找到可评分的工作簿（.xlsx/.xlsm/.xls/.ods）"


def _file_line(o: FileOutcome, extra_warnings: int = 0) -> str:
    """``extra_warnings``: warnings the whole run found after the file was scored (a duplicate)."""
    r = o.result
    if r is None:
        return f"{o.display}：未评分（{o.error.message if o.error else ''}）"
    claimed = f"，申报 {fmt_num(r.claimed_total)}" if r.claimed_total is not None else ""
    if r.status == BLANK:
        verdict = "未填写（不评分）"
    elif r.status == NEEDS_CORRECTION:
        verdict = f"待更正，核定总分 {r.total:.2f}（暂算）{claimed}"
    elif r.status == NEEDS_REVIEW:
        verdict = f"待复核，核定总分 {r.total:.2f}（暂定 {r.grade}）{claimed}"
    elif r.reviewed_total is not None:
        verdict = (
            f"{status_zh(r.status)}，复核总分 {r.reviewed_total:.2f}（{r.grade}），核定总分 {r.total:.2f}{claimed}"
        )
    else:
        verdict = f"{status_zh(r.status)}，核定总分 {r.total:.2f}（{r.grade}）{claimed}"
    line = f"{o.display}：{verdict}，错误 {len(o.errors)}，警告 {len(o.warnings) + extra_warnings}"
    return line + (f"；{o.write_problem.message}" if o.write_problem else "")


def _closing(t: Tally) -> str:
    """``共 9 个文件：已评分 3、待复核 1、待更正 2、未填写 1；无法读取 1；不是 Excel 工作簿 1；等级：…``"""
    text = f"共 {t.files} 个文件：{closing_counts(t.statuses)}"
    if t.unreadable:
        text += f"；无法读取 {t.unreadable}"
    if t.others:
        text += f"；不是 Excel 工作簿 {t.others}（未评分）"
    if t.grades:
        text += "；等级：" + "、".join(f"{g} {t.grades.get(g, 0)}" for g in t.grade_order)
    return text


class _Group(click.Group):
    """File-system trouble outside the per-file handling (an output open in Excel, a folder
    that is a file, a full disk) ends as one Chinese line, never a traceback."""

    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except OSError as exc:
            where = f" {exc.filename}" if exc.filename else ""
            raise click.ClickException(f"无法读写文件{where}（{os_reason(exc)}）") from None


@click.group(cls=_Group, help="预算绩效自评评分工具：生成模板、校验、评分、起草报告。")
@click.version_option(package_name="selfeval_xl", message="%(version)s")
def cli() -> None:
    pass


@cli.command(name="template", help="生成空白自评模板（xlsx）；--roster 按名单为每个单位生成一份预填模板。")
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
    rules = _rules(rules_path, kind)
    assert rules is not None
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
            _refuse(str(exc))
            return
        except RosterError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"已按名单生成 {len(made)} 份模板：{out_dir}（规则集：{rules.label}）")
        return
    out = output or Path(f"自评模板_{rules.kind}.xlsx")
    if why := refusal(out):  # a template filled in place is the accountant's work
        _refuse(why)
    generate_template(out, rules)
    click.echo(f"已生成模板：{out}（规则集：{rules.label}）")


_paths_arg = click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
_rules_opt = click.option(
    "--rules",
    "rules_path",
    help="规则集：TOML 文件路径或内置规则集的编号（如 hubei-project）；默认用模板所用或按评价类型的内置规则集",
)


_debug_opt = click.option("--debug", is_flag=True, help="程序内部出错时显示详细信息（traceback）并停止")
_layout_opt = click.option(
    "--layout",
    type=click.Choice(LAYOUTS),
    default="auto",
    show_default=True,
    help="工作簿格式：auto 自动识别；template 本工具模板；form 单表《项目支出绩效自评表》",
)


@cli.command(name="validate", help="校验工作簿，只报告问题，不写任何文件。")
@_paths_arg
@_rules_opt
@_debug_opt
@_layout_opt
@click.pass_context
def validate_cmd(ctx: click.Context, paths: tuple[Path, ...], rules_path: str | None, debug: bool, layout: str) -> None:
    tally = Tally()
    duplicates = Duplicates()
    for outcome in score_paths(paths, _rules(rules_path), debug, layout, isolate=True):
        if outcome.skipped:
            continue
        tally.add(outcome)
        if outcome.result is not None:
            duplicates.add(outcome.result.identity, outcome.display, outcome.path)
        for p in outcome.problems:
            click.echo(_problem_line(p), err=True)
        click.echo(_file_line(outcome))
    for _, problem in duplicates.problems().values():  # known only once every file is read
        click.echo(_problem_line(problem), err=True)
    others = [display for _, display in find_other_files(paths)]
    for _ in others:
        tally.add_other()
    _echo_others(others)
    if not tally.files:
        click.echo(NOTHING_FOUND, err=True)
    click.echo(_closing(tally))
    ctx.exit(1 if tally.with_errors else 0)


def _echo_others(others: list[str]) -> None:
    """Name every file in the folders that is not a workbook: nothing is silently missed."""
    for display in others:
        click.echo(f"{display}：不是 Excel 工作簿，未评分", err=True)


@cli.command(
    name="score",
    help="评分：文件或文件夹（递归，跳过 ~$ 锁文件、隐藏文件和本工具的输出），写回“评分结果”工作表并生成汇总表。",
)
@_paths_arg
@_rules_opt
@click.option(
    "--summary",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"汇总表路径；默认当前文件夹的 {L.SUMMARY_FILE}（有 --out-dir 时放在该文件夹）",
)
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="把评分后的副本写到此文件夹，原文件不动",
)
@click.option("--no-write-back", is_flag=True, help="不把评分结果写回工作簿（仍生成汇总表）")
@click.option(
    "--previous",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="上年汇总表；汇总表增加 上年核定总分、上年等级、变化（按单位编码或单位名称 + 项目名称对应）",
)
@click.option("--json", "as_json", is_flag=True, help="每个工作簿输出一行 JSON（JSON Lines）")
@click.option("-v", "--verbose", is_flag=True, help="逐条列出每个问题")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=0, help="并行进程数；0 = 每个 CPU 核一个（默认）")
@_debug_opt
@_layout_opt
@click.pass_context
def score_cmd(
    ctx: click.Context,
    paths: tuple[Path, ...],
    rules_path: str | None,
    summary: Path | None,
    out_dir: Path | None,
    no_write_back: bool,
    previous: Path | None,
    as_json: bool,
    verbose: bool,
    jobs: int,
    debug: bool,
    layout: str,
) -> None:
    if summary is None:
        summary = (out_dir or Path()) / L.SUMMARY_FILE
    elif summary.suffix.lower() != ".xlsx":  # the summary is always an .xlsx workbook
        raise click.UsageError(f"汇总表只能是 .xlsx 文件：{summary}；请用 --summary 指定以 .xlsx 结尾的文件名")
    last_year = None
    if previous is not None:
        from selfeval_xl.outputs.previous_year import PreviousError, read_previous

        try:
            last_year = read_previous(previous)  # read before any work: a wrong file is a usage error
        except PreviousError as exc:
            raise click.UsageError(str(exc)) from None
    options = BatchOptions(
        previous=last_year,
        write_back=not no_write_back,
        out_dir=out_dir,
        summary=summary,
        rules=_rules(rules_path),
        jobs=jobs,
        debug=debug,
        layout=layout,
        isolate=not debug,
    )
    result = _score(paths, options, as_json=as_json, verbose=verbose)
    ctx.exit(1 if result.tally.with_errors or result.summary_error is not None else 0)


@cli.command(name="demo", help="演示：把内置样例复制到 DIR（默认 ./selfeval-demo），评分、写回并生成汇总表。")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
def demo_cmd(directory: Path | None) -> None:
    target = directory or Path("selfeval-demo")
    copies = copy_samples(target)
    click.echo(f"已复制 {len(copies)} 个样例工作簿到 {target}")
    result = _score([target], BatchOptions(summary=target / L.SUMMARY_FILE), as_json=False, verbose=False)
    click.echo(f"每个工作簿已写回“{L.SHEET_RESULTS}”工作表：{target.resolve()}")
    if result.tally.with_errors:
        names = "、".join(result.tally.with_errors)
        click.echo(f"样例 {names} 故意含错误，用来演示问题清单；演示本身已完成。")
    if result.summary is None:  # pragma: no cover - demo always writes one
        raise click.ClickException("未生成汇总表")


@cli.command(
    name="report",
    help="起草报告：单个工作簿的自评报告（按种子报告的章节，数字取自工作簿，文末附数据来源表），"
    "或用 --summary 起草全区汇总报告；版式按党政机关公文格式（GB/T 9704），需要人工撰写处标“【请补充：…】”。",
)
@click.argument("workbook", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--summary",
    "summary",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="汇总表（汇总.xlsx），起草全区汇总报告",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="输出 .docx 或 .md，默认 <文件名>.自评报告.docx / .汇总报告.docx",
)
@click.option(
    "--inline-cites", is_flag=True, help="在正文每个数字后注明单元格（如“（绩效指标!H4）”），不另附数据来源表"
)
@_rules_opt
def report_cmd(
    workbook: Path | None, summary: Path | None, output: Path | None, inline_cites: bool, rules_path: str | None
) -> None:
    # imported here: python-docx and matplotlib are slow to load and only this command needs them
    from selfeval_xl.outputs.district import draft_district
    from selfeval_xl.outputs.report import Block, draft, to_markdown
    from selfeval_xl.outputs.report_docx import write_docx

    if (workbook is None) == (summary is None):
        raise click.UsageError("请给出一个工作簿，或用 --summary 给出汇总表（二者选一）")
    failed = False
    if summary is not None and (why := _not_a_summary(summary)):
        _refuse(f"错误：{summary} {why}，无法起草汇总报告；请给出 selfeval score 生成的汇总表（{L.SUMMARY_FILE}）")
    if workbook is not None and is_own_summary(workbook):
        _refuse(
            f"错误：{workbook} 是本工具生成的汇总表，不是单位的自评工作簿；起草全区汇总报告请用：selfeval report --summary {workbook}"
        )
    if summary is not None:
        blocks = draft_district(summary)
        out = output or summary.with_name(summary.stem + ".汇总报告.docx")
        what = "汇总报告"
    else:
        assert workbook is not None
        outcome = score_file(workbook, workbook.name, RuleBook(_rules(rules_path)))
        if outcome.card is None:
            raise click.ClickException(f"无法起草报告：{outcome.error}")
        card = outcome.card
        blocks = draft(card, inline_cites=inline_cites)
        if card.status in (NEEDS_CORRECTION, BLANK):
            out = output or workbook.with_name(workbook.stem + ".更正清单.docx")
            what = f"更正清单（{status_zh(card.status)}，{len(card.errors)} 处需更正；更正后重新评分再起草自评报告）"
            failed = True
        else:
            out = output or workbook.with_name(workbook.stem + ".自评报告.docx")
            grade = card.grade if card.status != NEEDS_REVIEW else f"暂定 {card.grade}，待复核"
            what = f"报告（核定总分 {card.total:.2f}，{grade}）"
    if out.suffix.lower() in (".md", ".docx") and (why := refusal(out)):  # a draft edited by hand
        _refuse(why)
    if out.suffix.lower() == ".md":

        def image(i: int, block: Block) -> str:
            name = f"{out.stem}.图{i}.png"
            atomic_write(out.with_name(name), lambda tmp: tmp.write_bytes(block.data))
            return name

        text = stamped_text(to_markdown(blocks, image))
        atomic_write(out, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    elif out.suffix.lower() == ".docx":
        write_docx(blocks, out)
    else:
        raise click.UsageError("报告只能输出为 .docx 或 .md")
    todo_count = sum(b.text.count("【请补充") for b in blocks)
    click.echo(f"已起草{what}：{out}" + ("" if failed else f"（待人工补充 {todo_count} 处）"))
    if failed:  # SPEC §5: a file with errors → 1
        click.get_current_context().exit(1)
    for note in _font_notes(blocks, out):
        click.echo(note)


def _not_a_summary(path: Path) -> str:
    """Why ``path`` is not one of our summaries (empty when it is): the district report reads
    only the sheets and headers we write, so anything else would draft “共收到文件 0 份”."""
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return f"不是 .xlsx 工作簿（{path.suffix or '无扩展名'} 文件）"
    try:
        open_book(path)
    except SelfevalError as exc:
        return f"无法读取（{exc.problem.message}）"
    return "" if is_own_summary(path) else "不是本工具生成的汇总表（没有“汇总”“问题清单”“未评分文件”工作表）"


def _refuse(line: str) -> None:
    """One Chinese line on stderr and exit 2: the input is not what the command reads."""
    click.echo(line, err=True)
    click.get_current_context().exit(2)


def _font_notes(blocks: list, out: Path) -> list[str]:  # type: ignore[type-arg]
    """Which fonts the draft could not have as specified, said plainly (SPEC §4.5)."""
    from selfeval_xl.outputs.charts import cjk_font
    from selfeval_xl.outputs.report_docx import TITLE_FONTS, title_font

    notes = []
    if out.suffix.lower() == ".docx" and title_font() not in TITLE_FONTS:
        notes.append(
            f"提示：本机未安装方正小标宋简体，标题改用 {title_font()}；在装有该字体的电脑上可把标题改回小标宋。"
        )
    if any(b.kind == "image" for b in blocks):
        font = cjk_font()
        notes.append(
            f"图表中文字体：{font}"
            if font
            else "提示：本机没有中文字体，图表中的中文可能显示为方框；请安装 Noto Sans CJK 或 微软雅黑 后重新起草。"
        )
    return notes


@cli.command(
    name="sample",
    help="抽查：从汇总表中抽取要复核的文件。必抽待复核的、申报总分与核定总分相差 5 分及以上的、"
    "全年预算数居前 10% 的文件，其余按随机种子随机抽取；名单写明每份的抽取原因。",
)
@click.argument("summary", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--rate", type=click.FloatRange(0, 1, min_open=True), help="抽取比例（0–1），默认 0.2")
@click.option("--count", type=click.IntRange(min=1), help="抽取份数（与 --rate 二选一）")
@click.option(
    "--seed", type=click.IntRange(min=0), help="随机种子；同一汇总表和种子得到同一名单（默认随机生成并记入名单）"
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help=f"输出文件，默认汇总表旁的 {L.SAMPLE_FILE}"
)
def sample_cmd(summary: Path, rate: float | None, count: int | None, seed: int | None, output: Path | None) -> None:
    import secrets

    from selfeval_xl.batch import scored_at_now
    from selfeval_xl.outputs.sampling import SampleError, draw, is_own_sample, write_sample

    if rate is not None and count is not None:
        raise click.UsageError("--rate 和 --count 只能给出一个")
    out = output or summary.with_name(L.SAMPLE_FILE)
    if out.resolve() == summary.resolve() or (out.exists() and not is_own_sample(out)):
        raise click.UsageError(f"{out} 不是本工具生成的抽查名单，不会覆盖它；请用 -o 指定其他文件")
    if (lock := lock_file(out)) is not None:
        raise click.ClickException(f"{out} 正在被 Excel/WPS 打开（发现锁文件 {lock.name}），请关闭后重试")
    seed = secrets.randbelow(1_000_000) if seed is None else seed
    try:
        sample = draw(summary, rate, count, seed)
    except SampleError as exc:
        raise click.UsageError(str(exc)) from None
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(out, lambda tmp: write_sample(sample, summary, tmp, scored_at_now()))
    must = sum(p.must for p in sample.picks)
    for p in sample.picks:
        click.echo(f"{p.row['文件']}：{'；'.join(p.reasons)}")
    held = "、".join(f"{k} {v} 份" for k, v in sample.held_back.items())
    click.echo(
        f"已从 {sample.candidates} 份中抽取 {len(sample.picks)} 份（必抽 {must}，随机 {len(sample.picks) - must}，"
        f"随机种子 {sample.seed}）" + (f"；未参与抽取：{held}" if held else "") + f"：{out}"
    )


@cli.command(name="convert", help="把已有的《项目支出绩效自评表》（单表格式）转换为本工具的模板，便于来年填写。")
@click.argument("form", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="输出模板，默认 <原文件名>.模板.xlsx"
)
@_rules_opt
def convert_cmd(form: Path, output: Path | None, rules_path: str | None) -> None:
    from selfeval_xl.outputs.convert import form_to_template

    rules = _rules(rules_path, L.KIND_PROJECT)
    assert rules is not None
    out = output or form.with_name(form.stem + ".模板.xlsx")
    if why := refusal(out):
        _refuse(why)
    try:
        _, n = form_to_template(form, out, rules)
    except SelfevalError as exc:
        raise click.ClickException(f"无法转换：{exc.problem}") from None
    click.echo(f"已转换：{out}（{n} 个指标；规则集：{rules.label}）")


@cli.command(
    name="serve",
    help="打开本机评分网页：在浏览器里上传工作簿或文件夹压缩包，评分、查看问题、下载结果（文件只在本机处理）。",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="监听地址；默认只允许本机访问，改成其他地址时请注意局域网安全",
)
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="端口；0 = 自动选一个空闲端口"
)
@click.option("--no-browser", is_flag=True, help="不自动打开浏览器")
def serve_cmd(host: str, port: int, no_browser: bool) -> None:
    # imported here: the web server's libraries are only needed by this command
    from selfeval_xl.web.server import BindError, serve

    try:
        serve(host, port, open_browser=not no_browser, say=click.echo)
    except BindError as exc:
        raise click.ClickException(str(exc)) from None


class _Progress:
    """A one-line progress bar on a terminal's stderr; silent when stderr is not a terminal.
    Lines printed while it is shown first clear it."""

    def __init__(self) -> None:
        self.on = sys.stderr.isatty()
        self.total = self.done = 0

    def start(self, total: int) -> None:
        self.total = total

    def step(self, name: str) -> None:
        self.done += 1
        if self.on and self.total:
            width = 30
            filled = width * self.done // self.total
            bar = "█" * filled + "░" * (width - filled)
            sys.stderr.write(f"\r\x1b[K评分中 {bar} {self.done}/{self.total} {name[-40:]}")
            sys.stderr.flush()

    def clear(self) -> None:
        if self.on and self.total:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


class _Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP: unwound like Ctrl-C (temp files removed, workers stopped)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def _stop_signals() -> Iterator[None]:
    def stop(signum: int, frame: object) -> None:
        raise _Stopped(signum)

    wanted = [s for s in (signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None]
    try:
        old = {s: signal.signal(s, stop) for s in wanted}
    except ValueError:  # not the main thread (a library caller): leave signals alone
        yield
        return
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)


def _score(paths: Iterable[Path], options: BatchOptions, as_json: bool, verbose: bool) -> BatchResult:
    progress = _Progress()

    # JSON lines wait in a temp file until the run is done: a duplicate found later must still
    # reach the first file's line (memory stays flat either way)
    lines_json = tempfile.TemporaryFile("w+", encoding="utf-8") if as_json else None

    def report(outcome: FileOutcome) -> None:
        progress.clear()
        if outcome.skipped:
            click.echo(f"跳过本工具生成的文件：{outcome.display}", err=True)
        elif lines_json is not None:
            lines_json.write(json.dumps(outcome.as_dict(), ensure_ascii=False) + "\n")
        if not outcome.skipped:
            shown_lines = [_problem_line(p) for p in outcome.problems] if verbose else []
            lines = [_file_line(outcome), _file_line(outcome, extra_warnings=1)]
            record = [outcome.display, bool(outcome.problems), lines, shown_lines]
            lines_text.write(json.dumps(record, ensure_ascii=False) + "\n")
        progress.step(outcome.display)

    def echo_lines(duplicates: dict[str, Problem]) -> None:
        lines_text.seek(0)
        for line in lines_text:
            display, any_problem, (text, text_dup), problem_lines = json.loads(line)
            extra = duplicates.get(display)
            if extra is not None:  # found after the file was scored: one warning more
                text = text_dup
                problem_lines.append(_problem_line(extra))
            if not (any_problem or extra is not None):
                continue
            click.echo(text, err=True)
            if not verbose:  # the duplicate is shown all the same: only the whole run could find it
                problem_lines = [_problem_line(extra)] if extra is not None else []
            for shown_line in problem_lines:
                click.echo(shown_line, err=True)
        lines_text.close()

    summary = options.summary
    if summary is not None and summary.exists() and not is_own_summary(summary):
        # checked before any work: never replace a file selfeval did not write (SPEC §4.2)
        click.echo(
            f"错误：{summary} 不是本工具生成的汇总表，为免覆盖已停止，未评分任何文件；请用 --summary 指定其他文件名",
            err=True,
        )
        click.get_current_context().exit(2)
    if summary is not None and (lock := lock_file(summary)) is not None:
        # checked first: the workbooks would be scored and written, then the summary refused
        raise click.ClickException(
            f"汇总表 {summary} 正在被 Excel/WPS 打开（发现锁文件 {lock.name}），请关闭后重试，或用 --summary 指定其他文件"
        )
    # so do the per-file lines: a duplicate's warning counts in its line as in its workbook
    lines_text = tempfile.TemporaryFile("w+", encoding="utf-8")
    try:
        with _stop_signals():
            result = run_batch(paths, options, on_start=progress.start, on_outcome=report)
    except _Stopped as exc:
        # the Ctrl-C path (no summary, no half-written file), with the shell's exit code 128+N
        progress.clear()
        echo_lines({})
        click.echo(f"已中断（收到 {signal.Signals(exc.signum).name}）：已写回的文件完整，未生成汇总表", err=True)
        raise click.exceptions.Exit(128 + exc.signum) from None
    except BaseException:
        lines_text.close()
        raise
    finally:
        progress.clear()
    echo_lines(result.duplicates)
    if lines_json is not None:
        lines_json.seek(0)
        for line in lines_json:
            obj = json.loads(line)
            if obj["file"] in result.duplicates:
                obj["problems"].append(result.duplicates[obj["file"]].as_dict())
            click.echo(json.dumps(obj, ensure_ascii=False))
        lines_json.close()
    t = result.tally
    _echo_others(result.others)
    if not t.files:
        click.echo(NOTHING_FOUND, err=True)
    lines = [_closing(t)]
    if options.write_back:
        lines.append(_written_line(t, options))
    if result.summary is not None:
        lines.append(f"汇总表：{shown(str(result.summary))}")

    if result.detail_csv is not None:
        lines.append(f"指标明细超过 Excel 行数上限，完整明细：{shown(str(result.detail_csv))}")
    for line in lines:
        click.echo(line, err=as_json)
    if result.summary_error is not None:
        # every workbook was still scored and written back (the count above is what was written)
        reason = os_reason(result.summary_error)
        click.echo(f"错误：无法写入汇总表 {shown(str(summary))}（{reason}），未生成汇总表", err=True)
    return result


def _written_line(t: Tally, options: BatchOptions) -> str:
    """Where the 评分结果 went: in place, as copies, or beside a non-.xlsx input (named)."""
    side = t.side_files
    if options.out_dir:
        text = f"评分结果：{t.written} 个文件的副本在 {shown(str(options.out_dir))}"
    else:
        parts = []
        if t.written - len(side):
            parts.append(f"{t.written - len(side)} 个文件已写回原工作簿")
        if side:
            names = "、".join(side[:3]) + (f" 等 {len(side)} 个" if len(side) > 3 else "")
            parts.append(f"非 .xlsx 文件的评分结果另存为 {names}（原文件未改动）")
        text = "评分结果：" + ("，".join(parts) or "0 个文件已写回原工作簿")
    return text + (f"，{t.not_written} 个未写回（见上）" if t.not_written else "")


def main() -> None:  # pragma: no cover - console entry
    cli(prog_name="selfeval")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
