"""Page forms: they only parse input; the services validate and explain."""

from __future__ import annotations

from django import forms

from peixun.accounts.models import User
from peixun.accounts.roles import Role
from peixun.offices.models import ResearchOffice
from peixun.org.models import Rank, UnitKind
from peixun.training.models import ClassKind, ClassMode, HoursRule, TrainingPlan, Venue


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
