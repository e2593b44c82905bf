"""The leave page: the trainee asks for leave for a lecture, sees its status; the unit admin of the trainee's
unit approves (attendance shows 请假) or rejects; nobody else decides."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from peixun.audit.models import AuditEvent
from peixun.training import services_edit as se
from peixun.training.models import CheckIn, CheckInStatus, LeaveRequest, LeaveStatus, Notification
from peixun.training.services_enrolment import ERR_REASON, leave_request_create
from peixun.training.tests.factories import ClassFactory, EnrolmentFactory, LectureFactory

HX = {"HTTP_HX_REQUEST": "true"}


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


@pytest.fixture
def lecture(trainee_a1):  # type: ignore[no-untyped-def]
    cls = ClassFactory(title="纪法贯通专题班")
    EnrolmentFactory(training_class=cls, cadre=trainee_a1.cadre)
    return LectureFactory(training_class=cls, topic="监督执纪实务", starts_at=timezone.now() + dt.timedelta(hours=3))


def ask(client, lecture, reason="出差办案"):  # type: ignore[no-untyped-def]
    return client.post(reverse("training:leave"), {"lecture": lecture.pk, "reason": reason}, follow=True)


def test_a_trainee_asks_for_leave_and_sees_it_pending(trainee_a1, lecture, client_of):
    client = client_of(trainee_a1)
    page = text(client.get(reverse("training:leave")))
    assert "监督执纪实务" in page  # the lecture is offered
    response = ask(client, lecture)
    leave = LeaveRequest.objects.get()
    assert (leave.lecture_id, leave.reason, leave.status) == (lecture.pk, "出差办案", LeaveStatus.PENDING)
    assert "已提交课次“监督执纪实务”的请假申请" in text(response) and "待审批" in text(response)


def test_an_empty_reason_is_explained_and_nothing_is_saved(trainee_a1, lecture, client_of):
    response = client_of(trainee_a1).post(reverse("training:leave"), {"lecture": lecture.pk, "reason": "  "})
    assert response.status_code == 200 and "未作任何修改" in text(response)
    assert not LeaveRequest.objects.exists()
    with pytest.raises(ValidationError) as caught:
        se.leave_request_submit(
            actor=trainee_a1, enrolment=lecture.training_class.enrolments.get(), lecture=lecture, reason=" "
        )
    assert ERR_REASON in caught.value.messages


def test_a_second_request_for_the_same_lecture_is_refused(trainee_a1, lecture, client_of):
    client = client_of(trainee_a1)
    ask(client, lecture)
    response = ask(client, lecture, "另一个理由")
    assert se.ERR_LEAVE_TWICE in text(response)
    assert LeaveRequest.objects.count() == 1


def test_a_lecture_that_has_ended_is_neither_offered_nor_accepted(trainee_a1, lecture, client_of):
    past = LectureFactory(
        training_class=lecture.training_class, topic="已结束的课", starts_at=timezone.now() - dt.timedelta(hours=5)
    )
    client = client_of(trainee_a1)
    assert "已结束的课" not in text(client.get(reverse("training:leave")))
    response = client.post(reverse("training:leave"), {"lecture": past.pk, "reason": "补请"})
    assert response.status_code == 200 and not LeaveRequest.objects.exists()
    with pytest.raises(ValidationError, match=se.ERR_LEAVE_ENDED):
        se.leave_request_submit(
            actor=trainee_a1, enrolment=lecture.training_class.enrolments.get(), lecture=past, reason="补请"
        )


def test_a_cadre_cannot_ask_for_leave_in_a_class_they_are_not_enrolled_in(trainee_a1, trainee_b1, lecture, client_of):
    response = client_of(trainee_b1).post(reverse("training:leave"), {"lecture": lecture.pk, "reason": "冒名"})
    assert response.status_code == 200 and not LeaveRequest.objects.exists()


def test_the_unit_admin_approves_and_the_lecture_is_excused_in_attendance(
    trainee_a1, county_a1_admin, lecture, client_of
):
    ask(client_of(trainee_a1), lecture)
    leave = LeaveRequest.objects.get()
    admin = client_of(county_a1_admin)
    page = text(admin.get(reverse("training:leave")))
    assert trainee_a1.cadre.name in page and "出差办案" in page
    response = admin.post(reverse("training:leave_decide", args=[leave.pk]), {"decision": "approve"}, follow=True)
    assert f"已批准{trainee_a1.cadre.name}的请假申请" in text(response)
    leave.refresh_from_db()
    assert leave.status == LeaveStatus.APPROVED and leave.decided_by == county_a1_admin
    checkin = CheckIn.objects.get(lecture=lecture, cadre=trainee_a1.cadre)
    assert checkin.status == CheckInStatus.EXCUSED
    assert Notification.objects.filter(recipient=trainee_a1, kind=se.KIND_LEAVE, text__contains="已获批准").exists()
    assert AuditEvent.objects.filter(event="training.leave_decide").exists()
    assert "已批准" in text(client_of(trainee_a1).get(reverse("training:leave")))


def test_a_rejected_request_shows_as_rejected_and_excuses_nothing(trainee_a1, county_a1_admin, lecture, client_of):
    ask(client_of(trainee_a1), lecture)
    leave = LeaveRequest.objects.get()
    client_of(county_a1_admin).post(reverse("training:leave_decide", args=[leave.pk]), {"decision": "reject"})
    leave.refresh_from_db()
    assert leave.status == LeaveStatus.REJECTED
    assert not CheckIn.objects.exists()
    assert "已驳回" in text(client_of(trainee_a1).get(reverse("training:leave")))
    # A rejected request does not block a new one.
    ask(client_of(trainee_a1), lecture, "补充理由")
    assert LeaveRequest.objects.filter(status=LeaveStatus.PENDING).count() == 1


def test_a_decided_request_cannot_be_decided_again(trainee_a1, county_a1_admin, lecture, client_of):
    ask(client_of(trainee_a1), lecture)
    leave = LeaveRequest.objects.get()
    admin = client_of(county_a1_admin)
    admin.post(reverse("training:leave_decide", args=[leave.pk]), {"decision": "approve"})
    response = admin.post(reverse("training:leave_decide", args=[leave.pk]), {"decision": "reject"}, follow=True)
    assert "该请假申请已处理" in text(response)
    leave.refresh_from_db()
    assert leave.status == LeaveStatus.APPROVED


def test_another_countys_admin_neither_sees_nor_decides_and_the_trainee_cannot_decide(
    trainee_a1, county_b1_admin, lecture, client_of
):
    ask(client_of(trainee_a1), lecture)
    leave = LeaveRequest.objects.get()
    other = client_of(county_b1_admin)
    assert trainee_a1.cadre.name not in text(other.get(reverse("training:leave")))
    assert other.post(reverse("training:leave_decide", args=[leave.pk]), {"decision": "approve"}).status_code == 404
    own = client_of(trainee_a1).post(reverse("training:leave_decide", args=[leave.pk]), {"decision": "approve"})
    assert own.status_code == 403
    leave.refresh_from_db()
    assert leave.status == LeaveStatus.PENDING


def test_an_htmx_leave_request_answers_with_a_redirect_header(trainee_a1, lecture, client_of):
    response = client_of(trainee_a1).post(
        reverse("training:leave"), {"lecture": lecture.pk, "reason": "外出调研"}, **HX
    )
    assert response.status_code == 204 and response["HX-Redirect"] == reverse("training:leave")
    bad = client_of(trainee_a1).post(reverse("training:leave"), {"lecture": lecture.pk, "reason": ""}, **HX)
    assert "<html" not in text(bad) and "请假事由" in text(bad)


def test_the_class_page_links_an_enrolled_trainee_to_the_leave_page(trainee_a1, lecture, client_of):
    page = text(client_of(trainee_a1).get(reverse("training:class_detail", args=[lecture.training_class_id])))
    assert reverse("training:leave") in page


def test_a_unit_admin_cannot_decide_their_own_leave_on_the_page(county_a1_admin, client_of):
    enrolment = EnrolmentFactory(training_class=ClassFactory(), cadre=county_a1_admin.cadre)
    leave = leave_request_create(actor=county_a1_admin, enrolment=enrolment, reason="出差")
    own = client_of(county_a1_admin).post(reverse("training:leave_decide", args=[leave.pk]), {"decision": "approve"})
    assert own.status_code == 403
    leave.refresh_from_db()
    assert leave.status == LeaveStatus.PENDING
