from __future__ import annotations

from django import forms

from peixun.accounts.roles import Role


class LoginForm(forms.Form):
    username = forms.CharField(label="工号或用户名", max_length=150)
    password = forms.CharField(label="密码", widget=forms.PasswordInput, max_length=128)


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label="原密码", widget=forms.PasswordInput)
    new_password = forms.CharField(label="新密码", widget=forms.PasswordInput)
    new_password2 = forms.CharField(label="确认新密码", widget=forms.PasswordInput)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("new_password") and data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", "两次输入的新密码不一致")
        return data


class RoleGrantForm(forms.Form):
    role = forms.ChoiceField(label="角色", choices=Role.grantable_choices())
    unit_code = forms.CharField(label="管理单位编码", required=False, max_length=32)


class PasswordResetForm(forms.Form):
    new_password = forms.CharField(label="初始密码", widget=forms.PasswordInput)
