"""Reads of training data, already cut to what the actor may see.

For the live and chat issues: `lecture_may_attend(actor=..., lecture=...)` says whether an account may
watch a lecture and talk in its chat; `lecture_participants_q(lecture)` is the same rule as a condition on
accounts.User (for fan-out). Watch time is credited by `peixun.training.services_checkin.watch_time_record`.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from peixun.accounts.models import RoleGrant, User
from peixun.accounts.roles import Role
from peixun.org.selectors import any_of, sees_whole_province, units_visible
from peixun.training.models import (
    Certificate,
    ClassStatus,
    Enrolment,
    EnrolmentStatus,
    LeaveRequest,
    Lecture,
    Notification,
    Quota,
    StudyHoursTarget,
    TrainingClass,
    TrainingPlan,
    Venue,
)
from peixun.training.permissions import ERR_NOT_ALLOWED, admin_covers_unit, may_operate_venue, operator_unit_ids


def _alive(actor: User) -> bool:
    return bool(actor.is_authenticated and actor.is_active)


# --- Classes and lectures --------------------------------------------------------------------------------


def class_scope_q(actor: User, *, prefix: str = "") -> Q | None:
    if not _alive(actor):
        return None
    if sees_whole_province(actor):
        return Q()
    offices = actor.grants.member_office_ids | actor.grants.director_office_ids
    q = ~Q(**{f"{prefix}status": ClassStatus.DRAFT})
    if offices:
        q |= Q(**{f"{prefix}office_id__in": sorted(offices)})
    if actor.has_role(Role.TEACHER):
        q |= Q(**{f"{prefix}lectures__teacher": actor})
    return q


def classes_visible(*, actor: User) -> QuerySet[TrainingClass]:
    q = class_scope_q(actor)
    if q is None:
        return TrainingClass.objects.none()
    return TrainingClass.objects.filter(q).distinct().select_related("plan", "office")


def class_get(*, actor: User, pk: int) -> TrainingClass:
    try:
        return classes_visible(actor=actor).get(pk=pk)
    except (TrainingClass.DoesNotExist, ValueError):
        raise Http404 from None


def class_list(*, actor: User, year: int | None = None, status: str = "", query: str = "") -> QuerySet[TrainingClass]:
    qs = classes_visible(actor=actor)
    if year:
        qs = qs.filter(plan__year=year)
    if status:
        qs = qs.filter(status=status)
    if query:
        qs = qs.filter(title__icontains=query.strip())
    return qs.order_by("-start_date", "id")


def plans_visible(*, actor: User) -> QuerySet[TrainingPlan]:
    return TrainingPlan.objects.all() if _alive(actor) else TrainingPlan.objects.none()


def lectures_visible(*, actor: User) -> QuerySet[Lecture]:
    q = class_scope_q(actor, prefix="training_class__")
    if q is None:
        return Lecture.objects.none()
    return (
        Lecture.objects.filter(q)
        .distinct()
        .select_related("training_class", "teacher", "main_venue", "training_class__office")
    )


def lecture_get(*, actor: User, pk: int) -> Lecture:
    try:
        return lectures_visible(actor=actor).get(pk=pk)
    except (Lecture.DoesNotExist, ValueError):
        raise Http404 from None


# --- Who may attend a lecture (live and chat rely on this) --------------------------------------------


def lecture_may_attend(*, actor: User, lecture: Lecture) -> bool:
    """Enrolled trainees, the lecture's teacher, operators of venues the class uses, the organisation
    department, the class's office, and unit admins with trainees or a quota of the class in their scope."""
    if not _alive(actor):
        return False
    cls = lecture.training_class
    if actor.has_role(Role.ORG_ADMIN) or lecture.teacher_id == actor.pk:
        return True
    if cls.office_id in (actor.grants.member_office_ids | actor.grants.director_office_ids):
        return True
    active = Enrolment.objects.filter(training_class_id=cls.pk, status=EnrolmentStatus.ENROLLED)
    if actor.cadre_id is not None and active.filter(cadre_id=actor.cadre_id).exists():
        return True
    op_units = operator_unit_ids(actor)
    if op_units:
        if active.filter(venue__unit_id__in=op_units).exists():
            return True
        if lecture.main_venue is not None and lecture.main_venue.unit_id in op_units:
            return True
    paths = actor.grants.admin_paths if actor.has_role(Role.UNIT_ADMIN) else ()
    for path in paths:
        if active.filter(cadre__unit__path__startswith=path).exists():
            return True
        if Quota.objects.filter(training_class_id=cls.pk, unit__path__startswith=path).exists():
            return True
    return False


