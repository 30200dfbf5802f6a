"""Typed access to one table of a rule-set TOML file: every error names the file and the key
(``省厅.toml [common 第1项] method：…``) as a ``RuleSetError``."""

from __future__ import annotations

from typing import Any

from selfeval_xl.errors import RuleSetError


class TomlTable:
    """Typed access to a TOML table that names the file and key in every error."""

    def __init__(self, table: object, where: str, source: str):
        if not isinstance(table, dict):
            raise RuleSetError(f"{source} [{where}]：应为表（table）", source, where)
        self.t, self.where, self.source = table, where, source

    def at(self, where: str, table: object) -> TomlTable:
        """Another table of the same file (an entry of a list)."""
        return TomlTable(table, where, self.source)

    def error(self, key: str, what: str) -> RuleSetError:
        section = f" [{self.where}]" if self.where else ""
        return RuleSetError(
            f"{self.source}{section} {key}：{what}", self.source, f"{self.where}.{key}" if self.where else key
        )

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
        if key not in self.t:
            if default is ...:
                raise self.error(key, "缺少此项")
            return default
        value = self.t[key]
        if isinstance(value, bool) and kind is not bool or not isinstance(value, kind):
            raise self.error(key, f"类型不对（{value!r}）")
        return value

    def number(self, key: str, default: Any = ..., low: float | None = None) -> float:
        value = float(self.get(key, (int, float), default))
        if low is not None and value < low:
            raise self.error(key, f"不能小于 {low}")
        return value

    def table(self, key: str) -> TomlTable:
        return TomlTable(
            self.get(key, dict),
            f"{self.where}.{key}" if self.where else key,
            self.source,
        )
