"""selfeval_xl: scoring engine for Chinese budget performance self-evaluation workbooks."""

from .batch import FileOutcome, score_file, score_paths
from .errors import CellRef, Problem, RuleSetError, SelfevalError, UnreadableWorkbook
from .fill import fill_workbook
from .reader import WorkbookData, read_workbook
from .rules import RuleSet, load_rules
from .scoring import Scorecard, score
from .template import generate_template

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
