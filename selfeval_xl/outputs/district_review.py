"""The district report's sections on 复核 (how many files a reviewer changed and by how much)
and, when the summary was made with ``--previous``, on the change since last year (biggest
rises and falls, grade changes). Read from 汇总's rows by header text."""

from __future__ import annotations

from typing import Any

from selfeval_xl.outputs.district_tables import Namer, unit_and_project
from selfeval_xl.outputs.previous_year import NOT_EARLIER
from selfeval_xl.outputs.report import Block, numeral
from selfeval_xl.rounding import fmt_num, fmt_score, fmt_signed_score, round_half_up

TOP = 5


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def heading(n: int, text: str) -> Block:
    return Block("h1", f"{numeral(n)}、{text}")


def review_blocks(rows: list[dict[str, Any]], n: int, name: Namer = unit_and_project) -> list[Block]:
    """Section ``n``: 复核情况 (nothing when the summary has no 复核总分 column); each file named by
    ``name`` (``district_tables.namer``)."""
    if not rows or "复核总分" not in rows[0]:
        return []
    reviewed = [r for r in rows if _num(r.get("复核总分")) is not None and _num(r.get("核定总分")) is not None]
    out = [heading(n, "复核情况")]
    if not reviewed:
        out.append(Block("p", "本次尚未录入复核得分，各单位等级均按核定总分确定。"))
        return out
    moves = [round_half_up(r["复核总分"] - r["核定总分"]) for r in reviewed]
    down, up = sum(m < 0 for m in moves), sum(m > 0 for m in moves)
    mean = round_half_up(sum(moves) / len(moves))
    total_abs = round_half_up(sum(abs(m) for m in moves))
    mean_abs = round_half_up(total_abs / len(moves))
    # the signed mean alone says 0 for +2 and −2: the size of the changes is said apart from it
    out.append(
        Block(
            "p",
            f"共复核{len(reviewed)}份，复核后调减{down}份、调增{up}份、不变{len(reviewed) - down - up}份；"
            f"复核总分比核定总分平均每份{_moved(mean, '调增', '调减')}，"
            f"变动幅度（不计增减）合计{fmt_num(total_abs)}分、平均每份{fmt_num(mean_abs)}分。"
            "复核过的单位按复核总分定级、排名。",
        )
    )
    ranked = sorted(zip(reviewed, moves, strict=True), key=lambda x: -abs(x[1]))
    out.append(
        Block(
            "table",
            headers=("单位（项目）", "核定总分", "复核总分", "变动", "等级"),
            widths=(7.6, 2.0, 2.0, 2.0, 2.0),  # as 四's table: the text width, 15.6 cm
            rows=[
                (
                    name(r),
                    fmt_score(r["核定总分"]),
                    fmt_score(r["复核总分"]),
                    fmt_signed_score(m),
                    str(r.get("等级") or ""),
                )
                for r, m in ranked[:TOP]
            ],
        )
    )
    return out


def previous_blocks(rows: list[dict[str, Any]], n: int, name: Namer = unit_and_project) -> list[Block]:
    """Section ``n``: 与上年比较 (nothing unless the summary has the 变化 column); each file named
    by ``name``."""
    if not rows or "变化" not in rows[0]:
        return []
    matched = [r for r in rows if _num(r.get("变化")) is not None]
    missing = sum(1 for r in rows if r.get("上年核定总分") == "无上年记录")
    ungraded = sum(1 for r in rows if r.get("上年核定总分") == "上年未定级")
    # last year's summary held only this year's row, or a later one
    not_earlier = sum(1 for r in rows if r.get("上年核定总分") == NOT_EARLIER)
    apart = (
        f"无上年记录{missing}份"
        + (f"，上年未定级{ungraded}份" if ungraded else "")
        + (f"，上年汇总表中是本年度或以后年度的记录、未作比较的{not_earlier}份" if not_earlier else "")
    )
    out = [heading(n, "与上年比较")]
    if not matched:
        out.append(Block("p", f"没有能与上年汇总表对应的单位（{apart}）。"))
        return out
    up = sorted((r for r in matched if r["变化"] > 0), key=lambda r: -r["变化"])
    down = sorted((r for r in matched if r["变化"] < 0), key=lambda r: r["变化"])
    out.append(
        Block(
            "p",
            f"与上年对应的有{len(matched)}份（{apart}）：总分上升{len(up)}份、下降{len(down)}份、"
            f"持平{len(matched) - len(up) - len(down)}份。",
        )
    )
    headers = ("单位（项目）", "上年总分", "本年总分", "变化", "上年等级", "本年等级")
    # the text width (15.6 cm), the unit's name taking what the figures leave: 上年等级 in 10.5 pt is
    # 4 × 0.37 cm + 0.38 cm of cell margins = 1.86 cm, 100.00 and +12.50 about 1.8 cm
    widths = (5.9, 1.9, 1.9, 2.0, 1.95, 1.95)

    def table_rows(items: list[dict[str, Any]]) -> list[tuple[str, ...]]:
        return [
            (
                name(r),
                fmt_score(r.get("上年核定总分")),
                fmt_score(r["上年核定总分"] + r["变化"]),
                fmt_signed_score(r["变化"]),
                str(r.get("上年等级") or ""),
                str(r.get("等级") or ""),
            )
            for r in items
        ]

    for title, items in (("上升最多的单位", up[:TOP]), ("下降最多的单位", down[:TOP])):
        if items:
            out.append(Block("p", title + "："))
            out.append(Block("table", headers=headers, rows=table_rows(items), widths=widths))
    changed = [r for r in matched if r.get("上年等级") and r.get("等级") and r["上年等级"] != r["等级"]]
    if changed:
        out.append(Block("p", f"等级变化{len(changed)}份："))
        out += [
            Block("bullet", f"{name(r)}：{r['上年等级']} → {r['等级']}（{_moved(r['变化'], '上升', '下降')}）")
            for r in changed
        ]
    else:
        out.append(Block("p", "与上年相比，各单位等级均无变化。"))
    return out


def _moved(x: float, up: str, down: str) -> str:
    """A change in prose, its direction in words as the report's other prose numbers are unsigned:
    调减1分, 上升12分, 变动0分. (A sign did not read as part of the number: Word and LibreOffice put
    their space between CJK and a figure after the 1 of “变动-1分” but not before its “-”.)"""
    r = round_half_up(x)
    return f"{up if r > 0 else down if r < 0 else '变动'}{fmt_num(abs(r))}分"
