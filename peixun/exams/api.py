"""The exams JSON API (DRF): the examinee's exams, starting one, and the exam page's calls on an attempt.

The exam page talks to AttemptViewSet: the state with the server's clock, autosave with a sequence number
per question (a stale or late save is 409), the submit, and leave/return events. Errors have the
platform's shape {"error": {"code", "message", "fields"}} (see peixun.core.api); a 409 carries the code
"stale" (with the server's `seq`) or "closed". Another examinee's attempt is a 404, whatever the body.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ParseError
from rest_framework.request import Request
from rest_framework.response import Response

from peixun.exams import selectors, services
from peixun.exams.models import Attempt, AttemptEventKind, Exam

ERR_QUESTION_ID = "缺少题目编号"


class OptionSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="选项的原始键，作答时提交它")
    label = serializers.CharField(help_text="本考生看到的字母（选项已乱序）")  # type: ignore[assignment]
    text = serializers.CharField()


class PaperQuestionSerializer(serializers.Serializer):
    """One question as this examinee sees it. The key fields appear only after the results are released."""

    question_id = serializers.IntegerField()
    order = serializers.IntegerField()
    qtype = serializers.CharField()
    qtype_display = serializers.CharField()
    stem = serializers.CharField()
    image = serializers.BooleanField()
    image_url = serializers.CharField(help_text="题干图片地址，无图片时为空")
    points = serializers.CharField()
    options = OptionSerializer(many=True)
    blanks = serializers.IntegerField(help_text="填空题的空数")
    answer = serializers.JSONField(allow_null=True, help_text="已保存的答案")
    seq = serializers.IntegerField(help_text="服务器上该题最后一次保存的序号")
    score = serializers.CharField(required=False, allow_null=True)
    correct = serializers.BooleanField(required=False, allow_null=True)
    key = serializers.JSONField(required=False)
    reference_answer = serializers.CharField(required=False)
    explanation = serializers.CharField(required=False)


class AttemptStateSerializer(serializers.Serializer):
    attempt_id = serializers.IntegerField()
    status = serializers.CharField()
    deadline = serializers.DateTimeField()
    now = serializers.DateTimeField(help_text="服务器时间：计时以它为准")
    questions = PaperQuestionSerializer(many=True)
    result_url = serializers.CharField()


class AnswerSerializer(serializers.Serializer):
    question_id = serializers.IntegerField(error_messages={"required": ERR_QUESTION_ID, "invalid": ERR_QUESTION_ID})
    answer = serializers.JSONField(allow_null=True, required=False, default=None)
    seq = serializers.JSONField(help_text="本题的保存序号，每次修改加一")


class SavedSerializer(serializers.Serializer):
    question_id = serializers.IntegerField()
    seq = serializers.IntegerField()
    saved_at = serializers.DateTimeField(allow_null=True)


class SubmittedSerializer(serializers.Serializer):
    status = serializers.CharField()
    submitted_now = serializers.BooleanField(help_text="本次请求完成了交卷（并发的重复交卷为 false）")
    result_url = serializers.CharField()


class EventSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AttemptEventKind.choices)
    detail = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)


class ExamSerializer(serializers.ModelSerializer):
    class Meta:
        model = Exam
        fields = ["id", "title", "starts_at", "ends_at", "duration_minutes", "attempts_allowed", "pass_mark"]


ERROR = inline_serializer(
    "ExamsError",
    fields={
        "error": inline_serializer(
            "ExamsErrorBody",
            fields={
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "fields": serializers.DictField(required=False),
                "seq": serializers.IntegerField(required=False),
            },
        )
    },
)
CONFLICT = OpenApiResponse(ERROR, description="stale：已有更新的保存（附 seq）；closed：答卷已提交")


def own_payload(request: Request, pk: str) -> dict[str, Any]:
    """The JSON body; for a body that does not parse, another examinee's attempt is still a 404 first."""
    try:
        data = request.data
    except ParseError:
        selectors.attempt_owned(actor=request.user, pk=int(pk))  # type: ignore[arg-type]
        raise
    return data if isinstance(data, dict) else {}


def conflict(exc: services.AttemptConflict) -> Response:
    return Response({"error": {"code": exc.code, "message": exc.message, **exc.extra}}, status=status.HTTP_409_CONFLICT)


