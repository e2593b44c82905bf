from __future__ import annotations

from typing import Any

from django.db import models

from peixun.accounts.models import User
from peixun.audit.context import current_ip
from peixun.audit.events import Event
from peixun.audit.models import AuditEvent, AuditResult


def audit_record(
    *,
    actor: User | None,
    event: Event,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    result: AuditResult = AuditResult.SUCCESS,
    detail: dict[str, Any] | None = None,
    actor_label: str = "",
    ip: str | None = None,
) -> AuditEvent:
    """Append one record. Called inside the caller's transaction, so a rolled-back act leaves none;
    failures and denials are recorded outside any transaction by their callers."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    if actor is not None and actor.is_authenticated:
        actor_label = actor_label or f"{actor}({actor.username})"
        actor_id: int | None = actor.pk
    else:
        actor_id = None
    return AuditEvent.objects.create(
        actor_id=actor_id,
        actor_label=actor_label[:100],
        ip=ip or current_ip.get(),
        event=event.value,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:200],
        result=result,
        detail=detail or {},
    )
