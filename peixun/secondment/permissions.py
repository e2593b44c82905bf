"""Who may do what in a secondment. Services call these first; selectors use the same unit tests."""

from __future__ import annotations

from peixun.accounts.models import User
from peixun.accounts.roles import Role
from peixun.org.models import Unit
from peixun.secondment.models import RECEIVING_STAGES, Secondment

ERR_NOT_ALLOWED = "您没有权限执行此操作"
ERR_NOT_SENDING = "只有派出单位或组织部可以办理此事项"
ERR_NOT_RECEIVING = "只有接收单位或组织部可以办理此事项"
ERR_NOT_SECONDEE = "只有锻炼干部本人可以办理此事项"


def is_org_admin(actor: User) -> bool:
    return actor.has_role(Role.ORG_ADMIN)


def admins_unit(actor: User, unit: Unit | None) -> bool:
    """The actor is a unit admin whose subtree holds the unit."""
    if unit is None or not actor.has_role(Role.UNIT_ADMIN):
        return False
    return any(unit.path.startswith(p) for p in actor.grants.admin_paths)


def is_sending_admin(actor: User, s: Secondment) -> bool:
    return admins_unit(actor, s.sending_unit)


def is_receiving_admin(actor: User, s: Secondment) -> bool:
    return s.stage in RECEIVING_STAGES and admins_unit(actor, s.receiving_unit)


def is_secondee(actor: User, s: Secondment) -> bool:
    return actor.is_authenticated and actor.cadre_id is not None and actor.cadre_id == s.cadre_id


def can_manage_batches(actor: User) -> bool:
    return is_org_admin(actor)


def can_act_for_sending(actor: User, s: Secondment) -> bool:
    return is_org_admin(actor) or is_sending_admin(actor, s)


def can_act_for_receiving(actor: User, s: Secondment) -> bool:
    return is_org_admin(actor) or is_receiving_admin(actor, s)


def can_put_forward(actor: User) -> bool:
    return actor.has_role(Role.ORG_ADMIN, Role.UNIT_ADMIN)
