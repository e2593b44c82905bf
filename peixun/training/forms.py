"""Page forms: they only parse input; the services validate and explain."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from peixun.accounts.models import User
from peixun.accounts.roles import Role
from peixun.offices.models import ResearchOffice
from peixun.org.models import Rank, Unit, UnitKind
from peixun.training.models import ClassKind, ClassMode, HoursRule, Lecture, TrainingPlan, Venue


class ClassForm(forms.Form):
    plan = forms.ModelChoiceField(label="年度计划", queryset=TrainingPlan.objects.all())
    office = forms.ModelChoiceField(label="教研室", queryset=ResearchOffice.objects.all())
    title = forms.CharField(label="班次名称", max_length=200)
    kind = forms.ChoiceField(label="类别", choices=ClassKind.choices)
    mode = forms.ChoiceField(label="方式", choices=ClassMode.choices)
    start_date = forms.DateField(label="开始日期", widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label="结束日期", widget=forms.DateInput(attrs={"type": "date"}))
    study_hours = forms.DecimalField(label="学时", min_value=0, max_value=999, decimal_places=1, initial=4)
    hours_rule = forms.ChoiceField(label="学时认定", choices=HoursRule.choices)
    watch_percent_required = forms.IntegerField(label="最低观看比例(%)", min_value=1, max_value=100, initial=80)
    capacity = forms.IntegerField(label="计划人数（0为不限）", min_value=0, initial=0)
    audience_unit_kinds = forms.MultipleChoiceField(
        label="参训单位类别", choices=UnitKind.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    audience_ranks = forms.MultipleChoiceField(
        label="参训职级", choices=Rank.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    allow_self_enrolment = forms.BooleanField(label="允许个人报名", required=False)
    allow_desk = forms.BooleanField(label="允许在工位收看", required=False)
    description = forms.CharField(label="简介", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class LectureForm(forms.Form):
    topic = forms.CharField(label="主题", max_length=200)
    starts_at = forms.DateTimeField(label="开始时间", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    duration_minutes = forms.IntegerField(label="时长(分钟)", min_value=1, max_value=600, initial=120)
    teacher = forms.ModelChoiceField(
        label="授课教师", queryset=User.objects.filter(role_grants__role=Role.TEACHER).distinct(), required=False
    )
    teacher_name = forms.CharField(label="外聘教师姓名", max_length=50, required=False)
    main_venue = forms.ModelChoiceField(label="主会场", queryset=Venue.objects.filter(is_main=True), required=False)
    is_live = forms.BooleanField(label="直播", required=False, initial=True)
    study_hours = forms.DecimalField(label="学时（0为平均分配）", min_value=0, max_value=999, initial=0)


class UploadForm(forms.Form):
    file = forms.FileField(label="Excel文件（列：工号、姓名）")


class PlanForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    title = forms.CharField(label="计划名称", max_length=200)
    hours_target = forms.DecimalField(label="年度学时目标（每名干部）", min_value=0, max_value=999, decimal_places=1)
    description = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class VenueForm(forms.Form):
    """Unit admins get name, seats, occupancy, address and state; the organisation department also the
    unit (for a new venue), the main-venue mark, coordinates and the unit's intranet flag with host city."""

    ORG_FIELDS = ("unit", "is_main", "latitude", "longitude", "has_intranet", "host_unit")

    unit = forms.ModelChoiceField(label="所属单位", queryset=Unit.objects.none())
    name = forms.CharField(label="会场名称", max_length=100)
    seats = forms.IntegerField(label="座位数", min_value=0, max_value=100000)
    allowed_occupancy = forms.IntegerField(label="允许上座率(%)", min_value=0, max_value=100, initial=100)
    address = forms.CharField(label="地址", max_length=200, required=False)
    is_active = forms.BooleanField(label="启用", required=False, initial=True)
    is_main = forms.BooleanField(label="主会场", required=False)
    latitude = forms.FloatField(label="纬度", min_value=-90, max_value=90, initial=0)
    longitude = forms.FloatField(label="经度", min_value=-180, max_value=180, initial=0)
    has_intranet = forms.BooleanField(label="所属单位已接入内网", required=False, initial=True)
    host_unit = forms.ModelChoiceField(
        label="驻地市级纪委监委（未接入内网时必填）", queryset=Unit.objects.filter(kind=UnitKind.CITY), required=False
    )

    def __init__(self, *args: object, org: bool, units: object = None, new: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if not org:
            for name in self.ORG_FIELDS:
                del self.fields[name]
        elif not new:
            del self.fields["unit"]
        else:
            self.fields["unit"].queryset = units  # type: ignore[attr-defined]
            del self.fields["has_intranet"], self.fields["host_unit"]


class QuotaForm(forms.Form):
    unit = forms.ModelChoiceField(label="单位", queryset=Unit.objects.none())
    seats = forms.IntegerField(label="名额（0为取消）", min_value=0, max_value=100000)

    def __init__(self, *args: object, units: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]


class HoursTargetForm(forms.Form):
    employee_number = forms.CharField(label="工号", max_length=32)
    hours = forms.DecimalField(label="学时目标", min_value=0, max_value=999, decimal_places=1)


class LeaveForm(forms.Form):
    lecture = forms.ModelChoiceField(label="请假课次", queryset=Lecture.objects.none(), empty_label="请选择课次")
    reason = forms.CharField(label="请假事由", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: object, lectures: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["lecture"]
        field.queryset = lectures  # type: ignore[attr-defined]
        field.label_from_instance = lambda lec: (  # type: ignore[attr-defined]
            f"{lec.training_class.title} · {lec.topic}（{timezone.localtime(lec.starts_at):%Y-%m-%d %H:%M}）"
        )