def attempt_state(attempt: Attempt) -> dict[str, Any]:
    return {
        "attempt_id": attempt.pk,
        "status": attempt.status,
        "deadline": attempt.deadline.isoformat(),
        "now": timezone.now().isoformat(),
        "questions": selectors.attempt_paper(attempt),
        "result_url": reverse("exams:attempt_result", args=[attempt.pk]),
    }


class ExamViewSet(viewsets.ReadOnlyModelViewSet):
    """The exams the caller may sit (their unit or a unit above it, by name, or as a class's trainee)."""

    serializer_class = ExamSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[Exam]:
        return selectors.exams_for_examinee(actor=self.request.user)  # type: ignore[arg-type]

    @extend_schema(request=None, responses={200: AttemptStateSerializer, 400: ERROR, 404: ERROR})
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str) -> Response:
        """Start the exam, or resume the attempt in progress: the paper as this examinee sees it."""
        exam = selectors.exam_for_examinee_start(actor=request.user, pk=int(pk))  # type: ignore[arg-type]
        attempt = services.attempt_start(actor=request.user, exam=exam)  # type: ignore[arg-type]
        attempt.exam = exam
        return Response(attempt_state(attempt))


class AttemptViewSet(viewsets.GenericViewSet):
    """The caller's own attempts: what the exam page reads and writes."""

    serializer_class = AttemptStateSerializer
    queryset = Attempt.objects.none()  # every action reads through the scoped selectors
    lookup_value_regex = r"\d+"

    @extend_schema(responses={200: AttemptStateSerializer, 404: ERROR})
    def retrieve(self, request: Request, pk: str) -> Response:
        """The attempt's state: the server's clock, the deadline, the paper with the saved answers."""
        attempt = selectors.attempt_for_examinee(actor=request.user, pk=int(pk))  # type: ignore[arg-type]
        return Response(attempt_state(attempt))

    @extend_schema(request=AnswerSerializer, responses={200: SavedSerializer, 400: ERROR, 404: ERROR, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def answer(self, request: Request, pk: str) -> Response:
        """Save one answer. A repeat of the last save succeeds unchanged; an older sequence number is 409."""
        body = AnswerSerializer(data=own_payload(request, pk))
        if not body.is_valid():
            selectors.attempt_owned(actor=request.user, pk=int(pk))  # type: ignore[arg-type]
            body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            item = services.attempt_save_answer(
                actor=request.user,  # type: ignore[arg-type]
                attempt_id=int(pk),
                question_id=data["question_id"],
                answer=data["answer"],
                seq=data["seq"],
            )
        except services.AttemptConflict as exc:
            return conflict(exc)
        saved_at = item.saved_at.isoformat() if item.saved_at else None
        return Response({"question_id": data["question_id"], "seq": item.seq, "saved_at": saved_at})

    @extend_schema(request=None, responses={200: SubmittedSerializer, 404: ERROR})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        """Hand the attempt in. Exactly one of racing submits does it; the others answer submitted_now=false."""
        attempt, won = services.attempt_submit(actor=request.user, attempt_id=int(pk))  # type: ignore[arg-type]
        return Response(
            {
                "status": attempt.status,
                "submitted_now": won,
                "result_url": reverse("exams:attempt_result", args=[attempt.pk]),
            }
        )

    @extend_schema(
        request=EventSerializer,
        responses={
            200: inline_serializer("ExamsEventLogged", {"ok": serializers.BooleanField()}),
            404: ERROR,
            409: CONFLICT,
        },
    )
    @action(detail=True, methods=["post"])
    def events(self, request: Request, pk: str) -> Response:
        """Log leaving or returning to the exam page (sent with keepalive, also while the page unloads)."""
        selectors.attempt_owned(actor=request.user, pk=int(pk))  # type: ignore[arg-type]
        body = EventSerializer(data=own_payload(request, pk))
        body.is_valid(raise_exception=True)
        try:
            services.attempt_log_event(
                actor=request.user,  # type: ignore[arg-type]
                attempt_id=int(pk),
                kind=body.validated_data["kind"],
                detail=body.validated_data["detail"],
            )
        except services.AttemptConflict as exc:
            return conflict(exc)
        return Response({"ok": True})


ROUTES: list = [
    ("exams/exams", ExamViewSet, "exams-exam"),
    ("exams/attempts", AttemptViewSet, "exams-attempt"),
]
