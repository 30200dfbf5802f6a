"""Finding a table's header row by its texts: one finder for the template's sheets, the official
form's blocks and an earlier 评分结果 sheet."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from selfeval_xl.ooxml.package import Grid
from selfeval_xl.reading import contract as L
from selfeval_xl.reading.values import is_blank

Header = tuple[int, dict[str, int]]  # the header row (1-based), canonical header → 0-based column


def header_rows(
    grid: Grid,
    aliases: dict[str, str] | None = None,
    search_rows: int = L.HEADER_SEARCH_ROWS,
    weak: dict[str, str] | None = None,
) -> dict[int, dict[str, int]]:
    """Canonical header → column (its first, leftmost column) for every row up to ``search_rows``
    that holds any text."""
    return dict(_headers_by_row(grid, aliases, search_rows, weak))


def _headers_by_row(
    grid: Grid, aliases: dict[str, str] | None, search_rows: int, weak: dict[str, str] | None = None
) -> Iterator[Header]:
    """``header_rows``' rows in order, each made as it is asked for: a caller that stops at a
    table's header row does not read the rows of data below it as headers. A ``weak`` spelling
    (normalised text → canonical header) names its column only on a row that has no other
    header for it: an ambiguous word is never preferred to a plain one, wherever it stands."""
    row, found, fallback = 0, dict[str, int](), dict[str, int]()
    for (r, col), cell in sorted(item for item in grid.cells.items() if item[0][0] <= search_rows):
        if r != row:
            if found or fallback:
                yield row, _with_fallback(found, fallback)
            row, found, fallback = r, {}, {}
        if isinstance(cell.value, str):
            h = L.canonical_header(cell.value, aliases)
            if weak and h in weak:
                fallback.setdefault(weak[h], col)
            elif h:
                found.setdefault(h, col)
    if found or fallback:
        yield row, _with_fallback(found, fallback)


def _with_fallback(found: dict[str, int], fallback: dict[str, int]) -> dict[str, int]:
    if not fallback:
        return found
    return {**{h: c for h, c in fallback.items() if h not in found}, **found}


def find_header(
    grid: Grid,
    required: Iterable[str],
    aliases: dict[str, str] | None = None,
    search_rows: int = L.HEADER_SEARCH_ROWS,
    weak: dict[str, str] | None = None,
    split: bool = False,
) -> Header | None:
    """The first row up to ``search_rows`` that holds every ``required`` header (after
    ``aliases`` and ``weak``), with all the headers found on it; None when no row does. With
    ``split``, when no row does, a header split over two rows (``_split_header``)."""
    need = tuple(required)
    found = next(
        ((r, found) for r, found in _headers_by_row(grid, aliases, search_rows, weak) if all(h in found for h in need)),
        None,
    )
    if found is None and split:
        return _split_header(grid, need, header_rows(grid, aliases, search_rows, weak))
    return found


def _split_header(grid: Grid, need: tuple[str, ...], by_row: dict[int, dict[str, int]]) -> Header | None:
    """A header split over two rows, as budget systems export the official form: 绩效指标 merged
    over 一级/二级/三级指标 (the other headers merged down both rows), or 分值 | 得分 under a
    merged 自评情况. The lower row's headers, and the upper row's where the cell below is blank
    (merged or left empty), together hold every header in ``need``, which neither row holds
    alone. Returns the lower row (the table's rows follow it); None when no two rows do."""
    for r in sorted(by_row):
        lower = by_row.get(r + 1)
        upper = by_row[r]
        if lower is None or all(h in upper for h in need) or all(h in lower for h in need):
            continue
        spanned = {h: c for h, c in upper.items() if h not in lower and is_blank(grid.value(r + 1, c))}
        combined = {**spanned, **lower}
        if all(h in combined for h in need):
            return r + 1, combined
    return None


def closest_header(
    grid: Grid,
    required: Iterable[str],
    aliases: dict[str, str] | None = None,
    search_rows: int = L.HEADER_SEARCH_ROWS,
    weak: dict[str, str] | None = None,
) -> Header | None:
    """The row that comes closest to holding every ``required`` header (holds the most of them;
    the earliest such row), with the headers found on it; None when no row holds any."""
    need = tuple(required)
    by_row = header_rows(grid, aliases, search_rows, weak)
    best: Header | None = None
    for r in sorted(by_row):
        count = sum(h in by_row[r] for h in need)
        if count and (best is None or count > sum(h in best[1] for h in need)):
            best = (r, by_row[r])
    return best


def first_missing(
    grid: Grid,
    required: Iterable[str],
    aliases: dict[str, str] | None = None,
    search_rows: int = L.HEADER_SEARCH_ROWS,
    weak: dict[str, str] | None = None,
) -> str:
    """The first ``required`` header missing from the row that comes closest
    (``closest_header``), to name in a ``missing-header`` problem."""
    need = tuple(required)
    closest = closest_header(grid, need, aliases, search_rows, weak)
    best = {} if closest is None else closest[1]
    return next((h for h in need if h not in best), need[0])
