"""Edit pages of classes and lectures: the organiser changes them, clashes and bad dates are explained in
Chinese and nothing changes, and only the organiser (org or the office's director) may edit."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from peixun.training import services as ts
from peixun.training.models import ClassStatus
from peixun.training.tests.factories import ClassFactory, LectureFactory, OfficeFactory, PlanFactory, VenueFactory


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def class_data(cls, **changes):  # type: ignore[no-untyped-def]
    data = {
        "plan": cls.plan_id, "office": cls.office_id, "title": cls.title, "kind": cls.kind, "mode": cls.mode,
        "start_date": cls.start_date.isoformat(), "end_date": cls.end_date.isoformat(), "study_hours": "4",
        "hours_rule": cls.hours_rule, "watch_percent_required": 80, "capacity": 0,
    }  # fmt: skip
    data.update(changes)
    return data


def test_the_org_admin_edits_a_class(org_admin, client_of):
    cls = ClassFactory(plan=PlanFactory(), title="旧名称")
    response = client_of(org_admin).post(
        reverse("training:class_edit", args=[cls.pk]), class_data(cls, title="新名称", capacity=120), follow=True
    )
    cls.refresh_from_db()
    assert (cls.title, cls.capacity) == ("新名称", 120) and "培训班已保存" in text(response)


def test_an_end_before_the_start_is_explained_and_the_class_is_kept(org_admin, client_of):
    cls = ClassFactory(plan=PlanFactory(), title="旧名称")
    end = (cls.start_date - dt.timedelta(days=1)).isoformat()
    response = client_of(org_admin).post(
        reverse("training:class_edit", args=[cls.pk]), class_data(cls, title="新名称", end_date=end)
    )
    assert ts.ERR_DATES in text(response)
    cls.refresh_from_db()
    assert cls.title == "旧名称"


def test_an_archived_class_cannot_be_edited(org_admin, client_of):
    cls = ClassFactory(plan=PlanFactory(), status=ClassStatus.ARCHIVED, title="归档班")
    response = client_of(org_admin).post(reverse("training:class_edit", args=[cls.pk]), class_data(cls, title="x"))
    assert ts.ERR_LOCKED in text(response)
    cls.refresh_from_db()
    assert cls.title == "归档班"


def test_the_office_director_edits_their_class_but_cannot_move_it_to_another_office(office, office_director, client_of):
    cls = ClassFactory(plan=PlanFactory(), office=office, title="本室班")
    elsewhere = OfficeFactory()
    client_of(office_director).post(
        reverse("training:class_edit", args=[cls.pk]), class_data(cls, title="本室班（修订）", office=elsewhere.pk)
    )
    cls.refresh_from_db()
    assert (cls.title, cls.office_id) == ("本室班（修订）", office.pk)


def test_a_unit_admin_may_not_edit_a_class_or_a_lecture(county_a1_admin, client_of):
    lecture = LectureFactory()
    client = client_of(county_a1_admin)
    assert client.get(reverse("training:class_edit", args=[lecture.training_class_id])).status_code == 403
    assert client.get(reverse("training:lecture_edit", args=[lecture.pk])).status_code == 403


def test_a_lecture_moved_onto_the_teachers_other_lecture_is_refused_with_the_clash(tree, org_admin, client_of):
    main = VenueFactory(unit=tree.province, is_main=True, name="主会场")
    start = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    cls = ClassFactory(plan=PlanFactory(), start_date=start.date(), end_date=start.date() + dt.timedelta(days=2))
    first = LectureFactory(training_class=cls, topic="第一课", starts_at=start, main_venue=main, is_live=True)
    second = LectureFactory(
        training_class=cls, topic="第二课", starts_at=start + dt.timedelta(days=1), main_venue=main, is_live=True
    )
    page = client_of(org_admin).get(reverse("training:lecture_edit", args=[second.pk]))
    assert 'value="第二课"' in text(page)
    data = {
        "topic": "第二课", "starts_at": (start + dt.timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": 60, "teacher_name": "外聘教师", "main_venue": main.pk, "is_live": "on", "study_hours": "2",
    }  # fmt: skip
    response = client_of(org_admin).post(reverse("training:lecture_edit", args=[second.pk]), data)
    assert "会场“主会场”在该时段已有课次“第一课”" in text(response)
    second.refresh_from_db()
    assert second.starts_at == start + dt.timedelta(days=1)
    data["starts_at"] = (start + dt.timedelta(days=1, hours=2)).strftime("%Y-%m-%dT%H:%M")
    data["topic"] = "第二课（调整）"
    client_of(org_admin).post(reverse("training:lecture_edit", args=[second.pk]), data)
    second.refresh_from_db()
    assert second.topic == "第二课（调整）" and second.starts_at == start + dt.timedelta(days=1, hours=2)
    assert first.pk != second.pk


def test_the_class_page_links_to_the_edit_pages_for_its_organiser(org_admin, trainee_a1, client_of):
    lecture = LectureFactory()
    url = reverse("training:class_detail", args=[lecture.training_class_id])
    page = text(client_of(org_admin).get(url))
    assert reverse("training:class_edit", args=[lecture.training_class_id]) in page
    assert reverse("training:lecture_edit", args=[lecture.pk]) in page
    assert reverse("training:quotas", args=[lecture.training_class_id]) in page
    assert reverse("training:class_edit", args=[lecture.training_class_id]) not in text(client_of(trainee_a1).get(url))
