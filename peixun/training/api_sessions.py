"""The JSON API of running classes: allocation, venues, attendance, evaluations, certificates, training
record and coverage, notifications. Registered through `api.ROUTES`.

Each endpoint does what its page does, with the same selectors, checks and services: the pages' URL
(`training:...`) is named in each docstring. Most are extra actions on the prefixes of api.py's read-only
viewsets (e.g. /api/training/classes/<id>/allocation/); those viewsets stay as they are. Service errors
take the platform's shape through `peixun.core.api.exception_handler`: a ValidationError is a 400
{"error": {"code": "invalid", "message", "fields": {field: [message]}}}, a PermissionDenied a 403, a
scope miss a 404; a refused or invalid request changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from peixun.accounts.models import User
from peixun.accounts.roles import Role
from peixun.training import api_sessions_serializers as s
from peixun.training import selectors
from peixun.training.coverage import coverage, training_record, venue_attendance
from peixun.training.models import (
    Certificate,
    CheckIn,
    CheckInStatus,
    Enrolment,
    EnrolmentStatus,
    Lecture,
    Notification,
    TrainingClass,
    Venue,
    VenueHeadcount,
)
from peixun.training.notifications import notification_mark_read
from peixun.training.pdfs import certificate_pdf
from peixun.training.permissions import ERR_NOT_ALLOWED, may_manage_class, may_manage_training, may_see_coverage
from peixun.training.selectors_sessions import allocation_rosters, certificates_mine
from peixun.training.services_allocation import allocation_run, placement_set
from peixun.training.services_checkin import attendance_mark, headcount_record
from peixun.training.services_edit import may_edit_venue, venue_update
from peixun.training.services_results import (
    certificate_issue,
    certificates_issue_all,
    evaluation_submit,
    evaluation_summary,
)
from peixun.training.views_docs import pdf_response

PDF = "application/pdf"
E400 = OpenApiResponse(s.ERROR, description="输入有误：fields 列出每个字段的中文说明；什么也没有改变")
E403 = OpenApiResponse(s.ERROR, description="无权执行")
E404 = OpenApiResponse(s.ERROR, description="不存在，或不在调用者的范围内")


def _actor(request: Request) -> User:
    return request.user  # type: ignore[return-value]


def _require(condition: bool) -> None:
    if not condition:
        raise PermissionDenied(ERR_NOT_ALLOWED)


def _valid(serializer_class: type[serializers.Serializer], data: Any, *, partial: bool = False) -> dict[str, Any]:
    body = serializer_class(data=data, partial=partial)
    body.is_valid(raise_exception=True)
    return dict(body.validated_data)


def _year(params: dict[str, Any]) -> int:
    return params.get("year") or timezone.localdate().year


# --- Classes: allocation, certificates, the class's evaluations ------------------------------------------


class ClassRunViewSet(viewsets.GenericViewSet):
    """Running a class: its allocation, certificates for all, the class's evaluation summary."""

    queryset = TrainingClass.objects.none()  # every action reads through the scoped selectors
    serializer_class = s.AllocationSerializer
    lookup_value_regex = r"\d+"

    @extend_schema(
        summary="分会场分配名单",
        description="每个分会场的学员名单，调剂到本单位分会场以外的学员附分配说明；在工位收看和未能安排的学员。"
        "范围同分配图（training:allocation_map）：组织部、培训班所属教研室主任、单位管理员和分会场管理员，"
        "各自只见范围内的学员；范围外会场不给总人数。",
        parameters=[s.AllocationQuerySerializer],
        responses={200: s.AllocationSerializer, 400: E400, 403: E403, 404: E404},
    )
    @action(detail=True, methods=["get"])
    def allocation(self, request: Request, pk: str) -> Response:
        actor = _actor(request)
        cls = selectors.class_get(actor=actor, pk=int(pk))
        _require(may_manage_class(actor, cls) or actor.has_role(Role.UNIT_ADMIN) or actor.has_role(Role.VENUE_OPERATOR))
        query = _valid(s.AllocationQuerySerializer, request.query_params)
        rosters = allocation_rosters(actor=actor, training_class=cls, venue_id=query.get("venue"))
        summary = cls.allocation_summary if may_manage_training(actor) and cls.allocation_summary else None
        body = {
            "training_class": cls.pk,
            "allocated_at": cls.allocated_at,
            "summary": summary,
            "venues": rosters.venues,
            "at_desk": rosters.at_desk,
            "unseated": rosters.unseated,
            "pending": rosters.pending,
        }
        return Response(s.AllocationSerializer(body).data)

    @extend_schema(
        summary="运行分会场分配",
        description="按就近原则为全部已报名学员安排分会场（人工固定的保持不变）：返回各分会场人数和未能安排的"
        "学员及原因。仅组织部（同 training:allocate）。",
        request=None,
        responses={200: s.AllocationRunSerializer, 403: E403, 404: E404},
    )
    @action(detail=True, methods=["post"], url_path="allocation/run", url_name="allocation-run")
    def allocation_run(self, request: Request, pk: str) -> Response:
        actor = _actor(request)
        cls = selectors.class_get(actor=actor, pk=int(pk))
        summary = allocation_run(actor=actor, training_class=cls)
        counts = {int(k): v for k, v in summary["occupancy"].items()}
        venues = Venue.objects.filter(pk__in=list(counts)).select_related("unit").order_by("unit__path", "id")
        occupancy = [
            {
                "venue": v.pk,
                "name": v.name,
                "unit_name": v.unit.name,
                "n": counts[v.pk],
                "capacity": v.capacity,
                "pct": round(100 * counts[v.pk] / v.capacity) if v.capacity else 0,
            }
            for v in venues
        ]
        unseated = (
            selectors.enrolments_visible(actor=actor)
            .filter(training_class=cls, status=EnrolmentStatus.ENROLLED, unseated=True)
            .order_by("cadre__unit__path", "cadre__employee_number")
        )
        body = {**summary, "training_class": cls.pk, "occupancy": occupancy, "unseated_trainees": unseated}
        return Response(s.AllocationRunSerializer(body).data)

    @extend_schema(
        summary="为全班颁发结业证书",
        description="为出勤达到结业要求且尚无证书的全部学员颁发证书（同 training:certificates_issue）。",
        request=None,
        responses={200: s.CertificatesIssuedSerializer, 400: E400, 403: E403, 404: E404},
    )
    @action(detail=True, methods=["post"])
    def certificates(self, request: Request, pk: str) -> Response:
        actor = _actor(request)
        cls = selectors.class_get(actor=actor, pk=int(pk))
        issued = certificates_issue_all(actor=actor, training_class=cls)
        for certificate in issued:
            certificate.enrolment.training_class = cls
        return Response(s.CertificatesIssuedSerializer({"issued": len(issued), "certificates": issued}).data)

    @extend_schema(
        summary="培训班评估汇总",
        description="对整个培训班的评价：均分和匿名意见，从不含姓名。组织部和培训班所属教研室的人员。",
        responses={200: s.EVALUATION_SUMMARY, 403: E403, 404: E404},
    )
    @action(detail=True, methods=["get"], url_path="evaluation-summary", url_name="evaluation-summary")
    def evaluation_summary(self, request: Request, pk: str) -> Response:
        actor = _actor(request)
        cls = selectors.class_get(actor=actor, pk=int(pk))
        summary = evaluation_summary(actor=actor, training_class=cls)
        return Response(summary)


