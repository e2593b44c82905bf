from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    SYSTEM_ADMIN = "system_admin", "系统管理员"
    SECURITY_ADMIN = "security_admin", "安全管理员"
    AUDIT_ADMIN = "audit_admin", "安全审计员"
    ORG_ADMIN = "org_admin", "组织部管理员"
    UNIT_ADMIN = "unit_admin", "单位培训管理员"
    OFFICE_DIRECTOR = "office_director", "教研室主任"
    OFFICE_MEMBER = "office_member", "教研室成员"
    TEACHER = "teacher", "教师"
    VENUE_OPERATOR = "venue_operator", "分会场管理员"
    TRAINEE = "trainee", "学员"

    @classmethod
    def grantable_choices(cls) -> list[tuple[str, str]]:
        """Roles stored as grants; office roles come from office membership, trainee from the cadre."""
        derived = {cls.OFFICE_DIRECTOR, cls.OFFICE_MEMBER, cls.TRAINEE}
        return [(r.value, r.label) for r in cls if r not in derived]

    @classmethod
    def unit_scoped(cls) -> set[Role]:
        return {cls.UNIT_ADMIN, cls.VENUE_OPERATOR}


# Roles that see and manage the whole province's organisation and training data.
PROVINCE_WIDE = {Role.ORG_ADMIN, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN}
