"""The audit trail: only the audit admin reads and exports it, its filters work, nothing edits it."""

from __future__ import annotations

import datetime as dt
import io
import runpy
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from openpyxl import load_workbook

from peixun.audit.events import Event
from peixun.audit.models import AuditEvent, AuditResult

pytestmark = pytest.mark.django_db
LIST, EXPORT = "/audit/", "/audit/export/"


def login(username: str, password: str, ip: str) -> None:
    Client().post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.fixture
def trail(tree, trainee_a1, trainee_b1):
    """Real records through the login page: a success from one address, failures from others."""
    from peixun.org.tests.factories import TEST_PASSWORD

    login(trainee_a1.username, TEST_PASSWORD, "192.0.2.10")
    login(trainee_b1.username, "Wrong#Pass1", "198.51.100.20")
    login("stranger", "Wrong#Pass1", "198.51.100.21")
    return trainee_a1, trainee_b1


def rows(response) -> str:
    return response.content.decode()


def test_the_urls_are_where_these_tests_go():
    assert (reverse("audit:event_list"), reverse("audit:event_export")) == (LIST, EXPORT)


def test_the_audit_admin_reads_the_trail_with_time_actor_address_event_and_result(trail, audit_admin, client_of):
    a1, b1 = trail
    page = rows(client_of(audit_admin).get(LIST))
    for text in ("192.0.2.10", "198.51.100.20", "登录成功", "登录失败", "成功", "失败", str(a1), b1.username):
        assert text in page
    assert timezone.localtime().strftime("%Y-%m-%d") in page


@pytest.mark.parametrize("role", ["system_admin", "security_admin", "org_admin", "city_a_admin", "trainee_a1"])
def test_no_one_else_reads_or_exports_the_trail(request, trail, client_of, role):
    client = client_of(request.getfixturevalue(role))
    assert client.get(LIST).status_code == 403
    assert client.get(EXPORT).status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(trail):
    response = Client().get(EXPORT)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("query", "shown", "not_shown"),
    [
        ({"q": "192.0.2"}, ["192.0.2.10"], ["198.51.100.20", "198.51.100.21"]),
        ({"q": "stranger"}, ["198.51.100.21"], ["192.0.2.10", "198.51.100.20"]),
        ({"event": "login.success"}, ["192.0.2.10"], ["198.51.100.20", "198.51.100.21"]),
        ({"result": "failure"}, ["198.51.100.20", "198.51.100.21"], ["192.0.2.10"]),
        ({"event": "login.failure", "q": "198.51.100.21"}, ["198.51.100.21"], ["198.51.100.20"]),
    ],
    ids=["ip-prefix", "name", "event", "result", "event-and-ip"],
)
def test_the_audit_admin_filters_the_trail(trail, audit_admin, client_of, query, shown, not_shown):
    page = rows(client_of(audit_admin).get(LIST, query))
    for text in shown:
        assert text in page
    for text in not_shown:
        assert text not in page


def test_the_date_filters_bound_the_trail(trail, audit_admin, client_of):
    client = client_of(audit_admin)
    today = timezone.localdate()
    day = dt.timedelta(days=1)
    assert "192.0.2.10" in rows(client.get(LIST, {"since": today.isoformat(), "until": today.isoformat()}))
    assert "192.0.2.10" not in rows(client.get(LIST, {"since": (today + day).isoformat()}))
    assert "192.0.2.10" not in rows(client.get(LIST, {"until": (today - day).isoformat()}))
    # A malformed date is ignored rather than an error.
    assert "192.0.2.10" in rows(client.get(LIST, {"since": "not-a-date"}))


def test_the_export_is_a_workbook_with_the_filtered_rows_and_is_itself_audited(trail, audit_admin, client_of):
    client = client_of(audit_admin)
    response = client.get(EXPORT, {"result": "failure"}, REMOTE_ADDR="192.0.2.99")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    sheet = load_workbook(io.BytesIO(response.content), read_only=True)["审计日志"]
    table = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert table[0] == ["时间", "操作人", "IP地址", "事件", "对象类型", "对象ID", "对象", "结果", "详情"]
    assert sorted(r[2] for r in table[1:]) == ["198.51.100.20", "198.51.100.21"]
    assert {r[3] for r in table[1:]} == {"登录失败"}
    assert {r[7] for r in table[1:]} == {"失败"}
    export = AuditEvent.objects.get(event=Event.EXPORT)
    assert (export.actor_id, export.ip, export.detail["rows"], export.detail["filters"]) == (
        audit_admin.pk,
        "192.0.2.99",
        2,
        {"result": "failure"},
    )


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("url", [LIST, EXPORT])
def test_the_audit_pages_accept_only_reading(trail, audit_admin, client_of, method, url):
    before = list(AuditEvent.objects.values_list("pk", "event", "ip"))
    response = getattr(client_of(audit_admin), method)(url)
    assert response.status_code == 405
    assert list(AuditEvent.objects.values_list("pk", "event", "ip")) == before


def test_no_url_but_the_two_reading_pages_touches_the_audit_app():
    views = []

    def walk(resolver: URLResolver) -> None:
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                walk(p)
            elif isinstance(p, URLPattern):
                module = getattr(p.callback, "__module__", "")
                view_class = getattr(p.callback, "cls", None) or getattr(p.callback, "view_class", None)
                if module.startswith("peixun.audit") or "audit" in (p.name or ""):
                    views.append(p.name)
                if view_class is not None and hasattr(view_class, "queryset"):
                    qs = getattr(view_class, "queryset", None)
                    assert qs is None or qs.model is not AuditEvent, p.name

    walk(get_resolver())
    assert sorted(views) == ["event_export", "event_list"]


def test_the_api_offers_no_audit_endpoint(trail, audit_admin, client_of):
    from config.api_urls import router

    for _prefix, viewset, _basename in router.registry:
        model = getattr(getattr(viewset, "queryset", None), "model", None)
        serializer = getattr(viewset, "serializer_class", None)
        assert model is not AuditEvent
        assert getattr(getattr(serializer, "Meta", None), "model", None) is not AuditEvent
    assert "audit" not in client_of(audit_admin).get("/api/").json()


def test_the_django_admin_does_not_show_audit_records():
    from django.contrib import admin

    assert not admin.site.is_registered(AuditEvent)


def test_a_denied_lockout_check_is_recorded_as_denied(tree, trainee_a1):
    for i in range(6):
        login(trainee_a1.username, "Wrong#Pass1", f"198.51.100.{i}")
    assert AuditEvent.objects.filter(event=Event.LOGIN_LOCKOUT).count() == 1
    assert AuditEvent.objects.filter(event=Event.LOGIN_FAILURE, result=AuditResult.DENIED).count() == 1


def test_records_are_kept_at_least_180_days_whatever_is_configured(monkeypatch, tmp_path):
    assert settings.AUDIT_RETENTION_DAYS >= 180
    monkeypatch.setenv("PEIXUN_AUDIT_RETENTION_DAYS", "30")
    monkeypatch.setenv("PEIXUN_VAR_DIR", str(tmp_path))
    loaded = runpy.run_path(str(Path(settings.BASE_DIR) / "config" / "settings.py"))
    assert loaded["AUDIT_RETENTION_DAYS"] == 180
