"""Scope policy of the training pages and API. The objects sit in county B1 / city B and belong to a class
of an office that none of the matrix's office roles is in."""

from __future__ import annotations

from peixun.core.tests.scope import AUTHENTICATED, LOCAL_ROLES, PROVINCE_ADMINS, ROLES, Endpoint

ORG = frozenset({"org_admin"})
WITH_CADRE = frozenset(
    {
        "org_admin",
        "city_a_admin",
        "county_a1_admin",
        "office_director",
        "office_member",
        "teacher",
        "venue_operator_a1",
        "trainee_a1",
    }
)
COVERAGE = PROVINCE_ADMINS | {"city_a_admin", "county_a1_admin"}
VENUE_PAGE = PROVINCE_ADMINS | {"city_a_admin", "county_a1_admin", "venue_operator_a1"}
NOT_PROVINCE = LOCAL_ROLES | {"audit_admin"}


def build(world):
    import datetime as dt

    from django.utils import timezone

    from peixun.offices.models import ResearchOffice
    from peixun.training.models import Certificate, ClassStatus, Enrolment, Lecture, TrainingClass, TrainingPlan, Venue

    today = timezone.localdate()
    plan, _ = TrainingPlan.objects.get_or_create(year=today.year, defaults={"title": "年度计划"})
    office = ResearchOffice.objects.create(code="SCOPE-T", name="案件审理教研室", field="审理")
    # Until tomorrow: the lecture starts in five minutes, which after 23:55 is tomorrow, and a lecture
    # outside its class's days is refused.
    cls = TrainingClass.objects.create(
        plan=plan,
        office=office,
        title="矩阵培训班",
        start_date=today,
        end_date=today + dt.timedelta(days=1),
        status=ClassStatus.ENROLLING,
    )
    lecture = Lecture.objects.create(
        training_class=cls,
        topic="矩阵课次",
        starts_at=timezone.now() + dt.timedelta(minutes=5),
        duration_minutes=60,
        teacher_name="外聘",
    )
    venue = Venue.objects.create(name="乙一县矩阵分会场", unit=world.tree.county_b1, seats=30)
    enrolment = Enrolment.objects.create(
        training_class=cls, cadre=world.foreign_cadre, channel="org_admin", venue=venue
    )
    certificate = Certificate.objects.create(
        enrolment=enrolment, number="PX-SCOPE-1", token="scope-token-for-matrix-0123456789", study_hours=2
    )
    world.extra.update(t_class=cls, t_lecture=lecture, t_venue=venue, t_enrolment=enrolment, t_certificate=certificate)
    build_edit_pages(world, plan=plan, enrolment=enrolment, lecture=lecture)


def build_edit_pages(world, *, plan, enrolment, lecture):
    """Objects of the edit pages, leave and the allocation map: all of county B1's cadre."""
    from peixun.training.models import LeaveRequest, StudyHoursTarget

    target = StudyHoursTarget.objects.create(year=plan.year, cadre=world.foreign_cadre, hours=30)
    leave = LeaveRequest.objects.create(enrolment=enrolment, lecture=lecture, reason="矩阵请假事由")
    world.extra.update(t_plan=plan, t_target=target, t_leave=leave)


def names(w):
    return [w.foreign_cadre.name, w.foreign_cadre.employee_number]


def cls(w):
    return {"pk": w.t_class.pk}


def lv(w):
    return {"pk": w.t_lecture.pk, "venue_pk": w.t_venue.pk}


