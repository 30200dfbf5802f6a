"""The one way in: ``read_workbook`` opens a workbook once, decides which layout it is in (our
template, an official 自评表 form, or one of our own outputs to skip) and reads it with that
layout into ``WorkbookData``.

A layout is three functions: ``find`` (is the opened workbook in this layout, and on which
sheets), ``read`` (those sheets into ``WorkbookData``) and ``absent`` (the error when the layout
is forced and not found). To add one (a provincial form), write its module beside
``form_layout``, list it in ``LAYOUTS`` and its name in ``layout_names.LAYOUT_NAMES`` (which
``--layout`` offers)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from selfeval_xl.errors import Problem, UnreadableWorkbook
from selfeval_xl.ooxml.package import Book, open_book
from selfeval_xl.reading import contract as L
from selfeval_xl.reading.form_layout import find_form, no_form, read_form
from selfeval_xl.reading.layout_names import AUTO, LAYOUT_NAMES
from selfeval_xl.reading.review_columns import read_review_sheet, renamed_results, results_sheet_for
from selfeval_xl.reading.template_layout import find_template, not_a_template, read_template
from selfeval_xl.reading.workbook_data import Found, WorkbookData


@dataclass(frozen=True)
class Layout:
    """One way a submission can be laid out."""

    name: str  # as given to --layout
    find: Callable[[Book], Found | None]
    read: Callable[[Book, WorkbookData, Found], None]
    absent: Callable[[Book, str], UnreadableWorkbook]


# In the order "auto" tries them; when none is found, the first one's error is reported.
LAYOUTS = (
    Layout("template", find_template, read_template, not_a_template),
    Layout("form", find_form, read_form, no_form),
)


def _own_output(path: Path, display: str | None) -> bool:
    """Whether a file refused as too large is one of our own outputs: its sheet names, read with
    the limits applied only to the parts read (``open_book``)."""
    try:
        return L.is_own_output(open_book(path, display, parts_read_only=True).sheet_names)
    except UnreadableWorkbook:
        return False


def read_workbook(
    path: Path | str, display: str | None = None, layout: str = AUTO, keep_package: bool = False
) -> WorkbookData | None:
    """Read one workbook in ``layout`` (``auto``: whichever it is in). None for one of our own
    outputs (a summary or sample list, perhaps renamed), which is no submission and never read
    as a form. Raises ``UnreadableWorkbook`` only when the file cannot be read at all or is in
    no layout (``missing-sheet`` for the template, ``no-form`` when a form was asked for).
    ``keep_package``: an .xlsx held in memory is kept as ``data.package`` for the write-back
    (the file's bytes: whoever asks lets go of it)."""
    path = Path(path)
    file = display or path.name
    try:
        book = open_book(path, display)
    except UnreadableWorkbook as exc:
        if exc.code == "too-large" and _own_output(path, display):
            return None  # a district's summary (its 指标明细 past a submission's part limit), renamed
        raise
    if L.is_own_output(book.sheet_names):
        return None
    tried = LAYOUTS if layout == AUTO else tuple(x for x in LAYOUTS if x.name == layout)
    if not tried:
        raise ValueError(f"unknown layout {layout!r}; one of {', '.join(LAYOUT_NAMES)}")
    for candidate in tried:
        found = candidate.find(book)
        if found is not None:
            data = WorkbookData(path=path, file=file, sheet_names=dict(found.sheets))
            candidate.read(book, data, found)
            results = results_sheet_for(book)
            data.review = read_review_sheet(book, results)
            for name, n in renamed_results(book, results):  # (not read: said, so nothing is lost unseen)
                data.problems.append(Problem.at(file, name, "A1", "review-renamed", renamed=name, n=n))
            if book.stamp is not None:  # an .xlsx: write-back puts its results there (in this version)
                data.results_sheet, data.stamp = results, book.stamp
                if keep_package and book.package is not None:
                    data.package = book.package()
            return data
    raise tried[0].absent(book, file)