# --- Enrolments: a hand move, one certificate ------------------------------------------------------------


class EnrolmentRunViewSet(viewsets.GenericViewSet):
    """A trainee's placement by hand and their certificate."""

    queryset = Enrolment.objects.none()
    serializer_class = s.TraineePlacementSerializer
    lookup_value_regex = r"\d+"

    @extend_schema(
        summary="人工调整分会场",
        description="把学员固定到某分会场或其工位（重新分配时保持不变）；pinned=false 取消固定。"
        "仅组织部（同 training:place）。",
        request=s.PlacementInputSerializer,
        responses={200: s.TraineePlacementSerializer, 400: E400, 403: E403, 404: E404},
    )
    @action(detail=True, methods=["post"])
    def placement(self, request: Request, pk: str) -> Response:
        actor = _actor(request)
        enrolment = selectors.enrolment_get(actor=actor, pk=int(pk))
        _require(may_manage_training(actor))
        data = _valid(s.PlacementInputSerializer, request.data)
        enrolment = placement_set(
            actor=actor,
            enrolment=enrolment,
            venue=data.get("venue"),
            at_desk=data["at_desk"],
            pinned=data["pinned"],
        )
        return Response(s.TraineePlacementSerializer(enrolment).data)

    @extend_schema(
        summary="颁发结业证书",
        description="为一名出勤达到结业要求的学员颁发证书：组织部或培训班所属教研室主任。",
        request=None,
        responses={201: s.CertificateSerializer, 400: E400, 403: E403, 404: E404},
    )
    @action(detail=True, methods=["post"])
    def certificate(self, request: Request, pk: str) -> Response:
        actor = _actor(request)
        enrolment = selectors.enrolment_get(actor=actor, pk=int(pk))
        issued = certificate_issue(actor=actor, enrolment=enrolment)
        return Response(s.CertificateSerializer(issued).data, status=status.HTTP_201_CREATED)


