"""The chat's JSON API, beside the websocket: a room's history paged by sequence number, sending, questions,
votes, answers, moderation and the Excel export. Rooms are addressed by lecture id; anyone outside a
lecture's room gets 404, a participant asking for a host's act gets 403. Every write goes through
peixun.chat.services, so an act done here reaches the websocket clients like one done there.

Registered by config.api_urls as ROUTES = [(prefix, viewset, basename)].
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response

from peixun.chat import conf, services
from peixun.chat.export import export_workbook
from peixun.chat.frames import message_body, question_body
from peixun.chat.models import ChatRoom, RoomMode
from peixun.chat.selectors import lecture_for_chat, messages_page, questions_sorted
from peixun.training.models import Lecture

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class RateLimited(APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "rate_limited"
    default_detail = services.ERR_RATE.format(wait=1)


# --- serializers (the shapes are those of the websocket frames, peixun.chat.frames) ----------------


class MessageSerializer(serializers.Serializer):
    seq = serializers.IntegerField(help_text="本互动室内的序号")
    sender = serializers.CharField(help_text="发送人姓名")
    sender_id = serializers.IntegerField()
    cid = serializers.CharField(help_text="客户端消息编号")
    text = serializers.CharField(help_text="内容（已删除的消息为空）")
    at = serializers.CharField(help_text="发送时间（ISO 8601）")
    question = serializers.BooleanField(help_text="是否为提问")
    deleted = serializers.BooleanField()


class QuestionSerializer(serializers.Serializer):
    seq = serializers.IntegerField(help_text="提问消息的序号")
    sender = serializers.CharField()
    sender_id = serializers.IntegerField()
    text = serializers.CharField()
    at = serializers.CharField()
    votes = serializers.IntegerField()
    answered = serializers.BooleanField()
    answer = serializers.CharField()
    answered_at = serializers.CharField()
    deleted = serializers.BooleanField()


class RoomSerializer(serializers.Serializer):
    lecture = serializers.IntegerField()
    topic = serializers.CharField()
    mode = serializers.ChoiceField(choices=RoomMode.choices)
    last_seq = serializers.IntegerField(help_text="最新事件序号（websocket 断线重连用 last_seq）")
    role = serializers.ChoiceField(choices=["host", "participant"])


class HistorySerializer(serializers.Serializer):
    results = MessageSerializer(many=True)
    has_more = serializers.BooleanField(help_text="before 方向是否还有更早的消息")
    next_before = serializers.IntegerField(allow_null=True, help_text="下一页（更早）请求用的 before")


class SendInput(serializers.Serializer):
    client_id = serializers.CharField(max_length=conf.MAX_CLIENT_ID_LEN, help_text="客户端生成；重试时不变，只保存一次")
    text = serializers.CharField(trim_whitespace=False, allow_blank=True, max_length=8000)
    question = serializers.BooleanField(default=False, help_text="作为提问发送")


class SendOutput(serializers.Serializer):
    seq = serializers.IntegerField()
    duplicate = serializers.BooleanField(help_text="该 client_id 已保存过，返回原消息")
    message = MessageSerializer()


class AnswerInput(serializers.Serializer):
    answer = serializers.CharField(trim_whitespace=False, allow_blank=True, default="", max_length=8000)


class MuteInput(serializers.Serializer):
    user = serializers.IntegerField(help_text="学员的用户ID")
    minutes = serializers.IntegerField(help_text=f"1至{conf.MUTE_MAX_MINUTES}分钟")


class MuteOutput(serializers.Serializer):
    user = serializers.IntegerField()
    until = serializers.DateTimeField()


class HandoutOutput(serializers.Serializer):
    handout = serializers.IntegerField(help_text="讲义ID（资源库）")
    version = serializers.IntegerField()
    title = serializers.CharField()


class ModeInput(serializers.Serializer):
    mode = serializers.CharField(help_text="open / questions_only / closed")


def _valid(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


SEQ = OpenApiParameter("seq", int, OpenApiParameter.PATH, description="消息序号")


class ChatRoomViewSet(viewsets.ViewSet):
    """A lecture's chat room (在线互动). `lecture_id` is the lecture's id."""

    lookup_field = "lecture_id"
    lookup_value_regex = "[0-9]+"

    def _room(self, lecture_id: str) -> tuple[Lecture, ChatRoom, str]:
        lecture, role = lecture_for_chat(actor=self.request.user, lecture_id=int(lecture_id))  # type: ignore[arg-type]
        room = services.room_open(actor=self.request.user, lecture=lecture, role=role)  # type: ignore[arg-type]
        return lecture, room, role

    @extend_schema(responses=RoomSerializer)
    def retrieve(self, request: Request, lecture_id: str) -> Response:
        lecture, room, role = self._room(lecture_id)
        room.refresh_from_db(fields=["mode", "last_seq"])
        data = {"lecture": lecture.pk, "topic": lecture.topic, "mode": room.mode, "last_seq": room.last_seq}
        return Response(RoomSerializer({**data, "role": role}).data)

    @extend_schema(
        methods=["GET"],
        summary="History, paged by sequence number",
        description=(
            "Without parameters: the latest page. `before=N`: the page of messages before N (follow "
            "`next_before`). `after=N`: the messages after N, oldest first (catching up)."
        ),
        parameters=[
            OpenApiParameter("before", int, description="只取序号小于此值的消息"),
            OpenApiParameter("after", int, description="只取序号大于此值的消息（从旧到新）"),
            OpenApiParameter(
                "limit", int, description=f"每页条数，最多{conf.HISTORY_PAGE * 4}，默认{conf.HISTORY_PAGE}"
            ),
        ],
        responses=HistorySerializer,
    )
    @extend_schema(
        methods=["POST"],
        summary="Send a message (or a question)",
        request=SendInput,
        responses={
            201: SendOutput,
            200: OpenApiResponse(SendOutput, description="duplicate: this client_id was stored before"),
            429: OpenApiResponse(description="rate limited: error.code = rate_limited, message says how long"),
        },
    )
    @action(detail=True, methods=["get", "post"], url_path="messages")
    def messages(self, request: Request, lecture_id: str) -> Response:
        _, room, _ = self._room(lecture_id)
        if request.method == "POST":
            return self._send(request, room)
        params = request.query_params
        try:
            before = int(params["before"]) if params.get("before") else None
            after = int(params["after"]) if params.get("after") else None
            limit = min(max(1, int(params.get("limit") or conf.HISTORY_PAGE)), conf.HISTORY_PAGE * 4)
        except ValueError:
            raise ValidationError({"before": "请填写整数序号"}) from None
        rows, has_more = messages_page(room=room, before=before, after=after, limit=limit)
        results = [message_body(m, question=hasattr(m, "question")) for m in rows]
        next_before = rows[0].seq if rows and has_more and after is None else None
        body = {"results": results, "has_more": has_more, "next_before": next_before}
        return Response(HistorySerializer(body).data)

    def _send(self, request: Request, room: ChatRoom) -> Response:
        data = _valid(SendInput, request)
        try:
            result = services.message_send(
                actor=request.user,  # type: ignore[arg-type]
                room=room,
                client_msg_id=data["client_id"],
                text=data["text"],
                question=data["question"],
            )
        except ValidationError as exc:
            if "rate" in getattr(exc, "error_dict", {}):
                raise RateLimited(exc.message_dict["rate"][0]) from None
            raise
        m = result.message
        body = {"seq": m.seq, "duplicate": not result.created, "message": message_body(m, question=data["question"])}
        if not result.created:
            body["message"] = message_body(m, question=hasattr(m, "question"))
        return Response(SendOutput(body).data, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)

    @extend_schema(summary="Delete a message (host)", parameters=[SEQ], request=None, responses=MessageSerializer)
    @action(detail=True, methods=["delete"], url_path=r"messages/(?P<seq>[0-9]+)", url_name="message")
    def message_delete(self, request: Request, lecture_id: str, seq: str) -> Response:
        _, room, _ = self._room(lecture_id)
        message = services.message_delete(actor=request.user, room=room, seq=int(seq))  # type: ignore[arg-type]
        return Response(MessageSerializer(message_body(message, question=hasattr(message, "question"))).data)

    @extend_schema(
        summary="Mark a message as a question (its sender, or a host)",
        parameters=[SEQ],
        request=None,
        responses=QuestionSerializer,
    )
    @action(detail=True, methods=["post"], url_path=r"messages/(?P<seq>[0-9]+)/question", url_name="message-question")
    def message_question(self, request: Request, lecture_id: str, seq: str) -> Response:
        _, room, _ = self._room(lecture_id)
        question = services.question_mark(actor=request.user, room=room, seq=int(seq))  # type: ignore[arg-type]
        return Response(QuestionSerializer(question_body(question, question.message)).data)

    @extend_schema(summary="Questions, most votes first, then oldest first", responses=QuestionSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="questions")
    def questions(self, request: Request, lecture_id: str) -> Response:
        _, room, _ = self._room(lecture_id)
        rows = [question_body(q, q.message) for q in questions_sorted(room=room)]
        return Response(QuestionSerializer(rows, many=True).data)

    @extend_schema(
        summary="Up-vote a question (once per person)", parameters=[SEQ], request=None, responses=QuestionSerializer
    )
    @action(detail=True, methods=["post"], url_path=r"questions/(?P<seq>[0-9]+)/vote", url_name="question-vote")
    def question_vote(self, request: Request, lecture_id: str, seq: str) -> Response:
        _, room, _ = self._room(lecture_id)
        question = services.question_vote(actor=request.user, room=room, seq=int(seq))  # type: ignore[arg-type]
        return Response(QuestionSerializer(question_body(question, question.message)).data)

    @extend_schema(
        summary="Answer a question, or with an empty answer mark it answered (host)",
        parameters=[SEQ],
        request=AnswerInput,
        responses=QuestionSerializer,
    )
    @action(detail=True, methods=["post"], url_path=r"questions/(?P<seq>[0-9]+)/answer", url_name="question-answer")
    def question_answer(self, request: Request, lecture_id: str, seq: str) -> Response:
        _, room, _ = self._room(lecture_id)
        data = _valid(AnswerInput, request)
        question = services.question_answer(
            actor=request.user,  # type: ignore[arg-type]
            room=room,
            seq=int(seq),
            answer=data["answer"],
        )
        return Response(QuestionSerializer(question_body(question, question.message)).data)

    @extend_schema(summary="Mute a participant for N minutes (host)", request=MuteInput, responses=MuteOutput)
    @action(detail=True, methods=["post"], url_path="mute")
    def mute(self, request: Request, lecture_id: str) -> Response:
        _, room, _ = self._room(lecture_id)
        data = _valid(MuteInput, request)
        mute = services.participant_mute(
            actor=request.user,  # type: ignore[arg-type]
            room=room,
            user_id=data["user"],
            minutes=data["minutes"],
        )
        return Response(MuteOutput({"user": mute.user_id, "until": mute.until}).data)

    @extend_schema(summary="Open, questions only, or closed (host)", request=ModeInput, responses=RoomSerializer)
    @action(detail=True, methods=["post"], url_path="mode")
    def mode(self, request: Request, lecture_id: str) -> Response:
        lecture, room, role = self._room(lecture_id)
        data = _valid(ModeInput, request)
        room = services.room_set_mode(actor=request.user, room=room, mode=data["mode"])  # type: ignore[arg-type]
        body = {"lecture": lecture.pk, "topic": lecture.topic, "mode": room.mode, "last_seq": room.last_seq}
        return Response(RoomSerializer({**body, "role": role}).data)

    @extend_schema(
        summary="Excel export of the messages and the questions (host; audited)",
        responses={(200, XLSX): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"], url_path="export")
    def export(self, request: Request, lecture_id: str) -> HttpResponse:
        lecture, room, _ = self._room(lecture_id)
        data = export_workbook(actor=request.user, room=room)  # type: ignore[arg-type]
        response = HttpResponse(data, content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="chat-lecture-{lecture.pk}.xlsx"'
        return response

    @extend_schema(
        summary="Hand the export to the lecture's handouts in the library (host; a new version each time)",
        request=None,
        responses=HandoutOutput,
    )
    @action(detail=True, methods=["post"], url_path="export/library", url_name="export-library")
    def export_library(self, request: Request, lecture_id: str) -> Response:
        _, room, _ = self._room(lecture_id)
        row = services.room_export_submit(actor=request.user, room=room)  # type: ignore[arg-type]
        body = {"handout": row.handout_id, "version": row.version, "title": services.EXPORT_HANDOUT_TITLE}  # type: ignore[attr-defined]
        return Response(HandoutOutput(body).data, status=status.HTTP_201_CREATED)


ROUTES = [("chat/rooms", ChatRoomViewSet, "chat-room")]
