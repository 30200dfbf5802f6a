"""A printed sheet's page setup as the file stores it: orientation, fit to one page wide or a
scale with column breaks, repeated columns, and the margins every printed sheet gets (the
layout decisions themselves are ``outputs/pagesetup.py``'s)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# margins in inches (A4 paper)
MARGIN_LR, MARGIN_TOP, MARGIN_BOTTOM, MARGIN_HF = 0.5, 0.6, 0.7, 0.3


@dataclass(frozen=True)
class PagePlan:
    """A sheet's page setup. ``scale`` None means fit to one page wide (never below 8 pt, as
    the columns were checked to allow that); otherwise ``breaks`` are the 0-based columns
    each further printed block starts with, and the first ``repeat_cols`` columns print on
    every block. ``row_breaks`` are the 0-based rows a new page is made to start with (a block
    of rows kept together), besides the pages the rows fill."""

    landscape: bool
    scale: int | None = None
    breaks: tuple[int, ...] = ()
    repeat_cols: int = 0
    row_breaks: tuple[int, ...] = ()

    @property
    def orientation(self) -> Literal["portrait", "landscape"]:
        return "landscape" if self.landscape else "portrait"
