"""Scope policy of the publishing side: nginx's callbacks and the main venue's publishing page.

The callbacks are not user-facing: without the hook secret (which only nginx.conf holds) every role,
even from the loopback address the test client uses, gets 404. The publishing page of a lecture whose
main venue is in county B1 belongs to the organisation department alone; the one in county A1 also to
A1's venue operator.
"""

from __future__ import annotations

from peixun.core.tests.scope import AUTHENTICATED, Endpoint

NOBODY: frozenset[str] = frozenset()
ORG = frozenset({"org_admin"})
ORG_AND_A1_OPERATOR = frozenset({"org_admin", "venue_operator_a1"})


def build(world) -> None:
    import datetime as dt

    from django.utils import timezone

    from peixun.offices.models import ResearchOffice
    from peixun.training.models import ClassStatus, Lecture, TrainingClass, TrainingPlan, Venue

    today = timezone.localdate()
    plan, _ = TrainingPlan.objects.get_or_create(year=today.year, defaults={"title": "年度计划"})
    office = ResearchOffice.objects.create(code="SCOPE-LD", name="直播矩阵教研室", field="直播")
    cls = TrainingClass.objects.create(
        plan=plan, office=office, title="直播矩阵班", start_date=today, end_date=today, status=ClassStatus.ENROLLING
    )
    lectures = {}
    for key, unit in (("foreign", world.tree.county_b1), ("a1", world.tree.county_a1)):
        venue = Venue.objects.create(name=f"{unit.name}直播主会场", unit=unit, seats=30)
        lectures[key] = Lecture.objects.create(
            training_class=cls,
            topic=f"直播矩阵课次{key}",
            starts_at=timezone.now() + dt.timedelta(minutes=5),
            duration_minutes=60,
            teacher_name="外聘",
            main_venue=venue,
            is_live=True,
        )
    world.extra.update(ld_foreign=lectures["foreign"], ld_a1=lectures["a1"])


def _hooks() -> list[Endpoint]:
    data = lambda w: {"name": "x", "key": "y", "clientid": "1", "path": "/etc/passwd"}  # noqa: E731
    names = ("hook_publish", "hook_update", "hook_publish_done", "hook_record_done", "hook_hls_auth")
    return [
        Endpoint(f"live:{name}", kwargs=lambda w: {"secret": "not-the-secret"}, method="POST", data=data, allow=NOBODY)
        for name in names
    ]


def _publish_pages(label: str, allow: frozenset[str]) -> list[Endpoint]:
    kwargs = lambda w: {"lecture_id": w.extra[f"ld_{label}"].pk}  # noqa: E731
    return [
        Endpoint("live:publish", kwargs=kwargs, allow=allow, label=label),
        Endpoint("live:publish_status", kwargs=kwargs, allow=allow, label=label),
        Endpoint("live:publish_key", kwargs=kwargs, method="POST", allow=allow, label=label),
        Endpoint("live:publish_rotate", kwargs=kwargs, method="POST", allow=allow, label=label),
    ]


ENDPOINTS: list = [
    # Lists only lectures the actor may run (B1's lecture is hidden from A1's operator); empty for others.
    Endpoint(
        "live:publish_list",
        allow=AUTHENTICATED,
        hidden=lambda w: [w.extra["ld_foreign"].topic],
        hidden_from=frozenset(AUTHENTICATED - {"org_admin"}),
    ),
    *_hooks(),
    *_publish_pages("foreign", ORG),
    *_publish_pages("a1", ORG_AND_A1_OPERATOR),
]
