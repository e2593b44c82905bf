"""Request and response shapes of the API of running classes (api_sessions.py). Input serializers only
check types and turn them into the services' arguments; the rules (capacity, scores, scope) are the
services'. Their error messages are module constants, as the services' are."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from peixun.org.models import Unit, UnitKind
from peixun.training import services, services_results
from peixun.training.models import Certificate, CheckInStatus, Notification, Venue

ERR_PLACEMENT_CHOICE = "请选择分会场，或选择在工位收看，或取消固定"
ERR_VENUE_UNKNOWN = "分会场不存在"
ERR_HOST_UNKNOWN = "驻地市级纪委监委不存在"
ERR_ENROLMENT_ID = "学员报名编号无效"
ERR_HEADCOUNT_INT = "实到人数应为整数"
ERR_YEAR = services.ERR_YEAR
ERR_ID = "编号应为正整数"
ERR_EVALUATION_SCOPE = "评价对象只能是 lecture（本课次）或 class（培训班）"

ERROR = inline_serializer(
    "TrainingRunError",
    fields={
        "error": inline_serializer(
            "TrainingRunErrorBody",
            fields={
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "fields": serializers.DictField(
                    child=serializers.ListField(child=serializers.CharField()),
                    required=False,
                    help_text="每个出错字段的中文说明",
                ),
            },
        )
    },
)


def _int(**kwargs: Any) -> serializers.IntegerField:
    message = kwargs.pop("message", ERR_ID)
    return serializers.IntegerField(
        error_messages={"invalid": message, "min_value": message, "max_value": message, "max_string_length": message},
        **kwargs,
    )


# --- Allocation -------------------------------------------------------------------------------------


class TraineePlacementSerializer(serializers.Serializer):
    """One trainee and where the allocation put them; `note` explains every placement away from home."""

    enrolment = serializers.IntegerField(source="pk")
    cadre = serializers.IntegerField(source="cadre_id")
    cadre_name = serializers.CharField(source="cadre.name")
    employee_number = serializers.CharField(source="cadre.employee_number")
    unit_name = serializers.CharField(source="cadre.unit.name")
    venue = serializers.IntegerField(source="venue_id", allow_null=True)
    at_desk = serializers.BooleanField()
    pinned = serializers.BooleanField(help_text="人工固定：重新分配时保持不变")
    unseated = serializers.BooleanField()
    note = serializers.CharField(source="placement_note", help_text="分配说明（在本单位分会场时为空）")


class VenueRosterSerializer(serializers.Serializer):
    venue = serializers.IntegerField(source="venue.pk")
    name = serializers.CharField(source="venue.name")
    unit_name = serializers.CharField(source="venue.unit.name")
    is_main = serializers.BooleanField(source="venue.is_main")
    capacity = serializers.IntegerField(help_text="允许上座人数（座位数×允许上座率）")
    n = serializers.IntegerField(allow_null=True, help_text="本班在该会场的总人数；不在调用者范围内的会场为空")
    pct = serializers.IntegerField(allow_null=True, help_text="上座率(%)")
    trainees = TraineePlacementSerializer(many=True, help_text="调用者可见的学员")


class AllocationSummarySerializer(serializers.Serializer):
    cost = serializers.FloatField()
    enrolled = serializers.IntegerField()
    seated = serializers.IntegerField()
    at_desk = serializers.IntegerField()
    unseated = serializers.IntegerField()
    pinned = serializers.IntegerField()
    moved_from_home = serializers.IntegerField(help_text="调剂到本单位分会场以外的人数")
    seconds = serializers.FloatField()


class AllocationSerializer(serializers.Serializer):
    training_class = serializers.IntegerField()
    allocated_at = serializers.DateTimeField(allow_null=True)
    summary = AllocationSummarySerializer(allow_null=True, help_text="上次分配的汇总（仅组织部）")
    venues = VenueRosterSerializer(many=True)
    at_desk = TraineePlacementSerializer(many=True)
    unseated = TraineePlacementSerializer(many=True)
    pending = serializers.IntegerField(help_text="已报名但尚未分配的人数")


class AllocationQuerySerializer(serializers.Serializer):
    venue = _int(required=False, min_value=1, help_text="只取该分会场的名单")


class OccupancySerializer(serializers.Serializer):
    venue = serializers.IntegerField()
    name = serializers.CharField()
    unit_name = serializers.CharField()
    n = serializers.IntegerField()
    capacity = serializers.IntegerField()
    pct = serializers.IntegerField()


class AllocationRunSerializer(AllocationSummarySerializer):
    training_class = serializers.IntegerField()
    occupancy = OccupancySerializer(many=True, help_text="每个分会场安排的人数")
    unseated_trainees = TraineePlacementSerializer(many=True, help_text="未能安排座位的学员及原因")


class PlacementInputSerializer(serializers.Serializer):
    venue = serializers.PrimaryKeyRelatedField(
        queryset=Venue.objects.all(),
        required=False,
        allow_null=True,
        error_messages={"does_not_exist": ERR_VENUE_UNKNOWN, "incorrect_type": ERR_VENUE_UNKNOWN},
        help_text="安排到的分会场",
    )
    at_desk = serializers.BooleanField(required=False, default=False, help_text="在本人工位（内网）收看")
    pinned = serializers.BooleanField(required=False, default=True, help_text="false：取消人工固定")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["pinned"] and not attrs["at_desk"] and attrs.get("venue") is None:
            raise serializers.ValidationError({"venue": [ERR_PLACEMENT_CHOICE]})
        return attrs


# --- Venues -----------------------------------------------------------------------------------------


class VenueOperatorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()


class VenueSettingsSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    capacity = serializers.IntegerField(read_only=True)
    has_intranet = serializers.BooleanField(source="unit.has_intranet", read_only=True)
    host_unit = serializers.IntegerField(source="unit.host_unit_id", read_only=True, allow_null=True)
    operators = serializers.SerializerMethodField(help_text="分会场管理员（由安全管理员授权）")

    class Meta:
        model = Venue
        fields = ["id", "name", "unit", "unit_name", "is_main", "address", "seats", "allowed_occupancy", "capacity",
                  "latitude", "longitude", "is_active", "has_intranet", "host_unit", "operators"]  # fmt: skip

    @extend_schema_field(VenueOperatorSerializer(many=True))
    def get_operators(self, obj: Venue) -> list[dict[str, Any]]:
        users = self.context.get("operators", [])
        return VenueOperatorSerializer(
            [{"id": u.pk, "username": u.username, "display_name": str(u)} for u in users], many=True
        ).data  # type: ignore[return-value]


class VenueUpdateSerializer(serializers.Serializer):
    """Only the fields given change. A unit admin may change name, seats, occupancy, address and state;
    the organisation department also the main-venue mark, the coordinates and the unit's intranet flag."""

    name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    seats = _int(required=False, message=services.ERR_SEATS)
    allowed_occupancy = _int(required=False, message=services.ERR_OCCUPANCY, help_text="允许上座率(%)")
    address = serializers.CharField(required=False, allow_blank=True, max_length=200)
    is_active = serializers.BooleanField(required=False)
    latitude = serializers.FloatField(required=False, error_messages={"invalid": services.ERR_COORD})
    longitude = serializers.FloatField(required=False, error_messages={"invalid": services.ERR_COORD})
    is_main = serializers.BooleanField(required=False)
    has_intranet = serializers.BooleanField(required=False)
    host_unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.filter(kind=UnitKind.CITY),
        required=False,
        allow_null=True,
        error_messages={"does_not_exist": ERR_HOST_UNKNOWN, "incorrect_type": ERR_HOST_UNKNOWN},
        help_text="驻地市级纪委监委（与 has_intranet=false 一同给出）",
    )


