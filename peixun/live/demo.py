"""The demo province's live lecture: publishable from the moment `make run` has started."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from peixun.accounts.models import User
from peixun.accounts.roles import Role
from peixun.live import services
from peixun.live.models import LiveStream
from peixun.training.models import ClassStatus, Lecture, TrainingClass, Venue

DEMO_TOPIC = "直播演示：纪检监察业务能力提升"
DEMO_MINUTES = 600


@transaction.atomic
def load_live_demo(now: dt.datetime | None = None) -> tuple[LiveStream | None, bool]:
    """The demo live lecture and its stream (made once); a lecture whose window has passed moves to now.

    Returns (stream, changed); (None, False) before load_training_demo has run.
    """
    now = now or timezone.now()
    main = Venue.objects.filter(is_main=True).first()
    classes = TrainingClass.objects.order_by("id")
    # The class whose trainees have venues (the allocated one): its demo trainees and venue operators may watch.
    cls = (
        classes.filter(enrolments__venue__isnull=False).distinct().first()
        or classes.filter(status=ClassStatus.IN_PROGRESS).first()
        or classes.first()
    )
    actor = User.objects.filter(role_grants__role=Role.ORG_ADMIN, is_active=True).order_by("id").first()
    if main is None or cls is None or actor is None:
        return None, False
    starts = now.replace(second=0, microsecond=0) - dt.timedelta(minutes=5)
    lecture, changed = Lecture.objects.get_or_create(
        training_class=cls,
        topic=DEMO_TOPIC,
        defaults={
            "starts_at": starts,
            "duration_minutes": DEMO_MINUTES,
            "teacher_name": "王教授",
            "main_venue": main,
            "is_live": True,
            "study_hours": Decimal("2"),
        },
    )
    if now > services.publish_window(lecture)[1]:
        lecture.starts_at = starts
        lecture.save()
        changed = True
    changed |= not LiveStream.objects.filter(lecture=lecture).exists()
    return services.stream_ensure(actor=actor, lecture=lecture), changed
