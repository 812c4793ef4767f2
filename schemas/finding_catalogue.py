"""Every finding the intake can raise, in one place: its code, its severity, and what the clerk reads (the Chinese
message and the fix). Pure data. The intake raises a finding by its code only (schemas.findings.finding), so a code
missing here cannot be raised, and no message or severity is written anywhere else. README.md's table of errors and
warnings is checked against this catalogue both ways (tests/unit/test_finding_catalogue.py).

A template names its blanks ({value}, {sheet}, {letter} …); the caller fills them. Where one rule reads differently
in different situations (a credit code Excel stored as a number, or one of the wrong length), the entry has named
variants, each a message and, when it differs, a fix. Where a message is assembled from parts (a merge that fills
some columns and blanks others), the parts are the entry's phrases.

`validation_errors.rule` stores the code; the clerk never sees it (the error list shows the message and the fix).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from string import Formatter

ERROR = "error"      # the file is rejected; nothing of it is loaded
WARNING = "warning"  # the file is loaded; the bureau is told
SEVERITIES = (ERROR, WARNING)


@dataclass(frozen=True)
class Wording:
    message: str
    fix: str | None = None   # None: the entry's fix


@dataclass(frozen=True)
class Entry:
    code: str
    severity: str
    message: str
    fix: str
    variants: dict[str, Wording] = field(default_factory=dict)
    phrases: dict[str, str] = field(default_factory=dict)

    def wording(self, variant: str = "") -> tuple[str, str]:
        """(message, fix) templates of one variant ("" is the entry's own)."""
        if not variant:
            return self.message, self.fix
        w = self.variants[variant]
        return w.message, self.fix if w.fix is None else w.fix

    def templates(self) -> dict[str, str]:
        """Every template of the entry by a name (message, fix, <variant>.message, <variant>.fix, phrase.<name>)."""
        out = {"message": self.message, "fix": self.fix}
        for name, w in self.variants.items():
            out[f"{name}.message"] = w.message
            if w.fix is not None:
                out[f"{name}.fix"] = w.fix
        out.update({f"phrase.{name}": text for name, text in self.phrases.items()})
        return out


def placeholders(template: str) -> set[str]:
    """The names a template's blanks take: "“{value}”不是整数" -> {"value"}."""
    return {name for _, name, _, _ in Formatter().parse(template) if name is not None}


# how several cells are named in one message: H5、H6、H7 (the first five, then how many in all)
CELLS_MORE = "{cells} 等 {count} 个单元格"

_TO_XLSX = "请用 Excel/WPS 另存为 .xlsx 格式后重新上传。"
_SAVE_AS = "请用 Excel/WPS 打开后“另存为” .xlsx 格式再上传。"
_COPY_OUT = "请用 Excel/WPS 打开文件，把有效数据复制到新工作簿另存为 .xlsx 后重新上传。"
_SHRINK = "请删除无关的工作表和空白行列（含格式），或按单位拆分为多个文件后重新上传。"
_NAMING_HELP = ("文件名中未找到报送期。请在文件名中写明季度，例如“2022Q2”“2022-Q2”“2022年第二季度”"
                "“2022年二季度”或“2022年2季度”（如：工信局任务进展2022年第二季度.xlsx），或使用系统下发的模板。")
_YEAR_RANGE = "请填写 {low}–{high} 之间的年份。"
_NOT_TEXT = "不要填写“约”“若干”等文字"
_NOTE_FIX = "本列单位见表头，建议只填写数字；如理解有误请修改后重新报送。"
_UNDERSTOOD = "“{shown}”已按“{understood}”理解"

_ENTRIES = (
    # ------------------------------------------------ the file as a whole (tasks/intake/discover.py, isolate.py, read.py)
    Entry("file.name_encoding", WARNING,
          "文件名不是 UTF-8 编码（多见于旧版 Windows 共享），系统已把它改名为“{name}”后处理（按 GB18030 识别，无法识别的字符用“_”代替）",
          "无需处理；如改名后的名称不对，请以正确的名称重新上传。"),
    Entry("file.name_unsafe", ERROR, "文件名含有不可见或控制字符（{codes}）",
          "请把文件重命名为只含汉字、字母、数字和常用标点的名称后重新上传。"),
    Entry("file.permission", ERROR, "系统没有读取此文件的权限（文件权限 {mode}），无法检查其内容",
          "请在本单位文件夹中把文件另存或复制一份（让共享文件夹的所有用户可读）后重新放入；"
          "如仍出现此问题，请联系管理员检查共享文件夹的权限设置。"),
    Entry("file.too_large", ERROR, "文件过大（{mb} MB，上限 {limit} MB）",
          "请删除无关的工作表、图片或空白区域后另存，或按单位拆分为多个文件。"),
    Entry("file.zip_bomb", ERROR, "文件解压后过大（{mb} MB，压缩比 {ratio}:1），系统拒绝读取",
          "请检查文件是否含有超大范围的格式或空白单元格：复制有效数据到新工作簿后另存再上传。"),
    Entry("file.empty", ERROR, "文件为空（0 字节），可能复制未完成或保存失败。", "请重新保存并上传完整文件。"),
    Entry("file.encrypted", ERROR, "文件设置了打开密码，系统无法读取。",
          "请在 Excel/WPS 中取消打开密码（文件→信息→保护工作簿）后重新上传。"),
    Entry("file.html", ERROR, "文件实际是网页（HTML）格式，其中没有可读取的表格。", _SAVE_AS),
    Entry("file.csv", ERROR, "文件实际是 CSV 文本，但无法按 UTF-8、GB18030 或 UTF-16（Unicode 文本）编码读取。", _SAVE_AS),
    Entry("file.csv_layout", ERROR, "文件实际是 CSV 文本，但其中的引号或分隔符不成对，无法分成行和列。", _SAVE_AS),
    Entry("file.no_sheets", ERROR, "工作簿中没有任何可见的工作表。",
          "请确认数据所在的工作表没有被隐藏或删除，保存后重新上传。"),
    Entry("file.unknown", ERROR, "文件不是可识别的 Excel/WPS 工作簿（.xlsx/.xlsm/.xls/.ods）。", _TO_XLSX),
    # why a file that passed the format check could still not be read, by the format it claimed to be
    Entry("file.unreadable", ERROR, "文件内容已损坏或不是 Excel/WPS 工作簿，系统无法读取其中的表格。", _TO_XLSX, variants={
        "xlsx": Wording("文件看起来是 .xlsx 工作簿，但内部结构已损坏，系统无法读取其中的表格。"),
        "xlsm": Wording("文件看起来是 .xlsm 工作簿，但内部结构已损坏，系统无法读取其中的表格。"),
        "xls": Wording("文件看起来是 .xls 工作簿，但内部结构已损坏或版本过旧，系统无法读取其中的表格。"),
        "ods": Wording("文件看起来是 .ods 表格，但内部结构已损坏，系统无法读取其中的表格。"),
        "csv": Wording("文件是 CSV/文本格式，但内容无法分成行和列（引号不成对或含有不可读的字符）。"),
        "html": Wording("文件是网页（HTML）格式，但其中的表格无法读取。"),
        "reader": Wording("文件无法读取（{detail}）"),
    }),
    Entry("file.reader_memory", ERROR,
          "读取文件所需内存超过上限（读到 {peak_gb} GB 时停止，上限 {limit_gb} GB），文件可能含有超大范围的单元格或过多的行",
          _SHRINK, variants={
              "killed": Wording("读取文件时读取程序被系统终止（多为文件所需内存超过服务器可用内存）"),
          }),
    Entry("file.reader_crashed", ERROR, "读取文件时读取程序异常退出（{detail}），文件结构可能已损坏", _COPY_OUT, variants={
        "allocation": Wording("读取文件时读取程序因申请内存失败而退出（文件要求约 {gb} GB 内存），文件可能含有超大范围的单元格"),
    }),
    Entry("file.timeout", ERROR, "读取文件超过 {seconds} 秒仍未完成，已停止读取",
          "请删除无关的工作表和空白区域，或拆分为多个文件后重新上传。"),
    Entry("file.internal_error", ERROR, "系统处理此文件时出错（{error}），未能入库，文件已退回",
          "请稍后重新放入一次；如再次退回，请联系市专精特新工作专班并附上本清单。"),
    # ------------------------------------------------ which report it is (tasks/intake/discover.py, check_batch.py)
    Entry("period.missing", ERROR, "文件名中未找到报送期", _NAMING_HELP),
    Entry("period.ambiguous", ERROR, "文件名中有多个不同的报送期（{periods}）", _NAMING_HELP),
    Entry("period.conflict", ERROR,
          "文件名中的报送期是{named_label}（{named}），但文件所用模板是{period_label}（{period}）的，系统无法确定报送的是哪一期",
          "如本文件报送的是{named_label}的数据，请使用{named_label}的模板重新填写（模板在本单位的下发文件夹，"
          "名称含“{named}_模板”）；如报送的确是{period_label}的数据，请把文件名中的报送期改为"
          "“{period}”或“{period_label}”后重新上传。"),
    Entry("bureau.mismatch", ERROR, "文件内标注的报送单位“{claimed}”与所在文件夹“{bureau}”不一致",
          "请只把本单位的文件放入本单位文件夹；如文件是其他单位的模板，请使用本单位的模板重新填写。"),
    Entry("form.unrecognised", ERROR, "未在任何工作表中找到企业库或任务进展的表头",
          "请使用模板：企业库需有“企业名称”等列，任务进展需有“任务编号”“推进状态”等列。"),
    # ------------------------------------------------ sheets and headers (tasks/intake/normalise.py)
    Entry("sheet.hidden", WARNING, "工作表“{sheet}”是隐藏的，未读取", "如需报送，请取消隐藏后重新上传。"),
    Entry("sheet.unrecognised", WARNING, "工作表“{sheet}”中未找到可识别的表头，未读取",
          "如该表需要报送，请使用模板表头（如“企业名称”或“任务编号”“推进状态”）。"),
    Entry("header.by_meaning", WARNING, "{letter} 列表头“{header}”已按“{label}”读取",
          "如理解有误，请把表头改为模板中的名称（如“{label}”）。"),
    Entry("header.unknown", WARNING, "{letter} 列“{header}”不是本表的栏目，该列未读取",
          "如为必报内容，请使用模板中的表头名称；如不需要报送可删除该列。"),
    Entry("header.duplicate", WARNING, "表头“{header}”重复出现，只读取第一列", "请删除重复的列。"),
    Entry("header.missing", ERROR, "工作表“{sheet}”缺少“{label}”列", "请在表头中加上“{label}”列并逐行填写（可使用模板）。"),
    Entry("header.merged", ERROR,
          "表头 {ref} 是合并单元格（“{anchor}”），{letter} 列没有自己的表头，其中填写的内容（{cells}）无法确定属于哪一栏，未能读取",
          "请取消合并 {ref}，在 {letter}{row} 填写该列的表头（如“需市政府协调解决的问题”，可使用模板）后重新报送。"),
    Entry("header.merged_read", WARNING,
          "表头 {ref} 是合并单元格（“{anchor}”），{letter} 列没有自己的表头；本表各列与模板一致，"
          "{letter} 列（{cells}）已按模板中该列的“{label}”读取",
          "请取消合并 {ref}，在 {letter}{row} 填写“{label}”；如 {letter} 列不是“{label}”，请改正后重新报送。"),
    Entry("header.empty", WARNING, "{letter} 列没有表头，其中填写的内容（{cells}）未读取",
          "如该列需要报送，请在 {letter}{row} 填写表头（使用模板中的名称，如“需市政府协调解决的问题”；"
          "如表头是合并单元格，请先取消合并）后重新报送。"),
    Entry("recognition_year.no_level", WARNING,
          "填写了认定年份“{shown}”，但认定级别（{level_text}）未写明已认定的级别，该年份未使用",
          "如企业已认定“专精特新”，请在认定级别中写明级别（如“已认定吉林省级”）；尚未认定请清空认定年份。", variants={
              "centre": Wording("填写了技术中心认定年份“{shown}”，但技术中心级别为空，该年份未使用",
                                "如企业有技术中心，请在“技术中心”列选择级别（吉林市级、吉林省级、国家级）；没有技术中心请清空认定年份。"),
              "column": Wording("{letter} 列“{header}”是“{label}”的认定年份，但本表没有“{label}”列，该列未读取",
                                "请加上“{label}”列并填写级别（可使用模板），或删除该列。"),
          }, phrases={"blank": "空白"}),
    Entry("recognition_year.conflict", WARNING,
          "认定年份“{shown}”与认定级别“{level_text}”中写明的{date}不一致，已按{date}（认定级别中的年份）理解",
          "请核对认定文件：把认定年份改为正确的年份，并让认定级别中的年份与之一致（也可删去认定级别中的年份，只在认定年份列填写）。",
          variants={"date": Wording("认定年份“{shown}”与认定级别“{level_text}”中写明的{date}不一致，已按{date}（认定级别中的日期）理解")}),
    # ------------------------------------------------ rows and cells (tasks/intake/normalise.py)
    Entry("cell.merged", WARNING, "{ref} 是合并单元格：{parts}",
          "合并单元格只在左上角保存内容。如理解有误，请取消合并，在每一行、每一列分别填写后重新报送。", phrases={
              "number": "数值“{value}”只计入第 {row} 行的“{label}”，{rows} 行按空白处理（与 Excel 求和相同）",
              "used": "“{value}”已用于{span}的“{label}”",
              "rows": "第 {first}–{last} 行",
              "row": "第 {row} 行",
              "blank": "{labels}被合并进 {letter} 列，按空白处理",
          }),
    Entry("row.total", WARNING, "第 {row} 行“{text}”是合计/小计/平均行，已跳过，未入库",
          "合计、小计、平均等汇总行由系统自动计算，无需报送；如该行是一条实际数据，请填写{key}。", variants={
              "formula": Wording("第 {row} 行是对上方各行的汇总（{cell} 的公式 {text}），已跳过，未入库"),
              "values": Wording("第 {row} 行没有{key}，各数值等于上方各行的合计或平均，按合计行跳过，未入库"),
          }, phrases={"name": "名称"}),
    Entry("cell.formula_error", ERROR, "单元格是公式错误值 {text}",
          "请修正公式，或直接填写数值/文字（可复制后“选择性粘贴→数值”）。"),
    Entry("cell.control_chars", WARNING, "已删除单元格中不可见的控制字符（{codes}）",
          "这类字符多为复制粘贴带入，会让文字显示顺序错乱；如内容显示异常请核对。"),
    Entry("cell.too_long", ERROR, "内容过长（{length} 字，本列最多 {limit} 字）", "请精简后重新填写；详细材料请另行报送。"),
    # ------------------------------------------------ one value (schemas/values.py)
    Entry("parse.int", ERROR, "“{value}”不是整数", f"请只填写阿拉伯数字，如 12；{_NOT_TEXT}。", variants={
        "cell": Wording("“{value}”不是整数", f"请只填写阿拉伯数字，如 12（单位见表头）；{_NOT_TEXT}；不适用请留空。"),
        "unit": Wording("“{value}”不是整数", f"请只填写阿拉伯数字（单位见表头）；{_NOT_TEXT}；不适用请留空。"),
        "fraction": Wording("“{value}”不是整数", "请填写整数，如 12。"),
    }),
    Entry("parse.number", ERROR, "“{value}”不是数字", "请只填写数字（单位见表头），如 125.5。", variants={
        "cell": Wording("“{value}”不是数字", f"请只填写阿拉伯数字，如 125.5（单位见表头）；{_NOT_TEXT}；不适用请留空。"),
        "percent": Wording("“{value}”不是数字", f"请只填写阿拉伯数字，如 60（表示 60%）（单位见表头）；{_NOT_TEXT}；不适用请留空。"),
        "unit": Wording("“{value}”不是数字", f"请只填写阿拉伯数字（单位见表头）；{_NOT_TEXT}；不适用请留空。"),
    }),
    Entry("parse.unit", ERROR, "“{value}”的单位“{unit}”与本列单位“{column}”不符",
          "本列单位为“{column}”，请只填写以{column}计的数字，不要带“{unit}”。", variants={
              "money": Wording("“{value}”的单位“{unit}”与本列单位“{column}”不符",
                               "本列以万元为单位：请把{unit}换算成万元后只填数字（{number}{unit}应填 {converted}）。"),
          }, phrases={"none": "无单位"}),
    Entry("parse.year", ERROR, "“{value}”不是年份", "请填写四位年份，如 2023 或 2023年。", variants={
        "cell": Wording("“{value}”不是年份", "请填写四位年份，如 2023 或 2023年；不适用请留空。"),
    }),
    Entry("parse.credit_code", ERROR, "“{value}”不是 18 位统一社会信用代码",
          "统一社会信用代码为 18 位数字或大写字母（不含 I、O、Z、S、V），请核对营业执照。", variants={
              "as_number": Wording("“{value}”是被 Excel 按数字保存的信用代码，已丢失位数",
                                   "请把该列设为“文本”格式后重新输入完整的 18 位统一社会信用代码。"),
          }),
    Entry("parse.recognition_date", ERROR, "{where}“{value}”不是认定日期",
          "请填写认定年份或认定日期，如 2022、2022年3月、2022年3月15日。", variants={
              "no_such_date": Wording("{where}认定日期“{value}”不存在（没有{date}）",
                                      "请按认定文件核对认定日期，填写如 2022年3月 或 2022年3月15日。"),
          }, phrases={"where": "“{cell}”中", "month": "{year}年{month}月", "day": "{year}年{month}月{day}日"}),
    Entry("parse.srdi_level", ERROR, "无法识别认定级别“{value}”",
          "请填写如“2021年已认定省级”“已纳入吉林市培育库”“国家级拟培育”，或使用模板下拉选项。"),
    # a reading that changes what the cell says (schemas/values.py read_cell): 已按“…”理解
    Entry("normalised.enum", WARNING, _UNDERSTOOD, "如理解有误，请改用下拉选项中的规范写法后重新报送。"),
    Entry("normalised.unit", WARNING, _UNDERSTOOD, _NOTE_FIX),
    Entry("normalised.year", WARNING, _UNDERSTOOD,
          "年份请填写四位数字（如 2023），并把该列设为“常规”格式；如理解有误请修改后重新报送。", variants={
              "date": Wording("日期“{shown}”已按“{year}年”理解"),
              "serial": Wording("单元格显示为日期“{shown}”（输入 {year} 时该单元格是日期格式），已按“{year}年”理解"),
          }),
    Entry("normalised.percent", WARNING, _UNDERSTOOD, "完成进度按百分数填写（如 85 表示 85%）；如理解有误请修改后重新报送。",
          variants={"column": Wording("“{shown}”已按“100%”理解（本列其他单元格是 0.85 这样的小数）")}),
    # ------------------------------------------------ the pandera models (schemas/enterprise.py, schemas/task_progress.py)
    Entry("required.enterprise_name", ERROR, "企业名称为空", "请填写企业全称（与营业执照一致）。"),
    Entry("required.task_id", ERROR, "任务编号为空", "请填写附件2的任务编号（如 T3-1），可从模板下拉选择。"),
    Entry("required.status", ERROR, "推进状态为空", "请选择：{choices}。"),
    Entry("enum.tech_center_level", ERROR, "技术中心级别“{value}”不在允许范围", "请填写：吉林市级、吉林省级、国家级，或留空。"),
    Entry("enum.operating_status", ERROR, "经营状态“{value}”不在允许范围", "请从下拉选项中选择：生产、半生产、停产、注销。"),
    Entry("enum.listing_status", ERROR, "上市情况“{value}”不在允许范围", "请填写：{choices}。"),
    Entry("enum.srdi_level", ERROR, "认定级别“{value}”无法识别", "请填写如“已认定吉林省级”“已纳入吉林市培育库”。"),
    Entry("enum.status", ERROR, "推进状态“{value}”不在允许范围", "请从下拉选项中选择：{choices}。"),
    Entry("range.min", ERROR, "数值“{value}”不能为负数或过小", "请核对数值；年份请填写四位年份。", variants={
        "task": Wording("数值“{value}”小于允许的最小值", "请填写不小于 0 的数值（年份请填写四位年份）。"),
    }),
    Entry("range.year", ERROR, "年份“{value}”不合理", _YEAR_RANGE, variants={
        "srdi": Wording("认定年份“{value}”不合理", "请填写 {low}–{high} 之间的四位年份（当前认定级别的认定年份）。"),
        "tech_center": Wording("技术中心认定年份“{value}”不合理", "请填写 {low}–{high} 之间的四位年份（当前技术中心级别的认定年份）。"),
    }),
    Entry("range.completion_pct", ERROR, "完成进度“{value}”小于 0", "请填写 0–100 之间的数字。", variants={
        "above": Wording("完成进度“{value}”超过 100", "请填写 0–100 之间的数字（100 表示全部完成）。"),
    }),
    Entry("duplicate.enterprise", ERROR, "企业“{value}”在本文件中重复出现", "同一企业只填写一行，请删除重复行。"),
    Entry("duplicate.credit_code", ERROR, "统一社会信用代码“{value}”在本文件中重复出现", "请核对是否填错企业的代码。"),
    Entry("duplicate.task", ERROR, "任务“{value}”在本文件中重复出现", "同一任务只填写一行，请合并进展后删除重复行。"),
    Entry("identity.name_two_codes", ERROR, "企业“{enterprise_name}”在本文件中填写了不同的统一社会信用代码，本行为“{value}”",
          "同一企业只有一个统一社会信用代码：请对照营业执照核对，只保留一行并填写正确的代码。"),
    Entry("identity.code_two_names", ERROR, "统一社会信用代码“{value}”在本文件中对应不同的企业名称，本行为“{enterprise_name}”",
          "一个代码只属于一家企业：若企业已更名，只保留一行，填写新名称并在备注中注明原名；若是代码填错，请改正。"),
    Entry("credit_code.check_digit", ERROR, "统一社会信用代码“{value}”校验位不正确（GB 32100）",
          "请对照营业执照逐位核对（常见错误是 0/O、1/I 混淆或少一位）；若该列是数字格式，Excel 会把末几位变成 0，"
          "请把该列设为“文本”后重新输入。"),
    Entry("staff.tech_gt_total", ERROR, "科技人员数“{value}”大于职工总数", "科技人员是职工的一部分，请核对两列数值。"),
    Entry("task.unknown", ERROR, "任务编号“{value}”不存在", "请使用附件2任务清单中的编号（T1-1 至 T4-3）。"),
    Entry("task.not_responsible", ERROR, "本单位不是任务“{value}”的责任单位",
          "请只填报本单位负责的任务；如分工有调整，请联系领导小组办公室。"),
    Entry("missing.operating_status", WARNING, "经营状态未填写", "请填写：生产、半生产、停产、注销。"),
    Entry("planned.order", WARNING, "拟培育吉林省级年份“{value}”早于拟培育吉林市级年份", "一般先认定吉林市级再认定省级，请核对年份。"),
    Entry("rd.above_sales", WARNING, "研发投入“{value}”大于销售收入", "请核对单位是否均为万元。"),
    Entry("patents.implausible", WARNING, "专利数量“{value}”异常偏大", "请核对是否多输入了位数。"),
    Entry("status.done_incomplete", WARNING, "状态为“已完成”但完成进度“{value}”不足 100", "请核对状态或完成进度。"),
    Entry("missing.progress", WARNING, "本期进展未填写", "请简要填写本季度工作进展。"),
    Entry("metric.other_task", WARNING, "任务 {task_id} 不统计“{metric}”：本行填写的“{value}”不计入汇总",
          "“{metric}”只统计任务 {tasks} 的填报（模板中其他任务的这一格为灰色）。如该数字属于 {tasks}，请填到相应任务一行；"
          "否则请删除本行的数字。", variants={
              "one_task": Wording("任务 {task_id} 不统计“{metric}”：本行填写的“{value}”不计入汇总",
                                  "“{metric}”只统计任务 {tasks} 的填报（模板中其他任务的这一格为灰色）。如该数字属于 {tasks}，"
                                  "请填到该任务一行；否则请删除本行的数字。"),
          }),
    Entry("unit.mismatch", WARNING, "责任单位“{value}”与报送单位不一致", "请填写本单位名称，或确认文件放在了本单位的文件夹。"),
)

CATALOGUE: dict[str, Entry] = {e.code: e for e in _ENTRIES}


def _check() -> None:
    """At import: one entry per code, a known severity, and a fix for every message."""
    if len(CATALOGUE) != len(_ENTRIES):
        raise ValueError("a finding code is in the catalogue twice")
    for e in _ENTRIES:
        if e.severity not in SEVERITIES or not (e.message and e.fix):
            raise ValueError(f"finding {e.code}: severity {e.severity!r}, message and fix are all needed")


_check()
