"""Plans, classes, lectures (conflicts), venues and quotas."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from peixun.audit.models import AuditEvent
from peixun.training import services as s
from peixun.training.models import ClassStatus, TrainingClass
from peixun.training.tests.factories import YEAR, ClassFactory, OfficeFactory, PlanFactory, VenueFactory


def at(hour: int, day: int = 0) -> dt.datetime:
    base = timezone.localtime().replace(hour=hour, minute=0, second=0, microsecond=0)
    return base + dt.timedelta(days=day)


@pytest.fixture
def main_venue(tree):
    return VenueFactory(unit=tree.province, is_main=True, name="省纪委主会场")


def test_the_org_admin_creates_a_plan_and_a_class(org_admin, tree):
    plan = s.plan_save(actor=org_admin, year=YEAR, title="年度计划", hours_target="50")
    office = OfficeFactory()
    today = timezone.localdate()
    cls = s.class_save(
        actor=org_admin,
        plan=plan,
        office=office,
        data={
            "title": "党纪学习教育专题班",
            "start_date": today,
            "end_date": today,
            "study_hours": "6",
            "audience_unit_kinds": ["county"],
            "allow_desk": True,
        },
    )
    assert cls.status == ClassStatus.DRAFT and cls.study_hours == 6
    assert AuditEvent.objects.filter(event="training.class_save").count() == 1


def test_it_refuses_a_class_that_ends_before_it_starts(org_admin):
    plan = PlanFactory()
    today = timezone.localdate()
    with pytest.raises(ValidationError) as err:
        s.class_save(
            actor=org_admin,
            plan=plan,
            office=OfficeFactory(),
            data={"title": "x", "start_date": today, "end_date": today - dt.timedelta(days=1), "kind": "nope"},
        )
    assert err.value.message_dict["end_date"] == [s.ERR_DATES]
    assert err.value.message_dict["kind"] == [s.ERR_CHOICE]
    assert not TrainingClass.objects.exists()


def test_only_the_org_admin_moves_a_class_to_another_office(org_admin, office, office_director):
    cls = ClassFactory(office=office, title="本室班")
    elsewhere = OfficeFactory()

    def save(actor, to, title):  # type: ignore[no-untyped-def]
        data = {name: getattr(cls, name) for name in s.CLASS_FIELDS} | {"title": title}
        return s.class_save(actor=actor, plan=cls.plan, office=to, data=data, training_class=cls)

    save(office_director, office, "本室班（修订）")
    with pytest.raises(PermissionDenied) as err:
        save(office_director, elsewhere, "改由他室承办")
    assert str(err.value) == s.ERR_OFFICE_ORG_ONLY
    cls.refresh_from_db()
    assert (cls.title, cls.office_id) == ("本室班（修订）", office.pk)
    assert AuditEvent.objects.filter(event="training.class_save").count() == 1
    save(org_admin, elsewhere, "改由他室承办")
    cls.refresh_from_db()
    assert (cls.title, cls.office_id) == ("改由他室承办", elsewhere.pk)


def test_a_county_admin_may_not_create_classes(county_a1_admin):
    with pytest.raises(PermissionDenied):
        s.plan_save(actor=county_a1_admin, year=YEAR, title="x")


def test_the_status_moves_one_step_at_a_time(org_admin):
    cls = ClassFactory(status=ClassStatus.DRAFT)
    s.class_transition(actor=org_admin, training_class=cls, to=ClassStatus.PUBLISHED)
    with pytest.raises(ValidationError) as err:
        s.class_transition(actor=org_admin, training_class=cls, to=ClassStatus.FINISHED)
    assert err.value.message_dict["status"] == [s.ERR_STATUS_STEP]
    cls.refresh_from_db()
    assert cls.status == ClassStatus.PUBLISHED


def test_it_refuses_a_teacher_booked_twice(org_admin, teacher, main_venue):
    cls = ClassFactory()
    s.lecture_save(
        actor=org_admin,
        training_class=cls,
        topic="第一讲",
        starts_at=at(9),
        duration_minutes=120,
        teacher=teacher,
        main_venue=main_venue,
    )
    other = ClassFactory()
    with pytest.raises(ValidationError) as err:
        s.lecture_save(
            actor=org_admin,
            training_class=other,
            topic="第二讲",
            starts_at=at(10),
            duration_minutes=60,
            teacher=teacher,
            is_live=False,
        )
    message = err.value.message_dict["teacher"][0]
    assert message.startswith("教师教师在该时段已有课次“第一讲”")
    assert other.lectures.count() == 0


def test_it_refuses_the_main_venue_booked_twice_but_allows_back_to_back(org_admin, main_venue):
    cls = ClassFactory()
    s.lecture_save(
        actor=org_admin,
        training_class=cls,
        topic="上午",
        starts_at=at(9),
        duration_minutes=60,
        teacher_name="甲",
        main_venue=main_venue,
    )
    with pytest.raises(ValidationError) as err:
        s.lecture_save(
            actor=org_admin,
            training_class=cls,
            topic="冲突",
            starts_at=at(9) + dt.timedelta(minutes=30),
            duration_minutes=60,
            teacher_name="乙",
            main_venue=main_venue,
        )
    assert "会场“省纪委主会场”在该时段已有课次“上午”" in err.value.message_dict["main_venue"][0]
    later = s.lecture_save(
        actor=org_admin,
        training_class=cls,
        topic="紧接",
        starts_at=at(10),
        duration_minutes=60,
        teacher_name="乙",
        main_venue=main_venue,
    )
    assert later.ends_at == at(11)


def test_a_lecture_needs_a_teacher_and_a_time_inside_the_class(org_admin, main_venue):
    cls = ClassFactory()
    with pytest.raises(ValidationError) as err:
        s.lecture_save(
            actor=org_admin, training_class=cls, topic="x", starts_at=at(9, day=30), duration_minutes=0, main_venue=None
        )
    errors = err.value.message_dict
    assert errors["teacher"] == [s.ERR_TEACHER]
    assert errors["starts_at"] == [s.ERR_OUTSIDE_CLASS]
    assert errors["duration_minutes"] == [s.ERR_DURATION]
    assert errors["main_venue"] == [s.ERR_MAIN_VENUE]


def test_only_one_main_venue_and_occupancy_is_a_percentage(org_admin, tree, main_venue):
    with pytest.raises(ValidationError) as err:
        s.venue_save(
            actor=org_admin, name="第二主会场", unit=tree.city_a, seats=10, allowed_occupancy=120, is_main=True
        )
    assert err.value.message_dict == {"allowed_occupancy": [s.ERR_OCCUPANCY], "is_main": [s.ERR_MAIN_TAKEN]}
    venue = s.venue_save(actor=org_admin, name="甲市分会场", unit=tree.city_a, seats=101, allowed_occupancy=50)
    assert venue.capacity == 50


def test_a_lecture_rule_allows_the_office_director_of_the_class(office_director, office):
    cls = ClassFactory(office=office)
    lecture = s.lecture_save(
        actor=office_director,
        training_class=cls,
        topic="x",
        starts_at=at(9),
        duration_minutes=30,
        teacher_name="丙",
        is_live=False,
    )
    assert lecture.pk
    other = ClassFactory()
    with pytest.raises(PermissionDenied):
        s.lecture_save(
            actor=office_director,
            training_class=other,
            topic="y",
            starts_at=at(9),
            duration_minutes=30,
            teacher_name="丙",
            is_live=False,
        )


def test_a_quota_cannot_drop_below_the_enrolled(org_admin, tree):
    from peixun.org.tests.factories import CadreFactory
    from peixun.training.tests.factories import EnrolmentFactory

    cls = ClassFactory()
    s.quota_set(actor=org_admin, training_class=cls, unit=tree.city_a, seats=3)
    EnrolmentFactory(training_class=cls, cadre=CadreFactory(unit=tree.county_a1))
    EnrolmentFactory(training_class=cls, cadre=CadreFactory(unit=tree.county_a2))
    with pytest.raises(ValidationError) as err:
        s.quota_set(actor=org_admin, training_class=cls, unit=tree.city_a, seats=1)
    assert err.value.message_dict["seats"] == [s.ERR_QUOTA_BELOW.format(n=2)]
    assert s.quota_for(cls, tree.county_a1).seats == 3