ENDPOINTS = [
    Endpoint("training:class_list", allow=AUTHENTICATED, hidden=names),
    Endpoint("training:class_create", allow=ORG),
    Endpoint("training:class_detail", allow=AUTHENTICATED, kwargs=cls, hidden=names, hidden_from=NOT_PROVINCE),
    Endpoint("training:class_status", allow=ORG, kwargs=cls, method="POST", data=lambda w: {"to": "in_progress"}),
    Endpoint("training:lecture_create", allow=ORG, kwargs=cls),
    Endpoint(
        "training:enrol",
        allow=ORG,
        kwargs=cls,
        method="POST",
        data=lambda w: {"employee_number": w.foreign_cadre.employee_number},
    ),
    Endpoint("training:enrol_import", allow=ORG | {"city_a_admin", "county_a1_admin"}, kwargs=cls, method="POST"),
    Endpoint("training:allocate", allow=ORG, kwargs=cls, method="POST"),
    Endpoint("training:allocation", allow=ORG, kwargs=cls),
    Endpoint("training:signin_sheet", allow=ORG, kwargs=lambda w: {"pk": w.t_class.pk, "venue_pk": w.t_venue.pk}),
    Endpoint("training:certificates_issue", allow=ORG, kwargs=cls, method="POST"),
    Endpoint("training:withdraw", allow=ORG, kwargs=lambda w: {"pk": w.t_enrolment.pk}, method="POST"),
    Endpoint(
        "training:place",
        allow=ORG,
        kwargs=lambda w: {"pk": w.t_enrolment.pk},
        method="POST",
        data=lambda w: {"venue": w.t_venue.pk},
    ),
    Endpoint("training:lecture_detail", allow=AUTHENTICATED, kwargs=lambda w: {"pk": w.t_lecture.pk}, hidden=names),
    Endpoint("training:projector", allow=ORG, kwargs=lv),
    Endpoint("training:checkin", allow=AUTHENTICATED, kwargs=lv),
    Endpoint(
        "training:checkin",
        label="post",
        allow=AUTHENTICATED,
        kwargs=lv,
        method="POST",
        data=lambda w: {"t": "1.forged"},
    ),
    Endpoint("training:attendance", allow=ORG, kwargs=lv, hidden=names, hidden_from=frozenset()),
    # Nobody in the matrix attended the lecture, so nobody may rate it.
    Endpoint(
        "training:evaluate",
        allow=frozenset(),
        kwargs=lambda w: {"pk": w.t_lecture.pk},
        method="POST",
        data=lambda w: {"lecture_score": 5, "teacher_score": 5},
    ),
    Endpoint("training:certificate_pdf", allow=ORG, kwargs=lambda w: {"pk": w.t_certificate.pk}),
    Endpoint(
        "training:verify",
        allow=frozenset(ROLES),
        kwargs=lambda w: {"token": w.t_certificate.token},
        hidden=lambda w: [w.foreign_cadre.employee_number, w.tree.county_b1.name],
        hidden_from=frozenset(ROLES),
    ),
    Endpoint("training:record", allow=WITH_CADRE, hidden=names),
    Endpoint("training:record", label="foreign", allow=PROVINCE_ADMINS, query=lambda w: {"cadre": w.foreign_cadre.pk}),
    Endpoint("training:coverage", allow=COVERAGE, hidden=names, hidden_from=NOT_PROVINCE),
    Endpoint(
        "training:coverage", label="foreign", allow=PROVINCE_ADMINS, query=lambda w: {"unit": w.tree.county_b1.pk}
    ),
    Endpoint("training:coverage_export", allow=COVERAGE),
    Endpoint(
        "training:coverage_export",
        label="foreign",
        allow=PROVINCE_ADMINS,
        query=lambda w: {"unit": w.tree.county_b1.pk},
    ),
    Endpoint("training:notifications", allow=AUTHENTICATED),
    Endpoint("training:notifications", label="read", allow=AUTHENTICATED, method="POST"),
    Endpoint("training:venue_list", allow=VENUE_PAGE, hidden=lambda w: [w.t_venue.name], hidden_from=NOT_PROVINCE),
    # Edit pages (views_edit), leave (views_leave) and the allocation map (views_map).
    Endpoint("training:plan_list", allow=ORG),
    Endpoint("training:plan_create", allow=ORG),
    Endpoint("training:plan_edit", allow=ORG, kwargs=lambda w: {"pk": w.t_plan.pk}),
    Endpoint(
        "training:hours_targets",
        allow=ORG,
        kwargs=lambda w: {"pk": w.t_plan.pk},
        hidden=names,
        hidden_from=NOT_PROVINCE,
    ),
    Endpoint("training:hours_target_remove", allow=ORG, kwargs=lambda w: {"pk": w.t_target.pk}, method="POST"),
    Endpoint("training:venue_create", allow=ORG),
    Endpoint("training:venue_edit", allow=ORG, kwargs=lambda w: {"pk": w.t_venue.pk}),
    Endpoint(
        "training:venue_edit",
        label="post",
        allow=ORG,
        kwargs=lambda w: {"pk": w.t_venue.pk},
        method="POST",
        data=lambda w: {"name": "改名", "seats": 10, "allowed_occupancy": 50},
    ),
    Endpoint("training:class_edit", allow=ORG, kwargs=cls),
    Endpoint(
        "training:class_edit",
        label="post",
        allow=ORG,
        kwargs=cls,
        method="POST",
        data=lambda w: {"plan": w.t_plan.pk, "office": w.t_class.office_id, "title": "改名"},
    ),
    Endpoint("training:lecture_edit", allow=ORG, kwargs=lambda w: {"pk": w.t_lecture.pk}),
    Endpoint("training:quotas", allow=ORG, kwargs=cls),
    Endpoint(
        "training:quotas",
        label="post",
        allow=ORG,
        kwargs=cls,
        method="POST",
        data=lambda w: {"unit": w.tree.county_b1.pk, "seats": 5},
    ),
    Endpoint(
        "training:allocation_map",
        allow=ORG | {"city_a_admin", "county_a1_admin", "venue_operator_a1"},
        kwargs=cls,
        hidden=lambda w: [w.t_venue.name, w.tree.county_b1.name, w.foreign_cadre.name],
        hidden_from=NOT_PROVINCE,
    ),
    Endpoint(
        "training:allocation_map",
        label="by-unit",
        allow=ORG | {"city_a_admin", "county_a1_admin", "venue_operator_a1"},
        kwargs=cls,
        query=lambda w: {"by": "unit"},
        hidden=lambda w: [w.t_venue.name, w.tree.county_b1.name],
        hidden_from=NOT_PROVINCE,
    ),
    Endpoint(
        "training:leave", allow=WITH_CADRE, hidden=lambda w: ["矩阵请假事由", *names(w)], hidden_from=NOT_PROVINCE
    ),
    Endpoint(
        "training:leave_decide",
        allow=ORG,
        kwargs=lambda w: {"pk": w.t_leave.pk},
        method="POST",
        data=lambda w: {"decision": "approve"},
    ),
    Endpoint("training-class-list", allow=AUTHENTICATED),
    Endpoint("training-class-detail", allow=AUTHENTICATED, kwargs=cls),
    Endpoint("training-lecture-list", allow=AUTHENTICATED),
    Endpoint("training-lecture-detail", allow=AUTHENTICATED, kwargs=lambda w: {"pk": w.t_lecture.pk}),
    Endpoint(
        "training-lecture-checkin",
        label="bad-token",
        allow=frozenset(),
        method="POST",
        kwargs=lambda w: {"pk": w.t_lecture.pk},
        data=lambda w: {"venue": w.t_venue.pk, "token": "1.forged"},
        deny=frozenset({400, 403, 404}),
    ),
    # Office directors see the rosters of their own office's classes, which other apps' worlds may fill
    # with county-B1 trainees; the list is checked for every other local role.
    Endpoint(
        "training-enrolment-list", allow=AUTHENTICATED, hidden=names, hidden_from=NOT_PROVINCE - {"office_director"}
    ),
    Endpoint("training-enrolment-detail", allow=PROVINCE_ADMINS, kwargs=lambda w: {"pk": w.t_enrolment.pk}),
    Endpoint("training-venue-list", allow=AUTHENTICATED, hidden=lambda w: [w.t_venue.name], hidden_from=NOT_PROVINCE),
    Endpoint("training-venue-detail", allow=PROVINCE_ADMINS, kwargs=lambda w: {"pk": w.t_venue.pk}),
]


