"""``summary_rows.render_rows`` (the fast path the workers take for 指标明细 and 问题清单) writes
byte for byte what the cell-by-cell ``rows_xml`` writes of ``detail_values`` and
``problem_values``, and measures the columns the same, whatever the cells hold; ``render``
deflates exactly those rows."""

from __future__ import annotations

import zlib

from hypothesis import example, given, settings
from hypothesis import strategies as st

from selfeval_xl.outputs.summary_rows import (
    DETAIL_CAPS,
    DETAIL_XF,
    detail_values,
    problem_rows_xml,
    problem_values,
    render,
    render_rows,
    rows_xml,
)
from selfeval_xl.reading import contract as L
from selfeval_xl.scoring.scorecard import ERRORED_KEY

# texts as cells hold them: Chinese, XML specials, control characters (removed), line breaks,
# long ones that wrap at their column's cap
texts = st.one_of(
    st.just(""),
    st.sampled_from(["产出指标", "≥95%", "a&b<c>", "行一\n行二", "x\x01y", "评分说明" * 12, " 前后空格 "]),
    st.text(max_size=60),
)
numbers = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.integers(-5, 10**6).map(float))


@st.composite
def indicators(draw: st.DrawFn) -> dict:
    return {
        "level1": draw(texts),
        "level2": draw(texts),
        "name": draw(texts),
        "operator": draw(texts),
        "target": draw(texts),
        "actual": draw(texts),
        "unit": draw(texts),
        "points": draw(numbers),
        "score": draw(numbers),
        "claimed": draw(numbers),
        "reviewed": None,
        "review_note": None,
        "rate": draw(numbers),
        "note": draw(texts),
    }


problems = st.fixed_dictionaries(
    {
        "severity": st.sampled_from(["error", "warning"]),
        "sheet": st.one_of(st.none(), texts),
        "cell": st.one_of(st.none(), st.sampled_from(["H3", "A1", "K12"])),
        "code": st.sampled_from(["missing-value", "score-mismatch", "no-such-code"]),
        "message": texts,
    }
)


@st.composite
def objects(draw: st.DrawFn) -> dict:
    # the rows with an input error (whose 得分差异 is blank), as the summary is handed them
    errored = draw(st.lists(st.integers(0, 5), max_size=2, unique=True))
    return ({ERRORED_KEY: tuple(errored)} if errored else {}) | {
        "file": draw(st.text(min_size=1, max_size=30)),
        "kind": draw(st.sampled_from([None, "项目支出", "部门整体支出"])),
        # info cells come as read: a code may be a number, a year an int
        "year": draw(st.one_of(st.none(), st.integers(1990, 2100))),
        "unit": draw(st.one_of(st.none(), texts)),
        "unit_code": draw(st.one_of(st.none(), texts, st.integers(0, 10**9), st.floats(0, 1e9))),
        "project": draw(st.one_of(st.none(), texts)),
        "total": draw(st.one_of(st.none(), st.floats(0, 100))),
        "indicators": draw(st.lists(indicators(), max_size=6)),
        "problems": draw(st.lists(problems, max_size=4)),
    }


def cell_by_cell(obj: dict) -> tuple[list[bytes], list[bytes], list[int], list[int]]:
    dw, pw = [0] * len(L.DETAIL_HEADERS), [0] * len(L.PROBLEM_LIST_HEADERS)
    detail = rows_xml(detail_values(obj), DETAIL_XF, DETAIL_CAPS, dw) if obj["total"] is not None else []
    found = problem_rows_xml((problem_values(obj["file"], p) for p in obj["problems"]), pw)
    return [x.encode() for x in detail], [x.encode() for x in found], dw, pw


