"""Scope policy of the teacher pool. The application, sample and pool teacher belong to county B1."""

from __future__ import annotations

from peixun.core.tests.scope import AUTHENTICATED, LOCAL_ROLES, PROVINCE_ADMINS, Endpoint, World

ORG = frozenset({"org_admin"})
CADRES = frozenset(
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
NOMINATORS = frozenset({"org_admin", "city_a_admin", "county_a1_admin"})
POOL_READERS = PROVINCE_ADMINS | {"office_director", "office_member"}
NOT_PROVINCE = LOCAL_ROLES | {"audit_admin"}


def build(world: World) -> None:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from peixun.accounts.roles import Role
    from peixun.offices.models import ResearchOffice
    from peixun.org.tests.factories import cadre_user, grant
    from peixun.teachers.models import ApplicationStatus, Channel, SampleLecture, TeacherApplication
    from peixun.teachers.tests.factories import RoundFactory, TeacherFactory
    from peixun.training.tests.factories import ClassFactory, LectureFactory

    office_b, _ = ResearchOffice.objects.get_or_create(
        code="XF", defaults={"name": "信访举报教研室", "field": "信访举报"}
    )
    b1_admin = grant(cadre_user(unit=world.tree.county_b1, name="乙一县推荐人"), Role.UNIT_ADMIN, world.tree.county_b1)
    intake = RoundFactory(fields=[office_b])
    app = TeacherApplication.objects.create(
        round=intake,
        cadre=world.foreign_cadre,
        channel=Channel.NOMINATED,
        submitted_by=b1_admin,
        experience="授课经历",
        unit_opinion="同意推荐",
        status=ApplicationStatus.RETURNED,
    )
    app.fields.set([office_b])
    # One fixed file, written once: the matrix builds this world for every case.
    path = "teachers/samples/scope-matrix-sample.pdf"
    if not default_storage.exists(path):
        default_storage.save(path, ContentFile(b"%PDF-1.4"))
    sample = SampleLecture.objects.create(application=app, title="示范课", original_name="示范课.pdf", file=path)
    applicant = cadre_user(unit=world.tree.county_b1, name="乙一县报名人")
    applied = TeacherApplication.objects.create(
        round=intake, cadre=applicant.cadre, channel=Channel.APPLIED, submitted_by=applicant, experience="经历"
    )
    applied.fields.set([office_b])
    pool_cadre = cadre_user(unit=world.tree.county_b1, name="乙一县师资甲").cadre
    cls = ClassFactory(office=office_b)
    world.extra.update(
        teacher_round=intake,
        teacher_application=app,
        teacher_applied=applied,
        teacher_sample=sample,
        pool_teacher=TeacherFactory(cadre=pool_cadre, fields=[office_b]),
        teacher_lecture=LectureFactory(training_class=cls, teacher_name="待定"),
    )


def _pk(key: str):
    return lambda w: {"pk": w.extra[key].pk}


def foreign_names(w: World) -> list[str]:
    return [w.foreign_cadre.name]


ENDPOINTS = [
    Endpoint("teachers:round_list", allow=AUTHENTICATED),
    Endpoint("teachers:round_create", allow=ORG),
    Endpoint(
        "teachers:round_detail",
        allow=AUTHENTICATED,
        kwargs=_pk("teacher_round"),
        hidden=foreign_names,
        hidden_from=NOT_PROVINCE,
    ),
    Endpoint("teachers:round_edit", allow=ORG, kwargs=_pk("teacher_round")),
    Endpoint(
        "teachers:application_opinion",
        allow=ORG,
        method="POST",
        kwargs=_pk("teacher_applied"),
        data=lambda w: {"unit_opinion": "同意"},
    ),
    Endpoint("teachers:teacher_edit", allow=ORG, kwargs=_pk("pool_teacher")),
    Endpoint("teachers:round_toggle", allow=ORG, method="POST", kwargs=_pk("teacher_round")),
    Endpoint("teachers:apply", allow=CADRES, kwargs=_pk("teacher_round")),
    Endpoint("teachers:nominate", allow=NOMINATORS, kwargs=_pk("teacher_round")),
    Endpoint("teachers:application_list", allow=AUTHENTICATED, hidden=foreign_names, hidden_from=NOT_PROVINCE),
    Endpoint("teachers:application_detail", allow=PROVINCE_ADMINS, kwargs=_pk("teacher_application")),
    Endpoint("teachers:application_edit", allow=ORG, kwargs=_pk("teacher_application")),
    Endpoint(
        "teachers:application_review",
        allow=ORG,
        method="POST",
        kwargs=_pk("teacher_application"),
        data=lambda w: {"decision": "pass"},
    ),
    Endpoint(
        "teachers:application_approve",
        allow=ORG,
        method="POST",
        kwargs=_pk("teacher_application"),
        data=lambda w: {"approve": "1"},
    ),
    Endpoint("teachers:sample_download", allow=PROVINCE_ADMINS, kwargs=_pk("teacher_sample")),
    Endpoint("teachers:teacher_list", allow=POOL_READERS),
    Endpoint("teachers:teacher_create", allow=ORG),
    Endpoint("teachers:teacher_detail", allow=POOL_READERS, kwargs=_pk("pool_teacher")),
    Endpoint(
        "teachers:teacher_status",
        allow=ORG,
        method="POST",
        kwargs=_pk("pool_teacher"),
        data=lambda w: {"status": "active"},
    ),
    Endpoint(
        "teachers:teacher_review",
        allow=ORG,
        method="POST",
        kwargs=_pk("pool_teacher"),
        data=lambda w: {"year": "2026", "grade": "competent"},
    ),
    Endpoint(
        "teachers:teacher_assign",
        allow=ORG,
        method="POST",
        kwargs=_pk("pool_teacher"),
        data=lambda w: {"lecture": w.extra["teacher_lecture"].pk},
    ),
]

ENDPOINTS += [
    Endpoint("teacher-list", allow=POOL_READERS),
    Endpoint("teacher-detail", allow=POOL_READERS, kwargs=_pk("pool_teacher")),
    Endpoint("teacher-application-list", allow=AUTHENTICATED, hidden=foreign_names, hidden_from=NOT_PROVINCE),
    Endpoint("teacher-application-detail", allow=PROVINCE_ADMINS, kwargs=_pk("teacher_application")),
]
