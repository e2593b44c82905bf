from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from peixun.org.tests.factories import cadre_user
from peixun.teachers import selectors, services
from peixun.teachers.models import StepAction, TeacherApplication
from peixun.teachers.tests.factories import TeacherFactory
from peixun.teachers.views import ERR_NO_SUCH_CADRE
from peixun.training.models import Evaluation
from peixun.training.tests.factories import ClassFactory, LectureFactory


@pytest.fixture
def pool(tree, office, office_b):
    a = cadre_user(unit=tree.county_a1, name="甲一县讲师")
    b = cadre_user(unit=tree.county_b1, name="乙一县讲师")
    ta = TeacherFactory(cadre=a.cadre, fields=[office])
    tb = TeacherFactory(cadre=b.cadre, fields=[office_b])
    te = TeacherFactory(external_name="省委党校孙教授", external_org="省委党校", fields=[office, office_b])
    return {"a": (a, ta), "b": (b, tb), "ext": te}


def names(qs) -> set[str]:
    return {t.name for t in qs}


def test_search_by_field_and_unit(org_admin, pool, office, office_b):
    assert names(selectors.teacher_search(actor=org_admin, field=office.pk)) == {"甲一县讲师", "省委党校孙教授"}
    assert names(selectors.teacher_search(actor=org_admin, unit="乙一县")) == {"乙一县讲师"}
    assert names(selectors.teacher_search(actor=org_admin, unit="党校")) == {"省委党校孙教授"}


def test_search_by_rating_uses_the_training_evaluations(org_admin, pool, office, trainee_a1, trainee_b1):
    user_a, _ = pool["a"]
    lecture = LectureFactory(training_class=ClassFactory(office=office), teacher=user_a, teacher_name="")
    for cadre, score in ((trainee_a1.cadre, 90), (trainee_b1.cadre, 80)):
        Evaluation.objects.create(
            training_class=lecture.training_class, lecture=lecture, cadre=cadre, teacher_score=score
        )
    found = list(selectors.teacher_search(actor=org_admin, min_rating=85))
    assert [t.name for t in found] == ["甲一县讲师"] and found[0].rating == 85
    stats = selectors.teacher_stats(pool["a"][1])
    assert stats["evaluations"]["n"] == 2 and stats["lecture_count"] == 1
    assert str(stats["hours_per_year"][0]["hours"]) == "2.0"


def test_search_by_free_time_leaves_out_teachers_with_an_overlapping_lecture(org_admin, pool, office):
    user_b, _ = pool["b"]
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
    cls = ClassFactory(office=office)
    LectureFactory(training_class=cls, teacher=user_b, teacher_name="", starts_at=start, duration_minutes=120)
    LectureFactory(training_class=cls, teacher_name="省委党校孙教授", starts_at=start)
    window = {"free_from": start + dt.timedelta(minutes=60), "free_to": start + dt.timedelta(minutes=90)}
    assert names(selectors.teacher_search(actor=org_admin, **window)) == {"甲一县讲师"}
    later = {"free_from": start + dt.timedelta(hours=2), "free_to": start + dt.timedelta(hours=3)}
    assert len(names(selectors.teacher_search(actor=org_admin, **later))) == 3


def test_only_province_roles_and_office_people_see_the_pool_a_teacher_sees_themself(
    pool, office_member, county_a1_admin, trainee_b1
):
    assert len(selectors.teachers_visible(actor=office_member)) == 3
    assert not selectors.teachers_visible(actor=county_a1_admin).exists()
    user_b, tb = pool["b"]
    assert list(selectors.teachers_visible(actor=user_b)) == [tb]


def test_a_unit_admin_sees_only_applications_of_its_subtree(
    county_a1_admin, county_b1_admin, city_a_admin, trainee_b1, intake, office
):
    app = services.application_nominate(
        actor=county_b1_admin, intake=intake, cadre=trainee_b1.cadre, fields=[office], experience="x",
        unit_opinion="同意",
    )  # fmt: skip
    assert list(selectors.applications_visible(actor=county_b1_admin)) == [app]
    assert list(selectors.applications_visible(actor=trainee_b1)) == [app]
    assert not selectors.applications_visible(actor=county_a1_admin).exists()
    assert not selectors.applications_visible(actor=city_a_admin).exists()


def test_the_workflow_pages_take_an_application_from_nomination_to_the_pool(
    client_of, org_admin, county_b1_admin, trainee_b1, intake, office
):
    unit = client_of(county_b1_admin)
    response = unit.post(f"/teachers/rounds/{intake.pk}/nominate/", {
        "employee_number": trainee_b1.cadre.employee_number, "fields": [office.pk], "experience": "授课5次",
        "unit_opinion": "同意推荐",
    })  # fmt: skip
    assert response.status_code == 302
    detail = response["Location"]
    org = client_of(org_admin)
    org.post(detail + "review/", {"decision": StepAction.RETURN, "comment": "请补充示范课"})
    assert "退回修改" in unit.get(detail).content.decode()
    unit.post(detail + "edit/", {"fields": [office.pk], "experience": "授课5次，附示范课", "unit_opinion": "同意推荐"})
    org.post(detail + "review/", {"decision": StepAction.PASS})
    org.post(detail + "approve/", {"approve": "1", "comment": "同意"})
    page = trainee_b1 and client_of(trainee_b1).get(detail).content.decode()
    assert "已入库" in page and f"SZ{timezone.localdate().year}-0001" in page


def test_a_unit_admin_cannot_nominate_someone_outside_its_scope_through_the_page(
    client_of, county_a1_admin, trainee_b1, intake, office
):
    response = client_of(county_a1_admin).post(f"/teachers/rounds/{intake.pk}/nominate/", {
        "employee_number": trainee_b1.cadre.employee_number, "fields": [office.pk], "experience": "x",
        "unit_opinion": "y",
    })  # fmt: skip
    assert response.status_code == 200
    assert "不在您的管理范围内" in response.content.decode()
    assert ERR_NO_SUCH_CADRE in response.content.decode()
    assert not TeacherApplication.objects.exists()
