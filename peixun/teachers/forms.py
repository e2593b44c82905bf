from __future__ import annotations

from django import forms

from peixun.offices.models import ResearchOffice
from peixun.teachers.models import ReviewGrade, TeacherStatus
from peixun.teachers.selectors import RATING_MAX, RATING_MIN, free_window_errors


class FieldsChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: ResearchOffice) -> str:
        return f"{obj.name}（{obj.field}）"


class RoundForm(forms.Form):
    title = forms.CharField(label="批次名称", max_length=200)
    criteria = forms.CharField(label="遴选条件", widget=forms.Textarea(attrs={"rows": 4}))
    fields = FieldsChoice(label="需求领域", queryset=ResearchOffice.objects.all(), widget=forms.CheckboxSelectMultiple)
    deadline = forms.DateField(label="报名截止日期", widget=forms.DateInput(attrs={"type": "date"}))


class ApplicationForm(forms.Form):
    """Personal application and resubmission; the nomination form adds the cadre and the unit's opinion."""

    fields = FieldsChoice(label="专长领域", queryset=ResearchOffice.objects.none(), widget=forms.CheckboxSelectMultiple)
    experience = forms.CharField(label="授课经历", widget=forms.Textarea(attrs={"rows": 5}))
    sample_title = forms.CharField(label="示范课题目", max_length=200, required=False)
    sample_file = forms.FileField(label="示范课件（PDF、Word、PPT或视频）", required=False)

    def __init__(self, *args: object, offices: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if offices is not None:
            self.fields["fields"].queryset = offices  # type: ignore[attr-defined]

    def samples(self) -> list[tuple[str, object]]:
        f = self.cleaned_data.get("sample_file")
        return [(self.cleaned_data.get("sample_title") or "", f)] if f else []


class NominationForm(ApplicationForm):
    employee_number = forms.CharField(label="被推荐干部工号", max_length=32)
    unit_opinion = forms.CharField(label="单位意见", widget=forms.Textarea(attrs={"rows": 3}))

    field_order = ["employee_number", "fields", "experience", "unit_opinion", "sample_title", "sample_file"]


class ResubmitForm(ApplicationForm):
    unit_opinion = forms.CharField(label="单位意见", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    comment = forms.CharField(label="修改说明", max_length=500, required=False)


class ExternalTeacherForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    organisation = forms.CharField(label="工作单位", max_length=200)
    title = forms.CharField(label="职务职称", max_length=100, required=False)
    fields = FieldsChoice(label="专长领域", queryset=ResearchOffice.objects.all(), widget=forms.CheckboxSelectMultiple)


class StatusForm(forms.Form):
    status = forms.ChoiceField(label="状态", choices=TeacherStatus.choices)
    reason = forms.CharField(label="原因", max_length=500, required=False)


class ReviewForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    grade = forms.ChoiceField(label="考核结果", choices=ReviewGrade.choices)
    comment = forms.CharField(label="评语", required=False, widget=forms.Textarea(attrs={"rows": 2}))


ERR_RATING = f"最低评分须为{RATING_MIN}至{RATING_MAX}之间的数"
ERR_DATETIME = "请填写有效的日期时间"
ERR_FIELD = "专长领域不存在"


class SearchForm(forms.Form):
    q = forms.CharField(label="姓名或编号", required=False, max_length=50)
    field = forms.ModelChoiceField(
        label="专长领域",
        queryset=ResearchOffice.objects.all(),
        required=False,
        error_messages={"invalid_choice": ERR_FIELD},
    )
    unit = forms.CharField(label="单位", required=False, max_length=100)
    min_rating = forms.FloatField(
        label="最低评分", required=False, min_value=RATING_MIN, max_value=RATING_MAX,
        error_messages={"invalid": ERR_RATING, "min_value": ERR_RATING, "max_value": ERR_RATING},
    )  # fmt: skip
    free_from = forms.DateTimeField(
        label="空闲开始",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        error_messages={"invalid": ERR_DATETIME},
    )
    free_to = forms.DateTimeField(
        label="空闲结束",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        error_messages={"invalid": ERR_DATETIME},
    )
    status = forms.ChoiceField(label="状态", choices=[("", "全部"), *TeacherStatus.choices], required=False)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if "free_from" in data and "free_to" in data:
            for name, message in free_window_errors(data.get("free_from"), data.get("free_to")).items():
                self.add_error(name, message)
        return data


class TeacherProfileForm(forms.Form):
    """A pool teacher's profile; name and organisation only for an external teacher."""

    name = forms.CharField(label="姓名", required=False)
    organisation = forms.CharField(label="工作单位", required=False)
    title = forms.CharField(label="职务职称", required=False)
    fields = FieldsChoice(
        label="专长领域", queryset=ResearchOffice.objects.all(), widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args: object, external: bool = True, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if not external:
            del self.fields["name"], self.fields["organisation"]


class OpinionForm(forms.Form):
    unit_opinion = forms.CharField(label="单位意见", required=False, widget=forms.Textarea(attrs={"rows": 3}))
