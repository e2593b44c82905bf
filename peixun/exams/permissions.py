"""Who may do what with the question bank, papers, exams and attempts. Services call these first."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from peixun.accounts.models import User
from peixun.accounts.roles import Role

ERR_NOT_ALLOWED = "您没有权限执行此操作"
ERR_NOT_OFFICE_MEMBER = "只有本教研室成员才能编写本室试题"
ERR_NOT_OFFICE_DIRECTOR = "只有教研室主任才能审核试题"
ERR_NOT_ORGANISER = "只有组织部管理员才能组卷和组织考试"
ERR_NOT_GRADER = "您不是本场考试的阅卷人"
ERR_NOT_IN_AUDIENCE = "您不在本场考试的参考范围内"


def require(condition: bool, message: str = ERR_NOT_ALLOWED) -> None:
    if not condition:
        raise PermissionDenied(message)


def can_author(actor: User, office_id: int) -> bool:
    return actor.is_authenticated and office_id in actor.grants.member_office_ids


def can_review(actor: User, office_id: int) -> bool:
    return actor.is_authenticated and office_id in actor.grants.director_office_ids


def can_organise(actor: User) -> bool:
    return actor.has_role(Role.ORG_ADMIN)


def can_use_bank(actor: User) -> bool:
    return can_organise(actor) or bool(actor.is_authenticated and actor.grants.member_office_ids)
