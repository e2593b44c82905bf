"""The question bank's Excel template: one parser for the sheet (and the form's answer box), one writer.

Answer column by type: 单选 "B"; 多选 "ACD"; 判断 "正确"/"错误"; 填空: blanks separated by "||" (or new
lines), accepted variants of one blank by "|"; 简答: the reference answer, with 评分要点 one per line as
"要点|分值".
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from peixun.exams.models import Question, QuestionType
from peixun.exams.services.bank import OPTION_KEYS, QuestionData, question_errors

COLUMNS = [
    "题型",
    "题干",
    "选项A",
    "选项B",
    "选项C",
    "选项D",
    "选项E",
    "选项F",
    "答案",
    "评分要点",
    "解析",
    "知识点",
    "难度",
    "出处",
]
FIELD_COLUMN = {
    "qtype": "题型",
    "stem": "题干",
    "options": "选项A",
    "answer": "答案",
    "reference_answer": "答案",
    "scoring_points": "评分要点",
    "difficulty": "难度",
    "explanation": "解析",
}
TYPE_NAMES = {label: value for value, label in QuestionType.choices} | {
    label[:-1]: value for value, label in QuestionType.choices
}
TRUE_WORDS = {"正确", "对", "是", "√", "t", "true", "y"}
FALSE_WORDS = {"错误", "错", "否", "×", "x", "f", "false", "n"}

ERR_NOT_XLSX = "文件不是有效的Excel（.xlsx）文件"
ERR_HEADER = "表头与模板不一致，请使用下载的模板"
ERR_EMPTY = "表格中没有试题"
ERR_ANSWER_FORMAT = "答案格式有误"
ERR_POINTS_FORMAT = "评分要点每行应为“要点|分值”"
ERR_DUP_IN_FILE = "与本文件第{row}行的题干重复"
CELL_ERROR = "第{row}行“{column}”列：{message}"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_answer(qtype: str, text: str) -> Any:
    """The stored answer for the text of the answer column; None when it cannot be read."""
    folded = unicodedata.normalize("NFKC", text).strip()
    match qtype:
        case QuestionType.SINGLE:
            return folded.upper() if len(folded) == 1 else None
        case QuestionType.MULTIPLE:
            letters = [c for c in folded.upper() if c.isalpha()]
            return sorted(letters) if letters and all(c in OPTION_KEYS for c in letters) else None
        case QuestionType.TRUE_FALSE:
            word = folded.lower()
            return True if word in TRUE_WORDS else False if word in FALSE_WORDS else None
        case QuestionType.FILL_BLANK:
            blanks = [b for part in text.split("||") for b in part.splitlines()]
            return [[v.strip() for v in b.split("|") if v.strip()] for b in blanks if b.strip()]
    return None


def parse_points(text: str) -> list[dict[str, Any]] | None:
    points = []
    for line in text.splitlines():
        if not line.strip():
            continue
        body, sep, score = line.rpartition("|")
        try:
            value = Decimal(unicodedata.normalize("NFKC", score).strip())
        except InvalidOperation:
            return None
        if not sep or not body.strip():
            return None
        points.append({"text": body.strip(), "score": float(value)})
    return points


def row_to_data(cells: dict[str, str]) -> tuple[QuestionData | None, dict[str, str]]:
    """(data, errors by column) for one row of the sheet."""
    errors: dict[str, str] = {}
    qtype = TYPE_NAMES.get(cells["题型"], cells["题型"])
    options = [cells[f"选项{k}"] for k in "ABCDEF"]
    while options and not options[-1]:
        options.pop()
    try:
        difficulty = int(cells["难度"] or 3)
    except ValueError:
        difficulty = 0
    data = QuestionData(
        qtype=qtype,
        stem=cells["题干"],
        options=options,
        explanation=cells["解析"],
        knowledge_point=cells["知识点"],
        difficulty=difficulty,
        source=cells["出处"],
    )
    if qtype == QuestionType.SHORT_ANSWER:
        data.reference_answer = cells["答案"]
        points = parse_points(cells["评分要点"])
        if points is None:
            errors["评分要点"] = ERR_POINTS_FORMAT
        else:
            data.scoring_points = points
    elif qtype in QuestionType.values:
        data.answer = parse_answer(qtype, cells["答案"])
    for name, message in question_errors(data).items():
        errors.setdefault(FIELD_COLUMN.get(name, "题型"), message)
    return (None if errors else data), errors


@dataclass
class SheetResult:
    rows: list[tuple[int, QuestionData]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def read_sheet(content: bytes) -> SheetResult:
    result = SheetResult()
    try:
        ws = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
    except Exception:
        result.errors.append(ERR_NOT_XLSX)
        return result
    rows = ws.iter_rows(values_only=True)
    header = [_text(v) for v in next(rows, ())]
    if header[: len(COLUMNS)] != COLUMNS:
        result.errors.append(ERR_HEADER)
        return result
    for number, values in enumerate(rows, start=2):
        cells = {col: _text(values[i] if i < len(values) else None) for i, col in enumerate(COLUMNS)}
        if not any(cells.values()):
            continue
        data, errors = row_to_data(cells)
        for column, message in errors.items():
            result.errors.append(CELL_ERROR.format(row=number, column=column, message=message))
        if data is not None:
            result.rows.append((number, data))
    if not result.rows and not result.errors:
        result.errors.append(ERR_EMPTY)
    return result


def _sheet(title: str) -> tuple[Workbook, Worksheet]:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title
    return wb, ws


def template_workbook() -> bytes:
    wb, ws = _sheet("试题")
    ws.append(COLUMNS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.append(
        [
            "单选题",
            "党的纪律处分有几种？",
            "三种",
            "四种",
            "五种",
            "六种",
            "",
            "",
            "C",
            "",
            "依据条例第八条",
            "纪律处分",
            2,
            "《中国共产党纪律处分条例》第八条",
        ]
    )
    ws.append(
        [
            "多选题",
            "下列属于党纪处分的有？",
            "警告",
            "罚款",
            "撤销党内职务",
            "",
            "",
            "",
            "AC",
            "",
            "",
            "纪律处分",
            3,
            "",
        ]
    )
    ws.append(
        [
            "判断题",
            "留置时间不得超过三个月。",
            "",
            "",
            "",
            "",
            "",
            "",
            "正确",
            "",
            "",
            "监察法",
            2,
            "《监察法》第四十三条",
        ]
    )
    ws.append(
        [
            "填空题",
            "监察机关对____负责；留置不得超过____个月。",
            "",
            "",
            "",
            "",
            "",
            "",
            "本级人民代表大会及其常务委员会|本级人大及其常委会||三|3",
            "",
            "",
            "监察法",
            3,
            "",
        ]
    )
    ws.append(
        [
            "简答题",
            "简述惩前毖后、治病救人的方针。",
            "",
            "",
            "",
            "",
            "",
            "",
            "坚持惩前毖后、治病救人……",
            "惩前毖后|5\n治病救人|5",
            "",
            "党的建设",
            4,
            "",
        ]
    )
    return _save(wb)


def _save(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _answer_text(q: Question) -> str:
    match q.qtype:
        case QuestionType.MULTIPLE:
            return "".join(q.answer or [])
        case QuestionType.TRUE_FALSE:
            return "正确" if q.answer else "错误"
        case QuestionType.FILL_BLANK:
            return "||".join("|".join(v) for v in q.answer or [])
        case QuestionType.SHORT_ANSWER:
            return q.reference_answer
    return str(q.answer or "")


def export_workbook(questions: Any) -> bytes:
    wb, ws = _sheet("试题")
    ws.append([*COLUMNS, "编号", "状态", "教研室"])
    for q in questions:
        options = [o["text"] for o in q.options or []][:6]
        points = "\n".join(f"{p['text']}|{p['score']:g}" for p in q.scoring_points or [])
        ws.append(
            [
                q.get_qtype_display(),
                q.stem,
                *options,
                *[""] * (6 - len(options)),
                _answer_text(q),
                points,
                q.explanation,
                q.knowledge_point,
                q.difficulty,
                q.source,
                q.pk,
                q.get_status_display(),
                q.office.name,
            ]
        )
    return _save(wb)
