from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from peixun.accounts.models import User
from peixun.accounts.roles import Role
from peixun.audit.models import AuditEvent


def can_read_audit(actor: User) -> bool:
    return actor.has_role(Role.AUDIT_ADMIN)


def audit_search(
    *,
    actor: User,
    query: str = "",
    event: str = "",
    result: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[AuditEvent]:
    """Only the audit admin reads the trail; the other two powers are themselves audited."""
    if not can_read_audit(actor):
        raise PermissionDenied
    qs = AuditEvent.objects.all()
    if query:
        qs = qs.filter(
            Q(actor_label__icontains=query) | Q(object_repr__icontains=query) | Q(ip__startswith=query)
            if query.replace(".", "").isdigit()
            else Q(actor_label__icontains=query) | Q(object_repr__icontains=query)
        )
    if event:
        qs = qs.filter(event=event)
    if result:
        qs = qs.filter(result=result)
    if since:
        qs = qs.filter(at__date__gte=since)
    if until:
        qs = qs.filter(at__date__lte=until)
    return qs.order_by("-at", "-id")
