"""The write side of the training API: plans and per-cadre hours targets, classes (status, quotas, lectures),
enrolment (one cadre, or an Excel file: all rows or none), withdrawal, and leave requests.

Every write calls the service the page calls, with the same permission checks; objects come from the
scoped selectors, so another unit's object is a 404. Errors have the platform's shape (peixun.core.api):
a service's ValidationError is 400 {"error": {"code": "invalid", "message", "fields": {field: [message]}}}
and nothing is written; PermissionDenied is 403. Serializers: peixun.training.api_admin_serializers.

Class create/update and lecture update live under training/manage/: training/classes/ and
training/lectures/<id>/ are the read-only catalogue of peixun.training.api (one URL, one viewset). This
module must not import peixun.training.api, which imports it to register these ROUTES.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from peixun.core.api import exception_handler
from peixun.org.selectors import cadre_get, cadres_visible
from peixun.training import api_admin_serializers as s
from peixun.training import selectors
from peixun.training.constants import ERR_NOT_ENROLLED_IN
from peixun.training.models import (
    Enrolment,
    EnrolmentStatus,
    LeaveRequest,
    Lecture,
    StudyHoursTarget,
    TrainingClass,
    TrainingPlan,
)
from peixun.training.permissions import ERR_NOT_ALLOWED, may_decide_leave, may_manage_class, may_manage_training
from peixun.training.selectors_admin import leave_requests_for, quota_usage
from peixun.training.services import CLASS_FIELDS, class_save, class_transition, lecture_save, plan_save, quota_set
from peixun.training.services_edit import (
    hours_target_remove,
    hours_target_save,
    leave_request_review,
    leave_request_submit,
)
from peixun.training.services_enrolment import (
    ERR_ROW_CADRE,
    enrolment_create,
    enrolment_import,
    enrolment_withdraw,
)

ERR_NO_CADRE = ERR_ROW_CADRE

LECTURE_FIELDS = ("topic", "starts_at", "duration_minutes", "teacher", "teacher_name", "main_venue", "is_live",
                  "study_hours")  # fmt: skip


def _fake(view: Any) -> bool:
    """True while drf-spectacular builds the schema (no real caller)."""
    return bool(getattr(view, "swagger_fake_view", False))


def _body(serializer_class: type[serializers.Serializer], request: Request, *, partial: bool = False) -> dict:
    body = serializer_class(data=request.data, partial=partial)
    body.is_valid(raise_exception=True)
    return dict(body.validated_data)


class ManagesTraining(permissions.BasePermission):
    """Plans and hours targets: the organisation department, as on the pages."""

    message = ERR_NOT_ALLOWED

    def has_permission(self, request: Any, view: Any) -> bool:
        return may_manage_training(request.user)


class ManagesClasses(permissions.BasePermission):
    """Creating a class is the organisation department's (as on the page); listing, for it and the office
    directors; the rest, for whoever may manage that class (a class the caller cannot see is a 404 first)."""

    message = ERR_NOT_ALLOWED

    def has_permission(self, request: Any, view: Any) -> bool:
        actor = request.user
        if view.action == "create":
            return may_manage_training(actor)
        if view.action == "list":
            return may_manage_training(actor) or bool(actor.grants.director_office_ids)
        return True

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        cls = obj.training_class if isinstance(obj, Lecture) else obj
        return may_manage_class(request.user, cls)


# --- Plans and hours targets -----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="年度培训计划列表", responses={200: s.PlanSerializer(many=True), 403: s.E403}),
    retrieve=extend_schema(summary="年度培训计划", responses={200: s.PlanSerializer, 403: s.E403, 404: s.E404}),
)
class PlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Annual plans (年度培训计划) and the cadres' own yearly study-hours targets; organisation department."""

    serializer_class = s.PlanSerializer
    permission_classes = [permissions.IsAuthenticated, ManagesTraining]

    def get_queryset(self) -> QuerySet[TrainingPlan]:
        if _fake(self):
            return TrainingPlan.objects.none()
        return selectors.plans_visible(actor=self.request.user).order_by("-year")  # type: ignore[arg-type]

    @extend_schema(
        summary="新建年度培训计划",
        request=s.PlanInputSerializer,
        responses={201: s.PlanSerializer, 400: s.E400, 403: s.E403},
    )
    def create(self, request: Request) -> Response:
        data = _body(s.PlanInputSerializer, request)
        plan = plan_save(
            actor=request.user,  # type: ignore[arg-type]
            year=data.get("year"),  # type: ignore[arg-type]
            title=data.get("title", ""),
            **{k: data[k] for k in ("hours_target", "description") if k in data},
        )
        return Response(s.PlanSerializer(plan).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="修改年度培训计划",
        description="只修改提交的字段。",
        request=s.PlanInputSerializer,
        responses={200: s.PlanSerializer, 400: s.E400, 403: s.E403, 404: s.E404},
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        plan = self.get_object()
        current = {"year": plan.year, "title": plan.title, "hours_target": plan.hours_target,
                   "description": plan.description}  # fmt: skip
        data = current | _body(s.PlanInputSerializer, request, partial=True)
        plan = plan_save(actor=request.user, plan=plan, **data)  # type: ignore[arg-type]
        return Response(s.PlanSerializer(plan).data)

    @extend_schema(
        methods=["GET"],
        summary="个人学时目标列表",
        description="该计划年度设有本人学时目标的干部（其余干部适用计划的年度目标）。",
        parameters=[s.HoursTargetQuerySerializer],
        responses={200: s.HoursTargetSerializer(many=True), 403: s.E403, 404: s.E404},
    )
    @extend_schema(
        methods=["POST"],
        summary="设置个人学时目标",
        description="按工号设置该计划年度的本人学时目标（已有则修改）。",
        request=s.HoursTargetInputSerializer,
        responses={201: s.HoursTargetSerializer, 400: s.E400, 403: s.E403, 404: s.E404},
    )
    @action(detail=True, methods=["get", "post"], url_path="targets")
    def targets(self, request: Request, pk: str | None = None) -> Response:
        plan = self.get_object()
        actor = request.user
        if request.method == "GET":
            query = s.HoursTargetQuerySerializer(data=request.query_params)
            query.is_valid(raise_exception=True)
            qs = selectors.hours_targets_visible(actor=actor, year=plan.year, query=query.validated_data.get("q", ""))  # type: ignore[arg-type]
            page = self.paginate_queryset(qs)
            return self.get_paginated_response(s.HoursTargetSerializer(page, many=True).data)
        data = _body(s.HoursTargetInputSerializer, request)
        cadre = cadres_visible(actor=actor).filter(employee_number=data["employee_number"].strip()).first()  # type: ignore[arg-type]
        if cadre is None:
            raise serializers.ValidationError({"employee_number": [ERR_NO_CADRE]})
        target = hours_target_save(actor=actor, year=plan.year, cadre=cadre, hours=data["hours"])  # type: ignore[arg-type]
        return Response(s.HoursTargetSerializer(target).data, status=status.HTTP_201_CREATED)


class HoursTargetViewSet(viewsets.GenericViewSet):
    """Removing a cadre's own target: the plan's yearly target applies to them again."""

    serializer_class = s.HoursTargetSerializer
    permission_classes = [permissions.IsAuthenticated, ManagesTraining]
    queryset = StudyHoursTarget.objects.none()  # destroy reads through the scoped selector

    @extend_schema(summary="取消个人学时目标", responses={204: None, 403: s.E403, 404: s.E404})
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        target = selectors.hours_target_get(actor=request.user, pk=pk)  # type: ignore[arg-type]
        hours_target_remove(actor=request.user, target=target)  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Classes, quotas and lectures --------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="可管理的培训班",
        description="组织部：全部；教研室主任：本教研室承办的。",
        responses={200: s.ManagedClassSerializer(many=True), 403: s.E403},
    ),
    retrieve=extend_schema(
        summary="培训班（管理）", responses={200: s.ManagedClassSerializer, 403: s.E403, 404: s.E404}
    ),
)
class ManagedClassViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Classes for their organisers: create, change, move through the statuses, quotas, lectures."""

    serializer_class = s.ManagedClassSerializer
    permission_classes = [permissions.IsAuthenticated, ManagesClasses]

    def get_queryset(self) -> QuerySet[TrainingClass]:
        if _fake(self):
            return TrainingClass.objects.none()
        actor = self.request.user
        qs = selectors.classes_visible(actor=actor)  # type: ignore[arg-type]
        if self.action == "list" and not may_manage_training(actor):  # type: ignore[arg-type]
            qs = qs.filter(office_id__in=sorted(actor.grants.director_office_ids))  # type: ignore[union-attr]
        return qs.order_by("-start_date", "id")

    def _answer(self, cls: TrainingClass, code: int = status.HTTP_200_OK) -> Response:
        cls = TrainingClass.objects.select_related("plan", "office").get(pk=cls.pk)
        return Response(s.ManagedClassSerializer(cls).data, status=code)

    @extend_schema(
        summary="新建培训班",
        request=s.ManagedClassInputSerializer,
        responses={201: s.ManagedClassSerializer, 400: s.E400, 403: s.E403},
    )
    def create(self, request: Request) -> Response:
        data = _body(s.ManagedClassInputSerializer, request)
        plan, office = data.pop("plan"), data.pop("office")
        cls = class_save(actor=request.user, plan=plan, office=office, data=data)  # type: ignore[arg-type]
        return self._answer(cls, status.HTTP_201_CREATED)

    @extend_schema(
        summary="修改培训班",
        description="只修改提交的字段；已归档的培训班不能修改；只有组织部可以更换承办教研室。",
        request=s.ManagedClassInputSerializer,
        responses={200: s.ManagedClassSerializer, 400: s.E400, 403: s.E403, 404: s.E404},
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        cls = self.get_object()
        actor = request.user
        data = {name: getattr(cls, name) for name in CLASS_FIELDS} | _body(
            s.ManagedClassInputSerializer, request, partial=True
        )
        plan, office = data.pop("plan", cls.plan), data.pop("office", cls.office)
        class_save(actor=actor, plan=plan, office=office, data=data, training_class=cls)  # type: ignore[arg-type]
        return self._answer(cls)

    @extend_schema(
        summary="推进培训班状态",
        description="草稿→已发布→报名中→进行中→已结束→已归档，只能推进到下一状态。",
        request=s.ClassTransitionSerializer,
        responses={200: s.ManagedClassSerializer, 400: s.E400, 403: s.E403, 404: s.E404},
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        cls = self.get_object()
        data = _body(s.ClassTransitionSerializer, request)
        class_transition(actor=request.user, training_class=cls, to=data["to"])  # type: ignore[arg-type]
        return self._answer(cls)

    @extend_schema(
        methods=["GET"],
        summary="参训名额",
        responses={200: s.ClassQuotaSerializer(many=True), 403: s.E403, 404: s.E404},
    )
    @extend_schema(
        methods=["POST"],
        summary="设置参训名额",
        description="设置或修改一个单位的名额（不能少于已报名人数）；0为取消。",
        request=s.ClassQuotaInputSerializer,
        responses={200: s.ClassQuotaSerializer, 400: s.E400, 403: s.E403, 404: s.E404},
    )
    @action(detail=True, methods=["get", "post"])
    def quotas(self, request: Request, pk: str | None = None) -> Response:
        cls = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(quota_usage(training_class=cls))  # type: ignore[arg-type]
            return self.get_paginated_response(s.ClassQuotaSerializer(page, many=True).data)
        data = _body(s.ClassQuotaInputSerializer, request)
        unit = data["unit"]
        quota_set(actor=request.user, training_class=cls, unit=unit, seats=data["seats"])  # type: ignore[arg-type]
        row = next((r for r in quota_usage(training_class=cls) if r["unit"] == unit.pk), None)
        row = row or {"unit": unit.pk, "unit_name": unit.name, "seats": 0, "taken": 0, "left": 0}
        return Response(s.ClassQuotaSerializer(row).data)

    @extend_schema(
        summary="新增课次",
        description="教师或主会场在该时段已有课次时拒绝（teacher / main_venue 字段说明冲突的课次）。",
        request=s.ManagedLectureInputSerializer,
        responses={201: s.ManagedLectureSerializer, 400: s.E400, 403: s.E403, 404: s.E404},
    )
    @action(detail=True, methods=["post"])
    def lectures(self, request: Request, pk: str | None = None) -> Response:
        cls = self.get_object()
        data = _body(s.ManagedLectureInputSerializer, request)
        lecture = lecture_save(
            actor=request.user,  # type: ignore[arg-type]
            training_class=cls,
            topic=data.pop("topic", ""),
            starts_at=data.pop("starts_at", None),
            duration_minutes=data.pop("duration_minutes", None),
            **data,
        )
        return Response(s.ManagedLectureSerializer(lecture).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    retrieve=extend_schema(
        summary="课次（管理）", responses={200: s.ManagedLectureSerializer, 403: s.E403, 404: s.E404}
    )
)
class ManagedLectureViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Lectures for their class's organisers: change one (the clash checks run again)."""

    serializer_class = s.ManagedLectureSerializer
    permission_classes = [permissions.IsAuthenticated, ManagesClasses]

    def get_queryset(self) -> QuerySet[Lecture]:
        if _fake(self):
            return Lecture.objects.none()
        return selectors.lectures_visible(actor=self.request.user)  # type: ignore[arg-type]

    @extend_schema(
        summary="修改课次",
        description="只修改提交的字段；教师或主会场在该时段已有其他课次时拒绝。",
        request=s.ManagedLectureInputSerializer,
        responses={200: s.ManagedLectureSerializer, 400: s.E400, 403: s.E403, 404: s.E404},
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        lecture = self.get_object()
        data = {name: getattr(lecture, name) for name in LECTURE_FIELDS} | _body(
            s.ManagedLectureInputSerializer, request, partial=True
        )
        lecture_save(actor=request.user, training_class=lecture.training_class, lecture=lecture, **data)  # type: ignore[arg-type]
        return Response(s.ManagedLectureSerializer(lecture).data)


# --- Enrolment --------------------------------------------------------------------------------------------


class ClassRosterViewSet(viewsets.GenericViewSet):
    """Enrolment into a class the caller can see: one cadre, or an Excel file (all rows or none)."""

    serializer_class = s.EnrolInputSerializer

    def get_queryset(self) -> QuerySet[TrainingClass]:
        if _fake(self):
            return TrainingClass.objects.none()
        return selectors.classes_visible(actor=self.request.user)  # type: ignore[arg-type]

    @extend_schema(
        summary="报名",
        description="管理员按工号为本单位及下级单位的干部报名（组织部不限单位）；不填工号为本人报名。"
        "名额或计划人数已满时进入候补（status=waiting）。",
        request=s.EnrolInputSerializer,
        responses={201: s.RosterEnrolmentSerializer, 400: s.E400, 403: s.E403, 404: s.E404},
    )
    @action(detail=True, methods=["post"])
    def enrol(self, request: Request, pk: str | None = None) -> Response:
        cls = self.get_object()
        actor = request.user
        number = _body(s.EnrolInputSerializer, request).get("employee_number", "").strip()
        if number:
            # An unknown number and one outside the caller's scope look the same, as on the page.
            cadre = cadres_visible(actor=actor).filter(employee_number=number).first()  # type: ignore[arg-type]
            if cadre is None:
                raise NotFound(ERR_NO_CADRE)
        elif actor.cadre_id is None:  # type: ignore[union-attr]
            raise PermissionDenied(ERR_NOT_ALLOWED)
        else:
            cadre = cadre_get(actor=actor, pk=actor.cadre_id)  # type: ignore[arg-type, union-attr]
        enrolment = enrolment_create(actor=actor, training_class=cls, cadre=cadre)  # type: ignore[arg-type]
        return Response(s.RosterEnrolmentSerializer(enrolment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Excel批量报名",
        description="multipart/form-data，字段 file。任何一行有误则整份不导入：400 的 fields 含 row_<行号>，"
        "rows 逐行列出。",
        request={"multipart/form-data": s.EnrolmentImportSerializer},
        responses={200: s.EnrolmentImportedSerializer, 400: s.E400, 403: s.E403, 404: s.E404},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="import",
        url_name="import",
        parser_classes=[MultiPartParser, FormParser],
    )
    def import_file(self, request: Request, pk: str | None = None) -> Response:
        cls = self.get_object()
        actor = request.user
        if not (may_manage_training(actor) or actor.grants.admin_paths):  # type: ignore[arg-type, union-attr]
            raise PermissionDenied(ERR_NOT_ALLOWED)
        upload = _body(s.EnrolmentImportSerializer, request)["file"]
        try:
            counts = enrolment_import(actor=actor, training_class=cls, upload=upload, size=upload.size)  # type: ignore[arg-type]
        except DjangoValidationError as exc:
            response = exception_handler(exc, self.get_exception_handler_context())
            assert response is not None
            rows = [(int(k[4:]), m[0]) for k, m in exc.message_dict.items() if k.startswith("row_")]
            response.data["error"]["rows"] = [{"row": n, "message": m} for n, m in sorted(rows)]
            return response
        return Response(s.EnrolmentImportedSerializer(counts).data)


class EnrolmentRosterViewSet(viewsets.GenericViewSet):
    """Withdrawal: the trainee, or an admin over the trainee's unit; the freed seat goes to the waiting list."""

    serializer_class = s.WithdrawnSerializer

    def get_queryset(self) -> QuerySet[Enrolment]:
        if _fake(self):
            return Enrolment.objects.none()
        return selectors.enrolments_visible(actor=self.request.user)  # type: ignore[arg-type]

    @extend_schema(
        summary="退出培训班",
        request=None,
        responses={200: s.WithdrawnSerializer, 400: s.E400, 403: s.E403, 404: s.E404},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        enrolment = self.get_object()
        promoted = enrolment_withdraw(actor=request.user, enrolment=enrolment)  # type: ignore[arg-type]
        return Response(s.WithdrawnSerializer({"enrolment": enrolment, "promoted": promoted}).data)


# --- Leave ------------------------------------------------------------------------------------------------


class LeaveAccess(permissions.BasePermission):
    """As on the leave page: cadres ask for leave; unit admins and the organisation department decide."""

    message = ERR_NOT_ALLOWED

    def has_permission(self, request: Any, view: Any) -> bool:
        actor = request.user
        if view.action == "create":
            return actor.cadre_id is not None
        if view.action == "review":
            return may_decide_leave(actor)
        return actor.cadre_id is not None or may_decide_leave(actor)


@extend_schema_view(
    list=extend_schema(
        summary="请假申请列表",
        parameters=[s.LeaveListParamsSerializer],
        responses={200: s.LeaveRequestSerializer(many=True), 400: s.E400, 403: s.E403},
    ),
    retrieve=extend_schema(summary="请假申请", responses={200: s.LeaveRequestSerializer, 403: s.E403, 404: s.E404}),
)
class LeaveRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The trainee's requests for leave from a lecture, and the unit admin's decisions on them."""

    serializer_class = s.LeaveRequestSerializer
    permission_classes = [permissions.IsAuthenticated, LeaveAccess]

    def get_queryset(self) -> QuerySet[LeaveRequest]:
        if _fake(self):
            return LeaveRequest.objects.none()
        actor = self.request.user
        if self.action != "list":
            return selectors.leave_requests_visible(actor=actor)  # type: ignore[arg-type]
        params = s.LeaveListParamsSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return leave_requests_for(actor=actor, **params.validated_data)  # type: ignore[arg-type]

    @extend_schema(
        summary="申请请假",
        description="本人已报名的培训班中尚未结束的课次；同一课次已有待审批或已批准的申请时拒绝。",
        request=s.LeaveSubmitSerializer,
        responses={201: s.LeaveRequestSerializer, 400: s.E400, 403: s.E403},
    )
    def create(self, request: Request) -> Response:
        actor = request.user
        data = _body(s.LeaveSubmitSerializer, request)
        lecture = selectors.lectures_visible(actor=actor).filter(pk=data["lecture"]).first()  # type: ignore[arg-type]
        enrolment = None
        if lecture is not None:
            enrolment = (
                selectors.enrolments_visible(actor=actor)  # type: ignore[arg-type]
                .filter(training_class_id=lecture.training_class_id, cadre_id=actor.cadre_id)  # type: ignore[union-attr, misc]
                .filter(status=EnrolmentStatus.ENROLLED)
                .first()
            )
        if lecture is None or enrolment is None:
            raise serializers.ValidationError({"lecture": [ERR_NOT_ENROLLED_IN]})
        leave = leave_request_submit(actor=actor, enrolment=enrolment, lecture=lecture, reason=data.get("reason", ""))  # type: ignore[arg-type]
        return Response(s.LeaveRequestSerializer(leave).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="审批请假申请",
        description="批准后该课次考勤记为请假；并通知学员。",
        request=s.LeaveReviewSerializer,
        responses={
            200: s.LeaveRequestSerializer,
            400: s.E400,
            403: OpenApiResponse(s.ERROR, description="无权审批（含本人的申请）"),
            404: s.E404,
        },
    )
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str | None = None) -> Response:
        leave = self.get_object()
        data = _body(s.LeaveReviewSerializer, request)
        decided = leave_request_review(actor=request.user, leave=leave, approve=data["decision"] == "approve")  # type: ignore[arg-type]
        return Response(s.LeaveRequestSerializer(selectors.leave_request_get(actor=request.user, pk=decided.pk)).data)  # type: ignore[arg-type]


ROUTES: list = [
    ("training/plans", PlanViewSet, "training-plan"),
    ("training/hours-targets", HoursTargetViewSet, "training-hours-target"),
    ("training/manage/classes", ManagedClassViewSet, "training-managed-class"),
    ("training/manage/lectures", ManagedLectureViewSet, "training-managed-lecture"),
    ("training/classes", ClassRosterViewSet, "training-class-roster"),
    ("training/enrolments", EnrolmentRosterViewSet, "training-enrolment-roster"),
    ("training/leave-requests", LeaveRequestViewSet, "training-leave-request"),
]
