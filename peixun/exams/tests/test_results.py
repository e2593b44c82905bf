"""Unit admins see their examinees' results (their unit and the units below), and export them."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from peixun.audit.models import AuditEvent
from peixun.exams.services import attempt_save_answer, attempt_start, attempt_submit, exam_release_results
from peixun.exams.tests.factories import QuestionFactory, fixed_paper, open_exam

pytestmark = pytest.mark.django_db


@pytest.fixture
def sat(office, tree, trainee_a1, trainee_b1):
    """Trainees of county A1 and county B1 sat one exam; A1 answered right, B1 wrong."""
    question = QuestionFactory(office=office)
    exam = open_exam(fixed_paper([question], points=100), units=[tree.province], pass_mark=Decimal(60))
    for user, answer in ((trainee_a1, "C"), (trainee_b1, "A")):
        attempt = attempt_start(actor=user, exam=exam)
        attempt_save_answer(actor=user, attempt_id=attempt.pk, question_id=question.pk, answer=answer, seq=1)
        attempt_submit(actor=user, attempt_id=attempt.pk)
    return exam


def test_a_county_admin_sees_only_their_examinees_and_scores_after_release(
    sat, org_admin, county_a1_admin, trainee_a1, trainee_b1, client_of
):
    client = client_of(county_a1_admin)
    page = client.get(reverse("exams:results_exam", args=[sat.pk])).content.decode()
    assert trainee_a1.cadre.name in page and trainee_b1.cadre.name not in page
    assert "成绩尚未发布" in page and "100.00" not in page
    exam_release_results(actor=org_admin, exam=sat)
    page = client.get(reverse("exams:results_exam", args=[sat.pk])).content.decode()
    assert "100.00" in page and "及格" in page and trainee_b1.cadre.name not in page
    listing = client.get(reverse("exams:results_list")).content.decode()
    assert sat.title in listing


def test_the_city_admin_sees_the_counties_below_and_the_organiser_sees_all(
    sat, org_admin, city_a_admin, trainee_a1, trainee_b1, client_of
):
    city = client_of(city_a_admin).get(reverse("exams:results_exam", args=[sat.pk])).content.decode()
    assert trainee_a1.cadre.name in city and trainee_b1.cadre.name not in city
    org = client_of(org_admin).get(reverse("exams:results_exam", args=[sat.pk])).content.decode()
    assert trainee_a1.cadre.name in org and trainee_b1.cadre.name in org


def test_the_export_holds_the_scoped_rows_and_is_audited(sat, org_admin, county_a1_admin, trainee_a1, client_of):
    exam_release_results(actor=org_admin, exam=sat)
    response = client_of(county_a1_admin).get(reverse("exams:results_export", args=[sat.pk]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [row for row in sheet.iter_rows(min_row=3, values_only=True) if row[0] and row[0] != "参考人数"]
    assert [(r[1], r[5], r[6]) for r in rows] == [(trainee_a1.cadre.name, 100, "及格")]
    assert AuditEvent.objects.filter(event="export", object_id=str(sat.pk), actor_id=county_a1_admin.pk).exists()


def test_an_admin_of_a_unit_without_examinees_gets_404_and_a_trainee_403(
    sat, county_b1_admin, trainee_a1, county_a1_admin, client_of
):
    other = open_exam(sat.paper, title="乙县自己的考试", units=[])
    assert client_of(county_a1_admin).get(reverse("exams:results_exam", args=[other.pk])).status_code == 404
    assert client_of(trainee_a1).get(reverse("exams:results_list")).status_code == 403
