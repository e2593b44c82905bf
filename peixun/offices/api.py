"""API routes of this app: (prefix, viewset, basename), registered by config.api_urls."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from peixun.offices import selectors
from peixun.offices.models import ResearchOffice
from peixun.offices.models_prep import LessonPrep
from peixun.offices.models_work import (
    ResearchTopic,
    Textbook,
    TextbookChapter,
    TextbookStatus,
    TopicMilestone,
    TopicStatus,
)
from peixun.teachers.api import ERRORS

ERR_OFFICE = "教研室不存在"
ERR_STATUS = "状态无效"


class LessonPrepSerializer(serializers.ModelSerializer):
    author_name = serializers.CharField(source="author.display_name", read_only=True)
    versions = serializers.IntegerField(source="n_versions", read_only=True)
    signed_version = serializers.IntegerField(source="signed_version.number", read_only=True, allow_null=True)

    class Meta:
        model = LessonPrep
        fields = ["id", "office", "title", "lecture", "author", "author_name", "status", "versions",
                  "signed_version", "signed_at"]  # fmt: skip


class LessonPrepViewSet(viewsets.ReadOnlyModelViewSet):
    """Collective lesson preparations of the caller's offices."""

    serializer_class = LessonPrepSerializer

    def get_queryset(self) -> QuerySet[LessonPrep]:
        qs = selectors.preps_visible(actor=self.request.user)  # type: ignore[arg-type]
        return qs.annotate(n_versions=Count("versions")).order_by("-id")


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = TopicMilestone
        fields = ["id", "title", "due_on", "done"]


class TopicSerializer(serializers.ModelSerializer):
    office_name = serializers.CharField(source="office.name", read_only=True)
    members = serializers.SerializerMethodField(help_text="课题组成员（干部ID与姓名）")
    milestones = MilestoneSerializer(many=True, read_only=True)

    class Meta:
        model = ResearchTopic
        fields = ["id", "office", "office_name", "title", "plan", "status", "members", "milestones", "final_report",
                  "created_at"]  # fmt: skip

    def get_members(self, obj: ResearchTopic) -> list[dict[str, Any]]:
        return [{"id": c.pk, "name": c.name} for c in obj.members.all()]


class ChapterSerializer(serializers.ModelSerializer):
    assignee_name = serializers.CharField(source="assignee.name", read_only=True)

    class Meta:
        model = TextbookChapter
        fields = ["id", "order", "title", "assignee", "assignee_name", "status", "review_comment"]


class TextbookSerializer(serializers.ModelSerializer):
    office_name = serializers.CharField(source="office.name", read_only=True)
    chapters = ChapterSerializer(many=True, read_only=True, help_text="章节（不含初稿正文）")

    class Meta:
        model = Textbook
        fields = ["id", "office", "office_name", "title", "outline", "status", "publisher", "published_on", "chapters",
                  "created_at"]  # fmt: skip


def _work_params(statuses: list[tuple[str, str]]) -> type[serializers.Serializer]:
    class Params(serializers.Serializer):
        office = serializers.PrimaryKeyRelatedField(
            queryset=ResearchOffice.objects.all(), required=False, help_text="教研室ID",
            error_messages={"does_not_exist": ERR_OFFICE, "incorrect_type": ERR_OFFICE},
        )  # fmt: skip
        status = serializers.ChoiceField(
            choices=statuses, required=False, help_text="状态", error_messages={"invalid_choice": ERR_STATUS}
        )

    return Params


TopicParams = type("TopicParams", (_work_params(TopicStatus.choices),), {})
TextbookParams = type("TextbookParams", (_work_params(TextbookStatus.choices),), {})


def _filtered(qs: QuerySet, params: serializers.Serializer) -> QuerySet:
    params.is_valid(raise_exception=True)
    p = params.validated_data
    if p.get("office") is not None:
        qs = qs.filter(office=p["office"])
    if p.get("status"):
        qs = qs.filter(status=p["status"])
    return qs


@extend_schema_view(
    list=extend_schema(summary="课题调研", description="调用者所在教研室（全省管理角色为全部）的课题，含成员与节点。",
                       parameters=[TopicParams], responses={200: TopicSerializer(many=True), **ERRORS}),
    retrieve=extend_schema(summary="课题详情"),
)  # fmt: skip
class ResearchTopicViewSet(viewsets.ReadOnlyModelViewSet):
    """Research topics of the caller's offices (the province-wide roles: all)."""

    serializer_class = TopicSerializer

    def get_queryset(self) -> QuerySet[ResearchTopic]:
        qs = selectors.topics_visible(actor=self.request.user).order_by("-id")  # type: ignore[arg-type]
        return _filtered(qs, TopicParams(data=self.request.query_params)) if self.action == "list" else qs


@extend_schema_view(
    list=extend_schema(summary="教材编写", description="调用者所在教研室（全省管理角色为全部）的教材项目，含章节进度。",
                       parameters=[TextbookParams], responses={200: TextbookSerializer(many=True), **ERRORS}),
    retrieve=extend_schema(summary="教材详情"),
)  # fmt: skip
class TextbookViewSet(viewsets.ReadOnlyModelViewSet):
    """Textbook projects of the caller's offices (the province-wide roles: all)."""

    serializer_class = TextbookSerializer

    def get_queryset(self) -> QuerySet[Textbook]:
        qs = selectors.textbooks_visible(actor=self.request.user).order_by("-id")  # type: ignore[arg-type]
        return _filtered(qs, TextbookParams(data=self.request.query_params)) if self.action == "list" else qs


ROUTES: list = [
    ("offices/preps", LessonPrepViewSet, "lessonprep"),
    ("offices/topics", ResearchTopicViewSet, "researchtopic"),
    ("offices/textbooks", TextbookViewSet, "textbook"),
]
