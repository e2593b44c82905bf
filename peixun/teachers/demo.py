"""Demo teacher pool on top of `load_demo`: one closed intake round and 130 approved lecturers, chosen by
推荐报名、组织审核、研究审定 — every office member, then cadres of the commission's departments, and a
few external teachers (party school, universities). Idempotent: a second run adds nothing."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from peixun.accounts.models import RoleGrant, User
from peixun.accounts.roles import Role
from peixun.offices.models import OfficeMembership, ResearchOffice
from peixun.org.models import Cadre, CadreStatus, UnitKind
from peixun.teachers.models import (
    ApplicationStatus,
    ApplicationStep,
    Channel,
    IntakeRound,
    StepAction,
    Teacher,
    TeacherApplication,
)

POOL_SIZE = 130
ROUND_TITLE = "2020年度师资库遴选"
EXTERNAL = [
    ("周立新", "中共山东省委党校", "教授"),
    ("陈雅琴", "山东大学法学院", "教授"),
    ("刘建华", "山东师范大学", "副教授"),
    ("王海峰", "山东政法学院", "教授"),
    ("赵文静", "中共山东省委党校", "副教授"),
    ("孙志强", "山东财经大学", "教授"),
    ("李明远", "中国海洋大学", "副教授"),
    ("张晓燕", "山东省社会科学院", "研究员"),
    ("高振国", "青岛大学", "教授"),
    ("马丽华", "曲阜师范大学", "副教授"),
]


@transaction.atomic
def load_teachers_demo() -> dict[str, int]:
    offices = list(ResearchOffice.objects.order_by("sort_order", "id"))
    if not offices or IntakeRound.objects.filter(title=ROUND_TITLE).exists():
        return {"rounds": 0, "teachers": 0}
    org_admin = User.objects.filter(role_grants__role=Role.ORG_ADMIN).first()
    intake = IntakeRound.objects.create(
        title=ROUND_TITLE, deadline=dt.date(2020, 3, 31), is_open=False, created_by=org_admin,
        criteria="政治坚定、业务精通、作风过硬，具有较强的理论水平和授课能力；近三年年度考核称职以上。",
    )  # fmt: skip
    intake.fields.set(offices)

    # Office members teach their own office's field; then department cadres, each in one field in turn.
    field_of: dict[int, ResearchOffice] = {}
    by_id = {o.pk: o for o in offices}
    for cadre_id, office_id in OfficeMembership.objects.order_by("office__sort_order", "id").values_list(
        "cadre_id", "office_id"
    ):
        field_of.setdefault(cadre_id, by_id[office_id])
    wanted = POOL_SIZE - len(EXTERNAL)
    if len(field_of) < wanted:
        more = (
            Cadre.objects.filter(status=CadreStatus.ACTIVE, unit__kind=UnitKind.DEPARTMENT)
            .exclude(pk__in=list(field_of))
            .order_by("employee_number")
            .values_list("pk", flat=True)[: wanted - len(field_of)]
        )
        for i, cadre_id in enumerate(more):
            field_of[cadre_id] = offices[i % len(offices)]
    chosen = list(field_of.items())[:wanted]

    year = 2020
    approved_at = timezone.make_aware(dt.datetime(year, 4, 20, 10, 0))
    cadres = Cadre.objects.in_bulk([c for c, _ in chosen])
    users = dict(User.objects.filter(cadre_id__in=list(cadres)).values_list("cadre_id", "pk"))
    n = 0
    for cadre_id, office in chosen:
        cadre = cadres[cadre_id]
        submitter = users.get(cadre_id) or (org_admin.pk if org_admin else None)
        if submitter is None:
            continue
        app = TeacherApplication.objects.create(
            round=intake, cadre=cadre, channel=Channel.NOMINATED, submitted_by_id=submitter,
            experience=f"长期从事{office.field}工作，多次为全省纪检监察干部授课。", unit_opinion="同意推荐",
            status=ApplicationStatus.APPROVED,
        )  # fmt: skip
        app.fields.set([office])
        ApplicationStep.objects.bulk_create([
            ApplicationStep(application=app, action=StepAction.SUBMIT, actor_id=submitter),
            ApplicationStep(application=app, action=StepAction.PASS, actor=org_admin, comment="符合条件"),
            ApplicationStep(application=app, action=StepAction.APPROVE, actor=org_admin, comment="经研究同意入库"),
        ])  # fmt: skip
        n += 1
        teacher = Teacher.objects.create(number=f"SZ{year}-{n:04d}", cadre=cadre, application=app, title=cadre.position)
        teacher.fields.set([office])
        if cadre_id in users:
            RoleGrant.objects.get_or_create(user_id=users[cadre_id], role=Role.TEACHER, unit=None)
    for i, (name, org, title) in enumerate(EXTERNAL):
        n += 1
        teacher = Teacher.objects.create(number=f"SZ{year}-{n:04d}", external_name=name, external_org=org, title=title)
        teacher.fields.set([offices[i % len(offices)]])
    Teacher.objects.filter(joined_at__gte=timezone.now() - dt.timedelta(minutes=5)).update(joined_at=approved_at)
    return {"rounds": 1, "teachers": n}
