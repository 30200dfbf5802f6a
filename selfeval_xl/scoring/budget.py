"""年度资金总额 and its execution rate (SPEC §3.1): the total line rebuilt from or checked against
its sub-lines, the rate computed and set against a cached formula value. A part of the scorer."""

from __future__ import annotations

from selfeval_xl.reading import contract as L
from selfeval_xl.rounding import differs_by_more, fmt_num, fmt_pct
from selfeval_xl.scoring.context import ScoringContext
from selfeval_xl.scoring.scorecard import Budget


class BudgetFigures(ScoringContext):
    def budget(self) -> Budget:
        """The 年度资金总额 figures in 万元 and the execution rate; problems at their cells."""
        data, rules = self.data, self.rules
        sheet = data.sheet(L.SHEET_BUDGET)
        cols = data.budget_columns
        total = data.budget.get(L.B_TOTAL)
        parts = [data.budget[c] for c in L.BUDGET_ROWS[1:] if c in data.budget]
        figures: dict[str, float | None] = {}
        header_row = data.budget_header_row

        def at_header(header: str) -> str | None:
            """With no 年度资金总额 line, a budget problem points at its column's header in the
            sheet where that line belongs (never at a form's title row)."""
            return f"{cols[header]}{header_row}" if header in cols and header_row else None

        def total_cell(header: str) -> str | None:
            """A figure's cell on the 年度资金总额 line, or where that line belongs (``at_header``)."""
            return f"{cols[header]}{total.row}" if total and header in cols else at_header(header)

        for header, attr in L.BUDGET_AMOUNTS:
            value = getattr(total, attr) if total else None
            filled = [getattr(p, attr) for p in parts if getattr(p, attr) is not None]
            cell = f"{cols[header]}{total.row}" if total and header in cols else None
            bad = cell is not None and data.cell_has_error(L.SHEET_BUDGET, cell)
            if filled and sum(filled) and not value and not bad:
                value = sum(filled)
                # a “—” / “/” / “无” on the total line was typed, not left blank: say what it holds
                mark = total.typed.get(attr) if total else None
                self.add(
                    sheet,
                    cell or at_header(header),
                    "budget-total-rebuilt",
                    column=header,
                    state=f"填的是“{mark}”" if mark else "未填或为 0",
                    value=fmt_num(value),
                )
            elif filled and value is not None and not self._adds_up(value, sum(filled), attr):
                self.add(
                    sheet,
                    cell,
                    "budget-total-mismatch",
                    column=header,
                    total=fmt_num(value),
                    parts=fmt_num(sum(filled)),
                )
            if attr == "executed" and value is None and filled and not sum(filled) and not bad:
                value = 0.0  # the lines' 全年执行数 typed 0 and the total's left blank: nothing spent
            figures[attr] = value
        scale = data.amount_scale
        b = Budget(*(None if (v := figures[k]) is None else v * scale for _, k in L.BUDGET_AMOUNTS))
        # (a standard form may have no 项目资金 block at all: no columns, the problem names the sheet)
        adjusted_cell = total_cell(L.B_ADJUSTED)
        if total is None and not parts:
            if not data.budget_unread:  # (a form's block with an unread header: told at its label)
                self.add(sheet, at_header(L.B_CATEGORY) or adjusted_cell, "budget-line-missing")
        elif not figures["adjusted"]:
            if adjusted_cell is None or not data.cell_has_error(L.SHEET_BUDGET, adjusted_cell):
                if total is not None and (mark := total.typed.get("adjusted")):
                    # “—” typed for the 全年预算数: not “未填写” to the person who typed it
                    field, rate = f"{L.B_TOTAL}{L.B_ADJUSTED}", rules.budget_indicator
                    self.add(sheet, adjusted_cell, "budget-no-amount", field=field, value=mark, indicator=rate)
                else:
                    self.add(sheet, adjusted_cell, "budget-missing")
        elif figures["executed"] is None:
            # a blank 全年执行数 is a forgotten figure, not an execution rate of 0% (nothing spent
            # is typed 0): one error at its cell, and no 偏差原因 asked for the row it leaves at 0
            executed_cell = total_cell(L.B_EXECUTED)
            if executed_cell is None or not data.cell_has_error(L.SHEET_BUDGET, executed_cell):
                field = f"{L.B_TOTAL}{L.B_EXECUTED}"
                # a "—" / "/" / "无" in the cell is not a blank to the person who typed it: say what
                # it holds and that an amount is wanted there (nothing spent is 0)
                if total is not None and (mark := total.typed.get("executed")):
                    self.add(sheet, executed_cell, "budget-executed-no-amount", field=field, value=mark)
                else:
                    self.add(sheet, executed_cell, "missing-value", field=field)
        else:
            b.rate = figures["executed"] / figures["adjusted"] * 100
            cache = data.budget_rate_cache
            if cache is not None and differs_by_more(cache[1], b.rate, rules.rate_tolerance):
                self.add(
                    sheet,
                    cache[0],
                    "formula-cache-mismatch",
                    field=L.B_RATE_DISPLAY,
                    cached=fmt_pct(cache[1]),
                    computed=fmt_pct(b.rate),
                )
            if b.rate > 100 + 1e-9:
                self.add(sheet, total_cell(L.B_EXECUTED), "budget-over-executed", rate=fmt_pct(b.rate))
        return b

    def _adds_up(self, total: float, parts: float, attr: str) -> bool:
        """Whether a 年度资金总额 figure is the sum of its lines: ours (当年财政拨款, 上年结转资金,
        其他资金), or ours and the block's lines of other labels (其中：中央财政资金, 省级资金:
        ``budget_unlisted``), whose total may be theirs."""
        tol = self.rules.sum_tolerance / self.data.amount_scale
        # (exactly 0.01 apart adds up: 100.01 against 100 differs by 0.01, not by float noise more)
        if not differs_by_more(total, parts, tol):
            return True
        other = [x[attr] for x in self.data.budget_unlisted if attr in x]
        return bool(other) and not differs_by_more(total, parts + sum(other), tol)
