"""Who may do what in training administration. Services call these first."""

from __future__ import annotations

from peixun.accounts.models import User
from peixun.accounts.roles import Role
from peixun.org.models import Unit
from peixun.training.models import TrainingClass, Venue

ERR_NOT_ALLOWED = "您没有权限执行此操作"
ERR_OUT_OF_SCOPE = "只能管理本单位及下级单位的学员"
ERR_NOT_OPERATOR = "您不是该分会场的管理员"


def is_org_admin(actor: User) -> bool:
    return actor.has_role(Role.ORG_ADMIN)


def may_manage_training(actor: User) -> bool:
    """Plans, venues, allocation and all classes: the organisation department."""
    return is_org_admin(actor)


def may_manage_class(actor: User, training_class: TrainingClass) -> bool:
    """The organisation department, or the director of the office that runs the class."""
    return is_org_admin(actor) or training_class.office_id in actor.grants.director_office_ids


def admin_covers_unit(actor: User, unit: Unit) -> bool:
    if is_org_admin(actor):
        return True
    return actor.has_role(Role.UNIT_ADMIN) and any(unit.path.startswith(p) for p in actor.grants.admin_paths)


def operates_venue(actor: User, venue: Venue) -> bool:
    """Venue operators are the holders of Role.VENUE_OPERATOR granted on the venue's unit."""
    if not actor.has_role(Role.VENUE_OPERATOR):
        return False
    return any(u.pk == venue.unit_id for u in actor.grants.operator_units)


def may_operate_venue(actor: User, venue: Venue) -> bool:
    """A venue's QR code, attendance and sign-in sheet: the organisation department or the venue's operators."""
    return is_org_admin(actor) or operates_venue(actor, venue)


def may_see_coverage(actor: User) -> bool:
    """Coverage figures (全员培训): the province-wide admin roles and unit admins (each cut to their scope)."""
    return actor.has_role(Role.ORG_ADMIN, Role.UNIT_ADMIN, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN)


def operator_unit_ids(actor: User) -> list[int]:
    if not actor.has_role(Role.VENUE_OPERATOR):
        return []
    return sorted(u.pk for u in actor.grants.operator_units)


def may_decide_leave(actor: User) -> bool:
    """Unit admins and the organisation department decide leave (never their own: the service refuses)."""
    return actor.has_role(Role.ORG_ADMIN) or actor.has_role(Role.UNIT_ADMIN)
