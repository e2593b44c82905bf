"""Every message an import shows. Tests assert on these constants; `{...}` parts are filled with format()."""

# The upload itself.
ERR_NO_FILE = "请选择要上传的Excel文件"
ERR_KIND = "请选择导入类型"
ERR_FILE_TOO_LARGE = "文件过大，不能超过{limit}"
ERR_NOT_XLSX = "文件不是有效的Excel（.xlsx）文件"
ERR_NO_SHEET = "文件中没有可导入的工作表"
ERR_EMPTY = "文件中没有数据行"
ERR_MISSING_COLUMNS = "缺少列：{columns}"
ERR_UNKNOWN_COLUMNS = "无法识别的列：{columns}"
ERR_DUPLICATE_COLUMNS = "列重复：{columns}"

# One cell.
ERR_REQUIRED = "此项必填"
ERR_TOO_LONG = "不能超过{limit}个字符"
ERR_CHOICE = "应为以下之一：{choices}"
ERR_YES_NO = "应填写“是”或“否”"
ERR_DATE = "日期格式不正确，应为Excel日期或YYYY-MM-DD、YYYY/M/D格式的文本"
ERR_DATE_RANGE = "日期超出合理范围"
ERR_WORK_BEFORE_BIRTH = "参加工作时间不能早于出生日期"
ERR_MOBILE = "手机号码应为以1开头的11位数字"
ERR_PHONE = "联系电话只能包含数字、空格、“-”和括号"
ERR_CODE_FORMAT = "只能包含字母、数字、“-”和“_”"

# Units.
ERR_DUPLICATE_UNIT_CODE = "单位编码与第{row}行重复"
ERR_PARENT_UNKNOWN = "上级单位编码不存在（上级单位须已存在，或在本文件中更靠前的行）"
ERR_PARENT_ROW_INVALID = "上级单位所在行有错误"
ERR_HOST_UNKNOWN = "驻地市级纪委监委编码不存在"
ERR_PROVINCE_HAS_PARENT = "省纪委监委不能有上级单位"

# Cadres.
# Deliberately the same text for a unit that does not exist and one outside the importer's scope: an
# import must not reveal which units other counties have.
ERR_UNIT_UNKNOWN = "单位编码不存在或不在您的管理范围内"
ERR_DUPLICATE_EMPLOYEE_NUMBER = "工号与第{row}行重复"
ERR_DUPLICATE_ID_NUMBER = "身份证号与第{row}行重复"
ERR_ID_MASKED = "身份证号为脱敏格式，请填写完整号码或留空"
ERR_USERNAME_TAKEN = "工号已被其他账户用作用户名"

# The job.
ERR_NOT_READY = "文件尚未校验完成，不能导入"
ERR_HAS_ERRORS = "文件有错误，不能全部导入；请修改后重新上传，或选择仅导入无误的行"
ERR_NO_VALID_ROWS = "没有无误的行可导入"
ERR_CHANGED_SINCE = "校验后数据已发生变化，出现了新的错误，未导入任何数据；请重新上传文件"
ERR_FAILED = "处理文件时发生错误，未导入任何数据；请联系系统管理员"
MSG_VALID = "校验通过，{rows} 行"
ERR_HOST_SELF = "驻地市级纪委监委不能是本单位"
ERR_HOST_ROW_INVALID = "驻地单位所在行有错误"
