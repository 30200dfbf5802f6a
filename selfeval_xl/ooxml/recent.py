"""``Recent``: the last few results of work that depends only on its input's text (a styles.xml,
a small part, a package's bookkeeping parts), which comes again when workbooks share a template."""

from __future__ import annotations

from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Recent(dict[K, V]):
    """A dict of at most ``keep`` entries: remembering one more forgets the oldest. Callers
    decide what is worth remembering (inputs too long to come again are not)."""

    def __init__(self, keep: int):
        super().__init__()
        self.keep = keep

    def remember(self, key: K, value: V) -> V:
        """``value`` under ``key`` (the oldest entry dropped when full); returns ``value``."""
        if len(self) >= self.keep:
            del self[next(iter(self))]
        self[key] = value
        return value