# --- Attendance -------------------------------------------------------------------------------------


class VenueQuerySerializer(serializers.Serializer):
    venue = _int(min_value=1, message=ERR_VENUE_UNKNOWN, help_text="分会场ID")


class AttendanceMarkSerializer(serializers.Serializer):
    enrolment = _int(min_value=1, message=ERR_ENROLMENT_ID)
    status = serializers.CharField(max_length=16, help_text="present / late / absent / excused")


class AttendanceInputSerializer(serializers.Serializer):
    venue = _int(min_value=1, message=ERR_VENUE_UNKNOWN)
    marks = AttendanceMarkSerializer(many=True, required=False, default=list, help_text="全部保存或全部不保存")


class AttendanceRowSerializer(serializers.Serializer):
    enrolment = serializers.IntegerField(source="e.pk")
    cadre_name = serializers.CharField(source="e.cadre.name")
    employee_number = serializers.CharField(source="e.cadre.employee_number")
    unit_name = serializers.CharField(source="e.cadre.unit.name")
    status = serializers.CharField(allow_blank=True, help_text="尚未记录时为空")


class AttendanceSerializer(serializers.Serializer):
    lecture = serializers.IntegerField()
    venue = serializers.IntegerField()
    statuses = serializers.ListField(child=serializers.ChoiceField(choices=CheckInStatus.choices))
    headcount = serializers.IntegerField(allow_null=True, help_text="已记录的实到人数")
    rows = AttendanceRowSerializer(many=True)


