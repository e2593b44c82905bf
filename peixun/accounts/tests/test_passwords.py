"""Password rules, expiry and the forced change after a reset, through the real pages."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from peixun.accounts.middleware import MSG_PASSWORD_EXPIRED
from peixun.accounts.models import User
from peixun.accounts.services import ERR_OLD_PASSWORD, ERR_OTHER_POWER, ERR_SAME_PASSWORD
from peixun.accounts.validators import ERR_CLASSES, ERR_TOO_SHORT
from peixun.audit.events import Event
from peixun.audit.models import AuditEvent
from peixun.org.tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
CHANGE = "/accounts/password/"
# What Django's own CommonPasswordValidator says in zh-hans, as the page shows it.
DJANGO_TOO_COMMON = "这个密码太常见了。"


def change(client: Client, new: str, old: str = TEST_PASSWORD, confirm: str | None = None):
    data = {"old_password": old, "new_password": new, "new_password2": new if confirm is None else confirm}
    return client.post(CHANGE, data)


def shown(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def user(tree) -> User:
    return UserFactory(username="liming", display_name="李明")


def test_the_change_page_is_where_these_tests_post():
    assert reverse("accounts:password_change") == CHANGE


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ab1!xyz", ERR_TOO_SHORT.format(n=8)),
        ("abcdefgh12", ERR_CLASSES.format(n=3)),
        ("ABCDEFGH!!", ERR_CLASSES.format(n=3)),
        ("12345678!", ERR_CLASSES.format(n=3)),
        ("Password1!", DJANGO_TOO_COMMON),
    ],
    ids=["seven-characters", "two-classes-lower-digit", "two-classes-upper-symbol", "digits-symbol", "common"],
)
def test_a_weak_password_is_refused_with_the_rule_it_breaks(user, client_of, password, message):
    response = change(client_of(user), password)
    assert response.status_code == 200
    assert message in shown(response)
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)


def test_a_password_like_the_username_is_refused(user, client_of):
    response = change(client_of(user), "Liming#26")
    assert response.status_code == 200
    assert "太相似" in shown(response)


def test_every_message_the_page_shows_is_chinese(user, client_of):
    page = shown(change(client_of(user), "Ab1!"))
    assert ERR_TOO_SHORT.format(n=8) in page
    assert "This password" not in page


@pytest.mark.parametrize("password", ["Qwzrtk7X", "abcdefg1!", "ABCDEFG1!", "Abcdefgh!", "Xk9#mQ2$vL"])
def test_a_password_with_eight_characters_of_three_classes_is_accepted(user, client_of, password):
    response = change(client_of(user), password)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(password)
    assert timezone.now() - user.password_changed_at < dt.timedelta(minutes=1)
    assert AuditEvent.objects.filter(event=Event.PASSWORD_CHANGE, actor_id=user.pk).count() == 1


def test_a_wrong_old_password_changes_nothing(user, client_of):
    response = change(client_of(user), "Xk9#mQ2$vL", old="Wrong#Pass1")
    assert ERR_OLD_PASSWORD in shown(response)
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)


def test_the_new_password_must_differ_from_the_old(user, client_of):
    assert ERR_SAME_PASSWORD in shown(change(client_of(user), TEST_PASSWORD))


def test_a_mistyped_confirmation_changes_nothing(user, client_of):
    assert "两次输入的新密码不一致" in shown(change(client_of(user), "Xk9#mQ2$vL", confirm="Xk9#mQ2$vM"))
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)


def test_changing_the_password_keeps_this_session_and_ends_the_others(user, client_of):
    this, other = client_of(user), client_of(user)
    assert change(this, "Xk9#mQ2$vL").status_code == 302
    assert this.get("/").status_code == 200
    assert other.get("/").status_code == 302


def test_an_expired_password_sends_the_user_to_change_it(user, client_of, settings):
    settings.PASSWORD_EXPIRY_DAYS = 30
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - dt.timedelta(days=31))
    client = client_of(user)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == CHANGE + "?expired=1"
    assert "您的密码已过期或为初始密码" in shown(client.get(response["Location"]))
    assert change(client, "Xk9#mQ2$vL").status_code == 302
    assert client.get("/").status_code == 200


def test_a_password_younger_than_the_expiry_is_left_alone(user, client_of, settings):
    settings.PASSWORD_EXPIRY_DAYS = 30
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - dt.timedelta(days=29))
    assert client_of(user).get("/").status_code == 200


def test_an_expiry_of_zero_days_turns_expiry_off(user, client_of, settings):
    settings.PASSWORD_EXPIRY_DAYS = 0
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - dt.timedelta(days=3650))
    assert client_of(user).get("/").status_code == 200


def test_an_expired_password_also_closes_the_account_pages_and_the_api(system_admin, client_of, settings):
    settings.PASSWORD_EXPIRY_DAYS = 30
    User.objects.filter(pk=system_admin.pk).update(password_changed_at=timezone.now() - dt.timedelta(days=31))
    client = client_of(system_admin)
    assert client.get(reverse("accounts:user_list"))["Location"] == CHANGE + "?expired=1"
    api = client.get("/api/units/")
    assert api.status_code == 403
    assert api.json() == {"error": {"code": "password_expired", "message": MSG_PASSWORD_EXPIRED}}
    assert client.get(CHANGE).status_code == 200


def test_after_a_reset_the_user_must_change_the_issued_password(user, system_admin, client_of):
    admin = client_of(system_admin)
    response = admin.post(
        reverse("accounts:user_action", kwargs={"pk": user.pk, "action": "reset-password"}),
        {"new_password": "Issued#2026"},
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(event=Event.PASSWORD_RESET, object_id=str(user.pk)).exists()
    client = Client()
    assert client.post("/accounts/login/", {"username": "liming", "password": "Issued#2026"}).status_code == 302
    assert client.get("/")["Location"] == CHANGE + "?expired=1"
    assert change(client, "Mine#Own2026", old="Issued#2026").status_code == 302
    assert client.get("/").status_code == 200


def test_a_reset_ends_the_sessions_of_the_user(user, system_admin, client_of):
    their = client_of(user)
    client_of(system_admin).post(
        reverse("accounts:user_action", kwargs={"pk": user.pk, "action": "reset-password"}),
        {"new_password": "Issued#2026"},
    )
    assert their.get("/").status_code == 302


def test_the_issued_password_must_follow_the_rules_too(user, system_admin, client_of):
    response = client_of(system_admin).post(
        reverse("accounts:user_action", kwargs={"pk": user.pk, "action": "reset-password"}),
        {"new_password": "weak"},
        follow=True,
    )
    assert ERR_TOO_SHORT.format(n=8) in shown(response)
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)


@pytest.mark.parametrize("power", ["audit_admin", "security_admin"])
def test_the_system_admin_cannot_take_over_another_power_by_resetting_its_password(
    request, system_admin, client_of, power
):
    target = request.getfixturevalue(power)
    response = client_of(system_admin).post(
        reverse("accounts:user_action", kwargs={"pk": target.pk, "action": "reset-password"}),
        {"new_password": "Issued#2026"},
        follow=True,
    )
    assert ERR_OTHER_POWER in shown(response)
    target.refresh_from_db()
    assert target.check_password(TEST_PASSWORD)
