"""One indicator row as read from a workbook, whichever layout it came from (the template's
指标 sheet or an official form's table): the typed record the scorer works on."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from selfeval_xl.reading.values import Value


@dataclass(slots=True)
class IndicatorRow:
    """The cells of one indicator row, parsed. Texts are stripped (``""`` when blank); numbers
    are ``nan`` when blank or unreadable (the reader has reported the cell)."""

    level1: str  # 一级指标, carried down over blank and merged cells
    level2: str  # 二级指标, likewise
    name: str  # 三级指标
    operator: str  # 指标性质 as an operator (≥ ≤ = 定性), "" when blank, "?" when unrecognised
    target: Value  # 指标值
    unit: str  # 计量单位
    actual: Value  # 实际完成值
    points: float = math.nan  # 分值
    claimed: float = math.nan  # 申报得分 (the form's 得分)
    reason: str = ""  # 偏差原因
    source: str = ""  # 数据来源 (canonical label)
    method: str = ""  # 评分方法 as typed
    na: str | None = None  # the mark that says the row does not apply (/, —, 不适用, 无)
    operator_text: str = ""  # 指标性质 as typed (正向, 大于等于(≥)), for messages that quote it

    def as_dict(self) -> dict[str, object]:
        """The row as plain values (for the DataFrame view)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}
