"""The teacher pool's JSON API: search by field, unit, rating and free time; scope; structured errors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from peixun.org.tests.factories import cadre_user
from peixun.teachers import forms, selectors
from peixun.teachers.api import ERR_STATUS
from peixun.teachers.models import ReviewGrade, TeacherReview, TeacherStatus
from peixun.teachers.tests.factories import TeacherFactory
from peixun.training.models import Evaluation
from peixun.training.tests.factories import ClassFactory, LectureFactory

pytestmark = pytest.mark.django_db

URL = "/api/teachers/pool/"


@pytest.fixture
def pool(tree, office, office_b):
    a = cadre_user(unit=tree.county_a1, name="甲一县讲师")
    b = cadre_user(unit=tree.county_b1, name="乙一县讲师")
    ta = TeacherFactory(cadre=a.cadre, fields=[office])
    tb = TeacherFactory(cadre=b.cadre, fields=[office_b])
    te = TeacherFactory(external_name="省委党校孙教授", external_org="省委党校", fields=[office, office_b])
    TeacherFactory(external_name="已出库外聘", external_org="某高校", status=TeacherStatus.REMOVED)
    return {"a": (a, ta), "b": (b, tb), "ext": te}


def _names(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["name"] for row in response.json()["results"]}


def test_it_searches_by_field_unit_and_name(client_of, org_admin, pool, office, office_b):
    client = client_of(org_admin)
    assert _names(client.get(URL, {"field": office.pk})) == {"甲一县讲师", "省委党校孙教授"}
    assert _names(client.get(URL, {"unit": "乙一县"})) == {"乙一县讲师"}
    assert _names(client.get(URL, {"q": pool["ext"].number})) == {"省委党校孙教授"}
    assert _names(client.get(URL, {"status": ""})) == {"甲一县讲师", "乙一县讲师", "省委党校孙教授", "已出库外聘"}
    row = next(r for r in client.get(URL, {"unit": "党校"}).json()["results"])
    assert row["is_external"] and row["unit"] is None and [f["code"] for f in row["fields"]] == [office.code, "XF"]


def test_it_searches_by_rating_and_free_time(client_of, office_member, pool, office, trainee_a1, trainee_b1):
    user_a, _ = pool["a"]
    start = timezone.make_aware(dt.datetime(2026, 9, 1, 9, 0))
    lecture = LectureFactory(
        training_class=ClassFactory(office=office), teacher=user_a, teacher_name="", starts_at=start,
        duration_minutes=120,
    )  # fmt: skip
    for cadre, score in ((trainee_a1.cadre, 5), (trainee_b1.cadre, 4)):
        Evaluation.objects.create(
            training_class=lecture.training_class, lecture=lecture, cadre=cadre, teacher_score=score
        )
    client = client_of(office_member)
    rated = client.get(URL, {"min_rating": "4.5"}).json()["results"]
    assert [(r["name"], r["rating"]) for r in rated] == [("甲一县讲师", 4.5)]
    window = {"free_from": "2026-09-01T10:00:00+08:00", "free_to": "2026-09-01T12:00:00+08:00"}
    assert _names(client.get(URL, window)) == {"乙一县讲师", "省委党校孙教授"}
    later = {"free_from": "2026-09-01T11:00:00+08:00", "free_to": "2026-09-01T12:00:00+08:00"}
    assert "甲一县讲师" in _names(client.get(URL, later))


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"min_rating": "九十"}, "min_rating", forms.ERR_RATING),
        ({"min_rating": "90"}, "min_rating", forms.ERR_RATING),
        ({"field": "999999"}, "field", forms.ERR_FIELD),
        ({"field": "abc"}, "field", forms.ERR_FIELD),
        ({"free_from": "2026-09-01T10:00:00+08:00"}, "free_to", selectors.ERR_FREE_PAIR),
        ({"free_to": "2026-09-01T10:00:00+08:00"}, "free_from", selectors.ERR_FREE_PAIR),
        ({"free_from": "2026-09-01T12:00:00+08:00", "free_to": "2026-09-01T10:00:00+08:00"}, "free_to",
         selectors.ERR_FREE_ORDER),
        ({"free_from": "明天上午", "free_to": "2026-09-01T10:00:00+08:00"}, "free_from", forms.ERR_DATETIME),
        ({"status": "retired"}, "status", ERR_STATUS),
    ],
)  # fmt: skip
def test_a_bad_parameter_is_a_400_in_the_common_shape_with_a_chinese_message(
    client_of, org_admin, pool, params, field, message
):
    response = client_of(org_admin).get(URL, params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and error["message"] == "提交的数据有误"
    assert error["fields"][field] == [message]


def test_the_detail_carries_the_profile_lectures_hours_evaluations_and_reviews(
    client_of, org_admin, pool, office, trainee_a1
):
    user_a, teacher = pool["a"]
    lecture = LectureFactory(
        training_class=ClassFactory(office=office), teacher=user_a, teacher_name="", duration_minutes=90,
        starts_at=timezone.make_aware(dt.datetime(2026, 5, 8, 9, 0)),
    )  # fmt: skip
    Evaluation.objects.create(
        training_class=lecture.training_class, lecture=lecture, cadre=trainee_a1.cadre, teacher_score=5, lecture_score=4
    )
    TeacherReview.objects.create(teacher=teacher, year=2025, grade=ReviewGrade.EXCELLENT)
    body = client_of(org_admin).get(f"{URL}{teacher.pk}/").json()
    assert body["lecture_count"] == 1 and body["hours_per_year"] == [{"year": 2026, "lectures": 1, "hours": "1.5"}]
    assert body["evaluations"] == {"n": 1, "teacher": 5.0, "lecture": 4.0}
    assert body["reviews"] == [{"year": 2025, "grade": "excellent", "grade_display": "优秀"}]
    assert body["recent_lectures"][0]["id"] == lecture.pk


@pytest.mark.parametrize("who", ["county_a1_admin", "trainee_a1", "teacher", "audit_admin"])
def test_roles_outside_the_pool_readers_get_a_403_in_the_common_shape(client_of, request, who, pool):
    response = client_of(request.getfixturevalue(who)).get(URL)
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "只有组织部等全省管理角色和教研室人员可以查询师资库"


def test_anonymous_callers_get_a_403(client, pool):
    assert client.get(URL).status_code == 403


def test_the_schema_documents_every_search_parameter_and_the_error_shape(client_of, org_admin):
    schema = client_of(org_admin).get("/api/schema/", {"format": "json"}).json()
    op = schema["paths"]["/api/teachers/pool/"]["get"]
    names = {p["name"] for p in op["parameters"]}
    assert {"q", "field", "unit", "min_rating", "free_from", "free_to", "status", "page"} <= names
    assert "400" in op["responses"] and "403" in op["responses"]
    detail = schema["paths"]["/api/teachers/pool/{id}/"]["get"]["responses"]["200"]
    ref = detail["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert {"hours_per_year", "evaluations", "reviews"} <= set(schema["components"]["schemas"][ref]["properties"])


def test_the_list_stays_within_a_fixed_number_of_queries(client_of, org_admin, pool, django_assert_max_num_queries):
    client = client_of(org_admin)
    client.get(URL)
    with django_assert_max_num_queries(12):
        assert client.get(URL).status_code == 200
