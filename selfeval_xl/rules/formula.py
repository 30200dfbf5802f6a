"""The rule sets' 共性指标 formulas: ``(本年“三公”经费实际支出数 - 上年“三公”经费实际支出数) / 上年“三公”经费实际支出数``.

A tiny arithmetic language (numbers, names, + - * / and parentheses) parsed once when the rule
set loads; no ``eval``. Names are data items (部门整体数据) or budget figures. Evaluation
reports a missing name or a zero denominator by name, so the caller can point at its cell.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from selfeval_xl.reading.contract import item_key as item_key  # re-exported: the rule set matches names by it
from selfeval_xl.rounding import fmt_num

_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d+)?)|([-+*/()])|([^\s+\-*/()]+))")


class FormulaError(ValueError):
    """The formula text is malformed (message in Chinese)."""


class MissingValue(Exception):
    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


class ZeroDenominator(Exception):
    def __init__(self, names: tuple[str, ...], numerator: float = 0.0, top: bool = False):
        super().__init__(", ".join(names))
        self.names = names
        self.numerator = numerator  # what was to be divided by 0
        self.top = top  # the formula's last step (so 0 ÷ 0 leaves nothing else to compute)


# A node is a float, a name (str) or (op, left, right).
Node = float | str | tuple


@dataclass(frozen=True)
class Formula:
    text: str
    tree: Node

    @property
    def names(self) -> tuple[str, ...]:
        """Every name the formula uses, in order of first appearance."""
        return _names(self.tree)

    def evaluate(self, lookup: Callable[[str], float | None]) -> float:
        """The value, with names resolved by ``lookup`` (``None`` = missing)."""
        return _eval(self.tree, lookup, top=True)

    def show(self, values: Mapping[str, float | str]) -> str:
        """The formula with each name followed by its value: ``在职人数 28 ÷ 编制人数 29``."""
        return _show(self.tree, values, top=True)


def parse_formula(text: str) -> Formula:
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise FormulaError(f"无法解析“{text[pos:]}”")
        num, op, name = m.groups()
        tokens.append(("num", num) if num else ("op", op) if op else ("name", name))
        pos = m.end()
    parser = _Parser(tokens, text)
    tree = parser.expr()
    if parser.i != len(tokens):
        raise FormulaError(f"“{text}”中多了“{tokens[parser.i][1]}”")
    return Formula(text, tree)


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], text: str):
        self.t, self.i, self.text = tokens, 0, text

    def _peek(self) -> tuple[str, str] | None:
        return self.t[self.i] if self.i < len(self.t) else None

    def expr(self) -> Node:
        node = self.term()
        while (tok := self._peek()) and tok[1] in "+-" and tok[0] == "op":
            self.i += 1
            node = (tok[1], node, self.term())
        return node

    def term(self) -> Node:
        node = self.atom()
        while (tok := self._peek()) and tok[1] in "*/" and tok[0] == "op":
            self.i += 1
            node = (tok[1], node, self.atom())
        return node

    def atom(self) -> Node:
        tok = self._peek()
        if tok is None:
            raise FormulaError(f"“{self.text}”不完整")
        self.i += 1
        kind, value = tok
        if kind == "num":
            return float(value)
        if kind == "name":
            return value
        if value == "(":
            node = self.expr()
            if self._peek() != ("op", ")"):
                raise FormulaError(f"“{self.text}”缺少右括号")
            self.i += 1
            return node
        if value == "-":
            return ("-", 0.0, self.atom())
        raise FormulaError(f"“{self.text}”中“{value}”位置不对")


def _names(node: Node) -> tuple[str, ...]:
    if isinstance(node, str):
        return (node,)
    if isinstance(node, tuple):
        out: list[str] = []
        for child in node[1:]:
            out += [n for n in _names(child) if n not in out]
        return tuple(out)
    return ()


def _eval(node: Node, lookup: Callable[[str], float | None], top: bool = False) -> float:
    if isinstance(node, float):
        return node
    if isinstance(node, str):
        value = lookup(node)
        if value is None:
            raise MissingValue(node)
        return value
    op, left, right = node
    a, b = _eval(left, lookup), _eval(right, lookup)
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if b == 0:
        raise ZeroDenominator(_names(right), a, top)
    return a / b


_SHOW = {"+": " + ", "-": " − ", "*": " × ", "/": " ÷ "}


def _show(node: Node, values: Mapping[str, float | str], top: bool = False) -> str:
    if isinstance(node, float):
        return fmt_num(node)
    if isinstance(node, str):
        if node not in values:
            return node
        v = values[node]
        return f"{node} {v if isinstance(v, str) else fmt_num(v)}"  # (a typed mark, — or /, as is)
    op, left, right = node
    if op == "-" and left == 0.0:
        return "−" + _show(right, values)
    text = _show(left, values) + _SHOW[op] + _show(right, values)
    return text if top else f"({text})"
