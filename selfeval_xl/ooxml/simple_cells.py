"""The cells most rows of a plain sheet are made of, read with little work (``part_scan``): a
styled blank, or a value that is one ``<v>`` or one inline string. What follows a cell's reference
is the same text in many cells, so it is parsed once for all workbooks and made into a cell once
per part."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from itertools import islice
from typing import Any

from selfeval_xl.ooxml.grid import Cell, as_number, col_index
from selfeval_xl.ooxml.scanned_text import element_text
from selfeval_xl.ooxml.sheet_cells import _typed_value

# The cells most rows are made of: a styled blank, or a value that is one <v> or one inline
# string, neither empty. A row they tile is read with less work than one that needs _CELL (a
# formula, <v/>, an empty text). Such a cell is '<c r="' (which it holds nowhere else: its
# texts and attribute values hold no "<"), its reference ([A-Z]{1,3}[0-9]+), '"', then what
# this pattern matches whole: s, t, the <v> text, the inline string (``simple_row``).
_SIMPLE_REST = re.compile(
    rb'(?: s="([0-9]+)")?(?: t="([a-zA-Z]+)")?'
    rb'(?:/>|>(?:<v>([^<]+)</v>|<is><t(?: xml:space="preserve")?>([^<]+)</t></is>)?</c>)'
)
_CELL_OPEN = b'<c r="'
_REF_DIGITS = b"0123456789"
_KEPT_REST = 64  # bytes: what follows a longer reference (a long text) is not remembered
_UNSEEN: Any = object()  # (not a cell: not met yet)


class _Columns(dict[bytes, int]):
    """A reference's column letters → 0-based index, for letters that are ``[A-Z]{1,3}`` (at
    most 26³ entries, filled as met); -1 for any other text (not kept)."""

    def __missing__(self, letters: bytes) -> int:
        if not (len(letters) <= 3 and letters.isalpha() and letters.isupper()):  # (b"" is not alpha)
            return -1
        col = self[letters] = col_index(letters.decode())
        return col


COLUMNS = _Columns()


class StyleKinds(dict[bytes, str | None]):
    """A cell's s attribute → its number format kind (``"percent"``, ``"date"`` or None), filled
    as met: ``styles[int(s)]`` (``s="007"`` too), None past their end or with no s at all."""

    def __init__(self, styles: Sequence[str | None]):
        super().__init__({b"": None})
        self.styles = styles

    def __missing__(self, s: bytes) -> str | None:
        i = as_number(s)
        kind = self[s] = self.styles[i] if i < len(self.styles) else None
        return kind


def simple_row(
    content: bytes,
    row_no: int,
    seen: dict[bytes, Cell | None],
    kinds: StyleKinds,
    shared: Sequence[str],
    epoch: dt.datetime,
) -> list[tuple[tuple[int, int], Cell]] | None:
    """The cells of a row's ``content`` (keyed by row and column, in order) when simple cells
    tile it (see ``_SIMPLE_REST``), else None: cut at each '<c r="', every piece is a
    reference, '"', and a simple cell's rest. What follows the reference is the same text in
    many cells (a 一级指标, a 分值, a blank): its cell is made once per part (``seen``, the same
    ``Cell`` then stands in each place) and only a text not met before is matched and read."""
    pieces = content.split(_CELL_OPEN)
    if pieces[0]:
        return None  # something before the first cell
    out: list[tuple[tuple[int, int], Cell]] = []
    letters_col = COLUMNS
    for piece in islice(pieces, 1, None):
        ref, quote, rest = piece.partition(b'"')
        letters = ref.rstrip(_REF_DIGITS)
        col = letters_col[letters]
        if col < 0 or len(letters) == len(ref) or not quote:
            return None  # no [A-Z]{1,3}[0-9]+ reference
        cell = seen.get(rest, _UNSEEN)
        if cell is _UNSEEN:
            parts = _RESTS.get(rest) or rest_parts(rest)
            if parts is None:
                return None
            cell = cell_of(parts, kinds, shared, epoch)
            if len(rest) <= _KEPT_REST:
                seen[rest] = cell
        if cell is not None:
            out.append(((row_no, col), cell))
    return out


# (s, t, <v> text, inline string, the text as a number, as a shared string's index)
_Parts = tuple[bytes, bytes, bytes, bytes, float | None, int | None]
# What follows a simple cell's reference → its parts (``rest_parts``), in every workbook: the
# same few texts (a shared string's index, a 分值, a styled blank) in the parts of every
# workbook one program writes. Emptied past this many.
_RESTS: dict[bytes, _Parts] = {}
_KEPT_RESTS = 1 << 14


def rest_parts(rest: bytes) -> _Parts | None:
    """What follows a simple cell's reference as (s, t, the <v> text, the inline string; b""
    when absent) and what the text reads as where that depends on nothing but the text: the
    number of a plain number cell (None when float() does not take it or it is none), a shared
    string's index (None when it is none, -1 when int() does not take it); None when it is no
    simple cell's (``_SIMPLE_REST``)."""
    m = _SIMPLE_REST.fullmatch(rest)
    if m is None:
        return None
    s, t, v_text, inline = m.groups(b"")
    number: float | None = None
    index: int | None = None
    if v_text and (not t or t == b"n"):
        try:
            number = float(v_text)
        except ValueError:
            number = None
    elif v_text and t == b"s" and v_text.isdigit():
        try:
            index = int(v_text)
        except ValueError:  # (int() takes 4,300 digits)
            index = -1
    parts = (s, t, v_text, inline, number, index)
    if len(rest) <= _KEPT_REST:
        if len(_RESTS) >= _KEPT_RESTS:
            _RESTS.clear()
        _RESTS[rest] = parts
    return parts


def cell_of(
    parts: _Parts,
    kinds: StyleKinds,
    shared: Sequence[str],
    epoch: dt.datetime,
) -> Cell | None:
    """The cell ``rest_parts`` found: what _typed_value gives a cell of one non-empty <v> or
    inline string and no formula; None for a blank one (no cell)."""
    s, t, v_text, inline, number, index = parts
    if v_text:
        style = kinds[s]
        if not t or t == b"n":
            if style != "date":
                # a plain number (the commonest cell)
                value = (
                    number if number is not None else _typed_value("n", element_text(v_text), None, None, shared, epoch)
                )
            else:
                value = _typed_value("n", element_text(v_text), None, style, shared, epoch)
        elif index is not None:  # t="s" and an index
            if index < 0:
                return None  # none, as _typed_value gives
            try:
                value = shared[index]
            except IndexError:  # likewise
                return None
        else:
            value = _typed_value(t.decode(), element_text(v_text), None, style, shared, epoch)
            if value is None:
                return None
    elif inline:
        style = kinds[s]
        if t == b"inlineStr":
            value = element_text(inline)
        else:
            value = _typed_value(t.decode() if t else "n", None, element_text(inline), style, shared, epoch)
            if value is None:
                return None
    else:
        return None  # a styled blank
    return Cell(value, style == "percent", None)
