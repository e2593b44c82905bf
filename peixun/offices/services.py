"""Membership of the teaching-research offices. Only the organisation department changes it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from peixun.accounts.models import User
from peixun.accounts.roles import Role
from peixun.audit.events import Event
from peixun.audit.services import audit_record
from peixun.offices.models import OfficeMembership, OfficeRole, ResearchOffice
from peixun.org.models import Cadre, CadreStatus

ERR_NOT_ALLOWED = "只有组织部管理员可以调整教研室成员"
ERR_ALREADY_MEMBER = "该干部已是本教研室成员"
ERR_NOT_MEMBER = "该干部不是本教研室成员"
ERR_DIRECTOR_EXISTS = "本教研室已有主任，请通过“设置主任”更换"
ERR_CADRE_INACTIVE = "只有在职干部可以加入教研室"
ERR_BAD_ROLE = "职责只能是主任或成员"


def _require_org_admin(actor: User) -> None:
    if not actor.has_role(Role.ORG_ADMIN):
        raise PermissionDenied(ERR_NOT_ALLOWED)


def _forget_grants(cadre: Cadre) -> None:
    """A cached `grants` on the cadre's account would still show the old office roles."""
    user = getattr(cadre, "user", None)
    if user is not None and "grants" in user.__dict__:
        del user.__dict__["grants"]


@transaction.atomic
def office_member_add(
    *, actor: User, office: ResearchOffice, cadre: Cadre, role: str = OfficeRole.MEMBER
) -> OfficeMembership:
    _require_org_admin(actor)
    if role not in OfficeRole.values:
        raise ValidationError({"role": ERR_BAD_ROLE})
    if cadre.status != CadreStatus.ACTIVE:
        raise ValidationError({"cadre": ERR_CADRE_INACTIVE})
    if OfficeMembership.objects.filter(office=office, cadre=cadre).exists():
        raise ValidationError({"cadre": ERR_ALREADY_MEMBER})
    # Lock the office's rows so two concurrent adds cannot both become director.
    directors = OfficeMembership.objects.select_for_update().filter(office=office, role=OfficeRole.DIRECTOR)
    if role == OfficeRole.DIRECTOR and directors.exists():
        raise ValidationError({"role": ERR_DIRECTOR_EXISTS})
    membership = OfficeMembership.objects.create(office=office, cadre=cadre, role=role)
    audit_record(
        actor=actor,
        event=Event.OFFICE_MEMBER_ADD,
        obj=membership,
        detail={"office": office.code, "cadre": cadre.employee_number, "role": role},
    )
    _forget_grants(cadre)
    return membership


@transaction.atomic
def office_member_remove(*, actor: User, office: ResearchOffice, cadre: Cadre) -> None:
    _require_org_admin(actor)
    membership = OfficeMembership.objects.filter(office=office, cadre=cadre).first()
    if membership is None:
        raise ValidationError({"cadre": ERR_NOT_MEMBER})
    audit_record(
        actor=actor,
        event=Event.OFFICE_MEMBER_REMOVE,
        obj=membership,
        detail={"office": office.code, "cadre": cadre.employee_number, "role": membership.role},
    )
    membership.delete()
    _forget_grants(cadre)


@transaction.atomic
def office_director_set(*, actor: User, office: ResearchOffice, cadre: Cadre) -> OfficeMembership:
    """Make the cadre the office's director; the previous director stays on as a member."""
    _require_org_admin(actor)
    if cadre.status != CadreStatus.ACTIVE:
        raise ValidationError({"cadre": ERR_CADRE_INACTIVE})
    previous = (
        OfficeMembership.objects.select_for_update()
        .filter(office=office, role=OfficeRole.DIRECTOR)
        .exclude(cadre=cadre)
        .select_related("cadre")
        .first()
    )
    if previous is not None:
        # Demote first: the database allows one director per office at any moment.
        OfficeMembership.objects.filter(pk=previous.pk).update(role=OfficeRole.MEMBER)
    membership, created = OfficeMembership.objects.get_or_create(
        office=office, cadre=cadre, defaults={"role": OfficeRole.DIRECTOR}
    )
    if not created and membership.role != OfficeRole.DIRECTOR:
        membership.role = OfficeRole.DIRECTOR
        membership.save(update_fields=["role"])
    audit_record(
        actor=actor,
        event=Event.OFFICE_DIRECTOR_SET,
        obj=membership,
        detail={
            "office": office.code,
            "cadre": cadre.employee_number,
            "previous": previous.cadre.employee_number if previous else "",
        },
    )
    _forget_grants(cadre)
    if previous is not None:
        _forget_grants(previous.cadre)
    return membership
