"""Check-in (QR token, venue operator, online watch time) and the study hours each check-in credits.

Hours rule (per class): ATTENDANCE credits a lecture's hours to every present or late check-in;
WATCH_PERCENT credits venue attendance likewise (the room watched it all) and online viewers only when
their watch time reaches the class's required share of the lecture.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
from decimal import ROUND_HALF_UP, Decimal
from typing import NoReturn

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.http import Http404
from django.utils import timezone

from peixun.accounts.models import User
from peixun.audit.events import Event
from peixun.audit.services import audit_record
from peixun.org.models import Cadre
from peixun.training.models import (
    CheckIn,
    CheckInMethod,
    CheckInStatus,
    Enrolment,
    EnrolmentStatus,
    HoursRule,
    Lecture,
    TrainingClass,
    Venue,
    VenueHeadcount,
)
from peixun.training.permissions import is_org_admin, operates_venue
from peixun.training.selectors import lectures_visible

TOKEN_PERIOD = 30  # seconds a projected QR code stays fresh
TOKEN_MAX_LENGTH = 100  # what the API accepts as a token (far above a real one)
# A code is still accepted this long after the screen replaced it: the phone scanned it while it was shown,
# then the request waited (a slow phone, a crowded venue network, a queue at the server during a burst).
TOKEN_GRACE = dt.timedelta(seconds=60)
WINDOW_LEAD = dt.timedelta(minutes=30)
WINDOW_LAG = dt.timedelta(minutes=15)
LATE_AFTER = dt.timedelta(minutes=10)

ERR_TOKEN_INVALID = "签到码无效"
ERR_TOKEN_EXPIRED = "签到码已过期，请扫描屏幕上的最新二维码"
ERR_OUTSIDE_WINDOW = "不在本课次的签到时间内"
ERR_NOT_ENROLLED = "您未报名本培训班"
ERR_OTHER_VENUE = "您未被安排在本分会场，请到分配的分会场签到"
ERR_NOT_A_TRAINEE = "当前账户不是学员账户"
ERR_VENUE_NOT_ALLOWED = "您不是该分会场的管理员"
ERR_BAD_STATUS = "出勤状态无效"
ERR_NOT_AT_VENUE = "该学员未被安排在本分会场"
ERR_BAD_HEADCOUNT = "实到人数不能为负数，且不能超过会场座位数"
ERR_BAD_SECONDS = "观看时长无效"
MSG_ALREADY = "已签到，无需重复签到"
MSG_DONE = "签到成功"


# --- Rotating tokens ------------------------------------------------------------------------------------


def _slot(now: dt.datetime) -> int:
    return int(now.timestamp()) // TOKEN_PERIOD


def _sign(lecture_id: int, venue_id: int, slot: int) -> str:
    msg = f"checkin:{lecture_id}:{venue_id}:{slot}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), msg, hashlib.sha256).hexdigest()[:24]


def checkin_token(*, lecture: Lecture, venue: Venue, now: dt.datetime | None = None) -> str:
    slot = _slot(now or timezone.now())
    return f"{slot}.{_sign(lecture.pk, venue.pk, slot)}"


def checkin_window(lecture: Lecture) -> tuple[dt.datetime, dt.datetime]:
    return lecture.starts_at - WINDOW_LEAD, lecture.ends_at + WINDOW_LAG


def token_slot(*, lecture_id: int, venue_id: int, token: str) -> int:
    """The slot a token was signed for; ValidationError unless it was signed for this lecture and venue.
    No database access: a forged or foreign code costs one HMAC."""
    try:
        slot_text, signature = token.split(".", 1)
        slot = int(slot_text)
    except (ValueError, AttributeError):
        raise ValidationError({"token": ERR_TOKEN_INVALID}) from None
    if not hmac.compare_digest(signature, _sign(lecture_id, venue_id, slot)):
        raise ValidationError({"token": ERR_TOKEN_INVALID})
    return slot


def _token_fresh(*, lecture: Lecture, slot: int, now: dt.datetime) -> None:
    start, end = checkin_window(lecture)
    if not start <= now <= end:
        raise ValidationError({"token": ERR_OUTSIDE_WINDOW})
    shown_until = (slot + 1) * TOKEN_PERIOD
    if slot > _slot(now) or now.timestamp() > shown_until + TOKEN_GRACE.total_seconds():
        raise ValidationError({"token": ERR_TOKEN_EXPIRED})


def token_check(*, lecture: Lecture, venue: Venue, token: str, now: dt.datetime) -> None:
    """Raise ValidationError unless the token was signed for this lecture and venue, lately, in the window."""
    slot = token_slot(lecture_id=lecture.pk, venue_id=venue.pk, token=token)
    _token_fresh(lecture=lecture, slot=slot, now=now)


# --- Hours ----------------------------------------------------------------------------------------------


def lecture_hours(lecture: Lecture) -> Decimal:
    """The lecture's own hours, else an equal share of the class's."""
    if lecture.study_hours:
        return lecture.study_hours
    cls = lecture.training_class
    # The check-in lookup counts the class's lectures in its one query (class_lecture_count).
    count = getattr(lecture, "class_lecture_count", None) or cls.lectures.count() or 1
    return (cls.study_hours / count).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def hours_for(checkin: CheckIn, lecture: Lecture) -> Decimal:
    if checkin.status not in (CheckInStatus.PRESENT, CheckInStatus.LATE):
        return Decimal("0")
    cls = lecture.training_class
    if checkin.method == CheckInMethod.ONLINE and cls.hours_rule == HoursRule.WATCH_PERCENT:
        needed = lecture.duration_minutes * 60 * cls.watch_percent_required / 100
        if checkin.watched_seconds < needed:
            return Decimal("0")
    return lecture_hours(lecture)


def _status_at(lecture: Lecture, now: dt.datetime) -> str:
    return CheckInStatus.LATE if now > lecture.starts_at + LATE_AFTER else CheckInStatus.PRESENT


# --- Check-in by the trainee --------------------------------------------------------------------------


# What a scan overwrites on an existing row (the operator's absent/excused mark); watch time stays.
SCAN_UPDATE_FIELDS = ("venue", "status", "method", "checked_at", "recorded_by", "study_hours", "updated_at")


@functools.cache
def scan_sql() -> str:
    """The lookup of a scan as one statement (built once from the models' tables and columns). Written
    out rather than composed with the ORM: compiling the equivalent queryset of subqueries took half the
    CPU of a whole check-in request."""

    def q(name: str) -> str:
        return connection.ops.quote_name(name)

    lecture, cls, enrolment, checkin = (m._meta.db_table for m in (Lecture, TrainingClass, Enrolment, CheckIn))
    columns = ", ".join(f"l.{q(str(f.column))}" for f in Lecture._meta.concrete_fields)
    return (
        f"SELECT {columns}, c.{q('study_hours')} AS class_study_hours, c.{q('hours_rule')} AS class_hours_rule, "  # noqa: S608 - names from the models, values as parameters
        f"c.{q('watch_percent_required')} AS class_watch_percent, "
        f"(SELECT COUNT(*) FROM {q(lecture)} s WHERE s.{q('training_class_id')} = l.{q('training_class_id')})"
        " AS class_lecture_count, "
        f"e.{q('id')} AS scan_enrolment_id, e.{q('venue_id')} AS scan_venue_id, "
        f"k.{q('id')} AS scan_checkin_id, k.{q('status')} AS scan_checkin_status "
        f"FROM {q(lecture)} l JOIN {q(cls)} c ON c.{q('id')} = l.{q('training_class_id')} "
        f"LEFT JOIN {q(enrolment)} e ON e.{q('training_class_id')} = l.{q('training_class_id')} "
        f"AND e.{q('cadre_id')} = %s AND e.{q('status')} = %s "
        f"LEFT JOIN {q(checkin)} k ON k.{q('lecture_id')} = l.{q('id')} AND k.{q('cadre_id')} = %s "
        f"WHERE l.{q('id')} = %s"
    )


def scan_params(*, lecture_id: int, cadre_id: int) -> list[object]:
    return [cadre_id, EnrolmentStatus.ENROLLED.value, cadre_id, lecture_id]


def scan_lecture(found: Lecture) -> Lecture:
    """The lookup's lecture with its training_class as a partial instance (the fields hours_for reads),
    never saved."""
    found.training_class = TrainingClass(
        pk=found.training_class_id,
        study_hours=Decimal(str(found.class_study_hours)),  # type: ignore[attr-defined]
        hours_rule=found.class_hours_rule,  # type: ignore[attr-defined]
        watch_percent_required=found.class_watch_percent,  # type: ignore[attr-defined]
    )
    return found


def _scan_lookup(*, lecture_id: int, cadre_id: int) -> Lecture | None:
    """The lecture with its class's hours rule, and the trainee's enrolment and check-in, in one indexed
    query: the enrolment by (class, cadre) and the check-in by (lecture, cadre) are unique-index lookups.
    The lecture's training_class is a partial instance (the fields hours_for reads), never saved."""
    rows = Lecture.objects.raw(scan_sql(), scan_params(lecture_id=lecture_id, cadre_id=cadre_id))
    found = next(iter(rows), None)
    return None if found is None else scan_lecture(found)


def _refuse_unenrolled(*, actor: User, lecture_id: int, slot: int, now: dt.datetime) -> NoReturn:
    """The slow path, only for refusals: a lecture the actor may not see is not found (as on every other
    page); one they may see is refused in the usual order (window, freshness, enrolment)."""
    lecture = lectures_visible(actor=actor).filter(pk=lecture_id).first()
    if lecture is None:
        raise Http404
    _token_fresh(lecture=lecture, slot=slot, now=now)
    raise ValidationError({"token": ERR_NOT_ENROLLED})


def scan_outcome(*, actor: User, found: Lecture, venue_id: int, slot: int, now: dt.datetime) -> tuple[CheckIn, str]:
    """What a scan comes to, given the lookup of a trainee enrolled in the class: the earlier check-in
    (MSG_ALREADY), or the one to write (MSG_DONE); ValidationError for a stale code or another venue.
    Shared by `checkin_scan` and the fast lane (`services_checkin_lane`), which must decide alike."""
    _token_fresh(lecture=found, slot=slot, now=now)
    if found.scan_venue_id != venue_id:  # type: ignore[attr-defined]
        raise ValidationError({"token": ERR_OTHER_VENUE})
    if found.scan_checkin_status in (CheckInStatus.PRESENT, CheckInStatus.LATE):  # type: ignore[attr-defined]
        earlier = CheckIn(
            pk=found.scan_checkin_id,  # type: ignore[attr-defined]
            lecture=found,
            enrolment_id=found.scan_enrolment_id,  # type: ignore[attr-defined]
            cadre_id=actor.cadre_id,
            status=found.scan_checkin_status,  # type: ignore[attr-defined]
        )
        return earlier, MSG_ALREADY
    checkin = CheckIn(
        lecture=found,
        enrolment_id=found.scan_enrolment_id,  # type: ignore[attr-defined]
        cadre_id=actor.cadre_id,
        venue_id=venue_id,
        status=_status_at(found, now),
        method=CheckInMethod.QR,
        checked_at=now,
        recorded_by=actor,
    )
    checkin.study_hours = hours_for(checkin, found)
    return checkin, MSG_DONE


def checkin_scan(
    *, actor: User, lecture: Lecture | int, venue: Venue | int, token: str, now: dt.datetime | None = None
) -> tuple[CheckIn, str]:
    """The trainee scanned the venue's projected code. Returns the check-in and a message; a second scan
    by the same trainee changes nothing.

    This is the path of a burst of thousands of phones, so it takes ids and costs two queries: one
    lookup of lecture, enrolment and check-in, one upsert. The token (HMAC of lecture, venue and time
    slot) is checked before any query. Scope: only a trainee enrolled in the lecture's class and seated
    at this venue gets further than the lookup; others get the refusals of `_refuse_unenrolled`. On an
    earlier check-in (present or late) only its id and status are loaded."""
    now = now or timezone.now()
    lecture_id = lecture if isinstance(lecture, int) else lecture.pk
    venue_id = venue if isinstance(venue, int) else venue.pk
    cadre_id = actor.cadre_id
    if cadre_id is None:
        raise PermissionDenied(ERR_NOT_A_TRAINEE)
    slot = token_slot(lecture_id=lecture_id, venue_id=venue_id, token=token)
    found = _scan_lookup(lecture_id=lecture_id, cadre_id=cadre_id)
    if found is None or found.scan_enrolment_id is None:  # type: ignore[attr-defined]
        _refuse_unenrolled(actor=actor, lecture_id=lecture_id, slot=slot, now=now)
    checkin, message = scan_outcome(actor=actor, found=found, venue_id=venue_id, slot=slot, now=now)
    if message == MSG_ALREADY:
        return checkin, message
    # One statement: a new row, or the operator's absent/excused row turned into this scan. Two scans of
    # the same trainee racing both write the same outcome. Watch time on an existing row is kept.
    CheckIn.objects.bulk_create(
        [checkin],
        update_conflicts=True,
        unique_fields=["lecture", "cadre"],
        update_fields=list(SCAN_UPDATE_FIELDS),
    )
    return checkin, MSG_DONE


# --- Venue operator -----------------------------------------------------------------------------------


def _require_operator(actor: User, venue: Venue) -> None:
    if not (is_org_admin(actor) or operates_venue(actor, venue)):
        raise PermissionDenied(ERR_VENUE_NOT_ALLOWED)


@transaction.atomic
def attendance_mark(
    *, actor: User, lecture: Lecture, venue: Venue, marks: dict[int, str], now: dt.datetime | None = None
) -> list[CheckIn]:
    """The venue operator records who came: {enrolment id: status}. All or nothing."""
    _require_operator(actor, venue)
    now = now or timezone.now()
    valid = {s.value for s in CheckInStatus}
    enrolments = {
        e.pk: e
        for e in Enrolment.objects.filter(
            pk__in=list(marks), training_class_id=lecture.training_class_id, status=EnrolmentStatus.ENROLLED
        )
    }
    errors: dict[str, str] = {}
    for enrolment_id, status in marks.items():
        if status not in valid:
            errors[f"enrolment_{enrolment_id}"] = ERR_BAD_STATUS
        elif enrolment_id not in enrolments or enrolments[enrolment_id].venue_id != venue.pk:
            errors[f"enrolment_{enrolment_id}"] = ERR_NOT_AT_VENUE
    if errors:
        raise ValidationError(errors)
    saved = []
    for enrolment_id, status in marks.items():
        enrolment = enrolments[enrolment_id]
        checkin, _ = CheckIn.objects.select_for_update().get_or_create(
            lecture=lecture,
            cadre_id=enrolment.cadre_id,
            defaults={"enrolment": enrolment, "status": status, "method": CheckInMethod.OPERATOR},
        )
        checkin.status = status
        checkin.venue = venue
        if checkin.method != CheckInMethod.QR or status not in (CheckInStatus.PRESENT, CheckInStatus.LATE):
            checkin.method = CheckInMethod.OPERATOR
        checkin.checked_at = checkin.checked_at or now
        checkin.recorded_by = actor
        checkin.study_hours = hours_for(checkin, lecture)
        checkin.save()
        saved.append(checkin)
    audit_record(actor=actor, event=Event.TRAINING_ATTENDANCE, obj=lecture, detail={"venue": venue.pk, "n": len(saved)})
    return saved


@transaction.atomic
def headcount_record(*, actor: User, lecture: Lecture, venue: Venue, headcount: int) -> VenueHeadcount:
    _require_operator(actor, venue)
    if headcount < 0 or (venue.seats and headcount > venue.seats):
        raise ValidationError({"headcount": ERR_BAD_HEADCOUNT})
    row, _ = VenueHeadcount.objects.update_or_create(
        lecture=lecture, venue=venue, defaults={"headcount": headcount, "recorded_by": actor}
    )
    return row


# --- Online watch time (called by the live issue) ---------------------------------------------------------


@transaction.atomic
def watch_time_record(
    *, lecture: Lecture, cadre: Cadre, seconds: int, now: dt.datetime | None = None
) -> CheckIn | None:
    """Credit an online viewer: `seconds` is the total watched so far (the larger report wins, capped at the
    lecture's length), so repeated or out-of-order reports are harmless. Returns None for a cadre who is not
    enrolled (nothing is recorded). A trainee already checked in at a venue keeps that check-in; the watch
    time is added to it."""
    if not isinstance(seconds, int) or seconds < 0:
        raise ValidationError({"seconds": ERR_BAD_SECONDS})
    now = now or timezone.now()
    enrolment = Enrolment.objects.filter(
        training_class_id=lecture.training_class_id, cadre_id=cadre.pk, status=EnrolmentStatus.ENROLLED
    ).first()
    if enrolment is None:
        return None
    seconds = min(seconds, lecture.duration_minutes * 60)
    checkin = CheckIn.objects.select_for_update().filter(lecture=lecture, cadre_id=cadre.pk).first()
    if checkin is None:
        checkin = CheckIn(
            lecture=lecture,
            enrolment=enrolment,
            cadre_id=cadre.pk,
            status=_status_at(lecture, now),
            method=CheckInMethod.ONLINE,
            checked_at=now,
        )
    elif checkin.status in (CheckInStatus.ABSENT, CheckInStatus.EXCUSED):
        checkin.status = _status_at(lecture, now)
        checkin.method = CheckInMethod.ONLINE
        checkin.checked_at = now
    checkin.watched_seconds = max(checkin.watched_seconds, seconds)
    checkin.study_hours = hours_for(checkin, lecture)
    checkin.save()
    return checkin
