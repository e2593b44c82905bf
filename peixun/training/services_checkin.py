"""Check-in (QR token, venue operator, online watch time) and the study hours each check-in credits.

Hours rule (per class): ATTENDANCE credits a lecture's hours to every present or late check-in;
WATCH_PERCENT credits venue attendance likewise (the room watched it all) and online viewers only when
their watch time reaches the class's required share of the lecture.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
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
    Venue,
    VenueHeadcount,
)
from peixun.training.permissions import is_org_admin, operates_venue

TOKEN_PERIOD = 30  # seconds a projected QR code stays fresh
TOKEN_GRACE_SLOTS = 1  # the code just replaced is still accepted (phones are slow to scan)
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


def token_check(*, lecture: Lecture, venue: Venue, token: str, now: dt.datetime) -> None:
    """Raise ValidationError unless the token was signed for this lecture and venue, lately, in the window."""
    try:
        slot_text, signature = token.split(".", 1)
        slot = int(slot_text)
    except (ValueError, AttributeError):
        raise ValidationError({"token": ERR_TOKEN_INVALID}) from None
    if not hmac.compare_digest(signature, _sign(lecture.pk, venue.pk, slot)):
        raise ValidationError({"token": ERR_TOKEN_INVALID})
    start, end = checkin_window(lecture)
    if not start <= now <= end:
        raise ValidationError({"token": ERR_OUTSIDE_WINDOW})
    if not 0 <= _slot(now) - slot <= TOKEN_GRACE_SLOTS:
        raise ValidationError({"token": ERR_TOKEN_EXPIRED})


# --- Hours ----------------------------------------------------------------------------------------------


def lecture_hours(lecture: Lecture) -> Decimal:
    """The lecture's own hours, else an equal share of the class's."""
    if lecture.study_hours:
        return lecture.study_hours
    cls = lecture.training_class
    count = cls.lectures.count() or 1
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


def _active_enrolment(lecture: Lecture, cadre_id: int) -> Enrolment:
    enrolment = Enrolment.objects.filter(
        training_class_id=lecture.training_class_id, cadre_id=cadre_id, status=EnrolmentStatus.ENROLLED
    ).first()
    if enrolment is None:
        raise ValidationError({"token": ERR_NOT_ENROLLED})
    return enrolment


# --- Check-in by the trainee --------------------------------------------------------------------------


def checkin_scan(
    *, actor: User, lecture: Lecture, venue: Venue, token: str, now: dt.datetime | None = None
) -> tuple[CheckIn, str]:
    """The trainee scanned the venue's projected code. Returns the check-in and a message; a second scan
    by the same trainee changes nothing."""
    now = now or timezone.now()
    if actor.cadre_id is None:
        raise PermissionDenied(ERR_NOT_A_TRAINEE)
    token_check(lecture=lecture, venue=venue, token=token, now=now)
    enrolment = _active_enrolment(lecture, actor.cadre_id)
    if enrolment.venue_id != venue.pk:
        raise ValidationError({"token": ERR_OTHER_VENUE})
    existing = CheckIn.objects.filter(lecture=lecture, cadre_id=actor.cadre_id).first()
    if existing is not None and existing.status in (CheckInStatus.PRESENT, CheckInStatus.LATE):
        return existing, MSG_ALREADY
    try:
        with transaction.atomic():
            checkin = existing or CheckIn(lecture=lecture, enrolment=enrolment, cadre_id=actor.cadre_id)
            checkin.venue = venue
            checkin.status = _status_at(lecture, now)
            checkin.method = CheckInMethod.QR
            checkin.checked_at = now
            checkin.recorded_by = actor
            checkin.study_hours = hours_for(checkin, lecture)
            checkin.save()
    except IntegrityError:
        # Two scans raced; the other one won, which is the same outcome.
        return CheckIn.objects.get(lecture=lecture, cadre_id=actor.cadre_id), MSG_ALREADY
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
