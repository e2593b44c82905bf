"""The catalogue of audited events: code name and the label the audit admin reads."""

from __future__ import annotations

from django.db import models


class Event(models.TextChoices):
    LOGIN_SUCCESS = "login.success", "登录成功"
    LOGIN_FAILURE = "login.failure", "登录失败"
    LOGIN_LOCKOUT = "login.lockout", "账户锁定"
    LOGOUT = "logout", "退出登录"
    PASSWORD_CHANGE = "password.change", "修改密码"
    PASSWORD_RESET = "password.reset", "重置密码"
    USER_CREATE = "user.create", "创建账户"
    USER_DEACTIVATE = "user.deactivate", "停用账户"
    USER_ACTIVATE = "user.activate", "启用账户"
    USER_UNLOCK = "user.unlock", "解除锁定"
    ROLE_GRANT = "role.grant", "授予角色"
    ROLE_REVOKE = "role.revoke", "撤销角色"
    UNIT_CREATE = "unit.create", "新增单位"
    UNIT_UPDATE = "unit.update", "修改单位"
    CADRE_CREATE = "cadre.create", "新增干部"
    CADRE_UPDATE = "cadre.update", "修改干部"
    OFFICE_MEMBER_ADD = "office.member_add", "教研室增加成员"
    OFFICE_MEMBER_REMOVE = "office.member_remove", "教研室移除成员"
    IMPORT = "import", "导入"
    EXPORT = "export", "导出"
    DOWNLOAD = "download", "下载"
    ACCESS_DENIED = "access.denied", "越权访问"


def label(code: str) -> str:
    try:
        return Event(code).label
    except ValueError:
        return code
