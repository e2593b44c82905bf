"""Login: lockout per username whatever the address, one answer for every failure, audit of each try."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from peixun.accounts.models import LoginThrottle
from peixun.accounts.services import ERR_LOCKED, ERR_LOGIN_FAILED
from peixun.audit.events import Event
from peixun.audit.models import AuditEvent, AuditResult
from peixun.org.tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


def attempt(username: str, password: str, ip: str = "10.0.0.1", client: Client | None = None):
    return (client or Client()).post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def error_of(response) -> str:
    body = response.content.decode()
    start = body.index('role="alert">') + len('role="alert">')
    return body[start : body.index("</p>", start)]


def page_of(response) -> str:
    return re.sub(r"[A-Za-z0-9]{64}", "<csrf>", response.content.decode())


def is_logged_in(response) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.wsgi_request.session


def test_the_login_reverses_to_the_path_these_tests_post_to():
    assert reverse("accounts:login") == LOGIN


def test_a_correct_password_logs_in_and_is_audited_with_the_address(tree):
    user = UserFactory(username="zhangsan")
    response = attempt("zhangsan", TEST_PASSWORD, ip="192.0.2.7")
    assert is_logged_in(response)
    record = AuditEvent.objects.get(event=Event.LOGIN_SUCCESS)
    assert (record.actor_id, record.ip, record.result, record.object_id) == (
        user.pk,
        "192.0.2.7",
        AuditResult.SUCCESS,
        str(user.pk),
    )


def test_an_employee_number_logs_in_whatever_its_case(tree, trainee_a1):
    assert is_logged_in(attempt(trainee_a1.cadre.employee_number.lower(), TEST_PASSWORD))


def test_an_unknown_name_and_a_wrong_password_get_the_same_answer(tree):
    UserFactory(username="lisi")
    wrong = attempt("lisi", "Wrong#Pass1")
    unknown = attempt("nobody-here", "Wrong#Pass1")
    assert wrong.status_code == unknown.status_code == 200
    assert error_of(wrong) == error_of(unknown) == ERR_LOGIN_FAILED
    # The pages differ only by the echoed name (and the per-response CSRF mask).
    assert page_of(wrong).replace("lisi", "X") == page_of(unknown).replace("nobody-here", "X")


def test_an_inactive_account_with_the_right_password_gets_the_same_answer(tree):
    UserFactory(username="wangwu", is_active=False)
    response = attempt("wangwu", TEST_PASSWORD)
    assert error_of(response) == ERR_LOGIN_FAILED
    assert "_auth_user_id" not in response.wsgi_request.session


def test_an_account_without_a_password_yet_gets_the_same_answer(tree):
    user = UserFactory(username="nopass")
    user.set_unusable_password()
    user.save()
    assert error_of(attempt("nopass", TEST_PASSWORD)) == error_of(attempt("nopass", "x")) == ERR_LOGIN_FAILED


def test_a_failure_is_audited_with_the_name_and_the_address(tree):
    attempt("lisi", "bad", ip="198.51.100.9")
    record = AuditEvent.objects.get(event=Event.LOGIN_FAILURE)
    assert (record.actor_id, record.actor_label, record.object_repr, record.ip, record.result) == (
        None,
        "lisi",
        "lisi",
        "198.51.100.9",
        AuditResult.FAILURE,
    )


def test_five_failures_from_five_addresses_lock_the_account(tree):
    UserFactory(username="zhaoliu")
    answers = [error_of(attempt("zhaoliu", "Wrong#Pass1", ip=f"203.0.113.{i}")) for i in range(1, 6)]
    assert answers == [ERR_LOGIN_FAILED] * 4 + [ERR_LOCKED]
    # Now even the right password, from yet another address, is refused.
    response = attempt("zhaoliu", TEST_PASSWORD, ip="203.0.113.99")
    assert error_of(response) == ERR_LOCKED
    assert not is_logged_in(response)
    lockout = AuditEvent.objects.get(event=Event.LOGIN_LOCKOUT)
    assert (lockout.object_repr, lockout.ip) == ("zhaoliu", "203.0.113.5")
    denied = AuditEvent.objects.filter(event=Event.LOGIN_FAILURE, result=AuditResult.DENIED)
    assert list(denied.values_list("ip", flat=True)) == ["203.0.113.99"]


def test_the_lockout_counts_the_name_whatever_its_case_and_spaces(tree):
    UserFactory(username="zhaoliu")
    for name in ["zhaoliu", "ZHAOLIU", " Zhaoliu", "zhaoLIU ", "zhaoliu"]:
        attempt(name, "Wrong#Pass1")
    assert error_of(attempt("zhaoliu", TEST_PASSWORD)) == ERR_LOCKED


def test_unknown_names_are_locked_out_too_so_a_lock_tells_nothing(tree):
    answers = [error_of(attempt("ghost", "x", ip=f"203.0.113.{i}")) for i in range(1, 7)]
    assert answers == [ERR_LOGIN_FAILED] * 4 + [ERR_LOCKED] * 2


def test_four_failures_then_success_start_the_count_again(tree):
    UserFactory(username="qianqi")
    for _ in range(4):
        attempt("qianqi", "bad")
    assert is_logged_in(attempt("qianqi", TEST_PASSWORD))
    for _ in range(4):
        attempt("qianqi", "bad")
    assert is_logged_in(attempt("qianqi", TEST_PASSWORD))


def test_old_failures_do_not_add_up_to_a_lock(tree):
    UserFactory(username="sunba")
    for _ in range(4):
        attempt("sunba", "bad")
    long_ago = timezone.now() - dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES + 1)
    LoginThrottle.objects.filter(username="sunba").update(last_failure_at=long_ago)
    assert error_of(attempt("sunba", "bad")) == ERR_LOGIN_FAILED


def test_the_lock_ends_by_itself_after_the_lockout_time(tree):
    UserFactory(username="zhoujiu")
    for _ in range(5):
        attempt("zhoujiu", "bad")
    LoginThrottle.objects.filter(username="zhoujiu").update(locked_until=timezone.now() - dt.timedelta(seconds=1))
    assert is_logged_in(attempt("zhoujiu", TEST_PASSWORD))


def test_the_system_admin_unlocks_an_account(tree, system_admin, client_of):
    user = UserFactory(username="wushi")
    for _ in range(5):
        attempt("wushi", "bad")
    response = client_of(system_admin).post(
        reverse("accounts:user_action", kwargs={"pk": user.pk, "action": "unlock"}), REMOTE_ADDR="192.0.2.1"
    )
    assert response.status_code == 302
    assert is_logged_in(attempt("wushi", TEST_PASSWORD))
    unlock = AuditEvent.objects.get(event=Event.USER_UNLOCK)
    assert (unlock.actor_id, unlock.object_id, unlock.ip) == (system_admin.pk, str(user.pk), "192.0.2.1")


@pytest.mark.parametrize("role", ["security_admin", "audit_admin", "org_admin"])
def test_no_one_but_the_system_admin_unlocks_an_account(request, tree, client_of, role):
    user = UserFactory(username="wushi")
    for _ in range(5):
        attempt("wushi", "bad")
    actor = request.getfixturevalue(role)
    response = client_of(actor).post(reverse("accounts:user_action", kwargs={"pk": user.pk, "action": "unlock"}))
    assert response.status_code == 403
    assert error_of(attempt("wushi", TEST_PASSWORD)) == ERR_LOCKED


def test_login_gives_a_new_session_key(tree):
    UserFactory(username="zhengshiyi")
    client = Client()
    client.get(LOGIN)
    client.session.save()  # an anonymous session exists before login
    client.cookies[settings.SESSION_COOKIE_NAME] = client.session.session_key
    before = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert before
    assert is_logged_in(attempt("zhengshiyi", TEST_PASSWORD, client=client))
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after and after != before


def test_login_refuses_to_redirect_to_another_site(tree):
    UserFactory(username="redirectme")
    response = Client().post(
        LOGIN + "?next=https://evil.example/", {"username": "redirectme", "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
