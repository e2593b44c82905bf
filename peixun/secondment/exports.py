"""Excel report of a batch, in the actor's scope; the export is itself audited."""

from __future__ import annotations

import io

from openpyxl import Workbook

from peixun.accounts.models import User
from peixun.audit.events import Event
from peixun.audit.services import audit_record
from peixun.secondment import selectors
from peixun.secondment.models import FinalRating, SecondmentBatch

ROSTER_HEAD = [
    "姓名",
    "工号",
    "派出单位",
    "推荐方式",
    "状态",
    "接收单位",
    "岗位",
    "安排说明",
    "平时考核次数",
    "期满考核等次",
    "返回日期",
]


def batch_report_xlsx(*, actor: User, batch: SecondmentBatch) -> bytes:
    report = selectors.batch_report(actor=actor, batch=batch)
    wb = Workbook()
    ws = wb.active
    ws.title = "按单位统计"
    ws.append(["单位", "推荐人选", "派出锻炼", "接收锻炼", *FinalRating.labels])
    for row in report["rows"]:  # type: ignore[attr-defined]
        ws.append([row["unit"], row["candidates"], row["sent"], row["received"], *[row[v] for v in FinalRating.values]])
    dist = wb.create_sheet("考核等次分布")
    dist.append(["等次", "人数"])
    for _, label, n in report["ratings"]:  # type: ignore[attr-defined]
        dist.append([label, n])
    roster = wb.create_sheet("人员名单")
    roster.append(ROSTER_HEAD)
    rows = selectors.secondment_list(actor=actor, batch=batch).prefetch_related("assessments")
    count = 0
    for s in rows:
        roster.append(
            [
                s.cadre.name,
                s.cadre.employee_number,
                s.sending_unit.name,
                s.get_channel_display(),
                s.get_stage_display(),
                s.receiving_unit.name if s.receiving_unit else "",
                s.post.title if s.post else "",
                s.placement_note,
                len(s.assessments.all()),
                s.get_final_rating_display() if s.final_rating else "",
                s.returned_at.isoformat() if s.returned_at else "",
            ]
        )
        count += 1
    out = io.BytesIO()
    wb.save(out)
    audit_record(actor=actor, event=Event.EXPORT, obj=batch, detail={"rows": count, "what": "secondment_report"})
    return out.getvalue()
