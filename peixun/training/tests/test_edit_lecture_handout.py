"""The lecture page links to the lecture's handout once it is published in the library, for those whom the
library's scope lets read it (issue 7's link from training)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from peixun.library import services as library_services
from peixun.library.models import Scope
from peixun.library.tests.factories import published, upload
from peixun.training.tests.factories import ClassFactory, EnrolmentFactory, LectureFactory


@pytest.fixture(autouse=True)
def _library_settings(settings, tmp_path) -> None:
    settings.TASKS_BACKEND = "sync"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def lecture(office, trainee_a1):  # type: ignore[no-untyped-def]
    lec = LectureFactory(training_class=ClassFactory(office=office), topic="案件审理要点")
    EnrolmentFactory(training_class=lec.training_class, cadre=trainee_a1.cadre)
    return lec


def page_of(client, lecture) -> str:  # type: ignore[no-untyped-def]
    return client.get(reverse("training:lecture_detail", args=[lecture.pk])).content.decode()


def test_an_enrolled_trainee_finds_the_published_handout_on_the_lecture_page(
    org_admin, trainee_a1, trainee_b1, lecture, client_of
):
    resource = published(org_admin, lecture, title="案件审理要点讲义", scope=Scope.CLASS)
    link = reverse("library:resource_detail", args=[resource.pk])
    mine = page_of(client_of(trainee_a1), lecture)
    assert "案件审理要点讲义" in mine and link in mine
    # Someone not in the class sees the lecture page but not a class-only handout.
    assert link not in page_of(client_of(trainee_b1), lecture)


def test_a_handout_not_yet_published_is_not_linked(org_admin, trainee_a1, lecture, client_of):
    file = upload(org_admin, lecture)
    library_services.resource_save(actor=org_admin, file=file, title="未发布讲义", scope=Scope.ALL)
    assert "未发布讲义" not in page_of(client_of(trainee_a1), lecture)
    assert "未发布讲义" not in page_of(client_of(org_admin), lecture)


def test_the_link_goes_away_when_the_handout_is_withdrawn(org_admin, trainee_a1, lecture, client_of):
    resource = published(org_admin, lecture, title="将撤回的讲义", scope=Scope.ALL)
    assert "将撤回的讲义" in page_of(client_of(trainee_a1), lecture)
    library_services.resource_unpublish(actor=org_admin, resource=resource)
    assert "将撤回的讲义" not in page_of(client_of(trainee_a1), lecture)
