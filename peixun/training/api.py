"""API routes of this app: (prefix, viewset, basename), registered by config.api_urls, all scoped like the
pages, and every write through the page's service.

Here: the read-only catalogue (classes, lectures, enrolments, venues) and the trainee's check-in, a POST on
/api/training/lectures/<id>/checkin/. ROUTES adds the running of classes from api_sessions (allocation,
attendance, evaluations, certificates, coverage, notifications; mostly extra actions on these prefixes) and
the administration writes from api_admin (plans and hours targets, classes and lectures under
training/manage/, quotas, enrolment, withdrawal, leave)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from peixun.training import api_admin, api_sessions, selectors
from peixun.training.models import Enrolment, Lecture, TrainingClass, Venue
from peixun.training.services_checkin import TOKEN_MAX_LENGTH, checkin_scan


class TrainingClassSerializer(serializers.ModelSerializer):
    office_name = serializers.CharField(source="office.name", read_only=True)
    year = serializers.IntegerField(source="plan.year", read_only=True)

    class Meta:
        model = TrainingClass
        fields = [
            "id",
            "title",
            "year",
            "office",
            "office_name",
            "kind",
            "mode",
            "start_date",
            "end_date",
            "study_hours",
            "hours_rule",
            "watch_percent_required",
            "status",
            "allow_self_enrolment",
            "allow_desk",
            "capacity",
        ]


class LectureSerializer(serializers.ModelSerializer):
    teacher_display = serializers.CharField(read_only=True)

    class Meta:
        model = Lecture
        fields = [
            "id",
            "training_class",
            "topic",
            "starts_at",
            "ends_at",
            "duration_minutes",
            "teacher",
            "teacher_display",
            "main_venue",
            "is_live",
            "study_hours",
        ]


class EnrolmentSerializer(serializers.ModelSerializer):
    cadre_name = serializers.CharField(source="cadre.name", read_only=True)
    employee_number = serializers.CharField(source="cadre.employee_number", read_only=True)
    unit_name = serializers.CharField(source="cadre.unit.name", read_only=True)

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "training_class",
            "cadre",
            "cadre_name",
            "employee_number",
            "unit_name",
            "status",
            "channel",
            "venue",
            "at_desk",
            "pinned",
            "placement_note",
            "unseated",
        ]


class VenueSerializer(serializers.ModelSerializer):
    capacity = serializers.IntegerField(read_only=True)

    class Meta:
        model = Venue
        fields = [
            "id",
            "name",
            "unit",
            "is_main",
            "seats",
            "allowed_occupancy",
            "capacity",
            "latitude",
            "longitude",
            "is_active",
        ]


class CheckInSerializer(serializers.Serializer):
    venue = serializers.IntegerField()
    token = serializers.CharField(max_length=TOKEN_MAX_LENGTH)


class TrainingClassViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TrainingClassSerializer

    def get_queryset(self) -> QuerySet[TrainingClass]:
        return selectors.classes_visible(actor=self.request.user).order_by("-start_date", "id")  # type: ignore[arg-type]


class LectureViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = LectureSerializer

    def get_queryset(self) -> QuerySet[Lecture]:
        return selectors.lectures_visible(actor=self.request.user).order_by("starts_at", "id")  # type: ignore[arg-type]

    @action(detail=True, methods=["post"], serializer_class=CheckInSerializer)
    def checkin(self, request: Request, pk: str | None = None) -> Response:
        """The trainee's check-in with the token from the venue's QR code. The burst path: the service
        scopes it by the trainee's enrolment (404 for a lecture the caller cannot see) in one lookup,
        instead of the scoped lecture queryset of get_object."""
        if not pk or not pk.isdigit():
            raise Http404
        body = CheckInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        checkin, message = checkin_scan(
            actor=request.user,  # type: ignore[arg-type]
            lecture=int(pk),
            venue=body.validated_data["venue"],
            token=body.validated_data["token"],
        )
        return Response({"status": checkin.status, "message": message}, status=status.HTTP_200_OK)


class EnrolmentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = EnrolmentSerializer

    def get_queryset(self) -> QuerySet[Enrolment]:
        qs = selectors.enrolments_visible(actor=self.request.user).order_by("id")  # type: ignore[arg-type]
        cls = self.request.query_params.get("training_class", "")
        return qs.filter(training_class_id=int(cls)) if cls.isdigit() else qs


class VenueViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = VenueSerializer

    def get_queryset(self) -> QuerySet[Venue]:
        return selectors.venues_visible(actor=self.request.user).order_by("unit__path", "id")  # type: ignore[arg-type]


ROUTES: list = [
    ("training/classes", TrainingClassViewSet, "training-class"),
    ("training/lectures", LectureViewSet, "training-lecture"),
    ("training/enrolments", EnrolmentViewSet, "training-enrolment"),
    ("training/venues", VenueViewSet, "training-venue"),
]
ROUTES += api_sessions.ROUTES
ROUTES += api_admin.ROUTES