class HeadcountInputSerializer(serializers.Serializer):
    venue = _int(min_value=1, message=ERR_VENUE_UNKNOWN)
    headcount = _int(message=ERR_HEADCOUNT_INT)


class HeadcountSerializer(serializers.Serializer):
    lecture = serializers.IntegerField(source="lecture_id")
    venue = serializers.IntegerField(source="venue_id")
    headcount = serializers.IntegerField()
    recorded_at = serializers.DateTimeField()


# --- Evaluations ------------------------------------------------------------------------------------


def _score() -> serializers.IntegerField:
    return _int(
        required=False, allow_null=True, min_value=1, max_value=5, message=services_results.ERR_SCORE, help_text="1–5"
    )


class EvaluationInputSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(
        choices=[("lecture", "本课次及其教师"), ("class", "整个培训班")],
        required=False,
        default="lecture",
        error_messages={"invalid_choice": ERR_EVALUATION_SCOPE},
    )
    lecture_score = _score()
    teacher_score = _score()
    class_score = _score()
    comment = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False)


class EvaluationSubmittedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    training_class = serializers.IntegerField(source="training_class_id")
    lecture = serializers.IntegerField(source="lecture_id", allow_null=True)
    lecture_score = serializers.IntegerField(allow_null=True)
    teacher_score = serializers.IntegerField(allow_null=True)
    class_score = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()


# The service's dict as it is: one of its keys is "class", which no serializer attribute can be named.
EVALUATION_SUMMARY = inline_serializer(
    "TrainingEvaluationSummary",
    fields={
        "count": serializers.IntegerField(help_text="评价份数"),
        "lecture": serializers.FloatField(allow_null=True, help_text="课程评分均值"),
        "teacher": serializers.FloatField(allow_null=True, help_text="教师评分均值"),
        "class": serializers.FloatField(allow_null=True, help_text="培训班评分均值"),
        "comments": serializers.ListField(child=serializers.CharField(), help_text="匿名意见建议"),
    },
)


# --- Certificates -----------------------------------------------------------------------------------


class CertificateSerializer(serializers.ModelSerializer):
    training_class = serializers.IntegerField(source="enrolment.training_class_id", read_only=True)
    class_title = serializers.CharField(source="enrolment.training_class.title", read_only=True)
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = ["id", "number", "training_class", "class_title", "study_hours", "issued_at", "revoked", "pdf_url"]

    def get_pdf_url(self, obj: Certificate) -> str:
        return f"/api/training/certificates/{obj.pk}/pdf/"


