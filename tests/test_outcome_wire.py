"""An outcome as it crosses from a worker process to the batch: its indicators and problems
travel packed, and what the batch does with every file (the console line, the counts, the
summary row) needs neither unpacked; unpacked when asked for, they are what was sent."""

from __future__ import annotations

import pickle

from conftest import base_rows, row

from selfeval_xl.batch import Tally, score_file
from selfeval_xl.commands.common import file_lines
from selfeval_xl.reading import contract as L


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


def _fields(outcome):
    """Everything an outcome holds, its summary's packed blobs unpacked (compared by value; the
    JSON object's problems travel as the problems themselves)."""
    scored = outcome.result
    obj = None if scored is None else {k: v for k, v in (scored.json() or {}).items() if k != "problems"}
    return (
        outcome.path,
        outcome.display,
        outcome.written,
        outcome.error,
        outcome.write_problem,
        outcome.skipped,
        outcome.rendered,
        None if scored is None else (obj, list(obj or ()), scored.all_problems(), {**scored.__dict__, "obj": None}),
    )


def test_flat_message_gives_back_the_same_outcome(make_workbook, tmp_path):
    """The pool's message is one flat tuple of plain values: what arrives is what was sent, for
    a file written back in place (``written`` is its own path), a file whose results went
    elsewhere, a file that could not be written, and one that could not be scored."""
    from selfeval_xl.errors import Problem
    from selfeval_xl.outcome import FileOutcome
    from selfeval_xl.outputs.summary_rows import render

    here = score_file(make_workbook("乙.xlsx")).slim()
    assert here.result is not None and here.result.identity is not None  # a unit code: it has one
    here.written = here.path
    here.rendered = render(here.as_dict())
    elsewhere = score_file(make_workbook("丙.xlsx")).slim()
    elsewhere.written = tmp_path / "out" / "丙.xlsx"
    failed = score_file(make_workbook("丁.xlsx")).slim()
    failed.write_problem = Problem.at("丁.xlsx", None, None, "write-failed", target="丁.xlsx", detail="磁盘已满")
    unscored = FileOutcome(
        tmp_path / "戊.xlsx",
        "戊.xlsx",
        error=Problem.at("戊.xlsx", None, None, "not-a-workbook", detail="不是 zip 文件"),
    )
    for outcome in (here, elsewhere, failed, unscored):
        expected = _fields(outcome)
        sent = pickle.loads(pickle.dumps(outcome, pickle.HIGHEST_PROTOCOL))
        assert _fields(sent) == expected
        assert sent.as_dict() == outcome.as_dict()
    sent = pickle.loads(pickle.dumps(here, pickle.HIGHEST_PROTOCOL))
    assert sent.written is sent.path  # sent once, as text
    assert type(sent.rendered.detail).__name__ == "Piece" and sent.rendered.detail == here.rendered.detail
    # a JSON object of another shape than the usual (none today) travels as the dict it is
    odd = score_file(make_workbook("己.xlsx")).slim()
    assert odd.scored is not None and odd.scored.obj is not None
    odd.scored.obj = {"extra": 1, **odd.scored.obj}
    assert pickle.loads(pickle.dumps(odd)).as_dict() == odd.as_dict()


def test_errored_rows_travel_beside_the_json(make_workbook):
    """Which rows have an input error (their 得分差异 blank in 指标明细, as in 评分结果) crosses
    from the worker with the outcome, for the summary only: the JSON (``--json``) has no such key."""
    from selfeval_xl.outputs.summary_rows import detail_values
    from selfeval_xl.scoring.scorecard import ERRORED_KEY

    rows = [dict(r, 申报得分=r["分值"]) for r in base_rows()]
    # 实际完成值 “完成” against ≤30万元: not-a-number, the row scores 0 (申报 10 − 核定 0 would be 10)
    rows[4] = row("产出指标", "成本指标", "成本控制数", "≤30万元", "完成", 10, claimed=10)
    here = score_file(make_workbook("甲.xlsx", indicators=rows)).slim()
    sent = pickle.loads(pickle.dumps(here, pickle.HIGHEST_PROTOCOL))
    # the indicators in the table's order: the template's 预算执行率 first, then base_rows: 0 + 1 + 4
    assert sent.result is not None and sent.result.errored == (5,)
    assert ERRORED_KEY not in sent.as_dict() and ERRORED_KEY not in sent.as_dict(indicators=False)
    names = L.DETAIL_HEADERS.index("三级指标"), L.DETAIL_HEADERS.index("得分差异")
    diffs = {v[names[0]]: v[names[1]] for v in detail_values(sent.as_dict(for_summary=True))}
    assert (diffs["成本控制数"], diffs["托养服务人次数"]) == (None, 0)  # 托养服务人次数: 10 − 10
    assert sent.as_dict(indicators=False, for_summary=True)[ERRORED_KEY] == (5,)  # (the rows rendered already)
