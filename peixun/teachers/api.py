"""API routes of this app: (prefix, viewset, basename), registered by config.api_urls.

The teacher pool is read by the province-wide roles and the offices' people (`selectors.sees_pool`);
every query parameter is validated, and a bad one is a 400 in the common error shape
`{"error": {"code": "invalid", "message", "fields": {name: [Chinese message]}}}`, never a silently
ignored filter.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import permissions, serializers, viewsets

from peixun.offices.models import ResearchOffice
from peixun.teachers import forms, selectors
from peixun.teachers.models import Teacher, TeacherApplication, TeacherStatus

ERR_STATUS = "状态只能是 active（在库）、suspended（暂停）、removed（已出库）或留空（全部）"


class ErrorSerializer(serializers.Serializer):
    """The common error shape (`peixun.core.api.exception_handler`), for the documentation."""

    error = inline_serializer(
        "ErrorBody",
        fields={
            "code": serializers.CharField(),
            "message": serializers.CharField(),
            "fields": serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False),
        },
    )


class OfficeRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = ResearchOffice
        fields = ["id", "code", "name"]


class TeacherSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text="姓名（干部或外聘教师）")
    organisation = serializers.CharField(read_only=True, help_text="工作单位")
    unit = serializers.IntegerField(
        source="cadre.unit_id", read_only=True, allow_null=True, help_text="单位ID，外聘为空"
    )
    is_external = serializers.BooleanField(read_only=True, help_text="外聘教师")
    rating = serializers.FloatField(read_only=True, allow_null=True, help_text="评教中对教师评分的平均值（1–5）")
    fields = OfficeRefSerializer(many=True, read_only=True, help_text="专长领域（教研室）")

    class Meta:
        model = Teacher
        fields = ["id", "number", "name", "organisation", "unit", "is_external", "title", "fields", "status", "rating"]


class HoursSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    lectures = serializers.IntegerField()
    hours = serializers.DecimalField(max_digits=8, decimal_places=1)


class EvaluationSummarySerializer(serializers.Serializer):
    n = serializers.IntegerField(help_text="评教份数")
    teacher = serializers.FloatField(allow_null=True, help_text="教师评分均值")
    lecture = serializers.FloatField(allow_null=True, help_text="课程评分均值")


class ReviewSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    grade = serializers.CharField()
    grade_display = serializers.CharField(source="get_grade_display")


class LectureRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    topic = serializers.CharField()
    starts_at = serializers.DateTimeField()
    duration_minutes = serializers.IntegerField()
    training_class = serializers.CharField(source="training_class.title")


class TeacherDetailSerializer(TeacherSerializer):
    status_reason = serializers.CharField(read_only=True)
    lecture_count = serializers.SerializerMethodField()
    hours_per_year = serializers.SerializerMethodField()
    evaluations = serializers.SerializerMethodField()
    reviews = ReviewSerializer(many=True, read_only=True)
    recent_lectures = serializers.SerializerMethodField()

    class Meta(TeacherSerializer.Meta):
        fields = [*TeacherSerializer.Meta.fields, "status_reason", "lecture_count", "hours_per_year", "evaluations",
                  "reviews", "recent_lectures"]  # fmt: skip

    def _stats(self, obj: Teacher) -> dict[str, Any]:
        cache = self.context.setdefault("_stats", {})
        if obj.pk not in cache:
            cache[obj.pk] = selectors.teacher_stats(obj)
        return cache[obj.pk]

    def get_lecture_count(self, obj: Teacher) -> int:
        return int(self._stats(obj)["lecture_count"])

    @extend_schema_field(HoursSerializer(many=True))
    def get_hours_per_year(self, obj: Teacher) -> list[dict[str, Any]]:
        return HoursSerializer(self._stats(obj)["hours_per_year"], many=True).data  # type: ignore[return-value]

    @extend_schema_field(EvaluationSummarySerializer)
    def get_evaluations(self, obj: Teacher) -> dict[str, Any]:
        return EvaluationSummarySerializer(self._stats(obj)["evaluations"]).data  # type: ignore[return-value]

    @extend_schema_field(LectureRefSerializer(many=True))
    def get_recent_lectures(self, obj: Teacher) -> list[dict[str, Any]]:
        return LectureRefSerializer(selectors.teacher_lectures(obj)[:20], many=True).data  # type: ignore[return-value]


class TeacherSearchParams(serializers.Serializer):
    """Query parameters of the pool search; all optional."""

    q = serializers.CharField(required=False, allow_blank=True, max_length=50, help_text="姓名或师资编号")
    field = serializers.PrimaryKeyRelatedField(
        queryset=ResearchOffice.objects.all(), required=False, allow_null=True,
        help_text="专长领域（教研室ID）", error_messages={"does_not_exist": forms.ERR_FIELD,
                                                          "incorrect_type": forms.ERR_FIELD},
    )  # fmt: skip
    unit = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text="单位名称（含外聘单位）片段"
    )
    min_rating = serializers.FloatField(
        required=False, min_value=selectors.RATING_MIN, max_value=selectors.RATING_MAX,
        help_text="评教教师评分均值下限（1–5）",
        error_messages={"invalid": forms.ERR_RATING, "min_value": forms.ERR_RATING, "max_value": forms.ERR_RATING},
    )  # fmt: skip
    free_from = serializers.DateTimeField(
        required=False, help_text="空闲时段开始（ISO 8601），须与 free_to 同时给出",
        error_messages={"invalid": forms.ERR_DATETIME},
    )  # fmt: skip
    free_to = serializers.DateTimeField(
        required=False, help_text="空闲时段结束：该时段内没有课次的教师", error_messages={"invalid": forms.ERR_DATETIME}
    )
    status = serializers.CharField(
        required=False, allow_blank=True, default=TeacherStatus.ACTIVE,
        help_text="active（在库，默认）、suspended（暂停）、removed（已出库），留空为全部",
    )  # fmt: skip

    def validate_status(self, value: str) -> str:
        if value and value not in TeacherStatus.values:
            raise serializers.ValidationError(ERR_STATUS)
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors = selectors.free_window_errors(attrs.get("free_from"), attrs.get("free_to"))
        if errors:
            raise serializers.ValidationError({k: [v] for k, v in errors.items()})
        return attrs


class ApplicationSerializer(serializers.ModelSerializer):
    cadre_name = serializers.CharField(source="cadre.name", read_only=True)
    unit_name = serializers.CharField(source="cadre.unit.name", read_only=True)

    class Meta:
        model = TeacherApplication
        fields = ["id", "round", "cadre", "cadre_name", "unit_name", "channel", "fields", "status", "updated_at"]


class SeesPool(permissions.BasePermission):
    """The pool is read by the province-wide roles and the offices' people; a teacher uses the profile page."""

    message = "只有组织部等全省管理角色和教研室人员可以查询师资库"

    def has_permission(self, request: object, view: object) -> bool:
        return selectors.sees_pool(request.user)  # type: ignore[attr-defined]


ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="查询参数有误：fields 列出每个参数的中文说明"),
    403: OpenApiResponse(ErrorSerializer, description="未登录或无权查询师资库"),
}


