"""selfeval_xl: scoring engine for Chinese budget performance self-evaluation workbooks."""

from selfeval_xl.batch import FileOutcome, score_file, score_paths
from selfeval_xl.errors import CellRef, Problem, RuleSetError, SelfevalError, UnreadableWorkbook
from selfeval_xl.outputs.fill import fill_workbook
from selfeval_xl.outputs.template import generate_template
from selfeval_xl.reading.template_layout import WorkbookData, read_workbook
from selfeval_xl.rules.ruleset import RuleSet, load_rules
from selfeval_xl.scoring.scorer import Scorecard, score

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
