"""Roles and the three separate powers: who grants, who may not, and what the trail says."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from peixun.accounts import services
from peixun.accounts.models import RoleGrant
from peixun.accounts.roles import Role
from peixun.audit.events import Event
from peixun.audit.models import AuditEvent
from peixun.org.tests.factories import UserFactory, grant

pytestmark = pytest.mark.django_db
POWERS = [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN]


@pytest.mark.parametrize("held", POWERS)
@pytest.mark.parametrize("wanted", POWERS)
def test_no_account_holds_two_of_the_three_powers(tree, security_admin, held, wanted):
    user = grant(UserFactory(), held)
    if held == wanted:
        with pytest.raises(ValidationError) as exc:
            services.role_grant(actor=security_admin, user=user, role=wanted)
        assert exc.value.message_dict == {"role": [services.ERR_GRANT_EXISTS]}
    else:
        with pytest.raises(ValidationError) as exc:
            services.role_grant(actor=security_admin, user=user, role=wanted)
        assert exc.value.message_dict == {"role": [services.ERR_SEPARATION]}
    assert set(user.role_grants.values_list("role", flat=True)) == {held}


def test_a_power_can_join_ordinary_roles(tree, security_admin, org_admin):
    services.role_grant(actor=security_admin, user=org_admin, role=Role.AUDIT_ADMIN)
    assert set(org_admin.role_grants.values_list("role", flat=True)) == {Role.ORG_ADMIN, Role.AUDIT_ADMIN}


def test_the_separation_rule_is_shown_on_the_page(tree, security_admin, audit_admin, client_of):
    response = client_of(security_admin).post(
        reverse("accounts:user_detail", kwargs={"pk": audit_admin.pk}), {"role": "system_admin", "unit_code": ""}
    )
    assert response.status_code == 200
    assert services.ERR_SEPARATION in response.content.decode()
    assert not audit_admin.role_grants.filter(role=Role.SYSTEM_ADMIN).exists()


def test_nobody_grants_a_role_to_themselves(tree, security_admin):
    with pytest.raises(PermissionDenied) as exc:
        services.role_grant(actor=security_admin, user=security_admin, role=Role.ORG_ADMIN)
    assert str(exc.value) == services.ERR_SELF_GRANT


def test_nobody_revokes_their_own_role(tree, security_admin):
    own = RoleGrant.objects.get(user=security_admin)
    with pytest.raises(PermissionDenied) as exc:
        services.role_revoke(actor=security_admin, grant=own)
    assert str(exc.value) == services.ERR_SELF_GRANT
    assert RoleGrant.objects.filter(pk=own.pk).exists()


@pytest.mark.parametrize("role", ["system_admin", "audit_admin", "org_admin", "city_a_admin"])
def test_only_the_security_admin_grants_roles(request, tree, trainee_a1, role):
    actor = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        services.role_grant(actor=actor, user=trainee_a1, role=Role.TEACHER)
    assert not trainee_a1.role_grants.exists()


@pytest.mark.parametrize("role", ["system_admin", "audit_admin"])
def test_the_grant_form_refuses_everyone_but_the_security_admin(request, tree, trainee_a1, client_of, role):
    client = client_of(request.getfixturevalue(role))
    client.post(reverse("accounts:user_detail", kwargs={"pk": trainee_a1.pk}), {"role": "teacher"})
    assert not trainee_a1.role_grants.exists()


def test_a_unit_admin_needs_a_unit_and_a_teacher_has_none(tree, security_admin, trainee_a1):
    with pytest.raises(ValidationError) as exc:
        services.role_grant(actor=security_admin, user=trainee_a1, role=Role.UNIT_ADMIN)
    assert exc.value.message_dict == {"unit": [services.ERR_UNIT_REQUIRED]}
    with pytest.raises(ValidationError) as exc:
        services.role_grant(actor=security_admin, user=trainee_a1, role=Role.TEACHER, unit=tree.city_a)
    assert exc.value.message_dict == {"unit": [services.ERR_UNIT_NOT_ALLOWED]}


def test_grant_and_revoke_are_audited_with_actor_address_and_role(tree, security_admin, trainee_a1, client_of):
    client = client_of(security_admin)
    client.post(
        reverse("accounts:user_detail", kwargs={"pk": trainee_a1.pk}),
        {"role": "unit_admin", "unit_code": "A1"},
        REMOTE_ADDR="192.0.2.10",
    )
    granted = AuditEvent.objects.get(event=Event.ROLE_GRANT)
    assert (granted.actor_id, granted.ip, granted.object_id, granted.detail) == (
        security_admin.pk,
        "192.0.2.10",
        str(trainee_a1.pk),
        {"role": "unit_admin", "unit": "A1"},
    )
    the_grant = RoleGrant.objects.get(user=trainee_a1)
    assert the_grant.granted_by == security_admin
    client.post(reverse("accounts:role_revoke", kwargs={"pk": the_grant.pk}), REMOTE_ADDR="192.0.2.11")
    revoked = AuditEvent.objects.get(event=Event.ROLE_REVOKE)
    assert (revoked.actor_id, revoked.ip, revoked.detail) == (
        security_admin.pk,
        "192.0.2.11",
        {"role": "unit_admin", "unit": "A1"},
    )
    assert not RoleGrant.objects.filter(user=trainee_a1).exists()


def test_an_unknown_unit_code_is_refused_on_the_page(tree, security_admin, trainee_a1, client_of):
    response = client_of(security_admin).post(
        reverse("accounts:user_detail", kwargs={"pk": trainee_a1.pk}), {"role": "unit_admin", "unit_code": "NOPE"}
    )
    assert "单位编码不存在" in response.content.decode()
    assert not trainee_a1.role_grants.exists()


@pytest.mark.parametrize(
    "url",
    [
        lambda u: reverse("accounts:user_list"),
        lambda u: reverse("accounts:user_detail", kwargs={"pk": u.pk}),
    ],
    ids=["list", "detail"],
)
def test_the_audit_admin_cannot_reach_the_account_pages(tree, audit_admin, trainee_a1, client_of, url):
    assert client_of(audit_admin).get(url(trainee_a1)).status_code == 403


@pytest.mark.parametrize("action", ["deactivate", "activate", "unlock", "reset-password"])
def test_the_audit_admin_cannot_change_an_account(tree, audit_admin, trainee_a1, client_of, action):
    response = client_of(audit_admin).post(
        reverse("accounts:user_action", kwargs={"pk": trainee_a1.pk, "action": action}),
        {"new_password": "Issued#2026"},
    )
    assert response.status_code == 403
    trainee_a1.refresh_from_db()
    assert trainee_a1.is_active


def test_the_audit_admin_cannot_revoke_a_role(tree, audit_admin, teacher, client_of):
    the_grant = RoleGrant.objects.get(user=teacher)
    assert client_of(audit_admin).post(reverse("accounts:role_revoke", kwargs={"pk": the_grant.pk})).status_code == 403
    assert RoleGrant.objects.filter(pk=the_grant.pk).exists()


def test_the_security_admin_grants_but_does_not_deactivate(tree, security_admin, trainee_a1, client_of):
    response = client_of(security_admin).post(
        reverse("accounts:user_action", kwargs={"pk": trainee_a1.pk, "action": "deactivate"})
    )
    assert response.status_code == 403
    trainee_a1.refresh_from_db()
    assert trainee_a1.is_active


def test_the_account_list_searches_by_name(tree, system_admin, trainee_a1, trainee_b1, client_of):
    page = client_of(system_admin).get(reverse("accounts:user_list"), {"q": "甲一县学员"}).content.decode()
    assert trainee_a1.username in page
    assert trainee_b1.username not in page


def test_the_account_list_is_not_one_query_per_row(tree, system_admin, client_of, django_assert_max_num_queries):
    from peixun.org.tests.factories import cadre_user

    for i in range(30):
        grant(cadre_user(unit=tree.county_b1, name=f"批量{i}"), Role.TEACHER)
    client = client_of(system_admin)
    with django_assert_max_num_queries(15):
        assert client.get(reverse("accounts:user_list")).status_code == 200
