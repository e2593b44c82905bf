from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from pypdf import PdfReader

from peixun.library.files import absolute
from peixun.library.models import Handout
from peixun.offices import services_handout
from peixun.offices import services_prep as prep_services
from peixun.training.tests.factories import ClassFactory, LectureFactory


def draft(*texts: str) -> list[dict]:
    return [{"title": f"第{i + 1}部分", "html": f"<p>{t}</p>"} for i, t in enumerate(texts)]


@pytest.fixture
def lecture(office):
    return LectureFactory(training_class=ClassFactory(office=office))


@pytest.fixture
def signed(author, office, office_director, lecture):
    prep = prep_services.prep_create(
        actor=author, office=office, title="纪法衔接专题", sections=draft("引言", "监督执纪正文"), lecture=lecture
    )
    return prep_services.prep_sign_off(actor=office_director, prep=prep)


def test_the_signed_version_becomes_a_versioned_handout_of_its_lecture(signed, author, lecture):
    first = services_handout.prep_handout_submit(actor=author, prep=signed)
    second = services_handout.prep_handout_submit(actor=author, prep=signed)
    handout = Handout.objects.get(lecture=lecture)
    assert handout.title == "纪法衔接专题"
    assert [first.version, second.version] == [1, 2]
    data = absolute(second.stored_path).read_bytes()
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "监督执纪正文" in text


def test_a_draft_that_is_not_signed_off_cannot_be_submitted(author, office, lecture):
    prep = prep_services.prep_create(actor=author, office=office, title="未定稿", sections=draft("x"), lecture=lecture)
    with pytest.raises(ValidationError) as exc:
        services_handout.prep_handout_submit(actor=author, prep=prep)
    assert exc.value.message_dict["prep"] == [services_handout.ERR_NOT_SIGNED]


def test_an_ordinary_member_cannot_submit_someone_elses_draft(signed, office_member):
    with pytest.raises(PermissionDenied, match=services_handout.ERR_SUBMIT_NOT_ALLOWED):
        services_handout.prep_handout_submit(actor=office_member, prep=signed)