# --- Lectures: attendance, headcount, evaluations ---------------------------------------------------------


def _attendance_body(lecture: Lecture, venue: Venue) -> dict[str, Any]:
    enrolments = (
        lecture.training_class.enrolments.filter(status=EnrolmentStatus.ENROLLED, venue=venue)
        .select_related("cadre__unit")
        .order_by("cadre__employee_number")
    )
    current = {c.enrolment_id: c.status for c in CheckIn.objects.filter(lecture=lecture, venue=venue)}
    headcount = VenueHeadcount.objects.filter(lecture=lecture, venue=venue).values_list("headcount", flat=True)
    return {
        "lecture": lecture.pk,
        "venue": venue.pk,
        "statuses": list(CheckInStatus.values),
        "headcount": headcount.first(),
        "rows": [{"e": e, "status": current.get(e.pk, "")} for e in enrolments],
    }


class LectureRunViewSet(viewsets.GenericViewSet):
    """The venue operator's attendance and headcount, and the trainees' evaluations of a lecture."""

    queryset = Lecture.objects.none()
    serializer_class = s.AttendanceSerializer
    lookup_value_regex = r"\d+"

    @extend_schema(
        methods=["GET"],
        summary="分会场出勤名单",
        description="安排在该分会场的学员及已记录的出勤状态。组织部或该分会场的管理员（同 training:attendance）。",
        parameters=[s.VenueQuerySerializer],
        responses={200: s.AttendanceSerializer, 400: E400, 403: E403, 404: E404},
    )
    @extend_schema(
        methods=["POST"],
        summary="记录出勤",
        description="分会场管理员记录学员出勤（present、late、absent、excused）：全部保存或全部不保存；"
        "只能记录安排在本分会场的学员。",
        request=s.AttendanceInputSerializer,
        responses={200: s.AttendanceSerializer, 400: E400, 403: E403, 404: E404},
    )
    @action(detail=True, methods=["get", "post"])
    def attendance(self, request: Request, pk: str) -> Response:
        lecture = selectors.lecture_get(actor=_actor(request), pk=int(pk))
        if request.method == "GET":
            query = _valid(s.VenueQuerySerializer, request.query_params)
            venue = selectors.operated_venue_get(actor=_actor(request), pk=query["venue"])
        else:
            data = _valid(s.AttendanceInputSerializer, request.data)
            venue = selectors.operated_venue_get(actor=_actor(request), pk=data["venue"])
            marks = {m["enrolment"]: m["status"] for m in data["marks"]}
            attendance_mark(actor=_actor(request), lecture=lecture, venue=venue, marks=marks)
        return Response(s.AttendanceSerializer(_attendance_body(lecture, venue)).data)

    @extend_schema(
        summary="记录实到人数",
        description="分会场管理员记录本课次的实到人数（不超过座位数）。",
        request=s.HeadcountInputSerializer,
        responses={200: s.HeadcountSerializer, 400: E400, 403: E403, 404: E404},
    )
    @action(detail=True, methods=["post"])
    def headcount(self, request: Request, pk: str) -> Response:
        lecture = selectors.lecture_get(actor=_actor(request), pk=int(pk))
        data = _valid(s.HeadcountInputSerializer, request.data)
        venue = selectors.operated_venue_get(actor=_actor(request), pk=data["venue"])
        row = headcount_record(actor=_actor(request), lecture=lecture, venue=venue, headcount=data["headcount"])
        return Response(s.HeadcountSerializer(row).data)

    @extend_schema(
        summary="提交评价",
        description="出勤的学员评价本课次及其教师（scope=lecture：lecture_score、teacher_score）或整个培训班"
        "（scope=class：class_score），每项一次（同 training:evaluate）。",
        request=s.EvaluationInputSerializer,
        responses={201: s.EvaluationSubmittedSerializer, 400: E400, 403: E403, 404: E404},
    )
    @action(detail=True, methods=["post"])
    def evaluation(self, request: Request, pk: str) -> Response:
        actor = _actor(request)
        lecture = selectors.lecture_get(actor=actor, pk=int(pk))
        data = _valid(s.EvaluationInputSerializer, request.data)
        evaluation = evaluation_submit(
            actor=actor,
            training_class=lecture.training_class,
            lecture=None if data["scope"] == "class" else lecture,
            lecture_score=data.get("lecture_score"),
            teacher_score=data.get("teacher_score"),
            class_score=data.get("class_score"),
            comment=data["comment"],
        )
        return Response(s.EvaluationSubmittedSerializer(evaluation).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="课次评价汇总",
        description="本课次的均分和匿名意见，从不含姓名：授课教师、培训班所属教研室的人员和组织部。",
        responses={200: s.EVALUATION_SUMMARY, 403: E403, 404: E404},
    )
    @action(detail=True, methods=["get"], url_path="evaluation-summary", url_name="evaluation-summary")
    def evaluation_summary(self, request: Request, pk: str) -> Response:
        actor = _actor(request)
        lecture = selectors.lecture_get(actor=actor, pk=int(pk))
        summary = evaluation_summary(actor=actor, training_class=lecture.training_class, lecture=lecture)
        return Response(summary)


