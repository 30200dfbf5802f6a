"""An outcome as it crosses from a worker process to the batch: its indicators and problems
travel packed, and what the batch does with every file (the console line, the counts, the
summary row) needs neither unpacked; unpacked when asked for, they are what was sent."""

from __future__ import annotations

import pickle

from conftest import base_rows, row

from selfeval_xl.batch import Tally, score_file
from selfeval_xl.commands.common import file_lines


def test_counts_and_lines_without_unpacking(make_workbook):
    rows = base_rows()
    # a claimed score above the row's points is an error; a shortfall without a reason a warning
    rows[1] = row("产出指标", "数量指标", "托养服务人次数", "≥105人", "84人", 10, claimed=12)
    rows[2] = row("产出指标", "质量指标", "验收合格率", "≥95%", "90%", 10)
    here = score_file(make_workbook("甲.xlsx", indicators=rows)).slim()
    problems = here.problems
    errors = sum(p.is_error for p in problems)
    assert errors >= 1 and len(problems) - errors >= 1  # both kinds, so the split is tested

    sent = pickle.loads(pickle.dumps(here))
    assert sent.result is not None and sent.result.problems is None  # still packed
    assert sent.counts() == (errors, len(problems) - errors) == here.counts()
    assert file_lines(sent) == file_lines(here) and sent.has_errors
    a, b = Tally(), Tally()
    a.add(here)
    b.add(sent)
    assert a == b
    obj = sent.as_dict(indicators=False, problems=False)
    assert "problems" not in obj and "indicators" not in obj
    assert sent.result.problems is None  # none of that unpacked them
    assert sent.problems == problems and sent.as_dict() == here.as_dict()
