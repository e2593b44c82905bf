"""API routes of this app: (prefix, viewset, basename), registered by config.api_urls."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import permissions, serializers, viewsets

from peixun.teachers import selectors
from peixun.teachers.models import Teacher, TeacherApplication


class TeacherSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    organisation = serializers.CharField(read_only=True)
    is_external = serializers.BooleanField(read_only=True)
    rating = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = Teacher
        fields = ["id", "number", "name", "organisation", "is_external", "title", "fields", "status", "rating"]


class ApplicationSerializer(serializers.ModelSerializer):
    cadre_name = serializers.CharField(source="cadre.name", read_only=True)
    unit_name = serializers.CharField(source="cadre.unit.name", read_only=True)

    class Meta:
        model = TeacherApplication
        fields = ["id", "round", "cadre", "cadre_name", "unit_name", "channel", "fields", "status", "updated_at"]


class SeesPool(permissions.BasePermission):
    """The pool is read by the province-wide roles and the offices' people; a teacher uses the profile page."""

    def has_permission(self, request: object, view: object) -> bool:
        return selectors.sees_pool(request.user)  # type: ignore[attr-defined]


@extend_schema_view(
    list=extend_schema(parameters=[
        OpenApiParameter("field", int, description="专长领域（教研室ID）"), OpenApiParameter("unit", str),
        OpenApiParameter("min_rating", float), OpenApiParameter("q", str),
    ])
)  # fmt: skip
class TeacherViewSet(viewsets.ReadOnlyModelViewSet):
    """The teacher pool, for the roles that may see it."""

    serializer_class = TeacherSerializer
    permission_classes = [permissions.IsAuthenticated, SeesPool]

    def get_queryset(self) -> QuerySet[Teacher]:
        p = self.request.query_params
        field, rating = p.get("field", ""), p.get("min_rating", "")
        try:
            min_rating = float(rating) if rating else None
        except ValueError:
            min_rating = None
        return selectors.teacher_search(
            actor=self.request.user,  # type: ignore[arg-type]
            field=int(field) if field.isdigit() else None, unit=p.get("unit", ""), min_rating=min_rating,
            status=p.get("status", ""), query=p.get("q", ""),
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
