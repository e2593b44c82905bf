"""The class and lecture pages lead to the live pages: everyone who may attend to the player, organisers
also to the publishing page and the class's live settings."""

from __future__ import annotations

import pytest
from django.urls import reverse

from peixun.training.tests.factories import ClassFactory, EnrolmentFactory, LectureFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lecture(office, trainee_a1):  # type: ignore[no-untyped-def]
    lec = LectureFactory(training_class=ClassFactory(office=office), topic="直播专题", is_live=True)
    EnrolmentFactory(training_class=lec.training_class, cadre=trainee_a1.cadre)
    return lec


def page(client, name: str, pk: int) -> str:  # type: ignore[no-untyped-def]
    response = client.get(reverse(name, args=[pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_trainee_finds_the_player_but_not_the_publishing_page(trainee_a1, lecture, client_of):
    html = page(client_of(trainee_a1), "training:lecture_detail", lecture.pk)
    assert reverse("live:player", args=[lecture.pk]) in html
    assert reverse("live:publish", args=[lecture.pk]) not in html


def test_the_organiser_finds_the_publishing_page_and_the_live_settings(org_admin, lecture, client_of):
    client = client_of(org_admin)
    assert reverse("live:publish", args=[lecture.pk]) in page(client, "training:lecture_detail", lecture.pk)
    cls_html = page(client, "training:class_detail", lecture.training_class_id)
    assert reverse("live:class_settings", args=[lecture.training_class_id]) in cls_html
    assert reverse("live:player", args=[lecture.pk]) in cls_html


def test_a_lecture_that_is_not_live_has_no_player_link(trainee_a1, lecture, client_of):
    lecture.is_live = False
    lecture.save()
    assert reverse("live:player", args=[lecture.pk]) not in page(
        client_of(trainee_a1), "training:lecture_detail", lecture.pk
    )
