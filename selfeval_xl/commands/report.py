"""``selfeval report`` and ``selfeval sample``: draft a unit's or the district's report, draw the files to re-check."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from selfeval_xl._fs import atomic_write
from selfeval_xl.click_zh import ZhCommand
from selfeval_xl.commands.common import as_typed, output_ready, refuse, rules_opt, rules_or_usage, typed_command
from selfeval_xl.discover import is_summary
from selfeval_xl.errors import SelfevalError
from selfeval_xl.file_scoring import RuleBook, score_file
from selfeval_xl.ooxml.ownership import refusal, stamped_png, stamped_text
from selfeval_xl.ooxml.package import open_book
from selfeval_xl.outputs.result_files import lock_file
from selfeval_xl.reading import contract as L
from selfeval_xl.reading.summary_table import SummaryTableError
from selfeval_xl.scoring.verdict import BLANK, NEEDS_CORRECTION, NEEDS_REVIEW, status_zh

if TYPE_CHECKING:
    from selfeval_xl.outputs.report import Block


@click.command(
    cls=ZhCommand,
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
@rules_opt
def report_cmd(
    workbook: Path | None, summary: Path | None, output: Path | None, inline_cites: bool, rules_path: str | None
) -> None:
    # imported here: python-docx and matplotlib are slow to load and only this command needs them
    from selfeval_xl.outputs.district import draft_district
    from selfeval_xl.outputs.report import draft, to_markdown
    from selfeval_xl.outputs.report_docx import write_docx

    if (workbook is None) == (summary is None):
        raise click.UsageError("请给出一个工作簿，或用 --summary 给出汇总表（二者选一）")
    failed = False
    if summary is not None and (why := _not_a_summary(summary)):
        refuse(f"错误：{summary} {why}，无法起草汇总报告；请给出 selfeval score 生成的汇总表（{L.SUMMARY_FILE}）")
    if workbook is not None and is_summary(workbook):
        refuse(
            f"错误：{workbook} 是本工具生成的汇总表，不是单位的自评工作簿；起草全区汇总报告请用：{typed_command()} report --summary {as_typed(workbook)}"
        )
    if summary is not None:
        try:
            blocks = draft_district(summary)
        except SummaryTableError as exc:  # (a summary edited so that it no longer reads as one)
            refuse(f"错误：{exc}；无法起草汇总报告")
        out = output or summary.with_name(summary.stem + ".汇总报告.docx")
        what = "汇总报告"
    else:
        assert workbook is not None
        outcome = score_file(workbook, workbook.name, RuleBook(rules_or_usage(rules_path)))
        if outcome.card is None:
            raise click.ClickException(f"无法起草报告：{outcome.error}")
        card = outcome.card
        blocks = draft(card, inline_cites=inline_cites)
        if card.status in (NEEDS_CORRECTION, BLANK):
            out = output or workbook.with_name(workbook.stem + ".更正清单.docx")
            units = card.unit_errors
            if card.errors and not units:  # only a reviewer's 复核得分 typed wrong
                what = f"更正清单（{status_zh(card.status)}：{L.SHEET_RESULTS}中 {len(card.errors)} 处复核内容需复核人员改正，单位不必更正）"
            else:
                what = f"更正清单（{status_zh(card.status)}，{len(units)} 处需更正；更正后重新评分再起草自评报告）"
            failed = True
        else:
            out = output or workbook.with_name(workbook.stem + ".自评报告.docx")
            grade = card.grade if card.status != NEEDS_REVIEW else f"暂定 {card.grade}，待复核"
            # the grade goes by the 复核总分 once there is one: name the total it goes by
            which = "复核总分" if card.reviewed_total is not None else "核定总分"
            what = f"报告（{which} {card.final_total:.2f}，{grade}）"
    output_ready(out, (".docx", ".md"), "报告")  # a draft edited by hand is not replaced
    if out.suffix.lower() == ".md":
        # the charts beside a .md draft are outputs too: a picture of the user's own with that name is
        # never replaced, and nothing is written when one is in the way
        charts = sum(b.kind == "image" for b in blocks)
        for i in range(1, charts + 1):
            if refused := refusal(out.with_name(_chart_name(out, i))):
                refuse(refused)

        def image(i: int, block: Block) -> str:
            name = _chart_name(out, i)
            atomic_write(out.with_name(name), lambda tmp: tmp.write_bytes(stamped_png(block.data)))
            return name

        text = stamped_text(to_markdown(blocks, image))
        atomic_write(out, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    else:
        write_docx(blocks, out)
    todo_count = sum(b.text.count("【请补充") for b in blocks)
    click.echo(f"已起草{what}：{out}" + ("" if failed else f"（待人工补充 {todo_count} 处）"))
    if failed:  # SPEC §5: a file with errors → 1
        click.get_current_context().exit(1)
    for note in _font_notes(blocks, out):
        click.echo(note)


def _chart_name(out: Path, i: int) -> str:
    """The i-th chart of a Markdown draft, beside it (the name the folder scan knows as ours)."""
    return f"{out.stem}.图{i}.png"


def _not_a_summary(path: Path) -> str:
    """Why ``path`` is not one of our summaries (empty when it is): the district report reads
    only the sheets and headers we write, so anything else would draft “共收到文件 0 份”."""
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return f"不是 .xlsx 工作簿（{path.suffix or '无扩展名'} 文件）"
    try:
        open_book(path, parts_read_only=True)
    except SelfevalError as exc:
        return f"无法读取（{exc.problem.message}）"
    return "" if is_summary(path) else "不是本工具生成的汇总表（没有“汇总”“问题清单”“未评分文件”工作表）"


def _font_notes(blocks: list[Block], out: Path) -> list[str]:
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


class SampleRate(click.ParamType):
    """``--rate`` as a bureau writes it: ``0.2`` or ``20%``. A bare ``20`` (meant as 20%) is refused
    with the reading it probably meant, rather than click's ``20.0 不在范围 0<x<=1 内``."""

    name = "float"  # shown as 数字 in --help, as click's own FloatRange is

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> float:
        if isinstance(value, float):
            return value
        text = str(value).strip().replace("％", "%")
        percent = text.endswith("%")
        try:
            rate = float(text.removesuffix("%")) / (100 if percent else 1)
        except ValueError:
            self.fail(f"“{value}”不是抽取比例；请写 0 到 1 之间的小数（如 0.2）或百分数（如 20%）", param, ctx)
        if not 0 < rate <= 1:
            hint = f"；{text} 是否应为 {rate / 100:g}（即 {text}%）？" if 1 < rate <= 100 and not percent else ""
            self.fail(f"抽取比例 {value} 不在 0 到 1 之间（不含 0）{hint}", param, ctx)
        return rate


