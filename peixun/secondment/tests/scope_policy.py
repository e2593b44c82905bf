"""Scope policy of the secondment pages and API. The secondment used is county B1's cadre's."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from peixun.core.tests.scope import AUTHENTICATED, LOCAL_ROLES, Endpoint, World
from peixun.secondment.models import (
    Assessment,
    BatchAttachment,
    BatchStatus,
    DisciplinarySanction,
    Post,
    Secondment,
    SecondmentBatch,
    Stage,
)

ORG = frozenset({"org_admin"})
UNIT_ADMINS = frozenset({"org_admin", "city_a_admin", "county_a1_admin"})
CADRES = AUTHENTICATED - {"system_admin", "security_admin", "audit_admin"}
NOBODY: frozenset[str] = frozenset()
ATTACHMENT = "secondment/notices/scope-test.txt"


def build(world: World) -> None:
    t = world.tree
    batch = SecondmentBatch.objects.create(
        year=2026,
        title="范围测试批次",
        start_date=dt.date(2026, 3, 1),
        end_date=dt.date(2026, 8, 31),
        reference_date=dt.date(2026, 3, 1),
        status=BatchStatus.RUNNING,
    )
    draft = SecondmentBatch.objects.create(
        year=2027,
        title="草稿批次",
        start_date=dt.date(2027, 3, 1),
        end_date=dt.date(2027, 8, 31),
        reference_date=dt.date(2027, 3, 1),
    )
    post = Post.objects.create(batch=batch, receiving_unit=t.enterprise, title="集团纪委岗位", capacity=2)
    s = Secondment.objects.create(
        batch=batch,
        cadre=world.foreign_cadre,
        sending_unit=t.county_b1,
        channel="applied",
        stage=Stage.IN_PROGRESS,
        post=post,
        receiving_unit=t.enterprise,
        started_at=dt.date(2026, 3, 1),
        political_assessment="乙一县政治考察意见",
        work_assessment="乙一县工作考察意见",
    )
    Assessment.objects.create(secondment=s, period="2026-03", rating="good", comment="乙一县干部月度评语")
    DisciplinarySanction.objects.create(
        cadre=world.foreign_cadre,
        kind="警告",
        start_date=dt.date(2020, 1, 1),
        end_date=dt.date(2021, 1, 1),
        reason="乙一县处分事由",
    )
    path = settings.MEDIA_ROOT / ATTACHMENT
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text("通知附件")
    attachment = BatchAttachment.objects.create(batch=batch, name="通知附件.txt", file=ATTACHMENT)
    world.extra.update(sec_batch=batch, sec_draft=draft, sec_post=post, sec=s, sec_attachment=attachment)


def foreign(w: World) -> list[str]:
    return [w.foreign_cadre.name, w.foreign_cadre.employee_number]


def foreign_text(w: World) -> list[str]:
    return [w.foreign_cadre.name, "乙一县干部月度评语", "乙一县处分事由"]


def b(w: World) -> dict[str, int]:
    return {"pk": w.sec_batch.pk}


def s(w: World) -> dict[str, int]:
    return {"pk": w.sec.pk}


def act(action: str, allow: frozenset[str], data=None) -> Endpoint:  # type: ignore[no-untyped-def]
    return Endpoint(
        "secondment:secondment_act",
        label=action,
        allow=allow,
        method="POST",
        kwargs=lambda w: {"pk": w.sec.pk, "action": action},
        data=data,
    )


ENDPOINTS = [
    Endpoint("secondment:batch_list", allow=AUTHENTICATED, hidden=foreign, hidden_from=LOCAL_ROLES),
    Endpoint("secondment:batch_create", allow=ORG),
    Endpoint("secondment:batch_detail", allow=AUTHENTICATED, kwargs=b, hidden=foreign),
    Endpoint("secondment:batch_detail", label="draft", allow=ORG, kwargs=lambda w: {"pk": w.sec_draft.pk}),
    Endpoint("secondment:batch_edit", allow=ORG, kwargs=lambda w: {"pk": w.sec_draft.pk}),
    Endpoint("secondment:batch_publish", allow=ORG, method="POST", kwargs=lambda w: {"pk": w.sec_draft.pk}),
    Endpoint(
        "secondment:post_add",
        allow=ORG,
        method="POST",
        kwargs=lambda w: {"pk": w.sec_draft.pk},
        data=lambda w: {"receiving_unit": w.tree.enterprise.pk, "title": "新岗位", "capacity": 1},
    ),
    Endpoint(
        "secondment:quota_set",
        allow=ORG,
        method="POST",
        kwargs=lambda w: {"pk": w.sec_draft.pk},
        data=lambda w: {"unit": w.tree.county_b1.pk, "quota": 3},
    ),
    Endpoint("secondment:attachment_upload", allow=ORG, method="POST", kwargs=b),
    Endpoint("secondment:attachment_download", allow=AUTHENTICATED, kwargs=lambda w: {"pk": w.sec_attachment.pk}),
    Endpoint("secondment:apply", allow=CADRES, kwargs=b),
    Endpoint("secondment:nominate", allow=UNIT_ADMINS, kwargs=b, hidden=foreign),
    Endpoint(
        "secondment:nominate",
        label="foreign-cadre",
        allow=ORG,
        method="POST",
        kwargs=b,
        data=lambda w: {"cadre": w.foreign_cadre.pk, "channel": "mobilised"},
    ),
    Endpoint("secondment:candidate_list", allow=UNIT_ADMINS, kwargs=b, hidden=foreign),
    Endpoint("secondment:placement", allow=ORG, kwargs=b),
    Endpoint(
        "secondment:placement_action",
        label="run",
        allow=ORG,
        method="POST",
        kwargs=lambda w: {"pk": w.sec_batch.pk, "action": "run"},
    ),
    Endpoint(
        "secondment:notice_pdf", allow=ORG, kwargs=lambda w: {"pk": w.sec_batch.pk, "unit_pk": w.tree.county_b1.pk}
    ),
    Endpoint("secondment:report", allow=UNIT_ADMINS, kwargs=b, hidden=lambda w: [w.tree.county_b1.name]),
    Endpoint("secondment:report_export", allow=UNIT_ADMINS, kwargs=b),
    Endpoint("secondment:secondment_detail", allow=ORG, kwargs=s),
    act("unit_review", ORG, lambda w: {"approve": "1", "opinion": "同意"}),
    act("org_review", ORG, lambda w: {"approve": "1"}),
    act(
        "assessment",
        ORG,
        lambda w: {"period_kind": "month", "period": "2026-04", "rating": "good", "days_present": 20, "days_absent": 0},
    ),
    act("liaison", ORG, lambda w: {"date": "2026-04-01", "form": "phone", "content": "沟通"}),
    act("worklog", NOBODY, lambda w: {"date": "2026-04-01", "content": "日志"}),
    act("summary", NOBODY, lambda w: {"summary": "总结"}),
    act("appraisal", ORG, lambda w: {"rating": "excellent", "comment": "优秀"}),
    act("sending_opinion", ORG, lambda w: {"opinion": "同意"}),
    act("return", ORG),
    Endpoint("secondment:placement_set", allow=ORG, method="POST", kwargs=s, data=lambda w: {"post": w.sec_post.pk}),
    Endpoint("secondment:cadre_record", allow=ORG, kwargs=lambda w: {"pk": w.foreign_cadre.pk}),
    Endpoint("secondment:sanction_list", allow=UNIT_ADMINS, hidden=foreign_text),
    Endpoint("secondment-batch-list", allow=AUTHENTICATED),
    Endpoint("secondment-batch-detail", allow=AUTHENTICATED, kwargs=b),
    Endpoint("secondment-batch-detail", label="draft", allow=ORG, kwargs=lambda w: {"pk": w.sec_draft.pk}),
    Endpoint("secondment-list", allow=AUTHENTICATED, hidden=foreign),
    Endpoint("secondment-detail", allow=ORG, kwargs=s),
    Endpoint("secondment-assessment-list", allow=AUTHENTICATED, hidden=foreign_text),
    Endpoint(
        "secondment-assessment-detail", allow=ORG, kwargs=lambda w: {"pk": Assessment.objects.get(secondment=w.sec).pk}
    ),
]