def lecture_participants_q(lecture: Lecture) -> Q:
    """The accounts allowed to attend, as a condition on accounts.User (same rule as lecture_may_attend,
    except unit admins' quota-only access: unit admins count when a trainee of their subtree is enrolled)."""
    cls_id = lecture.training_class_id
    active = Enrolment.objects.filter(training_class_id=cls_id, status=EnrolmentStatus.ENROLLED)
    office_id = lecture.training_class.office_id
    venue_units = set(active.exclude(venue=None).values_list("venue__unit_id", flat=True))
    if lecture.main_venue is not None:
        venue_units.add(lecture.main_venue.unit_id)
    operators = RoleGrant.objects.filter(role=Role.VENUE_OPERATOR, unit_id__in=venue_units)
    org_admins = RoleGrant.objects.filter(role=Role.ORG_ADMIN)
    unit_admin_grants = RoleGrant.objects.filter(role=Role.UNIT_ADMIN).filter(
        Exists(active.filter(cadre__unit__path__startswith=OuterRef("unit__path")))
    )
    q = Q(cadre_id__in=active.values("cadre_id"))
    q |= Q(cadre__office_memberships__office_id=office_id)
    q |= Q(pk__in=operators.values("user_id")) | Q(pk__in=org_admins.values("user_id"))
    q |= Q(pk__in=unit_admin_grants.values("user_id"))
    if lecture.teacher_id:
        q |= Q(pk=lecture.teacher_id)
    return q & Q(is_active=True)


def lecture_participants(*, lecture: Lecture) -> QuerySet[User]:
    return User.objects.filter(lecture_participants_q(lecture)).distinct()


# --- Enrolments and venues ---------------------------------------------------------------------------


def enrolment_scope_q(actor: User) -> Q | None:
    if not _alive(actor):
        return None
    if sees_whole_province(actor):
        return Q()
    conditions: list[Q] = []
    if actor.has_role(Role.UNIT_ADMIN):
        conditions += [Q(cadre__unit__path__startswith=p) for p in actor.grants.admin_paths]
    if actor.grants.director_office_ids:
        conditions.append(Q(training_class__office_id__in=sorted(actor.grants.director_office_ids)))
    op_units = operator_unit_ids(actor)
    if op_units:
        conditions.append(Q(venue__unit_id__in=op_units))
    if actor.cadre_id is not None:
        conditions.append(Q(cadre_id=actor.cadre_id))
    return any_of(conditions)


def enrolments_visible(*, actor: User) -> QuerySet[Enrolment]:
    q = enrolment_scope_q(actor)
    if q is None:
        return Enrolment.objects.none()
    return Enrolment.objects.filter(q).select_related("cadre", "cadre__unit", "venue", "training_class")


def enrolment_get(*, actor: User, pk: int) -> Enrolment:
    try:
        return enrolments_visible(actor=actor).get(pk=pk)
    except (Enrolment.DoesNotExist, ValueError):
        raise Http404 from None


def venues_visible(*, actor: User) -> QuerySet[Venue]:
    if not _alive(actor):
        return Venue.objects.none()
    qs = Venue.objects.select_related("unit")
    if sees_whole_province(actor):
        return qs
    conditions = [Q(unit__path__startswith=p) for p in actor.grants.admin_paths]
    op_units = operator_unit_ids(actor)
    if op_units:
        conditions.append(Q(unit_id__in=op_units))
    q = any_of(conditions)
    return qs.filter(q) if q is not None else Venue.objects.none()


def venue_get(*, actor: User, pk: int) -> Venue:
    try:
        return venues_visible(actor=actor).get(pk=pk)
    except (Venue.DoesNotExist, ValueError):
        raise Http404 from None


def operated_venue_get(*, actor: User, pk: int) -> Venue:
    """A venue whose QR code and attendance the actor runs (any venue exists for the organisation
    department): an unknown venue is a 404, another's venue a 403."""
    try:
        venue = Venue.objects.get(pk=pk)
    except (Venue.DoesNotExist, ValueError):
        raise Http404 from None
    if not may_operate_venue(actor, venue):
        raise PermissionDenied(ERR_NOT_ALLOWED)
    return venue


def notifications_for(*, actor: User, unread_only: bool = False) -> QuerySet[Notification]:
    if not _alive(actor):
        return Notification.objects.none()
    qs = Notification.objects.filter(recipient=actor)
    return qs.filter(read_at=None) if unread_only else qs


# --- Certificates and coverage ---------------------------------------------------------------------------


def certificate_get(*, actor: User, pk: int) -> Certificate:
    """The cadre's own certificate, or one of a cadre in the admin's scope; any other is a 404."""
    try:
        cert = Certificate.objects.select_related("enrolment__cadre__unit", "enrolment__training_class").get(pk=pk)
    except (Certificate.DoesNotExist, ValueError):
        raise Http404 from None
    cadre = cert.enrolment.cadre
    if not (actor.cadre_id == cadre.pk or admin_covers_unit(actor, cadre.unit)):
        raise Http404
    return cert


def coverage_unit_id(*, actor: User, unit_id: int | None = None) -> int:
    """The unit whose coverage is asked for, or by default the top of the actor's scope: the province for
    province-wide roles, else the first unit the actor administers (404 when there is none). The coverage
    figures themselves check that an asked-for unit is in scope."""
    if unit_id is not None:
        return unit_id
    if sees_whole_province(actor):
        root = units_visible(actor=actor).filter(parent=None).first()
    elif actor.grants.admin_units:
        root = actor.grants.admin_units[0]
    else:
        root = None
    if root is None:
        raise Http404
    return root.pk


