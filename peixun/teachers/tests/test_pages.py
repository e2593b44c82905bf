"""The pool search page: a refused filter shows its Chinese message and no rows, never an unfiltered list."""

from __future__ import annotations

import pytest

from peixun.teachers import forms, selectors
from peixun.teachers.tests.factories import TeacherFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def external(office):
    return TeacherFactory(external_name="省委党校孙教授", external_org="省委党校", fields=[office])


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"min_rating": "九十"}, forms.ERR_RATING),
        ({"min_rating": "6"}, forms.ERR_RATING),
        ({"free_from": "2026-09-01T10:00"}, selectors.ERR_FREE_PAIR),
        ({"free_from": "2026-09-01T12:00", "free_to": "2026-09-01T10:00"}, selectors.ERR_FREE_ORDER),
        ({"free_from": "明天", "free_to": "2026-09-01T10:00"}, forms.ERR_DATETIME),
    ],
)
def test_a_refused_filter_shows_its_message_and_no_rows(client_of, org_admin, external, params, message):
    body = client_of(org_admin).get("/teachers/pool/", params).content.decode()
    assert message in body
    assert "省委党校孙教授" not in body


def test_a_valid_window_lists_the_free_teachers(client_of, org_admin, external):
    params = {"free_from": "2026-09-01T10:00", "free_to": "2026-09-01T12:00", "min_rating": ""}
    body = client_of(org_admin).get("/teachers/pool/", params).content.decode()
    assert "省委党校孙教授" in body and "search-errors" not in body
