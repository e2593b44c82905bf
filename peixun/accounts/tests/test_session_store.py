"""The session engine (`peixun.accounts.sessions`): the user column kept from the data, sessions moved
from Django's own table by the migration, expired ones cleared."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session as DjangoSession
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from peixun.accounts.models import Session
from peixun.accounts.sessions import SessionStore, sessions_clear_expired
from peixun.core.tasks import PERIODIC_JOBS
from peixun.org.tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

move = importlib.import_module("peixun.accounts.migrations.0002_session")


def test_logging_in_writes_the_users_id_beside_the_session():
    user = UserFactory(username="zhangsan")
    client = Client()
    client.post(reverse("accounts:login"), {"username": "zhangsan", "password": TEST_PASSWORD})
    row = Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)
    assert row.user_id == user.pk


def test_a_session_without_a_signed_in_user_has_no_user():
    store = SessionStore()
    store["anything"] = 1
    store.save()
    assert Session.objects.get(session_key=store.session_key).user_id is None


def test_logging_out_deletes_the_session_row():
    UserFactory(username="lisi")
    client = Client()
    client.post(reverse("accounts:login"), {"username": "lisi", "password": TEST_PASSWORD})
    client.post(reverse("accounts:logout"))
    assert not Session.objects.exists()


def test_deleting_an_account_deletes_its_sessions():
    user, other = UserFactory(), UserFactory()
    for u in (user, other):
        store = SessionStore()
        store["_auth_user_id"] = str(u.pk)
        store.save()
    user.delete()
    assert list(Session.objects.values_list("user_id", flat=True)) == [other.pk]


def test_the_migration_moves_every_unexpired_session_and_reads_its_user():
    user = UserFactory()
    now = timezone.now()
    store = DjangoStore()
    rows = {
        "signed-in": ({"_auth_user_id": str(user.pk)}, now + dt.timedelta(hours=1)),
        "anonymous": ({"x": 1}, now + dt.timedelta(hours=1)),
        "deleted-user": ({"_auth_user_id": "987654"}, now + dt.timedelta(hours=1)),
        "expired": ({"_auth_user_id": str(user.pk)}, now - dt.timedelta(seconds=1)),
    }
    for key, (data, expires) in rows.items():
        DjangoSession.objects.create(session_key=key, session_data=store.encode(data), expire_date=expires)

    move.move_sessions(apps, None)

    moved = {s.session_key: s for s in Session.objects.all()}
    assert {k: s.user_id for k, s in moved.items()} == {"signed-in": user.pk, "anonymous": None, "deleted-user": None}
    assert SessionStore(session_key="signed-in").load() == {"_auth_user_id": str(user.pk)}  # the same signature
    assert not DjangoSession.objects.exists()


def test_a_moved_session_still_signs_its_user_in():
    user = UserFactory()
    client = Client()
    client.force_login(user)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    row = Session.objects.get(session_key=key)
    DjangoSession.objects.create(session_key=key, session_data=row.session_data, expire_date=row.expire_date)
    row.delete()

    move.move_sessions(apps, None)

    response = client.get(reverse("core:home"))
    assert response.status_code == 200 and response.wsgi_request.user == user


def test_the_migration_moves_sessions_back_when_reversed():
    user = UserFactory()
    store = SessionStore()
    store["_auth_user_id"] = str(user.pk)
    store.save()
    move.move_sessions_back(apps, None)
    assert DjangoStore(session_key=store.session_key).load() == {"_auth_user_id": str(user.pk)}


def test_clearing_expired_sessions_keeps_the_live_ones_and_runs_every_hour():
    for key, delta in (("live", 60), ("dead", -60)):
        Session.objects.create(
            session_key=key, session_data="", expire_date=timezone.now() + dt.timedelta(seconds=delta)
        )
    sessions_clear_expired()
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]
    assert PERIODIC_JOBS["peixun.accounts.sessions.sessions_clear_expired"] == 3600.0
