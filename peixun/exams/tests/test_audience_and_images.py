"""An exam for a class's trainees; stem images uploaded, checked and shown; leave events that arrive late."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from peixun.exams.images import ERR_IMAGE_ACTIVE, ERR_IMAGE_BROKEN, ERR_IMAGE_TYPE
from peixun.exams.models import Attempt, AttemptEvent
from peixun.exams.permissions import ERR_NOT_IN_AUDIENCE
from peixun.exams.selectors import exams_for_examinee
from peixun.exams.services import QuestionData, attempt_start, attempt_submit, exam_create, question_create
from peixun.exams.services.attempts import ERR_CLOSED
from peixun.exams.services.papers import ERR_AUDIENCE
from peixun.exams.tests.factories import fixed_paper, one_of_each, open_exam, png_bytes
from peixun.training.models import EnrolmentStatus
from peixun.training.tests.factories import ClassFactory, EnrolmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank(office):
    return one_of_each(office)


def class_exam(bank, org_admin, klass):
    now = timezone.now()
    return exam_create(
        actor=org_admin,
        title="结业考试",
        paper=fixed_paper(list(bank.values())),
        starts_at=now - dt.timedelta(minutes=5),
        ends_at=now + dt.timedelta(hours=2),
        duration_minutes=30,
        pass_mark=Decimal(30),
        audience_classes=[klass],
    )


def test_the_enrolled_trainees_of_a_class_sit_its_exam_and_nobody_else(bank, org_admin, trainee_a1, trainee_b1):
    klass = ClassFactory()
    EnrolmentFactory(training_class=klass, cadre=trainee_a1.cadre)
    EnrolmentFactory(training_class=klass, cadre=trainee_b1.cadre, status=EnrolmentStatus.WAITING)
    exam = class_exam(bank, org_admin, klass)
    assert list(exams_for_examinee(actor=trainee_a1)) == [exam]
    assert attempt_start(actor=trainee_a1, exam=exam).cadre == trainee_a1.cadre
    # On the waiting list is not enrolled: neither listed nor admitted, until the enrolment is confirmed.
    assert list(exams_for_examinee(actor=trainee_b1)) == []
    with pytest.raises(PermissionDenied, match=ERR_NOT_IN_AUDIENCE):
        attempt_start(actor=trainee_b1, exam=exam)
    klass.enrolments.filter(cadre=trainee_b1.cadre).update(status=EnrolmentStatus.ENROLLED)
    assert attempt_start(actor=trainee_b1, exam=exam).cadre == trainee_b1.cadre


def test_a_withdrawn_trainee_gets_a_404_for_the_exam_page(bank, org_admin, trainee_a1, client_of):
    klass = ClassFactory()
    EnrolmentFactory(training_class=klass, cadre=trainee_a1.cadre, status=EnrolmentStatus.WITHDRAWN)
    exam = class_exam(bank, org_admin, klass)
    client = client_of(trainee_a1)
    assert client.get(reverse("exams:exam_detail", args=[exam.pk])).status_code == 404
    assert client.post(reverse("exams:exam_start", args=[exam.pk])).status_code == 404


def test_an_exam_needs_an_audience_of_some_kind(bank, org_admin):
    now = timezone.now()
    with pytest.raises(ValidationError) as err:
        exam_create(
            actor=org_admin,
            title="无人考试",
            paper=fixed_paper(list(bank.values())),
            starts_at=now,
            ends_at=now + dt.timedelta(hours=1),
            duration_minutes=30,
            pass_mark=Decimal(10),
        )
    assert err.value.message_dict["audience_units"] == [ERR_AUDIENCE]


def test_the_organiser_picks_a_class_on_the_exam_form(bank, org_admin, trainee_a1, client_of):
    klass = ClassFactory(title="第一期党纪教育专题班")
    EnrolmentFactory(training_class=klass, cadre=trainee_a1.cadre)
    paper = fixed_paper(list(bank.values()))
    client = client_of(org_admin)
    assert "第一期党纪教育专题班" in client.get(reverse("exams:exam_new")).content.decode()
    now = timezone.localtime()
    response = client.post(
        reverse("exams:exam_new"),
        {
            "title": "专题班结业考试",
            "paper": paper.pk,
            "starts_at": (now - dt.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (now + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "duration_minutes": "30",
            "attempts_allowed": "1",
            "pass_mark": "30",
            "audience_classes": [str(klass.pk)],
        },
    )
    assert response.status_code == 302
    exam = exams_for_examinee(actor=trainee_a1).get()
    assert list(exam.audience_classes.all()) == [klass]


# --- Stem images -------------------------------------------------------------------------------------
def upload(data: bytes, name: str = "图.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/png")


def test_a_stem_image_is_stored_under_a_random_name_and_served_to_the_bank(office, office_member, client_of):
    data = QuestionData(qtype="single", stem="如图所示的组织结构中", options=["甲", "乙"], answer="A")
    q = question_create(actor=office_member, office=office, data=data, image=upload(png_bytes(), "../../x.html.png"))
    assert q.stem_image.name.startswith("exams/stems/") and "x.html" not in q.stem_image.name
    response = client_of(office_member).get(reverse("exams:question_image", args=[q.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff" and "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == png_bytes()
    page = client_of(office_member).get(reverse("exams:question_detail", args=[q.pk])).content.decode()
    assert reverse("exams:question_image", args=[q.pk]) in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<html><script>alert(1)</script></html>", ERR_IMAGE_TYPE),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', ERR_IMAGE_TYPE),
        (png_bytes() + b"<script>alert(1)</script>", ERR_IMAGE_ACTIVE),
        (b"\x89PNG\r\n\x1a\n" + b"not really a png", ERR_IMAGE_BROKEN),
    ],
)
def test_it_refuses_a_stem_image_that_is_not_a_plain_picture(office, office_member, data, message):
    qdata = QuestionData(qtype="single", stem="带图的题目", options=["甲", "乙"], answer="A")
    with pytest.raises(ValidationError) as err:
        question_create(actor=office_member, office=office, data=qdata, image=upload(data))
    assert err.value.message_dict["stem_image"] == [message]


def test_the_question_form_uploads_an_image_and_shows_the_error_in_chinese(office, office_member, client_of):
    client = client_of(office_member)
    form = {"office": office.pk, "qtype": "single", "stem": "图中人物是谁", "option_A": "甲", "option_B": "乙"}
    bad = client.post(reverse("exams:question_new"), {**form, "answer": "A", "stem_image": upload(b"<html>")})
    assert ERR_IMAGE_TYPE in bad.content.decode()
    good = client.post(reverse("exams:question_new"), {**form, "answer": "A", "stem_image": upload(png_bytes())})
    assert good.status_code == 302


def test_examinees_see_the_image_of_their_paper_and_others_get_404(bank, tree, trainee_a1, trainee_b1, client_of):
    from peixun.exams import images

    images.attach(bank["single"], png_bytes(), "png")
    bank["single"].for_practice = False
    bank["single"].save()
    exam = open_exam(fixed_paper(list(bank.values())), units=[tree.county_a1])
    attempt = attempt_start(actor=trainee_a1, exam=exam)
    client = client_of(trainee_a1)
    url = reverse("exams:question_image", args=[bank["single"].pk])
    page = client.get(reverse("exams:attempt", args=[attempt.pk])).content.decode()
    assert url in page
    state = client.get(reverse("exams-attempt-detail", args=[attempt.pk])).json()
    assert {q["question_id"]: q["image_url"] for q in state["questions"]}[bank["single"].pk] == url
    assert client.get(url).status_code == 200
    assert client_of(trainee_b1).get(url).status_code == 404


# --- Leave events ------------------------------------------------------------------------------------
def test_a_leave_event_for_a_submitted_or_vanished_attempt_is_refused_cleanly(bank, tree, trainee_a1, client_of):
    exam = open_exam(fixed_paper(list(bank.values())), units=[tree.county_a1])
    attempt = attempt_start(actor=trainee_a1, exam=exam)
    client = client_of(trainee_a1)
    url = reverse("exams-attempt-events", args=[attempt.pk])
    body = json.dumps({"kind": "leave", "detail": "visibilitychange"})
    attempt_submit(actor=trainee_a1, attempt_id=attempt.pk)
    late = client.post(url, body, content_type="application/json")
    assert late.status_code == 409 and late.json()["error"] == {"code": "closed", "message": ERR_CLOSED}
    Attempt.objects.filter(pk=attempt.pk).delete()
    gone = client.post(url, body, content_type="application/json")
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "not_found"
    assert not AttemptEvent.objects.exists()
