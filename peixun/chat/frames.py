"""The JSON frames sent to websocket clients. Events are encoded once, stored, and sent as stored."""

from __future__ import annotations

import json
from typing import Any

from django.utils import timezone

from peixun.chat.models import ChatMessage, ChatQuestion


def encode(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def _at(value: Any) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


def message_body(message: ChatMessage, *, question: bool = False) -> dict[str, Any]:
    deleted = message.deleted_at is not None
    return {
        "seq": message.seq,
        "sender": message.sender_name,
        "sender_id": message.sender_id,
        "cid": message.client_msg_id,
        "text": "" if deleted else message.text,
        "at": _at(message.created_at),
        "question": question,
        "deleted": deleted,
    }


def question_body(question: ChatQuestion, message: ChatMessage) -> dict[str, Any]:
    deleted = message.deleted_at is not None
    return {
        "seq": message.seq,
        "sender": message.sender_name,
        "sender_id": message.sender_id,
        "text": "" if deleted else message.text,
        "at": _at(question.created_at),
        "votes": question.votes,
        "answered": question.answered_at is not None,
        "answer": "" if deleted else question.answer,
        "answered_at": _at(question.answered_at),
        "deleted": deleted,
    }


def event_frame(seq: int, kind: str, **body: Any) -> str:
    return encode({"type": "event", "seq": seq, "kind": kind, **body})