class CertificatesIssuedSerializer(serializers.Serializer):
    issued = serializers.IntegerField()
    certificates = CertificateSerializer(many=True)


# --- Training record, coverage, attendance per venue --------------------------------------------------


class YearQuerySerializer(serializers.Serializer):
    year = _int(required=False, min_value=2000, max_value=2100, message=ERR_YEAR, help_text="年度，默认今年")


class RecordQuerySerializer(YearQuerySerializer):
    cadre = _int(required=False, min_value=1, help_text="干部ID（管理员查看范围内干部），默认本人")


class CoverageQuerySerializer(YearQuerySerializer):
    unit = _int(required=False, min_value=1, help_text="单位ID，默认调用者管理的单位")


class RecordCadreSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    employee_number = serializers.CharField()
    unit_name = serializers.CharField(source="unit.name")


class RecordLectureSerializer(serializers.Serializer):
    lecture = serializers.IntegerField(source="lecture_id")
    topic = serializers.CharField(source="lecture.topic")
    starts_at = serializers.DateTimeField(source="lecture.starts_at")
    status = serializers.CharField()
    method = serializers.CharField()
    venue_name = serializers.CharField(source="venue.name", allow_null=True, default=None)
    study_hours = serializers.DecimalField(max_digits=5, decimal_places=1)


class RecordClassSerializer(serializers.Serializer):
    training_class = serializers.IntegerField(source="class.pk")
    title = serializers.CharField(source="class.title")
    year = serializers.IntegerField(source="class.plan.year")
    hours = serializers.DecimalField(max_digits=7, decimal_places=1)
    certificate = inline_serializer(
        "RecordCertificate",
        fields={"id": serializers.IntegerField(), "number": serializers.CharField()},
        allow_null=True,
    )
    lectures = RecordLectureSerializer(many=True)


class RecordSerializer(serializers.Serializer):
    cadre = RecordCadreSerializer()
    year = serializers.IntegerField(allow_null=True)
    total = serializers.DecimalField(max_digits=8, decimal_places=1)
    target = serializers.DecimalField(max_digits=6, decimal_places=1, allow_null=True)
    classes = RecordClassSerializer(many=True)


class UnitCoverageSerializer(serializers.Serializer):
    unit = serializers.IntegerField(source="unit.pk")
    unit_name = serializers.CharField(source="unit.name")
    active = serializers.IntegerField(help_text="在职干部数")
    trained = serializers.IntegerField(help_text="本年已参训")
    trained_share = serializers.FloatField(help_text="参训率(%)")
    met_target = serializers.IntegerField(help_text="达到学时目标")
    target_share = serializers.FloatField(help_text="达标率(%)")


class CoverageMonthSerializer(serializers.Serializer):
    month = serializers.IntegerField()
    cadres = serializers.IntegerField()
    hours = serializers.FloatField()


class CoverageSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    root = UnitCoverageSerializer()
    children = UnitCoverageSerializer(many=True)
    untrained = RecordCadreSerializer(many=True, help_text="未参训人员（最多500人）")
    months = CoverageMonthSerializer(many=True)


class VenueAttendanceSerializer(serializers.Serializer):
    venue = serializers.IntegerField(source="venue.pk")
    name = serializers.CharField(source="venue.name")
    unit_name = serializers.CharField(source="venue.unit.name")
    present = serializers.IntegerField(help_text="出勤（含迟到）人次")
    absent = serializers.IntegerField()
    excused = serializers.IntegerField()
    rate = serializers.FloatField(help_text="出勤率(%)")


# --- Notifications ------------------------------------------------------------------------------------


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "text", "url", "created_at", "read_at"]


class NotificationQuerySerializer(serializers.Serializer):
    unread = serializers.BooleanField(required=False, default=False, help_text="只取未读")


class MarkReadInputSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=_int(min_value=1), required=False, allow_null=True, default=None, help_text="不给出则全部标为已读"
    )


class NotificationsMarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField()
