"""Excel export of a room after class: the messages and the questions (for the handout publication)."""

from __future__ import annotations

from io import BytesIO

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from peixun.accounts.models import User
from peixun.audit.events import Event
from peixun.audit.services import audit_record
from peixun.chat.models import ChatRoom
from peixun.chat.selectors import lecture_is_hosted_by, messages_for_export, questions_for_export
from peixun.chat.services import ERR_NOT_HOST

MESSAGE_HEADERS = ["序号", "发送时间", "发送人", "内容", "是否提问", "状态"]
QUESTION_HEADERS = ["序号", "提问时间", "提问人", "问题", "票数", "是否已答", "回答", "回答时间"]


def _cell(value: object) -> object:
    """Text as text: a leading = + - @ would make Excel run a formula, so such text gets a quote."""
    if isinstance(value, str):
        text: str = ILLEGAL_CHARACTERS_RE.sub("", value)
        return "'" + text if text[:1] in ("=", "+", "-", "@") else text
    return value


def _at(value: object) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""  # type: ignore[arg-type]


def export_workbook(*, actor: User, room: ChatRoom) -> bytes:
    from django.core.exceptions import PermissionDenied

    if not lecture_is_hosted_by(actor=actor, lecture=room.lecture):
        raise PermissionDenied(ERR_NOT_HOST)
    book = Workbook()
    sheet = book.active
    sheet.title = "互动消息"
    sheet.append(MESSAGE_HEADERS)
    for m in messages_for_export(room=room):
        is_question = hasattr(m, "question")
        deleted = m.deleted_at is not None
        sheet.append(
            [
                _cell(v)
                for v in (
                    m.seq,
                    _at(m.created_at),
                    m.sender_name,
                    "" if deleted else m.text,
                    "是" if is_question else "",
                    "已删除" if deleted else "",
                )
            ]
        )
    questions = book.create_sheet("提问")
    questions.append(QUESTION_HEADERS)
    for q in questions_for_export(room=room):
        if q.message.deleted_at is not None:
            continue
        questions.append(
            [
                _cell(v)
                for v in (
                    q.message.seq,
                    _at(q.created_at),
                    q.message.sender_name,
                    q.message.text,
                    q.votes,
                    "是" if q.answered_at else "否",
                    q.answer,
                    _at(q.answered_at),
                )
            ]
        )
    for ws, widths in ((sheet, [8, 20, 14, 60, 10, 10]), (questions, [8, 20, 14, 50, 8, 10, 50, 20])):
        for i, w in enumerate(widths):
            ws.column_dimensions[chr(65 + i)].width = w
    out = BytesIO()
    book.save(out)
    audit_record(actor=actor, event=Event.EXPORT, obj=room, detail={"what": "chat", "lecture": room.lecture_id})
    return out.getvalue()
