from __future__ import annotations

import io

from django.db.models import QuerySet
from django.utils import timezone
from openpyxl import Workbook

from peixun.accounts.models import User
from peixun.audit.events import Event, label
from peixun.audit.models import AuditEvent
from peixun.audit.selectors import can_read_audit
from peixun.audit.services import audit_record

EXPORT_LIMIT = 100_000


def audit_export_xlsx(*, actor: User, events: QuerySet[AuditEvent], filters: dict[str, str]) -> bytes:
    """The audit trail as a workbook; the export is itself recorded."""
    from django.core.exceptions import PermissionDenied

    if not can_read_audit(actor):
        raise PermissionDenied
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("审计日志")
    ws.append(["时间", "操作人", "IP地址", "事件", "对象类型", "对象ID", "对象", "结果", "详情"])
    count = 0
    for e in events[:EXPORT_LIMIT].iterator(chunk_size=2000):
        ws.append(
            [
                timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"),
                e.actor_label,
                e.ip or "",
                label(e.event),
                e.object_type,
                e.object_id,
                e.object_repr,
                e.get_result_display(),
                str(e.detail or ""),
            ]
        )
        count += 1
    out = io.BytesIO()
    wb.save(out)
    audit_record(
        actor=actor,
        event=Event.EXPORT,
        object_type="audit.auditevent",
        object_repr="审计日志",
        detail={"rows": count, "filters": filters},
    )
    return out.getvalue()
