"""API routes of this app: (prefix, viewset, basename), registered by config.api_urls."""

from __future__ import annotations

from django.db.models import Count, QuerySet
from rest_framework import serializers, viewsets

from peixun.offices import selectors
from peixun.offices.models_prep import LessonPrep


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


ROUTES: list = [("offices/preps", LessonPrepViewSet, "lessonprep")]
