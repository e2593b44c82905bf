"""On PostgreSQL the database itself refuses to change or remove an audit record (migration 0002).

Runs in CI's PostgreSQL pass; locally: DATABASE_URL=postgres://postgres@127.0.0.1:5432/peixun_<you>.
"""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from peixun.audit.events import Event
from peixun.audit.models import AuditEvent
from peixun.audit.services import audit_record

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only"),
]


@pytest.fixture
def record() -> AuditEvent:
    return audit_record(actor=None, event=Event.LOGIN_FAILURE, object_repr="someone", ip="192.0.2.1")


def test_a_raw_update_is_refused_by_the_database(record):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET ip = %s, actor_label = %s", ["10.0.0.1", "cover-up"])
    assert AuditEvent.objects.get(pk=record.pk).ip == "192.0.2.1"


def test_a_raw_delete_is_refused_by_the_database(record):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [record.pk])
    assert AuditEvent.objects.filter(pk=record.pk).exists()


def test_the_orm_cannot_update_or_delete_either(record):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=record.pk).update(event="nothing")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=record.pk).delete()
    assert AuditEvent.objects.get(pk=record.pk).event == Event.LOGIN_FAILURE


def test_appending_still_works(record):
    audit_record(actor=None, event=Event.LOGIN_FAILURE, object_repr="another")
    assert AuditEvent.objects.count() == 2