# --- Venues ----------------------------------------------------------------------------------------------


class VenueRunViewSet(viewsets.GenericViewSet):
    """A venue's settings: seats, allowed occupancy, state; its operators are listed."""

    queryset = Venue.objects.none()
    serializer_class = s.VenueSettingsSerializer
    lookup_value_regex = r"\d+"

    @extend_schema(
        methods=["GET"],
        summary="分会场设置",
        description="组织部，或分会场所属单位（及上级单位）的管理员（同 training:venue_edit）。",
        responses={200: s.VenueSettingsSerializer, 403: E403, 404: E404},
    )
    @extend_schema(
        methods=["PATCH"],
        summary="修改分会场",
        description="只修改给出的字段。单位管理员可改名称、座位数、允许上座率、地址和启用状态；主会场标记、"
        "经纬度和所属单位的内网接入情况只能由组织部修改。",
        request=s.VenueUpdateSerializer,
        responses={200: s.VenueSettingsSerializer, 400: E400, 403: E403, 404: E404},
    )
    # Not named `settings`: that is APIView's own attribute (api_settings).
    @action(detail=True, methods=["get", "patch"], url_path="settings", url_name="settings")
    def venue_settings(self, request: Request, pk: str) -> Response:
        actor = _actor(request)
        venue = selectors.venue_get(actor=actor, pk=int(pk))
        _require(may_edit_venue(actor, venue))
        if request.method == "PATCH":
            # Partial: a form-encoded body without a checkbox would otherwise read as false (deactivate).
            data = _valid(s.VenueUpdateSerializer, request.data, partial=True)
            org_fields = {}
            if "has_intranet" in data:
                org_fields = {"has_intranet": data["has_intranet"], "host_unit": data.get("host_unit")}
            venue = venue_update(
                actor=actor,
                venue=venue,
                name=data.get("name", venue.name),
                seats=data.get("seats", venue.seats),
                allowed_occupancy=data.get("allowed_occupancy", venue.allowed_occupancy),
                address=data.get("address", venue.address),
                is_active=data.get("is_active", venue.is_active),
                latitude=data.get("latitude"),
                longitude=data.get("longitude"),
                is_main=data.get("is_main"),
                **org_fields,
            )
            venue.unit.refresh_from_db()
        context = {"operators": list(selectors.venue_operators(venue=venue))}
        return Response(s.VenueSettingsSerializer(venue, context=context).data)


# --- Certificates ----------------------------------------------------------------------------------------


class CertificateViewSet(viewsets.GenericViewSet):
    """The caller's own certificates, and a certificate's PDF."""

    serializer_class = s.CertificateSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[Certificate]:
        return certificates_mine(actor=_actor(self.request))

    @extend_schema(summary="我的结业证书", responses={200: s.CertificateSerializer(many=True)})
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(s.CertificateSerializer(page, many=True).data)

    @extend_schema(
        summary="下载结业证书PDF",
        description="本人的证书，或管理员范围内干部的证书（同 training:certificate_pdf）；其他为404。",
        responses={(200, PDF): OpenApiTypes.BINARY, 404: E404},
    )
    @action(detail=True, methods=["get"])
    def pdf(self, request: Request, pk: str) -> HttpResponse:
        certificate = selectors.certificate_get(actor=_actor(request), pk=int(pk))
        url = request.build_absolute_uri(reverse("training:verify", args=[certificate.token]))
        content = certificate_pdf(certificate=certificate, verify_url=url)
        return pdf_response(content, f"certificate-{certificate.number}.pdf")


# --- Training record, coverage, attendance per venue -----------------------------------------------------


