from __future__ import annotations

from django import forms

from peixun.library.models import Scope
from peixun.org.models import Unit


class UploadForm(forms.Form):
    file = forms.FileField(label="讲义文件")
    title = forms.CharField(label="讲义名称", max_length=200, required=False, help_text="不填则用文件名")
    handout = forms.IntegerField(required=False, widget=forms.HiddenInput)


class OrganiseForm(forms.Form):
    title = forms.CharField(label="标题", max_length=200)
    summary = forms.CharField(label="摘要", widget=forms.Textarea(attrs={"rows": 4}), required=False)
    category = forms.CharField(label="业务领域", max_length=50, required=False)
    tags = forms.CharField(label="标签", required=False, help_text="多个标签用逗号分隔")
    scope = forms.ChoiceField(label="可见范围", choices=Scope.choices)
    units = forms.ModelMultipleChoiceField(label="指定单位", queryset=Unit.objects.none(), required=False)
    allow_download = forms.BooleanField(label="允许下载（否则仅可在线预览）", required=False, initial=True)

    def __init__(self, *args, units=None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["units"].queryset = units


class EditForm(OrganiseForm):
    file = forms.FileField(label="替换文件", required=False, help_text="上传后作为该讲义的新版本，旧版本保留")
