"""Form parsing for the pages; every rule lives in the services, forms only turn text into values."""

from __future__ import annotations

from django import forms

from peixun.org.models import UnitKind
from peixun.secondment.models import (
    AssessmentRating,
    Channel,
    FinalRating,
    LiaisonForm,
    PeriodKind,
    SecondmentBatch,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MATRIX_KINDS = [
    UnitKind.CITY,
    UnitKind.COUNTY,
    UnitKind.ENTERPRISE,
    UnitKind.UNIVERSITY,
    UnitKind.DISPATCHED,
    UnitKind.DEPARTMENT,
]


def tags(text: str) -> list[str]:
    return [t.strip() for t in text.replace("，", ",").replace("、", ",").split(",") if t.strip()]


class BatchForm(forms.ModelForm):
    class Meta:
        model = SecondmentBatch
        fields = [
            "year",
            "title",
            "notice",
            "apply_deadline",
            "start_date",
            "end_date",
            "reference_date",
            "max_age",
            "min_service_years",
        ]
        widgets = {
            "apply_deadline": DATE,
            "start_date": DATE,
            "end_date": DATE,
            "reference_date": DATE,
            "notice": forms.Textarea(attrs={"rows": 8}),
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        current = self.instance.matrix if self.instance.pk else SecondmentBatch().matrix
        self.matrix_rows = []
        for sending in MATRIX_KINDS:
            cells = []
            for receiving in MATRIX_KINDS:
                name = f"m_{sending}_{receiving}"
                self.fields[name] = forms.BooleanField(required=False, initial=receiving in current.get(sending, []))
                cells.append(self[name])
            self.matrix_rows.append((UnitKind(sending).label, cells))
        self.matrix_heads = [UnitKind(k).label for k in MATRIX_KINDS]

    def matrix(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for sending in MATRIX_KINDS:
            chosen = [r for r in MATRIX_KINDS if self.cleaned_data.get(f"m_{sending}_{r}")]
            if chosen:
                out[str(sending)] = [str(r) for r in chosen]
        return out

    def values(self) -> dict[str, object]:
        fields = self.Meta.fields
        return {**{f: self.cleaned_data[f] for f in fields if f != "year"}, "matrix": self.matrix()}


class PostForm(forms.Form):
    receiving_unit = forms.IntegerField(label="接收单位")
    title = forms.CharField(label="岗位名称", max_length=100)
    capacity = forms.IntegerField(label="名额", min_value=1, max_value=99, initial=1)
    required_skills = forms.CharField(label="必备条件（逗号分隔）", required=False)
    preferred_skills = forms.CharField(label="优先条件（逗号分隔）", required=False)
    description = forms.CharField(label="岗位说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class QuotaForm(forms.Form):
    unit = forms.IntegerField(label="派出单位")
    quota = forms.IntegerField(label="选派名额", min_value=0, max_value=999)


class AttachmentForm(forms.Form):
    name = forms.CharField(label="附件名称", max_length=200, required=False)
    file = forms.FileField(label="附件")


class ApplyForm(forms.Form):
    statement = forms.CharField(label="个人陈述", widget=forms.Textarea(attrs={"rows": 5}))
    skills = forms.CharField(label="专业特长（逗号分隔）", required=False)
    preference_1 = forms.IntegerField(label="第一志愿", required=False)
    preference_2 = forms.IntegerField(label="第二志愿", required=False)
    preference_3 = forms.IntegerField(label="第三志愿", required=False)

    def preference_ids(self) -> list[int]:
        return [self.cleaned_data[f"preference_{i}"] for i in (1, 2, 3) if self.cleaned_data.get(f"preference_{i}")]


class NominateForm(ApplyForm):
    cadre = forms.IntegerField(label="干部")
    channel = forms.ChoiceField(label="推荐方式", choices=[c for c in Channel.choices if c[0] != Channel.APPLIED])
    meeting_record = forms.CharField(label="单位研究会议记录", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    statement = forms.CharField(label="推荐理由", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class SanctionForm(forms.Form):
    cadre = forms.IntegerField(label="干部")
    kind = forms.CharField(label="处分种类", max_length=50)
    start_date = forms.DateField(label="处分开始日期", widget=DATE)
    end_date = forms.DateField(label="影响期满日期", required=False, widget=DATE)
    reason = forms.CharField(label="事由", required=False)


class UnitReviewForm(forms.Form):
    approve = forms.TypedChoiceField(
        label="单位意见", choices=[("1", "同意推荐"), ("0", "不同意")], coerce=lambda v: v == "1"
    )
    political_assessment = forms.CharField(
        label="政治素质考察", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    work_assessment = forms.CharField(label="工作表现考察", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    opinion = forms.CharField(label="意见", widget=forms.Textarea(attrs={"rows": 2}))


class OrgReviewForm(forms.Form):
    approve = forms.TypedChoiceField(
        label="审核结果", choices=[("1", "通过"), ("0", "不通过")], coerce=lambda v: v == "1"
    )
    opinion = forms.CharField(label="审核意见", required=False)


class AssessmentForm(forms.Form):
    period_kind = forms.ChoiceField(label="考核周期", choices=PeriodKind.choices)
    period = forms.CharField(label="考核期间", max_length=7)
    rating = forms.ChoiceField(label="考核等次", choices=AssessmentRating.choices)
    days_present = forms.IntegerField(label="出勤天数", min_value=0, initial=0)
    days_absent = forms.IntegerField(label="缺勤天数", min_value=0, initial=0)
    comment = forms.CharField(label="评语", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class LiaisonRecordForm(forms.Form):
    date = forms.DateField(label="沟通日期", widget=DATE)
    form = forms.ChoiceField(label="沟通形式", choices=LiaisonForm.choices)
    content = forms.CharField(label="沟通内容", widget=forms.Textarea(attrs={"rows": 2}))


class WorkLogForm(forms.Form):
    date = forms.DateField(label="日期", widget=DATE)
    content = forms.CharField(label="工作内容", widget=forms.Textarea(attrs={"rows": 2}))


class SummaryForm(forms.Form):
    summary = forms.CharField(label="个人总结", widget=forms.Textarea(attrs={"rows": 5}))


class AppraisalForm(forms.Form):
    rating = forms.ChoiceField(label="期满考核等次", choices=FinalRating.choices)
    comment = forms.CharField(label="鉴定意见", widget=forms.Textarea(attrs={"rows": 3}))


class OpinionForm(forms.Form):
    opinion = forms.CharField(label="派出单位意见", widget=forms.Textarea(attrs={"rows": 2}))


class ReturnForm(forms.Form):
    returned_at = forms.DateField(label="返回日期", required=False, widget=DATE)
