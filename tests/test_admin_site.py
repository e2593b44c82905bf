"""Django admin: the system admin's view-only console; nobody else gets in, whatever their flags."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import Client

from peixun.accounts.models import User
from peixun.accounts.services import ERR_OTHER_POWER
from peixun.audit.events import Event
from peixun.audit.models import AuditEvent
from peixun.offices.models import ResearchOffice
from peixun.org.models import Cadre, Unit
from peixun.org.tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db
ADMIN = "/django-admin/"
OTHERS = ["security_admin", "audit_admin", "org_admin", "city_a_admin", "teacher", "trainee_a1", "office_director"]


def refused(response) -> bool:
    return response.status_code == 403 or (
        response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    )


def test_the_system_admin_reaches_the_console(system_admin, client_of):
    page = client_of(system_admin).get(ADMIN)
    assert page.status_code == 200
    body = page.content.decode()
    for model in ("账户", "单位", "干部", "教研室"):
        assert model in body


@pytest.mark.parametrize("role", OTHERS)
@pytest.mark.parametrize(
    "flags", [{}, {"is_staff": True}, {"is_staff": True, "is_superuser": True}], ids=["plain", "staff", "superuser"]
)
def test_no_one_else_gets_in_even_with_staff_or_superuser_flags(request, client_of, role, flags):
    user = request.getfixturevalue(role)
    User.objects.filter(pk=user.pk).update(**flags)
    client = client_of(User.objects.get(pk=user.pk))
    for url in (ADMIN, f"{ADMIN}accounts/user/", f"{ADMIN}org/cadre/", f"{ADMIN}accounts/user/{user.pk}/change/"):
        assert refused(client.get(url)), url


def test_an_anonymous_visitor_is_sent_to_the_platform_login(tree):
    response = Client().get(ADMIN)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/django-admin/"
    # The admin's own login page sends there too.
    login = Client().get(f"{ADMIN}login/?next={ADMIN}")
    assert login.status_code == 302
    assert login["Location"] == "/accounts/login/?next=/django-admin/"


def test_the_admins_own_login_form_is_not_a_side_door(tree, system_admin):
    User.objects.filter(pk=system_admin.pk).update(is_staff=True, is_superuser=True)
    client = Client()
    response = client.post(f"{ADMIN}login/", {"username": "sysadmin", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.get(ADMIN).status_code == 302
    assert not AuditEvent.objects.filter(event=Event.LOGIN_SUCCESS).exists()


def test_the_admins_logout_ends_every_session(system_admin, client_of):
    here, there = client_of(system_admin), client_of(system_admin)
    here.post(f"{ADMIN}logout/")
    assert refused(there.get(ADMIN))
    assert AuditEvent.objects.filter(event=Event.LOGOUT, actor_id=system_admin.pk).exists()


def test_the_admins_password_page_leads_to_the_platforms(system_admin, client_of):
    response = client_of(system_admin).get(f"{ADMIN}password_change/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/"


@pytest.mark.parametrize("model", [User, Unit, Cadre, ResearchOffice])
def test_the_registered_models_are_view_only(rf, system_admin, model):
    request = rf.get(ADMIN)
    request.user = system_admin
    model_admin = admin.site._registry[model]
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_audit_records_and_django_groups_are_not_in_the_console():
    assert not admin.site.is_registered(AuditEvent)
    assert not admin.site.is_registered(Group)


def test_the_system_admin_lists_and_searches_accounts(system_admin, trainee_a1, trainee_b1, client_of):
    page = client_of(system_admin).get(f"{ADMIN}accounts/user/", {"q": "甲一县"}).content.decode()
    assert trainee_a1.username in page
    assert trainee_b1.username not in page


def test_the_account_page_has_no_password_and_saves_nothing(system_admin, trainee_a1, client_of):
    client = client_of(system_admin)
    url = f"{ADMIN}accounts/user/{trainee_a1.pk}/change/"
    page = client.get(url).content.decode()
    assert trainee_a1.username in page
    assert "pbkdf2" not in page and 'name="password"' not in page
    response = client.post(url, {"username": "hijacked", "is_active": ""})
    assert response.status_code == 403
    assert User.objects.get(pk=trainee_a1.pk).username == trainee_a1.username
    assert client.get(f"{ADMIN}accounts/user/add/").status_code == 403
    assert client.post(f"{ADMIN}accounts/user/{trainee_a1.pk}/delete/", {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=trainee_a1.pk).exists()


def test_the_cadre_page_shows_only_the_masked_id_number(tree, system_admin, org_admin, client_of):
    from peixun.org import services
    from peixun.org.tests.test_idnumber import make_id
    from peixun.org.tests.test_services import BIRTH, data

    number = make_id(BIRTH, "M")
    cadre = services.cadre_create(actor=org_admin, data=data(tree.county_a1, id_number=number))
    page = client_of(system_admin).get(f"{ADMIN}org/cadre/{cadre.pk}/change/").content.decode()
    assert number[:6] + "********" + number[-4:] in page
    assert number not in page
    assert cadre.id_number_encrypted not in page


def test_the_deactivate_action_ends_the_users_sessions_through_the_service(system_admin, trainee_a1, client_of):
    theirs = client_of(trainee_a1)
    response = client_of(system_admin).post(
        f"{ADMIN}accounts/user/", {"action": "deactivate", "_selected_action": [trainee_a1.pk]}, REMOTE_ADDR="192.0.2.3"
    )
    assert response.status_code == 302
    assert not User.objects.get(pk=trainee_a1.pk).is_active
    assert refused(theirs.get("/"))
    record = AuditEvent.objects.get(event=Event.USER_DEACTIVATE)
    assert (record.actor_id, record.object_id, record.ip) == (system_admin.pk, str(trainee_a1.pk), "192.0.2.3")


def test_the_deactivate_action_refuses_the_other_powers(system_admin, audit_admin, client_of):
    response = client_of(system_admin).post(
        f"{ADMIN}accounts/user/", {"action": "deactivate", "_selected_action": [audit_admin.pk]}, follow=True
    )
    assert ERR_OTHER_POWER in response.content.decode()
    assert User.objects.get(pk=audit_admin.pk).is_active
