"""汇总's rows, written by our own row writer when the summary is spliced (``summary_stream``).

They can only be written once every workbook is in (sorted by status and total, ranked), so
they were a serial step at the end of every batch: through XlsxWriter, 25 cells a workbook at
~15 µs a cell, every cell held in memory until it closed (issue 17). XlsxWriter still writes
the sheet itself (header, widths, frozen panes, filter, page setup); the rows go in as the long
sheets' do, their styles interned into the finished styles.xml, their file links as the sheet's
hyperlinks. Their formats are ``summary_kinds``', as XlsxWriter's sheets' are."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from selfeval_xl.ooxml.grid import col_letter
from selfeval_xl.ooxml.sheet_writer import STYLED_BLANK, Style, row_xml
from selfeval_xl.ooxml.xml_text import escape
from selfeval_xl.ooxml.zip_package import NS_REL
from selfeval_xl.outputs.summary_kinds import summary_style
from selfeval_xl.outputs.summary_xlsx import file_url

# Excel keeps at most this many hyperlinks in a sheet; past them a file's name is plain text
MAX_LINKS = 65_530
HYPERLINK = f"{NS_REL}/hyperlink"


def link_target(target: str) -> str:
    """The relationship target of a link to the file ``target`` (relative to the summary's
    folder or absolute), as XlsxWriter's ``write_url`` makes it of ``file_url(target)``:
    backslashes, ``file:///`` before an absolute path, escaped once."""
    path = file_url(target).removeprefix("external:").replace("/", "\\")
    if path.startswith("\\\\") or (path[:1].isalpha() and path[1:2] == ":"):
        return "file:///" + path
    return path.removeprefix(".\\")


@dataclass
class SheetRows:
    """Rows 2… of a sheet: each row's values, which of ``styles`` its cells take and its
    height (None: the default); the file links (row, column, target) and a note two rows below
    the last."""

    ncols: int
    rows: list[tuple[tuple[object, ...], int, float | None]] = field(default_factory=list)
    styles: list[tuple[Style, ...]] = field(default_factory=list)  # the rows' styles, each once
    links: list[tuple[int, int, str]] = field(default_factory=list)
    note: str = ""
    _by_kinds: dict[tuple[tuple[str, ...], bool], int] = field(default_factory=dict, repr=False)

    def add(self, cells: list[tuple[object, str]], top: bool = False, height: float | None = None) -> None:
        """One row: (value, kind of cell) for each column; ``top``: the first row of a group
        (the thick line above it). A blank takes no cell, unless it is on such a row (it still
        draws the line); "" is a blank, as in ``SummaryBook.put``."""
        blank = STYLED_BLANK if top else None
        values = tuple(blank if value is None or value == "" else value for value, _ in cells)
        kinds = (tuple(kind for _, kind in cells), top)
        at = self._by_kinds.get(kinds)
        if at is None:
            at = self._by_kinds[kinds] = len(self.styles)
            self.styles.append(tuple(summary_style(kind, top) for kind in kinds[0]))
        self.rows.append((values, at, height))

    @property
    def room_for_link(self) -> bool:
        return len(self.links) < MAX_LINKS

    def link(self, column: int, target: str) -> None:
        """The last row's cell in ``column`` links to the file ``target`` (while ``room_for_link``)."""
        self.links.append((len(self.rows) + 1, column, link_target(target)))

    def render(self, style_id: Callable[[Style | None], int]) -> Iterator[bytes]:
        """The rows as sheet XML, numbered from 2, with ``style_id``'s indices."""
        ids = [[style_id(s) for s in styles] for styles in self.styles]
        for r, (values, at, height) in enumerate(self.rows, start=2):
            yield row_xml(r, values, ids[at], height).encode("utf-8")
        if self.note:
            yield row_xml(len(self.rows) + 3, (self.note,), [0]).encode("utf-8")

    @property
    def last_row(self) -> int:
        return len(self.rows) + 1 + (2 if self.note else 0)

    def hyperlinks(self, first_rid: int) -> tuple[str, str]:
        """(the sheet's ``<hyperlinks>`` element, the relationships they need), ids from ``first_rid``."""
        refs, rels = [], []
        for k, (row, col, target) in enumerate(self.links, start=first_rid):
            refs.append(f'<hyperlink ref="{col_letter(col)}{row}" r:id="rId{k}"/>')
            rels.append(
                f'<Relationship Id="rId{k}" Type="{HYPERLINK}" Target="{escape(target)}" TargetMode="External"/>'
            )
        return f"<hyperlinks>{''.join(refs)}</hyperlinks>", "".join(rels)
