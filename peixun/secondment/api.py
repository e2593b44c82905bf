"""API routes of this app: (prefix, viewset, basename), registered by config.api_urls. All read-only and
scoped by the selectors; writes go through the pages (and so through the services)."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from peixun.secondment import selectors
from peixun.secondment.models import Assessment, Post, Secondment, SecondmentBatch


class PostSerializer(serializers.ModelSerializer):
    receiving_unit_name = serializers.CharField(source="receiving_unit.name", read_only=True)

    class Meta:
        model = Post
        fields = [
            "id",
            "receiving_unit",
            "receiving_unit_name",
            "title",
            "capacity",
            "required_skills",
            "preferred_skills",
            "description",
        ]


class BatchSerializer(serializers.ModelSerializer):
    posts = PostSerializer(many=True, read_only=True)

    class Meta:
        model = SecondmentBatch
        fields = [
            "id",
            "year",
            "title",
            "notice",
            "status",
            "apply_deadline",
            "start_date",
            "end_date",
            "reference_date",
            "max_age",
            "min_service_years",
            "matrix",
            "posts",
        ]


class SecondmentSerializer(serializers.ModelSerializer):
    cadre_name = serializers.CharField(source="cadre.name", read_only=True)
    sending_unit_name = serializers.CharField(source="sending_unit.name", read_only=True)
    receiving_unit_name = serializers.CharField(source="receiving_unit.name", read_only=True, default="")
    post_title = serializers.CharField(source="post.title", read_only=True, default="")

    class Meta:
        model = Secondment
        fields = [
            "id",
            "batch",
            "cadre",
            "cadre_name",
            "sending_unit",
            "sending_unit_name",
            "channel",
            "stage",
            "eligible",
            "eligibility_reasons",
            "post",
            "post_title",
            "receiving_unit",
            "receiving_unit_name",
            "pinned",
            "placement_note",
            "started_at",
            "final_rating",
            "returned_at",
        ]


class AssessmentSerializer(serializers.ModelSerializer):
    cadre_name = serializers.CharField(source="secondment.cadre.name", read_only=True)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "secondment",
            "cadre_name",
            "period_kind",
            "period",
            "rating",
            "comment",
            "days_present",
            "days_absent",
            "recorded_at",
        ]


class BatchViewSet(viewsets.ReadOnlyModelViewSet):
    """Secondment batches (选派批次) with their posts; drafts only for the organisation department."""

    serializer_class = BatchSerializer

    def get_queryset(self) -> QuerySet[SecondmentBatch]:
        return selectors.batches_visible(actor=self.request.user).prefetch_related(  # type: ignore[arg-type]
            "posts__receiving_unit"
        )


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("batch", int), OpenApiParameter("stage", str), OpenApiParameter("channel", str)]
    )
)
class SecondmentViewSet(viewsets.ReadOnlyModelViewSet):
    """Candidates and placements, in the caller's scope (sending side, receiving side, own)."""

    serializer_class = SecondmentSerializer

    def get_queryset(self) -> QuerySet[Secondment]:
        p = self.request.query_params
        batch = None
        if p.get("batch", "").isdigit():
            batch = selectors.batch_get(actor=self.request.user, pk=int(p["batch"]))  # type: ignore[arg-type]
        return selectors.secondment_list(
            actor=self.request.user,
            batch=batch,  # type: ignore[arg-type]
            stage=p.get("stage", ""),
            channel=p.get("channel", ""),
        )


@extend_schema_view(list=extend_schema(parameters=[OpenApiParameter("secondment", int)]))
class AssessmentViewSet(viewsets.ReadOnlyModelViewSet):
    """Routine assessments (平时考核), readable by both units and the secondee."""

    serializer_class = AssessmentSerializer

    def get_queryset(self) -> QuerySet[Assessment]:
        qs = selectors.assessments_visible(actor=self.request.user)  # type: ignore[arg-type]
        sid = self.request.query_params.get("secondment", "")
        return qs.filter(secondment_id=int(sid)) if sid.isdigit() else qs


ROUTES = [
    ("secondment-batches", BatchViewSet, "secondment-batch"),
    ("secondments", SecondmentViewSet, "secondment"),
    ("secondment-assessments", AssessmentViewSet, "secondment-assessment"),
]