# --- write API (classes, enrolment, leave) ------------------------------------------------------------------
# peixun.training.api_admin. POSTs run in the test's savepoint, so what an allowed role creates is rolled back.


def fresh_b1_cadre(w):
    """A county-B1 cadre not yet enrolled in the matrix class, made inside the test's savepoint."""
    from peixun.org.tests.factories import CadreFactory

    return CadreFactory(unit=w.tree.county_b1)


def lecture_pk(w):
    return {"pk": w.t_lecture.pk}


def leave_pk(w):
    return {"pk": w.t_leave.pk}


def new_class(w):
    day = w.t_class.start_date.isoformat()
    return {"plan": w.t_plan.pk, "office": w.t_class.office_id, "title": "矩阵新班", "start_date": day, "end_date": day}


def new_lecture(w):
    starts = f"{w.t_class.start_date.isoformat()}T12:00:00"
    return {"topic": "矩阵新课次", "starts_at": starts, "duration_minutes": 30, "teacher_name": "外聘"}


ENDPOINTS += [
    Endpoint("training-plan-list", allow=ORG),
    Endpoint(
        "training-plan-list", label="post", allow=ORG, method="POST", data=lambda w: {"year": 2099, "title": "矩阵"}
    ),
    Endpoint("training-plan-detail", allow=ORG, kwargs=lambda w: {"pk": w.t_plan.pk}),
    Endpoint(
        "training-plan-detail",
        label="patch",
        allow=ORG,
        kwargs=lambda w: {"pk": w.t_plan.pk},
        method="PATCH",
        data=lambda w: {"title": "改名"},
    ),
    Endpoint("training-plan-targets", allow=ORG, kwargs=lambda w: {"pk": w.t_plan.pk}),
    Endpoint(
        "training-plan-targets",
        label="post",
        allow=ORG,
        kwargs=lambda w: {"pk": w.t_plan.pk},
        method="POST",
        data=lambda w: {"employee_number": w.foreign_cadre.employee_number, "hours": "20"},
    ),
    Endpoint("training-hours-target-detail", allow=ORG, kwargs=lambda w: {"pk": w.t_target.pk}, method="DELETE"),
    # Office directors list the classes of their own office (none of them is the matrix class).
    Endpoint("training-managed-class-list", allow=ORG | {"office_director"}),
    Endpoint("training-managed-class-list", label="post", allow=ORG, method="POST", data=new_class),
    Endpoint("training-managed-class-detail", allow=ORG, kwargs=cls),
    Endpoint(
        "training-managed-class-detail",
        label="patch",
        allow=ORG,
        kwargs=cls,
        method="PATCH",
        data=lambda w: {"title": "改名"},
    ),
    Endpoint(
        "training-managed-class-transition",
        allow=ORG,
        kwargs=cls,
        method="POST",
        data=lambda w: {"to": "in_progress"},
    ),
    Endpoint("training-managed-class-quotas", allow=ORG, kwargs=cls),
    Endpoint(
        "training-managed-class-quotas",
        label="post",
        allow=ORG,
        kwargs=cls,
        method="POST",
        data=lambda w: {"unit": w.tree.county_b1.pk, "seats": 5},
    ),
    Endpoint("training-managed-class-lectures", allow=ORG, kwargs=cls, method="POST", data=new_lecture),
    Endpoint("training-managed-lecture-detail", allow=ORG, kwargs=lecture_pk),
    Endpoint(
        "training-managed-lecture-detail",
        label="patch",
        allow=ORG,
        kwargs=lecture_pk,
        method="PATCH",
        data=lambda w: {"topic": "改名", "is_live": "false"},
    ),
    # A B1 cadre's number: the A admins cannot see the cadre (404), only the organisation department enrols.
    Endpoint(
        "training-class-roster-enrol",
        allow=ORG,
        kwargs=cls,
        method="POST",
        data=lambda w: {"employee_number": fresh_b1_cadre(w).employee_number},
    ),
    # The matrix posts no file: an admin gets past the permission check to the 400 for the missing file.
    Endpoint(
        "training-class-roster-import",
        allow=ORG | {"city_a_admin", "county_a1_admin"},
        kwargs=cls,
        method="POST",
        ok=frozenset({400}),
    ),
    Endpoint("training-enrolment-roster-withdraw", allow=ORG, kwargs=lambda w: {"pk": w.t_enrolment.pk}, method="POST"),
    Endpoint(
        "training-leave-request-list",
        allow=WITH_CADRE,
        hidden=lambda w: ["矩阵请假事由", *names(w)],
        hidden_from=NOT_PROVINCE,
    ),
    # Nobody in the matrix is enrolled in the matrix class, so nobody may ask for leave from its lecture.
    Endpoint(
        "training-leave-request-list",
        label="post",
        allow=frozenset(),
        method="POST",
        data=lambda w: {"lecture": w.t_lecture.pk, "reason": "矩阵"},
        deny=frozenset({400, 403, 404}),
    ),
    Endpoint("training-leave-request-detail", allow=ORG, kwargs=leave_pk),
    Endpoint(
        "training-leave-request-review",
        allow=ORG,
        kwargs=leave_pk,
        method="POST",
        data=lambda w: {"decision": "approve"},
    ),
]


