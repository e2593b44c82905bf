"""Serializers of the training write API (peixun.training.api_admin): what each write accepts and answers.

Input fields are typed only as far as JSON needs; the services judge the values, so a bad value gets the
same message as on the page (e.g. `services.ERR_YEAR`). Choice fields are plain strings on purpose: the
services answer `ERR_CHOICE`, and several models' "status"/"kind" choice sets would otherwise collide as
schema enums. Component names are prefixed so they cannot clash with the other apps' serializers.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

from peixun.accounts.models import User
from peixun.accounts.roles import Role
from peixun.offices.models import ResearchOffice
from peixun.org.models import Unit
from peixun.training import services
from peixun.training.models import (
    ClassKind,
    ClassMode,
    ClassStatus,
    Enrolment,
    HoursRule,
    LeaveRequest,
    LeaveStatus,
    Lecture,
    StudyHoursTarget,
    TrainingClass,
    TrainingPlan,
    Venue,
)
from peixun.training.selectors_admin import LEAVE_SCOPES

ERR_DATE = "日期格式应为YYYY-MM-DD"
ERR_DATETIME = "时间格式应为ISO 8601，如2026-05-01T09:00"
ERR_DECISION = "decision 只能是 approve（批准）或 reject（驳回）"
ERR_LEAVE_SCOPE = "scope 只能是 all（全部）、mine（本人的）或 to_decide（待我审批的）"
ERR_LEAVE_STATUS = "status 只能是 pending、approved、rejected 或留空（全部）"
ERR_NO_FILE = "请选择要上传的Excel文件"
ERR_NUMBER = "请填写工号"

CHOICE: dict[str, Any] = {
    "does_not_exist": services.ERR_CHOICE,
    "incorrect_type": services.ERR_CHOICE,
    "null": services.ERR_CHOICE,
}
REQUIRED_CHOICE: dict[str, Any] = {**CHOICE, "required": services.ERR_REQUIRED}


def _values(choices: type) -> str:
    return "、".join(choices.values)  # type: ignore[attr-defined]


# --- Errors (the platform's shape, peixun.core.api.exception_handler) --------------------------------------


class ImportRowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="Excel中的行号（表头为第1行）")
    message = serializers.CharField()


ERROR = inline_serializer(
    "TrainingAdminError",
    fields={
        "error": inline_serializer(
            "TrainingAdminErrorBody",
            fields={
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "fields": serializers.DictField(
                    child=serializers.ListField(child=serializers.CharField()),
                    required=False,
                    help_text="每个字段的中文说明；Excel导入时另有 row_<行号>",
                ),
                "rows": ImportRowErrorSerializer(many=True, required=False, help_text="Excel导入：每个错误行"),
            },
        )
    },
)
E400 = OpenApiResponse(ERROR, description="提交的数据有误：fields 列出每个字段的中文说明，数据未作任何修改")
E403 = OpenApiResponse(ERROR, description="未登录或无权执行此操作")
E404 = OpenApiResponse(ERROR, description="不存在或不在您的管理范围内")


# --- Plans and hours targets -------------------------------------------------------------------------------


class PlanSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrainingPlan
        fields = ["id", "year", "title", "hours_target", "description", "created_at"]


class PlanInputSerializer(serializers.Serializer):
    year = serializers.IntegerField(required=False, error_messages={"invalid": services.ERR_YEAR})
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    hours_target = serializers.CharField(required=False, help_text="年度学时目标（每名干部），默认40")
    description = serializers.CharField(required=False, allow_blank=True)


class HoursTargetSerializer(serializers.ModelSerializer):
    cadre_name = serializers.CharField(source="cadre.name", read_only=True)
    employee_number = serializers.CharField(source="cadre.employee_number", read_only=True)
    unit_name = serializers.CharField(source="cadre.unit.name", read_only=True)

    class Meta:
        model = StudyHoursTarget
        fields = ["id", "year", "cadre", "cadre_name", "employee_number", "unit_name", "hours"]


class HoursTargetInputSerializer(serializers.Serializer):
    employee_number = serializers.CharField(max_length=32, error_messages={"required": ERR_NUMBER, "blank": ERR_NUMBER})
    hours = serializers.CharField(help_text="本人年度学时目标，0至999", error_messages={"required": services.ERR_HOURS})


class HoursTargetQuerySerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=50, help_text="姓名或工号")


# --- Classes, quotas, lectures ---------------------------------------------------------------------------


class ManagedClassSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="plan.year", read_only=True)
    office_name = serializers.CharField(source="office.name", read_only=True)
    kind = serializers.CharField(read_only=True, help_text=_values(ClassKind))
    mode = serializers.CharField(read_only=True, help_text=_values(ClassMode))
    hours_rule = serializers.CharField(read_only=True, help_text=_values(HoursRule))
    status = serializers.CharField(read_only=True, help_text=_values(ClassStatus))

    class Meta:
        model = TrainingClass
        fields = ["id", "plan", "year", "office", "office_name", *services.CLASS_FIELDS, "status", "updated_at"]


class ManagedClassInputSerializer(serializers.Serializer):
    """A new class needs plan, office, title and dates; a PATCH changes only the fields it sends."""

    plan = serializers.PrimaryKeyRelatedField(queryset=TrainingPlan.objects.all(), error_messages=REQUIRED_CHOICE)
    office = serializers.PrimaryKeyRelatedField(
        queryset=ResearchOffice.objects.all(), error_messages=REQUIRED_CHOICE, help_text="承办教研室"
    )
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    kind = serializers.CharField(required=False, help_text=_values(ClassKind))
    mode = serializers.CharField(required=False, help_text=_values(ClassMode))
    start_date = serializers.DateField(required=False, error_messages={"invalid": ERR_DATE})
    end_date = serializers.DateField(required=False, error_messages={"invalid": ERR_DATE})
    description = serializers.CharField(required=False, allow_blank=True)
    audience_unit_kinds = serializers.ListField(child=serializers.CharField(), required=False)
    audience_ranks = serializers.ListField(child=serializers.CharField(), required=False)
    capacity = serializers.IntegerField(
        required=False, help_text="计划人数，0为不限", error_messages={"invalid": services.ERR_QUOTA}
    )
    study_hours = serializers.CharField(required=False)
    hours_rule = serializers.CharField(required=False, help_text=_values(HoursRule))
    watch_percent_required = serializers.IntegerField(required=False, error_messages={"invalid": services.ERR_PERCENT})
    allow_self_enrolment = serializers.BooleanField(required=False)
    allow_desk = serializers.BooleanField(required=False)


class ClassTransitionSerializer(serializers.Serializer):
    to = serializers.CharField(
        help_text=f"下一状态：{_values(ClassStatus)}，只能依次推进",
        error_messages={"required": services.ERR_STATUS_STEP, "blank": services.ERR_STATUS_STEP},
    )


class ClassQuotaSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    unit_name = serializers.CharField()
    seats = serializers.IntegerField()
    taken = serializers.IntegerField(help_text="该单位及下级单位已报名人数")
    left = serializers.IntegerField()


class ClassQuotaInputSerializer(serializers.Serializer):
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.filter(is_active=True), error_messages=REQUIRED_CHOICE
    )
    seats = serializers.IntegerField(
        help_text="名额，0为取消", error_messages={"invalid": services.ERR_QUOTA, "required": services.ERR_QUOTA}
    )


class ManagedLectureSerializer(serializers.ModelSerializer):
    class Meta:
        model = Lecture
        fields = ["id", "training_class", "topic", "starts_at", "ends_at", "duration_minutes", "teacher",
                  "teacher_name", "main_venue", "is_live", "study_hours"]  # fmt: skip


class ManagedLectureInputSerializer(serializers.Serializer):
    """A new lecture needs topic, start, duration, a teacher (or an external teacher's name) and, when
    live, the main venue; a PATCH changes only the fields it sends. A teacher or venue already booked at
    that time is refused (teacher / main_venue)."""

    topic = serializers.CharField(required=False, allow_blank=True, max_length=200)
    starts_at = serializers.DateTimeField(required=False, error_messages={"invalid": ERR_DATETIME})
    duration_minutes = serializers.IntegerField(required=False, error_messages={"invalid": services.ERR_DURATION})
    teacher = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(role_grants__role=Role.TEACHER).distinct(),
        required=False,
        allow_null=True,
        error_messages=CHOICE,
        help_text="师资库教师的账号ID；外聘教师留空并填写 teacher_name",
    )
    teacher_name = serializers.CharField(required=False, allow_blank=True, max_length=50)
    main_venue = serializers.PrimaryKeyRelatedField(
        queryset=Venue.objects.filter(is_main=True),
        required=False,
        allow_null=True,
        error_messages={"does_not_exist": services.ERR_NOT_MAIN, "incorrect_type": services.ERR_NOT_MAIN},
    )
    is_live = serializers.BooleanField(required=False)
    study_hours = serializers.CharField(required=False, help_text="学时，0为平均分配")


# --- Enrolment --------------------------------------------------------------------------------------------


class EnrolInputSerializer(serializers.Serializer):
    employee_number = serializers.CharField(
        required=False, allow_blank=True, max_length=32, help_text="要报名的干部工号；留空为本人报名"
    )


class RosterEnrolmentSerializer(serializers.ModelSerializer):
    cadre_name = serializers.CharField(source="cadre.name", read_only=True)
    employee_number = serializers.CharField(source="cadre.employee_number", read_only=True)
    status = serializers.CharField(read_only=True, help_text="enrolled（已报名）、waiting（候补）、withdrawn（已退出）")
    channel = serializers.CharField(read_only=True)

    class Meta:
        model = Enrolment
        fields = ["id", "training_class", "cadre", "cadre_name", "employee_number", "status", "channel"]


class WithdrawnSerializer(serializers.Serializer):
    enrolment = RosterEnrolmentSerializer()
    promoted = RosterEnrolmentSerializer(many=True, help_text="因此由候补转为正式报名的学员")


class EnrolmentImportSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="Excel（.xlsx），表头含“工号”“姓名”；任何一行有误则整份不导入",
        error_messages={"required": ERR_NO_FILE, "invalid": ERR_NO_FILE, "empty": ERR_NO_FILE},
    )


class EnrolmentImportedSerializer(serializers.Serializer):
    enrolled = serializers.IntegerField()
    waiting = serializers.IntegerField()


# --- Leave ------------------------------------------------------------------------------------------------


class LeaveRequestSerializer(serializers.ModelSerializer):
    training_class = serializers.IntegerField(source="enrolment.training_class_id", read_only=True)
    class_title = serializers.CharField(source="enrolment.training_class.title", read_only=True)
    lecture_topic = serializers.CharField(source="lecture.topic", read_only=True, default="")
    cadre = serializers.IntegerField(source="enrolment.cadre_id", read_only=True)
    cadre_name = serializers.CharField(source="enrolment.cadre.name", read_only=True)
    unit_name = serializers.CharField(source="enrolment.cadre.unit.name", read_only=True)
    status = serializers.CharField(read_only=True, help_text=_values(LeaveStatus))

    class Meta:
        model = LeaveRequest
        fields = ["id", "enrolment", "training_class", "class_title", "lecture", "lecture_topic", "cadre",
                  "cadre_name", "unit_name", "reason", "status", "decided_by", "decided_at", "created_at"]  # fmt: skip


class LeaveListParamsSerializer(serializers.Serializer):
    scope = serializers.CharField(
        required=False, default="all", help_text="all（可见的全部）、mine（本人的）、to_decide（待我审批的）"
    )
    status = serializers.CharField(required=False, allow_blank=True, default="", help_text=_values(LeaveStatus))

    def validate_scope(self, value: str) -> str:
        if value not in LEAVE_SCOPES:
            raise serializers.ValidationError(ERR_LEAVE_SCOPE)
        return value

    def validate_status(self, value: str) -> str:
        if value and value not in LeaveStatus.values:
            raise serializers.ValidationError(ERR_LEAVE_STATUS)
        return value


class LeaveSubmitSerializer(serializers.Serializer):
    lecture = serializers.IntegerField(
        help_text="请假的课次（本人已报名的培训班中尚未结束的课次）",
        error_messages={"required": services.ERR_REQUIRED, "invalid": services.ERR_REQUIRED},
    )
    reason = serializers.CharField(required=False, allow_blank=True, help_text="请假事由（超过500字的部分不保存）")


class LeaveReviewSerializer(serializers.Serializer):
    decision = serializers.CharField(
        help_text="approve（批准）或 reject（驳回）", error_messages={"required": ERR_DECISION, "blank": ERR_DECISION}
    )

    def validate_decision(self, value: str) -> str:
        if value not in ("approve", "reject"):
            raise serializers.ValidationError(ERR_DECISION)
        return value
