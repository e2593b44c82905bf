"""Who may change what in the organisation tree. Services call these first."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from peixun.accounts.models import User
from peixun.accounts.roles import Role
from peixun.org.models import Unit

ERR_NOT_ALLOWED = "您没有权限执行此操作"
ERR_OUT_OF_SCOPE = "只能管理本单位及下级单位的数据"


def can_manage_tree(actor: User) -> bool:
    return actor.has_role(Role.ORG_ADMIN)


def can_manage_cadres_in(actor: User, unit: Unit) -> bool:
    if actor.has_role(Role.ORG_ADMIN):
        return True
    return actor.has_role(Role.UNIT_ADMIN) and any(unit.path.startswith(p) for p in actor.grants.admin_paths)


def can_import_cadres(actor: User) -> bool:
    return actor.has_role(Role.ORG_ADMIN, Role.UNIT_ADMIN)


def require(condition: bool, message: str = ERR_NOT_ALLOWED) -> None:
    if not condition:
        raise PermissionDenied(message)