@extend_schema_view(
    list=extend_schema(
        summary="师资查询",
        description="按专长领域、单位、评教评分和空闲时段查询师资库；每页50条（page、page_size）。",
        parameters=[TeacherSearchParams],
        responses={200: TeacherSerializer(many=True), **ERRORS},
    ),
    retrieve=extend_schema(
        summary="教师档案",
        description="讲授课次与学时（来自培训班课次）、评教均分、年度考核。",
        responses={200: TeacherDetailSerializer, 404: OpenApiResponse(ErrorSerializer, description="不存在或不可见"),
                   403: ERRORS[403]},
    ),
)  # fmt: skip
class TeacherViewSet(viewsets.ReadOnlyModelViewSet):
    """The teacher pool, for the roles that may see it."""

    permission_classes = [permissions.IsAuthenticated, SeesPool]

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return TeacherDetailSerializer if self.action == "retrieve" else TeacherSerializer

    def get_queryset(self) -> QuerySet[Teacher]:
        actor = self.request.user
        if self.action != "list":
            return selectors.teachers_visible(actor=actor).prefetch_related("reviews")  # type: ignore[arg-type]
        params = TeacherSearchParams(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        p = params.validated_data
        field = p.get("field")
        return selectors.teacher_search(
            actor=actor,  # type: ignore[arg-type]
            field=field.pk if field else None, unit=p.get("unit", ""), min_rating=p.get("min_rating"),
            free_from=p.get("free_from"), free_to=p.get("free_to"), status=p.get("status", TeacherStatus.ACTIVE),
            query=p.get("q", ""),
        )  # fmt: skip


class ApplicationViewSet(viewsets.ReadOnlyModelViewSet):
    """Teacher applications the caller may see."""

    serializer_class = ApplicationSerializer

    def get_queryset(self) -> QuerySet[TeacherApplication]:
        return selectors.applications_visible(actor=self.request.user).order_by("-id")  # type: ignore[arg-type]


ROUTES: list = [
    ("teachers/pool", TeacherViewSet, "teacher"),
    ("teachers/applications", ApplicationViewSet, "teacher-application"),
]
