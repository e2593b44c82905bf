"""Evaluations (only by those who attended, aggregates for teachers), certificates, coverage, records."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from peixun.org.models import CadreStatus
from peixun.org.tests.factories import CadreFactory
from peixun.training import services_results as sr
from peixun.training.coverage import coverage, training_record
from peixun.training.models import CheckIn, ClassStatus, StudyHoursTarget
from peixun.training.selectors import lecture_may_attend, lecture_participants
from peixun.training.services import hours_target_set
from peixun.training.tests.factories import (
    YEAR,
    ClassFactory,
    EnrolmentFactory,
    LectureFactory,
    PlanFactory,
    VenueFactory,
)


def attend(lecture, enrolment, status="present", hours="2.0"):
    return CheckIn.objects.create(
        lecture=lecture,
        enrolment=enrolment,
        cadre=enrolment.cadre,
        status=status,
        method="operator",
        study_hours=Decimal(hours),
    )


def test_only_trainees_who_attended_may_rate_and_only_once(tree, trainee_a1, teacher):
    cls = ClassFactory()
    lecture = LectureFactory(training_class=cls, teacher=teacher)
    e = EnrolmentFactory(training_class=cls, cadre=trainee_a1.cadre)
    with pytest.raises(PermissionDenied):
        sr.evaluation_submit(actor=trainee_a1, training_class=cls, lecture=lecture, lecture_score=5, teacher_score=5)
    attend(lecture, e)
    with pytest.raises(ValidationError) as err:
        sr.evaluation_submit(actor=trainee_a1, training_class=cls, lecture=lecture, lecture_score=9)
    assert err.value.message_dict == {"lecture_score": [sr.ERR_SCORE], "teacher_score": [sr.ERR_SCORE]}
    sr.evaluation_submit(
        actor=trainee_a1, training_class=cls, lecture=lecture, lecture_score=5, teacher_score=4, comment="讲得好"
    )
    with pytest.raises(ValidationError) as err:
        sr.evaluation_submit(actor=trainee_a1, training_class=cls, lecture=lecture, lecture_score=1, teacher_score=1)
    assert err.value.message_dict["lecture"] == [sr.ERR_ALREADY_RATED]
    sr.evaluation_submit(actor=trainee_a1, training_class=cls, class_score=3)


def test_teachers_see_aggregates_never_names(tree, teacher, trainee_a1, trainee_b1):
    cls = ClassFactory()
    lecture = LectureFactory(training_class=cls, teacher=teacher)
    for user, score in ((trainee_a1, 5), (trainee_b1, 3)):
        attend(lecture, EnrolmentFactory(training_class=cls, cadre=user.cadre))
        sr.evaluation_submit(
            actor=user,
            training_class=cls,
            lecture=lecture,
            lecture_score=score,
            teacher_score=score,
            comment=f"意见{score}",
        )
    summary = sr.evaluation_summary(actor=teacher, training_class=cls, lecture=lecture)
    assert summary == {"count": 2, "lecture": 4.0, "teacher": 4.0, "class": None, "comments": ["意见3", "意见5"]}
    assert trainee_a1.cadre.name not in str(summary)
    with pytest.raises(PermissionDenied):
        sr.evaluation_summary(actor=trainee_a1, training_class=cls, lecture=lecture)


def test_a_certificate_needs_completion_and_gets_a_unique_number(org_admin, tree, trainee_a1):
    cls = ClassFactory(status=ClassStatus.FINISHED)
    lectures = [LectureFactory(training_class=cls) for _ in range(5)]
    done = EnrolmentFactory(training_class=cls, cadre=trainee_a1.cadre)
    short = EnrolmentFactory(training_class=cls, cadre=CadreFactory(unit=tree.county_a1))
    for lecture in lectures[:4]:
        attend(lecture, done)
    for lecture in lectures[:3]:
        attend(lecture, short)
    with pytest.raises(ValidationError) as err:
        sr.certificate_issue(actor=org_admin, enrolment=short)
    assert err.value.message_dict["enrolment"] == [sr.ERR_NOT_COMPLETED.format(pct=80)]
    issued = sr.certificates_issue_all(actor=org_admin, training_class=cls)
    assert [c.enrolment_id for c in issued] == [done.pk]
    cert = issued[0]
    assert cert.number == f"PX{cls.plan.year}{cls.pk:04d}00001" and cert.study_hours == Decimal("8.0")
    assert len(cert.token) >= 32
    with pytest.raises(ValidationError):
        sr.certificate_issue(actor=org_admin, enrolment=done)


@pytest.fixture
def coverage_world(tree):
    """Hand-computed fixture: county A1 has 4 active cadres (+1 retired), county A2 has 2.

    A1: c1 10 h (meets the plan target of 10), c2 4 h, c3 0 h (absent), c4 none; retired r1 6 h (ignored).
    A2: d1 12 h but an own target of 20 (trained, not met); d2 none.
    City A directly: its admin (untrained).  Expected for city A: 7 active, 3 trained (42.9 %), 1 met (14.3 %).
    """
    PlanFactory(year=YEAR, hours_target=Decimal("10"))
    start = timezone.make_aware(dt.datetime(YEAR, 3, 10, 9))
    cls = ClassFactory(start_date=start.date(), end_date=start.date())
    lecture = LectureFactory(training_class=cls, starts_at=start)
    c = [CadreFactory(unit=tree.county_a1) for _ in range(4)]
    r1 = CadreFactory(unit=tree.county_a1, status=CadreStatus.RETIRED)
    d = [CadreFactory(unit=tree.county_a2) for _ in range(2)]
    for cadre, hours, status in (
        (c[0], "10", "present"),
        (c[1], "4", "late"),
        (c[2], "0", "absent"),
        (r1, "6", "present"),
        (d[0], "12", "present"),
    ):
        attend(lecture, EnrolmentFactory(training_class=cls, cadre=cadre), status=status, hours=hours)
    StudyHoursTarget.objects.create(year=YEAR, cadre=d[0], hours=Decimal("20"))
    return c, d


def test_coverage_figures_equal_the_hand_computed_fixture(coverage_world, city_a_admin, tree):
    c, d = coverage_world
    result = coverage(actor=city_a_admin, unit_id=tree.city_a.pk, year=YEAR)
    assert (result.root.active, result.root.trained, result.root.met_target) == (7, 3, 1)
    assert (result.root.trained_share, result.root.target_share) == (42.9, 14.3)
    by_unit = {row.unit.code: (row.active, row.trained, row.met_target) for row in result.children}
    assert by_unit == {"A1": (4, 2, 1), "A2": (2, 1, 0)}
    assert [x.pk for x in result.untrained] == [city_a_admin.cadre_id, c[2].pk, c[3].pk, d[1].pk]
    assert result.months[2] == {"month": 3, "cadres": 3, "hours": 26.0}
    assert sum(m["cadres"] for m in result.months) == 3


def test_coverage_is_scoped(coverage_world, county_a1_admin, tree):
    with pytest.raises(Http404):
        coverage(actor=county_a1_admin, unit_id=tree.city_b.pk, year=YEAR)
    assert coverage(actor=county_a1_admin, unit_id=tree.county_a1.pk, year=YEAR).root.active == 5  # + the admin


def test_the_training_record_lists_classes_hours_and_target(coverage_world, org_admin, county_b1_admin):
    c, _ = coverage_world
    hours_target_set(actor=org_admin, year=YEAR, cadre=c[0], hours="8")
    record = training_record(actor=org_admin, cadre_id=c[0].pk, year=YEAR)
    assert record["total"] == Decimal("10") and record["target"] == Decimal("8")
    assert len(record["classes"]) == 1
    with pytest.raises(Http404):
        training_record(actor=county_b1_admin, cadre_id=c[0].pk, year=YEAR)


def test_who_may_attend_a_lecture(
    tree,
    org_admin,
    trainee_a1,
    trainee_b1,
    teacher,
    venue_operator_a1,
    county_a1_admin,
    county_b1_admin,
    office_member,
    office,
):
    cls = ClassFactory(office=office)
    lecture = LectureFactory(training_class=cls, teacher=teacher)
    EnrolmentFactory(training_class=cls, cadre=trainee_a1.cadre, venue=VenueFactory(unit=tree.county_a1))
    allowed = {org_admin, trainee_a1, teacher, venue_operator_a1, county_a1_admin, office_member}
    for user in allowed:
        assert lecture_may_attend(actor=user, lecture=lecture), user
    for user in (trainee_b1, county_b1_admin):
        assert not lecture_may_attend(actor=user, lecture=lecture), user
    assert set(lecture_participants(lecture=lecture)) == allowed
