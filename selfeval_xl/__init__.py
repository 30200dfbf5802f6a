"""selfeval_xl: scoring engine for Chinese budget performance self-evaluation workbooks.

The public names below load on first use (PEP 562), so that importing one wing (or running
``selfeval --help``) does not pay for the whole pipeline."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_PUBLIC = {
    "CellRef": "selfeval_xl.errors",
    "FileOutcome": "selfeval_xl.batch",
    "Problem": "selfeval_xl.errors",
    "RuleSet": "selfeval_xl.rules.ruleset",
    "RuleSetError": "selfeval_xl.errors",
    "Scorecard": "selfeval_xl.scoring.scorer",
    "SelfevalError": "selfeval_xl.errors",
    "UnreadableWorkbook": "selfeval_xl.errors",
    "WorkbookData": "selfeval_xl.reading.workbook_data",
    "fill_workbook": "selfeval_xl.outputs.fill",
    "generate_template": "selfeval_xl.outputs.template",
    "load_rules": "selfeval_xl.rules.ruleset",
    "read_workbook": "selfeval_xl.reading.layouts",
    "score": "selfeval_xl.scoring.scorer",
    "score_file": "selfeval_xl.file_scoring",
    "score_paths": "selfeval_xl.batch",
}
__all__ = [
    "CellRef",
    "FileOutcome",
    "Problem",
    "RuleSet",
    "RuleSetError",
    "Scorecard",
    "SelfevalError",
    "UnreadableWorkbook",
    "WorkbookData",
    "fill_workbook",
    "generate_template",
    "load_rules",
    "read_workbook",
    "score",
    "score_file",
    "score_paths",
]

if TYPE_CHECKING:
    from selfeval_xl.batch import FileOutcome, score_paths
    from selfeval_xl.errors import CellRef, Problem, RuleSetError, SelfevalError, UnreadableWorkbook
    from selfeval_xl.file_scoring import score_file
    from selfeval_xl.outputs.fill import fill_workbook
    from selfeval_xl.outputs.template import generate_template
    from selfeval_xl.reading.layouts import read_workbook
    from selfeval_xl.reading.workbook_data import WorkbookData
    from selfeval_xl.rules.ruleset import RuleSet, load_rules
    from selfeval_xl.scoring.scorer import Scorecard, score


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'selfeval_xl' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_PUBLIC])
