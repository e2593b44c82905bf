from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from peixun.accounts.roles import Role
from peixun.audit.events import Event
from peixun.audit.models import AuditEvent
from peixun.offices import services
from peixun.offices.models import OfficeMembership, OfficeRole
from peixun.org.models import CadreStatus
from peixun.org.tests.factories import CadreFactory, cadre_user

pytestmark = pytest.mark.django_db


def test_org_admin_adds_a_member_and_it_is_audited(org_admin, office, tree):
    cadre = CadreFactory(unit=tree.city_a)
    membership = services.office_member_add(actor=org_admin, office=office, cadre=cadre, role=OfficeRole.MEMBER)
    assert membership.role == OfficeRole.MEMBER
    record = AuditEvent.objects.get(event=Event.OFFICE_MEMBER_ADD)
    assert record.actor_id == org_admin.pk
    assert record.detail["cadre"] == cadre.employee_number


def test_a_new_member_gets_the_office_member_role(org_admin, office, tree):
    user = cadre_user(unit=tree.county_a1)
    assert not user.has_role(Role.OFFICE_MEMBER)
    services.office_member_add(actor=org_admin, office=office, cadre=user.cadre, role=OfficeRole.MEMBER)
    fresh = type(user).objects.get(pk=user.pk)
    assert fresh.has_role(Role.OFFICE_MEMBER)
    assert office.pk in fresh.grants.member_office_ids


@pytest.mark.parametrize(
    "who", ["county_a1_admin", "city_a_admin", "system_admin", "security_admin", "office_member", "teacher"]
)
def test_it_refuses_everyone_but_the_org_admin_and_the_director(request, who, office, tree):
    actor = request.getfixturevalue(who)
    cadre = CadreFactory(unit=tree.county_a1)
    with pytest.raises(PermissionDenied) as exc:
        services.office_member_add(actor=actor, office=office, cadre=cadre, role=OfficeRole.MEMBER)
    assert str(exc.value) == services.ERR_NOT_ALLOWED
    with pytest.raises(PermissionDenied):
        services.office_director_set(actor=actor, office=office, cadre=cadre)
    assert not OfficeMembership.objects.filter(cadre=cadre).exists()


def test_it_refuses_a_member_removal_by_a_fellow_member(office_director, office_member, office):
    with pytest.raises(PermissionDenied):
        services.office_member_remove(actor=office_member, office=office, cadre=office_director.cadre)
    assert OfficeMembership.objects.filter(office=office, cadre=office_director.cadre).exists()


def test_it_refuses_a_second_director_when_adding(org_admin, office_director, office, tree):
    cadre = CadreFactory(unit=tree.department)
    with pytest.raises(ValidationError) as exc:
        services.office_member_add(actor=org_admin, office=office, cadre=cadre, role=OfficeRole.DIRECTOR)
    assert exc.value.message_dict == {"role": [services.ERR_DIRECTOR_EXISTS]}
    assert OfficeMembership.objects.filter(office=office, role=OfficeRole.DIRECTOR).count() == 1


def test_it_refuses_adding_the_same_cadre_twice(org_admin, office_member, office):
    with pytest.raises(ValidationError) as exc:
        services.office_member_add(actor=org_admin, office=office, cadre=office_member.cadre)
    assert exc.value.message_dict == {"cadre": [services.ERR_ALREADY_MEMBER]}


def test_it_refuses_a_retired_cadre(org_admin, office, tree):
    cadre = CadreFactory(unit=tree.city_a, status=CadreStatus.RETIRED)
    with pytest.raises(ValidationError) as exc:
        services.office_member_add(actor=org_admin, office=office, cadre=cadre)
    assert exc.value.message_dict == {"cadre": [services.ERR_CADRE_INACTIVE]}


def test_setting_a_director_demotes_the_previous_one(org_admin, office_director, office_member, office):
    services.office_director_set(actor=org_admin, office=office, cadre=office_member.cadre)
    roles = dict(OfficeMembership.objects.filter(office=office).values_list("cadre_id", "role"))
    assert roles == {office_member.cadre_id: OfficeRole.DIRECTOR, office_director.cadre_id: OfficeRole.MEMBER}
    record = AuditEvent.objects.get(event=Event.OFFICE_DIRECTOR_SET)
    assert record.detail["previous"] == office_director.cadre.employee_number


def test_setting_a_non_member_as_director_adds_them(org_admin, office_director, office, tree):
    cadre = CadreFactory(unit=tree.department)
    services.office_director_set(actor=org_admin, office=office, cadre=cadre)
    assert OfficeMembership.objects.get(office=office, role=OfficeRole.DIRECTOR).cadre == cadre
    assert OfficeMembership.objects.filter(office=office).count() == 2


def test_setting_the_current_director_again_keeps_one_director(org_admin, office_director, office):
    services.office_director_set(actor=org_admin, office=office, cadre=office_director.cadre)
    assert list(OfficeMembership.objects.filter(office=office).values_list("role", flat=True)) == [OfficeRole.DIRECTOR]


def test_removing_a_member_is_audited(org_admin, office_member, office):
    services.office_member_remove(actor=org_admin, office=office, cadre=office_member.cadre)
    assert not OfficeMembership.objects.filter(office=office).exists()
    record = AuditEvent.objects.get(event=Event.OFFICE_MEMBER_REMOVE)
    assert record.detail == {"office": office.code, "cadre": office_member.cadre.employee_number, "role": "member"}


def test_removing_a_non_member_is_refused(org_admin, office, tree):
    cadre = CadreFactory(unit=tree.city_a)
    with pytest.raises(ValidationError) as exc:
        services.office_member_remove(actor=org_admin, office=office, cadre=cadre)
    assert exc.value.message_dict == {"cadre": [services.ERR_NOT_MEMBER]}
    assert not AuditEvent.objects.filter(event=Event.OFFICE_MEMBER_REMOVE).exists()
