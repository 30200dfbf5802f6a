"""The contract: sheet names, labels and header texts of our template (SPEC §2, §4.1), of our
outputs, and the vocabulary an official 自评表 form is recognised by.

Nothing else in the package spells a header. ``outputs.template`` writes these, the layouts in
``reading`` find them.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

from selfeval_xl.ooxml.grid import cell_name as cell_name  # cell references, re-exported: L.cell_name
from selfeval_xl.ooxml.grid import col_letter as col_letter

# --- sheet names -------------------------------------------------------------------------
SHEET_GUIDE = "说明"
SHEET_INFO = "基本信息"
SHEET_BUDGET = "预算执行"
SHEET_DEPT_DATA = "部门整体数据"
SHEET_INDICATORS = "绩效指标"
SHEET_META = "_meta"
SHEET_RESULTS = "评分结果"
TEMPLATE_SHEETS = (SHEET_INFO, SHEET_BUDGET, SHEET_INDICATORS)  # the sheets our template cannot do without

KIND_PROJECT = "项目支出"
KIND_DEPARTMENT = "部门整体支出"
KINDS = (KIND_PROJECT, KIND_DEPARTMENT)

# --- 基本信息: label in column A, value in column B -----------------------------------------
INFO_KIND = "评价类型"
INFO_YEAR = "评价年度"
INFO_UNIT = "单位名称"
INFO_UNIT_CODE = "单位编码"
INFO_PARENT = "主管部门"
INFO_PROJECT = "项目名称"
INFO_AMOUNT_UNIT = "金额单位"
INFO_GOAL = "年度总体目标"
INFO_ACHIEVED = "实际完成情况"
INFO_CLAIMED_TOTAL = "申报总分"
INFO_CLAIMED_GRADE = "自评等级"  # the grade a form states (自评等级 | 良), not a template field
INFO_CONTACT = "联系人"
INFO_PHONE = "联系电话"
INFO_LABELS = (
    INFO_KIND,
    INFO_YEAR,
    INFO_UNIT,
    INFO_UNIT_CODE,
    INFO_PARENT,
    INFO_PROJECT,
    INFO_AMOUNT_UNIT,
    INFO_GOAL,
    INFO_ACHIEVED,
    INFO_CLAIMED_TOTAL,
    INFO_CONTACT,
    INFO_PHONE,
)
# the template's 金额单位 (SPEC §2.1: 万元 or 元), by what turns one of its amounts into 万元
AMOUNT_UNITS = {"万元": 1.0, "元": 0.0001}
# any workbook's: an official form may also print its 项目资金 in 千元 (1千元 = 0.1万元) or 亿元
# (1亿元 = 10,000万元)
AMOUNT_SCALE = {**AMOUNT_UNITS, "千元": 0.1, "亿元": 1e4}

# --- 预算执行 --------------------------------------------------------------------------------
B_CATEGORY = "资金类别"
B_INITIAL = "年初预算数"
B_ADJUSTED = "全年预算数"
B_EXECUTED = "全年执行数"
BUDGET_HEADERS = (B_CATEGORY, B_INITIAL, B_ADJUSTED, B_EXECUTED)
B_RATE_DISPLAY = "执行率"  # display-only formula column written by the template
B_TOTAL = "年度资金总额"
B_CURRENT = "当年财政拨款"
B_CARRYOVER = "上年结转资金"
B_OTHER = "其他资金"
BUDGET_ROWS = (B_TOTAL, B_CURRENT, B_CARRYOVER, B_OTHER)
# The three amount columns and the attribute each fills (BudgetRow, Budget).
BUDGET_AMOUNTS = ((B_INITIAL, "initial"), (B_ADJUSTED, "adjusted"), (B_EXECUTED, "executed"))
BUDGET_ROW_ALIASES = {
    "本年财政拨款": B_CURRENT,
    "财政拨款": B_CURRENT,
    "当年财政资金": B_CURRENT,
    "财政资金": B_CURRENT,  # 青神 (real form 11): 其中：财政资金
    "上年结转": B_CARRYOVER,
    "上年结余": B_CARRYOVER,
    "上年结转结余": B_CARRYOVER,
    "结转资金": B_CARRYOVER,
    "其他": B_OTHER,
    # the total line as provinces' forms head it: 总额, 资金总额, 项目资金总额, 资金合计, 合计, 总计,
    # 年度资金合计 … (a 资金类别 column's total, never an indicator table's 总分 row)
    **{
        f"{lead}{funds}{total}": B_TOTAL
        for lead in ("", "年度", "全年", "本年")
        for funds in ("", "资金", "项目资金", "预算资金")
        for total in ("总额", "合计", "总计")
        if not lead or funds
    },
}
BUDGET_HEADER_ALIASES = {
    "调整后预算数": B_ADJUSTED,
    "调整预算数": B_ADJUSTED,
    "全年调整预算数": B_ADJUSTED,
    "全年预算": B_ADJUSTED,
    "预算数": B_ADJUSTED,
    "执行数": B_EXECUTED,
    "全年执行": B_EXECUTED,
    # what was spent, as forms of other provinces head it
    "实际执行数": B_EXECUTED,
    "全年实际执行数": B_EXECUTED,
    "实际支出数": B_EXECUTED,
    "全年实际支出数": B_EXECUTED,
}

# --- 部门整体数据 ----------------------------------------------------------------------------
D_ITEM = "数据项"
D_VALUE = "数值"
DEPT_DATA_HEADERS = (D_ITEM, D_VALUE)

# --- 绩效指标 --------------------------------------------------------------------------------
I_SEQ = "序号"
I_LEVEL1 = "一级指标"
I_LEVEL2 = "二级指标"
I_NAME = "三级指标"
I_OPERATOR = "指标性质"
I_TARGET = "指标值"
I_UNIT = "计量单位"
I_ACTUAL = "实际完成值"
I_POINTS = "分值"
I_CLAIMED = "申报得分"
I_REASON = "偏差原因分析及改进措施"
I_SOURCE = "指标来源"
I_METHOD = "评分方法"
INDICATOR_HEADERS = (
    I_LEVEL1,
    I_LEVEL2,
    I_NAME,
    I_OPERATOR,
    I_TARGET,
    I_UNIT,
    I_ACTUAL,
    I_POINTS,
    I_CLAIMED,
    I_REASON,
)
INDICATOR_REQUIRED = (I_LEVEL1, I_NAME, I_TARGET, I_ACTUAL, I_POINTS)
INDICATOR_OPTIONAL = (I_SEQ, I_SOURCE, I_METHOD)
INDICATOR_HEADER_ALIASES = {
    "年度指标值": I_TARGET,
    "目标值": I_TARGET,
    "全年指标值": I_TARGET,
    "预期指标值": I_TARGET,
    "绩效指标值": I_TARGET,
    "年度预期目标值": I_TARGET,
    "度量单位": I_UNIT,
    "单位": I_UNIT,
    "完成值": I_ACTUAL,
    "全年实际值": I_ACTUAL,
    "实际值": I_ACTUAL,
    "权重": I_POINTS,
    "自评得分": I_CLAIMED,
    "偏差原因分析": I_REASON,
    "偏差原因": I_REASON,
    "未完成原因分析": I_REASON,
    # the reason column as forms of other provinces and years head it
    "未完成原因分析及改进措施": I_REASON,
    "偏差原因分析和改进措施": I_REASON,
    "偏差原因及改进措施": I_REASON,
    "未完成原因及改进措施": I_REASON,
    "原因分析及改进措施": I_REASON,
    "偏差原因分析及整改措施": I_REASON,
    "未完成原因": I_REASON,
}
# The template lays 指标 columns out in this order (序号 first).
INDICATOR_TEMPLATE_COLUMNS = (I_SEQ, *INDICATOR_HEADERS)

LEVEL1_BUDGET = "预算执行率"
LEVEL1_OUTPUT = "产出指标"
LEVEL1_EFFECT = "效益指标"
LEVEL1_SATISFACTION = "满意度指标"
LEVEL2_COST = "成本指标"
SOURCE_COMMON = "共性"
SOURCE_OWN = "个性"

# --- 评分结果 (SPEC §4.1) --------------------------------------------------------------------
RESULT_SUFFIX = ".评分结果.xlsx"  # a non-.xlsx input's results go beside it as <原文件名>.评分结果.xlsx
RESULT_HEADERS = (
    "一级指标",
    "二级指标",
    "三级指标",
    "指标值",
    "实际完成值",
    "完成率",
    "分值",
    "核定得分",
    "申报得分",
    "得分差异",
    "评分说明",
)
# the reviewer's two columns after 评分说明 (SPEC §4.1, §4.4): left blank, unlocked
REVIEW_SCORE = "复核得分"
REVIEW_NOTE = "复核意见"
REVIEW_HEADERS = (REVIEW_SCORE, REVIEW_NOTE)
# where those rows are on the 评分结果 sheet (SPEC §4.1): a title block of two rows, the header,
# then one row per indicator in table order (rows of 复核 entries whose indicator is gone follow)
RESULT_TITLE_ROWS = 2
RESULT_HEADER_ROW = RESULT_TITLE_ROWS + 1


def result_indicator_row(i: int) -> int:
    """The 评分结果 sheet row of the ``i``-th indicator record (0-based)."""
    return RESULT_HEADER_ROW + 1 + i


def review_cell(i: int) -> str:
    """The 复核得分 cell of the ``i``-th indicator record on the 评分结果 sheet."""
    return f"{col_letter(len(RESULT_HEADERS))}{result_indicator_row(i)}"


# 评分结果, or 评分结果(k) beside a user's own sheet of that name (review_columns.results_sheet_for)
_RESULTS_NUMBERED = re.compile(re.escape(SHEET_RESULTS) + r"(?:\(([2-9]|[1-9][0-9]{1,3})\))?")


def results_number(name: str) -> int:
    """1 for 评分结果, k for 评分结果(k) (k ≥ 2, as we name them), 0 for any other sheet."""
    m = _RESULTS_NUMBERED.fullmatch(name)
    return 0 if m is None else int(m.group(1) or 1)


R_TOTAL = "核定总分"
R_GRADE = "等级"
# the words beside a figure that is not final, as our outputs write them (评分结果's column C,
# 汇总's number formats) and read them back as ours: 暂算, a total of a file still to be
# corrected; 暂定, a 待复核 file's total and grade, until a reviewer settles them (beside 等级 a
# reviewer's own text is told apart by being anything else: review_columns)
R_PROVISIONAL = "暂算"
R_TENTATIVE = "暂定"
R_CLAIMED_TOTAL = "申报总分"
R_DIFF = "得分差异"  # the conclusion line: 申报总分 − 核定总分
R_STATUS = "状态"
R_REVIEWED_TOTAL = "复核总分"
R_NOT_REVIEWED = "未复核"  # the 复核总分 line with no 复核得分 on any row
R_RULESET = "规则集"
R_SCORED_AT = "评分时间"
PROBLEM_HEADERS = ("级别", "位置", "说明")

# --- 汇总.xlsx (SPEC §4.2) --------------------------------------------------------------------
SUMMARY_FILE = "汇总.xlsx"
S_SUMMARY = "汇总"
S_GRADES = "等级分布"
S_DETAIL = "指标明细"
S_PROBLEMS = "问题清单"
S_UNSCORED = "未评分文件"
SUMMARY_LEAD = (
    INFO_UNIT_CODE,
    INFO_UNIT,
    INFO_KIND,
    INFO_PROJECT,
    INFO_YEAR,
    "全年预算数(万元)",
    "全年执行数(万元)",
    "预算执行率",
)
SUMMARY_SUBTOTAL = "{}得分"  # one column per 一级指标, e.g. 产出指标得分
SUMMARY_TAIL = ("核定总分", "等级", "申报总分", "得分差异", "排名", "错误数", "警告数", "文件", "状态", "复核总分")
# 指标明细: the file and its unit, then the 评分结果 columns with 指标性质 and 计量单位 added
DETAIL_HEADERS = (
    "文件",
    *SUMMARY_LEAD[:5],
    *RESULT_HEADERS[:3],
    I_OPERATOR,
    *RESULT_HEADERS[3:5],
    I_UNIT,
    *RESULT_HEADERS[5:],
)
# 抽查名单.xlsx (selfeval sample, SPEC §4.4)
SAMPLE_FILE = "抽查名单.xlsx"
S_SAMPLE = "抽查名单"
S_SAMPLE_NOTES = "抽取说明"
SAMPLE_REASON = "抽取原因"
SAMPLE_HEADERS = (
    "序号",
    "文件",
    INFO_UNIT_CODE,
    INFO_UNIT,
    INFO_PROJECT,
    INFO_KIND,
    "全年预算数(万元)",
    "申报总分",
    "核定总分",
    "复核总分",
    "等级",
    "状态",
    SAMPLE_REASON,
)
# 问题 is the code's Chinese title (what people read); 代码 stays for filtering
PROBLEM_LIST_HEADERS = ("文件", "工作表", "单元格", "级别", "问题", "代码", "说明")
UNSCORED_HEADERS = ("文件", "问题", "代码", "原因")
# The sheets that make a workbook one of ours (a summary or a sample list, perhaps renamed by
# the user), never a unit's submission
SUMMARY_SHEETS = (S_SUMMARY, S_PROBLEMS, S_UNSCORED)
OWN_OUTPUT_SHEETS = (SUMMARY_SHEETS, (S_SAMPLE, S_SAMPLE_NOTES))

# --- the official single-sheet 项目支出绩效自评表 (财预〔2020〕10号 附件 and provincial variants) ---
FORM_SEARCH_ROWS = 80  # labels and headers are looked for this far down
# Header spellings seen on published forms: 标准分值/指标分值 for 分值, 全年实际完成值 for
# 实际完成值, 自评分 (广水: 自评分 | 复核分) and 评价得分 for 得分.
FORM_INDICATOR_ALIASES = {
    **INDICATOR_HEADER_ALIASES,
    "得分": I_CLAIMED,
    "自评分": I_CLAIMED,
    "评价得分": I_CLAIMED,
    "年度目标值": I_TARGET,
    "全年实际完成值": I_ACTUAL,
    "标准分值": I_POINTS,
    "指标分值": I_POINTS,
}
# Spellings that name a column only on a row with no other header for it (``find_header``'s
# ``weak``): 分数 beside 分值 may be the score, 评分 beside 得分 a reviewer's, 实际完成情况 is
# also the 年度总体目标 block's heading. On such a row they are left unread, not guessed.
FORM_INDICATOR_WEAK = {"分数": I_POINTS, "评分": I_CLAIMED, INFO_ACHIEVED: I_ACTUAL}
FORM_INDICATOR_REQUIRED = (I_LEVEL1, I_NAME, I_POINTS, I_ACTUAL)
FORM_SCORE = "得分"  # the 项目资金 block's score column: the 预算执行率 line's 申报得分
FORM_BUDGET_ALIASES = {
    **BUDGET_HEADER_ALIASES,
    "自评得分": FORM_SCORE,
    "自评分": FORM_SCORE,
    "评价得分": FORM_SCORE,
    "权重": I_POINTS,
    "标准分值": I_POINTS,
    "指标分值": I_POINTS,
    "预算执行率": B_RATE_DISPLAY,  # 宣城: 预算执行率(B/A×100%)
}
FORM_BUDGET_WEAK = {"分数": I_POINTS, "评分": FORM_SCORE}
FORM_BUDGET_REQUIRED = (B_ADJUSTED, B_EXECUTED)  # 年初预算数 is optional
# label → the fact it gives (the value is to its right)
FORM_INFO_LABELS = {
    "项目名称": INFO_PROJECT,
    "主管部门": INFO_PARENT,
    "主管部门及代码": INFO_PARENT,  # the 中央部门 form
    "实施单位": INFO_UNIT,
    "项目实施单位": INFO_UNIT,
    "项目单位": INFO_UNIT,
    "单位名称": INFO_UNIT,
    "预算单位": INFO_UNIT,
}
FORM_UNIT_LABEL = "实施单位"  # named when the unit is missing
# the 总分 row's label: 总分, 合计, 自评得分, 自评总分, 得分合计, 综合得分 … (below the indicator header only:
# 自评得分 heads a column there)
FORM_TOTAL_LABELS = {
    "合计",
    "总计",
    "合计得分",
    *(
        f"{lead}{core}{tail}"
        for lead in ("", "自评", "综合", "评价")
        for core in ("总分", "得分", "总得分")
        for tail in ("", "合计")
        if lead or core != "得分" or tail
    ),
}
# a label under the indicator rows, left of 分值, that starts another block: the table ended above
# it (年度总体目标 printed under the table; 自评等级 | 良 with no 总分 row)
# the form's own grade line: 自评等级 | 良, 评价等级：优秀 (under the table or on the 总分 row)
FORM_GRADE_LABELS = frozenset({"自评等级", "评价等级", "评定等级", "等级", "自评结论"})
FORM_TABLE_END = {INFO_GOAL, "总体目标", *FORM_GRADE_LABELS}
FORM_INDICATOR_BLOCK = "绩效指标"
# a line under the table that is signed and dated, not an indicator: 填表人：张三 | 联系电话：… (the
# label and its colon start one of its cells)
FORM_NOTE_WORDS = (
    "填表人",
    "填报人",
    "联系人",
    "联系电话",
    "电话",
    "手机",
    "经办人",
    "填报日期",
    "填表日期",
    "审核人",
    "复核人",
    "负责人",
    "单位负责人",
    "财务负责人",
    "项目负责人",
    "说明",
    "注",
    "备注",
)
FORM_NOTE_LINE = re.compile(rf"\s*(?:{'|'.join(FORM_NOTE_WORDS)})\s*[:：]")
FORM_TITLE_WORD = "自评表"  # in the form's title: 项目支出绩效自评表, 部门预算项目支出绩效自评表
# besides the indicator table, a form has one of these on another row (a table with 项目名称 as a
# column header, like our summary's 指标明细, is not a form)
FORM_MARKERS = {B_TOTAL, "项目名称", *FORM_TOTAL_LABELS}
# words that head a column or block on the form: never a goal's text
FORM_HEADINGS = {
    *FORM_INDICATOR_ALIASES,
    *FORM_INDICATOR_ALIASES.values(),
    *FORM_BUDGET_ALIASES,
    *FORM_BUDGET_ALIASES.values(),
    *FORM_INDICATOR_WEAK,
    *FORM_BUDGET_WEAK,
    *FORM_INFO_LABELS,
    *FORM_TOTAL_LABELS,
    INFO_GOAL,
    INFO_ACHIEVED,
    "预期目标",
    FORM_INDICATOR_BLOCK,
}

HEADER_SEARCH_ROWS = 10
MAX_INDICATOR_ROWS = 10_000

_QUOTES = str.maketrans("", "", "\"'“”‘’「」『』")
_DECORATION = re.compile(r"[\s*＊:：、·•\u3000]+")
_LEADING_QIZHONG = re.compile(r"^(其中|含)[:：]?")
_TRAILING_PAREN = re.compile(r"[(（][^()（）]*[)）]$")


def normalize_label(text: object) -> str:
    """Label text as matched: NFKC, without spaces, ``*``, colons, ``其中：`` or a trailing
    parenthesised note such as ``(万元)`` / ``(50分)``."""
    if text is None:
        return ""
    if type(text) is str and len(text) <= _CACHED_LABEL:
        return _normalize_label(text)
    return _normalize_label.__wrapped__(str(text))


_CACHED_LABEL = 64  # labels, headers and level names repeat in every workbook; long texts are not kept
# any of what normalize_label removes: when none is there, NFKC and strip are all it does
_TO_REMOVE = re.compile(r"[\s*＊:：、·•\u3000]|^(?:其中|含)|[)）]$")


@functools.lru_cache(maxsize=8192)
def _normalize_label(text: str) -> str:
    s = unicodedata.normalize("NFKC", text).strip()
    if not _TO_REMOVE.search(s):
        return s
    s = _DECORATION.sub("", s)
    s = _LEADING_QIZHONG.sub("", s)
    while True:
        t = _TRAILING_PAREN.sub("", s)
        if t == s or not t:
            break
        s = t
    return s


# Every character besides a CJK unified ideograph itself whose compatibility decomposition
# (NFKD, so NFKC) holds a unified ideograph: radicals, enclosed and squared ideographs,
# compatibility ideographs (tests/test_contract_labels.py checks every code point)
_IDEOGRAPH_SOURCES = re.compile(
    "[\u2e80-\u2fdf\u3038-\u303a\u3190-\u319f\u3200-\u33ff\uf900-\ufaff\U0001f200-\U0001f2ff\U0002f800-\U0002fa1f]"
)


def is_label(text: object, label: str) -> bool:
    """``normalize_label(text) == label``, without normalizing a text that cannot be ``label``:
    when ``label`` starts with a CJK unified ideograph (no decomposition makes one, only
    compatibility characters decompose to one), a text holding neither it nor such a
    character cannot be it after NFKC. Indicator names are new in every workbook and NFKC of
    one with a full-width bracket costs ~3 µs."""
    if type(text) is str and "\u4e00" <= label[:1] <= "\u9fff" and label[0] not in text:
        if _IDEOGRAPH_SOURCES.search(text) is None:
            return False
    return normalize_label(text) == label


def item_key(name: object) -> str:
    """How data-item names are matched: NFKC, decoration stripped, quotes ignored
    (``“三公”经费`` = ``"三公"经费`` = ``三公经费``)."""
    return normalize_label(name).translate(_QUOTES)


def is_own_output(sheet_names: Iterable[str], sheet_sets: Iterable[tuple[str, ...]] = OWN_OUTPUT_SHEETS) -> bool:
    """Sheet names of one of our outputs (all the sheets of one of ``sheet_sets``) and no
    基本信息 (so not a unit's workbook)."""
    names = set(sheet_names)
    return SHEET_INFO not in names and any(set(sheets) <= names for sheets in sheet_sets)


def canonical_header(text: object, aliases: dict[str, str] | None = None) -> str:
    """Normalised header text, mapped through ``aliases`` when it is a known variant."""
    s = normalize_label(text)
    if aliases and s in aliases:
        return aliases[s]
    return s


# a grade as people write it → the grade it is: 优秀/良好/中等 are 优/良/中 (rule sets label them
# either way); 优（92分）, 良好等级 the same; anything else is no grade we can compare
_GRADE_WORDS = {"优": "优", "优秀": "优", "良": "良", "良好": "良", "中": "中", "中等": "中", "差": "差", "较差": "差"}
_GRADE_TEXT = re.compile(r"(优秀|良好|中等|较差|优|良|中|差)(?:等级|等|级)?(?:[(（][^)）]*[)）])?")


def canonical_grade(text: object) -> str | None:
    """The grade (优, 良, 中, 差) a cell or a rule set's label states, or None when it states none
    of them."""
    if not isinstance(text, str):
        return None
    m = _GRADE_TEXT.fullmatch(re.sub(r"\s", "", unicodedata.normalize("NFKC", text)))
    return _GRADE_WORDS[m.group(1)] if m else None


def canonical_level1(text: object) -> str:
    """``产出指标(50分)``, ``产出``, ``一、产出指标``, ``（二）效益指标``, ``项目绩效(85分)/产出指标(40分)``
    → the standard name; other texts stay normalised (a leading number is dropped only when what follows is a standard name:
    ``一般性支出`` stays)."""
    s = normalize_label(text)
    found = _level1_named(s)
    if found is None and "/" in s:
        # 项目绩效(85分)/产出指标(40分) (广水): the block a form groups its 一级指标 under, then the
        # standard one; only the part after the last slash names it
        found = _level1_named(normalize_label(s.rsplit("/", 1)[1]))
    return s if found is None else found


def _level1_named(s: str) -> str | None:
    """The standard name of a normalised 一级指标 text, numbered or not; None for any other."""
    found = _standard_level1(s)
    if found is None and (m := _ENUMERATED.match(s)) is not None:
        found = _standard_level1(s[m.end() :])
    return found


# 一、 二、 / （一） / 1. 2、 — what a numbered list of 一级指标 starts with (normalize_label has taken 、)
_ENUMERATED = re.compile(r"[(]?(?:[一二三四五六七八九十]{1,3}|\d{1,2})[)]?[.]?")


def _standard_level1(s: str) -> str | None:
    for std in (LEVEL1_OUTPUT, LEVEL1_EFFECT, LEVEL1_SATISFACTION):
        if s == std or s == std[:-2]:
            return std
    if s in ("预算执行", "预算执行情况", LEVEL1_BUDGET):
        return LEVEL1_BUDGET
    return None