# --- Edit pages: venue operators, hours targets ---------------------------------------------------------


def venue_operators(*, venue: Venue) -> QuerySet[User]:
    """The accounts that operate a venue (Role.VENUE_OPERATOR granted on its unit); the caller has already
    fetched the venue through venues_visible."""
    grants = RoleGrant.objects.filter(role=Role.VENUE_OPERATOR, unit_id=venue.unit_id)
    return User.objects.filter(pk__in=grants.values("user_id")).order_by("username")


def hours_targets_visible(*, actor: User, year: int, query: str = "") -> QuerySet[StudyHoursTarget]:
    from peixun.org.selectors import cadres_visible

    cadres = cadres_visible(actor=actor)
    qs = StudyHoursTarget.objects.filter(year=year, cadre__in=cadres.values("pk")).select_related("cadre__unit")
    if query.strip():
        q = query.strip()
        qs = qs.filter(Q(cadre__name__icontains=q) | Q(cadre__employee_number=q))
    return qs.order_by("cadre__unit__path", "cadre__employee_number")


def hours_target_get(*, actor: User, pk: int) -> StudyHoursTarget:
    from peixun.org.selectors import cadres_visible

    try:
        return StudyHoursTarget.objects.select_related("cadre").get(
            pk=pk, cadre__in=cadres_visible(actor=actor).values("pk")
        )
    except (StudyHoursTarget.DoesNotExist, ValueError):
        raise Http404 from None


# --- Leave requests ------------------------------------------------------------------------------------


def leave_scope_q(actor: User) -> Q | None:
    """The trainee's own requests, and those of the cadres a unit admin (or the organisation department)
    decides on."""
    if not _alive(actor):
        return None
    conditions: list[Q] = []
    if actor.has_role(Role.ORG_ADMIN):
        return Q()
    if actor.has_role(Role.UNIT_ADMIN):
        conditions += [Q(enrolment__cadre__unit__path__startswith=p) for p in actor.grants.admin_paths]
    if actor.cadre_id is not None:
        conditions.append(Q(enrolment__cadre_id=actor.cadre_id))
    return any_of(conditions)


def leave_requests_visible(*, actor: User) -> QuerySet[LeaveRequest]:
    q = leave_scope_q(actor)
    if q is None:
        return LeaveRequest.objects.none()
    return LeaveRequest.objects.filter(q).select_related(
        "lecture", "enrolment__training_class", "enrolment__cadre__unit", "decided_by"
    )


def leave_request_get(*, actor: User, pk: int) -> LeaveRequest:
    try:
        return leave_requests_visible(actor=actor).get(pk=pk)
    except (LeaveRequest.DoesNotExist, ValueError):
        raise Http404 from None


def leave_requests_mine(*, actor: User) -> QuerySet[LeaveRequest]:
    if not _alive(actor) or actor.cadre_id is None:
        return LeaveRequest.objects.none()
    return leave_requests_visible(actor=actor).filter(enrolment__cadre_id=actor.cadre_id)


def leave_requests_to_decide(*, actor: User, status: str = "") -> QuerySet[LeaveRequest]:
    """Requests of other cadres in the admin's scope (one's own request is never decided by oneself)."""
    if not _alive(actor) or not (actor.has_role(Role.ORG_ADMIN) or actor.has_role(Role.UNIT_ADMIN)):
        return LeaveRequest.objects.none()
    qs = leave_requests_visible(actor=actor)
    if actor.cadre_id is not None:
        qs = qs.exclude(enrolment__cadre_id=actor.cadre_id)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("status", "lecture__starts_at", "-created_at")


def lectures_open_for_leave(*, actor: User) -> QuerySet[Lecture]:
    """Lectures not yet ended of the classes the actor is enrolled in."""
    from django.utils import timezone

    if not _alive(actor) or actor.cadre_id is None:
        return Lecture.objects.none()
    classes = Enrolment.objects.filter(cadre_id=actor.cadre_id, status=EnrolmentStatus.ENROLLED).values(
        "training_class_id"
    )
    return (
        Lecture.objects.filter(training_class_id__in=classes, ends_at__gt=timezone.now())
        .select_related("training_class")
        .order_by("starts_at", "id")
    )


# --- Handouts published in the library ----------------------------------------------------------------


def lecture_handout_resources(*, actor: User, lecture: Lecture) -> QuerySet:
    """The library resources published for a lecture that the actor may read (library's own scope rule)."""
    from peixun.library.models import ResourceStatus
    from peixun.library.selectors import resources_visible

    return (
        resources_visible(actor=actor)
        .filter(Q(lecture=lecture) | Q(handout__lecture=lecture), status=ResourceStatus.PUBLISHED)
        .order_by("-published_at", "-id")
    )
