"""Sessions: idle timeout, and logout, deactivation and role changes that reach every open session."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from peixun.accounts.middleware import LAST_ACTIVITY_KEY
from peixun.accounts.models import RoleGrant, Session
from peixun.accounts.roles import Role
from peixun.accounts.services import ERR_LOGIN_FAILED, ERR_OTHER_POWER, ERR_SELF_DEACTIVATE
from peixun.audit.events import Event
from peixun.audit.models import AuditEvent
from peixun.org.tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def session_row(client: Client) -> Session:
    return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)


def sent_to_login(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def expire_soon_and_forget_activity(client: Client) -> None:
    """As if the user's last request was long ago and the session has 30 s left."""
    session = client.session
    session[LAST_ACTIVITY_KEY] = 0
    session.save()
    Session.objects.filter(pk=session_row(client).pk).update(expire_date=timezone.now() + dt.timedelta(seconds=30))


def remaining(client: Client) -> dt.timedelta:
    return session_row(client).expire_date - timezone.now()


def test_a_request_by_the_user_pushes_the_idle_expiry_on(trainee_a1, client_of):
    client = client_of(trainee_a1)
    expire_soon_and_forget_activity(client)
    assert client.get("/").status_code == 200
    assert dt.timedelta(seconds=settings.SESSION_COOKIE_AGE - 60) < remaining(client)
    assert remaining(client) <= dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)


def test_a_background_poll_does_not_keep_the_session_alive(trainee_a1, client_of):
    client = client_of(trainee_a1)
    expire_soon_and_forget_activity(client)
    assert client.get("/", headers={"X-Peixun-Background": "1"}).status_code == 200
    assert remaining(client) <= dt.timedelta(seconds=30)


def test_requests_within_a_minute_of_each_other_write_the_session_once(trainee_a1, client_of):
    client = client_of(trainee_a1)
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    assert not [q for q in queries.captured_queries if q["sql"].startswith(("UPDATE", "INSERT"))]


def test_an_idle_session_is_over(trainee_a1, client_of):
    client = client_of(trainee_a1)
    assert client.get("/").status_code == 200
    # As if the user had been away for longer than the idle timeout.
    Session.objects.filter(pk=session_row(client).pk).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    assert sent_to_login(client.get("/"))


def test_the_idle_timeout_is_thirty_minutes_unless_configured():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_logout_in_one_browser_ends_the_session_in_another(trainee_a1, client_of):
    office, home = client_of(trainee_a1), client_of(trainee_a1)
    assert home.get("/").status_code == 200
    response = office.post(reverse("accounts:logout"), REMOTE_ADDR="192.0.2.44")
    assert sent_to_login(response)
    assert sent_to_login(office.get("/"))
    assert sent_to_login(home.get("/"))
    record = AuditEvent.objects.get(event=Event.LOGOUT)
    assert (record.actor_id, record.ip) == (trainee_a1.pk, "192.0.2.44")


def test_logout_needs_a_post(trainee_a1, client_of):
    client = client_of(trainee_a1)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.get("/").status_code == 200


def test_after_logout_the_user_can_log_in_again(trainee_a1, client_of):
    client_of(trainee_a1).post(reverse("accounts:logout"))
    client = Client()
    response = client.post("/accounts/login/", {"username": trainee_a1.username, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_deactivation_ends_every_session_and_refuses_the_next_login(trainee_a1, system_admin, client_of):
    theirs = client_of(trainee_a1)
    response = client_of(system_admin).post(
        reverse("accounts:user_action", kwargs={"pk": trainee_a1.pk, "action": "deactivate"}), REMOTE_ADDR="192.0.2.2"
    )
    assert response.status_code == 302
    assert sent_to_login(theirs.get("/"))
    login = Client().post("/accounts/login/", {"username": trainee_a1.username, "password": TEST_PASSWORD})
    assert ERR_LOGIN_FAILED in login.content.decode()
    record = AuditEvent.objects.get(event=Event.USER_DEACTIVATE)
    assert (record.actor_id, record.object_id, record.ip) == (system_admin.pk, str(trainee_a1.pk), "192.0.2.2")


def test_reactivation_lets_the_user_back_in(trainee_a1, system_admin, client_of):
    admin = client_of(system_admin)
    for action in ("deactivate", "activate"):
        admin.post(reverse("accounts:user_action", kwargs={"pk": trainee_a1.pk, "action": action}))
    response = Client().post("/accounts/login/", {"username": trainee_a1.username, "password": TEST_PASSWORD})
    assert response.status_code == 302


def test_the_system_admin_cannot_deactivate_itself(system_admin, client_of):
    client = client_of(system_admin)
    response = client.post(
        reverse("accounts:user_action", kwargs={"pk": system_admin.pk, "action": "deactivate"}), follow=True
    )
    assert ERR_SELF_DEACTIVATE in response.content.decode()
    system_admin.refresh_from_db()
    assert system_admin.is_active


@pytest.mark.parametrize("power", ["audit_admin", "security_admin"])
def test_the_system_admin_cannot_switch_off_another_power(request, system_admin, client_of, power):
    target = request.getfixturevalue(power)
    response = client_of(system_admin).post(
        reverse("accounts:user_action", kwargs={"pk": target.pk, "action": "deactivate"}), follow=True
    )
    assert ERR_OTHER_POWER in response.content.decode()
    target.refresh_from_db()
    assert target.is_active


def test_a_revoked_role_stops_working_at_the_next_request(tree, city_a_admin, security_admin, client_of):
    theirs = client_of(city_a_admin)
    county_a2 = reverse("org:unit_detail", kwargs={"pk": tree.county_a2.pk})
    assert theirs.get(county_a2).status_code == 200
    grant = RoleGrant.objects.get(user=city_a_admin, role=Role.UNIT_ADMIN)
    assert client_of(security_admin).post(reverse("accounts:role_revoke", kwargs={"pk": grant.pk})).status_code == 302
    assert theirs.get(county_a2).status_code == 404


def test_a_granted_role_works_at_the_next_request(tree, trainee_a1, security_admin, client_of):
    theirs = client_of(trainee_a1)
    county_a2 = reverse("org:unit_detail", kwargs={"pk": tree.county_a2.pk})
    assert theirs.get(county_a2).status_code == 404
    response = client_of(security_admin).post(
        reverse("accounts:user_detail", kwargs={"pk": trainee_a1.pk}), {"role": "unit_admin", "unit_code": "A"}
    )
    assert response.status_code == 302
    assert theirs.get(county_a2).status_code == 200
