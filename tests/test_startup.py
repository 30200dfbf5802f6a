"""What `selfeval score` loads before it knows it has a file to score (issue 17: start-up). The
front door (the command, finding files, the summary, the counts) must not pull in the engine
that reads, scores and writes back one workbook; the engine loads once there is a file. Checked
by the modules a fresh interpreter holds, never by a clock."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile

import pytest

from selfeval_xl.reading import contract as L

# The engine: reading a workbook, the rule-set parser, scoring, the 评分结果 sheet and its
# write-back, the worker pool. Each of these the empty run used to import (through batch,
# discover, commands.common and scorecard).
ENGINE = (
    "selfeval_xl.file_scoring",
    "selfeval_xl.reading.layouts",
    "selfeval_xl.reading.template_layout",
    "selfeval_xl.reading.form_layout",
    "selfeval_xl.reading.workbook_data",
    "selfeval_xl.reading.values",
    "selfeval_xl.rules.ruleset",
    "selfeval_xl.scoring.scorer",
    "selfeval_xl.outputs.results_sheet",
    "selfeval_xl.outputs.writeback",
    "selfeval_xl.pool",
    "multiprocessing",
)

# Run in a fresh interpreter: argv[1] is Python to run, then the engine modules it loaded are
# printed as JSON on the last line of stdout.
_PROBE = f"""
import json, sys
exec(sys.argv[1])
print(json.dumps([m for m in {ENGINE!r} if m in sys.modules]))
"""

_RUN_CLI = """
from selfeval_xl.cli import cli
try:
    cli(args={args!r}, prog_name="selfeval")
except SystemExit as exc:
    assert exc.code in (0, 1), exc.code
"""


def _loaded(code: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, code], capture_output=True, text=True, encoding="utf-8", check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _run_cli(args: list[str]) -> list[str]:
    return _loaded(_RUN_CLI.format(args=args))


@pytest.mark.parametrize("module", ["selfeval_xl.cli", "selfeval_xl.commands.score", "selfeval_xl.batch"])
def test_front_door_imports_no_engine(module):
    assert _loaded(f"import {module}") == []


def test_empty_folder_run_loads_no_engine(tmp_path):
    empty = tmp_path / "空文件夹"
    empty.mkdir()
    summary = tmp_path / "汇总.xlsx"
    assert _run_cli(["score", str(empty), "--summary", str(summary)]) == []
    assert summary.exists()  # the run did its work: an empty summary, as before
    # again, now that the summary is there and is looked into (is it ours?) before it is replaced
    assert _run_cli(["score", str(empty), "--summary", str(summary)]) == []
    assert _run_cli(["validate", str(empty)]) == []


def test_a_file_to_score_loads_the_engine(tmp_path, make_workbook):
    """The other side: with one workbook the engine is there and the file is scored and written
    back (so the names above are the modules that do the work, not names nothing imports)."""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(make_workbook(), folder / "甲.xlsx")
    loaded = _run_cli(["score", str(folder), "--summary", str(tmp_path / "汇总.xlsx"), "--jobs", "1"])
    assert set(loaded) == set(ENGINE)  # the worker pool too: the CLI scores in supervised workers
    with zipfile.ZipFile(folder / "甲.xlsx") as z:
        assert L.SHEET_RESULTS.encode() in z.read("xl/workbook.xml")


def test_layout_names_match_the_layouts():
    """--layout offers ``layout_names.LAYOUT_NAMES`` without loading the readers: the same names,
    in the order auto tries the layouts."""
    from selfeval_xl.reading.layout_names import AUTO, LAYOUT_NAMES
    from selfeval_xl.reading.layouts import LAYOUTS

    assert LAYOUT_NAMES == (AUTO, *(layout.name for layout in LAYOUTS))


def test_batch_api_still_offers_the_per_file_half():
    from selfeval_xl import batch, file_scoring
    from selfeval_xl.batch import RuleBook, score_file

    assert RuleBook is file_scoring.RuleBook and score_file is file_scoring.score_file
    with pytest.raises(AttributeError, match="no_such_name"):
        batch.no_such_name  # noqa: B018


def test_result_suffix_kept(tmp_path):
    """The side file's name moved to the contract: discover still skips it, write-back still uses it."""
    from selfeval_xl.discover import is_candidate
    from selfeval_xl.outputs.result_files import result_path

    assert result_path(tmp_path / "项目.xls", "项目.xls") == tmp_path / "项目.xls.评分结果.xlsx"
    assert not is_candidate(tmp_path / "项目.xls.评分结果.xlsx") and is_candidate(tmp_path / "项目.xlsx")
