"""In-app notifications of training: enrolled, venue assigned, lecture starting soon, certificate ready."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from peixun.accounts.models import User
from peixun.training.models import Enrolment, EnrolmentStatus, Lecture, Notification

KIND_ENROLLED = "enrolled"
KIND_VENUE = "venue_assigned"
KIND_STARTING = "lecture_starting"
KIND_CERTIFICATE = "certificate_ready"
SOON = dt.timedelta(minutes=30)


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


@transaction.atomic
def notification_mark_read(*, actor: User, ids: list[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=actor, read_at=None)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())


def lectures_starting_notify(*, now: dt.datetime | None = None) -> int:
    """Tell the trainees of lectures that start within SOON; safe to run every few minutes."""
    now = now or timezone.now()
    sent = 0
    for lecture in Lecture.objects.filter(starts_at__gt=now, starts_at__lte=now + SOON).select_related(
        "training_class"
    ):
        cadres = Enrolment.objects.filter(
            training_class_id=lecture.training_class_id, status=EnrolmentStatus.ENROLLED
        ).values_list("cadre_id", flat=True)
        local = timezone.localtime(lecture.starts_at).strftime("%H:%M")
        sent += notify_cadres(
            cadre_ids=cadres,
            kind=KIND_STARTING,
            text=f"课次“{lecture.topic}”将于{local}开始",
            url=f"/training/lectures/{lecture.pk}/",
            dedupe_key=f"start:{lecture.pk}",
        )
    return sent
