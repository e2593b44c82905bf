"""After the lectures: evaluations (only by those who attended) and completion certificates."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Sum

from peixun.accounts.models import User
from peixun.audit.events import Event
from peixun.audit.services import audit_record
from peixun.training.models import (
    Certificate,
    CheckIn,
    CheckInStatus,
    ClassStatus,
    Enrolment,
    EnrolmentStatus,
    Evaluation,
    Lecture,
    TrainingClass,
)
from peixun.training.notifications import KIND_CERTIFICATE, notify_cadres
from peixun.training.permissions import ERR_NOT_ALLOWED, may_manage_class

ERR_DID_NOT_ATTEND = "只有出勤的学员才能评价"
ERR_ALREADY_RATED = "您已评价过，不能重复评价"
ERR_SCORE = "评分应为1至5之间的整数"
ERR_COMMENT = "意见建议不能超过2000字"
ERR_CLASS_NOT_DONE = "培训班进行中或已结束后才能颁发证书"
ERR_NOT_COMPLETED = "该学员出勤未达到结业要求（出勤课次不少于{pct}%）"
ERR_HAS_CERTIFICATE = "该学员已有结业证书"
ERR_NOT_A_TRAINEE = "当前账户不是学员账户"
CERT_MIN_SHARE = 80  # percent of a class's lectures a trainee must have attended to complete it
ATTENDED = (CheckInStatus.PRESENT, CheckInStatus.LATE)


def _score(value: object, field: str, errors: dict[str, str], required: bool) -> int | None:
    if value in (None, "") and not required:
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
        errors[field] = ERR_SCORE
        return None
    return value


@transaction.atomic
def evaluation_submit(
    *,
    actor: User,
    training_class: TrainingClass,
    lecture: Lecture | None = None,
    lecture_score: object = None,
    teacher_score: object = None,
    class_score: object = None,
    comment: str = "",
) -> Evaluation:
    """Rate a lecture and its teacher (lecture given) or the class (lecture empty)."""
    if actor.cadre_id is None:
        raise PermissionDenied(ERR_NOT_A_TRAINEE)
    attended = CheckIn.objects.filter(cadre_id=actor.cadre_id, status__in=ATTENDED)
    if lecture is not None:
        if lecture.training_class_id != training_class.pk:
            raise PermissionDenied(ERR_DID_NOT_ATTEND)
        attended = attended.filter(lecture=lecture)
    else:
        attended = attended.filter(lecture__training_class=training_class)
    if not attended.exists():
        raise PermissionDenied(ERR_DID_NOT_ATTEND)
    errors: dict[str, str] = {}
    scores = {
        "lecture_score": _score(lecture_score, "lecture_score", errors, lecture is not None),
        "teacher_score": _score(teacher_score, "teacher_score", errors, lecture is not None),
        "class_score": _score(class_score, "class_score", errors, lecture is None),
    }
    comment = (comment or "").strip()
    if len(comment) > 2000:
        errors["comment"] = ERR_COMMENT
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            return Evaluation.objects.create(
                training_class=training_class, lecture=lecture, cadre_id=actor.cadre_id, comment=comment, **scores
            )
    except IntegrityError:
        raise ValidationError({"lecture": ERR_ALREADY_RATED}) from None


def evaluation_summary(*, actor: User, training_class: TrainingClass, lecture: Lecture | None = None) -> dict:
    """Aggregates and anonymous comments: for the lecture's teacher, the class's office and the
    organisation department. Never names."""
    is_teacher = lecture is not None and lecture.teacher_id == actor.pk
    in_office = training_class.office_id in (actor.grants.member_office_ids | actor.grants.director_office_ids)
    if not (is_teacher or in_office or may_manage_class(actor, training_class)):
        raise PermissionDenied(ERR_NOT_ALLOWED)
    qs = Evaluation.objects.filter(training_class=training_class)
    qs = qs.filter(lecture=lecture) if lecture is not None else qs.filter(lecture=None)
    figures = qs.aggregate(
        count=Count("id"), lecture=Avg("lecture_score"), teacher=Avg("teacher_score"), klass=Avg("class_score")
    )
    comments = sorted(c for c in qs.exclude(comment="").values_list("comment", flat=True))
    return {
        "count": figures["count"],
        "lecture": round(figures["lecture"], 2) if figures["lecture"] is not None else None,
        "teacher": round(figures["teacher"], 2) if figures["teacher"] is not None else None,
        "class": round(figures["klass"], 2) if figures["klass"] is not None else None,
        "comments": comments,
    }


# --- Certificates -----------------------------------------------------------------------------------


def completion(enrolment: Enrolment) -> tuple[bool, Decimal]:
    """Whether the trainee completed the class, and the hours credited in it."""
    lectures = enrolment.training_class.lectures.count()
    rows = CheckIn.objects.filter(enrolment=enrolment)
    attended = rows.filter(status__in=ATTENDED).count()
    hours = rows.aggregate(h=Sum("study_hours"))["h"] or Decimal("0")
    done = lectures > 0 and attended * 100 >= lectures * CERT_MIN_SHARE
    return done, hours


def _next_number(training_class: TrainingClass) -> str:
    prefix = f"PX{training_class.plan.year}{training_class.pk:04d}"
    last = (
        Certificate.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    seq = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{seq:05d}"


@transaction.atomic
def certificate_issue(*, actor: User, enrolment: Enrolment) -> Certificate:
    training_class = (
        TrainingClass.objects.select_for_update().select_related("plan").get(pk=enrolment.training_class_id)
    )
    if not may_manage_class(actor, training_class):
        raise PermissionDenied(ERR_NOT_ALLOWED)
    if training_class.status not in (ClassStatus.IN_PROGRESS, ClassStatus.FINISHED, ClassStatus.ARCHIVED):
        raise ValidationError({"status": ERR_CLASS_NOT_DONE})
    if Certificate.objects.filter(enrolment=enrolment).exists():
        raise ValidationError({"enrolment": ERR_HAS_CERTIFICATE})
    done, hours = completion(enrolment)
    if enrolment.status != EnrolmentStatus.ENROLLED or not done:
        raise ValidationError({"enrolment": ERR_NOT_COMPLETED.format(pct=CERT_MIN_SHARE)})
    certificate = Certificate.objects.create(
        enrolment=enrolment,
        number=_next_number(training_class),
        token=secrets.token_urlsafe(24),
        study_hours=hours,
        issued_by=actor,
    )
    audit_record(actor=actor, event=Event.TRAINING_CERTIFICATE, obj=certificate)
    notify_cadres(
        cadre_ids=[enrolment.cadre_id],
        kind=KIND_CERTIFICATE,
        text=f"“{training_class.title}”结业证书已颁发（{certificate.number}）",
        url=f"/training/certificates/{certificate.pk}/pdf/",
        dedupe_key=f"cert:{certificate.pk}",
    )
    return certificate


@transaction.atomic
def certificates_issue_all(*, actor: User, training_class: TrainingClass) -> list[Certificate]:
    """Certificates for every trainee who completed the class and has none yet."""
    if not may_manage_class(actor, training_class):
        raise PermissionDenied(ERR_NOT_ALLOWED)
    issued = []
    for enrolment in training_class.enrolments.filter(status=EnrolmentStatus.ENROLLED, certificate=None):
        if completion(enrolment)[0]:
            issued.append(certificate_issue(actor=actor, enrolment=enrolment))
    return issued