# --- API: allocation, attendance, results, coverage ----------------------------------------------------------
# peixun.training.api_sessions: the same rules as the pages above (named in each comment).
MAP_READERS = ORG | {"city_a_admin", "county_a1_admin", "venue_operator_a1"}


def enrolment_pk(w):
    return {"pk": w.t_enrolment.pk}


def venue_pk(w):
    return {"pk": w.t_venue.pk}


def at_venue(w):
    return {"venue": w.t_venue.pk}


ENDPOINTS += [
    # training:allocation_map's readers; each sees only the trainees in scope and no totals of B1's venue.
    Endpoint(
        "training-class-run-allocation",
        allow=MAP_READERS,
        kwargs=cls,
        hidden=lambda w: [w.t_venue.name, *names(w)],
        hidden_from=NOT_PROVINCE,
    ),
    Endpoint("training-class-run-allocation-run", allow=ORG, kwargs=cls, method="POST"),
    Endpoint("training-class-run-certificates", allow=ORG, kwargs=cls, method="POST"),
    Endpoint("training-class-run-evaluation-summary", allow=ORG, kwargs=cls),
    Endpoint("training-enrolment-run-placement", allow=ORG, kwargs=enrolment_pk, method="POST", data=at_venue),
    # The matrix class is still enrolling, so the organisation department reaches the service and hears 400
    # (certificates only once the class is in progress); everyone else is refused before it.
    Endpoint("training-enrolment-run-certificate", allow=ORG, kwargs=enrolment_pk, method="POST", ok=frozenset({400})),
    Endpoint(
        "training-lecture-run-attendance",
        allow=ORG,
        kwargs=lecture_pk,
        query=at_venue,
        hidden=names,
        hidden_from=frozenset(),
    ),
    Endpoint(
        "training-lecture-run-attendance", label="post", allow=ORG, kwargs=lecture_pk, method="POST", data=at_venue
    ),
    Endpoint(
        "training-lecture-run-headcount",
        allow=ORG,
        kwargs=lecture_pk,
        method="POST",
        data=lambda w: {"venue": w.t_venue.pk, "headcount": 0},
    ),
    # Nobody in the matrix attended the lecture, so nobody may rate it (training:evaluate).
    Endpoint(
        "training-lecture-run-evaluation",
        allow=frozenset(),
        kwargs=lecture_pk,
        method="POST",
        data=lambda w: {"lecture_score": 5, "teacher_score": 5},
    ),
    Endpoint("training-lecture-run-evaluation-summary", allow=ORG, kwargs=lecture_pk),
    Endpoint("training-venue-run-settings", allow=ORG, kwargs=venue_pk),
    Endpoint(
        "training-venue-run-settings",
        label="patch",
        allow=ORG,
        kwargs=venue_pk,
        method="PATCH",
        data=lambda w: {"seats": 10, "allowed_occupancy": 50},
    ),
    # Only one's own certificates are listed: B1's is never in anyone's list.
    Endpoint(
        "training-certificate-list",
        allow=AUTHENTICATED,
        hidden=lambda w: [w.t_certificate.number, *names(w)],
        hidden_from=AUTHENTICATED,
    ),
    Endpoint("training-certificate-pdf", allow=ORG, kwargs=lambda w: {"pk": w.t_certificate.pk}),
    Endpoint("training-figures-record", allow=WITH_CADRE, hidden=names),
    Endpoint(
        "training-figures-record", label="foreign", allow=PROVINCE_ADMINS, query=lambda w: {"cadre": w.foreign_cadre.pk}
    ),
    Endpoint("training-figures-coverage", allow=COVERAGE, hidden=names, hidden_from=NOT_PROVINCE),
    Endpoint(
        "training-figures-coverage",
        label="foreign",
        allow=PROVINCE_ADMINS,
        query=lambda w: {"unit": w.tree.county_b1.pk},
    ),
    Endpoint(
        "training-figures-venue-attendance",
        allow=COVERAGE,
        hidden=lambda w: [w.t_venue.name],
        hidden_from=NOT_PROVINCE,
    ),
    Endpoint("training-notification-list", allow=AUTHENTICATED),
    Endpoint("training-notification-read", allow=AUTHENTICATED, method="POST"),
]
