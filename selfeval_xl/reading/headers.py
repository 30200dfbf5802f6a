"""Finding a table's header row by its texts: one finder for the template's sheets, the official
form's blocks and an earlier 评分结果 sheet."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from selfeval_xl.ooxml.package import Grid
from selfeval_xl.reading import contract as L

Header = tuple[int, dict[str, int]]  # the header row (1-based), canonical header → 0-based column


def header_rows(
    grid: Grid, aliases: dict[str, str] | None = None, search_rows: int = L.HEADER_SEARCH_ROWS
) -> dict[int, dict[str, int]]:
    """Canonical header → column (its first, leftmost column) for every row up to ``search_rows``
    that holds any text."""
    return dict(_headers_by_row(grid, aliases, search_rows))


def _headers_by_row(grid: Grid, aliases: dict[str, str] | None, search_rows: int) -> Iterator[Header]:
    """``header_rows``' rows in order, each made as it is asked for: a caller that stops at a
    table's header row does not read the rows of data below it as headers."""
    row, found = 0, dict[str, int]()
    for (r, col), cell in sorted(item for item in grid.cells.items() if item[0][0] <= search_rows):
        if r != row:
            if found:
                yield row, found
            row, found = r, {}
        if isinstance(cell.value, str):
            h = L.canonical_header(cell.value, aliases)
            if h:
                found.setdefault(h, col)
    if found:
        yield row, found


def find_header(
    grid: Grid,
    required: Iterable[str],
    aliases: dict[str, str] | None = None,
    search_rows: int = L.HEADER_SEARCH_ROWS,
) -> Header | None:
    """The first row up to ``search_rows`` that holds every ``required`` header (after
    ``aliases``), with all the headers found on it; None when no row does."""
    need = tuple(required)
    return next(
        ((r, found) for r, found in _headers_by_row(grid, aliases, search_rows) if all(h in found for h in need)), None
    )


def first_missing(
    grid: Grid,
    required: Iterable[str],
    aliases: dict[str, str] | None = None,
    search_rows: int = L.HEADER_SEARCH_ROWS,
) -> str:
    """The first ``required`` header missing from the row that comes closest (holds the most of
    them; the earliest such row), to name in a ``missing-header`` problem."""
    need = tuple(required)
    by_row = header_rows(grid, aliases, search_rows)
    best: dict[str, int] = {}
    for r in sorted(by_row):
        if sum(h in by_row[r] for h in need) > sum(h in best for h in need):
            best = by_row[r]
    return next((h for h in need if h not in best), need[0])