@settings(max_examples=150, deadline=None)
@given(objects())
@example(  # one row, every kind of cell: the lead once for all rows, the year an int
    {
        "file": "甲.xlsx",
        "kind": "项目支出",
        "year": 2023,
        "unit": "示例单位",
        "unit_code": 110,
        "project": "项目" * 20,
        "total": 88.5,
        "indicators": [
            {
                "level1": "产出指标",
                "level2": "数量指标",
                "name": "托养服务人次数",
                "operator": "≥",
                "target": "105",
                "actual": "84",
                "unit": "人",
                "points": 10.0,
                "score": 8.0,
                "claimed": 9.5,
                "reviewed": None,
                "review_note": None,
                "rate": 80.0,
                "note": "≥：10 × 84 ÷ 105",
            }
        ],
        "problems": [
            {"severity": "warning", "sheet": "绩效指标", "cell": "K3", "code": "missing-reason", "message": "m"}
        ],
    }
)
def test_render_is_rows_xml(obj: dict) -> None:
    rows = render_rows(obj)
    assert rows == cell_by_cell(obj)
    # the pieces a worker sends: the same rows deflated, their CRC-32, length and count
    detail, problems, dw, pw = render(obj)
    for piece, xml in ((detail, rows[0]), (problems, rows[1])):
        data = b"".join(xml)
        assert zlib.decompressobj(-15).decompress(piece.deflated) == data
        assert (piece.crc, piece.size, piece.rows) == (zlib.crc32(data), len(data), len(xml))
    assert (dw, pw) == (rows[2], rows[3])


def test_rows_carry_no_references_and_fixed_styles() -> None:
    # 得分差异 9.5 − 8 = 1.5; 完成率 80% → 0.8 in a 0.00% cell (cellXfs 3), the numbers in 0.00
    # cells (2), texts wrapping (1); the file's blank 单位编码…评价年度 still take their columns
    ind = dict.fromkeys(("level1", "level2", "name", "operator", "target", "actual", "unit", "note"), "x")
    ind.update(points=10.0, score=8.0, claimed=9.5, rate=80.0, reviewed=None, review_note=None)
    obj = {"file": "f", "kind": None, "year": None, "unit": None, "unit_code": None, "project": None}
    detail, _, _, _ = render_rows({**obj, "total": 8.0, "indicators": [ind], "problems": []})
    xml = detail[0].decode()
    assert ' r="' not in xml
    assert xml.startswith('<row><c s="1" t="inlineStr"><is><t>f</t></is></c><c/><c/><c/><c/><c/>')
    assert '<c s="3"><v>0.8</v></c><c s="2"><v>10.0</v></c>' in xml and '<c s="2"><v>1.5</v></c>' in xml
    assert xml.count("<c") == len(L.DETAIL_HEADERS)


def test_detail_cells_sit_under_their_headers() -> None:
    # every value distinct, so two swapped columns show: 分值 10, 核定 7.5, 申报 9,
    # 得分差异 9 − 7.5 = 1.5; 完成率 80 (percent) goes in as the fraction 0.8 a 0.00% cell holds
    obj = {
        "file": "a.xlsx",
        "unit_code": "0101",
        "unit": "某局",
        "kind": "项目支出",
        "project": "培训项目",
        "year": 2024,
        "indicators": [
            {
                "level1": "产出指标",
                "level2": "数量指标",
                "name": "培训人数",
                "operator": "≥",
                "target": "≥200人",
                "actual": "160人",
                "unit": "人",
                "rate": 80.0,
                "points": 10.0,
                "score": 7.5,
                "claimed": 9.0,
                "note": "完成 80%",
            }
        ],
    }
    (row,) = detail_values(obj)
    assert dict(zip(L.DETAIL_HEADERS, row, strict=True)) == {
        "文件": "a.xlsx",
        L.INFO_UNIT_CODE: "0101",
        L.INFO_UNIT: "某局",
        L.INFO_KIND: "项目支出",
        L.INFO_PROJECT: "培训项目",
        L.INFO_YEAR: 2024,
        "一级指标": "产出指标",
        "二级指标": "数量指标",
        "三级指标": "培训人数",
        L.I_OPERATOR: "≥",
        "指标值": "≥200人",
        "实际完成值": "160人",
        L.I_UNIT: "人",
        "完成率": 0.8,
        "分值": 10.0,
        "核定得分": 7.5,
        "申报得分": 9.0,
        "得分差异": 1.5,
        "评分说明": "完成 80%",
    }


def test_problem_cells_sit_under_their_headers() -> None:
    p = {"severity": "error", "sheet": "绩效指标", "cell": "F7", "code": "not-a-number", "message": "无法识别"}
    assert dict(zip(L.PROBLEM_LIST_HEADERS, problem_values("a.xlsx", p), strict=True)) == {
        "文件": "a.xlsx",
        "工作表": "绩效指标",
        "单元格": "F7",
        "级别": "错误",
        "问题": "数值无法识别",
        "代码": "not-a-number",
        "说明": "无法识别",
    }
