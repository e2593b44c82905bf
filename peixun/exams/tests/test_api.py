"""The exams API (DRF): start, state, autosave, submit, events; documented in the OpenAPI schema."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from peixun.exams.models import Attempt
from peixun.exams.services import attempt_start
from peixun.exams.tests.factories import fixed_paper, one_of_each, open_exam

pytestmark = pytest.mark.django_db


@pytest.fixture
def exam(office, tree):
    return open_exam(fixed_paper(list(one_of_each(office).values())), units=[tree.county_a1])


def test_the_api_starts_an_exam_once_and_answers_with_the_paper_but_no_key(exam, trainee_a1, client_of):
    client = client_of(trainee_a1)
    assert [e["id"] for e in client.get(reverse("exams-exam-list")).json()["results"]] == [exam.pk]
    first = client.post(reverse("exams-exam-start", args=[exam.pk])).json()
    again = client.post(reverse("exams-exam-start", args=[exam.pk])).json()
    assert first["attempt_id"] == again["attempt_id"] == Attempt.objects.get().pk
    assert len(first["questions"]) == 5 and not any("key" in q for q in first["questions"])


def test_another_examinees_attempt_is_404_whatever_the_body_and_errors_keep_their_shape(
    exam, trainee_a1, trainee_b1, client_of
):
    attempt = attempt_start(actor=trainee_a1, exam=exam)
    other = client_of(trainee_b1)
    for body in ("", "not json", json.dumps({"question_id": 1, "answer": "A", "seq": 1})):
        response = other.post(reverse("exams-attempt-answer", args=[attempt.pk]), body, content_type="application/json")
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    own = client_of(trainee_a1).post(
        reverse("exams-attempt-answer", args=[attempt.pk]), json.dumps({"seq": 1}), content_type="application/json"
    )
    assert own.status_code == 400 and own.json()["error"]["code"] == "invalid"
    assert own.json()["error"]["fields"]["question_id"] == ["缺少题目编号"]
    assert client_of(trainee_b1).post(reverse("exams-exam-start", args=[exam.pk])).status_code == 404


def test_a_signed_out_page_gets_a_json_refusal_that_the_page_keeps_its_answers_for(exam, trainee_a1):
    attempt = attempt_start(actor=trainee_a1, exam=exam)
    response = Client().post(reverse("exams-attempt-answer", args=[attempt.pk]), "{}", content_type="application/json")
    assert response.status_code == 403 and "error" in response.json()


def test_the_schema_documents_the_exam_api(org_admin, client_of):
    schema = client_of(org_admin).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    for path in ("/api/exams/exams/{id}/start/", "/api/exams/attempts/{id}/", "/api/exams/attempts/{id}/answer/"):
        assert path in paths
    answer = paths["/api/exams/attempts/{id}/answer/"]["post"]
    assert {"200", "400", "404", "409"} <= set(answer["responses"])
