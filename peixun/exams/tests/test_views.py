from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from peixun.exams.models import Attempt, AttemptEvent, AttemptStatus
from peixun.exams.services import attempt_start, exam_release_results, item_grade
from peixun.exams.services.attempts import ERR_CLOSED, ERR_STALE
from peixun.exams.tests.factories import fixed_paper, one_of_each, open_exam

pytestmark = pytest.mark.django_db
SECRETS = [
    "本级人民代表大会及其常务委员会",
    "坚持惩前毖后",
    "依据条例第八条",
    "惩前毖后|5",
    "reference_answer",
    "explanation",
]


@pytest.fixture
def setup(office, tree, trainee_a1, teacher):
    bank = one_of_each(office)
    exam = open_exam(fixed_paper(list(bank.values())), units=[tree.county_a1], graders=[teacher])
    return exam, bank


def post_json(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_the_answer_api_saves_repeats_and_refuses_stale_saves(setup, trainee_a1, client_of):
    exam, bank = setup
    client = client_of(trainee_a1)
    response = client.post(reverse("exams:exam_start", args=[exam.pk]))
    attempt = Attempt.objects.get(exam=exam, cadre=trainee_a1.cadre)
    assert response.status_code == 302 and response["Location"] == reverse("exams:attempt", args=[attempt.pk])
    url = reverse("exams-attempt-answer", args=[attempt.pk])
    body = {"question_id": bank["multiple"].pk, "answer": ["A", "C"], "seq": 1}
    first, again = post_json(client, url, body), post_json(client, url, body)
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    stale = post_json(client, url, {**body, "answer": ["B", "C"]})
    assert stale.status_code == 409
    assert stale.json() == {"error": {"code": "stale", "message": ERR_STALE, "seq": 1}}
    bad = post_json(client, url, {**body, "answer": "A", "seq": 2})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid"
    garbage = client.post(url, "not json", content_type="application/json")
    assert garbage.status_code == 400
    state = client.get(reverse("exams-attempt-detail", args=[attempt.pk])).json()
    saved = {q["question_id"]: (q["answer"], q["seq"]) for q in state["questions"]}
    assert saved[bank["multiple"].pk] == (["A", "C"], 1)
    assert state["deadline"] == attempt.deadline.isoformat() and "now" in state


def test_a_save_after_the_deadline_is_refused_and_the_attempt_is_already_in(setup, trainee_a1, client_of):
    exam, bank = setup
    client = client_of(trainee_a1)
    attempt = attempt_start(actor=trainee_a1, exam=exam)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - dt.timedelta(seconds=1))
    response = post_json(
        client,
        reverse("exams-attempt-answer", args=[attempt.pk]),
        {"question_id": bank["single"].pk, "answer": "C", "seq": 1},
    )
    assert response.status_code == 409 and response.json()["error"] == {"code": "closed", "message": ERR_CLOSED}
    assert Attempt.objects.get(pk=attempt.pk).status == AttemptStatus.SUBMITTED


def test_submit_through_the_api_happens_once_and_leaving_is_logged(setup, trainee_a1, client_of):
    exam, _ = setup
    client = client_of(trainee_a1)
    attempt = attempt_start(actor=trainee_a1, exam=exam)
    events = reverse("exams-attempt-events", args=[attempt.pk])
    assert post_json(client, events, {"kind": "leave", "detail": "visibilitychange"}).status_code == 200
    assert post_json(client, events, {"kind": "teleport"}).status_code == 400
    assert list(AttemptEvent.objects.values_list("kind", "detail")) == [("leave", "visibilitychange")]
    url = reverse("exams-attempt-submit", args=[attempt.pk])
    assert post_json(client, url, {}).json()["submitted_now"] is True
    assert post_json(client, url, {}).json()["submitted_now"] is False
    page = client.get(reverse("exams:attempt", args=[attempt.pk]))
    assert page.status_code == 302 and page["Location"].endswith("/result/")


def test_the_exam_page_shows_the_saved_answers_and_never_the_key(setup, trainee_a1, client_of):
    exam, bank = setup
    client = client_of(trainee_a1)
    attempt = attempt_start(actor=trainee_a1, exam=exam)
    post_json(
        client,
        reverse("exams-attempt-answer", args=[attempt.pk]),
        {"question_id": bank["fill_blank"].pk, "answer": ["本级人大", "三"], "seq": 1},
    )
    page = client.get(reverse("exams:attempt", args=[attempt.pk])).content.decode()
    assert 'value="本级人大"' in page and "exam-config" in page


def test_an_examinee_never_receives_the_answer_key_before_release(setup, trainee_a1, teacher, org_admin, client_of):
    """Every page and API response an examinee can reach, before and after submitting, lacks the key."""
    exam, bank = setup
    client = client_of(trainee_a1)
    client.post(reverse("exams:exam_start", args=[exam.pk]))
    attempt = Attempt.objects.get(exam=exam)
    for qtype, answer in (("single", "A"), ("fill_blank", ["全国人大", "6"]), ("short_answer", "我的答案")):
        post_json(
            client,
            reverse("exams-attempt-answer", args=[attempt.pk]),
            {"question_id": bank[qtype].pk, "answer": answer, "seq": 1},
        )

    def bodies():
        urls = [
            reverse("exams:home"),
            reverse("exams:exam_detail", args=[exam.pk]),
            reverse("exams:attempt", args=[attempt.pk]),
            reverse("exams:attempt_result", args=[attempt.pk]),
            reverse("exams-attempt-detail", args=[attempt.pk]),
            reverse("exams:practice"),
            reverse("exams:mistakes"),
            reverse("exams:question_list"),
            reverse("exams:grading_list"),
        ]
        return {url: client.get(url, follow=True).content.decode() for url in urls}

    for url, body in bodies().items():
        assert not [s for s in SECRETS if s in body], url
    post_json(client, reverse("exams-attempt-submit", args=[attempt.pk]), {})
    item_grade(actor=teacher, item_id=attempt.items.get(question=bank["short_answer"]).pk, score=3)
    for url, body in bodies().items():
        assert not [s for s in SECRETS if s in body], url
    state = client.get(reverse("exams-attempt-detail", args=[attempt.pk])).json()
    assert all("key" not in q and "score" not in q for q in state["questions"])
    exam_release_results(actor=org_admin, exam=exam)
    state = client.get(reverse("exams-attempt-detail", args=[attempt.pk])).json()
    assert {q["qtype"]: q["key"] for q in state["questions"]}["single"] == "C"
