"""Cell references, problems (findings collected, never raised) and the error hierarchy."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from selfeval_xl.ooxml.grid import col_index, split_cell

ERROR = "error"
WARNING = "warning"
SEVERITY_ZH = {ERROR: "错误", WARNING: "警告"}

# Every problem code, its severity and its Chinese message template. Tests assert codes and
# cells; the wording may change without breaking them.
MESSAGES: dict[str, tuple[str, str]] = {
    # file level (UnreadableWorkbook)
    "not-a-workbook": (ERROR, "不是有效的 Excel 工作簿（{detail}）"),
    "encrypted": (ERROR, "工作簿设置了打开密码，请取消密码后再提交"),
    "too-large": (ERROR, "工作簿内容过大（{detail}），已拒绝读取"),
    "unreadable-folder": (ERROR, "文件夹无法读取（{detail}），其中的文件未评分"),
    "too-slow": (ERROR, "处理该文件超过 {seconds} 秒仍未完成，已停止处理（文件结构异常或过于复杂）"),
    "unsafe-xml": (ERROR, "工作簿包含不安全的 XML 结构（{detail}），已拒绝读取"),
    # ``sheets``: the sheets the workbook has, each quoted (“基本信息”、“Sheet1”)
    "missing-sheet": (ERROR, "缺少工作表“{name}”；工作簿中的工作表有：{sheets}。若其中一张就是它，请改名为“{name}”"),
    "no-form": (
        ERROR,
        "工作簿中没有找到《项目支出绩效自评表》（按“一级指标”“三级指标”“分值”“实际完成值”等标签在各工作表中查找）",
    ),
    "missing-header": (ERROR, "在前 10 行找不到表头“{header}”"),
    "form-missing-header": (
        ERROR,
        "自评表的绩效指标表头（第 {row} 行）中找不到“{header}”一列（可写作：{accepted}），无法评分",
    ),
    "form-header-unread": (
        WARNING,
        "表头“{header}”与“{plain}”在同一行，不能确定它是分值还是得分，这一列没有读取，各行的申报得分也就没有读取；"
        "如这一列是单位的自评得分，请把表头改为“得分”",
    ),
    "too-many-rows": (ERROR, "指标行超过 {limit} 行，已拒绝评分"),
    "no-ruleset": (ERROR, "{detail}"),
    "bad-ruleset": (ERROR, "{detail}"),
    "more-forms": (
        WARNING,
        "工作簿中另有 {count} 张自评表（{sheets}）未评分：每个工作簿只评第一张，请把每个项目存为单独的文件",
    ),
    "other-file": (WARNING, "不是 Excel 工作簿（{suffix} 文件），未评分；如是自评表，请另存为 .xlsx 后重新提交"),
    "upload-refused": (WARNING, "上传时未接收：{reason}"),
    "results-alone": (
        WARNING,
        "本工具为{original}写的评分结果，{where}没有原文件，不能单独评分；复核后要重新评分，请把它和原文件{together}",
    ),
    "other-zip": (
        WARNING,
        "压缩包，没有解开，其中的文件未评分；请解开后把其中的工作簿放进来重新评分",
    ),
    "worker-stopped": (
        ERROR,
        "处理这个文件的进程被外部终止（例如在任务管理器中结束、kill 命令），这个文件没有评分；请重新运行评分",
    ),
    "internal-error": (
        ERROR,
        "处理该文件时程序出错（{detail}），已跳过此文件；请把文件发给技术支持（加 --debug 可看到详细信息）",
    ),
    # write-back (SPEC §4.1)
    "locked": (
        WARNING,
        "文件正在被 Excel/WPS 打开（发现锁文件 {lock}），未写回评分结果；请关闭文件后重新评分，或用 --out-dir 输出副本",
    ),
    "read-only": (
        WARNING,
        "文件是只读的（或没有写入权限），未写回评分结果；请取消只读属性后重新评分，或用 --out-dir 输出副本",
    ),
    "results-renamed": (
        WARNING,
        "工作簿中已有名为“{name}”的工作表（不是本工具写的，未改动），评分结果写在“{renamed}”工作表",
    ),
    "results-kept": (
        WARNING,
        "评分结果仍写在本工具以前写的“{renamed}”工作表（当初因已有同名的“{name}”而另起此名），复核内容照常从中读取",
    ),
    "write-failed": (ERROR, "无法写入评分结果 {target}（{detail}），原文件未改动"),
    # 基本信息
    "missing-value": (ERROR, "{field}未填写"),
    "bad-kind": (ERROR, "评价类型“{value}”无法识别，应为：{accepted}"),
    "kind-mismatch": (ERROR, "评价类型“{value}”与规则集“{ruleset}”（{expected}）不符"),
    "bad-year": (ERROR, "评价年度“{value}”不是有效年份"),
    # ``first``: where the year kept was read (标题（A1）, A3)
    "year-conflict": (
        WARNING,
        "{first}写的是 {kept} 年度，此处写的是 {year} 年，按 {kept} 年度评分；请核对评价年度，改正写错的一处",
    ),
    "bad-amount-unit": (WARNING, "金额单位“{value}”无法识别，按万元处理"),
    # numbers and formulas
    "not-a-number": (ERROR, "{field}“{value}”无法识别为数值"),
    "out-of-range": (ERROR, "{field}“{value}”数值超出范围，请核对"),
    "formula-no-cache": (
        ERROR,
        "{field}是公式但没有计算结果，请在 Excel/WPS 中打开并保存后再提交",
    ),
    "formula-cache-mismatch": (
        WARNING,
        "{field}公式保存的结果 {cached} 与按输入重算的 {computed} 不一致（文件可能被程序改过而未重新计算），已按重算值评分",
    ),
    # 预算执行
    "budget-total-rebuilt": (
        WARNING,
        "年度资金总额{column}{state}，已按分项合计 {value} 计算",
    ),
    "budget-total-mismatch": (
        WARNING,
        "年度资金总额{column} {total} 与分项合计 {parts} 不一致",
    ),
    "budget-missing": (ERROR, "全年预算数为 0 或未填写，无法计算预算执行率"),
    "budget-line-missing": (ERROR, "找不到“年度资金总额”行及其分项，无法计算预算执行率"),
    "budget-header-missing": (
        ERROR,
        "项目资金一栏的表头中找不到“{column}”列（可写作 {spellings} 等），无法计算预算执行率",
    ),
    "budget-executed-no-amount": (
        ERROR,
        "{field}填的是“{value}”，不是金额：请填写全年执行数（确实没有支出填 0）",
    ),
    "budget-no-amount": (ERROR, "{field}填的是“{value}”，不是金额：{indicator}要用它计算，请填写金额"),
    "budget-over-executed": (WARNING, "预算执行率 {rate} 超过 100%，请核实全年执行数"),
    "budget-rate-mismatch": (
        WARNING,
        "填写的预算执行率 {claimed} 与按全年执行数 ÷ 全年预算数计算的 {computed} 不一致，已按计算值评分",
    ),
    # 部门整体支出 共性指标
    "common-changed": (
        ERROR,
        "共性指标“{name}”的{field}“{value}”与规则集规定的“{expected}”不符（共性指标由规则集设定，不能修改），已按规则集评分",
    ),
    "common-missing": (ERROR, "缺少共性指标“{name}”（{points} 分）：共性指标由规则集设定，不能删除"),
    "common-twice": (ERROR, "共性指标“{name}”已在 {first} 列出，不能再列一次：请删去这一行"),
    "data-item-missing": (ERROR, "部门整体数据缺少“{item}”，无法计算{indicator}"),
    "data-sheet-missing": (
        ERROR,
        "缺少工作表“部门整体数据”：共性指标要用这张表里的数据计算，缺了它这些指标都计 0 分；"
        "请从部门整体支出模板复制这张表（表名不能改）并填写",
    ),
    "data-item-twice": (
        WARNING,
        "部门整体数据“{item}”填了两次（{first} 为 {first_value}，{second} 为 {second_value}），按第一处 {first_value} 计算；请删去多余的一行",
    ),
    "zero-denominator": (ERROR, "{indicator}无法计算：分母“{item}”{zero}"),
    "data-none-mark": (
        WARNING,
        "{field}填的是“{value}”，按 0（本年没有这项）计算；部门整体数据没有的项请填 0",
    ),
    "data-count-none": (
        ERROR,
        "{field}填的是“{value}”，不是人数：部门都有编制和在职人员，请填写{field}",
    ),
    "zero-base-exceeded": (
        WARNING,
        "{indicator}：分母“{item}”{zero}而分子不为 0（{shown}），超出目标无法按百分比计算，计 0 分；如“{item}”漏填，请补填",
    ),
    "common-not-applicable": (
        WARNING,
        "{indicator}的分子分母均为 0（未发生），该指标不适用：分值 {points} 不计，总分按适用指标折算为 {scored} × {full} ÷ {applicable} = {total}",
    ),
    "negative-data": (
        ERROR,
        "{field}“{value}”是负数：部门整体数据各项应为不小于 0 的人数或金额（追减、调减按绝对值计入）",
    ),
    "fractional-count": (
        WARNING,
        "{field}“{value}”不是整数：{unit}数应为整数；已按所填的数计算，请核对是否笔误",
    ),
    "computed-mismatch": (
        WARNING,
        "填写的{indicator} {claimed} 与按部门整体数据计算的 {computed} 不一致，已按计算值评分",
    ),
    "template-outdated": (WARNING, "模板中的共性指标来自“{made}”，与评分所用规则集“{ruleset}”不一致，请改用新模板"),
    # 绩效指标
    "bad-operator": (
        ERROR,
        "指标性质“{value}”无法识别，应为：≥ > = ≤ < 定性（或 正向/反向）",
    ),
    "bad-points": (ERROR, "分值“{value}”必须大于 0"),
    "operator-conflict": (
        WARNING,
        "指标性质“{column}”与指标值“{target}”中的符号不一致，已按指标性质“{column}”评分；请核对哪一个是对的，改正另一个",
    ),
    "needs-review": (
        WARNING,
        "{what}，无法自动判断完成程度，待复核人员在“评分结果”表填写复核得分（{provisional}）",
    ),
    "not-applicable-rescaled": (
        WARNING,
        "该行标为不适用（“{mark}”）但有分值 {points}：不计分，总分按适用指标折算为 {scored} × {full} ÷ {applicable} = {total}",
    ),
    "not-applicable-points": (
        ERROR,
        "该行标为不适用（“{mark}”）但有分值 {points}：请删去分值，或填写指标值和实际完成值",
    ),
    "target-not-comparable": (
        ERROR,
        "指标值“{target}”与实际完成值“{value}”无法比较（{detail}）",
    ),
    "percent-scale": (
        WARNING,
        "实际完成值 {value} 是否应为 {suggest}{unit}？（指标值为 {target}{unit}）",
    ),
    "target-percent-scale": (
        WARNING,
        "指标值 {value} 是否应为 {suggest}{unit}？（实际完成值是{kind}；暂按所填数值评分）",
    ),
    "unit-mismatch": (
        WARNING,
        "指标值的单位是“{target_unit}”，实际完成值的单位是“{actual_unit}”，两者不能直接比较，请核对（暂按数值比较）",
    ),
    "over-achievement": (
        WARNING,
        "实际完成值为指标值的 {ratio}，达到或超过 {limit}，指标值可能设置偏低{ask}",
    ),
    "equal-exceeded": (
        WARNING,
        "实际完成值 {actual} 超过指标值 {target}，与“=”指标存在偏差",
    ),
    "late": (WARNING, "完成时间 {actual} 晚于目标 {target}，按未完成计 0 分"),
    "missing-reason": (
        WARNING,
        "得分 {score} 低于分值 {points}，但未填写偏差原因分析及改进措施",
    ),
    "claim-over-points": (ERROR, "申报得分 {claimed} 超过分值 {points}"),
    "claim-out-of-band": (
        WARNING,
        "申报得分 {claimed} 不在“{band}”档（{range}）内，已按 {score} 分核定",
    ),
    "score-mismatch": (
        WARNING,
        "申报得分 {claimed} 与核定得分 {score} 不一致（差 {diff}）",
    ),
    # ``why``: a blank row that cut the table short, when one did ("" otherwise)
    "points-total": (ERROR, "分值合计 {total}，应为 {expected}{why}"),
    # ``why``: how ``expected`` came about when it is not the rule set's own figure ("" otherwise)
    "level1-points": (WARNING, "一级指标“{level1}”分值合计 {total}，应为 {expected}{why}"),
    "unknown-level1": (
        WARNING,
        "一级指标“{level1}”（分值合计 {total}）不是规则集中的一级指标，应为：{expected}",
    ),
    "blank-form": (
        ERROR,
        "自评表尚未填写：各项指标的实际完成值和全年执行数都是空的，请填写后再提交",
    ),
    "duplicate": (
        WARNING,
        "与 {other} 是{same}自评表（重复提交？），请确认以哪一份为准",
    ),
    "claimed-total-sum": (
        WARNING,
        "申报总分 {claimed} 与各行申报得分合计 {rows} 不一致",
    ),
    "claimed-total-mismatch": (
        WARNING,
        "申报总分 {claimed} 与核定总分 {total} 不一致（差 {diff}）",
    ),
    "claimed-grade-mismatch": (
        WARNING,
        "自评等级“{claimed}”与核定总分 {total} 的等级“{grade}”不一致",
    ),
    # 复核 (SPEC §4.4): cells of the 评分结果 sheet a reviewer filled in
    "review-not-a-number": (ERROR, "复核得分“{value}”不是数字，请填写 0 到分值之间的数字"),
    "review-out-of-range": (ERROR, "复核得分 {value} 不在 0 到分值 {points} 之间"),
    "review-column-unread": (
        WARNING,
        "自评表上“{header}”一列填写的分数没有读取，不计入核定总分或复核总分；复核人员的评分请"
        "在本工具写入的“评分结果”表的“复核得分”列填写",
    ),
    "review-orphan": (
        WARNING,
        "复核内容所属的指标“{indicator}”已不在绩效指标表中，未计入复核总分；核对后可删除此行",
    ),
    "review-unreadable": (WARNING, "无法读取已有的评分结果 {target}（{detail}），其中的复核内容未能保留"),
    "rows-after-blank": (
        WARNING,
        "第 {blank} 行整行空白，指标表到此为止；其下从第 {first} 行起还有 {n} 行指标未读取、未计分，删掉空行后重新评分",
    ),
    "review-changed": (
        WARNING,
        "复核后单位改动了这一行（{changes}），复核得分 {score} 仍照原样计入；请复核人员核对，"
        "需要时改填复核得分（评分结果写回后显示的就是改动后的内容，写回之后不再提示）",
    ),
    "review-not-applicable": (
        WARNING,
        "该行不适用（未计入核定总分），复核得分 {score} 使其计入复核总分：分值 {points} 与复核得分一并计入，"
        "复核总分按此折算；复核人员认定该指标不适用的，请清空这一格",
    ),
    "review-dropped": (
        WARNING,
        "评分结果中 {cells} 共 {n} 处填写的内容不是指标行上的复核得分、复核意见（小计行、总分等结论行、自行插入的列），"
        "重新评分时整张表重写，这些内容不再保留；请改填到对应指标行的“复核得分”“复核意见”",
    ),
    "review-renamed": (
        WARNING,
        "工作表“{renamed}”是本工具写的评分结果（改过名），其中 {n} 条复核得分/复核意见没有读取；"
        "要沿用它们，请删掉新写的“评分结果”表，把“{renamed}”改回“评分结果”后重新评分",
    ),
    "review-other-year": (
        WARNING,
        "原评分结果是 {old} 年度的，其中 {n} 条复核得分/复核意见不适用于本次的 {year} 年度，未沿用（已从评分结果中去掉）；"
        "本年度请复核人员重新填写",
    ),
}


# Short Chinese names of the problem codes (for counts in reports and summaries).
TITLES = {
    "bad-ruleset": "规则文件有误",
    "not-a-workbook": "不是有效的工作簿",
    "encrypted": "设置了打开密码",
    "too-large": "文件内容过大",
    "unreadable-folder": "文件夹无法读取",
    "too-slow": "处理超时",
    "unsafe-xml": "不安全的 XML 结构",
    "missing-sheet": "缺少工作表",
    "no-form": "没有找到自评表",
    "missing-header": "找不到表头",
    "form-missing-header": "自评表缺少表头",
    "form-header-unread": "自评表表头未读取",
    "too-many-rows": "指标行过多",
    "no-ruleset": "没有可用的规则集",
    "worker-stopped": "处理被中断",
    "internal-error": "程序内部错误",
    "other-file": "不是 Excel 工作簿",
    "other-zip": "压缩包未解开",
    "upload-refused": "上传时未接收",
    "results-alone": "评分结果缺原文件",
    "more-forms": "一个文件里有多张自评表",
    "locked": "文件被打开，未写回",
    "read-only": "文件只读，未写回",
    "results-renamed": "已有同名工作表，评分结果另写一表",
    "results-kept": "评分结果写在以前另起名的表中",
    "write-failed": "写回失败",
    "missing-value": "必填项未填写",
    "bad-kind": "评价类型无法识别",
    "kind-mismatch": "评价类型与规则集不符",
    "bad-year": "评价年度无效",
    "year-conflict": "自评表上写了两个不同的评价年度",
    "bad-amount-unit": "金额单位无法识别",
    "not-a-number": "数值无法识别",
    "out-of-range": "数值超出范围",
    "formula-no-cache": "公式没有计算结果",
    "formula-cache-mismatch": "公式结果与输入不符",
    "budget-total-rebuilt": "年度资金总额没有金额，按分项合计",
    "budget-total-mismatch": "年度资金总额与分项合计不一致",
    "budget-missing": "全年预算数缺失",
    "budget-executed-no-amount": "全年执行数填的不是金额",
    "budget-no-amount": "预算数填的不是金额",
    "budget-over-executed": "预算执行率超过 100%",
    "budget-rate-mismatch": "填写的预算执行率与计算值不一致",
    "common-changed": "共性指标被修改",
    "common-missing": "共性指标被删除",
    "common-twice": "共性指标重复",
    "data-item-missing": "部门整体数据缺项",
    "data-sheet-missing": "缺少部门整体数据表",
    "data-item-twice": "部门整体数据重复",
    "zero-denominator": "共性指标分母为 0",
    "data-none-mark": "部门整体数据填了“无”“—”等记号",
    "data-count-none": "人数填了“无”“—”等记号",
    "zero-base-exceeded": "共性指标分母为 0 而分子不为 0",
    "common-not-applicable": "共性指标不适用，已折算",
    "negative-data": "部门整体数据为负数",
    "fractional-count": "人数等计数不是整数",
    "computed-mismatch": "填写值与计算值不一致",
    "template-outdated": "模板版本与规则集不符",
    "bad-operator": "指标性质无法识别",
    "bad-points": "分值无效",
    "operator-conflict": "指标性质与指标值的符号不一致",
    "needs-review": "待人工判断完成程度",
    "not-applicable-rescaled": "不适用的行有分值，已折算",
    "not-applicable-points": "不适用的行有分值",
    "unknown-level1": "一级指标名称不对",
    "blank-form": "自评表未填写",
    "duplicate": "重复提交",
    "budget-line-missing": "缺少年度资金总额行",
    "budget-header-missing": "项目资金表头无法识别",
    "target-not-comparable": "指标值与实际值无法比较",
    "percent-scale": "百分数、千分数可能填成了小数",
    "unit-mismatch": "指标值与实际完成值单位不同",
    "target-percent-scale": "指标值的百分数、千分数可能填成了小数",
    "over-achievement": "超额完成，指标值可能偏低",
    "equal-exceeded": "“=”指标超出目标",
    "late": "未按时完成",
    "missing-reason": "得分低于分值但未说明偏差原因",
    "claim-over-points": "申报得分超过分值",
    "claim-out-of-band": "申报得分不在定性档内",
    "score-mismatch": "申报得分与核定得分不一致",
    "points-total": "分值合计不为 100",
    "level1-points": "一级指标分值与规定不符",
    "claimed-total-sum": "申报总分与各行合计不一致",
    "claimed-total-mismatch": "申报总分与核定总分不一致",
    "claimed-grade-mismatch": "自评等级与核定等级不一致",
    "review-not-a-number": "复核得分不是数字",
    "review-out-of-range": "复核得分超出分值",
    "review-column-unread": "自评表上的复核分一列未读取",
    "review-orphan": "复核内容的指标已不存在",
    "review-unreadable": "已有的评分结果无法读取",
    "review-other-year": "上一年度的复核内容未沿用",
    "review-renamed": "改了名的评分结果中的复核内容未读取",
    "review-changed": "复核后指标行已改动",
    "review-not-applicable": "复核得分使不适用的行计入复核总分",
    "review-dropped": "评分结果中指标行以外的填写未保留",
    "rows-after-blank": "空行下面的指标未读取",
}


def problem_title(code: str) -> str:
    """A short Chinese name for a problem code."""
    return TITLES.get(code, code)


@dataclass(frozen=True)
class CellRef:
    """Where a finding is: file display name, sheet and optionally a cell such as ``H7``."""

    file: str
    sheet: str | None = None
    cell: str | None = None

    def __str__(self) -> str:
        if self.sheet and self.cell:
            return f"{self.file} {self.sheet}!{self.cell}"
        if self.sheet:
            return f"{self.file} {self.sheet}"
        return self.file

    @property
    def location(self) -> str:
        """``sheet!cell`` without the file name (what the results sheet shows)."""
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or ""


def _absurd_number(value: Any) -> bool:
    from selfeval_xl.reading.values import out_of_range

    try:
        return out_of_range(float(str(value).replace(",", "").strip()))
    except ValueError:
        return False


@dataclass(frozen=True)
class Problem:
    """A finding in the data: collected into reports, never raised."""

    code: str
    where: CellRef
    message: str
    severity: str = ERROR
    fields: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __str__(self) -> str:
        return f"{self.where}：{self.message}"

    @classmethod
    def at(
        cls, file: str, sheet: str | None, cell: str | None, code: str, *, severity: str | None = None, **fields: Any
    ) -> Problem:
        """Build a problem whose message comes from the template keyed by ``code``; ``severity``
        overrides the code's usual one (a blank 实施单位 is a ``missing-value`` warning)."""
        if code == "not-a-number" and _absurd_number(fields.get("value")):
            code = "out-of-range"  # a number, but not one anybody means (1e24, 1e-320)
        usual, template = MESSAGES[code]
        severity = severity or usual
        return cls(
            code,
            CellRef(file, sheet, cell),
            template.format(**fields),
            severity,
            fields,
        )

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def sort_key(self, sheet_order: Sequence[str] = ()) -> tuple[int, int, int, int, str]:
        """Errors first, then by sheet (in ``sheet_order``), row and column: the order a
        person fixes them in."""
        sheet = self.where.sheet or ""
        rank = list(sheet_order).index(sheet) if sheet in sheet_order else len(sheet_order)
        at = split_cell(self.where.cell)
        row, col = (at[1], col_index(at[0]) + 1) if at else (0, 0)
        return (0 if self.is_error else 1, rank, row, col, self.code)

    def flat(self) -> tuple[Any, ...]:
        """Its fields as one tuple of plain values (``from_flat`` makes it again): what a worker
        process packs, ~3x cheaper to pickle than the frozen dataclasses themselves."""
        where = self.where
        return (self.code, where.file, where.sheet, where.cell, self.message, self.severity, self.fields)

    @classmethod
    def from_flat(cls, flat: tuple[Any, ...]) -> Problem:
        code, file, sheet, cell, message, severity, fields = flat
        return cls(code, CellRef(file, sheet, cell), message, severity, fields)

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of SPEC §4.3."""
        return {
            "severity": self.severity,
            "sheet": self.where.sheet,
            "cell": self.where.cell,
            "code": self.code,
            "message": self.message,
        }


class HasProblems:
    """Mixin for results that carry ``problems`` (a field, or a property computing them): the
    errors and the warnings among them."""

    if TYPE_CHECKING:  # declared for the type checker only: a subclass may make it a property

        @property
        def problems(self) -> list[Problem]: ...

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]


class SelfevalError(Exception):
    """This one file (or rules file) cannot proceed; the batch records it and moves on."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem

    @property
    def code(self) -> str:
        return self.problem.code


class UnreadableWorkbook(SelfevalError):
    """Not a workbook, encrypted, unsafe, too large, or missing a required sheet/header."""

    @classmethod
    def at(cls, file: str, sheet: str | None, cell: str | None, code: str, **fields: Any) -> UnreadableWorkbook:
        return cls(Problem.at(file, sheet, cell, code, **fields))


class RuleSetError(SelfevalError):
    """The rules file itself is wrong; the message names the file and the key (``source`` and
    ``key`` keep them apart for callers that want them)."""

    def __init__(self, message: str, source: str | None = None, key: str | None = None):
        super().__init__(Problem.at(source or "", None, None, "bad-ruleset", detail=message))
        self.message, self.source, self.key = message, source, key

    def __str__(self) -> str:
        return self.message
