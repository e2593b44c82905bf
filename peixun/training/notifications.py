"""In-app notifications of training: enrolled, venue assigned, the venue's headcount to its operators,
lecture starting soon, certificate ready."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from peixun.accounts.models import RoleGrant, User
from peixun.accounts.roles import Role
from peixun.core.tasks import job
from peixun.training.models import Enrolment, EnrolmentStatus, Lecture, Notification, TrainingClass, Venue

KIND_ENROLLED = "enrolled"
KIND_VENUE = "venue_assigned"
KIND_VENUE_HEADCOUNT = "venue_headcount"
KIND_STARTING = "lecture_starting"
KIND_CERTIFICATE = "certificate_ready"
SOON = dt.timedelta(minutes=30)
# How often the "starting soon" job runs (Celery beat, or the embedded periodic runner). Well under SOON,
# so every lecture is announced at least 25 minutes ahead.
STARTING_EVERY = dt.timedelta(minutes=1)

TEXT_HEADCOUNT = "“{title}”已完成分会场分配：您管理的分会场“{venue}”安排{n}人参训"
TEXT_HEADCOUNT_FIRST = "，首次课次{when}开始"
TEXT_STARTING = "课次“{topic}”将于{time}开始"


def notify_cadres(*, cadre_ids: Iterable[int], kind: str, text: str, url: str = "", dedupe_key: str = "") -> int:
    """One notice to the account of each cadre; a repeated dedupe_key is skipped. Runs in the caller's
    transaction so that a rolled-back act leaves no notice."""
    users = list(User.objects.filter(cadre_id__in=list(cadre_ids), is_active=True).values_list("pk", flat=True))
    rows = [Notification(recipient_id=pk, kind=kind, text=text[:300], url=url, dedupe_key=dedupe_key) for pk in users]
    Notification.objects.bulk_create(rows, ignore_conflicts=bool(dedupe_key))
    return len(rows)


def notify_each(*, items: list[tuple[int, str]], kind: str, url: str = "") -> int:
    """A notice of its own to each cadre's account: [(cadre id, text), ...], in two queries."""
    texts = dict(items)
    users = User.objects.filter(cadre_id__in=list(texts), is_active=True).values_list("pk", "cadre_id")
    rows = [Notification(recipient_id=pk, kind=kind, text=texts[cadre_id][:300], url=url) for pk, cadre_id in users]
    Notification.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def notify_venue_operators(
    *, training_class: TrainingClass, before: Mapping[int, int], after: Mapping[int, int]
) -> int:
    """Tell the operators of each venue whose headcount for the class changed how many trainees it now
    seats (a venue that lost all of them hears 0; a re-run that moves nobody says nothing). Operators are
    the active holders of Role.VENUE_OPERATOR on the venue's unit. In the caller's transaction."""
    changed = {pk: after.get(pk, 0) for pk in set(before) | set(after) if before.get(pk, 0) != after.get(pk, 0)}
    if not changed:
        return 0
    venues = list(Venue.objects.filter(pk__in=changed).only("pk", "name", "unit_id"))
    operators: dict[int, list[int]] = {}
    for user_id, unit_id in RoleGrant.objects.filter(
        role=Role.VENUE_OPERATOR, unit_id__in={v.unit_id for v in venues}, user__is_active=True
    ).values_list("user_id", "unit_id"):
        operators.setdefault(unit_id, []).append(user_id)
    first = training_class.lectures.order_by("starts_at", "pk").first()
    suffix = ""
    url = "/training/venues/"
    if first is not None:
        suffix = TEXT_HEADCOUNT_FIRST.format(when=timezone.localtime(first.starts_at).strftime("%m月%d日 %H:%M"))
        url = f"/training/lectures/{first.pk}/"
    rows = [
        Notification(
            recipient_id=user_id,
            kind=KIND_VENUE_HEADCOUNT,
            text=(TEXT_HEADCOUNT.format(title=training_class.title, venue=venue.name, n=changed[venue.pk]) + suffix)[
                :300
            ],
            url=url,
        )
        for venue in venues
        for user_id in operators.get(venue.unit_id, [])
    ]
    Notification.objects.bulk_create(rows)
    return len(rows)


@transaction.atomic
def notification_mark_read(*, actor: User, ids: list[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=actor, read_at=None)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())


def starting_key(lecture_id: int) -> str:
    return f"start:{lecture_id}"


@job
def lectures_starting_notify(*, now: dt.datetime | None = None) -> int:
    """Tell the trainees of lectures that start within SOON; run every STARTING_EVERY (Celery beat in
    production, the stack's periodic runner when embedded). Idempotent: each trainee hears once per lecture
    (the dedupe key, unique per recipient, also settles two runs racing), and trainees already told are
    skipped in the query, so the repeated runs cost one anti-join each. Returns the notices created."""
    now = now or timezone.now()
    sent = 0
    for lecture in Lecture.objects.filter(starts_at__gt=now, starts_at__lte=now + SOON).order_by("starts_at", "pk"):
        key = starting_key(lecture.pk)
        told = Notification.objects.filter(recipient=OuterRef("pk"), dedupe_key=key)
        enrolled = Enrolment.objects.filter(
            training_class_id=lecture.training_class_id, status=EnrolmentStatus.ENROLLED
        ).values("cadre_id")
        users = list(
            User.objects.filter(cadre_id__in=enrolled, is_active=True)
            .exclude(Exists(told))
            .values_list("pk", flat=True)
        )
        if not users:
            continue
        text = TEXT_STARTING.format(topic=lecture.topic, time=timezone.localtime(lecture.starts_at).strftime("%H:%M"))
        rows = [
            Notification(
                recipient_id=pk,
                kind=KIND_STARTING,
                text=text[:300],
                url=f"/training/lectures/{lecture.pk}/",
                dedupe_key=key,
            )
            for pk in users
        ]
        with transaction.atomic():
            created = Notification.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
        sent += len(created)
    return sent
