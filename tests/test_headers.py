"""``find_header`` stops at the first row that holds every required header; what it finds is
what every row's headers (``header_rows``) say: the first such row, with all the headers on it."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from selfeval_xl.ooxml.grid import Cell, Grid
from selfeval_xl.reading import contract as L
from selfeval_xl.reading.headers import find_header, header_rows

TEXTS = [L.I_LEVEL1, L.I_LEVEL2, L.I_NAME, "三级 指标", "分值（10分）", L.REVIEW_SCORE, "产出指标", "", " "]
VALUES = st.one_of(st.sampled_from(TEXTS), st.floats(allow_nan=False), st.none())
CELLS = st.dictionaries(st.tuples(st.integers(1, 25), st.integers(0, 6)), VALUES, max_size=60)
REQUIRED = st.lists(st.sampled_from([L.I_LEVEL1, L.I_LEVEL2, L.I_NAME, L.REVIEW_SCORE]), max_size=3, unique=True)


def first_complete_row(grid: Grid, required: list[str], search_rows: int) -> tuple[int, dict[str, int]] | None:
    by_row = header_rows(grid, None, search_rows)
    return next(((r, by_row[r]) for r in sorted(by_row) if all(h in by_row[r] for h in required)), None)


@settings(max_examples=300, deadline=None)
@given(CELLS, REQUIRED, st.integers(1, 25))
def test_find_header_is_the_first_row_of_header_rows_holding_them_all(cells, required, search_rows):
    grid = Grid("绩效指标", {rc: Cell(v) for rc, v in cells.items()})
    assert find_header(grid, required, None, search_rows) == first_complete_row(grid, required, search_rows)


def test_a_header_below_rows_of_other_text_is_found_with_all_its_headers():
    grid = Grid("评分结果")
    grid.cells[(1, 0)] = Cell("绩效自评评分结果")
    grid.cells[(2, 0)] = Cell(L.I_LEVEL1)  # a row with only one of them
    for c, h in enumerate((L.I_LEVEL1, L.I_LEVEL2, L.I_NAME, "分值", L.REVIEW_SCORE)):
        grid.cells[(3, c)] = Cell(h)
    grid.cells[(4, 0)] = Cell(L.I_LEVEL2)  # data below the header, as headers would be read
    found = find_header(grid, (L.I_LEVEL1, L.I_NAME), None, 20)
    assert found == (3, {L.I_LEVEL1: 0, L.I_LEVEL2: 1, L.I_NAME: 2, "分值": 3, L.REVIEW_SCORE: 4})