class FiguresViewSet(viewsets.GenericViewSet):
    """干部培训档案 and 全员培训: the same figures as the record and coverage pages."""

    queryset = Venue.objects.none()
    serializer_class = s.CoverageSerializer

    @extend_schema(
        summary="干部培训档案",
        description="本人的档案，或（管理员）范围内干部的档案（cadre=），按年度（同 training:record）。",
        parameters=[s.RecordQuerySerializer],
        responses={200: s.RecordSerializer, 400: E400, 404: E404},
    )
    @action(detail=False, methods=["get"])
    def record(self, request: Request) -> Response:
        actor = _actor(request)
        query = _valid(s.RecordQuerySerializer, request.query_params)
        cadre_id = query.get("cadre") or actor.cadre_id
        if cadre_id is None:
            raise Http404
        record = training_record(actor=actor, cadre_id=cadre_id, year=_year(query))
        for entry in record["classes"]:
            if entry["certificate"] is not None:
                entry["certificate"] = {"id": entry["certificate"].pk, "number": entry["certificate"].number}
        return Response(s.RecordSerializer(record).data)

    @extend_schema(
        summary="全员培训覆盖率",
        description="单位（默认调用者管理的单位）及其下级单位的参训率和学时达标率、未参训人员、月度趋势"
        "（同 training:coverage）。组织部等全省管理角色和单位管理员，只限范围内的单位。",
        parameters=[s.CoverageQuerySerializer],
        responses={200: s.CoverageSerializer, 400: E400, 403: E403, 404: E404},
    )
    @action(detail=False, methods=["get"])
    def coverage(self, request: Request) -> Response:
        actor = _actor(request)
        _require(may_see_coverage(actor))
        query = _valid(s.CoverageQuerySerializer, request.query_params)
        unit_id = selectors.coverage_unit_id(actor=actor, unit_id=query.get("unit"))
        result = coverage(actor=actor, unit_id=unit_id, year=_year(query))
        body = {
            "year": _year(query),
            "root": result.root,
            "children": result.children,
            "untrained": result.untrained,
            "months": result.months,
        }
        return Response(s.CoverageSerializer(body).data)

    @extend_schema(
        summary="各分会场出勤情况",
        description="调用者范围内启用的分会场本年度的出勤、缺勤、请假人次和出勤率（有记录的会场）。",
        parameters=[s.YearQuerySerializer],
        responses={200: s.VenueAttendanceSerializer(many=True), 400: E400, 403: E403},
    )
    @action(detail=False, methods=["get"], url_path="venue-attendance", url_name="venue-attendance")
    def venue_attendance(self, request: Request) -> Response:
        actor = _actor(request)
        _require(may_see_coverage(actor))
        query = _valid(s.YearQuerySerializer, request.query_params)
        venues = list(selectors.venues_visible(actor=actor).filter(is_active=True).order_by("unit__path", "id"))
        rows = [
            r for r in venue_attendance(actor=actor, year=_year(query), venues=venues) if r["present"] or r["absent"]
        ]
        return Response(s.VenueAttendanceSerializer(rows, many=True).data)


# --- Notifications ---------------------------------------------------------------------------------------


class NotificationViewSet(viewsets.GenericViewSet):
    """The caller's own notifications."""

    serializer_class = s.NotificationSerializer

    def get_queryset(self) -> QuerySet[Notification]:
        query = _valid(s.NotificationQuerySerializer, self.request.query_params)
        return selectors.notifications_for(actor=_actor(self.request), unread_only=query["unread"])

    @extend_schema(
        summary="我的通知",
        parameters=[s.NotificationQuerySerializer],
        responses={200: s.NotificationSerializer(many=True), 400: E400},
    )
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(s.NotificationSerializer(page, many=True).data)

    @extend_schema(
        summary="标为已读",
        description="把给出的通知（ids）或全部通知标为已读；只涉及本人的通知。",
        request=s.MarkReadInputSerializer,
        responses={200: s.NotificationsMarkedSerializer, 400: E400},
    )
    @action(detail=False, methods=["post"])
    def read(self, request: Request) -> Response:
        data = _valid(s.MarkReadInputSerializer, request.data)
        marked = notification_mark_read(actor=_actor(request), ids=data["ids"])
        return Response(s.NotificationsMarkedSerializer({"marked": marked}).data)


ROUTES: list = [
    ("training/classes", ClassRunViewSet, "training-class-run"),
    ("training/enrolments", EnrolmentRunViewSet, "training-enrolment-run"),
    ("training/lectures", LectureRunViewSet, "training-lecture-run"),
    ("training/venues", VenueRunViewSet, "training-venue-run"),
    ("training/certificates", CertificateViewSet, "training-certificate"),
    ("training/notifications", NotificationViewSet, "training-notification"),
    ("training", FiguresViewSet, "training-figures"),
]
