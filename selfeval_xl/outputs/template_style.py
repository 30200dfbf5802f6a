"""The template's look and locks: one font, the cell formats every sheet shares, sheet protection, and a check that
XlsxWriter really wrote each data validation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # XlsxWriter loads when a template is written, not with the command line
    import xlsxwriter


FONT = {"font_name": "宋体", "font_size": 11}


class Formats:
    """The cell formats of one template workbook."""

    def __init__(self, wb: xlsxwriter.Workbook):
        base = dict(FONT, border=1, valign="vcenter")
        self.title = wb.add_format(dict(FONT, bold=True, font_size=14))
        self.text = wb.add_format(dict(FONT, text_wrap=True, valign="top"))
        self.header = wb.add_format(
            dict(
                base,
                bold=True,
                bg_color="#D9E1F2",
                align="center",
                text_wrap=True,
                locked=True,
            )
        )
        self.label = wb.add_format(dict(base, bold=True, bg_color="#F2F2F2", locked=True))
        self.note = wb.add_format(dict(base, font_color="#595959", locked=True, text_wrap=True))
        self.input = wb.add_format(dict(base, locked=False, text_wrap=True))
        self.input_text = wb.add_format(dict(base, locked=False, text_wrap=True, num_format="@"))
        self.money = wb.add_format(dict(base, locked=False, num_format="#,##0.00"))
        self.number = wb.add_format(dict(base, locked=False, num_format="0.00"))
        # a count (编制人数, 在职人数): 20 shows as 20, and a slip such as 19.5 still shows as typed
        self.count = wb.add_format(dict(base, locked=False, num_format="General"))
        self.owned = wb.add_format(dict(base, locked=True, bg_color="#EDEDED", text_wrap=True))
        self.owned_pct = wb.add_format(dict(base, locked=True, bg_color="#EDEDED", num_format="0.00%"))
        # a rule-set row's 分值, shown as every other 分值 is (10.00, not 10)
        self.owned_points = wb.add_format(dict(base, locked=True, bg_color="#EDEDED", num_format="0.00"))
        # the spare rows under a table: the input formats without their lines, which a
        # conditional format draws once the row holds something (an empty ruled row prints;
        # a filled workbook's spare rows printed as a page of empty grid)
        spare = dict(FONT, valign="vcenter", locked=False)
        self.spare = wb.add_format(dict(spare, text_wrap=True))
        self.spare_text = wb.add_format(dict(spare, text_wrap=True, num_format="@"))
        self.spare_number = wb.add_format(dict(spare, num_format="0.00"))
        self.ruled = wb.add_format({"border": 1})


def protect(ws: Any) -> None:
    # Locked cells are the rule set's; people may still add, delete and format rows.
    ws.protect(
        "",
        {
            "insert_rows": True,
            "delete_rows": True,
            "format_cells": True,
            "format_columns": True,
            "format_rows": True,
            "autofilter": True,
            "sort": True,
        },
    )


def checked(result: int | None, what: str) -> None:
    # XlsxWriter returns -1/-2 (with only a warning) when it silently skips a validation.
    if result not in (0, None):
        raise RuntimeError(f"template: {what} was not written (xlsxwriter returned {result})")