@click.command(
    cls=ZhCommand,
    name="sample",
    help="抽查：从汇总表中抽取要复核的文件。必抽待复核的、申报总分与核定总分相差 5 分及以上的、"
    "全年预算数居前 10% 的文件，其余按随机种子随机抽取；名单写明每份的抽取原因。",
)
@click.argument("summary", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--rate", type=SampleRate(), help="抽取比例（0–1，也可写 20%），默认 0.2")
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
    if is_own_sample(summary):  # (its rows name files too: it would sample the sample)
        raise click.UsageError(f"{summary} 是抽查名单，不是汇总表；请给出 selfeval score 生成的汇总表（如 汇总.xlsx）")
    out = output or summary.with_name(L.SAMPLE_FILE)
    if out.suffix.lower() != ".xlsx":  # (the list is an Excel workbook whatever it is called)
        raise click.UsageError(f"{out}：抽查名单的文件名须以 .xlsx 结尾，请用 -o 指定这样的文件名")
    if out.resolve() == summary.resolve() or (out.exists() and not is_own_sample(out)):
        raise click.UsageError(f"{out} 不是本工具生成的抽查名单，不会覆盖它；请用 -o 指定其他文件")
    if (lock := lock_file(out)) is not None:
        raise click.ClickException(f"{out} 正在被 Excel/WPS 打开（发现锁文件 {lock.name}），请关闭后重试")
    drawn_seed = secrets.randbelow(1_000_000) if seed is None else seed
    try:
        sample = draw(summary, rate, count, drawn_seed)
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
        f"随机种子 {sample.seed}）" + (f"；未参与抽取：{held}" if held else "") + f"；抽查名单：{out}"
    )
