"""Membership of the teaching-research offices.

The organisation department manages every office's membership, directors included. An office's director
may add and remove the office's ordinary members, choosing among the people the director can see (see
`selectors.member_candidate_q`); appointing or dismissing a director stays with the organisation
department. Every change is audited and written to the office's own history.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from peixun.accounts.models import User
from peixun.accounts.roles import Role
from peixun.audit.events import Event
from peixun.audit.services import audit_record
from peixun.offices.models import (
    MembershipChangeKind,
    OfficeMembership,
    OfficeMembershipChange,
    OfficeRole,
    ResearchOffice,
)
from peixun.offices.selectors import may_add_candidate, may_manage_members
from peixun.org.models import Cadre, CadreStatus

ERR_NOT_ALLOWED = "只有组织部管理员或本室主任可以调整教研室成员"
ERR_DIRECTOR_ORG_ONLY = "任免教研室主任由组织部管理员办理，主任只能增减本室普通成员"
ERR_OUT_OF_REACH = "该干部不在您可选的范围内（师资库在库教师或本单位干部）"
ERR_ALREADY_MEMBER = "该干部已是本教研室成员"
ERR_NOT_MEMBER = "该干部不是本教研室成员"
ERR_DIRECTOR_EXISTS = "本教研室已有主任，请通过“设置主任”更换"
ERR_CADRE_INACTIVE = "只有在职干部可以加入教研室"
ERR_BAD_ROLE = "职责只能是主任或成员"
ERR_SAME_ROLE = "该成员已是此职责"
ERR_REASON_LONG = "说明不能超过200字"

REASON_MAX = 200


def _require_manager(actor: User, office: ResearchOffice) -> None:
    if not may_manage_members(actor, office.pk):
        raise PermissionDenied(ERR_NOT_ALLOWED)


def _is_org(actor: User) -> bool:
    return actor.has_role(Role.ORG_ADMIN)


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": ERR_REASON_LONG})
    return reason


def _forget_grants(cadre: Cadre) -> None:
    """A cached `grants` on the cadre's account would still show the old office roles."""
    user = getattr(cadre, "user", None)
    if user is not None and "grants" in user.__dict__:
        del user.__dict__["grants"]


def _history(
    *,
    actor: User,
    office: ResearchOffice,
    cadre: Cadre,
    kind: str,
    role: str = "",
    previous: str = "",
    reason: str = "",
) -> None:
    OfficeMembershipChange.objects.create(
        office=office, cadre=cadre, cadre_name=cadre.name, employee_number=cadre.employee_number, kind=kind,
        role=role, previous_role=previous, reason=reason, actor=actor, actor_name=str(actor)[:150],
    )  # fmt: skip


@transaction.atomic
def office_member_add(
    *, actor: User, office: ResearchOffice, cadre: Cadre, role: str = OfficeRole.MEMBER, reason: str = ""
) -> OfficeMembership:
    _require_manager(actor, office)
    if role not in OfficeRole.values:
        raise ValidationError({"role": ERR_BAD_ROLE})
    if not _is_org(actor):
        if role != OfficeRole.MEMBER:
            raise PermissionDenied(ERR_DIRECTOR_ORG_ONLY)
        if not may_add_candidate(actor, cadre):
            raise PermissionDenied(ERR_OUT_OF_REACH)
    reason = _clean_reason(reason)
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
    _history(actor=actor, office=office, cadre=cadre, kind=MembershipChangeKind.ADD, role=role, reason=reason)
    _forget_grants(cadre)
    return membership


@transaction.atomic
def office_member_remove(*, actor: User, office: ResearchOffice, cadre: Cadre, reason: str = "") -> None:
    _require_manager(actor, office)
    membership = OfficeMembership.objects.select_for_update().filter(office=office, cadre=cadre).first()
    if membership is None:
        raise ValidationError({"cadre": ERR_NOT_MEMBER})
    if membership.role == OfficeRole.DIRECTOR and not _is_org(actor):
        raise PermissionDenied(ERR_DIRECTOR_ORG_ONLY)
    reason = _clean_reason(reason)
    audit_record(
        actor=actor,
        event=Event.OFFICE_MEMBER_REMOVE,
        obj=membership,
        detail={"office": office.code, "cadre": cadre.employee_number, "role": membership.role},
    )
    _history(
        actor=actor, office=office, cadre=cadre, kind=MembershipChangeKind.REMOVE, previous=membership.role,
        reason=reason,
    )  # fmt: skip
    membership.delete()
    _forget_grants(cadre)


@transaction.atomic
def office_director_set(*, actor: User, office: ResearchOffice, cadre: Cadre, reason: str = "") -> OfficeMembership:
    """Make the cadre the office's director; the previous director stays on as a member."""
    _require_manager(actor, office)
    if not _is_org(actor):
        raise PermissionDenied(ERR_DIRECTOR_ORG_ONLY)
    reason = _clean_reason(reason)
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
        _history(
            actor=actor, office=office, cadre=previous.cadre, kind=MembershipChangeKind.ROLE,
            role=OfficeRole.MEMBER, previous=OfficeRole.DIRECTOR, reason=reason,
        )  # fmt: skip
    membership, created = OfficeMembership.objects.get_or_create(
        office=office, cadre=cadre, defaults={"role": OfficeRole.DIRECTOR}
    )
    if created:
        _history(
            actor=actor, office=office, cadre=cadre, kind=MembershipChangeKind.ADD, role=OfficeRole.DIRECTOR,
            reason=reason,
        )  # fmt: skip
    elif membership.role != OfficeRole.DIRECTOR:
        membership.role = OfficeRole.DIRECTOR
        membership.save(update_fields=["role"])
        _history(
            actor=actor, office=office, cadre=cadre, kind=MembershipChangeKind.ROLE, role=OfficeRole.DIRECTOR,
            previous=OfficeRole.MEMBER, reason=reason,
        )  # fmt: skip
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


@transaction.atomic
def office_member_role_set(
    *, actor: User, office: ResearchOffice, cadre: Cadre, role: str, reason: str = ""
) -> OfficeMembership:
    """Change a member's role: to director (the previous one steps down to member), or back to member
    (the office then has no director until one is set). Only the organisation department."""
    _require_manager(actor, office)
    if not _is_org(actor):
        raise PermissionDenied(ERR_DIRECTOR_ORG_ONLY)
    if role not in OfficeRole.values:
        raise ValidationError({"role": ERR_BAD_ROLE})
    membership = OfficeMembership.objects.select_for_update().filter(office=office, cadre=cadre).first()
    if membership is None:
        raise ValidationError({"cadre": ERR_NOT_MEMBER})
    if membership.role == role:
        raise ValidationError({"role": ERR_SAME_ROLE})
    if role == OfficeRole.DIRECTOR:
        return office_director_set(actor=actor, office=office, cadre=cadre, reason=reason)
    reason = _clean_reason(reason)
    membership.role = OfficeRole.MEMBER
    membership.save(update_fields=["role"])
    audit_record(
        actor=actor,
        event=Event.OFFICE_DIRECTOR_SET,
        obj=membership,
        detail={"office": office.code, "cadre": "", "previous": cadre.employee_number},
    )
    _history(
        actor=actor, office=office, cadre=cadre, kind=MembershipChangeKind.ROLE, role=OfficeRole.MEMBER,
        previous=OfficeRole.DIRECTOR, reason=reason,
    )  # fmt: skip
    _forget_grants(cadre)
    return membership
